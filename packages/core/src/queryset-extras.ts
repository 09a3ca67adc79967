import { getEngine } from './engine.js'
import { FieldError, TypeMismatchError } from './errors.js'
import { FieldRef } from './expressions.js'
import { describe } from './fields/field.js'
import { ForeignKey } from './fields/relation.js'
import type { QuerySet } from './queryset.js'
import { exprField, resolveExpression } from './resolve.js'
import type { QueryState } from './state.js'

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
