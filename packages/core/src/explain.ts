import { getEngine } from './engine.js'
import { NotSupportedError, TypeMismatchError } from './errors.js'
import { describe } from './fields/field.js'
import type { QueryState } from './state.js'

/** The plan formats `explain({ format })` knows; each database takes some of them (`'text'` is the plain output). */
export const EXPLAIN_FORMATS = ['text', 'json', 'xml', 'yaml', 'tree'] as const

/** An `explain()` output format. */
export type ExplainFormat = (typeof EXPLAIN_FORMATS)[number]

/** The `explain()` flags Strata knows; each database takes some of them (PostgreSQL all, MariaDB `analyze`). */
export const EXPLAIN_FLAGS = ['analyze', 'verbose', 'costs', 'buffers', 'settings', 'summary', 'timing', 'wal'] as const

/** One `explain()` flag. */
export type ExplainFlag = (typeof EXPLAIN_FLAGS)[number]

/**
 * What `explain()` takes, as Django's `explain(format=None, **options)`: a format and flags.
 * `analyze: true` runs the query. Unknown names are a `TypeMismatchError`; names the database
 * does not take are a `NotSupportedError`.
 * @example await Post.objects.filter({ title: 'x' }).explain({ format: 'json', analyze: true })
 */
export type ExplainOptions = { readonly format?: ExplainFormat } & { readonly [K in ExplainFlag]?: boolean }

/** A checked `explain()` request: a lowercase known format, known flags with boolean values. */
export interface ExplainRequest {
  readonly format?: ExplainFormat
  readonly options: Readonly<Partial<Record<ExplainFlag, boolean>>>
}

/**
 * Checks `explain()` options against the names Strata knows (never interpolated: the dialect
 * spells each one from its own allow-list). Throws `TypeMismatchError` for anything else.
 */
export function checkExplainOptions(options: unknown, model: string): ExplainRequest {
  if (options === undefined) return { options: {} }
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new TypeMismatchError(`explain() takes an object of options, got ${describe(options)}`, { model })
  const out: Partial<Record<ExplainFlag, boolean>> = {}
  let format: ExplainFormat | undefined
  const unknown: string[] = []
  for (const [name, value] of Object.entries(options)) {
    if (name === 'format') {
      if (value === undefined || value === null) continue
      const f = typeof value === 'string' ? value.toLowerCase() : undefined
      if (f === undefined || !(EXPLAIN_FORMATS as readonly string[]).includes(f))
        throw new TypeMismatchError(`explain(): ${describe(value)} is not a recognized format; known formats: ${EXPLAIN_FORMATS.join(', ')}`, { model })
      format = f as ExplainFormat
      continue
    }
    if (!(EXPLAIN_FLAGS as readonly string[]).includes(name)) {
      unknown.push(name)
      continue
    }
    if (value === undefined) continue
    if (typeof value !== 'boolean') throw new TypeMismatchError(`explain(): ${name} must be a boolean, got ${describe(value)}`, { model })
    out[name as ExplainFlag] = value
  }
  if (unknown.length)
    throw new TypeMismatchError(`explain(): unknown options: ${unknown.map((n) => JSON.stringify(n)).join(', ')}; known options: format, ${EXPLAIN_FLAGS.join(', ')}`, { model })
  return format === undefined ? { options: out } : { format, options: out }
}

/**
 * `explain()`: checks the options, then asks the database for the plan of the SELECT of `state`.
 * A `none()` QuerySet runs nothing and has no plan (`''`), as in Django.
 */
export async function explainState(state: QueryState, options: unknown): Promise<string> {
  const request = checkExplainOptions(options, state.meta.name)
  const engine = getEngine(state.using ?? 'default')
  if (state.empty) return ''
  if (!engine.explain) throw new NotSupportedError('explain() is not supported by this database', { model: state.meta.name })
  return engine.explain(state, request)
}
