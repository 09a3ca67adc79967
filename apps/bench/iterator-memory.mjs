// Memory of iterator(): inserts STRATA_BENCH_ROWS rows (default 1,000,000) with one bulkCreate() call,
// then reads them back with iterator({ chunkSize: 2000 }) in a fresh child process and reports the
// peak growth of its resident set size (RSS) over the baseline taken just before the loop (after a
// warm-up: one row read and a count(); STRATA_BENCH_COLD=1 leaves the count() out).
//
//   STRATA_BENCH_DB=sqlite|postgres|mysql pnpm --filter @strata/bench bench:memory
//
// PostgreSQL and MySQL read STRATA_PG_URL / STRATA_MYSQL_URL (the test defaults otherwise) and use a
// table `bench_row` there, dropped at the end. SQLite uses a file in a temporary directory.
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { f, model } from '@strata/core'
import { pushSchema } from '@strata/migrations'
import { connect, sql } from '@strata/query'

const DB = process.env.STRATA_BENCH_DB ?? 'sqlite'
const ROWS = Number(process.env.STRATA_BENCH_ROWS ?? 1_000_000)
const CHUNK = 2000
const LIMIT_MB = 50

/** The benchmark's one table: a few columns of the common kinds. */
class BenchRow extends model('BenchRow', {
  name: f.char({ maxLength: 40 }),
  n: f.integer(),
  score: f.float(),
  at: f.dateTime(),
}) {}

/** The dialect for STRATA_BENCH_DB (imported lazily: only its driver needs to be installed). */
async function dialect(file) {
  switch (DB) {
    case 'sqlite': {
      const { sqlite } = await import('@strata/sqlite')
      return sqlite({ filename: file })
    }
    case 'postgres': {
      const { postgres } = await import('@strata/postgres')
      return postgres({ connectionString: process.env.STRATA_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' })
    }
    case 'mysql': {
      const { mysql } = await import('@strata/mysql')
      return mysql({ uri: process.env.STRATA_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test' })
    }
    default:
      throw new Error(`STRATA_BENCH_DB must be sqlite, postgres or mysql, got ${JSON.stringify(DB)}`)
  }
}

const mb = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10

/** Parent: create the table, insert the rows, run the reader, print the summary, drop the table. */
async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-'))
  const file = join(dir, 'bench.db')
  let statements = 0
  let inserts = 0
  const db = await connect({
    databases: { default: await dialect(file) },
    models: [BenchRow],
    log: (q) => {
      statements++
      if (/^\s*insert/i.test(q.sql)) inserts++
    },
  })
  try {
    await pushSchema(db, { reset: true })
    const start = new Date('2024-01-01T00:00:00Z').getTime()
    const rows = Array.from({ length: ROWS }, (_, i) => ({ name: `row ${i}`, n: i, score: i / 7, at: new Date(start + i * 1000) }))
    statements = 0
    const t0 = performance.now()
    await BenchRow.objects.bulkCreate(rows)
    const insertSeconds = (performance.now() - t0) / 1000
    const roundTrips = statements
    const count = await BenchRow.objects.count()
    if (count !== ROWS) throw new Error(`expected ${ROWS} rows, found ${count}`)
    const reader = await runReader(file)
    const result = {
      database: DB,
      rows: ROWS,
      insert: { seconds: round(insertSeconds), statements: roundTrips, inserts },
      iterate: reader,
      underLimit: reader.peakGrowthMb < LIMIT_MB,
    }
    console.log(JSON.stringify(result, null, 2))
    console.log(
      `${DB}: bulkCreate ${ROWS} rows in ${round(insertSeconds)} s (${inserts} INSERTs, ${roundTrips} round trips); ` +
        `iterator({ chunkSize: ${CHUNK} }) ${reader.rows} rows in ${reader.seconds} s; ` +
        `peak RSS growth ${reader.peakGrowthMb} MB (limit ${LIMIT_MB} MB: ${result.underLimit ? 'ok' : 'OVER'})`,
    )
    if (!result.underLimit) process.exitCode = 1
  } finally {
    if (DB !== 'sqlite') await db.raw(sql`drop table if exists ${sql.table(BenchRow.meta.dbTable)}`).catch(() => undefined)
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

function round(n) {
  return Math.round(n * 100) / 100
}

/** Runs the reading half in a fresh process, so that the inserted objects do not hide its memory. */
function runReader(file) {
  return new Promise((resolve, reject) => {
    const child = fork(new URL(import.meta.url), ['--read', file], { execArgv: ['--expose-gc'], stdio: ['inherit', 'inherit', 'inherit', 'ipc'] })
    child.once('message', resolve)
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the reader exited with ${code}`))
    })
  })
}

/** Child: iterate every row, sampling RSS every 1,000 rows and every 5 ms. */
async function read(file) {
  const db = await connect({ databases: { default: await dialect(file) }, models: [BenchRow] })
  try {
    // Warm up: the first query loads the driver's code paths, and a full count() fills the
    // connection's caches (SQLite's page cache: up to 16 MB, better-sqlite3's default cache_size),
    // which any query would fill and which are not the loop's memory. STRATA_BENCH_COLD=1 skips count().
    for await (const _ of BenchRow.objects.iterator({ chunkSize: CHUNK })) break
    if (process.env.STRATA_BENCH_COLD !== '1') await BenchRow.objects.count()
    globalThis.gc?.()
    await new Promise((r) => setTimeout(r, 100))
    const baseline = process.memoryUsage().rss
    let peak = baseline
    const sample = () => {
      const rss = process.memoryUsage().rss
      if (rss > peak) peak = rss
    }
    const timer = setInterval(sample, 5)
    let rows = 0
    let sum = 0
    const t0 = performance.now()
    for await (const row of BenchRow.objects.iterator({ chunkSize: CHUNK })) {
      rows++
      sum += row.n
      if (rows % 1000 === 0) sample()
    }
    const seconds = (performance.now() - t0) / 1000
    clearInterval(timer)
    sample()
    const expected = (ROWS * (ROWS - 1)) / 2
    if (rows !== ROWS || sum !== expected) throw new Error(`read ${rows} rows (sum ${sum}); expected ${ROWS} (sum ${expected})`)
    process.send({ rows, seconds: round(seconds), baselineMb: mb(baseline), peakMb: mb(peak), peakGrowthMb: mb(peak - baseline) })
  } finally {
    await db.close()
  }
}

if (process.argv[2] === '--read') await read(process.argv[3])
else await main()
