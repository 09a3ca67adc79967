import { f, model, type QueryState, QuerySet, type ResolvedExpr } from '@strata/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { comparableState, shapeKey } from '../src/compiler/shape.js'
import { connect, type Database } from '../src/index.js'
import { compileOnly } from './compile-only-dialect.js'

class Thread extends model('Thread', { subject: f.char({ maxLength: 50 }) }) {}
class Reply extends model('Reply', {
  thread: f.foreignKey('Thread', { onDelete: 'CASCADE' }),
  body: f.text(),
  at: f.dateTime({ null: true }),
}) {}

declare module '@strata/core' {
  interface Models {
    Thread: Thread
    Reply: Reply
  }
}

let db: Database
beforeAll(async () => {
  db = await connect({ databases: { default: compileOnly() }, models: [Thread, Reply] })
})
afterAll(() => db.close())

/** The state a sliced Prefetch() builds: the queryset filtered by parent keys, sliced per parent. */
function perThread(state: QueryState, offset: number, limit: number | null): QueryState {
  const by: ResolvedExpr = { type: 'col', path: { hops: [], field: Reply.meta.field('thread')!, transforms: [], call: 0 } }
  return { ...state, partitionSlice: { by, offset, limit } }
}

const sqlOf = (state: QueryState) => new QuerySet<Reply>(state).sql()

describe('a slice per partition', () => {
  it('numbers the rows per partition in the ordering, after the columns, and keeps the slice in an outer query', () => {
    const { sql, parameters } = sqlOf(perThread(Reply.objects.filter({ thread__in: [1, 2] }).orderBy('-at').state, 1, 2))
    expect(sql).toBe(
      'select * from (select "t0"."id" as "c0", "t0"."thread_id" as "c1", "t0"."body" as "c2", "t0"."at" as "c3", ' +
        'row_number() over (partition by "t0"."thread_id" order by "t0"."at" desc) as "strata_rn" ' +
        'from "reply" as "t0" where "t0"."thread_id" in (?, ?)) as "w" where "w"."strata_rn" > 1 and "w"."strata_rn" <= 3 order by "w"."strata_rn"',
    )
    expect(parameters).toEqual([1, 2])
    // Open-ended, and without an ordering.
    expect(sqlOf(perThread(Reply.objects.all().state, 2, null)).sql).toMatch(/row_number\(\) over \(partition by "t0"\."thread_id"\) as "strata_rn" from "reply" as "t0"\) as "w" where "w"\."strata_rn" > 2 order by/)
  })

  it('is part of the shape: other bounds are another shape, and such states are never compared without a key', () => {
    const base = Reply.objects.filter({ thread__in: [1, 2] }).state
    const a = shapeKey(perThread(base, 0, 2), undefined)
    expect(a).toBeDefined()
    expect(a).not.toBe(shapeKey(base, undefined))
    expect(a).not.toBe(shapeKey(perThread(base, 0, 3), undefined))
    expect(a).not.toBe(shapeKey(perThread(base, 1, 1), undefined))
    expect(a).not.toBe(shapeKey(perThread(base, 0, null), undefined))
    expect(a).toBe(shapeKey(perThread(Reply.objects.filter({ thread__in: [3, 4] }).state, 0, 2), undefined))
    expect(comparableState(perThread(base, 0, 2))).toBe(false)
  })
})
