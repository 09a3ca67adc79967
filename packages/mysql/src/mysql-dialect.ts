import { OperationalError } from '@strata/core'
import type { ArrayRowsResult, DialectFeatures, DirectDriver, StrataDialect } from '@strata/query'
import {
  type CompiledQuery,
  MysqlDialect,
  MysqlDriver,
  type MysqlPool,
  type MysqlPoolConnection,
  type QueryResult,
  sql,
} from 'kysely'
import { createPool, type Pool, type PoolOptions } from 'mysql2'
import { mapMysqlError } from './mysql-errors.js'
import { mysqlExplain, mysqlOperations } from './mysql-operations.js'
import { MysqlSchemaEditor, mysqlShell } from './mysql-schema.js'

/** Options of `mysql()`: a `uri` or an existing `pool`, plus any mysql2 pool option, passed through. */
export interface MysqlOptions
  extends Omit<
    PoolOptions,
    | 'uri'
    | 'typeCast'
    | 'dateStrings'
    | 'supportBigNumbers'
    | 'bigNumberStrings'
    | 'decimalNumbers'
    | 'timezone'
    | 'multipleStatements'
  > {
  /** `mysql://user:password@host:port/database?option=value`; ignored when `pool` is given. */
  uri?: string
  /**
   * An existing mysql2 pool (callback or promise API) to use instead of opening one. Strata sets up
   * each connection it gets from it (see `sessionSql`) and does not end it on `db.close()`.
   */
  pool?: Pool | { pool: Pool }
  /** The isolation level of every transaction unless `atomic` says otherwise (default `'read committed'`, as Django). */
  isolationLevel?: 'read uncommitted' | 'read committed' | 'repeatable read' | 'serializable'
  /** Abort a statement after this many milliseconds (MariaDB: `max_statement_time`; MySQL 8: `max_execution_time`, SELECT only). */
  statementTimeout?: number
  /** How long a statement waits for a row lock, in seconds (`innodb_lock_wait_timeout`; server default 50). */
  lockWaitTimeout?: number
  /**
   * How long a query or an `atomic` block waits for a connection when all `connectionLimit` (default
   * 10) are in use, in ms; then it fails with `OperationalError`. Default 30000. mysql2 alone would
   * wait for ever. Applies to pools `mysql()` opens and to a given `pool` alike.
   */
  acquireTimeout?: number
  /**
   * Whether the ids of a multi-row INSERT are consecutive from `LAST_INSERT_ID()`. Default: read from the
   * server, true when `innodb_autoinc_lock_mode` is 0 or 1 (MariaDB's default), false for 2 (MySQL 8's
   * default), where `bulkCreate` then leaves generated keys unset, as Django does on MySQL.
   */
  consecutiveInsertIds?: boolean
}

/** What MySQL and MariaDB can do, as the compiler and the conformance suite see it. */
export const mysqlFeatures: DialectFeatures = {
  returning: false,
  transactionalDdl: false,
  nullsOrdering: false,
  distinctOn: false,
  selectForUpdate: true,
  jsonContains: true,
  regex: true,
  inlineForeignKeys: false,
  deferrableForeignKeys: false,
  dropTableCascade: false,
  maxQueryParams: 65535,
  // mysql2 sends values inline, so the packet size is the real limit; mysql() reads the server's.
  maxQueryBytes: 4 * 1024 * 1024,
  cursorStreaming: true,
  explainFormats: ['text', 'json'],
  explainOptions: ['analyze'],
  updateConflicts: true,
  updateConflictsWithTarget: false,
  intersectExcept: true,
  partialIndexes: false,
  gaps: {
    partialIndexes:
      'MySQL and MariaDB have no partial indexes (an index or unique constraint with a WHERE condition).',
    returning:
      'MySQL has no INSERT ... RETURNING (MariaDB 10.5+ has); generated keys come from LAST_INSERT_ID().',
    transactionalDdl: 'MySQL and MariaDB commit implicitly before and after every DDL statement.',
    nullsOrdering: 'MySQL has no NULLS FIRST/LAST; Strata orders by `x IS NULL` first instead.',
    distinctOn: 'MySQL has no DISTINCT ON.',
    updateConflictsWithTarget:
      'ON DUPLICATE KEY UPDATE fires on any unique key; MySQL and MariaDB take no conflict target, so uniqueFields is refused.',
    deferrableForeignKeys: 'InnoDB checks foreign keys at once; it has no DEFERRABLE constraints.',
    selectForUpdateNowait: 'FOR UPDATE NOWAIT needs MySQL 8.0.1+ or MariaDB 10.6+.',
    selectForUpdateSkipLocked: 'FOR UPDATE SKIP LOCKED needs MySQL 8.0.1+ or MariaDB 10.6+.',
    selectForUpdateOf:
      'MariaDB has no FOR UPDATE OF (MySQL 8.0.1+ has); without it every row read is locked.',
    dropTableCascade: 'DROP TABLE ... CASCADE is accepted and ignored by MySQL.',
  },
}

/**
 * The strict SQL mode every connection gets: values that would be truncated or coerced raise
 * errors (STRICT_ALL_TABLES, also for non-transactional tables), zero dates are refused.
 * https://dev.mysql.com/doc/refman/8.0/en/sql-mode.html
 */
export const MYSQL_SQL_MODE =
  'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'

/** The server a connection talks to, as the dialect needs it. */
export interface MysqlServerInfo {
  readonly version: string
  readonly mariadb: boolean
  readonly autoincLockMode: number
  readonly autoIncrementIncrement: number
  /** `@@max_allowed_packet`: the largest statement the server takes, in bytes. */
  readonly maxAllowedPacket?: number
}

/** The session statements run on each new connection. */
export function sessionSql(
  server: MysqlServerInfo,
  options: Pick<MysqlOptions, 'isolationLevel' | 'statementTimeout' | 'lockWaitTimeout'> = {},
): string[] {
  const sets = [`time_zone = '+00:00'`, `sql_mode = '${MYSQL_SQL_MODE}'`, 'default_storage_engine = InnoDB']
  const timeout = options.statementTimeout
  if (timeout !== undefined && timeout >= 0) {
    sets.push(
      server.mariadb
        ? `max_statement_time = ${Number(timeout) / 1000}`
        : `max_execution_time = ${Math.round(Number(timeout))}`,
    )
  }
  if (options.lockWaitTimeout !== undefined)
    sets.push(`innodb_lock_wait_timeout = ${Math.max(1, Math.round(Number(options.lockWaitTimeout)))}`)
  const out = [`set ${sets.map((s) => `session ${s}`).join(', ')}`]
  const level = options.isolationLevel ?? 'read committed'
  if (!/^(read uncommitted|read committed|repeatable read|serializable)$/.test(level))
    throw new TypeError(`mysql(): unknown isolationLevel ${JSON.stringify(level)}`)
  out.push(`set session transaction isolation level ${level}`)
  return out
}

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
}

/** The events of a mysql2 query that tell whether its result was read to the end. */
interface QueryEvents {
  once(event: 'end' | 'error', listener: () => void): unknown
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
const STRATA_CASTS = {
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
    if (!error) bigIntColumns(result, fields, arrays)
    callback(error, result)
  }
  if (arrays) raw.query({ sql: text, values, rowsAsArray: true }, done)
  else raw.query(text, values, done)
}

/** Whether a result is mysql2's OK packet (a write), as Kysely's MysqlConnection tells it. */
function isOkPacket(
  result: unknown,
): result is { insertId?: unknown; affectedRows?: unknown; changedRows?: unknown } {
  return typeof result === 'object' && result !== null && 'insertId' in result && 'affectedRows' in result
}

/** A mysql2 result as Kysely's `MysqlConnection.executeQuery` gives it (counts and ids as bigints); rows asked as arrays say so. */
function queryResult(result: unknown, arrays = false): QueryResult<unknown> | ArrayRowsResult {
  if (isOkPacket(result)) {
    const { insertId, affectedRows, changedRows } = result
    return {
      insertId:
        insertId !== undefined && insertId !== null && String(insertId) !== '0'
          ? BigInt(insertId as number)
          : undefined,
      numAffectedRows:
        affectedRows !== undefined && affectedRows !== null ? BigInt(affectedRows as number) : undefined,
      numChangedRows:
        changedRows !== undefined && changedRows !== null ? BigInt(changedRows as number) : undefined,
      rows: [],
    }
  }
  const rows = Array.isArray(result) ? result : []
  return arrays ? { rows, arrays: true } : { rows }
}

/** A pool as Kysely's MysqlDialect takes it, plus the direct hot path (`run`). */
interface StrataPool extends MysqlPool {
  /** Runs one query on a pooled connection (set up, within `acquireTimeout`) and gives Kysely's result. */
  run(query: CompiledQuery, arrays?: boolean): Promise<QueryResult<unknown>>
}

/** What `strataPool` needs besides the mysql2 pool. */
interface StrataPoolOptions {
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
function strataPool(pool: Pool, options: StrataPoolOptions): StrataPool {
  const { owned, acquireTimeout, setUp } = options
  const config = (pool as { config?: { connectionConfig?: CastConfig; resetOnRelease?: unknown } }).config
  const castInConfig = castsAsStrata(config?.connectionConfig)
  // mysql2's resetOnRelease clears the session at every release: then every checkout sets it up again.
  const resets = Boolean(config?.resetOnRelease)
  const ready = new WeakSet<RawConnection>()
  const wrappers = new WeakMap<RawConnection, MysqlPoolConnection>()

  const acquire = (callback: (error: unknown, raw?: RawConnection) => void): void => {
    let waiting = true
    const timer = setTimeout(() => {
      waiting = false
      callback(poolTimeout(pool, acquireTimeout))
    }, acquireTimeout)
    pool.getConnection((error, connection) => {
      if (!waiting) {
        // The caller gave up: hand a late connection straight back.
        if (!error) connection.release()
        return
      }
      waiting = false
      clearTimeout(timer)
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
  }

  const wrap = (raw: RawConnection): MysqlPoolConnection => {
    let w = wrappers.get(raw)
    if (!w) {
      let streaming: { done: boolean } | undefined
      w = {
        query: ((text: string, values: unknown[], cb?: QueryCallback) => {
          if (cb) return send(raw, text, values, castInConfig, cb)
          // Without a callback Kysely streams the result (MysqlConnection.streamQuery); a streamed
          // row is converted by mysqlTypeCast whatever the pool's config.
          const query = raw.query({ sql: text, values, typeCast: mysqlTypeCast }) as QueryEvents
          const state = { done: false }
          streaming = state
          const finish = () => {
            state.done = true
          }
          query.once('end', finish)
          query.once('error', finish)
          return query
        }) as MysqlPoolConnection['query'],
        release: () => {
          const unfinished = streaming !== undefined && !streaming.done
          streaming = undefined
          if (unfinished) raw.destroy()
          else raw.release()
        },
      }
      wrappers.set(raw, w)
    }
    return w
  }

  return {
    getConnection(callback) {
      acquire((error, raw) => {
        if (raw === undefined) callback(error, undefined as never)
        else callback(null, wrap(raw))
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
              else resolve(queryResult(result, arrays))
            },
            arrays,
          )
        })
      })
    },
    end(callback) {
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

  /** Ends the pool (when Strata opened it); the direct path then gives way to Kysely's error. */
  override async destroy(): Promise<void> {
    this.#opened.pool = undefined
    await super.destroy()
  }
}

/** Kysely's MySQL dialect whose driver is `StrataMysqlDriver`. */
class StrataMysqlDialect extends MysqlDialect {
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

/** Whether SELECT ... FOR UPDATE takes NOWAIT and SKIP LOCKED (MySQL 8.0.1+, MariaDB 10.6+) and OF (MySQL only). */
export function lockingClauses(server: Pick<MysqlServerInfo, 'version' | 'mariadb'>): {
  nowait: boolean
  of: boolean
} {
  const [major = 0, minor = 0, patch = 0] = (server.version.match(/\d+/g) ?? []).map(Number)
  const at = (a: number, b: number, c: number) =>
    major > a || (major === a && (minor > b || (minor === b && patch >= c)))
  return server.mariadb ? { nowait: at(10, 6, 0), of: false } : { nowait: at(8, 0, 1), of: at(8, 0, 1) }
}

function callbackPool(pool: Pool | { pool: Pool }): Pool {
  const inner = (pool as { pool?: Pool }).pool
  return inner && typeof inner.getConnection === 'function' ? inner : (pool as Pool)
}

/**
 * The MySQL / MariaDB dialect over mysql2.
 * @example connect({ databases: { default: mysql({ uri: 'mysql://root@127.0.0.1:3306/app', connectionLimit: 10 }) } })
 */
export function mysql(options: MysqlOptions = {}): StrataDialect {
  const {
    uri,
    pool,
    isolationLevel,
    statementTimeout,
    lockWaitTimeout,
    consecutiveInsertIds,
    acquireTimeout = 30_000,
    ...poolOptions
  } = options
  if (!pool && !uri && !poolOptions.host && !poolOptions.socketPath)
    throw new TypeError('mysql() needs a `uri`, a `pool` or a `host`')
  sessionSql(
    { version: '', mariadb: false, autoincLockMode: 1, autoIncrementIncrement: 1 },
    { isolationLevel },
  )
  let server: MysqlServerInfo | undefined
  // What depends on the server (read on the first connection): the packet size, MySQL's TREE format.
  const features: DialectFeatures = {
    ...mysqlFeatures,
    get maxQueryBytes() {
      return server?.maxAllowedPacket ?? mysqlFeatures.maxQueryBytes
    },
    get explainFormats() {
      return server && !server.mariadb ? ['text', 'json', 'tree'] : mysqlFeatures.explainFormats
    },
    get selectForUpdateNowait() {
      return server ? lockingClauses(server).nowait : false
    },
    get selectForUpdateSkipLocked() {
      return server ? lockingClauses(server).nowait : false
    },
    get selectForUpdateOf() {
      return server ? lockingClauses(server).of : false
    },
  }
  return {
    name: 'mysql',
    features,
    ops: { ...mysqlOperations, explain: (query, spec) => mysqlExplain(query, spec, server?.mariadb ?? true) },
    createKyselyDialect() {
      // Each connection gets the session statements before its first use; the first one also reads the server.
      const setUp = async (query: (text: string) => Promise<Record<string, unknown>[]>): Promise<void> => {
        if (!server) {
          const [row] = await query(
            'select version() as v, @@innodb_autoinc_lock_mode as m, @@auto_increment_increment as i, @@max_allowed_packet as p',
          )
          const version = String(row?.v ?? '')
          server = {
            version,
            mariadb: /mariadb/i.test(version),
            autoincLockMode: Number(row?.m ?? 1),
            autoIncrementIncrement: Number(row?.i ?? 1) || 1,
            maxAllowedPacket: Number(row?.p ?? 0) || undefined,
          }
        }
        for (const statement of sessionSql(server, { isolationLevel, statementTimeout, lockWaitTimeout }))
          await query(statement)
      }
      return new StrataMysqlDialect(() =>
        pool
          ? strataPool(callbackPool(pool), { owned: false, acquireTimeout, setUp })
          : strataPool(
              // Strata's conversions in the pool's config (STRATA_CASTS), after the user's options.
              createPool({
                charset: 'utf8mb4_unicode_ci',
                ...poolOptions,
                ...(uri ? { uri } : {}),
                ...STRATA_CASTS,
              }),
              { owned: true, acquireTimeout, setUp },
            ),
      )
    },
    async initialize(db) {
      // Fail at connect() rather than at the first query, with Strata's error class.
      try {
        await sql`select 1`.execute(db)
      } catch (e) {
        throw mapMysqlError(e)
      }
    },
    mapError: mapMysqlError,
    schemaEditor: (engine) => new MysqlSchemaEditor(engine),
    shellCommand: () => mysqlShell(options),
    // A lock wait timeout (NOWAIT on MariaDB too) rolls back the statement only; re-running the block may pass.
    retryable: (error) => (error.cause as { errno?: unknown } | undefined)?.errno === 1205,
    lastInsertIds(result, count) {
      const first = result.insertId
      const consecutive = consecutiveInsertIds ?? (server ? server.autoincLockMode <= 1 : true)
      if (first === undefined || first === null || (count > 1 && !consecutive))
        return new Array(count).fill(undefined)
      // LAST_INSERT_ID() is the first row's id; InnoDB gives the rest of a multi-row INSERT the next
      // ids in steps of auto_increment_increment when innodb_autoinc_lock_mode <= 1.
      const step = BigInt(server?.autoIncrementIncrement ?? 1)
      const base = BigInt(first)
      return Array.from({ length: count }, (_, i) => base + BigInt(i) * step)
    },
  }
}
