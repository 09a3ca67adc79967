import type { Engine } from './engine.js'

/** The most parameters one statement may bind on `engine` (999, SQLite's historical limit, when the dialect does not say). */
export function paramLimit(engine: Engine): number {
  return engine.maxQueryParams ?? 999
}

/**
 * How many items fit in one statement that binds `perItem` parameters for each and `fixed` more,
 * under the database's limit, and at most `cap` (the user's `batchSize`), as Django's
 * `min(batch_size, max_batch_size)`.
 */
export function batchSizeFor(engine: Engine, perItem: number, fixed = 0, cap?: number): number {
  const fit = Math.max(1, Math.floor((paramLimit(engine) - fixed) / Math.max(1, perItem)))
  return cap === undefined ? fit : Math.min(cap, fit)
}
