import { TransactionManagementError, TypeMismatchError } from '@strata/core'
import { currentTransaction, runCommitCallbacks, type TransactionFrame } from '@strata/query'
import { aliasOf } from './atomic.js'
import { describeValue } from './describe.js'

/** Options of `onCommit()`. */
export interface OnCommitOptions {
  /**
   * Report the callback's error (`console.error`, or the handler given to
   * `setOnCommitErrorHandler`) and go on with the next callback, instead of rejecting `atomic()`.
   */
  robust?: boolean
  /** The database whose transaction it waits for (default `'default'`). */
  using?: string
}

const ON_COMMIT_OPTIONS = new Set(['robust', 'using'])

/**
 * Runs `fn` after the outermost `atomic` block on `using` commits, in registration order and
 * before `atomic()` resolves; never after a rollback (a callback registered in a nested block
 * that rolls back is dropped). A throwing callback does not undo the commit: its error rejects
 * `atomic()` and the callbacks after it do not run, unless it was registered `robust`. Outside a
 * block it runs at once, and the returned promise settles when it has run; inside a block the
 * promise resolves at once (there is no need to await it).
 * @example await atomic(async () => { const order = await Order.objects.create(data); onCommit(() => mailer.send(order)) })
 */
export function onCommit(fn: () => unknown, options: OnCommitOptions = {}): Promise<void> {
  if (typeof fn !== 'function')
    throw new TypeMismatchError(`onCommit()'s callback must be a function, got ${describeValue(fn)}`)
  const alias = aliasOf(options, 'onCommit')
  for (const key of Object.keys(options))
    if (!ON_COMMIT_OPTIONS.has(key))
      throw new TypeMismatchError(
        `onCommit(): unknown option ${JSON.stringify(key)}; expected robust or using`,
      )
  if (options.robust !== undefined && typeof options.robust !== 'boolean')
    throw new TypeMismatchError(
      `onCommit(): robust must be true or false, got ${describeValue(options.robust)}`,
    )
  const robust = options.robust === true
  const frame = currentTransaction(alias)
  if (!frame) return runCommitCallbacks([{ fn, robust }])
  frame.onCommit.push({ fn, robust, frame })
  return Promise.resolve()
}

/**
 * Marks the innermost `atomic` block on `using` for rollback (`true`): it rolls back when it ends,
 * without an error, and queries in it fail with `TransactionManagementError` until then. `false`
 * clears a mark set by `setRollback(true)`; it cannot undo a database error (contain those in a
 * nested block). Outside a block it throws `TransactionManagementError`.
 * @example await atomic(async () => { await importRows(); if (dryRun) setRollback(true) })
 */
export function setRollback(rollback: boolean, options: { using?: string } = {}): void {
  if (typeof rollback !== 'boolean')
    throw new TypeMismatchError(`setRollback() takes true or false, got ${describeValue(rollback)}`)
  const frame = innermost(aliasOf(options, 'setRollback'))
  if (rollback) {
    frame.broken = true
    return
  }
  if (frame.brokenBy !== undefined)
    throw new TransactionManagementError(
      'setRollback(false) cannot undo a database error inside the block: the transaction is rolled back when the block ends. Catch such errors around a nested atomic() block instead.',
      { cause: frame.brokenBy },
    )
  frame.broken = false
}

/**
 * Whether the innermost `atomic` block on `using` will roll back when it ends (after
 * `setRollback(true)` or a database error inside it). Outside a block it throws.
 * @example await atomic(async () => { ...; if (getRollback()) log('rolling back') })
 */
export function getRollback(options: { using?: string } = {}): boolean {
  return innermost(aliasOf(options, 'getRollback')).broken
}

function innermost(alias: string): TransactionFrame {
  const frame = currentTransaction(alias)
  if (!frame)
    throw new TransactionManagementError("The rollback flag doesn't work outside of an 'atomic' block.")
  return frame
}
