import { type Field, hydrate, type ModelMeta, type ResultKind } from '@strata/core'
import type { DialectOperations } from '../dialect.js'
import type { OutputColumn } from './select.js'

/** Turns driver rows into instances or plain rows, converting each value by its field. */
export function makeHydrator(
  meta: ModelMeta,
  columns: readonly OutputColumn[],
  result: ResultKind,
  ops: DialectOperations,
  alias: string,
): (row: Record<string, unknown>) => unknown {
  const n = columns.length
  const aliases = columns.map((c) => c.alias)
  const keys = columns.map((c) => c.key)
  const fields: (Field | undefined)[] = columns.map((c) => c.field)
  const convert = (row: Record<string, unknown>, i: number) => ops.fromDriver(fields[i], row[aliases[i]!])
  switch (result) {
    case 'instances':
      return (row) => {
        const values: Record<string, unknown> = {}
        for (let i = 0; i < n; i++) values[keys[i]!] = convert(row, i)
        return hydrate(meta, values, alias)
      }
    case 'dicts':
    case 'named':
      return (row) => {
        const values: Record<string, unknown> = {}
        for (let i = 0; i < n; i++) values[keys[i]!] = convert(row, i)
        return values
      }
    case 'tuples':
      return (row) => {
        const values: unknown[] = new Array(n)
        for (let i = 0; i < n; i++) values[i] = convert(row, i)
        return values
      }
    case 'flat':
      return (row) => convert(row, 0)
  }
}
