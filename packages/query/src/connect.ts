import { allModels, ConnectionError, type ModelClassLike, type ModelMeta, resolveAll, unregisterEngine } from '@strata/core'
import { type Driver, Kysely, type Logger, type RawBuilder } from 'kysely'
import type { DB, StrataDialect } from './dialect.js'
import { KyselyEngine } from './engine.js'
import { currentTransaction } from './context.js'
import { blockKysely, guardDialect } from './guard.js'

/** What `connect()` takes. */
export interface ConnectConfig {
  /** Database aliases to dialects; `default` is used unless a query says otherwise. */
  databases: Record<string, StrataDialect>
  /** The models this application uses (validated as a graph). */
  models?: readonly ModelClassLike[]
  /** Called after every query with its SQL, parameters and duration (for logging and tests). */
  log?: (query: QueryRecord) => void
}

/** One executed query, as `log` and `captureQueries` see it. */
export interface QueryRecord {
  /** The database alias that ran it. */
  readonly alias: string
  readonly sql: string
  readonly parameters: readonly unknown[]
  readonly durationMs: number
  /** Set when the query failed. */
  readonly error?: unknown
}

/** A live set of connections, returned by `connect()`. */
export interface Database {
  /** The configured aliases. */
  readonly aliases: readonly string[]
  /** The models given to `connect()` (every registered model if none were given). */
  readonly models: readonly ModelMeta[]
  /**
   * The Kysely instance of an alias, for anything the ORM cannot say. Inside an `atomic` block on
   * that alias it is the block's transaction (its queries run on the block's connection).
   */
  kysely(alias?: string): Kysely<DB>
  /** The dialect of an alias. */
  dialect(alias?: string): StrataDialect
  /** The engine of an alias (used by migrations and tools). */
  engine(alias?: string): KyselyEngine
  /** Runs raw SQL with bound parameters (`sql` tag) inside the current transaction, if any. */
  raw<R = Record<string, unknown>>(query: RawBuilder<R>, options?: { using?: string }): Promise<R[]>
  /**
   * Runs `fn` and records every query it sends (on any alias), like Django's `CaptureQueriesContext`.
   * @example const { queries } = await db.captureQueries(() => Post.objects.prefetchRelated('tags'))
   */
  captureQueries<T>(fn: () => Promise<T> | T): Promise<{ result: T; queries: QueryRecord[] }>
  /** Closes every connection and unregisters the aliases. */
  close(): Promise<void>
}

/**
 * Opens the configured databases, validates the model graph, and makes `Model.objects` live.
 * @example const db = await connect({ databases: { default: sqlite({ filename: ':memory:' }) }, models: [Post] })
 */
export async function connect(config: ConnectConfig): Promise<Database> {
  if (!config || typeof config.databases !== 'object' || Object.keys(config.databases).length === 0)
    throw new ConnectionError('connect() needs at least one database under `databases`')
  if (!config.databases.default) throw new ConnectionError("connect() needs a database named 'default'")
  resolveAll()
  const models = config.models ? config.models.map((m) => adopt(m)) : allModels()
  const engines = new Map<string, KyselyEngine>()
  const listeners = new Set<(q: QueryRecord) => void>()
  if (config.log) listeners.add(config.log)
  const logFor = (alias: string): Logger => (event) => {
    if (listeners.size === 0) return
    const record: QueryRecord = {
      alias,
      sql: event.query.sql,
      parameters: event.query.parameters,
      durationMs: event.queryDurationMillis,
      ...(event.level === 'error' ? { error: event.error } : {}),
    }
    for (const l of listeners) l(record)
  }
  try {
    for (const [alias, dialect] of Object.entries(config.databases)) {
      let driver: Driver | undefined
      const guarded = guardDialect(alias, dialect.createKyselyDialect(), (e) => dialect.mapError(e), (d) => (driver = d))
      const log = logFor(alias)
      const kysely = new Kysely<DB>({ dialect: guarded, log })
      if (dialect.initialize) await dialect.initialize(kysely)
      // Kysely makes its driver when it is constructed; the engine uses it directly for its hot
      // paths (`DirectDriver`) and for the connections of `atomic` blocks.
      if (driver === undefined) throw new ConnectionError(`The Kysely dialect of ${JSON.stringify(alias)} made no driver`)
      const engine = new KyselyEngine(alias, dialect, kysely, { driver, dialect: guarded }, { active: () => listeners.size > 0, log })
      engines.set(alias, engine)
    }
  } catch (e) {
    for (const engine of engines.values()) await engine.kysely.destroy().catch(() => undefined)
    throw e instanceof Error && 'code' in e ? e : new ConnectionError(`Could not connect: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  }
  for (const engine of engines.values()) engine.register()
  const get = (alias = 'default'): KyselyEngine => {
    const e = engines.get(alias)
    if (!e) throw new ConnectionError(`No database named ${JSON.stringify(alias)}; configured: ${[...engines.keys()].join(', ')}`)
    return e
  }
  return {
    aliases: [...engines.keys()],
    models,
    kysely: (alias) => {
      const engine = get(alias)
      const frame = currentTransaction(engine.alias)
      return frame ? blockKysely(frame) : engine.kysely
    },
    dialect: (alias) => get(alias).dialect,
    engine: get,
    async raw<R>(query: RawBuilder<R>, options: { using?: string } = {}): Promise<R[]> {
      const r = await get(options.using).run<R>(query as RawBuilder<unknown>)
      return r.rows
    },
    async captureQueries<T>(fn: () => Promise<T> | T) {
      const queries: QueryRecord[] = []
      const listener = (q: QueryRecord) => queries.push(q)
      listeners.add(listener)
      try {
        return { result: await fn(), queries }
      } finally {
        listeners.delete(listener)
      }
    },
    async close() {
      for (const engine of engines.values()) {
        unregisterEngine(engine)
        // An iterator left suspended holds a pooled connection, which the pool would wait for.
        await engine.closeStreams()
        await engine.kysely.destroy()
      }
    },
  }
}

function adopt(cls: ModelClassLike): ModelMeta {
  if (!cls || typeof cls !== 'function' || !cls.meta) throw new ConnectionError(`connect(): models must be classes made with model(), got ${String(cls)}`)
  const meta = cls.meta
  if (meta.cls !== cls && Object.prototype.isPrototypeOf.call(meta.cls, cls)) meta.cls = cls
  return meta
}
