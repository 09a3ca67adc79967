import { MODELS, Tag } from '@strata/conformance'
import { pushSchema } from '@strata/migrations'
import { connect, type Database } from '@strata/query'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sqlite } from '../src/index.js'

// Why SQLite's iterator() reads pages: better-sqlite3 refuses writes while a statement is iterated.
describe('sqlite iterator(): pages, not an open statement', () => {
  let db: Database
  beforeAll(async () => {
    db = await connect({ databases: { default: sqlite({ filename: ':memory:' }) }, models: [...MODELS] })
    await pushSchema(db)
    await Tag.objects.bulkCreate(Array.from({ length: 10 }, (_, i) => ({ name: `t${i}` })))
  })
  afterAll(() => db?.close())

  it('better-sqlite3 refuses a write while a statement is being iterated (reads still work)', () => {
    const raw = new BetterSqlite3(':memory:')
    raw.exec('create table t (id integer primary key, n integer)')
    for (let i = 0; i < 3; i++) raw.prepare('insert into t (n) values (?)').run(i)
    const rows = raw.prepare('select * from t').iterate()
    rows.next()
    expect(raw.prepare('select count(*) as c from t').get()).toEqual({ c: 3 })
    expect(() => raw.prepare('update t set n = n + 1').run()).toThrow(/busy executing a query/)
    rows.return?.()
    expect(raw.prepare('update t set n = n + 1').run().changes).toBe(3)
    raw.close()
  })

  it('unordered: the largest key, then keyset pages `pk > last`, each an ordinary query', async () => {
    const { queries } = await db.captureQueries(async () => {
      for await (const t of Tag.objects.iterator({ chunkSize: 4 })) await Tag.objects.filter({ pk: t.pk }).update({ name: `${t.name}x` })
    })
    const selectQueries = queries.filter((q) => /^select/i.test(q.sql))
    const selects = selectQueries.map((q) => q.sql)
    expect(selects[0]).toMatch(/max\(/i)
    // 10 rows in pages of 4: 4, 4, 2.
    expect(selects.slice(1)).toHaveLength(3)
    expect(selects[1]).toMatch(/where "t0"\."id" <= \? order by "t0"\."id" asc limit 4$/)
    expect(selects[2]).toMatch(/where \("t0"\."id" <= \? and "t0"\."id" > \?\) order by "t0"\."id" asc limit 4$/)
    expect(selectQueries[2]!.parameters).toHaveLength(2)
    expect(queries.filter((q) => /^update/i.test(q.sql))).toHaveLength(10)
  })

  it('ordered by another field: the ordered keys, then rows by key, chunkSize at a time', async () => {
    const { queries } = await db.captureQueries(async () => {
      const names: string[] = []
      for await (const t of Tag.objects.orderBy('-name').iterator({ chunkSize: 6 })) names.push(t.name)
      expect(names).toEqual([...names].sort().reverse())
    })
    const selects = queries.map((q) => q.sql).filter((s) => /^select/i.test(s))
    expect(selects).toHaveLength(3)
    expect(selects[0]).toMatch(/order by "t0"\."name" desc/)
    expect(selects[1]).toMatch(/"t0"\."id" in \(/)
  })
})
