import { DatabaseError, DeadlockDetected, SerializationFailure, StrataError } from '@strata/core'
import type { StrataDialect } from '@strata/query'
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
  type TransactionSettings,
} from 'kysely'

/** What the recording database saw: each statement with the connection that ran it. */
export interface Recording {
  readonly statements: string[]
  readonly connections: number[]
}

/**
 * A dialect over a pretend database that records every statement (with the number of the pooled
 * connection it ran on) and fails those that say so: `select 'fail:40001'` fails with the driver code 40001, which `mapError` turns into `SerializationFailure` (40P01: `DeadlockDetected`).
 */
export function recordingDialect(): { dialect: StrataDialect; recording: Recording } {
  const recording: Recording = { statements: [], connections: [] }
  let next = 0
  const connection = (id: number): DatabaseConnection => ({
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      recording.statements.push(query.sql)
      recording.connections.push(id)
      await new Promise((resolve) => setTimeout(resolve, 1))
      const code = /'fail:(\w+)'/.exec(query.sql)?.[1]
      if (code) throw Object.assign(new Error(`failed: ${code}`), { code })
      return { rows: [] }
    },
    // biome-ignore lint/correctness/useYield: the pretend database streams nothing
    async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
      return
    },
  })
  const run = (c: DatabaseConnection, text: string) =>
    c.executeQuery({ sql: text, parameters: [], query: undefined as never, queryId: undefined as never })
  const driver: Driver = {
    init: async () => undefined,
    acquireConnection: async () => connection(++next),
    beginTransaction: async (c: DatabaseConnection, settings: TransactionSettings) => {
      await run(c, settings.isolationLevel ? `begin isolation level ${settings.isolationLevel}` : 'begin')
    },
    commitTransaction: async (c) => void (await run(c, 'commit')),
    rollbackTransaction: async (c) => void (await run(c, 'rollback')),
    savepoint: async (c, name) => void (await run(c, `savepoint ${name}`)),
    rollbackToSavepoint: async (c, name) => void (await run(c, `rollback to ${name}`)),
    releaseSavepoint: async (c, name) => void (await run(c, `release ${name}`)),
    releaseConnection: async () => undefined,
    destroy: async () => undefined,
  }
  const dialect: StrataDialect = {
    name: 'recording',
    features: {
      returning: true,
      transactionalDdl: true,
      nullsOrdering: true,
      distinctOn: false,
      selectForUpdate: false,
      jsonContains: false,
      regex: false,
      inlineForeignKeys: true,
      deferrableForeignKeys: false,
      dropTableCascade: false,
      gaps: {},
    },
    ops: {
      toDriver: (_f, v) => v,
      fromDriver: (_f, v) => v,
      textLookup: (lookup, lhs, value) => sql`${sql.raw(lookup)}(${lhs}, ${value})`,
      transform: (name, lhs) => sql`${sql.raw(name)}(${lhs})`,
      orderTerm: (expr) => expr,
      random: () => sql`random()`,
      limitOffset: () => sql``,
      columnType: () => 'text',
      autoIncrement: () => '',
      insertVerb: () => 'insert',
      insertSuffix: () => '',
    },
    createKyselyDialect: () => ({
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => driver,
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    }),
    mapError: (e) => {
      if (e instanceof StrataError) return e
      const code = (e as { code?: unknown }).code
      if (code === '40001') return new SerializationFailure('could not serialize access', { cause: e })
      if (code === '40P01') return new DeadlockDetected('deadlock detected', { cause: e })
      if (typeof code === 'string') return new DatabaseError(`error ${code}`, { cause: e })
      return e as Error
    },
  }
  return { dialect, recording }
}
