import { OperationalError } from '@strata/core'
import type { ArrayRowsResult, DirectDriver } from '@strata/query'
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  SqliteDialect,
  type SqliteDialectConfig,
} from 'kysely'
import type { StatementSource } from './sqlite-statements.js'

/** How the SQLite driver hands out its one connection. */
export interface SqliteQueueOptions {
  /** How long a query or a block waits for the connection, in ms (the dialect's `busyTimeout`). */
  readonly timeout: number
  /** `BEGIN` (deferred) instead of `BEGIN IMMEDIATE`, for read-only databases. */
  readonly readonly: boolean
}

/**
 * Kysely's SQLite dialect with Strata's transaction rules: one connection per database, handed to
 * one user at a time in arrival order (an `atomic` block keeps it until it ends, so concurrent
 * blocks never interleave and never see `SQLITE_BUSY` from each other), a bounded wait for it,
 * and transactions that begin `IMMEDIATE`, taking the write lock up front so that a block never
 * fails half-way when it first writes while another process holds the lock.
 */
export class StrataSqliteDialect extends SqliteDialect {
  readonly #queue: SqliteQueueOptions
  readonly #source: { current?: StatementSource }

  constructor(config: Omit<SqliteDialectConfig, 'database'> & { database: () => Promise<StatementSource> }, queue: SqliteQueueOptions) {
    const source: { current?: StatementSource } = {}
    super({
      ...config,
      database: async () => {
        source.current = await config.database()
        return source.current
      },
    })
    this.#queue = queue
    this.#source = source
  }

  override createDriver(): Driver {
    return new QueuedSqliteDriver(super.createDriver(), this.#queue, this.#source)
  }
}

class QueuedSqliteDriver implements Driver, DirectDriver {
  readonly #inner: Driver
  readonly #queue: SqliteQueueOptions
  readonly #mutex = new TimedMutex()
  readonly #source: { current?: StatementSource }
  /** The database, once `init()` has opened it and until `destroy()`. */
  #db: StatementSource | undefined

  constructor(inner: Driver, queue: SqliteQueueOptions, source: { current?: StatementSource }) {
    this.#inner = inner
    this.#queue = queue
    this.#source = source
  }

  async init(): Promise<void> {
    await this.#inner.init()
    this.#db = this.#source.current
  }

  /**
   * The hot path: when nobody holds the connection, runs the statement at once, synchronously
   * (nothing else can run on it meanwhile), with the result Kysely's SQLite connection gives.
   */
  runDirect(query: CompiledQuery, arrays = false): QueryResult<unknown> | undefined {
    const db = this.#db
    if (db === undefined || this.#mutex.held) return undefined
    return run(db, query, arrays)
  }

  /** Inside a block, which holds the one connection: the statement at once, synchronously. */
  runInBlock(query: CompiledQuery, arrays = false): QueryResult<unknown> {
    const db = this.#db
    if (db === undefined) throw new OperationalError('SQLite: the database is closed.')
    return run(db, query, arrays)
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock(this.#queue.timeout)
    try {
      return await this.#inner.acquireConnection()
    } catch (e) {
      this.#mutex.unlock()
      throw e
    }
  }

  // SQLite transactions are serializable whatever level is asked (https://sqlite.org/isolation.html).
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(this.#queue.readonly ? 'begin' : 'begin immediate'))
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(connection)
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(connection)
  }

  savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.#inner.savepoint!(connection, name, compile)
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.#inner.rollbackToSavepoint!(connection, name, compile)
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.#inner.releaseSavepoint!(connection, name, compile)
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.#inner.releaseConnection(connection)
    } finally {
      this.#mutex.unlock()
    }
  }

  destroy(): Promise<void> {
    this.#db = undefined
    return this.#inner.destroy()
  }
}

/**
 * Runs a statement as Kysely's SQLite connection does, with the same result; with `arrays`, the
 * rows of a reader as arrays (better-sqlite3's raw mode: about 15% less time for 100 rows of two
 * columns than objects), the statement left in its ordinary mode for the next user.
 */
function run(db: StatementSource, query: CompiledQuery, arrays: boolean): QueryResult<unknown> | ArrayRowsResult {
  const stmt = db.prepare(query.sql)
  if (stmt.reader) {
    if (!arrays) return { rows: stmt.all(query.parameters) as unknown[] }
    stmt.raw(true)
    try {
      return { rows: stmt.all(query.parameters) as unknown[], arrays: true }
    } finally {
      stmt.raw(false)
    }
  }
  const { changes, lastInsertRowid } = stmt.run(query.parameters)
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] }
}

/** A first-come, first-served lock whose waiters give up after a timeout. */
export class TimedMutex {
  #held = false

  /** Whether someone holds the lock. */
  get held(): boolean {
    return this.#held
  }
  readonly #waiters: { grant: () => void; timer: ReturnType<typeof setTimeout> | undefined }[] = []

  /** Takes the lock, waiting at most `timeout` ms; then fails with `OperationalError`. */
  lock(timeout: number): Promise<void> {
    if (!this.#held) {
      this.#held = true
      return Promise.resolve()
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          if (waiter.timer) clearTimeout(waiter.timer)
          resolve()
        },
        timer: undefined as ReturnType<typeof setTimeout> | undefined,
      }
      waiter.timer = setTimeout(() => {
        const at = this.#waiters.indexOf(waiter)
        if (at >= 0) this.#waiters.splice(at, 1)
        reject(busy(timeout))
      }, timeout)
      this.#waiters.push(waiter)
    })
  }

  /** Hands the lock to the next waiter, or frees it. */
  unlock(): void {
    const next = this.#waiters.shift()
    if (next) next.grant()
    else this.#held = false
  }
}

function busy(timeout: number): OperationalError {
  const cause = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })
  return new OperationalError(
    `SQLite: waited ${timeout} ms (busyTimeout) for the database connection, which an atomic block or another query still holds. ` +
      'A block that awaits a query made outside its async context waits for itself: run that query inside the block.',
    { cause },
  )
}
