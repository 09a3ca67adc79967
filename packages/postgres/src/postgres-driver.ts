import { OperationalError } from '@strata/core'
import { type ArrayRowsResult, type DirectDriver, STATEMENT_NAME } from '@strata/query'
import {
  CompiledQuery,
  createQueryId,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  IdentifierNode,
  type Kysely,
  PostgresAdapter,
  type PostgresCursor,
  type PostgresCursorConstructor,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
  RawNode,
  type TransactionSettings,
} from 'kysely'
import type pg from 'pg'
import { isConnectionLost } from './postgres-errors.js'
import { beginName, beginParsed, submit, submitAfterBegin } from './postgres-query.js'

// Strata's own Kysely driver for pg. Kysely's PostgresDriver would do, but Strata needs three
// things from it: named statements (a query compiled from Strata's caches carries a name for its
// SQL text, `STATEMENT_NAME`, and pg then parses and plans it once per connection), a client whose
// session the server ended discarded instead of going back to the pool, and pool acquire timeouts
// as `OperationalError`. Wrapping Kysely's driver for them cost a wrapper object per checkout, a
// connection object per checkout and a hand-over of the name through a module variable; this
// driver does them directly, and adds the engine's hot path (`runDirect`, `DirectDriver`).

/** What the driver reads of a pg query result. */
export interface PgResult {
  readonly command: string
  readonly rowCount: number | null
  readonly rows: unknown[] | undefined
}

/** A query to send: its text, values and, for a named prepared statement, its name. */
export interface PgQueryConfig {
  readonly name?: string
  readonly text: string
  readonly values: readonly unknown[]
}

/** A checked-out pg client as the driver uses it; `release(error)` makes the pool discard it. */
export interface PgClient {
  query(query: pg.Query): unknown
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>
  release(error?: Error | boolean): void
}

/** The part of a `pg.Pool` the driver uses (pg-pool also takes a callback, which the hot path uses when it can). */
export interface PgPool {
  connect(): Promise<PgClient>
  end(): Promise<void>
}

/** pg-pool's callback form of `connect`. */
type ConnectCallback = (callback: (error: Error | undefined, client: PgClient | undefined) => void) => void

/** The pool the driver runs on, with what a pool timeout message says about it. */
export interface PoolSetup {
  readonly pool: PgPool
  /** The pool's size and acquire timeout, for the timeout error; absent for a pool the user made. */
  readonly limits?: { readonly max: unknown; readonly timeout: unknown }
}

/** What `StrataPostgresDialect` takes. */
export interface StrataPostgresConfig {
  /** Makes the pool, once, when the first query runs. */
  readonly pool: () => Promise<PoolSetup>
  /** The cursor class of `streamQuery` (`iterator()`). */
  readonly cursor: PostgresCursorConstructor
}

/** Names whose prepared statement the server refused to reuse (the table changed under it). */
const dead = new Set<string>()

/** The pg query for a compiled query: named when Strata's caches named its SQL and the name still works. */
function pgQuery(query: CompiledQuery): PgQueryConfig {
  const name = (query as { readonly [STATEMENT_NAME]?: string })[STATEMENT_NAME]
  if (name !== undefined && !dead.has(name)) return { name, text: query.sql, values: query.parameters }
  return { text: query.sql, values: query.parameters }
}

/**
 * Runs a query on a pg client. pg copies a query config object on every call (all its property
 * descriptors, about 1-2 µs) and wraps its promise in another; a `Query` made from the text is used
 * as is and answers a callback, so the name is set on it afterwards.
 */
function send(client: PgClient, config: PgQueryConfig, arrays = false): Promise<PgResult> {
  return new Promise((resolve, reject) => {
    submit(client, config, arrays, (error, result) => (error ? reject(error) : resolve(result!)))
  })
}

/** Notes what a failed query means for its statement name and its client; gives the error to release the client with. */
function noteFailure(config: PgQueryConfig, error: unknown): Error | undefined {
  // The table changed under the prepared statement in a way PostgreSQL will not re-plan
  // ("cached plan must not change result type"): this run fails, as for any client keeping
  // statements, and the text is sent unnamed from now on.
  if (config.name !== undefined && (error as { code?: unknown } | null)?.code === '0A000')
    dead.add(config.name)
  // The server ended the session: the client must not go back to the pool.
  if (isConnectionLost(error)) return error instanceof Error ? error : new Error(String(error))
  return undefined
}

/**
 * A pg result as Kysely's PostgresConnection gives it (`numAffectedRows` for writes only); rows
 * asked as arrays say so. A plain object made by `Object.create`, not an object literal: V8
 * records where each literal is allocated and, when nearly all objects of one site outlive a
 * young-generation collection, allocates that site's objects in the old generation from then on.
 * A result lives while the engine awaits the next statement of the operation, so this site was
 * moved there after a few hundred prefetches, and each old result then kept its young rows (and
 * every string and `Date` in them) alive until a full collection: 64 to 89 µs of GC per prefetch
 * of 20 posts and their comments, 9 to 22 µs this way.
 */
function toQueryResult(result: PgResult, arrays = false): QueryResult<unknown> | ArrayRowsResult {
  const command = result.command
  const out = Object.create(Object.prototype) as { numAffectedRows: bigint | undefined; rows: unknown[]; arrays?: true }
  out.numAffectedRows = command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE' ? BigInt(result.rowCount ?? 0) : undefined
  out.rows = result.rows ?? []
  if (arrays) out.arrays = true
  return out as QueryResult<unknown> | ArrayRowsResult
}

/** pg's "timeout exceeded when trying to connect" as an `OperationalError` that says what ran out. */
function poolTimeout(error: unknown, limits: PoolSetup['limits']): unknown {
  if (!(error instanceof Error) || !/timeout exceeded when trying to connect/i.test(error.message))
    return error
  const sizes = limits
    ? ` (max ${String(limits.max)} connections, connectionTimeoutMillis ${String(limits.timeout)})`
    : ''
  return new OperationalError(
    `PostgreSQL: timed out waiting for a connection from the pool${sizes}: every connection is held by a query or an atomic block, or the server did not answer in time.`,
    { cause: error },
  )
}

/** `savepoint name`, `rollback to name` or `release name`, with the name as an identifier (as Kysely's driver). */
function savepointNode(command: string, name: string): RawNode {
  return RawNode.createWithChildren([RawNode.createWithSql(`${command} `), IdentifierNode.create(name)])
}

/** Kysely's PostgreSQL dialect on Strata's driver (`StrataPostgresDriver`). */
export class StrataPostgresDialect implements Dialect {
  readonly #config: StrataPostgresConfig

  constructor(config: StrataPostgresConfig) {
    this.#config = config
  }

  /** Strata's pg driver. */
  createDriver(): Driver {
    return new StrataPostgresDriver(this.#config)
  }

  /** Kysely's PostgreSQL query compiler. */
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler()
  }

  /** Kysely's PostgreSQL adapter. */
  createAdapter(): DialectAdapter {
    return new PostgresAdapter()
  }

  /** Kysely's PostgreSQL introspector. */
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db)
  }
}

/** The driver's COMMIT and ROLLBACK (known by identity: with a BEGIN still deferred, nothing is sent). */
const COMMIT = CompiledQuery.raw('commit')
const ROLLBACK = CompiledQuery.raw('rollback')

/** The driver's BEGIN statements, by text (known by identity, as COMMIT and ROLLBACK). */
const begins = new Map<string, CompiledQuery>()

/** The BEGIN statement of `text` (`begin`, or `start transaction` with its settings). */
function beginQuery(text: string): CompiledQuery {
  let query = begins.get(text)
  if (query === undefined) begins.set(text, (query = CompiledQuery.raw(text)))
  return query
}

/** What a deferred BEGIN, or a COMMIT or ROLLBACK of a transaction that never began, answers. */
const NOTHING: QueryResult<unknown> = Object.freeze({ rows: Object.freeze([] as unknown[]) as unknown[] })

/**
 * One checked-out pg client as a Kysely connection; kept per client, reused at each checkout.
 *
 * BEGIN is deferred: the driver's BEGIN only records its text, and the transaction's first
 * statement carries it, both in one round trip (`submitAfterBegin`). A transaction that runs no
 * statement sends neither BEGIN nor COMMIT (or ROLLBACK). PostgreSQL takes a transaction's snapshot
 * at its first statement, not at BEGIN, so nothing a transaction sees changes; the query log still
 * shows the BEGIN, when it was asked for.
 */
class PostgresConnection implements DatabaseConnection {
  readonly client: PgClient
  readonly #cursor: PostgresCursorConstructor
  /** The error that ended this client's session during the current checkout, if any. */
  lost: Error | undefined
  /** The BEGIN text the next statement carries, if a transaction was begun and nothing has run in it yet. */
  pendingBegin: string | undefined

  constructor(client: PgClient, cursor: PostgresCursorConstructor) {
    this.client = client
    this.#cursor = cursor
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.run(query, false) as Promise<QueryResult<R>>
  }

  /** Runs `query` on this client; with `arrays`, the rows as arrays (`ArrayRowsResult`). */
  async run(query: CompiledQuery, arrays: boolean): Promise<QueryResult<unknown>> {
    const begin = this.pendingBegin
    if (begin !== undefined) {
      // Nothing ran since BEGIN: no transaction to end.
      if (query === COMMIT || query === ROLLBACK) {
        this.pendingBegin = undefined
        return NOTHING
      }
    } else if (begins.get(query.sql) === query) {
      // The first BEGIN of its text on this client is sent (and its statement parsed); later ones wait for the next statement.
      if (beginParsed(this.client, query.sql)) {
        this.pendingBegin = query.sql
        return NOTHING
      }
      return this.#send({ name: beginName(query.sql), text: query.sql, values: [] }, false, undefined)
    }
    const config = pgQuery(query)
    this.pendingBegin = undefined
    return this.#send(config, arrays, begin)
  }

  async #send(config: PgQueryConfig, arrays: boolean, begin: string | undefined): Promise<QueryResult<unknown>> {
    try {
      const result =
        begin === undefined
          ? await send(this.client, config, arrays)
          : await new Promise<PgResult>((resolve, reject) => {
              submitAfterBegin(this.client, config, arrays, begin, (error, r) => (error ? reject(error) : resolve(r!)))
            })
      return toQueryResult(result, arrays)
    } catch (e) {
      this.lost ??= noteFailure(config, e)
      throw e
    }
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    if (!Number.isInteger(chunkSize) || chunkSize === undefined || chunkSize <= 0)
      throw new Error('chunkSize must be a positive integer')
    // A cursor is its own query: a deferred BEGIN goes first, on its own.
    const begin = this.pendingBegin
    if (begin !== undefined) {
      this.pendingBegin = undefined
      await this.#send({ name: beginName(begin), text: begin, values: [] }, false, undefined)
    }
    const cursor = this.client.query(new this.#cursor<R>(query.sql, query.parameters.slice()))
    try {
      while (true) {
        const rows = await cursor.read(chunkSize)
        if (rows.length === 0) break
        yield { rows }
      }
    } finally {
      await cursor.close()
    }
  }
}

/**
 * Kysely's driver for pg with named statements, lost clients discarded, acquire timeouts as
 * `OperationalError`, and the engine's hot path (`runDirect`: one query on a pooled client).
 */
export class StrataPostgresDriver implements Driver, DirectDriver {
  readonly #config: StrataPostgresConfig
  readonly #connections = new WeakMap<PgClient, PostgresConnection>()
  #setup: PoolSetup | undefined

  constructor(config: StrataPostgresConfig) {
    this.#config = config
  }

  /** Makes the pool. */
  async init(): Promise<void> {
    this.#setup = await this.#config.pool()
  }

  /** A pooled client, or the pool's timeout as `OperationalError`. */
  async #checkout(setup: PoolSetup): Promise<PgClient> {
    let client: PgClient
    try {
      client = await setup.pool.connect()
    } catch (e) {
      throw poolTimeout(e, setup.limits)
    }
    // `destroy()` was called while the client was being acquired.
    if (this.#setup === undefined) {
      client.release()
      throw new Error('driver has already been destroyed')
    }
    return client
  }

  /** Checks a client out of the pool as a Kysely connection. */
  async acquireConnection(): Promise<DatabaseConnection> {
    const setup = this.#setup
    if (setup === undefined) throw new Error('driver has already been destroyed')
    const client = await this.#checkout(setup)
    let connection = this.#connections.get(client)
    if (connection === undefined) {
      connection = new PostgresConnection(client, this.#config.cursor)
      this.#connections.set(client, connection)
    }
    connection.lost = undefined
    connection.pendingBegin = undefined
    return connection
  }

  /** Gives the client back to the pool, or has the pool discard it when its session ended. */
  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const c = connection as PostgresConnection
    const lost = c.lost
    c.lost = undefined
    // A transaction begun and never used was never sent: the client is idle.
    c.pendingBegin = undefined
    c.client.release(lost)
  }

  /**
   * The engine's hot path: runs `query` on a pooled client (checked out, one query, given back),
   * as Kysely's connection would run it. Undefined before the pool is made.
   */
  runDirect(query: CompiledQuery, arrays = false): Promise<QueryResult<unknown>> | undefined {
    const setup = this.#setup
    if (setup === undefined) return undefined
    const connect = setup.pool.connect
    // pg-pool's callback form: one promise for the checkout and the query (the promise form makes
    // two more and a continuation per step).
    if (connect.length === 0) return this.#runOnce(setup, query, arrays)
    return new Promise((resolve, reject) => {
      ;(connect as unknown as ConnectCallback).call(setup.pool, (error, client) => {
        if (error !== undefined && error !== null) {
          reject(poolTimeout(error, setup.limits))
          return
        }
        if (this.#setup === undefined) {
          client!.release()
          reject(new Error('driver has already been destroyed'))
          return
        }
        const config = pgQuery(query)
        try {
          submit(client!, config, arrays, (e, result) => {
            if (e) {
              client!.release(noteFailure(config, e))
              reject(e)
              return
            }
            client!.release()
            resolve(toQueryResult(result!, arrays))
          })
        } catch (e) {
          client!.release(noteFailure(config, e))
          reject(e)
        }
      })
    })
  }

  /** Runs `query` on a connection this driver checked out (an `atomic` block's), rows as arrays when asked. */
  runOn(connection: DatabaseConnection, query: CompiledQuery, arrays = false): Promise<QueryResult<unknown>> {
    return (connection as PostgresConnection).run(query, arrays)
  }

  async #runOnce(setup: PoolSetup, query: CompiledQuery, arrays: boolean): Promise<QueryResult<unknown>> {
    const client = await this.#checkout(setup)
    const config = pgQuery(query)
    let result: PgResult
    try {
      result = await send(client, config, arrays)
    } catch (e) {
      client.release(noteFailure(config, e))
      throw e
    }
    client.release()
    return toQueryResult(result, arrays)
  }

  /** `begin`, or `start transaction` with the isolation level and access mode (deferred to the first statement: `PostgresConnection`). */
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let text = 'begin'
    if (settings.isolationLevel || settings.accessMode) {
      text = 'start transaction'
      if (settings.isolationLevel) text += ` isolation level ${settings.isolationLevel}`
      if (settings.accessMode) text += ` ${settings.accessMode}`
    }
    await connection.executeQuery(beginQuery(text))
  }

  /** `commit` (nothing when the transaction ran no statement). */
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(COMMIT)
  }

  /** `rollback` (nothing when the transaction ran no statement). */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(ROLLBACK)
  }

  /** `savepoint name`. */
  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await connection.executeQuery(compile(savepointNode('savepoint', name), createQueryId()))
  }

  /** `rollback to name`. */
  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await connection.executeQuery(compile(savepointNode('rollback to', name), createQueryId()))
  }

  /** `release name`. */
  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await connection.executeQuery(compile(savepointNode('release', name), createQueryId()))
  }

  /** Ends the pool (a pool the user made is left open by the dialect's setup). */
  async destroy(): Promise<void> {
    const setup = this.#setup
    if (setup === undefined) return
    this.#setup = undefined
    await setup.pool.end()
  }
}
