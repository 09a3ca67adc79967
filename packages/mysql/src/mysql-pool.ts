import { OperationalError } from '@strata/core'
import type { ArrayRowsResult, DirectDriver } from '@strata/query'
import { type CompiledQuery, type DatabaseConnection, MysqlDialect, MysqlDriver, type MysqlPool, type MysqlPoolConnection, type QueryResult } from 'kysely'
import type { Pool } from 'mysql2'

// The mysql2 side of the dialect: Strata's type conversions, the pool wrapper (acquire timeout,
// session set-up, streamed results) and the driver with the direct hot path (DirectDriver).

interface RawField {
  type: string
  extendedFormat?: string
  string(encoding?: string): string | null
}

/**
 * How values leave the driver, whatever the pool's own options: DECIMAL, DATE and DATETIME as text
 * (exact, no local time zone), BIGINT as a number when it is safe and a bigint beyond, JSON as text
 * (MySQL sends JSON, MariaDB LONGTEXT, which the field's conversion then parses the same way).
 */
export function mysqlTypeCast(field: RawField, next: () => unknown): unknown {
  switch (field.type) {
    case 'NEWDECIMAL':
    case 'DECIMAL':
    case 'DATE':
    case 'DATETIME':
    case 'TIMESTAMP':
    case 'NEWDATE':
      return field.string('ascii')
    case 'LONGLONG': {
      const s = field.string('ascii')
      if (s === null) return null
      const n = Number(s)
      return Number.isSafeInteger(n) ? n : BigInt(s)
    }
    case 'JSON':
      return field.string('utf8')
  }
  if (field.extendedFormat === 'json') return field.string('utf8')
  return next()
}

/** What a query callback gets from mysql2: the rows or the OK packet, and the columns of a SELECT. */
type QueryCallback = (error: unknown, result?: unknown, fields?: unknown) => void

/** The part of a mysql2 pool connection Strata uses. */
interface RawConnection {
  query(
    options: { sql: string; values: readonly unknown[]; typeCast?: typeof mysqlTypeCast; rowsAsArray?: boolean },
    callback?: QueryCallback,
  ): unknown
  query(sql: string, values: readonly unknown[], callback: QueryCallback): unknown
  release(): void
  destroy(): void
  /** The connection's own options; a query made without an options object takes `rowsAsArray` from here. */
  readonly config?: { rowsAsArray?: boolean }
}

/** A mysql2 query made without a callback: its events tell whether its result was read to the end; `stream()` reads it. */
interface StreamedQuery {
  once(event: 'end' | 'error', listener: () => void): unknown
  stream(options: { objectMode: true }): AsyncIterable<unknown>
}

/** The conversion options of a mysql2 connection's config, as far as they change what rows hold. */
interface CastConfig {
  typeCast?: unknown
  dateStrings?: unknown
  supportBigNumbers?: unknown
  bigNumberStrings?: unknown
  decimalNumbers?: unknown
  jsonStrings?: unknown
  rowsAsArray?: unknown
  nestTables?: unknown
}

/**
 * The pool options under which mysql2's own generated row parser gives what `mysqlTypeCast` gives
 * (DECIMAL, DATE, DATETIME and JSON as text, BIGINT as a number when safe), except a BIGINT beyond
 * 2^53, which comes as a string and `bigIntColumns` turns into a bigint. A `typeCast` function per
 * query costs mysql2 an object with three closures per column per query and a closure per value:
 * 20 to 35 µs of CPU on a one-row SELECT here, more than all of Strata's own work.
 */
export const STRATA_CASTS = {
  typeCast: true,
  dateStrings: true,
  supportBigNumbers: true,
  bigNumberStrings: false,
  decimalNumbers: false,
  jsonStrings: true,
} as const

/** Whether a pool's connection config makes rows as `STRATA_CASTS` does (then no `typeCast` is sent per query). */
function castsAsStrata(config: CastConfig | undefined): boolean {
  return (
    config !== undefined &&
    config.typeCast === true &&
    config.dateStrings === true &&
    config.supportBigNumbers === true &&
    !config.bigNumberStrings &&
    !config.decimalNumbers &&
    config.jsonStrings === true &&
    !config.rowsAsArray &&
    !config.nestTables
  )
}

/** mysql2's column type code of BIGINT (`LONGLONG`). */
const LONGLONG = 8

/** Turns the BIGINT values mysql2 gave as strings (beyond 2^53, under `STRATA_CASTS`) into bigints, as `mysqlTypeCast` does. */
function bigIntColumns(rows: unknown, fields: unknown, arrays: boolean): void {
  if (!Array.isArray(rows) || rows.length === 0 || !Array.isArray(fields)) return
  const columns = fields as { columnType?: number; name: string }[]
  for (let i = 0; i < columns.length; i++) {
    if (columns[i]!.columnType !== LONGLONG) continue
    if (arrays) {
      for (const row of rows as unknown[][]) {
        const value = row[i]
        if (typeof value === 'string') row[i] = BigInt(value)
      }
      continue
    }
    const name = columns[i]!.name
    // A later column of the same name is the one the row holds.
    let last = true
    for (let j = i + 1; j < columns.length && last; j++) if (columns[j]!.name === name) last = false
    if (!last) continue
    for (const row of rows as Record<string, unknown>[]) {
      const value = row[name]
      if (typeof value === 'string') row[name] = BigInt(value)
    }
  }
}

/**
 * Sends one query on `raw` with Strata's conversions: the pool's own (`castInConfig`) or
 * `mysqlTypeCast`; with `arrays`, rows as arrays of values in column order (mysql2's `rowsAsArray`).
 */
function send(
  raw: RawConnection,
  text: string,
  values: readonly unknown[],
  castInConfig: boolean,
  callback: QueryCallback,
  arrays = false,
): void {
  if (!castInConfig) {
    raw.query(arrays ? { sql: text, values, typeCast: mysqlTypeCast, rowsAsArray: true } : { sql: text, values, typeCast: mysqlTypeCast }, callback)
    return
  }
  const done: QueryCallback = (error, result, fields) => {
    if (!error) bigIntColumns(result, fields, arrays && rowsAreArrays(result))
    callback(error, result)
  }
  const config = raw.config
  if (arrays && config !== undefined) {
    // mysql2 builds a query called with an options object by spreading it into another: measured
    // at 3 to 5 µs of CPU per query here (createQuery and the Query constructor), more than all of
    // Strata's work for a get(). Called with the text, it reads `rowsAsArray` from the connection's
    // options when it makes the query, so those say arrays for that call only.
    const before = config.rowsAsArray
    config.rowsAsArray = true
    try {
      raw.query(text, values, done)
    } finally {
      config.rowsAsArray = before
    }
  } else if (arrays) raw.query({ sql: text, values, rowsAsArray: true }, done)
  else raw.query(text, values, done)
}

/** Whether the rows of a SELECT came as arrays (a query asked for them may still give objects: checked, not assumed). */
function rowsAreArrays(result: unknown): boolean {
  return Array.isArray(result) && result.length > 0 && Array.isArray(result[0])
}

/** Whether a result is mysql2's OK packet (a write), as Kysely's MysqlConnection tells it. */
function isOkPacket(
  result: unknown,
): result is { insertId?: unknown; affectedRows?: unknown; changedRows?: unknown } {
  return typeof result === 'object' && result !== null && 'insertId' in result && 'affectedRows' in result
}

/** A count or id of an OK packet as a bigint (mysql2 gives a number, or a string beyond 2^53). */
function bigintOf(value: unknown): bigint | undefined {
  return value === undefined || value === null ? undefined : BigInt(value as number | string | bigint)
}

/** A mysql2 result as Kysely's `MysqlConnection.executeQuery` gives it (counts and ids as bigints); rows asked as arrays say so. */
function queryResult(result: unknown, arrays = false): QueryResult<unknown> | ArrayRowsResult {
  if (isOkPacket(result)) {
    const { insertId, affectedRows, changedRows } = result
    return {
      // No generated key: 0 (compared as it comes, not through String(), once per write).
      insertId: insertId === 0 || insertId === '0' || insertId === 0n ? undefined : bigintOf(insertId),
      numAffectedRows: bigintOf(affectedRows),
      numChangedRows: bigintOf(changedRows),
      rows: [],
    }
  }
  const rows = Array.isArray(result) ? result : []
  return arrays ? { rows, arrays: true } : { rows }
}

/**
 * A pooled mysql2 connection as Strata holds it: the connection Kysely's driver gets from the pool
 * (`MysqlPoolConnection`), and the one the driver hands to `atomic` blocks and streams
 * (`DatabaseConnection`), whose `run` is the blocks' direct path (`DirectDriver.runOn`). One per
 * mysql2 connection, for as long as that connection lives.
 */
export class PooledConnection implements DatabaseConnection {
  readonly #raw: RawConnection
  readonly #castInConfig: boolean
  /** The result being streamed on this checkout, if any, and whether it was read to its end. */
  #streaming: { done: boolean } | undefined

  constructor(raw: RawConnection, castInConfig: boolean) {
    this.#raw = raw
    this.#castInConfig = castInConfig
  }

  /** Runs one query with Strata's conversions and gives Kysely's result; with `arrays`, the rows of a SELECT may come as arrays. */
  run(query: CompiledQuery, arrays = false): Promise<QueryResult<unknown>> {
    return new Promise((resolve, reject) => {
      send(
        this.#raw,
        query.sql,
        query.parameters,
        this.#castInConfig,
        (e, result) => {
          if (e) reject(e)
          else resolve(queryResult(result, arrays && rowsAreArrays(result)))
        },
        arrays,
      )
    })
  }

  /** Kysely's `DatabaseConnection.executeQuery`: what Kysely's own MysqlConnection gives, without its wrappers. */
  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.run(query) as Promise<QueryResult<R>>
  }

  /** Kysely's `DatabaseConnection.streamQuery`: the rows one at a time, as Kysely's MysqlConnection streams them. */
  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const stream = this.#stream(query.sql, query.parameters).stream({ objectMode: true })
    try {
      for await (const row of stream) yield { rows: [row as R] }
    } catch (e) {
      // The stream closed before its end: the query's own error, if any, comes as 'error' instead.
      if ((e as { code?: unknown } | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE') return
      throw e
    }
  }

  /** mysql2's `query`: with a callback, one query with Strata's conversions; without, a streamed query (Kysely's MysqlConnection uses both). */
  query(sql: string, parameters: readonly unknown[], callback?: QueryCallback): StreamedQuery | undefined {
    if (callback === undefined) return this.#stream(sql, parameters)
    send(this.#raw, sql, parameters, this.#castInConfig, callback)
    return undefined
  }

  /** A streamed query (rows converted by `mysqlTypeCast`, whatever the pool's config), watched to its end. */
  #stream(sql: string, parameters: readonly unknown[]): StreamedQuery {
    const query = this.#raw.query({ sql, values: parameters, typeCast: mysqlTypeCast }) as StreamedQuery
    const state = { done: false }
    this.#streaming = state
    const finish = () => {
      state.done = true
    }
    query.once('end', finish)
    query.once('error', finish)
    return query
  }

  /**
   * Gives the connection back to the pool; one whose streamed result is still arriving
   * (`iterator()` left early) is closed instead, as the next query on it would first wait for the
   * rest of the result (possibly millions of rows) to be read and thrown away.
   */
  release(): void {
    const unfinished = this.#streaming !== undefined && !this.#streaming.done
    this.#streaming = undefined
    if (unfinished) this.#raw.destroy()
    else this.#raw.release()
  }
}

/** A pool as Kysely's MysqlDialect takes it, plus the direct hot path (`run`) and Strata's connections (`connection`). */
export interface StrataPool extends MysqlPool {
  /** Runs one query on a pooled connection (set up, within `acquireTimeout`) and gives Kysely's result. */
  run(query: CompiledQuery, arrays?: boolean): Promise<QueryResult<unknown>>
  /** Checks out a connection (set up, within `acquireTimeout`) until its `release()`. */
  connection(): Promise<PooledConnection>
}

/** What `strataPool` needs besides the mysql2 pool. */
export interface StrataPoolOptions {
  /** Whether `db.close()` ends the pool (false for a pool the user gave). */
  owned: boolean
  acquireTimeout: number
  /** Runs the session statements on a connection Strata has not used yet (`query` runs one statement). */
  setUp: (query: (text: string) => Promise<Record<string, unknown>[]>) => Promise<void>
}

/**
 * Wraps a mysql2 pool so that a checkout waits at most `acquireTimeout`, every connection gets the
 * session statements before its first use (by Kysely or by the direct path), every query carries
 * Strata's type conversion (`STRATA_CASTS` when the pool's config has them, else `mysqlTypeCast`),
 * and a connection released while a streamed result is still arriving (`iterator()` left early) is
 * closed instead of returned to the pool, where the next query would first have to wait for the
 * rest of the result (possibly millions of rows) to be read and thrown away.
 */
export function strataPool(pool: Pool, options: StrataPoolOptions): StrataPool {
  const { owned, acquireTimeout, setUp } = options
  const config = (pool as { config?: { connectionConfig?: CastConfig; resetOnRelease?: unknown } }).config
  const castInConfig = castsAsStrata(config?.connectionConfig)
  // mysql2's resetOnRelease clears the session at every release: then every checkout sets it up again.
  const resets = Boolean(config?.resetOnRelease)
  const ready = new WeakSet<RawConnection>()
  const connections = new WeakMap<RawConnection, PooledConnection>()

  // mysql2 emits 'acquire' within getConnection() when it hands over a free connection (the callback
  // then runs on the next tick): such a checkout cannot wait, and needs no acquireTimeout timer.
  let handedOver = 0
  const onAcquire = () => {
    handedOver++
  }
  pool.on('acquire', onAcquire)

  const acquire = (callback: (error: unknown, raw?: RawConnection) => void): void => {
    let waiting = true
    let timer: ReturnType<typeof setTimeout> | undefined
    const before = handedOver
    pool.getConnection((error, connection) => {
      if (!waiting) {
        // The caller gave up: hand a late connection straight back.
        if (!error) connection.release()
        return
      }
      waiting = false
      if (timer !== undefined) clearTimeout(timer)
      if (error) {
        callback(error)
        return
      }
      const raw = connection as unknown as RawConnection
      if (!resets && ready.has(raw)) {
        callback(null, raw)
        return
      }
      const query = (text: string) =>
        new Promise<Record<string, unknown>[]>((resolve, reject) =>
          send(raw, text, [], castInConfig, (e, rows) =>
            e ? reject(e) : resolve(rows as Record<string, unknown>[]),
          ),
        )
      setUp(query).then(
        () => {
          ready.add(raw)
          callback(null, raw)
        },
        (e: unknown) => {
          // A connection without its session settings must not serve queries.
          raw.destroy()
          callback(e)
        },
      )
    })
    // Only a checkout that waits (for a new connection, or in mysql2's queue) is timed.
    if (waiting && handedOver === before)
      timer = setTimeout(() => {
        waiting = false
        callback(poolTimeout(pool, acquireTimeout))
      }, acquireTimeout)
  }

  const connectionOf = (raw: RawConnection): PooledConnection => {
    let c = connections.get(raw)
    if (c === undefined) {
      c = new PooledConnection(raw, castInConfig)
      connections.set(raw, c)
    }
    return c
  }

  return {
    getConnection(callback) {
      acquire((error, raw) => {
        if (raw === undefined) callback(error, undefined as never)
        else callback(null, connectionOf(raw) as unknown as MysqlPoolConnection)
      })
    },
    connection() {
      return new Promise((resolve, reject) => {
        acquire((error, raw) => {
          if (raw === undefined) reject(error)
          else resolve(connectionOf(raw))
        })
      })
    },
    run(query, arrays = false) {
      return new Promise((resolve, reject) => {
        acquire((error, raw) => {
          if (raw === undefined) {
            reject(error)
            return
          }
          send(
            raw,
            query.sql,
            query.parameters,
            castInConfig,
            (e, result) => {
              // A connection that failed fatally has already left the pool; release() is then a no-op.
              raw.release()
              if (e) reject(e)
              else resolve(queryResult(result, arrays && rowsAreArrays(result)))
            },
            arrays,
          )
        })
      })
    },
    end(callback) {
      pool.off('acquire', onAcquire)
      if (owned) pool.end((error) => callback(error ?? null))
      else callback(null)
    },
  }
}

/**
 * Kysely's MySQL driver with the direct hot path of `@strata/query` (`DirectDriver.runDirect`):
 * one pooled connection, one query, no executor, connection provider or wrapper objects.
 */
class StrataMysqlDriver extends MysqlDriver implements DirectDriver {
  readonly #opened: { pool?: StrataPool }

  constructor(open: () => StrataPool) {
    const opened: { pool?: StrataPool } = {}
    super({ pool: async () => (opened.pool = open()) })
    this.#opened = opened
  }

  /** Runs `query` on a pooled connection; undefined until Kysely has initialised the driver. */
  runDirect(query: CompiledQuery, arrays = false): Promise<QueryResult<unknown>> | undefined {
    return this.#opened.pool?.run(query, arrays)
  }

  /**
   * A pooled connection for an `atomic` block, a stream or `db.kysely()`: Strata's own
   * (`PooledConnection`), whose queries skip Kysely's MysqlConnection and which `runOn` runs on.
   */
  override async acquireConnection(): Promise<DatabaseConnection> {
    const pool = this.#opened.pool
    // Not initialised, or destroyed: Kysely's driver says so in its own words.
    if (pool === undefined) return super.acquireConnection()
    return pool.connection()
  }

  /** Gives a connection of `acquireConnection()` back to the pool. */
  override async releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (connection instanceof PooledConnection) connection.release()
    else await super.releaseConnection(connection as Parameters<MysqlDriver['releaseConnection']>[0])
  }

  /** Runs `query` on a connection this driver checked out (an `atomic` block's), rows as arrays when asked. */
  runOn(connection: DatabaseConnection, query: CompiledQuery, arrays = false): Promise<QueryResult<unknown>> {
    if (connection instanceof PooledConnection) return connection.run(query, arrays)
    return connection.executeQuery(query)
  }

  /** Ends the pool (when Strata opened it); the direct path then gives way to Kysely's error. */
  override async destroy(): Promise<void> {
    this.#opened.pool = undefined
    await super.destroy()
  }
}

/** Kysely's MySQL dialect whose driver is `StrataMysqlDriver`. */
export class StrataMysqlDialect extends MysqlDialect {
  readonly #open: () => StrataPool

  constructor(open: () => StrataPool) {
    super({ pool: async () => open() })
    this.#open = open
  }

  /** A driver with the direct hot path, on a pool of its own. */
  override createDriver(): StrataMysqlDriver {
    return new StrataMysqlDriver(this.#open)
  }
}

function poolTimeout(pool: Pool, timeout: number): OperationalError {
  const limit = (pool as { config?: { connectionLimit?: unknown } }).config?.connectionLimit
  return new OperationalError(
    `MySQL: timed out after ${timeout} ms waiting for a connection from the pool${limit === undefined ? '' : ` (connectionLimit ${String(limit)})`}: ` +
      'every connection is held by a query or an atomic block. Raise `connectionLimit` or `acquireTimeout`, or hold connections for less time.',
  )
}
