import { customLookup, customNames, customTransform } from './custom-lookups.js'
import { FieldError } from './errors.js'
import { isExpression, ValueExpr } from './expressions.js'
import { describe, type Field } from './fields/field.js'
import { RelatedField } from './fields/relation.js'
import { isJsonLookup, isLookup, JSON_LOOKUPS, LOOKUPS, RELATION_LOOKUPS, TRANSFORMS } from './lookups.js'
import type { ModelMeta } from './meta.js'
import { exprField, pseudoField, type ResolveContext, resolveExpression } from './resolve.js'
import type { Condition, JsonPathStep, ResolvedPath } from './state.js'

// What follows a field in a key: JSON keys and array indexes, built-in and custom transforms, and
// the lookup. Shared by filter keys and F()/values()/orderBy() paths, and by the compiler, which
// walks transforms again with `transformOutput` to render them.

/** Whether a value of `field`, after `transforms`, is JSON that keys may follow (`data__owner__name`). */
export function isJsonValue(field: Field | undefined, transforms: readonly unknown[]): boolean {
  return field?.kind === 'json' && !(field instanceof RelatedField) && transforms.length === 0
}

/** The field a transform named `name` yields from `field` (custom transforms first), or undefined when none applies. */
export function transformOutput(field: Field | undefined, name: string): Field | undefined {
  if (!field || field instanceof RelatedField) return undefined
  const custom = customTransform(field, name)
  if (custom) return custom.output ? pseudoField(custom.output) : field
  const spec = TRANSFORMS[name]
  return spec?.from.includes(field.kind) ? pseudoField(spec.to) : undefined
}

/** Whether `name` is a lookup of `field` (`json`: a JSON value, which has the JSON lookups). */
export function isLookupOn(field: Field | undefined, name: string, json: boolean): boolean {
  if (customLookup(field, name)) return true
  if (field instanceof RelatedField) return RELATION_LOOKUPS.has(name)
  return json ? isJsonLookup(name) : isLookup(name)
}

/** The lookups and transforms that may follow `field`, for "choices are" in error messages. */
export function lookupChoices(field: Field | undefined, json: boolean): string[] {
  const custom = customNames(field)
  const names = new Set<string>()
  if (field instanceof RelatedField) for (const n of RELATION_LOOKUPS) names.add(n)
  else {
    for (const n of Object.keys(LOOKUPS)) names.add(n)
    if (json) for (const n of Object.keys(JSON_LOOKUPS)) names.add(n)
    for (const [n, spec] of Object.entries(TRANSFORMS))
      if (field && spec.from.includes(field.kind)) names.add(n)
  }
  for (const n of [...custom.lookups, ...custom.transforms]) names.add(n)
  return [...names].sort()
}

const INDEX = /^-?\d+$/

/** One segment of a JSON key path: an integer indexes an array (negative from the end), anything else is an object key. */
export function jsonKey(part: string, key: string, meta: ModelMeta): JsonPathStep {
  if (!INDEX.test(part)) return part
  const n = Number(part)
  if (!Number.isSafeInteger(n))
    throw new FieldError(
      `JSON array index ${part} in ${JSON.stringify(key)} on ${meta.name} is out of range`,
      { model: meta.name },
    )
  return n
}

/** Checks that `value` is plain JSON (null, booleans, finite numbers, strings, arrays, plain objects); returns the reason it is not. */
export function jsonProblem(value: unknown, seen: Set<object> = new Set(), depth = 0): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined
  if (typeof value === 'number')
    return Number.isFinite(value) ? undefined : `${describe(value)} is not a JSON number`
  if (typeof value !== 'object') return `${describe(value)} is not JSON`
  if (depth > 100) return 'it is nested more than 100 levels deep'
  if (seen.has(value)) return 'it contains a cycle'
  seen.add(value)
  try {
    if (Array.isArray(value)) {
      for (const v of value) {
        const p = jsonProblem(v, seen, depth + 1)
        if (p) return p
      }
      return undefined
    }
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) return `${describe(value)} is not a plain object`
    for (const v of Object.values(value)) {
      const p = jsonProblem(v, seen, depth + 1)
      if (p) return p
    }
    return undefined
  } finally {
    seen.delete(value)
  }
}

const TEXT_LOOKUPS: ReadonlySet<string> = new Set(Object.keys(LOOKUPS).filter((n) => LOOKUPS[n] === 'text'))

/**
 * Checks the value of a lookup on a JSON value (a JSON field or a key path into one) and builds
 * the condition; `bad` throws a `TypeMismatchError` naming the filter key.
 */
export function cleanJsonCondition(
  meta: ModelMeta,
  path: ResolvedPath,
  lookup: string,
  value: unknown,
  ctx: ResolveContext,
  aggregate: boolean,
  bad: (expected: string) => never,
): Condition {
  const cond = (v: unknown, isExpr = false, l = lookup): Condition => ({
    type: 'cond',
    path,
    lookup: l,
    value: v,
    isExpr,
    aggregate,
  })
  const json = (v: unknown, what = 'a JSON value'): unknown => {
    const problem = jsonProblem(v)
    if (problem) bad(`${what} (${problem})`)
    return v
  }
  const scalar = (v: unknown): number | string => {
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return v
    return bad(`a number or a string for '${lookup}' on a JSON value`)
  }
  if (value instanceof ValueExpr) value = value.value
  if (isExpression(value)) {
    if (lookup !== 'exact') bad(`a plain value for '${lookup}' on a JSON value`)
    const expr = resolveExpression(meta, value, ctx)
    if (exprField(expr, ctx)?.kind !== 'json') bad('a JSON value, or F() of a JSON field or key path')
    return cond(expr, true)
  }
  const keyed = (path.keys?.length ?? 0) > 0
  switch (lookup) {
    case 'exact':
      // A key compared with null matches JSON null (Django); the field itself compared with null is IS NULL.
      if (value === null && !keyed) return cond(true, false, 'isnull')
      return cond(json(value))
    case 'in':
      if (!Array.isArray(value)) return bad('an array of JSON values')
      if (value.length > 100000) bad('at most 100000 values')
      return cond(value.filter((v) => v !== null).map((v) => json(v, 'JSON values')))
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return cond(scalar(value))
    case 'range': {
      if (!Array.isArray(value) || value.length !== 2) return bad('a [low, high] pair')
      const [a, b] = [scalar(value[0]), scalar(value[1])]
      if (typeof a !== typeof b) bad('a [low, high] pair of the same type')
      return cond([a, b])
    }
    case 'isnull':
      if (typeof value !== 'boolean') bad('true or false')
      return cond(value)
    case 'has_key':
      if (typeof value !== 'string') bad('a key name (a string)')
      return cond(value)
    case 'has_keys':
    case 'has_any_keys':
      if (!Array.isArray(value) || value.length === 0 || value.some((k) => typeof k !== 'string'))
        bad('a non-empty array of key names (strings)')
      return cond([...(value as string[])])
    case 'contains':
    case 'contained_by':
      return cond(json(value))
    default:
      if (!TEXT_LOOKUPS.has(lookup)) bad(`a value '${lookup}' accepts`)
      if (typeof value === 'number' && Number.isFinite(value)) return cond(String(value))
      if (typeof value !== 'string') bad('a string')
      return cond(value)
  }
}
