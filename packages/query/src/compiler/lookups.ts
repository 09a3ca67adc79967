import {
  type Condition,
  customLookup,
  customTransform,
  type Field,
  isJsonValue,
  NotSupportedError,
  pseudoField,
  type ResolvedExpr,
  type ResolvedPath,
  type SqlTag,
  transformOutput,
} from '@strata/core'
import { type RawBuilder, sql } from 'kysely'
import type { Fragment } from '../dialect.js'
import type { JsonCompareOp, JsonOperations } from '../json-operations.js'
import type { QueryCompiler } from './select.js'

// Rendering of what core's resolver put after a field: JSON key paths, custom transforms and
// lookups (registered by users in core, with SQL from their callbacks), and the JSON lookups.

/** Kysely's template tag, as core's `SqlTag` describes it to custom lookup and transform callbacks. */
const TAG = sql as unknown as SqlTag

const TRUE = sql<boolean>`1 = 1`
const FALSE = sql<boolean>`1 = 0`

/** Escapes `\`, `%` and `_` with `\` so that LIKE matches them literally. */
export function likeEscape(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`)
}

function jsonOps(c: QueryCompiler): JsonOperations {
  if (!c.ops.json)
    throw new NotSupportedError(
      `JSON key paths and lookups are not supported by the ${c.dialect.name} dialect`,
      { model: c.state.meta.name },
    )
  return c.ops.json
}

/** Applies a path's JSON keys, then its transforms (built-in ones through the dialect, custom ones through their callbacks), to `base`. */
export function applySteps(
  c: QueryCompiler,
  base: Fragment,
  field: Field | undefined,
  path: ResolvedPath,
): Fragment {
  let out = path.keys?.length ? jsonOps(c).extract(base, path.keys) : base
  for (const t of path.transforms) {
    const custom = customTransform(field, t)
    if (custom)
      out = custom.sql({ lhs: out, field, sql: TAG, dialect: c.dialect.name }) as unknown as Fragment
    else if (field) out = c.ops.transform(t, out, field.kind)
    else
      throw new NotSupportedError(`Cannot apply '${t}' to an expression of unknown type`, {
        model: c.state.meta.name,
      })
    field = transformOutput(field, t) ?? field
  }
  return out
}

/** Renders `cond` with the custom lookup registered on `field` under its name, or undefined when there is none. */
export function customLookupSql(
  c: QueryCompiler,
  cond: Condition,
  lhs: Fragment,
  field: Field | undefined,
): RawBuilder<boolean> | undefined {
  const def = customLookup(field, cond.lookup)
  if (!def) return undefined
  let rhs: Fragment
  if (cond.isExpr) rhs = c.expression(cond.value as ResolvedExpr)
  else if (def.rhs === 'list') rhs = sql.join((cond.value as unknown[]).map((v) => c.param(v, field)))
  else if (def.rhs === 'text') rhs = c.param(cond.value, pseudoField('text'))
  else if (def.rhs === 'boolean') rhs = c.param(cond.value, pseudoField('boolean'))
  else rhs = c.param(cond.value, field)
  const value = cond.isExpr ? undefined : cond.value
  return def.sql({
    lhs,
    rhs,
    value,
    field,
    sql: TAG,
    dialect: c.dialect.name,
  }) as unknown as RawBuilder<boolean>
}

/** Whether `cond` applies a JSON lookup to a JSON value (a JSON field, or a key path into one). */
export function isJsonCondition(cond: Condition, field: Field | undefined): boolean {
  return isJsonValue(field, cond.path.transforms) && !customLookup(field, cond.lookup)
}

const COMPARE: Readonly<Record<string, JsonCompareOp>> = { gt: '>', gte: '>=', lt: '<', lte: '<=' }

function all(parts: Fragment[], empty: RawBuilder<boolean>, connector: 'and' | 'or'): Fragment {
  if (parts.length === 0) return empty
  return parts.length === 1
    ? parts[0]!
    : sql`(${sql.join(parts, connector === 'and' ? sql` and ` : sql` or `)})`
}

/**
 * Renders a JSON lookup. As in Django, a row whose document lacks the key fails the condition
 * both ways (it yields NULL), and under a NOT a NULL document counts as not matching.
 */
export function jsonCondition(
  c: QueryCompiler,
  cond: Condition,
  field: Field | undefined,
  negated: boolean,
): RawBuilder<boolean> {
  const json = jsonOps(c)
  const keys = cond.path.keys ?? []
  const doc = c.path({ ...cond.path, keys: [], transforms: [] })
  const value = cond.value
  let out: Fragment
  switch (cond.lookup) {
    case 'isnull':
      if (keys.length) out = value ? sql`not (${json.has(doc, keys)})` : json.has(doc, keys)
      else out = value ? sql`${doc} is null` : sql`${doc} is not null`
      break
    case 'exact':
      if (cond.isExpr) {
        const lhs = keys.length ? json.extract(doc, keys) : doc
        const rhs = c.expression(value as ResolvedExpr)
        out = json.sameJson ? json.sameJson(lhs, rhs) : sql`${lhs} = ${rhs}`
      } else out = json.equals(doc, keys, value)
      break
    case 'in':
      out = all(
        (value as unknown[]).map((v) => json.equals(doc, keys, v)),
        FALSE,
        'or',
      )
      break
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      out = json.compare(doc, keys, COMPARE[cond.lookup]!, value as number | string)
      break
    case 'range': {
      const [low, high] = value as [number | string, number | string]
      out = sql`(${json.compare(doc, keys, '>=', low)} and ${json.compare(doc, keys, '<=', high)})`
      break
    }
    case 'has_key':
      out = json.has(doc, [...keys, value as string])
      break
    case 'has_keys':
    case 'has_any_keys': {
      const tests = (value as string[]).map((k) => json.has(doc, [...keys, k]))
      out = cond.lookup === 'has_keys' ? all(tests, TRUE, 'and') : all(tests, FALSE, 'or')
      break
    }
    case 'contains':
    case 'contained_by': {
      const features = c.dialect.features
      if (!features.jsonContains || !json.contains) {
        const gap = features.gaps.jsonContains
        throw new NotSupportedError(
          `'${cond.lookup}' on a JSON field is not supported on ${c.dialect.name}${gap ? `: ${gap}` : ''}`,
          {
            model: c.state.meta.name,
            field: cond.path.field?.name,
          },
        )
      }
      out = json.contains(doc, keys, value, cond.lookup === 'contained_by')
      break
    }
    default: {
      // Text lookups: on a key, the text of its value (a string without quotes); on the field, its JSON text (Django).
      const text =
        cond.lookup === 'regex' || cond.lookup === 'iregex' ? (value as string) : likeEscape(value as string)
      out = keys.length
        ? c.ops.textLookup(cond.lookup, json.extractText(doc, keys), text, pseudoField('text'))
        : c.ops.textLookup(cond.lookup, doc, text, field)
    }
  }
  const path = cond.path
  const guard =
    negated &&
    cond.lookup !== 'isnull' &&
    !(cond.lookup === 'exact' && value === null) &&
    (path.hops.length > 0 || path.field?.nullable === true || path.annotation !== undefined)
  return (guard ? sql`(${out} and ${doc} is not null)` : out) as RawBuilder<boolean>
}

/** The ORDER BY expressions of one ordering term: a JSON key path sorts by the dialect's sort keys. */
export function sortExpressions(c: QueryCompiler, expr: ResolvedExpr): readonly Fragment[] {
  if (expr.type === 'col' && expr.path.keys?.length && expr.path.transforms.length === 0 && c.ops.json) {
    const doc = c.path({ ...expr.path, keys: [], transforms: [] })
    return c.ops.json.sortKeys(doc, expr.path.keys)
  }
  return [c.expression(expr)]
}
