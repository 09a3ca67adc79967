import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { OperationalError } from '@strata/core'
import { Tag } from '@strata/conformance'
import { pushSchema } from '@strata/migrations'
import { connect, type Database } from '@strata/query'
import { atomic } from '@strata/transactions'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { sqlite } from '../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'strata-sqlite-tx-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3')

// Another process, as far as SQLite's locks go: a thread with a connection of its own that takes the
// write lock (BEGIN IMMEDIATE), raises a flag in shared memory, keeps the lock `holdMs` and commits.
const HOLDER = `
const { workerData } = require('node:worker_threads')
const Database = require(workerData.module)
const db = new Database(workerData.filename)
db.pragma('busy_timeout = 5000')
db.exec('begin immediate')
db.prepare('insert into "' + workerData.table + '" (name) values (?)').run(workerData.name)
const flag = new Int32Array(workerData.flag)
Atomics.store(flag, 0, 1)
Atomics.wait(flag, 1, 0, workerData.holdMs)
db.exec('commit')
db.close()
`

/** Starts the holder on `filename`; resolves once it holds the write lock, with `done` for its end. */
let holders = 0

async function otherProcessHoldsTheLock(filename: string, holdMs: number): Promise<{ done: Promise<void> }> {
  const flag = new SharedArrayBuffer(8)
  const worker = new Worker(HOLDER, {
    eval: true,
    workerData: {
      filename,
      holdMs,
      flag,
      name: `other process ${++holders}`,
      module: betterSqlite3,
      table: Tag.meta.dbTable,
    },
  })
  const done = new Promise<void>((resolve, reject) => {
    worker.once('error', reject)
    worker.once('exit', () => resolve())
  })
  let failed: unknown
  done.catch((e: unknown) => {
    failed = e ?? new Error('the holder failed')
  })
  while (Atomics.load(new Int32Array(flag), 0) !== 1) {
    if (failed) throw failed
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  // Wrapped: an async function returning the promise itself would wait for it.
  return { done }
}

let db: Database | undefined
afterEach(async () => {
  await db?.close()
  db = undefined
})

async function open(name: string, busyTimeout: number): Promise<string> {
  const filename = join(dir, name)
  db = await connect({ databases: { default: sqlite({ filename, busyTimeout }) }, models: [Tag] })
  await pushSchema(db)
  return filename
}

describe('sqlite transactions', () => {
  it('blocks begin IMMEDIATE: they take the write lock up front', async () => {
    await open('immediate.db', 5000)
    const { queries } = await db!.captureQueries(() => atomic(() => Tag.objects.create({ name: 'a' })))
    expect(queries[0]!.sql).toBe('begin immediate')
    expect(queries.at(-1)!.sql).toBe('commit')
  })

  it('a read-only database begins deferred', async () => {
    const filename = await open('readonly.db', 5000)
    await db!.close()
    db = await connect({ databases: { default: sqlite({ filename, readonly: true }) }, models: [Tag] })
    const { queries } = await db.captureQueries(() => atomic(() => Tag.objects.count()))
    expect(queries.map((q) => q.sql)).toEqual(['begin', expect.stringMatching(/^select count/), 'commit'])
  })

  it('busy_timeout covers another process holding the write lock: the block waits, then commits', async () => {
    const filename = await open('other-process.db', 5000)
    const other = await otherProcessHoldsTheLock(filename, 300)
    await atomic(() => Tag.objects.create({ name: 'ours' }))
    await other.done
    expect(await Tag.objects.orderBy('name').valuesList('name', { flat: true })).toEqual([
      'other process 1',
      'ours',
    ])
  })

  it('past busy_timeout the block fails with OperationalError; retries re-run it until the lock is free', async () => {
    const filename = await open('busy.db', 50)
    let other = await otherProcessHoldsTheLock(filename, 600)
    const error = await atomic(() => Tag.objects.create({ name: 'too soon' })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OperationalError)
    expect(((error as Error).cause as { code?: string }).code).toMatch(/^SQLITE_BUSY/)
    await other.done
    other = await otherProcessHoldsTheLock(filename, 400)
    const { queries } = await db!.captureQueries(() =>
      atomic(() => Tag.objects.create({ name: 'eventually' }), { retries: 10 }),
    )
    await other.done
    // BEGIN IMMEDIATE failed with SQLITE_BUSY until the other process committed.
    const begins = queries.filter((q) => q.sql === 'begin immediate')
    expect(begins.length).toBeGreaterThan(1)
    expect(begins.slice(0, -1).every((q) => q.error !== undefined)).toBe(true)
    expect(await Tag.objects.filter({ name: 'eventually' }).count()).toBe(1)
  })
})
