import type { JsonPathStep } from '@strata/core'
import { sql } from 'kysely'
import type { Fragment } from './dialect.js'

/** A comparison of a JSON number or string with a value (`__gt`, `__lte`, ...). */
export type JsonCompareOp = '<' | '<=' | '>' | '>='

/**
 * How one database reads JSON fields: key paths and the JSON lookups. `doc` is the JSON column (or
 * expression); `path` its keys and array indexes, bound as parameters or in a bound JSON path,
 * never spliced into SQL. A missing path yields NULL in every predicate but `has`, so that
 * `exclude()` skips rows without the key, as in Django.
 */
export interface JsonOperations {
  /** The value at `path` as JSON (what `values('data__key')` returns, parsed by the field). */
  extract(doc: Fragment, path: readonly JsonPathStep[]): Fragment
  /** The value at `path` as text: a string without its quotes, other values as the database prints them (for text lookups). */
  extractText(doc: Fragment, path: readonly JsonPathStep[]): Fragment
  /** True when `path` exists in `doc` (a JSON null counts), false when it does not. */
  has(doc: Fragment, path: readonly JsonPathStep[]): Fragment
  /** Whether the value at `path` equals a JSON value: `1` equals `1.0`, `"1"` does not equal `1`, objects regardless of key order. */
  equals(doc: Fragment, path: readonly JsonPathStep[], value: unknown): Fragment
  /** Whether two JSON values (`extract` results) are equal, for `data__a: F('data__b')`. Default `a = b`. */
  sameJson?(a: Fragment, b: Fragment): Fragment
  /** Compares the value at `path` with a number (JSON numbers only match) or a string (JSON strings only match). */
  compare(doc: Fragment, path: readonly JsonPathStep[], op: JsonCompareOp, value: number | string): Fragment
  /** ORDER BY terms for the value at `path`: numbers in numeric order, strings in text order. */
  sortKeys(doc: Fragment, path: readonly JsonPathStep[]): readonly Fragment[]
  /**
   * JSON containment of the value at `path` (`contains`), or of `value` in it (`containedBy`). Absent
   * where the database has none (`features.jsonContains` false, with the reason in `gaps`).
   */
  contains?(doc: Fragment, path: readonly JsonPathStep[], value: unknown, containedBy: boolean): Fragment
}

/** The two tests `composeJsonEquals` builds equality from. */
export interface JsonEqualityParts {
  /** Whether the value at `path` is this JSON scalar (null is JSON null, not a missing key). */
  scalar(doc: Fragment, path: readonly JsonPathStep[], value: string | number | boolean | null): Fragment
  /** Whether the value at `path` is an object (or an array) with `size` members. */
  shape(doc: Fragment, path: readonly JsonPathStep[], type: 'object' | 'array', size: number): Fragment
}

/**
 * `JsonOperations.equals` for databases without a JSON equality operator: a scalar compares by
 * type and value; an object or array by its type, size and each member, recursively.
 */
export function composeJsonEquals(parts: JsonEqualityParts): JsonOperations['equals'] {
  const equals = (doc: Fragment, path: readonly JsonPathStep[], value: unknown): Fragment => {
    if (value === null || typeof value !== 'object')
      return parts.scalar(doc, path, value as string | number | boolean | null)
    const tests: Fragment[] = []
    if (Array.isArray(value)) {
      tests.push(parts.shape(doc, path, 'array', value.length))
      for (const [i, v] of value.entries()) tests.push(equals(doc, [...path, i], v))
    } else {
      const entries = Object.entries(value)
      tests.push(parts.shape(doc, path, 'object', entries.length))
      for (const [k, v] of entries) tests.push(equals(doc, [...path, k], v))
    }
    return sql`(${sql.join(tests, sql` and `)})`
  }
  return equals
}

/**
 * A JSON path as SQLite and MySQL read it: `$."owner"."name"[0]`. Keys are JSON string literals
 * (quotes, backslashes and control characters escaped), so that no key is read as path syntax;
 * `negative(n)` spells index `-n` (`[#-1]` on SQLite, `[last]` on MySQL). Bind the result.
 */
export function jsonPathText(path: readonly JsonPathStep[], negative: (n: number) => string): string {
  let out = '$'
  for (const step of path) {
    if (typeof step === 'number') out += step < 0 ? `[${negative(-step)}]` : `[${step}]`
    else out += `.${JSON.stringify(step)}`
  }
  return out
}
