import { getEngine } from './engine.js'
import { TypeMismatchError } from './errors.js'
import { describe } from './fields/field.js'
import type { QueryState } from './state.js'

/** Django's default number of rows `iterator()` reads per step. */
export const DEFAULT_CHUNK_SIZE = 2000

/** The options of `iterator()`. */
export interface IteratorOptions {
  /** Rows read from the database per step (default 2000; null also means the default): a cursor's fetch size, or a page's size. */
  readonly chunkSize?: number | null
}

/**
 * Checks `iterator()`'s options at once (as Django does at the call) and returns the rows of
 * `state` as a stream that fills no cache. How rows are read is the dialect's business (a cursor,
 * a streaming query, or pages); breaking out of the loop closes what was opened.
 */
export function iterateState(state: QueryState, options: IteratorOptions | undefined): AsyncGenerator<unknown> {
  const model = state.meta.name
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options)))
    throw new TypeMismatchError(`iterator() takes { chunkSize }, got ${describe(options)}`, { model })
  for (const key of Object.keys(options ?? {}))
    if (key !== 'chunkSize') throw new TypeMismatchError(`iterator(): unknown option ${JSON.stringify(key)}; it takes { chunkSize }`, { model })
  // Django: prefetching runs per chunk, so the chunk size must be chosen explicitly.
  const prefetch = (state as { readonly prefetch?: readonly unknown[] }).prefetch
  if (prefetch?.length && (options?.chunkSize ?? undefined) === undefined)
    throw new TypeMismatchError('chunkSize must be provided when using iterator() after prefetchRelated().', { model })
  const chunkSize = options?.chunkSize ?? DEFAULT_CHUNK_SIZE
  if (typeof chunkSize !== 'number' || !Number.isSafeInteger(chunkSize) || chunkSize < 1)
    throw new TypeMismatchError(`iterator() chunkSize must be a positive integer, got ${describe(chunkSize)}`, { model })
  return rows(state, chunkSize)
}

async function* rows(state: QueryState, chunkSize: number): AsyncGenerator<unknown> {
  if (state.empty) return
  yield* getEngine(state.using ?? 'default').stream(state, chunkSize)
}
