import { MODELS, Tag } from '@strata/conformance'
import { pushSchema } from '@strata/migrations'
import { connect, type Database, sql } from '@strata/query'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mysql } from '../src/index.js'
import { scratchDatabase, serverAvailable } from './server.js'

const database = scratchDatabase()

describe.skipIf(!(await serverAvailable()))('mysql iterator(): streaming queries and the pool', () => {
  let db: Database
  beforeAll(async () => {
    await database.create()
    db = await connect({ databases: { default: mysql({ uri: database.url, connectionLimit: 2 }) }, models: [...MODELS] })
    await pushSchema(db, { reset: true })
    await Tag.objects.bulkCreate(Array.from({ length: 20_000 }, (_, i) => ({ name: `tag-${i}`.padEnd(40, '.') })))
  })
  afterAll(async () => {
    await db?.close()
    await database.drop()
  })

  it('streams with one SELECT for the whole loop', async () => {
    const { queries } = await db.captureQueries(async () => {
      let n = 0
      for await (const _ of Tag.objects.iterator({ chunkSize: 100 })) n++
      expect(n).toBe(20_000)
    })
    expect(queries.filter((q) => /^select/i.test(q.sql))).toHaveLength(1)
  })

  it('ten early exits with a pool of two: the streaming connections are closed, no query is left running', async () => {
    for (let i = 0; i < 10; i++) {
      for await (const _ of Tag.objects.iterator({ chunkSize: 100 })) break
    }
    // The server notices a closed connection when it next writes to it: give it a moment.
    const running = async () =>
      (
        await db.raw<{ Command: string; Info: string | null }>(
          sql`select command as ${sql.id('Command')}, info as ${sql.id('Info')} from information_schema.processlist where db = ${database.name} and id <> connection_id()`,
        )
      ).filter((p) => p.Command === 'Query')
    const deadline = Date.now() + 5000
    while ((await running()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(await running()).toEqual([])
    expect(await Promise.all([Tag.objects.count(), Tag.objects.filter({ name__startswith: 'tag-1' }).count()])).toEqual([20_000, 11_111])
  })

  it('inside a transaction it reads pages through the transaction connection (no stream)', async () => {
    const { queries } = await db.captureQueries(() =>
      db.engine().atomic(async () => {
        let n = 0
        for await (const t of Tag.objects.iterator({ chunkSize: 5000 })) {
          if (++n % 5000 === 0) await Tag.objects.filter({ pk: t.pk }).update({ name: `${t.name}!` })
        }
        expect(n).toBe(20_000)
      }),
    )
    const selects = queries.filter((q) => /^select/i.test(q.sql))
    // The largest key first, then four full pages and an empty one.
    expect(selects.length).toBe(6)
    expect(await Tag.objects.filter({ name__endswith: '!' }).count()).toBe(4)
  })
})
