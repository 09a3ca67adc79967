import { AsyncLocalStorage } from 'node:async_hooks'
import type { ControlledTransaction, Kysely } from 'kysely'
import type { DB } from './dialect.js'

/** The transaction open on one database alias in the current async context. */
export interface TransactionFrame {
  readonly alias: string
  readonly trx: ControlledTransaction<DB>
  /** Nesting depth: 0 is the outermost block. */
  depth: number
  /** Set after a database error inside the block: further queries fail until it is left. */
  broken: boolean
  /** Callbacks to run after the outermost commit. */
  readonly onCommit: { fn: () => unknown; robust: boolean }[]
}

/** Open transactions by alias, carried across awaits. */
export const transactionContext = new AsyncLocalStorage<ReadonlyMap<string, TransactionFrame>>()

/** The transaction open on `alias` in this async context, if any. */
export function currentTransaction(alias: string): TransactionFrame | undefined {
  return transactionContext.getStore()?.get(alias)
}

/** The Kysely instance queries on `alias` must use here: the open transaction's, or the pool. */
export function executorFor(alias: string, root: Kysely<DB>): Kysely<DB> {
  return currentTransaction(alias)?.trx ?? root
}
