import { MODELS, Tag } from '@strata/conformance'
import { NotSupportedError } from '@strata/core'
import { pushSchema } from '@strata/migrations'
import { connect, type Database, sql } from '@strata/query'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgres } from '../src/index.js'
import { pgAvailable, testDatabase } from './pg-server.js'

const database = testDatabase('iterator')
const APP = `strata_iter_${process.pid}`

/** The sessions of this test's pool, as the server sees them. */
async function sessions(db: Database): Promise<{ state: string; query: string }[]> {
  return db.raw(sql`select state, query from pg_stat_activity where application_name = ${APP} and pid <> pg_backend_pid()`)
}

describe.skipIf(!(await pgAvailable()))('postgres iterator(): cursors and the pool', () => {
  let db: Database
  beforeAll(async () => {
    await database.create()
    db = await connect({ databases: { default: postgres({ connectionString: database.url, max: 2, applicationName: APP }) }, models: [...MODELS] })
    await pushSchema(db, { reset: true })
    await Tag.objects.bulkCreate(Array.from({ length: 500 }, (_, i) => ({ name: `t${i}` })))
  })
  afterAll(async () => {
    await db?.close()
    await database.drop()
  })

  it('reads through pg-cursor: one SELECT for the whole loop, chunkSize rows per fetch', async () => {
    const { queries } = await db.captureQueries(async () => {
      let n = 0
      for await (const _ of Tag.objects.iterator({ chunkSize: 7 })) n++
      expect(n).toBe(500)
    })
    expect(queries.filter((q) => /^select/i.test(q.sql))).toHaveLength(1)
  })

  it('ten early exits with a pool of two leave no cursor open and no connection taken', async () => {
    for (let i = 0; i < 10; i++) {
      for await (const _ of Tag.objects.iterator({ chunkSize: 5 })) break
    }
    // An open cursor outside a transaction keeps its session "idle in transaction" or "active".
    const busy = (await sessions(db)).filter((s) => s.state !== 'idle')
    expect(busy).toEqual([])
    // Both pooled connections are free: two queries at once do not wait.
    expect(await Promise.all([Tag.objects.count(), Tag.objects.filter({ name__startswith: 't1' }).count()])).toEqual([500, 111])
  })

  it('inside a transaction a SQL cursor is declared, fetched and closed on the transaction connection', async () => {
    const { queries } = await db.captureQueries(() =>
      db.engine().atomic(async () => {
        for await (const t of Tag.objects.orderBy('name').iterator({ chunkSize: 200 })) if (t.name === 't300') break
      }),
    )
    const sqls = queries.map((q) => q.sql.toLowerCase())
    expect(sqls.some((s) => s.startsWith('declare "strata_cursor_'))).toBe(true)
    expect(sqls.filter((s) => s.startsWith('fetch forward 200 from'))).toHaveLength(2)
    expect(sqls.some((s) => s.startsWith('close "strata_cursor_'))).toBe(true)
  })

  it('without pg-cursor (cursor option throwing as the lazy loader does), iterator() is a NotSupportedError', async () => {
    const other = await connect({
      databases: {
        default: postgres({
          connectionString: database.url,
          max: 2,
          applicationName: APP,
          cursor: function Missing() {
            throw new NotSupportedError("iterator() on PostgreSQL needs the 'pg-cursor' package")
          } as never,
        }),
      },
      models: [...MODELS],
    })
    try {
      const it = Tag.objects.iterator({ chunkSize: 10 })
      await expect(it.next()).rejects.toBeInstanceOf(NotSupportedError)
      // The connection went back to the pool.
      expect(await Tag.objects.count()).toBe(500)
    } finally {
      await other.close()
      // Tag.objects is bound to the alias: connect the test database again for the other tests.
      db.engine().register()
    }
  })
})
