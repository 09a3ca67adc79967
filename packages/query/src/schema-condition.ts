import { type Field, FieldError, isQ, NotSupportedError, type QNode } from '@strata/core'
import { type RawBuilder, sql } from 'kysely'
import type { SchemaModel } from './schema.js'

const COMPARE: Record<string, string> = { exact: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' }

/**
 * Renders the condition of a check constraint or a partial index (a lookup object or a `Q` over the
 * model's own fields) as SQL with literal values: DDL takes no bound parameters. Only the lookups a
 * constraint needs are accepted (`exact`, `gt`, `gte`, `lt`, `lte`, `in`, `range`, `isnull`); values
 * are numbers, strings, booleans, null or `F('otherField')`.
 */
export function renderCondition(model: SchemaModel, condition: unknown, literal: (field: Field, value: unknown) => RawBuilder<unknown>): RawBuilder<unknown> {
  if (isQ(condition)) return renderQ(model, condition, literal)
  if (typeof condition === 'object' && condition !== null && !Array.isArray(condition)) {
    const parts = Object.entries(condition as Record<string, unknown>).map(([key, value]) => renderLookup(model, key, value, literal))
    if (parts.length === 0) throw new FieldError(`${model.name}: an empty condition`, { model: model.name })
    return parts.length === 1 ? parts[0]! : sql`(${sql.join(parts, sql` and `)})`
  }
  throw new FieldError(`${model.name}: a constraint condition must be a lookup object or a Q`, { model: model.name })
}

function renderQ(model: SchemaModel, q: QNode, literal: (field: Field, value: unknown) => RawBuilder<unknown>): RawBuilder<unknown> {
  const parts = q.children.map((c) => renderCondition(model, c, literal))
  const joined = parts.length === 1 ? parts[0]! : sql`(${sql.join(parts, q.connector === 'OR' ? sql` or ` : sql` and `)})`
  return q.negated ? sql`not ${joined}` : joined
}

function renderLookup(model: SchemaModel, key: string, value: unknown, literal: (field: Field, value: unknown) => RawBuilder<unknown>): RawBuilder<unknown> {
  const [name, lookup = 'exact', ...rest] = key.split('__')
  if (rest.length) throw new NotSupportedError(`${model.name}: constraint conditions take no related paths or transforms (${key})`, { model: model.name })
  const field = model.getField(name!)
  const col = sql.id(field.column)
  const rhs = (v: unknown): RawBuilder<unknown> => {
    if (typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'F') return sql.id(model.getField((v as { name: string }).name).column)
    return literal(field, field.clean(v))
  }
  if (lookup in COMPARE) {
    if (value === null && lookup === 'exact') return sql`${col} is null`
    return sql`${col} ${sql.raw(COMPARE[lookup]!)} ${rhs(value)}`
  }
  if (lookup === 'isnull') {
    if (typeof value !== 'boolean') throw new FieldError(`${model.name}: ${key} needs true or false`, { model: model.name })
    return value ? sql`${col} is null` : sql`${col} is not null`
  }
  if (lookup === 'in') {
    if (!Array.isArray(value) || value.length === 0) throw new FieldError(`${model.name}: ${key} needs a non-empty array`, { model: model.name })
    return sql`${col} in (${sql.join(value.map(rhs))})`
  }
  if (lookup === 'range') {
    if (!Array.isArray(value) || value.length !== 2) throw new FieldError(`${model.name}: ${key} needs [low, high]`, { model: model.name })
    return sql`${col} between ${rhs(value[0])} and ${rhs(value[1])}`
  }
  throw new NotSupportedError(`${model.name}: the lookup ${JSON.stringify(lookup)} is not supported in a constraint condition`, { model: model.name })
}
