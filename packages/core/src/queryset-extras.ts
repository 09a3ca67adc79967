import { getEngine } from './engine.js'
import { FieldError, NotSupportedError, TypeMismatchError } from './errors.js'
import { FieldRef } from './expressions.js'
import { describe } from './fields/field.js'
import { ForeignKey } from './fields/relation.js'
import type { QuerySet } from './queryset.js'
import { exprField, resolveExpression } from './resolve.js'
import type { QueryState, ResultKind } from './state.js'

/** Whether two primary keys are the same value (numbers, bigints and strings compare by value). */
export function samePk(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || a === undefined || b === null || b === undefined) return false
  const ta = typeof a
  const tb = typeof b
  return (ta === 'bigint' || ta === 'number') && (tb === 'bigint' || tb === 'number') && String(a) === String(b)
}

/** Checks the arguments of `dates()` / `datetimes()`: the kind, the order and the field's kind. */
export function checkDateArgs(
  state: QueryState,
  method: string,
  field: string,
  fieldKinds: readonly string[],
  kind: string,
  kinds: readonly string[],
  order: string,
): void {
  const meta = state.meta
  if (!kinds.includes(kind)) throw new FieldError(`${method}() kind must be one of ${kinds.map((k) => `'${k}'`).join(', ')}, got ${describe(kind)}`, { model: meta.name })
  if (order !== 'ASC' && order !== 'DESC') throw new FieldError(`${method}() order must be 'ASC' or 'DESC', got ${describe(order)}`, { model: meta.name })
  if (typeof field !== 'string' || field === '') throw new FieldError(`${method}() takes a field name, got ${describe(field)}`, { model: meta.name })
  const ctx = { annotations: state.annotations, call: state.calls }
  const f = exprField(resolveExpression(meta, new FieldRef(field), ctx), ctx)
  if (!f || !fieldKinds.includes(f.kind) || f instanceof ForeignKey)
    throw new FieldError(`${method}() needs a ${fieldKinds.join(' or ')} field; ${JSON.stringify(field)} of ${meta.name} is ${f ? f.describe() : 'not a field'}`, {
      model: meta.name,
      field,
    })
}

/** `latest()` / `earliest()`: the first row by `fields` (or Meta `getLatestBy`), reversed for latest. */
export async function earliestOf<M, R, A>(qs: QuerySet<M, R, A>, fields: readonly string[], latest: boolean, name: string): Promise<R> {
  const meta = qs.meta
  if (qs.state.limit !== null || qs.state.offset > 0) throw new TypeMismatchError(`Cannot call ${name}() once a slice has been taken.`, { model: meta.name })
  for (const f of fields) if (typeof f !== 'string') throw new TypeMismatchError(`${name}() takes field names, got ${describe(f)}`, { model: meta.name })
  let order: readonly string[] = fields
  if (order.length === 0) {
    const by = meta.options.getLatestBy
    order = by === undefined ? [] : typeof by === 'string' ? [by] : by
  }
  if (order.length === 0)
    throw new FieldError("earliest() and latest() require either fields as arguments or 'getLatestBy' in the model's Meta.", { model: meta.name })
  if (order.includes('?')) throw new FieldError(`${name}() cannot order randomly`, { model: meta.name })
  let ordered = qs.orderBy(...order)
  if (latest) ordered = ordered.reverse()
  return ordered.slice(0, 1).get()
}

/** `inBulk()`: rows keyed by a unique field, the id list split to fit the database's parameter limit. */
export async function inBulkOf<M, R, A>(qs: QuerySet<M, R, A>, ids: readonly unknown[] | null | undefined, options: { fieldName?: string }): Promise<Map<unknown, R>> {
  const meta = qs.meta
  const s = qs.state
  if (s.limit !== null || s.offset > 0) throw new TypeMismatchError("Cannot use 'limit' or 'offset' with inBulk().", { model: meta.name })
  if (s.values) throw new TypeMismatchError('inBulk() cannot be used after values() or valuesList().', { model: meta.name })
  if (typeof options !== 'object' || options === null) throw new TypeMismatchError(`inBulk() options must be an object, got ${describe(options)}`, { model: meta.name })
  const fieldName = options.fieldName ?? 'pk'
  if (typeof fieldName !== 'string') throw new TypeMismatchError(`inBulk() fieldName must be a string, got ${describe(fieldName)}`, { model: meta.name })
  const field = meta.getField(fieldName)
  const uniqueByConstraint = (meta.options.constraints ?? []).some((c) => c.kind === 'unique' && c.fields.length === 1 && c.fields[0] === field.name && !c.condition)
  if (!field.concrete || !(field.primaryKey || field.options.unique || uniqueByConstraint))
    throw new FieldError(`inBulk()'s fieldName must be a unique field but '${fieldName}' isn't.`, { model: meta.name, field: fieldName })
  const out = new Map<unknown, R>()
  const add = (rows: readonly R[]) => {
    for (const row of rows) out.set((row as Record<string, unknown>)[field.attname], row)
  }
  if (ids === undefined || ids === null) {
    add(await qs)
    return out
  }
  if (!Array.isArray(ids)) throw new TypeMismatchError(`inBulk() takes an array of values, got ${describe(ids)}`, { model: meta.name })
  if (ids.length === 0 || s.empty) return out
  const unique = [...new Set(ids as unknown[])]
  const lookup = `${fieldName}__in`
  const chunk = (values: unknown[]) => qs.filter({ [lookup]: values } as never).orderBy()
  const budget = (getEngine(s.using ?? 'default').maxQueryParams ?? 999) - chunk(unique.slice(0, 1)).sql().parameters.length + 1
  const size = Math.max(1, budget)
  // Every chunk is built (and its values checked) before the first query runs.
  const parts: QuerySet<M, R, A>[] = []
  for (let i = 0; i < unique.length; i += size) parts.push(chunk(unique.slice(i, i + size)))
  for (const part of parts) add(await part)
  return out
}

/** The state of `union()` / `intersection()` / `difference()` of `s` and `other`, with Django's rules for empty parts. */
export function combineStates(s: QueryState, other: unknown, kind: 'union' | 'intersection' | 'difference', all: boolean): Partial<QueryState> {
  const model = { model: s.meta.name }
  if (typeof other !== 'object' || other === null || (other as { isQuerySet?: unknown }).isQuerySet !== true) throw new TypeMismatchError(`${kind}() takes a QuerySet, got ${describe(other)}`, model)
  const o = (other as { state: QueryState }).state
  if ([s, o].some((p) => p.related?.length || p.loading))
    throw new NotSupportedError(`${kind}() of QuerySets using selectRelated(), only() or defer() is not supported: the combined queries must select the same columns`, model)
  if (!s.values !== !o.values || (!s.values && o.meta !== s.meta))
    throw new TypeMismatchError(`${kind}() combines QuerySets of the same model, or values() of the same shape: got ${s.meta.name}${s.values ? ' values()' : ''} and ${o.meta.name}${o.values ? ' values()' : ''}`, model)
  if (s.values && o.values && s.values.length !== o.values.length)
    throw new TypeMismatchError(`${kind}() needs the same number of values() columns in each QuerySet: ${s.values.length} and ${o.values.length}`, model)
  if (!s.values && s.annotations.size !== o.annotations.size) throw new TypeMismatchError(`${kind}() needs the same annotations in each QuerySet`, model)
  let parts: QueryState[] = [s, o]
  let empty = false
  // As Django: empty parts drop out of a union and out of the right side of a difference; an empty part empties an intersection.
  if (kind === 'union') parts = parts.filter((p) => !p.empty)
  else if (kind === 'difference') parts = s.empty ? [s] : parts.filter((p) => !p.empty)
  if (parts.length === 0 || (kind === 'intersection' && parts.some((p) => p.empty)) || (kind === 'difference' && s.empty)) {
    parts = [s, o]
    empty = true
  }
  return { combinator: { kind, all, parts }, where: null, order: [], reversed: false, limit: null, offset: 0, distinct: false, distinctOn: undefined, empty }
}


/** Splits `valuesList(...fields, { flat, named })` arguments into the fields and the row shape. */
export function valuesListArgs(meta: { name: string }, args: readonly unknown[]): { fields: unknown[]; kind: ResultKind } {
  let kind: ResultKind = 'tuples'
  const last = args[args.length - 1]
  if (typeof last !== 'object' || last === null || Array.isArray(last)) return { fields: [...args], kind }
  const fields = args.slice(0, -1)
  const { flat, named } = last as { flat?: boolean; named?: boolean }
  if (flat && named) throw new TypeMismatchError("'flat' and 'named' can't be used together.", { model: meta.name })
  if (flat && fields.length > 1) throw new TypeMismatchError("'flat' is not valid when valuesList is called with more than one field.", { model: meta.name })
  if (flat) kind = 'flat'
  if (named) kind = 'named'
  return { fields, kind }
}

/** Checks the argument of `contains()`: a saved instance of the QuerySet's model; returns its key. */
export function containsKey(s: QueryState, instance: unknown): unknown {
  const meta = s.meta
  if (s.values) throw new TypeMismatchError('Cannot call contains() after values() or valuesList().', { model: meta.name })
  const other = typeof instance === 'object' && instance !== null ? (instance.constructor as { meta?: unknown }).meta : undefined
  if (other === undefined) throw new TypeMismatchError(`contains() takes a model instance, got ${describe(instance)}`, { model: meta.name })
  if (other !== meta) throw new TypeMismatchError(`contains() on a ${meta.name} QuerySet got an instance of ${(other as { name?: string }).name ?? 'another model'}`, { model: meta.name })
  const pk = (instance as { pk?: unknown }).pk
  if (pk === null || pk === undefined) throw new TypeMismatchError('contains() cannot be used on unsaved objects.', { model: meta.name })
  return pk
}
