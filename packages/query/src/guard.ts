import { TransactionManagementError } from '@strata/core'
import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely'
import { currentTransaction, type TransactionFrame } from './context.js'
import type { DB } from './dialect.js'
import { brokenError, markBroken } from './transaction.js'

/**
 * Wraps a Kysely dialect so that every statement sent on `alias`, whatever sent it (QuerySets,
 * `db.raw`, the Kysely of `db.kysely()`), follows the `atomic` block it runs in: refused with
 * `TransactionManagementError` once the block must roll back, and marking the block so when it fails.
 */
export function guardDialect(alias: string, dialect: Dialect, mapError: (error: unknown) => Error, onDriver?: (driver: Driver) => void): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => {
      const driver = dialect.createDriver()
      onDriver?.(driver)
      return new GuardedDriver(alias, driver, mapError)
    },
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  }
}

/** The driver's own connection behind each guarded one (shared by every guarded driver). */
const originals = new WeakMap<DatabaseConnection, DatabaseConnection>()

class GuardedDriver implements Driver {
  readonly #alias: string
  readonly #inner: Driver
  readonly #mapError: (error: unknown) => Error
  readonly #wrappers = new WeakMap<DatabaseConnection, DatabaseConnection>()

  constructor(alias: string, inner: Driver, mapError: (error: unknown) => Error) {
    this.#alias = alias
    this.#inner = inner
    this.#mapError = mapError
  }

  init(): Promise<void> {
    return this.#inner.init()
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#wrap(await this.#inner.acquireConnection())
  }

  // The transaction statements go through the wrapper so that they are logged like any other.
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(connection, settings)
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
    if (!this.#inner.savepoint) throw new Error('The `savepoint` method is not supported by this driver')
    return this.#inner.savepoint(connection, name, compile)
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (!this.#inner.rollbackToSavepoint)
      throw new Error('The `rollbackToSavepoint` method is not supported by this driver')
    return this.#inner.rollbackToSavepoint(connection, name, compile)
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (!this.#inner.releaseSavepoint)
      throw new Error('The `releaseSavepoint` method is not supported by this driver')
    return this.#inner.releaseSavepoint(connection, name, compile)
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(originals.get(connection) ?? connection)
  }

  destroy(): Promise<void> {
    return this.#inner.destroy()
  }

  #wrap(connection: DatabaseConnection): DatabaseConnection {
    const known = this.#wrappers.get(connection)
    if (known) return known
    const wrapper = guardConnection(this.#alias, connection, this.#mapError)
    this.#wrappers.set(connection, wrapper)
    originals.set(wrapper, connection)
    return wrapper
  }
}

/**
 * `connection` with the guard of `alias`'s blocks: a statement sent in a block that must roll back
 * is refused with `TransactionManagementError`, and one that fails marks its block so.
 */
export function guardConnection(alias: string, connection: DatabaseConnection, mapError: (error: unknown) => Error): DatabaseConnection {
  const fail = (frame: TransactionFrame | undefined, error: unknown) => {
    if (frame) markBroken(frame, mapError(error))
  }
  return {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      const frame = currentTransaction(alias)
      if (frame?.broken) throw brokenError(frame)
      try {
        return await connection.executeQuery<R>(query)
      } catch (e) {
        fail(frame, e)
        throw e
      }
    },
    async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
      const frame = currentTransaction(alias)
      if (frame?.broken) throw brokenError(frame)
      try {
        yield* connection.streamQuery<R>(query, chunkSize)
      } catch (e) {
        fail(frame, e)
        throw e
      }
    },
  }
}

const FORBIDDEN = new Set([
  'commit',
  'rollback',
  'savepoint',
  'rollbackToSavepoint',
  'releaseSavepoint',
  'startTransaction',
  'transaction',
  'connection',
  'destroy',
])
const blockViews = new WeakMap<object, Kysely<DB>>()

/**
 * The Kysely that `db.kysely()` gives inside an `atomic` block: the block's transaction, whose
 * queries run on its connection; ending the transaction by hand is refused (the block does it).
 */
export function blockKysely(frame: TransactionFrame): Kysely<DB> {
  const trx = frame.block.kysely
  let view = blockViews.get(trx)
  if (!view) {
    view = new Proxy(trx, {
      get(target, property) {
        if (typeof property === 'string' && FORBIDDEN.has(property))
          return () => {
            throw new TransactionManagementError(
              `db.kysely().${property}() is forbidden inside an 'atomic' block: the block commits or rolls back when it ends.`,
            )
          }
        const value = Reflect.get(target, property, target) as unknown
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
      },
    })
    blockViews.set(trx, view)
  }
  return view
}
