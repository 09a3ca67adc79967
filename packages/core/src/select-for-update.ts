import { FieldError, TypeMismatchError } from './errors.js'
import { ForeignKey } from './fields/relation.js'
import type { ModelMeta } from './meta.js'
import type { Hop, QueryState } from './state.js'

/** What `selectForUpdate()` takes. */
export interface SelectForUpdateOptions {
  /** Fail at once with `OperationalError` when a row is locked, instead of waiting (`FOR UPDATE NOWAIT`). */
  readonly nowait?: boolean
  /** Leave rows that another transaction has locked out of the result (`FOR UPDATE SKIP LOCKED`). */
  readonly skipLocked?: boolean
  /** Lock only these tables' rows: `'self'` (the queried model) and forward relation paths (`'author'`, `'post__author'`). */
  readonly of?: readonly string[]
}

/** One `of` name, checked: `self` has no hops. */
export interface LockTarget {
  readonly name: string
  readonly hops: readonly Hop[]
}

/** The row locks a QuerySet asks for, as its state keeps them. */
export interface ForUpdate {
  readonly nowait: boolean
  readonly skipLocked: boolean
  /** Empty: the rows of the queried model (and, where the database has no `OF`, of every table it reads). */
  readonly of: readonly LockTarget[]
}

const OPTION_NAMES = new Set(['nowait', 'skipLocked', 'of'])

/** Checks `selectForUpdate()` options against the model and returns the state change. */
export function forUpdateChanges(state: QueryState, options: unknown): Partial<QueryState> {
  const model = state.meta.name
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeMismatchError(
      'selectForUpdate() options must be an object: { nowait?, skipLocked?, of? }',
      { model },
    )
  const o = options as Record<string, unknown>
  for (const key of Object.keys(o))
    if (!OPTION_NAMES.has(key))
      throw new TypeMismatchError(
        `selectForUpdate(): unknown option ${JSON.stringify(key)}; expected nowait, skipLocked or of`,
        { model },
      )
  for (const key of ['nowait', 'skipLocked'])
    if (o[key] !== undefined && typeof o[key] !== 'boolean')
      throw new TypeMismatchError(`selectForUpdate(): ${key} must be true or false`, { model })
  if (o.nowait === true && o.skipLocked === true)
    throw new TypeMismatchError('The nowait option cannot be used with skipLocked.', { model })
  if (o.of !== undefined && (!Array.isArray(o.of) || o.of.some((n) => typeof n !== 'string')))
    throw new TypeMismatchError(
      "selectForUpdate(): of must be an array of names ('self', or forward relations such as 'author')",
      { model },
    )
  const names = [...new Set((o.of as string[] | undefined) ?? [])]
  return {
    forUpdate: {
      nowait: o.nowait === true,
      skipLocked: o.skipLocked === true,
      of: names.map((name) => lockTarget(state.meta, name)),
    },
  }
}

function lockTarget(meta: ModelMeta, name: string): LockTarget {
  if (name === 'self') return { name, hops: [] }
  const hops: Hop[] = []
  let current = meta
  for (const part of name.split('__')) {
    current.resolve()
    const field = current.field(part)
    if (!(field instanceof ForeignKey) || field.name !== part) throw invalidOf(meta, name)
    field.target.resolve()
    hops.push({ kind: 'forward', from: current, to: field.target, field, multi: false })
    current = field.target
  }
  return { name, hops }
}

function invalidOf(meta: ModelMeta, name: string): FieldError {
  meta.resolve()
  const choices = ['self', ...meta.fields.filter((f) => f instanceof ForeignKey).map((f) => f.name)]
  return new FieldError(
    `Invalid field name(s) given in selectForUpdate({ of }): ${JSON.stringify(name)}. Only 'self' and forward relations (foreign keys, one-to-ones, joined with __) are allowed. Choices are: ${choices.join(', ')}.`,
    { model: meta.name },
  )
}
