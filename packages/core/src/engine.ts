import { ConnectionError } from './errors.js'
import type { ModelMeta } from './meta.js'
import type { Field } from './fields/field.js'
import type { QueryState, ResolvedExpr } from './state.js'
import type { ExplainRequest } from './explain.js'

/** SQL text and its bound parameters. */
export interface CompiledSql {
  readonly sql: string
  readonly parameters: readonly unknown[]
}

/** An upsert: on a conflict on `uniqueColumns`, set `updateColumns` from the row proposed. */
export interface UpdateConflicts {
  readonly uniqueColumns: readonly string[]
  readonly updateColumns: readonly string[]
}

/** One column assignment of an UPDATE: a column value or an expression. */
export interface Assignment {
  readonly column: string
  readonly attname: string
  readonly value: unknown
  readonly expr?: ResolvedExpr
}

/**
 * One object of `bulkUpdate()`: its key and, in the order of the fields, a cleaned value or, where
 * `exprs[i]` is set, an expression resolved against the model (`F('n').add(1)`).
 */
export interface BulkUpdateRow {
  readonly pk: unknown
  readonly values: readonly unknown[]
  readonly exprs?: readonly (ResolvedExpr | undefined)[]
}

/**
 * What core needs from a database connection; `@strata/query` implements it and registers one
 * per configured alias in `connect()`. Core never sees SQL or a driver.
 */
export interface Engine {
  readonly alias: string
  /** Runs a SELECT and returns rows shaped by `state.result` (instances or plain rows). */
  select(state: QueryState): Promise<unknown[]>
  /** Streams the same rows in chunks without keeping them. */
  stream(state: QueryState, chunkSize: number): AsyncIterable<unknown>
  /** `SELECT COUNT(*)` over the query. */
  count(state: QueryState): Promise<number>
  /** Whether the query has a row. */
  exists(state: QueryState): Promise<boolean>
  /** Computes aggregates over the query, keyed as given. */
  aggregate(state: QueryState, aggregates: ReadonlyMap<string, ResolvedExpr>): Promise<Record<string, unknown>>
  /** Updates the matching rows; returns how many. */
  update(state: QueryState, assignments: readonly Assignment[]): Promise<number>
  /** Deletes the matching rows without cascading; returns how many. */
  delete(state: QueryState): Promise<number>
  /** Inserts rows (values by attname); returns the primary keys in order when the model generates them. */
  insert(meta: ModelMeta, rows: readonly Record<string, unknown>[], options?: { ignoreConflicts?: boolean; updateConflicts?: UpdateConflicts }): Promise<unknown[]>
  /**
   * Whether inserts can update the row they conflict with (`bulkCreate` upsert), and whether the
   * database takes the unique columns that trigger it (`reason` says why not when unsupported).
   */
  readonly upsert?: { readonly supported: boolean; readonly withTarget: boolean; readonly reason?: string }
  /**
   * Sets `fields` row by row on the rows of `state` (already limited to the given keys) in one
   * UPDATE with `CASE WHEN pk = ...` per field; each row gives its key and driver-ready values
   * in the order of `fields`. Returns how many rows matched.
   */
  bulkUpdate?(state: QueryState, fields: readonly Field[], rows: readonly BulkUpdateRow[]): Promise<number>
  /** The database's plan for the SELECT of `state`, as text (checked options; unsupported ones are a `NotSupportedError`). */
  explain?(state: QueryState, request?: ExplainRequest): Promise<string>
  /** The most bound parameters one statement may carry (batches are sized to stay under it). */
  readonly maxQueryParams?: number
  /** The most bytes one statement may carry where values are sent inline (MySQL); undefined for no limit. */
  readonly maxQueryBytes?: number
  /** Compiles the SELECT without running it. */
  compile(state: QueryState): CompiledSql
  /** Runs `fn` in a transaction (a savepoint when nested, unless `savepoint` is false). */
  atomic<T>(fn: () => Promise<T>, options?: { savepoint?: boolean }): Promise<T>
}

const ENGINES = new Map<string, Engine>()

/** Makes an engine available under its alias (called by `connect()`). */
export function registerEngine(engine: Engine): void {
  ENGINES.set(engine.alias, engine)
}

/** Forgets an engine (called by `db.close()`). */
export function unregisterEngine(engine: Engine): void {
  if (ENGINES.get(engine.alias) === engine) ENGINES.delete(engine.alias)
}

/** The engine for `alias` (default `'default'`); a clear error before `connect()`. */
export function getEngine(alias = 'default'): Engine {
  const e = ENGINES.get(alias)
  if (!e) {
    const known = [...ENGINES.keys()]
    throw new ConnectionError(
      known.length === 0
        ? 'No database is connected: call connect() from @strata/query first'
        : `No database named ${JSON.stringify(alias)}; configured: ${known.join(', ')}`,
    )
  }
  return e
}
