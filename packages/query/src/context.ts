import { AsyncLocalStorage } from 'node:async_hooks'
import type { Kysely } from 'kysely'
import type { BlockSession } from './block.js'
import type { DB } from './dialect.js'

/** A callback registered with `onCommit()` and the block that was innermost when it was. */
export interface CommitCallback {
  readonly fn: () => unknown
  /** Report its error and go on with the next callback instead of propagating it. */
  readonly robust: boolean
  /** Rolling back this block's savepoint (or one of its parents') drops the callback. */
  readonly frame: TransactionFrame
}

/** One open `atomic` block on one database alias: the transaction, or a savepoint inside it. */
export interface TransactionFrame {
  readonly alias: string
  /** The transaction's connection every query of the block runs on (shared by nested blocks). */
  readonly block: BlockSession
  /** Nesting depth: 0 is the outermost block. */
  depth: number
  /**
   * Set after a database error inside the block, or by `setRollback(true)` (Django's
   * `needs_rollback`): further queries in the block fail and it rolls back when it is left.
   */
  broken: boolean
  /** The error that made the block unusable; unset when only `setRollback(true)` marked it. */
  brokenBy?: unknown
  /** The enclosing block; undefined for the outermost one. */
  readonly parent?: TransactionFrame
  /** The isolation level the outermost block asked for, if any. */
  readonly isolation?: string
  /** Callbacks to run after the outermost commit, shared by every block of the transaction. */
  readonly onCommit: CommitCallback[]
  /** Settles when the nested block opened from this one ends (nested blocks run one at a time). */
  children: Promise<void>
  /**
   * Set when the block's body has returned or thrown. Work it left running (a promise it did not
   * await) then runs in the enclosing block if one is still open, else outside any transaction,
   * as it does once the context is switched off between blocks.
   */
  ended?: boolean
}

const KEY = Symbol.for('strata.transactionContext')
const globals = globalThis as { [KEY]?: AsyncLocalStorage<ReadonlyMap<string, TransactionFrame>> }

/**
 * Open transactions by alias, carried across awaits. One instance per process, even when both the
 * ESM and the CommonJS builds of this package are loaded.
 */
export const transactionContext: AsyncLocalStorage<ReadonlyMap<string, TransactionFrame>> = (globals[KEY] ??=
  new AsyncLocalStorage<ReadonlyMap<string, TransactionFrame>>())

/** The innermost block open on `alias` in this async context, if any. */
export function currentTransaction(alias: string): TransactionFrame | undefined {
  let frame = transactionContext.getStore()?.get(alias)
  while (frame?.ended) frame = frame.parent
  return frame
}

/** The Kysely instance queries on `alias` must use here: the open transaction's, or the pool. */
export function executorFor(alias: string, root: Kysely<DB>): Kysely<DB> {
  return currentTransaction(alias)?.block.kysely ?? root
}
