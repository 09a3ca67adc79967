import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  Transaction,
} from 'kysely'
import type { DB, DirectDriver } from './dialect.js'

/**
 * The connection an outermost `atomic` block holds, taken from the dialect's driver without
 * Kysely's transaction objects: the block's statements run straight on it, and BEGIN, COMMIT,
 * ROLLBACK and savepoints are the driver's own statements (logged like any query). Nested blocks
 * share it. A Kysely bound to it is built only when `db.kysely()` or the migrations ask for one.
 */
export interface BlockSession {
  /** Runs one statement on the block's connection, as the driver's connection would (rows as arrays when asked and the driver can). */
  run(query: CompiledQuery, arrays: boolean): QueryResult<unknown> | Promise<QueryResult<unknown>>
  /** Commits; the connection goes back to the pool. On failure it is still held: call `rollback()`. */
  commit(): Promise<void>
  /** Rolls back and gives the connection back (also when ROLLBACK fails: a dead connection). */
  rollback(): Promise<void>
  /** Creates the savepoint `name`. */
  savepoint(name: string): Promise<void>
  /** Rolls back to the savepoint `name`. */
  rollbackToSavepoint(name: string): Promise<void>
  /** Releases the savepoint `name`. */
  releaseSavepoint(name: string): Promise<void>
  /** A Kysely whose queries run on the block's connection (built on first use). */
  readonly kysely: Kysely<DB>
}

/** What a block needs from its database: the driver and how the engine logs and guards statements. */
export interface BlockHost {
  /** The dialect's own driver (not Kysely's runtime wrapper), initialised. */
  readonly driver: Driver
  /** The driver's hot paths, when it has them. */
  readonly direct: DirectDriver | undefined
  /** The Kysely dialect and config the root Kysely was made with (for the block's Kysely). */
  readonly dialect: Dialect
  /** Compiles Kysely's savepoint commands. */
  readonly compile: QueryCompiler['compileQuery']
  /** The root Kysely, whose executor the block's Kysely reuses with the block's connection. */
  readonly root: Kysely<DB>
  /** Runs a statement through the query log. */
  logged(query: CompiledQuery, run: (query: CompiledQuery) => Promise<QueryResult<unknown>>): Promise<QueryResult<unknown>>
  /** Wraps a connection so that the block's statements from Kysely are refused once it is broken and break it when they fail. */
  guard(connection: DatabaseConnection): DatabaseConnection
}

/** Takes a connection from `host`'s driver and begins a transaction on it (at `isolation` when given). */
export async function beginBlock(host: BlockHost, isolation: string | undefined): Promise<BlockSession> {
  const connection = await host.driver.acquireConnection()
  const block = new DriverBlock(host, connection)
  try {
    await host.driver.beginTransaction(
      block.statements,
      isolation ? { isolationLevel: isolation as 'serializable' } : {},
    )
  } catch (e) {
    await block.release()
    throw e
  }
  return block
}

class DriverBlock implements BlockSession {
  readonly #host: BlockHost
  readonly #connection: DatabaseConnection
  /** The connection as the driver's transaction statements see it: each statement logged. */
  readonly statements: DatabaseConnection
  readonly run: (query: CompiledQuery, arrays: boolean) => QueryResult<unknown> | Promise<QueryResult<unknown>>
  #released = false
  #view: Kysely<DB> | undefined

  constructor(host: BlockHost, connection: DatabaseConnection) {
    this.#host = host
    this.#connection = connection
    const direct = host.direct
    // SQLite's block holds the one connection (`runInBlock`); pools run on the checked-out one.
    if (direct?.runInBlock) this.run = (query, arrays) => direct.runInBlock!(query, arrays)
    else if (direct?.runOn) this.run = (query, arrays) => direct.runOn!(connection, query, arrays)
    else this.run = (query) => connection.executeQuery(query)
    this.statements = {
      executeQuery: <R>(query: CompiledQuery) =>
        host.logged(query, (q) => connection.executeQuery(q)) as Promise<QueryResult<R>>,
      streamQuery: <R>(query: CompiledQuery, chunkSize?: number) => connection.streamQuery<R>(query, chunkSize),
    }
  }

  async commit(): Promise<void> {
    await this.#host.driver.commitTransaction(this.statements)
    await this.release()
  }

  async rollback(): Promise<void> {
    try {
      await this.#host.driver.rollbackTransaction(this.statements)
    } finally {
      await this.release()
    }
  }

  savepoint(name: string): Promise<void> {
    return this.#savepointCommand('savepoint', name)
  }

  rollbackToSavepoint(name: string): Promise<void> {
    return this.#savepointCommand('rollbackToSavepoint', name)
  }

  releaseSavepoint(name: string): Promise<void> {
    return this.#savepointCommand('releaseSavepoint', name)
  }

  #savepointCommand(command: 'savepoint' | 'rollbackToSavepoint' | 'releaseSavepoint', name: string): Promise<void> {
    const run = this.#host.driver[command]
    if (!run) throw new Error(`This database's Kysely driver has no ${command}(): nested atomic blocks need savepoints`)
    return run.call(this.#host.driver, this.statements, name, this.#host.compile)
  }

  /** Gives the connection back to the driver, once. */
  async release(): Promise<void> {
    if (this.#released) return
    this.#released = true
    await this.#host.driver.releaseConnection(this.#connection)
  }

  get kysely(): Kysely<DB> {
    if (this.#view === undefined) {
      const host = this.#host
      const connection = host.guard(this.statements)
      this.#view = new Transaction<DB>({
        config: { dialect: host.dialect },
        dialect: host.dialect,
        driver: host.driver,
        executor: host.root.getExecutor().withConnectionProvider({
          provideConnection: (consumer) => consumer(connection),
        }),
      })
    }
    return this.#view
  }
}
