/** Drizzle ORM 0.45: table schemas per database, the query builder and the relational query API. */
import Database from 'better-sqlite3'
import { asc, count, desc, eq, gte, inArray, like, relations } from 'drizzle-orm'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import { datetime, int, longtext, mysqlTable, varchar as myVarchar } from 'drizzle-orm/mysql-core'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { integer as pgInteger, pgTable, text as pgText, timestamp, varchar as pgVarchar } from 'drizzle-orm/pg-core'
import { customType, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import mysql from 'mysql2/promise'
import pg from 'pg'
import type { Target } from '../config.js'
import type { Contender } from '../contender.js'
import { formatSqliteDate, parseSqliteDate } from '../dates.js'
import { escapeLike } from './raw.js'

// SQLite holds datetimes as UTC text (the tables Strata makes).
const sqliteDate = customType<{ data: Date; driverData: string }>({
  dataType: () => 'datetime',
  toDriver: formatSqliteDate,
  fromDriver: parseSqliteDate,
})

const sqliteSchema = (() => {
  const author = sqliteTable('author', { id: integer('id').primaryKey({ autoIncrement: true }), name: text('name').notNull(), email: text('email').notNull() })
  const post = sqliteTable('post', {
    id: integer('id').primaryKey({ autoIncrement: true }),
    title: text('title').notNull(),
    content: text('content').notNull(),
    pubDate: sqliteDate('pub_date').notNull(),
    authorId: integer('author_id').notNull(),
  })
  const comment = sqliteTable('comment', {
    id: integer('id').primaryKey({ autoIncrement: true }),
    postId: integer('post_id').notNull(),
    author: text('author').notNull(),
    text: text('text').notNull(),
    pubDate: sqliteDate('pub_date').notNull(),
  })
  return { author, post, comment, ...relationsOf(author, post, comment) }
})()

const pgSchema = (() => {
  const author = pgTable('author', { id: pgInteger('id').primaryKey().generatedByDefaultAsIdentity(), name: pgVarchar('name').notNull(), email: pgVarchar('email').notNull() })
  const post = pgTable('post', {
    id: pgInteger('id').primaryKey().generatedByDefaultAsIdentity(),
    title: pgVarchar('title').notNull(),
    content: pgText('content').notNull(),
    pubDate: timestamp('pub_date', { withTimezone: true, mode: 'date' }).notNull(),
    authorId: pgInteger('author_id').notNull(),
  })
  const comment = pgTable('comment', {
    id: pgInteger('id').primaryKey().generatedByDefaultAsIdentity(),
    postId: pgInteger('post_id').notNull(),
    author: pgVarchar('author').notNull(),
    text: pgText('text').notNull(),
    pubDate: timestamp('pub_date', { withTimezone: true, mode: 'date' }).notNull(),
  })
  return { author, post, comment, ...relationsOf(author, post, comment) }
})()

const mysqlSchema = (() => {
  const author = mysqlTable('author', { id: int('id').primaryKey().autoincrement(), name: myVarchar('name', { length: 100 }).notNull(), email: myVarchar('email', { length: 254 }).notNull() })
  const post = mysqlTable('post', {
    id: int('id').primaryKey().autoincrement(),
    title: myVarchar('title', { length: 100 }).notNull(),
    content: longtext('content').notNull(),
    pubDate: datetime('pub_date', { mode: 'date', fsp: 6 }).notNull(),
    authorId: int('author_id').notNull(),
  })
  const comment = mysqlTable('comment', {
    id: int('id').primaryKey().autoincrement(),
    postId: int('post_id').notNull(),
    author: myVarchar('author', { length: 50 }).notNull(),
    text: longtext('text').notNull(),
    pubDate: datetime('pub_date', { mode: 'date', fsp: 6 }).notNull(),
  })
  return { author, post, comment, ...relationsOf(author, post, comment) }
})()

// biome-ignore lint/suspicious/noExplicitAny: one relations() definition for the three dialects' tables.
function relationsOf(author: any, post: any, comment: any) {
  return {
    authorRelations: relations(author, ({ many }) => ({ posts: many(post) })),
    postRelations: relations(post, ({ one, many }) => ({ author: one(author, { fields: [post.authorId], references: [author.id] }), comments: many(comment) })),
    commentRelations: relations(comment, ({ one }) => ({ post: one(post, { fields: [comment.postId], references: [post.id] }) })),
  }
}

function sqliteContender(target: Target): Contender {
  const client = new Database(target.url)
  client.pragma('journal_mode = WAL')
  client.pragma('foreign_keys = ON')
  const db = drizzleSqlite(client, { schema: sqliteSchema })
  const { post, author, comment } = sqliteSchema
  return {
    getPost: (id) => db.query.post.findFirst({ where: eq(post.id, id) }),
    titleSearch: (word) => db.select().from(post).where(like(post.title, `%${escapeLike(word)}%`)).orderBy(desc(post.pubDate)).limit(20),
    async authorPrefix(prefix) {
      const rows = await db.select({ post }).from(post).innerJoin(author, eq(author.id, post.authorId)).where(like(author.name, `${escapeLike(prefix)}%`)).orderBy(asc(post.id))
      return rows.map((r) => r.post)
    },
    postsWithAuthor: (start) => db.query.post.findMany({ where: gte(post.id, start), orderBy: asc(post.id), limit: 20, with: { author: true } }),
    postsWithComments: (start) => db.query.post.findMany({ where: gte(post.id, start), orderBy: asc(post.id), limit: 20, with: { comments: true } }),
    commentCounts: (ids) => db.select({ postId: comment.postId, n: count() }).from(comment).where(inArray(comment.postId, [...ids])).groupBy(comment.postId).orderBy(asc(comment.postId)),
    async insertPost(p) {
      const [row] = await db.insert(post).values(p).returning({ id: post.id })
      return row!.id
    },
    bulkInsertComments: (rows) => db.insert(comment).values([...rows]),
    async updatePost(id, title) {
      return (await db.update(post).set({ title }).where(eq(post.id, id))).changes
    },
    // better-sqlite3 transactions are synchronous: the queries run with .get() / .run().
    async transaction(p, comments) {
      return db.transaction((tx) => {
        const row = tx.insert(post).values(p).returning({ id: post.id }).get()
        tx.insert(comment).values(comments.map((c) => ({ ...c, postId: row.id }))).run()
        return row.id
      })
    },
    allPosts: () => db.select().from(post),
    async close() {
      client.close()
    },
  }
}

function postgresContender(target: Target): Contender {
  const pool = new pg.Pool({ connectionString: target.url, max: 10 })
  const db = drizzlePg(pool, { schema: pgSchema })
  const { post, author, comment } = pgSchema
  return {
    getPost: (id) => db.query.post.findFirst({ where: eq(post.id, id) }),
    titleSearch: (word) => db.select().from(post).where(like(post.title, `%${escapeLike(word)}%`)).orderBy(desc(post.pubDate)).limit(20),
    async authorPrefix(prefix) {
      const rows = await db.select({ post }).from(post).innerJoin(author, eq(author.id, post.authorId)).where(like(author.name, `${escapeLike(prefix)}%`)).orderBy(asc(post.id))
      return rows.map((r) => r.post)
    },
    postsWithAuthor: (start) => db.query.post.findMany({ where: gte(post.id, start), orderBy: asc(post.id), limit: 20, with: { author: true } }),
    postsWithComments: (start) => db.query.post.findMany({ where: gte(post.id, start), orderBy: asc(post.id), limit: 20, with: { comments: true } }),
    commentCounts: (ids) => db.select({ postId: comment.postId, n: count() }).from(comment).where(inArray(comment.postId, [...ids])).groupBy(comment.postId).orderBy(asc(comment.postId)),
    async insertPost(p) {
      const [row] = await db.insert(post).values(p).returning({ id: post.id })
      return row!.id
    },
    bulkInsertComments: (rows) => db.insert(comment).values([...rows]),
    async updatePost(id, title) {
      return (await db.update(post).set({ title }).where(eq(post.id, id))).rowCount
    },
    transaction: (p, comments) =>
      db.transaction(async (tx) => {
        const [row] = await tx.insert(post).values(p).returning({ id: post.id })
        await tx.insert(comment).values(comments.map((c) => ({ ...c, postId: row!.id })))
        return row!.id
      }),
    allPosts: () => db.select().from(post),
    close: () => pool.end(),
  }
}

function mysqlContender(target: Target): Contender {
  const pool = mysql.createPool({ uri: target.url, timezone: 'Z', connectionLimit: 10 })
  const db = drizzleMysql(pool, { schema: mysqlSchema, mode: 'default' })
  const { post, author, comment } = mysqlSchema
  return {
    getPost: (id) => db.query.post.findFirst({ where: eq(post.id, id) }),
    titleSearch: (word) => db.select().from(post).where(like(post.title, `%${escapeLike(word)}%`)).orderBy(desc(post.pubDate)).limit(20),
    async authorPrefix(prefix) {
      const rows = await db.select({ post }).from(post).innerJoin(author, eq(author.id, post.authorId)).where(like(author.name, `${escapeLike(prefix)}%`)).orderBy(asc(post.id))
      return rows.map((r) => r.post)
    },
    // The relational queries need LATERAL or outer references in derived tables, which MariaDB lacks: joins and two queries instead.
    async postsWithAuthor(start) {
      const rows = await db.select({ post, author }).from(post).innerJoin(author, eq(author.id, post.authorId)).where(gte(post.id, start)).orderBy(asc(post.id)).limit(20)
      return rows.map((r) => ({ ...r.post, author: r.author }))
    },
    async postsWithComments(start) {
      const posts = await db.select().from(post).where(gte(post.id, start)).orderBy(asc(post.id)).limit(20)
      const comments = posts.length ? await db.select().from(comment).where(inArray(comment.postId, posts.map((p) => p.id))) : []
      const byPost = new Map(posts.map((p) => [p.id, { ...p, comments: [] as (typeof comments)[number][] }]))
      for (const c of comments) byPost.get(c.postId)?.comments.push(c)
      return [...byPost.values()]
    },
    commentCounts: (ids) => db.select({ postId: comment.postId, n: count() }).from(comment).where(inArray(comment.postId, [...ids])).groupBy(comment.postId).orderBy(asc(comment.postId)),
    async insertPost(p) {
      const [row] = await db.insert(post).values(p).$returningId()
      return row!.id
    },
    bulkInsertComments: (rows) => db.insert(comment).values([...rows]),
    async updatePost(id, title) {
      return (await db.update(post).set({ title }).where(eq(post.id, id)))[0].affectedRows
    },
    transaction: (p, comments) =>
      db.transaction(async (tx) => {
        const [row] = await tx.insert(post).values(p).$returningId()
        await tx.insert(comment).values(comments.map((c) => ({ ...c, postId: row!.id })))
        return row!.id
      }),
    allPosts: () => db.select().from(post),
    close: () => pool.end(),
  }
}

/** Drizzle on the target's database. */
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
