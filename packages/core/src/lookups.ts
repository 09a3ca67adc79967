import type { FieldKind } from './fields/field.js'

/** How a lookup's right-hand side is shaped. */
export type LookupArity = 'value' | 'text' | 'list' | 'pair' | 'boolean'

/** The built-in lookups (names and the value each expects; SQL belongs to the dialects). */
export const LOOKUPS: Readonly<Record<string, LookupArity>> = Object.freeze({
  __proto__: null,
  exact: 'value',
  iexact: 'text',
  contains: 'text',
  icontains: 'text',
  in: 'list',
  gt: 'value',
  gte: 'value',
  lt: 'value',
  lte: 'value',
  startswith: 'text',
  istartswith: 'text',
  endswith: 'text',
  iendswith: 'text',
  range: 'pair',
  isnull: 'boolean',
  regex: 'text',
  iregex: 'text',
} as unknown as Record<string, LookupArity>)

/** Lookups a relation accepts on its own (`author__in`, `author__isnull`). */
export const RELATION_LOOKUPS: ReadonlySet<string> = new Set(['exact', 'in', 'gt', 'gte', 'lt', 'lte', 'isnull'])

/** A transform: a function of a value that yields a value of another kind (`pubDate__year`). */
export interface TransformSpec {
  /** Field kinds it applies to. */
  from: readonly FieldKind[]
  /** The kind of its result, which decides the lookups that may follow. */
  to: FieldKind
}

const DATE_KINDS: readonly FieldKind[] = ['date', 'dateTime']
const TIME_KINDS: readonly FieldKind[] = ['dateTime', 'time']

/** The built-in transforms: date and time parts, evaluated in UTC. */
export const TRANSFORMS: Readonly<Record<string, TransformSpec>> = Object.freeze({
  __proto__: null,
  year: { from: DATE_KINDS, to: 'integer' },
  iso_year: { from: DATE_KINDS, to: 'integer' },
  month: { from: DATE_KINDS, to: 'integer' },
  day: { from: DATE_KINDS, to: 'integer' },
  week: { from: DATE_KINDS, to: 'integer' },
  week_day: { from: DATE_KINDS, to: 'integer' },
  iso_week_day: { from: DATE_KINDS, to: 'integer' },
  quarter: { from: DATE_KINDS, to: 'integer' },
  date: { from: ['dateTime'], to: 'date' },
  time: { from: ['dateTime'], to: 'time' },
  hour: { from: TIME_KINDS, to: 'integer' },
  minute: { from: TIME_KINDS, to: 'integer' },
  second: { from: TIME_KINDS, to: 'integer' },
} as unknown as Record<string, TransformSpec>)

/** Field kinds that hold text, for which the text lookups are meaningful. */
export const TEXT_KINDS: ReadonlySet<FieldKind> = new Set(['char', 'text', 'email', 'url', 'slug', 'uuid'])

/** Whether `name` is a built-in lookup. */
export function isLookup(name: string): boolean {
  return Object.hasOwn(LOOKUPS, name)
}

/** Whether `name` is a built-in transform. */
export function isTransform(name: string): boolean {
  return Object.hasOwn(TRANSFORMS, name)
}

/** How the right-hand side of a JSON field lookup is shaped. */
export type JsonLookupArity = 'key' | 'keys' | 'json'

/**
 * The lookups JSON fields add (Django's `JSONField` lookups): key tests and containment. On a JSON
 * field, `contains` is JSON containment, not the text lookup.
 */
export const JSON_LOOKUPS: Readonly<Record<string, JsonLookupArity>> = Object.freeze({
  __proto__: null,
  has_key: 'key',
  has_keys: 'keys',
  has_any_keys: 'keys',
  contains: 'json',
  contained_by: 'json',
} as unknown as Record<string, JsonLookupArity>)

/** Whether `name` is a lookup of JSON fields and their key paths (built-in ones and JSON_LOOKUPS). */
export function isJsonLookup(name: string): boolean {
  return Object.hasOwn(JSON_LOOKUPS, name) || Object.hasOwn(LOOKUPS, name)
}

/** Whether `name` is taken by a built-in lookup or transform (a custom one may replace it only with `override: true`). */
export function isBuiltinName(name: string): boolean {
  return isLookup(name) || isTransform(name) || Object.hasOwn(JSON_LOOKUPS, name)
}
