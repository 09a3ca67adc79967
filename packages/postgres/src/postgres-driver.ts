import { STATEMENT_NAME } from '@strata/query'
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  PostgresDialect,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'

// Named statements: a query compiled from Strata's caches carries a name for its SQL text
// (`STATEMENT_NAME`), and pg then prepares it once per connection and afterwards only binds and
// executes it (no parse, no planning from scratch). Kysely's connection calls the pool client's
// `query(text, values)` synchronously from `executeQuery`, so the name is handed over in between.

let pending: string | undefined
/** Names whose prepared statement the server refused to reuse (the table changed under it). */
const dead = new Set<string>()

/** The statement name for the client query being started now, if any (read once). */
export function takeStatementName(): string | undefined {
  const name = pending
  pending = undefined
  return name
}

/** Stops naming a statement whose prepared form the server no longer accepts. */
export function forgetStatementName(name: string): void {
  dead.add(name)
}

/** Kysely's PostgreSQL dialect whose connections pass statement names to the pool's clients. */
export class StrataPostgresDialect extends PostgresDialect {
  override createDriver(): Driver {
    return new NamingDriver(super.createDriver())
  }
}

class NamingDriver implements Driver {
  readonly #inner: Driver
  readonly #originals = new WeakMap<DatabaseConnection, DatabaseConnection>()

  constructor(inner: Driver) {
    this.#inner = inner
  }

  init(): Promise<void> {
    return this.#inner.init()
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.#inner.acquireConnection()
    const wrapper: DatabaseConnection = {
      executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        const name = (query as { [STATEMENT_NAME]?: string })[STATEMENT_NAME]
        pending = name !== undefined && !dead.has(name) ? name : undefined
        try {
          return connection.executeQuery<R>(query)
        } finally {
          pending = undefined
        }
      },
      streamQuery: <R>(query: CompiledQuery, chunkSize?: number) => connection.streamQuery<R>(query, chunkSize),
    }
    this.#originals.set(wrapper, connection)
    return wrapper
  }

  #original(connection: DatabaseConnection): DatabaseConnection {
    return this.#originals.get(connection) ?? connection
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(this.#original(connection), settings)
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(this.#original(connection))
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(this.#original(connection))
  }

  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.#inner.savepoint!(this.#original(connection), name, compile)
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.#inner.rollbackToSavepoint!(this.#original(connection), name, compile)
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.#inner.releaseSavepoint!(this.#original(connection), name, compile)
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(this.#original(connection))
  }

  destroy(): Promise<void> {
    return this.#inner.destroy()
  }
}
