import type { JsonPathStep } from '@strata/core'
import type { Fragment, JsonOperations } from '@strata/query'
import { sql } from 'kysely'

// JSON fields are jsonb (https://www.postgresql.org/docs/current/functions-json.html). A path is a
// chain of `->`, each key a text and each index an integer, so that an index never matches an
// object key "0" (as on the other databases) and no key is parsed as syntax.

/**
 * One step of a path. In conditions it is bound as a parameter. With `inline` (select lists, GROUP
 * BY, ORDER BY, DISTINCT ON, where PostgreSQL matches identical expressions only, and two renderings
 * would bind two parameters) a key is an escape-string constant, `\` and `'` escaped, which reads the
 * same whatever `standard_conforming_strings` says.
 */
function step(s: JsonPathStep, inline: boolean): Fragment {
  if (typeof s === 'number') return inline ? sql.raw(String(Math.trunc(s))) : sql`cast(${s} as integer)`
  // PostgreSQL text cannot hold NUL: such a key stays bound (no document can hold it anyway).
  if (inline && !s.includes('\u0000')) return sql.raw(`E'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`)
  return sql`cast(${s} as text)`
}

function chain(doc: Fragment, path: readonly JsonPathStep[], inline = false): Fragment {
  let out = doc
  // `-> 0` on a scalar yields the scalar itself; an index only reads arrays on the other databases.
  for (const s of path)
    out =
      typeof s === 'number'
        ? sql`(case when jsonb_typeof(${out}) = 'array' then ${out} -> ${step(s, inline)} end)`
        : sql`(${out} -> ${step(s, inline)})`
  return out
}

const jsonb = (v: unknown): Fragment => sql`cast(${JSON.stringify(v)} as jsonb)`

/** PostgreSQL's reading of JSON fields: jsonb operators, containment with `@>` and `<@`. */
export const postgresJson: JsonOperations = {
  extract(doc, path) {
    return chain(doc, path, true)
  },
  extractText(doc, path) {
    return sql`(${chain(doc, path)} #>> '{}')`
  },
  has(doc, path) {
    return sql`(${chain(doc, path)} is not null)`
  },
  equals(doc, path, value) {
    // jsonb equality: numbers by value, objects regardless of key order.
    return sql`(${chain(doc, path)} = ${jsonb(value)})`
  },
  compare(doc, path, op, value) {
    // jsonb orders values of different types by type; the type test keeps numbers with numbers.
    const x = chain(doc, path)
    return sql`(jsonb_typeof(${x}) = ${typeof value === 'number' ? 'number' : 'string'} and ${x} ${sql.raw(op)} ${jsonb(value)})`
  },
  sortKeys(doc, path) {
    return [chain(doc, path, true)]
  },
  contains(doc, path, value, containedBy) {
    return containedBy
      ? sql`(${chain(doc, path)} <@ ${jsonb(value)})`
      : sql`(${chain(doc, path)} @> ${jsonb(value)})`
  },
}
