/**
 * The raw drivers, the limit: hand-written SQL, statements prepared once (better-sqlite3
 * `prepare`, pg named statements, mysql2 `execute`), rows turned into plain objects with `Date`s.
 */
import Database from 'better-sqlite3'
import mysql from 'mysql2/promise'
import pg from 'pg'
import type { NewComment, NewPost, Target } from '../config.js'
import type { Contender } from '../contender.js'
import { formatSqliteDate, parseSqliteDate } from '../dates.js'

const POST = 'id, title, content, pub_date as "pubDate", author_id as "authorId"'
const POST_P = 'p.id, p.title, p.content, p.pub_date as "pubDate", p.author_id as "authorId"'
const COMMENT = 'id, post_id as "postId", author, text, pub_date as "pubDate"'

type Row = Record<string, unknown>

/** Groups comments under their posts (the second query of operation 5). */
function attachComments(posts: Row[], comments: Row[]): Row[] {
  const byPost = new Map<unknown, Row[]>()
  for (const p of posts) {
    const list: Row[] = []
    p.comments = list
    byPost.set(p.id, list)
  }
  for (const c of comments) byPost.get(c.postId)?.push(c)
  return posts
}

/** Nests the `a_*` columns of a post-author row into `author`. */
function nestAuthor(r: Row): Row {
  return { id: r.id, title: r.title, content: r.content, pubDate: r.pubDate, authorId: r.authorId, author: { id: r.a_id, name: r.a_name, email: r.a_email } }
}

function sqliteContender(target: Target): Contender {
  const db = new Database(target.url)
  db.pragma('journal_mode = WAL')
  db.pragma('foreign_keys = ON')
  const date = (r: Row): Row => {
    r.pubDate = parseSqliteDate(r.pubDate as string)
    return r
  }
  const s = {
    get: db.prepare(`select ${POST} from post where id = ?`),
    all: db.prepare(`select ${POST} from post`),
    title: db.prepare(`select ${POST} from post where title like ? escape '\\' order by pub_date desc limit 20`),
    prefix: db.prepare(`select ${POST_P} from post p join author a on a.id = p.author_id where a.name like ? escape '\\' order by p.id`),
    withAuthor: db.prepare(`select ${POST_P}, a.id as a_id, a.name as a_name, a.email as a_email from post p join author a on a.id = p.author_id where p.id >= ? order by p.id limit 20`),
    window: db.prepare(`select ${POST} from post where id >= ? order by id limit 20`),
    comments: db.prepare(`select ${COMMENT} from comment where post_id in (${Array(20).fill('?').join(', ')})`),
    counts: db.prepare(`select post_id as "postId", count(*) as n from comment where post_id in (${Array(100).fill('?').join(', ')}) group by post_id order by post_id`),
    insertPost: db.prepare('insert into post (title, content, pub_date, author_id) values (?, ?, ?, ?)'),
    insertComment: db.prepare('insert into comment (post_id, author, text, pub_date) values (?, ?, ?, ?)'),
    update: db.prepare('update post set title = ? where id = ?'),
  }
  const insertPost = (p: NewPost): number => Number(s.insertPost.run(p.title, p.content, formatSqliteDate(p.pubDate), p.authorId).lastInsertRowid)
  const bulk = db.transaction((comments: readonly NewComment[]) => {
    for (const c of comments) s.insertComment.run(c.postId, c.author, c.text, formatSqliteDate(c.pubDate))
  })
  const tx = db.transaction((post: NewPost, comments: readonly Omit<NewComment, 'postId'>[]) => {
    const id = insertPost(post)
    for (const c of comments) s.insertComment.run(id, c.author, c.text, formatSqliteDate(c.pubDate))
    return id
  })
  return {
    async getPost(id) {
      const r = s.get.get(id) as Row | undefined
      return r && date(r)
    },
    async titleSearch(word) {
      return (s.title.all(`%${escapeLike(word)}%`) as Row[]).map(date)
    },
    async authorPrefix(prefix) {
      return (s.prefix.all(`${escapeLike(prefix)}%`) as Row[]).map(date)
    },
    async postsWithAuthor(start) {
      return (s.withAuthor.all(start) as Row[]).map((r) => nestAuthor(date(r)))
    },
    async postsWithComments(start) {
      const posts = (s.window.all(start) as Row[]).map(date)
      const ids = posts.map((p) => p.id)
      while (ids.length < 20) ids.push(null)
      return attachComments(posts, (s.comments.all(...ids) as Row[]).map(date))
    },
    async commentCounts(ids) {
      return s.counts.all(...ids) as Row[]
    },
    async insertPost(post) {
      return insertPost(post)
    },
    async bulkInsertComments(comments) {
      bulk(comments)
    },
    async updatePost(id, title) {
      return s.update.run(title, id).changes
    },
    async transaction(post, comments) {
      return tx.immediate(post, comments)
    },
    async allPosts() {
      return (s.all.all() as Row[]).map(date)
    },
    async close() {
      db.close()
    },
  }
}

function postgresContender(target: Target): Contender {
  const pool = new pg.Pool({ connectionString: target.url, max: 10 })
  const q = async (name: string, text: string, values: unknown[]): Promise<Row[]> => (await pool.query({ name, text, values })).rows
  const insertPostSql = 'insert into post (title, content, pub_date, author_id) values ($1, $2, $3, $4) returning id'
  const insertCommentsSql = 'insert into comment (post_id, author, text, pub_date) select * from unnest($1::int[], $2::text[], $3::text[], $4::timestamptz[])'
  const commentColumns = (postIds: readonly number[], comments: readonly Omit<NewComment, 'postId'>[]) => [postIds, comments.map((c) => c.author), comments.map((c) => c.text), comments.map((c) => c.pubDate)]
  return {
    async getPost(id) {
      return (await q('get', `select ${POST} from post where id = $1`, [id]))[0]
    },
    titleSearch: (word) => q('title', `select ${POST} from post where title like $1 order by pub_date desc limit 20`, [`%${escapeLike(word)}%`]),
    authorPrefix: (prefix) => q('prefix', `select ${POST_P} from post p join author a on a.id = p.author_id where a.name like $1 order by p.id`, [`${escapeLike(prefix)}%`]),
    async postsWithAuthor(start) {
      const rows = await q('withAuthor', `select ${POST_P}, a.id as a_id, a.name as a_name, a.email as a_email from post p join author a on a.id = p.author_id where p.id >= $1 order by p.id limit 20`, [start])
      return rows.map(nestAuthor)
    },
    async postsWithComments(start) {
      const posts = await q('window', `select ${POST} from post where id >= $1 order by id limit 20`, [start])
      const comments = await q('comments', `select ${COMMENT} from comment where post_id = any($1)`, [posts.map((p) => p.id)])
      return attachComments(posts, comments)
    },
    async commentCounts(ids) {
      return q('counts', 'select post_id as "postId", count(*)::int as n from comment where post_id = any($1) group by post_id order by post_id', [ids])
    },
    async insertPost(p) {
      return (await q('insertPost', insertPostSql, [p.title, p.content, p.pubDate, p.authorId]))[0]!.id
    },
    async bulkInsertComments(comments) {
      await q('bulk', insertCommentsSql, commentColumns(comments.map((c) => c.postId), comments))
    },
    async updatePost(id, title) {
      return (await pool.query({ name: 'update', text: 'update post set title = $1 where id = $2', values: [title, id] })).rowCount
    },
    async transaction(post, comments) {
      const client = await pool.connect()
      try {
        await client.query('begin')
        const id = (await client.query({ name: 'insertPost', text: insertPostSql, values: [post.title, post.content, post.pubDate, post.authorId] })).rows[0].id
        await client.query({ name: 'bulk', text: insertCommentsSql, values: commentColumns(comments.map(() => id), comments) })
        await client.query('commit')
        return id
      } catch (e) {
        await client.query('rollback')
        throw e
      } finally {
        client.release()
      }
    },
    allPosts: () => q('all', `select ${POST} from post`, []),
    async close() {
      await pool.end()
    },
  }
}

function mysqlContender(target: Target): Contender {
  const pool = mysql.createPool({ uri: target.url, timezone: 'Z', connectionLimit: 10 })
  const q = async (sql: string, values: (string | number | Date)[]): Promise<Row[]> => (await pool.execute(sql, values))[0] as Row[]
  const my = (s: string) => s.replaceAll('"', '`')
  const insertPostSql = 'insert into post (title, content, pub_date, author_id) values (?, ?, ?, ?)'
  return {
    async getPost(id) {
      return (await q(my(`select ${POST} from post where id = ?`), [id]))[0]
    },
    titleSearch: (word) => q(my(`select ${POST} from post where title like ? order by pub_date desc limit 20`), [`%${escapeLike(word)}%`]),
    authorPrefix: (prefix) => q(my(`select ${POST_P} from post p join author a on a.id = p.author_id where a.name like ? order by p.id`), [`${escapeLike(prefix)}%`]),
    async postsWithAuthor(start) {
      const rows = await q(my(`select ${POST_P}, a.id as a_id, a.name as a_name, a.email as a_email from post p join author a on a.id = p.author_id where p.id >= ? order by p.id limit 20`), [start])
      return rows.map(nestAuthor)
    },
    async postsWithComments(start) {
      const posts = await q(my(`select ${POST} from post where id >= ? order by id limit 20`), [start])
      const ids = posts.map((p) => p.id as number)
      const comments = ids.length ? await q(my(`select ${COMMENT} from comment where post_id in (${ids.map(() => '?').join(', ')})`), ids) : []
      return attachComments(posts, comments)
    },
    async commentCounts(ids) {
      return q(my(`select post_id as "postId", count(*) as n from comment where post_id in (${ids.map(() => '?').join(', ')}) group by post_id order by post_id`), [...ids])
    },
    async insertPost(p) {
      const [r] = await pool.execute(insertPostSql, [p.title, p.content, p.pubDate, p.authorId])
      return (r as mysql.ResultSetHeader).insertId
    },
    async bulkInsertComments(comments) {
      await pool.query('insert into comment (post_id, author, text, pub_date) values ?', [comments.map((c) => [c.postId, c.author, c.text, c.pubDate])])
    },
    async updatePost(id, title) {
      const [r] = await pool.execute('update post set title = ? where id = ?', [title, id])
      return (r as mysql.ResultSetHeader).affectedRows
    },
    async transaction(post, comments) {
      const conn = await pool.getConnection()
      try {
        await conn.beginTransaction()
        const [r] = await conn.execute(insertPostSql, [post.title, post.content, post.pubDate, post.authorId])
        const id = (r as mysql.ResultSetHeader).insertId
        await conn.query('insert into comment (post_id, author, text, pub_date) values ?', [comments.map((c) => [id, c.author, c.text, c.pubDate])])
        await conn.commit()
        return id
      } catch (e) {
        await conn.rollback()
        throw e
      } finally {
        conn.release()
      }
    },
    allPosts: () => q(my(`select ${POST} from post`), []),
    async close() {
      await pool.end()
    },
  }
}

/** `%`, `_` and `\` taken literally in a LIKE pattern (escape character `\`). */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/** The raw driver of the target's database. */
export async function create(target: Target): Promise<Contender> {
  switch (target.db) {
    case 'sqlite':
      return sqliteContender(target)
    case 'postgres':
      return postgresContender(target)
    case 'mysql':
      return mysqlContender(target)
  }
}
