import { type Engine, getEngine, NotSupportedError, TypeMismatchError } from '@strata/core'
import { type AtomicOptions as QueryAtomicOptions, currentTransaction } from '@strata/query'
import { describeValue } from './describe.js'

/** Options of `atomic()`. */
export interface AtomicOptions extends QueryAtomicOptions {
  /** The database alias to open the block on (default `'default'`). */
  using?: string
}

/** The engine `@strata/query` registers: its `atomic` takes the options. */
interface TransactionalEngine extends Engine {
  atomic<T>(fn: () => Promise<T>, options?: QueryAtomicOptions): Promise<T>
}

/**
 * Runs `fn` in a transaction, Django's `atomic`: the outermost block takes a connection from the
 * pool, pins it to the async context (every query inside uses it, whatever code path makes it)
 * and commits when `fn` resolves, or rolls back and rethrows when it throws. A nested block is a
 * savepoint: its failure rolls back only its own work. `onCommit` callbacks run after the
 * outermost commit, before the returned promise resolves.
 * @example
 * await atomic(async () => {
 *   const post = await Post.objects.create({ title: 'T', content: '...' })
 *   await Comment.objects.create({ post, author: 'x', text: 'y' })
 * }, { isolation: 'serializable', retries: 3 })
 */
export async function atomic<T>(fn: () => T, options: AtomicOptions = {}): Promise<Awaited<T>> {
  if (typeof fn !== 'function')
    throw new TypeMismatchError(
      `atomic() takes a function to run in the transaction, got ${describeValue(fn)}`,
    )
  const alias = aliasOf(options, 'atomic')
  const run = async (): Promise<Awaited<T>> => {
    const value: Awaited<T> = await fn()
    return value
  }
  return engineFor(alias).atomic(run, options)
}

/**
 * Whether code runs inside an `atomic` block on `using` (default `'default'`).
 * @example if (!inAtomicBlock()) throw new Error('call me inside atomic()')
 */
export function inAtomicBlock(using = 'default'): boolean {
  if (typeof using !== 'string')
    throw new TypeMismatchError(`inAtomicBlock() takes a database alias, got ${describeValue(using)}`)
  return currentTransaction(using) !== undefined
}

/** The alias an options object names, checked. */
export function aliasOf(options: unknown, fn: string): string {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeMismatchError(`${fn}() options must be an object, got ${describeValue(options)}`)
  const using = (options as { using?: unknown }).using
  if (using === undefined) return 'default'
  if (typeof using !== 'string')
    throw new TypeMismatchError(`${fn}(): using must be a database alias, got ${describeValue(using)}`)
  return using
}

function engineFor(alias: string): TransactionalEngine {
  const engine = getEngine(alias)
  if (!('dialect' in engine) || !('kysely' in engine))
    throw new NotSupportedError(
      `atomic() needs the engine of @strata/query's connect(); the engine of ${JSON.stringify(alias)} is another`,
    )
  return engine as TransactionalEngine
}
