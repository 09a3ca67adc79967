import type { DialectFeatures, StrataDialect } from '@strata/query'
import { sql } from 'kysely'
import { createPool, type Pool, type PoolOptions } from 'mysql2'
import { mapMysqlError } from './mysql-errors.js'
import { mysqlExplain, mysqlOperations } from './mysql-operations.js'
import { STRATA_CASTS, StrataMysqlDialect, strataPool } from './mysql-pool.js'
import { MysqlSchemaEditor, mysqlShell } from './mysql-schema.js'

export { mysqlTypeCast } from './mysql-pool.js'

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
  /**
   * MariaDB: each session's `optimizer_join_limit_pref_ratio`, which lets the optimizer start a join
   * from the table an `ORDER BY ... LIMIT` reads in order and stop after LIMIT rows, when that
   * promises to be this many times faster (default 100, the value MariaDB recommends; 0 leaves it
   * off). Set only where the server has the variable; ignored on MySQL.
   */
  optimizerJoinLimitPrefRatio?: number
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
  /** Whether the server has `optimizer_join_limit_pref_ratio` (MariaDB since MDEV-34720). */
  readonly joinLimitPrefRatio?: boolean
}

/** The session statements run on each new connection. */
export function sessionSql(
  server: MysqlServerInfo,
  options: Pick<MysqlOptions, 'isolationLevel' | 'statementTimeout' | 'lockWaitTimeout' | 'optimizerJoinLimitPrefRatio'> = {},
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
  const ratio = joinLimitPrefRatio(options.optimizerJoinLimitPrefRatio)
  if (server.joinLimitPrefRatio && ratio > 0) sets.push(`optimizer_join_limit_pref_ratio = ${ratio}`)
  const out = [`set ${sets.map((s) => `session ${s}`).join(', ')}`]
  const level = options.isolationLevel ?? 'read committed'
  if (!/^(read uncommitted|read committed|repeatable read|serializable)$/.test(level))
    throw new TypeError(`mysql(): unknown isolationLevel ${JSON.stringify(level)}`)
  out.push(`set session transaction isolation level ${level}`)
  return out
}

/** The `optimizerJoinLimitPrefRatio` option checked: a whole number from 0 to 2^32 - 1 (the variable's range); 100 when not given. */
function joinLimitPrefRatio(value: number | undefined): number {
  if (value === undefined) return 100
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 4294967295)
    throw new TypeError(
      `mysql(): optimizerJoinLimitPrefRatio must be a whole number from 0 to 4294967295, got ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`,
    )
  return value
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
    optimizerJoinLimitPrefRatio,
    acquireTimeout = 30_000,
    ...poolOptions
  } = options
  if (!pool && !uri && !poolOptions.host && !poolOptions.socketPath)
    throw new TypeError('mysql() needs a `uri`, a `pool` or a `host`')
  sessionSql(
    { version: '', mariadb: false, autoincLockMode: 1, autoIncrementIncrement: 1 },
    { isolationLevel, optimizerJoinLimitPrefRatio },
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
          const mariadb = /mariadb/i.test(version)
          // Read, not guessed from the version: MariaDB added it to several release lines at once.
          const joinLimit = mariadb && (await query(`show variables like 'optimizer\\_join\\_limit\\_pref\\_ratio'`)).length > 0
          server = {
            version,
            mariadb,
            autoincLockMode: Number(row?.m ?? 1),
            autoIncrementIncrement: Number(row?.i ?? 1) || 1,
            maxAllowedPacket: Number(row?.p ?? 0) || undefined,
            joinLimitPrefRatio: joinLimit,
          }
        }
        const session = { isolationLevel, statementTimeout, lockWaitTimeout, optimizerJoinLimitPrefRatio }
        for (const statement of sessionSql(server, session))
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
      const base = BigInt(first)
      if (count === 1) return [base]
      const step = BigInt(server?.autoIncrementIncrement ?? 1)
      const ids = new Array<bigint>(count)
      for (let i = 0, id = base; i < count; i++, id += step) ids[i] = id
      return ids
    },
  }
}
