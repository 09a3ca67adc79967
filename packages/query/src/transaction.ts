import { TransactionManagementError } from '@strata/core'
import type { ControlledTransaction, IsolationLevel, Kysely } from 'kysely'
import { type TransactionFrame, transactionContext } from './context.js'
import type { DB } from './dialect.js'

/** Options of a transaction block. */
export interface AtomicOptions {
  /** Isolation level of the outermost transaction. */
  isolation?: IsolationLevel
  /** Nested blocks make a savepoint unless this is false. */
  savepoint?: boolean
  /** Refuse to run nested inside another block. */
  durable?: boolean
}

let savepoints = 0

/**
 * Runs `fn` in a transaction on `alias`: the outermost block commits or rolls back, nested blocks
 * use savepoints. Every query inside, by any code path, uses the transaction's connection.
 */
export async function runAtomic<T>(
  alias: string,
  root: Kysely<DB>,
  fn: () => Promise<T>,
  options: AtomicOptions = {},
  mapError: (error: unknown) => Error = (e) => e as Error,
): Promise<T> {
  const frames = transactionContext.getStore()
  const frame = frames?.get(alias)
  if (frame) {
    if (options.durable) throw new TransactionManagementError('A durable atomic block cannot be nested within another atomic block.')
    if (frame.broken) throw brokenError()
    if (options.savepoint === false) return fn()
    const name = `strata_sp_${++savepoints}`
    const trx = (await frame.trx.savepoint(name).execute()) as unknown as ControlledTransaction<DB>
    const inner: TransactionFrame = { alias, trx, depth: frame.depth + 1, broken: false, onCommit: frame.onCommit }
    const before = frame.onCommit.length
    try {
      const result = await transactionContext.run(withFrame(frames, inner), fn)
      if (inner.broken) throw brokenError()
      await (trx as unknown as ControlledTransaction<DB, [string]>).releaseSavepoint(name).execute()
      return result
    } catch (e) {
      await (trx as unknown as ControlledTransaction<DB, [string]>).rollbackToSavepoint(name).execute()
      frame.onCommit.splice(before)
      throw e
    }
  }
  let builder = root.startTransaction()
  if (options.isolation) builder = builder.setIsolationLevel(options.isolation)
  const trx = await builder.execute().catch((e: unknown) => {
    throw mapError(e)
  })
  const top: TransactionFrame = { alias, trx, depth: 0, broken: false, onCommit: [] }
  let result: T
  try {
    result = await transactionContext.run(withFrame(frames, top), fn)
    if (top.broken) throw brokenError()
  } catch (e) {
    await trx.rollback().execute().catch(() => undefined)
    throw e
  }
  try {
    await trx.commit().execute()
  } catch (e) {
    // COMMIT can fail (deferred constraints, serialization); Kysely keeps the connection until a rollback.
    await trx.rollback().execute().catch(() => undefined)
    throw mapError(e)
  }
  for (const cb of top.onCommit) {
    try {
      await cb.fn()
    } catch (e) {
      if (!cb.robust) throw e
      console.error('[strata] an onCommit callback failed:', e)
    }
  }
  return result
}

function withFrame(frames: ReadonlyMap<string, TransactionFrame> | undefined, frame: TransactionFrame): Map<string, TransactionFrame> {
  const map = new Map(frames)
  map.set(frame.alias, frame)
  return map
}

function brokenError(): TransactionManagementError {
  return new TransactionManagementError(
    "An error occurred in the current transaction. You can't execute queries until the end of the 'atomic' block.",
  )
}

export { brokenError }
