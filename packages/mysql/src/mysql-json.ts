import type { JsonPathStep } from '@strata/core'
import { composeJsonEquals, type Fragment, type JsonOperations } from '@strata/query'
import { sql } from 'kysely'

// MySQL's and MariaDB's JSON functions read a path such as `$."owner"."name"[0]`; every key is
// written as a JSON string and the path is bound as a parameter. MariaDB keeps JSON as text and has
// no JSON comparison, so values are compared by JSON_TYPE and their unquoted text or number, which
// works the same on MySQL. https://mariadb.com/kb/en/json-functions/
//
// Two quirks are worked around here: `$[0]` on a value that is not an array yields the value itself
// (MySQL's auto-wrapping), so every index step checks that it indexes an array; and MariaDB 10.11
// resolves `$[last]` / `$[-1]` once per statement, so a negative index is computed per row from
// JSON_LENGTH instead.

/** Where a key path points: the path argument (bound, or computed per row) and the conditions for it to exist. */
interface Target {
  readonly path: Fragment
  readonly guard: Fragment | null
}

function target(doc: Fragment, path: readonly JsonPathStep[]): Target {
  let computed: Fragment | null = null
  let pending = '$'
  const sofar = (): Fragment =>
    computed ? (pending ? sql`concat(${computed}, ${pending})` : computed) : sql`${pending}`
  const guards: Fragment[] = []
  for (const step of path) {
    if (typeof step === 'string') {
      pending += `.${JSON.stringify(step)}`
      continue
    }
    const container = sofar()
    guards.push(sql`json_type(json_extract(${doc}, ${container})) = 'ARRAY'`)
    if (step >= 0) {
      pending += `[${step}]`
      continue
    }
    guards.push(sql`json_length(${doc}, ${container}) >= ${-step}`)
    computed = sql`concat(${container}, '[', json_length(${doc}, ${container}) - ${-step}, ']')`
    pending = ''
  }
  return { path: sofar(), guard: guards.length ? sql.join(guards, sql` and `) : null }
}

/** The value at `path` as JSON text, or NULL when the path does not exist. */
function extract(doc: Fragment, path: readonly JsonPathStep[]): Fragment {
  const t = target(doc, path)
  const value = sql`json_extract(${doc}, ${t.path})`
  return t.guard ? sql`(case when ${t.guard} then ${value} end)` : value
}

const type = (doc: Fragment, path: readonly JsonPathStep[]): Fragment => sql`json_type(${extract(doc, path)})`
const text = (doc: Fragment, path: readonly JsonPathStep[]): Fragment =>
  sql`json_unquote(${extract(doc, path)})`
const NUMBER_TYPES = sql`('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')`
// Strings compare by code point, whatever the connection's collation.
const BIN = sql.raw('utf8mb4_bin')

/** Compares the value at `path` with a number (JSON numbers only) or a string (JSON strings only). */
function compareTo(doc: Fragment, path: readonly JsonPathStep[], op: Fragment, v: number | string): Fragment {
  if (typeof v === 'number')
    return sql`(${type(doc, path)} in ${NUMBER_TYPES} and ${extract(doc, path)} ${op} ${v})`
  return sql`(${type(doc, path)} = 'STRING' and ${text(doc, path)} ${op} ${v} collate ${BIN})`
}

/** MySQL's and MariaDB's reading of JSON fields: key paths, comparisons, key tests and JSON_CONTAINS. */
export const mysqlJson: JsonOperations = {
  extract(doc, path) {
    return extract(doc, path)
  },
  extractText(doc, path) {
    return text(doc, path)
  },
  has(doc, path) {
    const t = target(doc, path)
    const has = sql`json_contains_path(${doc}, 'one', ${t.path})`
    return sql`(coalesce(${t.guard ? sql`${t.guard} and ${has}` : has}, 0) = 1)`
  },
  equals: composeJsonEquals({
    scalar(doc, path, v) {
      if (v === null) return sql`(${type(doc, path)} = 'NULL')`
      if (typeof v === 'boolean')
        return sql`(${type(doc, path)} = 'BOOLEAN' and ${text(doc, path)} = ${v ? 'true' : 'false'})`
      return compareTo(doc, path, sql`=`, v)
    },
    shape(doc, path, kind, size) {
      return sql`(${type(doc, path)} = ${kind === 'array' ? 'ARRAY' : 'OBJECT'} and json_length(${extract(doc, path)}) = ${size})`
    },
  }),
  sameJson(a, b) {
    return sql`(cast(${a} as binary) = cast(${b} as binary))`
  },
  compare(doc, path, op, v) {
    return compareTo(doc, path, sql.raw(op), v)
  },
  sortKeys(doc, path) {
    // MariaDB's JSON is text: numbers sort by value (strings, whose first key is NULL, sort apart from them), strings by text.
    return [
      sql`case when ${type(doc, path)} in ${NUMBER_TYPES} then ${extract(doc, path)} + 0e0 end`,
      text(doc, path),
    ]
  },
  contains(doc, path, value, containedBy) {
    const json = JSON.stringify(value)
    const x = path.length ? extract(doc, path) : doc
    return containedBy ? sql`json_contains(${json}, ${x})` : sql`json_contains(${x}, ${json})`
  },
}
