import { TransactionManagementError, TypeMismatchError } from '@strata/core'
import type { BlockSession } from './block.js'
import {
  type CommitCallback,
  currentTransaction,
  type TransactionFrame,
  transactionContext,
} from './context.js'

/** The isolation levels `atomic({ isolation })` takes (SQL's four, lowercase). */
export const ISOLATION_LEVELS = [
  'read uncommitted',
  'read committed',
  'repeatable read',
  'serializable',
] as const

/** An isolation level of the outermost transaction. */
export type IsolationLevel = (typeof ISOLATION_LEVELS)[number]

/** Options of a transaction block. */
export interface AtomicOptions {
  /** Isolation level of the outermost transaction (default: the database's, or the dialect's session default). */
  isolation?: IsolationLevel
  /** Nested blocks make a savepoint unless this is false (then an error inside breaks the enclosing block). */
  savepoint?: boolean
  /** Refuse to run nested inside another block, so that leaving it means committed. */
  durable?: boolean
  /**
   * Re-run the whole block this many more times when it fails with a serialization failure or a
   * deadlock (and what the dialect's `retryable` adds), with jittered backoff. Ignored when nested.
   */
  retries?: number
  /** The database alias (read by `@strata/transactions`; `runAtomic` takes the alias as an argument). */
  using?: string
}

const OPTION_NAMES = new Set(['isolation', 'savepoint', 'durable', 'retries', 'using'])
const MAX_RETRIES = 100

let savepoints = 0

const OPEN_BLOCKS = Symbol.for('strata.openBlocks')
/** Outermost blocks open in the process (one counter for the ESM and CommonJS builds, like the context). */
const openBlocks: { count: number } = ((globalThis as { [OPEN_BLOCKS]?: { count: number } })[OPEN_BLOCKS] ??= { count: 0 })

/**
 * Runs `fn` in a transaction on `alias`: the outermost block takes a connection from the pool
 * (`begin` takes it and begins), pins it to the async context and commits or rolls back; nested
 * blocks use savepoints. Every query inside, by any code path, runs on that connection.
 * `onCommit` callbacks run after the outermost commit, before this resolves.
 */
export async function runAtomic<T>(
  alias: string,
  begin: (isolation: IsolationLevel | undefined) => Promise<BlockSession>,
  fn: () => Promise<T>,
  options: AtomicOptions = {},
  mapError: (error: unknown) => Error = (e) => e as Error,
  retryable: (error: Error) => boolean = isRetryableError,
): Promise<T> {
  checkAtomicArguments(fn, options)
  const frames = transactionContext.getStore()
  const parent = currentTransaction(alias)
  if (parent) return nested(parent, frames!, fn, options, mapError)
  const retries = options.retries ?? 0
  for (let attempt = 0; ; attempt++) {
    let outcome: { result: T; callbacks: readonly CommitCallback[] }
    try {
      outcome = await outermost(alias, begin, frames, fn, options, mapError)
    } catch (e) {
      if (attempt >= retries || !worthRetrying(e, mapError, retryable)) throw e
      await sleep(backoff(attempt))
      continue
    }
    await runCommitCallbacks(outcome.callbacks)
    return outcome.result
  }
}

/**
 * Runs the body of an outermost block in its context. When the last body running ends, the
 * context is switched off: on Node 20 an enabled AsyncLocalStorage runs async hooks on every
 * promise of the process (queries cost about twice as much); switched off, `getStore()` is
 * undefined at no cost until the next block switches it on again, and the COMMIT, the `onCommit`
 * callbacks and all code outside blocks run at full speed.
 */
async function runBody<T>(frames: ReadonlyMap<string, TransactionFrame>, fn: () => Promise<T>): Promise<T> {
  openBlocks.count++
  try {
    return await transactionContext.run(frames, fn)
  } finally {
    if (--openBlocks.count === 0) transactionContext.disable()
  }
}

async function outermost<T>(
  alias: string,
  begin: (isolation: IsolationLevel | undefined) => Promise<BlockSession>,
  frames: ReadonlyMap<string, TransactionFrame> | undefined,
  fn: () => Promise<T>,
  options: AtomicOptions,
  mapError: (error: unknown) => Error,
): Promise<{ result: T; callbacks: readonly CommitCallback[] }> {
  let block: BlockSession
  try {
    block = await begin(options.isolation)
  } catch (e) {
    throw mapError(e)
  }
  const top: TransactionFrame = {
    alias,
    block,
    depth: 0,
    broken: false,
    ...(options.isolation ? { isolation: options.isolation } : {}),
    onCommit: [],
    children: Promise.resolve(),
  }
  let result: T
  try {
    result = await runBody(withFrame(frames, top), fn)
  } catch (e) {
    top.ended = true
    await rollback(block)
    throw e
  }
  top.ended = true
  if (top.broken) {
    // As Django: a block that caught a database error and returned is rolled back silently (its
    // callbacks dropped). With `retries`, a swallowed serialization failure or deadlock re-runs it.
    await rollback(block)
    if (top.brokenBy !== undefined && (options.retries ?? 0) > 0) throw endedBroken(top.brokenBy)
    return { result, callbacks: [] }
  }
  try {
    await block.commit()
  } catch (e) {
    // COMMIT can fail (deferred constraints, serialization); the connection is held until a rollback.
    await rollback(block)
    throw mapError(e)
  }
  return { result, callbacks: top.onCommit }
}

async function nested<T>(
  parent: TransactionFrame,
  frames: ReadonlyMap<string, TransactionFrame>,
  fn: () => Promise<T>,
  options: AtomicOptions,
  mapError: (error: unknown) => Error,
): Promise<T> {
  if (options.durable)
    throw new TransactionManagementError(
      'A durable atomic block cannot be nested within another atomic block.',
    )
  if (options.isolation !== undefined && options.isolation !== parent.isolation)
    throw new TransactionManagementError(
      `atomic({ isolation: '${options.isolation}' }) must be the outermost block: a nested block runs inside a transaction that has already started${parent.isolation ? ` at '${parent.isolation}'` : ''}.`,
    )
  if (options.savepoint === false) {
    if (parent.broken) throw brokenError(parent)
    try {
      return await fn()
    } catch (e) {
      // Without a savepoint nothing can undo the inner block alone: the enclosing block must roll back.
      markBroken(parent, e)
      throw e
    }
  }
  const done = await takeTurn(parent)
  try {
    if (parent.broken) throw brokenError(parent)
    const name = `strata_sp_${++savepoints}`
    const block = parent.block
    try {
      await block.savepoint(name)
    } catch (e) {
      const error = mapError(e)
      markBroken(parent, error)
      throw error
    }
    const frame: TransactionFrame = {
      alias: parent.alias,
      block,
      depth: parent.depth + 1,
      broken: false,
      parent,
      ...(parent.isolation ? { isolation: parent.isolation } : {}),
      onCommit: parent.onCommit,
      children: Promise.resolve(),
    }
    let result: T
    try {
      result = await transactionContext.run(withFrame(frames, frame), fn)
    } catch (e) {
      frame.ended = true
      await rollbackTo(frame, name, e)
      throw e
    }
    frame.ended = true
    if (frame.broken) {
      // As Django: the savepoint is rolled back silently and the enclosing block goes on.
      await rollbackTo(frame, name, frame.brokenBy)
      return result
    }
    try {
      await block.releaseSavepoint(name)
    } catch (e) {
      const error = mapError(e)
      await rollbackTo(frame, name, error)
      throw error
    }
    return result
  } finally {
    done()
  }
}

/** Rolls back to a block's savepoint and drops its callbacks; if that fails, the enclosing block is broken. */
async function rollbackTo(frame: TransactionFrame, name: string, cause: unknown): Promise<void> {
  dropCallbacks(frame)
  try {
    await frame.block.rollbackToSavepoint(name)
    await frame.block.releaseSavepoint(name)
  } catch (e) {
    // A deadlock on MySQL, or a lost connection, ends the whole transaction and its savepoints.
    markBroken(frame.parent!, cause ?? e)
  }
}

async function rollback(block: BlockSession): Promise<void> {
  // The connection is released even when ROLLBACK fails (a dead connection); the pool drops it.
  await block.rollback().catch(() => undefined)
}

/** Waits until no other nested block of `frame` is open: one connection runs one savepoint at a time. */
async function takeTurn(frame: TransactionFrame): Promise<() => void> {
  const previous = frame.children
  let done!: () => void
  frame.children = new Promise<void>((resolve) => {
    done = resolve
  })
  await previous
  return done
}

function dropCallbacks(frame: TransactionFrame): void {
  const list = frame.onCommit
  for (let i = list.length - 1; i >= 0; i--) if (isWithin(list[i]!.frame, frame)) list.splice(i, 1)
}

function isWithin(frame: TransactionFrame | undefined, ancestor: TransactionFrame): boolean {
  for (let f = frame; f; f = f.parent) if (f === ancestor) return true
  return false
}

let reportCallbackError: (error: unknown) => void = defaultReport

function defaultReport(error: unknown): void {
  console.error('[strata] an onCommit callback registered with { robust: true } failed:', error)
}

/**
 * Sets what happens to the error of a `robust` onCommit callback (default: `console.error`);
 * `null` restores the default.
 * @example setOnCommitErrorHandler((error) => logger.error({ error }, 'onCommit failed'))
 */
export function setOnCommitErrorHandler(handler: ((error: unknown) => void) | null): void {
  reportCallbackError = handler ?? defaultReport
}

/** Runs callbacks in order; a robust one's error is reported, another's stops the run and propagates. */
export async function runCommitCallbacks(
  callbacks: readonly Pick<CommitCallback, 'fn' | 'robust'>[],
): Promise<void> {
  for (const callback of callbacks) {
    if (!callback.robust) {
      await callback.fn()
      continue
    }
    try {
      await callback.fn()
    } catch (e) {
      try {
        reportCallbackError(e)
      } catch (again) {
        defaultReport(again)
      }
    }
  }
}

/** Marks a block unusable after `error`: its queries fail and it rolls back when left. */
export function markBroken(frame: TransactionFrame, error: unknown): void {
  frame.broken = true
  if (frame.brokenBy === undefined) frame.brokenBy = error ?? new Error('unknown error')
}

/** The error a query gets in a block that must roll back. */
export function brokenError(frame?: TransactionFrame): TransactionManagementError {
  if (frame?.broken && frame.brokenBy === undefined)
    return new TransactionManagementError(
      "This 'atomic' block is marked for rollback (setRollback(true)): you can't execute queries until the end of the block.",
    )
  return new TransactionManagementError(
    "An error occurred in the current transaction. You can't execute queries until the end of the 'atomic' block.",
    frame?.brokenBy !== undefined ? { cause: frame.brokenBy } : {},
  )
}

function endedBroken(cause: unknown): TransactionManagementError {
  return new TransactionManagementError(
    "The 'atomic' block went on after an error inside it and was rolled back; it is retried. Let the error propagate, or catch it around a nested atomic() block.",
    { cause },
  )
}

/** Whether an error means the transaction lost a race (serialization failure, deadlock): re-running it may succeed. */
export function isRetryableError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'serialization_failure' || code === 'deadlock_detected'
}

function worthRetrying(
  error: unknown,
  mapError: (error: unknown) => Error,
  retryable: (error: Error) => boolean,
): boolean {
  let current: unknown = error
  // A block that swallowed the error ends in a TransactionManagementError whose cause is it.
  for (let i = 0; i < 3 && current !== undefined; i++) {
    if (current instanceof Error && retryable(current)) return true
    let mapped: Error
    try {
      mapped = mapError(current)
    } catch {
      return false
    }
    if (retryable(mapped)) return true
    if ((mapped as { code?: unknown }).code !== 'transaction_management_error') return false
    current = mapped.cause
  }
  return false
}

/** Full-jitter-ish exponential backoff: between half and all of 20 ms × 2^attempt, at most 1 s. */
function backoff(attempt: number): number {
  const ceiling = Math.min(1000, 20 * 2 ** attempt)
  return ceiling / 2 + Math.random() * (ceiling / 2)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function withFrame(
  frames: ReadonlyMap<string, TransactionFrame> | undefined,
  frame: TransactionFrame,
): Map<string, TransactionFrame> {
  const map = new Map(frames)
  map.set(frame.alias, frame)
  return map
}

function checkAtomicArguments(fn: unknown, options: unknown): void {
  if (typeof fn !== 'function')
    throw new TypeMismatchError(`atomic() takes a function to run in the transaction, got ${show(fn)}`)
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeMismatchError(`atomic() options must be an object, got ${show(options)}`)
  const o = options as Record<string, unknown>
  for (const key of Object.keys(o))
    if (!OPTION_NAMES.has(key))
      throw new TypeMismatchError(
        `atomic(): unknown option ${JSON.stringify(key)}; expected isolation, savepoint, durable, retries or using`,
      )
  if (o.isolation !== undefined && !(ISOLATION_LEVELS as readonly unknown[]).includes(o.isolation))
    throw new TypeMismatchError(
      `atomic(): unknown isolation level ${show(o.isolation)}; expected one of ${ISOLATION_LEVELS.map((l) => `'${l}'`).join(', ')}`,
    )
  for (const key of ['savepoint', 'durable'])
    if (o[key] !== undefined && typeof o[key] !== 'boolean')
      throw new TypeMismatchError(`atomic(): ${key} must be true or false, got ${show(o[key])}`)
  if (
    o.retries !== undefined &&
    !(Number.isInteger(o.retries) && (o.retries as number) >= 0 && (o.retries as number) <= MAX_RETRIES)
  )
    throw new TypeMismatchError(
      `atomic(): retries must be a whole number from 0 to ${MAX_RETRIES}, got ${show(o.retries)}`,
    )
  if (o.using !== undefined && typeof o.using !== 'string')
    throw new TypeMismatchError(`atomic(): using must be a database alias, got ${show(o.using)}`)
}

/** A short description of a value for messages (never throws). */
function show(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object'
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'symbol') return 'a symbol'
  return String(value)
}
