import { ForeignKey } from '@strata/core'
import { modelsToCreate, pushSchema } from '@strata/migrations'
import { connect, type Database, type DialectFeatures, type StrataDialect, sql } from '@strata/query'
import type { RawBuilder } from 'kysely'
import { expect } from 'vitest'
import { Author, Comment, MODELS, Post, Tag } from './models.js'

/** A database the suite runs against. */
export interface ConformanceTarget {
  /** Shown in test names. */
  name: string
  /** Makes the dialect to connect with (called once per run, after `setup`). */
  dialect: () => StrataDialect
  /** Runs before connecting (create a per-run database or schema). */
  setup?: () => Promise<void>
  /** Runs after closing (drop it). */
  teardown?: () => Promise<void>
  /**
   * A second dialect on the same database with a pool of `size` connections that waits at most
   * `acquireTimeout` ms for one (SQLite: its one connection and `busyTimeout`). It is connected
   * as the alias `limited` for the pool-exhaustion tests; without it they do not run.
   */
  limitedPool?: (acquireTimeout: number) => { dialect: StrataDialect; size: number }
  /**
   * For the fault tests, on a database server: SQL giving the id of the session that runs it (as
   * column `id`), and SQL that ends session `id` from another session. Absent on SQLite.
   */
  killSession?: { sessionId: RawBuilder<{ id: unknown }>; kill: (id: unknown) => RawBuilder<unknown> }
}

/** How long `limited` waits for a connection, in ms. */
export const LIMITED_ACQUIRE_TIMEOUT = 300

/** The standard blog rows that `seed()` creates. */
export interface Blog {
  alice: Author
  bob: Author
  cara: Author
  p1: Post
  p2: Post
  p3: Post
  p4: Post
  c1: Comment
  c2: Comment
  c3: Comment
  c4: Comment
  ts: Tag
  django: Tag
  web: Tag
}

/** What every suite gets: the live database, its features and fixture helpers. */
export class ConformanceContext {
  readonly target: ConformanceTarget
  #db: Database | undefined
  #dialect: StrataDialect | undefined
  #tables: { table: string; selfColumns: string[] }[] = []
  /** How many connections the `limited` alias has (0 without `target.limitedPool`). */
  limitedPoolSize = 0

  constructor(target: ConformanceTarget) {
    this.target = target
  }

  /** The connected database (inside tests and hooks). */
  get db(): Database {
    if (!this.#db) throw new Error('conformance: the database is not connected yet')
    return this.#db
  }

  /** The dialect's feature flags (inside tests and hooks). */
  get features(): DialectFeatures {
    if (!this.#dialect) throw new Error('conformance: the database is not connected yet')
    return this.#dialect.features
  }

  async start(): Promise<void> {
    await this.target.setup?.()
    this.#dialect = this.target.dialect()
    const limited = this.target.limitedPool?.(LIMITED_ACQUIRE_TIMEOUT)
    this.#db = await connect({
      databases: { default: this.#dialect, ...(limited ? { limited: limited.dialect } : {}) },
      models: [...MODELS],
    })
    this.limitedPoolSize = limited?.size ?? 0
    await pushSchema(this.#db, { reset: true })
    this.#tables = modelsToCreate(this.#db.models)
      .reverse()
      .map((m) => ({
        table: m.dbTable,
        selfColumns: m.concreteFields
          .filter((fl) => fl instanceof ForeignKey && fl.target === m && fl.nullable)
          .map((fl) => fl.column),
      }))
  }

  async stop(): Promise<void> {
    try {
      await this.#db?.close()
    } finally {
      this.#db = undefined
      await this.target.teardown?.()
    }
  }

  /**
   * Runs `fn` and returns the SQL of every query it sent (Django's `assertNumQueries` reads its length).
   * @example expect(await ctx.queries(() => Post.objects.prefetchRelated('tags'))).toHaveLength(2)
   */
  async queries(fn: () => unknown): Promise<string[]> {
    const { queries } = await this.db.captureQueries(async () => {
      await fn()
    })
    return queries.map((q) => q.sql)
  }

  /** Deletes every row, children first. */
  async clean(): Promise<void> {
    for (const { table, selfColumns } of this.#tables) {
      for (const col of selfColumns)
        await this.db.raw(sql`update ${sql.table(table)} set ${sql.id(col)} = null`)
      await this.db.raw(sql`delete from ${sql.table(table)}`)
    }
  }

  /** The rows of a table as the driver returns them, ordered by primary key (for "unchanged" checks). */
  async rawRows(model: { meta: { dbTable: string; pk: { column: string } } }): Promise<unknown[]> {
    return this.db.raw(
      sql`select * from ${sql.table(model.meta.dbTable)} order by ${sql.id(model.meta.pk.column)}`,
    )
  }

  /** Runs `fn` (expected to throw `error`) and checks that the table did not change. */
  async expectRejectsUnchanged(
    model: { meta: { dbTable: string; pk: { column: string } } },
    fn: () => unknown,
    error: abstract new (...args: never[]) => Error,
    message?: RegExp | string,
  ): Promise<Error> {
    const before = await this.rawRows(model)
    let caught: unknown
    try {
      await fn()
    } catch (e) {
      caught = e
    }
    expect(caught, 'expected an error').toBeInstanceOf(error)
    if (message !== undefined) expect((caught as Error).message).toMatch(message)
    expect(await this.rawRows(model)).toEqual(before)
    return caught as Error
  }

  /** Links posts and tags through the auto-created join table. */
  async addTags(post: Post, ...tags: Tag[]): Promise<void> {
    const m2m = Post.meta.field('tags') as unknown as {
      through: { dbTable: string }
      sourceField: { column: string }
      targetField: { column: string }
    }
    for (const tag of tags) {
      await this.db.raw(
        sql`insert into ${sql.table(m2m.through.dbTable)} (${sql.id(m2m.sourceField.column)}, ${sql.id(m2m.targetField.column)}) values (${post.pk}, ${tag.pk})`,
      )
    }
  }

  /** Sets a post's `pubDate` (which `autoNowAdd` stamps on insert). */
  async setDate(obj: Post | Comment, iso: string): Promise<void> {
    const d = new Date(iso)
    const cls = obj.constructor as typeof Post
    await cls.objects.filter({ pk: obj.pk } as never).update({ pubDate: d })
    obj.pubDate = d
  }

  /** The standard blog: 3 authors, 4 posts (one without author), 4 comments, 3 tags. */
  async seed(): Promise<Blog> {
    const alice = await Author.objects.create({ name: 'Alice', email: 'alice@example.com', age: 30 })
    const bob = await Author.objects.create({ name: 'Bob', email: 'bob@example.com', age: null })
    const cara = await Author.objects.create({ name: 'Cara', email: 'cara@example.com', age: 41 })
    const p1 = await Post.objects.create({
      title: 'First Post',
      content: 'This is my first blog post.',
      author: alice,
      rating: '4.50',
    })
    const p2 = await Post.objects.create({
      title: 'Django tips',
      content: 'Use the ORM.',
      author: alice,
      rating: '3.25',
    })
    const p3 = await Post.objects.create({
      title: 'École du Web',
      content: 'Bonjour le monde',
      author: bob,
      rating: '5.00',
    })
    const p4 = await Post.objects.create({ title: 'Anonymous', content: '', author: null })
    await this.setDate(p1, '2023-01-15T10:30:00.000Z')
    await this.setDate(p2, '2023-06-01T08:00:00.000Z')
    await this.setDate(p3, '2022-12-31T23:59:59.000Z')
    await this.setDate(p4, '2024-02-29T12:00:00.000Z')
    const c1 = await Comment.objects.create({ post: p1, author: 'John', text: 'Great post!' })
    const c2 = await Comment.objects.create({ post: p1, author: 'Jane', text: 'Thanks' })
    const c3 = await Comment.objects.create({ post: p2, author: 'John', text: 'Nice tips' })
    const c4 = await Comment.objects.create({ post: p3, author: 'Jane', text: 'Bravo' })
    await this.setDate(c1, '2023-01-16T09:00:00.000Z')
    await this.setDate(c2, '2023-01-17T09:00:00.000Z')
    await this.setDate(c3, '2023-06-02T09:00:00.000Z')
    await this.setDate(c4, '2023-01-01T09:00:00.000Z')
    const ts = await Tag.objects.create({ name: 'ts' })
    const django = await Tag.objects.create({ name: 'django' })
    const web = await Tag.objects.create({ name: 'web' })
    await this.addTags(p1, ts)
    await this.addTags(p2, django, web)
    await this.addTags(p3, web)
    return { alice, bob, cara, p1, p2, p3, p4, c1, c2, c3, c4, ts, django, web }
  }
}

/** Sorts a list of strings (for order-independent comparisons). */
export function sorted<T>(items: Iterable<T>): T[] {
  return [...items].sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0))
}
