/** Kysely 0.28 with its own dialects, as its documentation teaches (typed tables, query builder). */
import Database from 'better-sqlite3'
import { type Generated, Kysely, MysqlDialect, PostgresDialect, SqliteDialect, sql } from 'kysely'
import mysql from 'mysql2'
import pg from 'pg'
import type { NewComment, NewPost, Target } from '../config.js'
import type { Contender } from '../contender.js'
import { formatSqliteDate, parseSqliteDate } from '../dates.js'
import { escapeLike } from './raw.js'

interface Tables {
  author: { id: Generated<number>; name: string; email: string }
  post: { id: Generated<number>; title: string; content: string; pub_date: Date | string; author_id: number }
  comment: { id: Generated<number>; post_id: number; author: string; text: string; pub_date: Date | string }
}

type Row = Record<string, unknown>

function kyselyFor(target: Target): Kysely<Tables> {
  switch (target.db) {
    case 'sqlite': {
      const db = new Database(target.url)
      db.pragma('journal_mode = WAL')
      db.pragma('foreign_keys = ON')
      return new Kysely<Tables>({ dialect: new SqliteDialect({ database: db }) })
    }
    case 'postgres':
      return new Kysely<Tables>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: target.url, max: 10 }) }) })
    case 'mysql':
      return new Kysely<Tables>({ dialect: new MysqlDialect({ pool: mysql.createPool({ uri: target.url, timezone: 'Z', connectionLimit: 10 }) }) })
  }
}

/** Kysely on the target's database. */
export async function create(target: Target): Promise<Contender> {
  const db = kyselyFor(target)
  const sqlite = target.db === 'sqlite'
  // SQLite has no date type: dates go in and come out as UTC text.
  const toDb = (d: Date): Date | string => (sqlite ? formatSqliteDate(d) : d)
  const date = <R extends Row>(r: R): R => {
    if (sqlite) (r as Row).pubDate = parseSqliteDate(r.pubDate as string)
    return r
  }
  const posts = () => db.selectFrom('post').select(['post.id', 'post.title', 'post.content', 'post.pub_date as pubDate', 'post.author_id as authorId'])
  const like = (pattern: string) => (sqlite ? sql<boolean>`${sql.ref('title')} like ${pattern} escape '\\'` : sql<boolean>`${sql.ref('title')} like ${pattern}`)
  const insertPost = async (trx: Kysely<Tables>, p: NewPost): Promise<number> => {
    if (target.db === 'mysql') {
      const r = await trx.insertInto('post').values({ title: p.title, content: p.content, pub_date: p.pubDate, author_id: p.authorId }).executeTakeFirstOrThrow()
      return Number(r.insertId)
    }
    const r = await trx.insertInto('post').values({ title: p.title, content: p.content, pub_date: toDb(p.pubDate), author_id: p.authorId }).returning('id').executeTakeFirstOrThrow()
    return r.id
  }
  const commentRows = (comments: readonly NewComment[]) => comments.map((c) => ({ post_id: c.postId, author: c.author, text: c.text, pub_date: toDb(c.pubDate) }))
  return {
    async getPost(id) {
      const r = await posts().where('id', '=', id).executeTakeFirst()
      return r && date(r)
    },
    async titleSearch(word) {
      return (await posts().where(like(`%${escapeLike(word)}%`)).orderBy('pub_date', 'desc').limit(20).execute()).map(date)
    },
    async authorPrefix(prefix) {
      const pattern = `${escapeLike(prefix)}%`
      const rows = await posts()
        .innerJoin('author', 'author.id', 'post.author_id')
        .where(sqlite ? sql<boolean>`${sql.ref('author.name')} like ${pattern} escape '\\'` : sql<boolean>`${sql.ref('author.name')} like ${pattern}`)
        .orderBy('post.id')
        .execute()
      return rows.map(date)
    },
    async postsWithAuthor(start) {
      const rows = await posts()
        .innerJoin('author', 'author.id', 'post.author_id')
        .select(['author.name as authorName', 'author.email as authorEmail'])
        .where('post.id', '>=', start)
        .orderBy('post.id')
        .limit(20)
        .execute()
      return rows.map((r) => ({ ...date(r), author: { id: r.authorId, name: r.authorName, email: r.authorEmail } }))
    },
    async postsWithComments(start) {
      const list = (await posts().where('id', '>=', start).orderBy('id').limit(20).execute()).map(date)
      const comments = list.length
        ? await db.selectFrom('comment').select(['id', 'post_id as postId', 'author', 'text', 'pub_date as pubDate']).where('post_id', 'in', list.map((p) => p.id)).execute()
        : []
      const byPost = new Map<number, Row[]>()
      const out = list.map((p) => {
        const comments: Row[] = []
        byPost.set(p.id, comments)
        return { ...p, comments }
      })
      for (const c of comments) byPost.get(c.postId)?.push(date(c))
      return out
    },
    async commentCounts(ids) {
      return db
        .selectFrom('comment')
        .select(['post_id as postId', (eb) => eb.fn.countAll<number>().as('n')])
        .where('post_id', 'in', ids)
        .groupBy('post_id')
        .orderBy('post_id')
        .execute()
    },
    insertPost: (p) => insertPost(db, p),
    async bulkInsertComments(comments) {
      await db.insertInto('comment').values(commentRows(comments)).execute()
    },
    async updatePost(id, title) {
      const r = await db.updateTable('post').set({ title }).where('id', '=', id).executeTakeFirst()
      return Number(r.numUpdatedRows)
    },
    transaction: (post, comments) =>
      db.transaction().execute(async (trx) => {
        const id = await insertPost(trx, post)
        await trx.insertInto('comment').values(commentRows(comments.map((c) => ({ ...c, postId: id })))).execute()
        return id
      }),
    allPosts: async () => (await posts().execute()).map(date),
    close: () => db.destroy(),
  }
}
