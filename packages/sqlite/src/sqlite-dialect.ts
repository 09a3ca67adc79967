import { DataError } from '@strata/core'
import type { DialectFeatures, StrataDialect } from '@strata/query'
import Database from 'better-sqlite3'
import { StrataSqliteDialect } from './sqlite-driver.js'
import { mapSqliteError } from './sqlite-errors.js'
import { SqliteSchemaEditor, sqliteShell } from './sqlite-schema.js'
import { sqliteOperations } from './sqlite-operations.js'
import { cachingStatements } from './sqlite-statements.js'

/** Options of `sqlite()`. */
export interface SqliteOptions {
  /** A file path, or `':memory:'` (the default). Ignored when `database` is given. */
  filename?: string
  /** An open better-sqlite3 database to use instead of opening `filename`; it is prepared (pragmas, functions) and left open on close. */
  database?: Database.Database
  /** Write-ahead logging for file databases (default true). */
  wal?: boolean
  /**
   * How long a writer waits for a lock, in ms (default 5000): SQLite's `busy_timeout` against other
   * processes, and how long a query or an `atomic` block waits for the connection, which a block
   * in this process holds until it ends. Then it fails with `OperationalError`.
   */
  busyTimeout?: number
  /** Passed to better-sqlite3 when opening `filename`. */
  readonly?: boolean
}

/** What SQLite can do, as the compiler and the conformance suite see it. */
export const sqliteFeatures: DialectFeatures = {
  returning: true,
  transactionalDdl: true,
  nullsOrdering: true,
  distinctOn: false,
  selectForUpdate: false,
  serialisedTransactions: true,
  jsonContains: false,
  regex: true,
  inlineForeignKeys: true,
  deferrableForeignKeys: true,
  dropTableCascade: false,
  // SQLITE_MAX_VARIABLE_NUMBER since SQLite 3.32 (better-sqlite3 bundles a later one).
  maxQueryParams: 32766,
  explainFormats: ['text'],
  explainOptions: [],
  updateConflicts: true,
  updateConflictsWithTarget: true,
  intersectExcept: true,
  partialIndexes: true,
  gaps: {
    distinctOn: 'SQLite has no DISTINCT ON.',
    selectForUpdate: 'SQLite locks the whole database; FOR UPDATE is ignored as in Django.',
    jsonContains: 'SQLite has no JSON containment operator.',
    cursorStreaming:
      'better-sqlite3 refuses writes on the connection while a statement is being iterated; iterator() reads pages instead.',
    explainOptions: 'SQLite has only EXPLAIN QUERY PLAN, without options.',
  },
}

const regexCache = new Map<string, RegExp>()

function regexFor(pattern: string, flags: string): RegExp {
  const key = `${flags}/${pattern}`
  let re = regexCache.get(key)
  if (!re) {
    try {
      re = new RegExp(pattern, flags)
    } catch (e) {
      // Thrown inside the statement, better-sqlite3 hands this error to the caller as it is.
      throw new DataError(`Invalid regular expression for a regex lookup: ${(e as Error).message}`, { cause: e })
    }
    if (regexCache.size > 500) regexCache.clear()
    regexCache.set(key, re)
  }
  return re
}

/** Prepares a connection: foreign keys, WAL, case-sensitive LIKE, Unicode lowercasing, REGEXP. */
export function prepareSqliteConnection(db: Database.Database, options: SqliteOptions = {}): Database.Database {
  db.pragma('foreign_keys = ON')
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeout ?? 5000))}`)
  if (options.wal !== false && db.name !== ':memory:' && db.name !== '' && !options.readonly) db.pragma('journal_mode = WAL')
  // LIKE is ASCII case-insensitive by default; make `contains` exact and do case folding ourselves (Unicode-aware).
  db.pragma('case_sensitive_like = ON')
  db.function('strata_lower', { deterministic: true }, (s: unknown) => (s === null ? null : String(s).toLowerCase()))
  db.function('strata_regexp', { deterministic: true }, (s: unknown, pattern: unknown, insensitive: unknown) =>
    s === null || pattern === null ? null : regexFor(String(pattern), Number(insensitive) ? 'iu' : 'u').test(String(s)) ? 1 : 0,
  )
  db.defaultSafeIntegers(true)
  return db
}

/**
 * The SQLite dialect over better-sqlite3.
 * @example connect({ databases: { default: sqlite({ filename: 'app.db' }) } })
 */
export function sqlite(options: SqliteOptions = {}): StrataDialect {
  return {
    name: 'sqlite',
    features: sqliteFeatures,
    ops: sqliteOperations,
    createKyselyDialect() {
      const queue = { timeout: Math.max(0, Math.trunc(options.busyTimeout ?? 5000)), readonly: options.readonly === true || options.database?.readonly === true }
      return new StrataSqliteDialect({
        // Statements are prepared once per SQL text and reused (sqlite-statements.ts).
        database: async () => {
          if (!options.database) {
            const db = prepareSqliteConnection(new Database(options.filename ?? ':memory:', { readonly: options.readonly === true }), options)
            return cachingStatements(db, () => db.close())
          }
          // A database the caller opened stays open when Strata closes (as a given pg or mysql2 pool does).
          const given = prepareSqliteConnection(options.database, options)
          return cachingStatements(given, () => undefined)
        },
      }, queue)
    },
    mapError: mapSqliteError,
    schemaEditor: (engine) => new SqliteSchemaEditor(engine),
    shellCommand: () => sqliteShell(options.filename),
    retryable: isBusy,
  }
}

/** Whether an error is SQLite's "database is locked" (another process held the lock past `busyTimeout`). */
function isBusy(error: Error): boolean {
  const code = (error.cause as { code?: unknown } | undefined)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY')
}
