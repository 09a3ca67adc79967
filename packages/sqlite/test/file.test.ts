import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Author, MODELS, Post } from '@strata/conformance'
import { pushSchema } from '@strata/migrations'
import { connect, sql } from '@strata/query'
import { afterAll, describe, expect, it } from 'vitest'
import { sqlite } from '../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'strata-sqlite-file-'))
const filename = join(dir, 'app.db')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('sqlite file databases', () => {
  it('use WAL and foreign keys, and keep rows across connections', async () => {
    const db = await connect({ databases: { default: sqlite({ filename }) }, models: [...MODELS] })
    await pushSchema(db)
    expect(await db.raw(sql`pragma journal_mode`)).toEqual([{ journal_mode: 'wal' }])
    expect(await db.raw(sql`pragma foreign_keys`)).toEqual([{ foreign_keys: 1n }])
    const a = await Author.objects.create({ name: 'Ann', email: 'ann@example.com' })
    await Post.objects.create({ title: 'Kept', content: 'c', author: a })
    await db.close()

    const again = await connect({
      databases: { default: sqlite({ filename }), reader: sqlite({ filename, readonly: true }) },
      models: [...MODELS],
    })
    expect((await pushSchema(again)).created).toEqual([])
    expect(await Post.objects.filter({ author__name: 'Ann' }).valuesList('title', { flat: true })).toEqual([
      'Kept',
    ])
    // A reader on its own connection sees committed rows while the writer keeps writing.
    await Author.objects.create({ name: 'Bo', email: 'bo@example.com' })
    expect(await Author.objects.using('reader').count()).toBe(2)
    await expect(
      Author.objects.using('reader').create({ name: 'X', email: 'x@example.com' }),
    ).rejects.toThrow()
    await again.close()
  })

  it('a memory database is not WAL', async () => {
    const db = await connect({ databases: { default: sqlite() }, models: [...MODELS] })
    expect(await db.raw(sql`pragma journal_mode`)).toEqual([{ journal_mode: 'memory' }])
    await db.close()
  })
})
