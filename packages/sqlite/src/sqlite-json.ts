import type { JsonPathStep } from '@strata/core'
import { composeJsonEquals, type Fragment, type JsonOperations, jsonPathText } from '@strata/query'
import { sql } from 'kysely'

// SQLite's JSON functions (https://sqlite.org/json1.html) read a path argument such as
// `$."owner"."name"[0]`; the path is built with every key as a JSON string and bound as a parameter.
// `json_type()` tells JSON null ('null') from a missing key (SQL NULL), and a string ('text') from
// a number ('integer', 'real').

/** The bound JSON path of `path` (`[#-1]` is the last element). */
function p(path: readonly JsonPathStep[]): string {
  return jsonPathText(path, (n) => `#-${n}`)
}

const type = (doc: Fragment, path: readonly JsonPathStep[]): Fragment => sql`json_type(${doc}, ${p(path)})`
const value = (doc: Fragment, path: readonly JsonPathStep[]): Fragment =>
  sql`json_extract(${doc}, ${p(path)})`

function typed(doc: Fragment, path: readonly JsonPathStep[], v: number | string): Fragment {
  return typeof v === 'number'
    ? sql`${type(doc, path)} in ('integer', 'real')`
    : sql`${type(doc, path)} = 'text'`
}

/** SQLite's reading of JSON fields: key paths, comparisons and key tests (no containment). */
export const sqliteJson: JsonOperations = {
  extract(doc, path) {
    // `->` returns JSON text (a string keeps its quotes), which the JSON field parses.
    return sql`(${doc} -> ${p(path)})`
  },
  extractText(doc, path) {
    return value(doc, path)
  },
  has(doc, path) {
    return sql`(${type(doc, path)} is not null)`
  },
  equals: composeJsonEquals({
    scalar(doc, path, v) {
      if (v === null) return sql`(${type(doc, path)} = 'null')`
      if (typeof v === 'boolean') return sql`(${type(doc, path)} = ${v ? 'true' : 'false'})`
      return sql`(${typed(doc, path, v)} and ${value(doc, path)} = ${v})`
    },
    shape(doc, path, kind, size) {
      const count =
        kind === 'array'
          ? sql`json_array_length(${doc}, ${p(path)})`
          : sql`(select count(*) from json_each(${doc}, ${p(path)}))`
      return sql`(${type(doc, path)} = ${kind} and ${count} = ${size})`
    },
  }),
  compare(doc, path, op, v) {
    return sql`(${typed(doc, path, v)} and ${value(doc, path)} ${sql.raw(op)} ${v})`
  },
  sortKeys(doc, path) {
    // Numbers sort as numbers, then strings as text (SQLite's order across storage classes).
    return [value(doc, path)]
  },
}
