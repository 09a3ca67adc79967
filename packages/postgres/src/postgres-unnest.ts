import { type Field, type FieldKind, ForeignKey } from '@strata/core'
import type { Fragment } from '@strata/query'
import { sql } from 'kysely'

function storageKind(field: Field): FieldKind {
  return field instanceof ForeignKey && field.target ? storageKind(field.target.pk) : field.kind
}

/** Field kinds whose driver values pg writes into an array literal that PostgreSQL reads back as they were. */
const ARRAY_SAFE = new Set<FieldKind>([
  'auto',
  'bigAuto',
  'integer',
  'positiveInteger',
  'smallInteger',
  'bigInteger',
  'float',
  'decimal',
  'boolean',
  'date',
  'dateTime',
  'time',
  'uuid',
  'char',
  'text',
  'email',
  'slug',
  'url',
])

/**
 * `select * from unnest($1::integer[], $2::varchar(100)[], ...)`: the rows of a multi-row INSERT
 * as one array per column (Django 5.2 does the same), so that one named statement serves every
 * row count. JSON, binary and interval columns keep VALUES lists.
 */
export function unnestRows(fields: readonly Field[], columns: readonly (readonly unknown[])[], columnType: (field: Field) => string): Fragment | undefined {
  const casts: Fragment[] = []
  for (let k = 0; k < fields.length; k++) {
    const field = fields[k]!
    if (!ARRAY_SAFE.has(storageKind(field))) return undefined
    const type = columnType(field)
    // Plain type names only (identity columns are their base type); anything else keeps VALUES.
    if (!/^[a-z][a-z ]*(\(\d+(, ?\d+)?\))?$/.test(type)) return undefined
    casts.push(sql`${sql.val(columns[k])}::${sql.raw(type)}[]`)
  }
  return sql`select * from unnest(${sql.join(casts)})`
}
