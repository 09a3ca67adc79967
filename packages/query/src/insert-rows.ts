import type { Field, ModelMeta } from '@strata/core'

/**
 * The indexes of `rows` grouped by which fields they give (rows that give the generated key and
 * rows that do not are inserted separately): one group when all give the same, as in most calls.
 */
export function groupByGivenFields(meta: ModelMeta, rows: readonly Record<string, unknown>[]): number[][] {
  const fields = meta.concreteFields
  const given = (row: Record<string, unknown>): string => {
    let k = ''
    for (let j = 0; j < fields.length; j++) k += row[fields[j]!.attname] === undefined ? '0' : '1'
    return k
  }
  const first = given(rows[0]!)
  let i = 1
  while (i < rows.length && given(rows[i]!) === first) i++
  if (i === rows.length) return [Array.from({ length: rows.length }, (_, n) => n)]
  const groups = new Map<string, number[]>()
  rows.forEach((row, n) => {
    const k = given(row)
    const list = groups.get(k)
    if (list) list.push(n)
    else groups.set(k, [n])
  })
  return [...groups.values()]
}

/** A model's concrete fields by attribute name, built once per model (kept in `meta.memo`). */
export function fieldsByAttname(meta: ModelMeta): ReadonlyMap<string, Field> {
  let map = meta.memo.get('query.fieldsByAttname') as Map<string, Field> | undefined
  if (map === undefined) {
    map = new Map(meta.concreteFields.map((f) => [f.attname, f]))
    meta.memo.set('query.fieldsByAttname', map)
  }
  return map
}
