import type { PartitionSlice } from '@strata/core'
import { type RawBuilder, sql } from 'kysely'
import type { Fragment } from '../dialect.js'
import type { QueryCompiler } from './select.js'

// A slice per parent (a sliced Prefetch() queryset, Django 4.2): the rows are numbered within each
// value of the partition expression in the query's ordering (ROW_NUMBER() OVER (PARTITION BY ...
// ORDER BY ...), which SQLite 3.25+, PostgreSQL and MariaDB 10.2+ have), and an outer query keeps
// the numbers in the slice. The number comes after the query's own columns, where the row readers
// never look; the bounds are checked integers, written into the SQL (they are part of the shape).

/** The output name of the row number. */
const ROW_NUMBER = 'strata_rn'

/** The column numbering each row within its partition, in the query's ordering. */
export function partitionNumber(c: QueryCompiler, slice: PartitionSlice): Fragment {
  const order = c.orderBy()
  const sorted = order.length ? sql` order by ${sql.join(order)}` : sql``
  return sql`row_number() over (partition by ${c.expression(slice.by)}${sorted}) as ${sql.id(ROW_NUMBER)}`
}

/** `inner` (which selects `partitionNumber`) cut to the slice of each partition, sorted by the number unless `noOrder`. */
export function partitionRows(c: QueryCompiler, inner: Fragment, slice: PartitionSlice, noOrder: boolean): RawBuilder<unknown> {
  const rn = sql.ref(`w.${ROW_NUMBER}`)
  const bounds: Fragment[] = [sql`${rn} > ${sql.lit(slice.offset)}`]
  if (slice.limit !== null) bounds.push(sql`${rn} <= ${sql.lit(slice.offset + slice.limit)}`)
  const parts: Fragment[] = [sql`select * from (${inner}) as ${sql.id('w')} where ${sql.join(bounds, sql` and `)}`]
  if (!noOrder) parts.push(sql`order by ${rn}`)
  const s = c.state
  if (s.limit !== null || s.offset > 0) parts.push(c.ops.limitOffset(s.limit, s.offset))
  return sql`${sql.join(parts, sql` `)}`
}
