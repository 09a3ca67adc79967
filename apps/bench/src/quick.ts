/**
 * A quick in-process comparison for working on the hot path: several contenders loaded in one
 * process, each operation timed in short interleaved slices, medians printed with the ratio to
 * the first contender. Less faithful than `pnpm bench` (one process per contender), much faster.
 *
 *   pnpm --filter @strata/bench quick --db sqlite --contenders raw,strata,kysely --ops getPost,updatePost
 *
 * It uses the seeded database of the last `pnpm bench` run (`--setup` seeds it first). Each cell
 * also gives the process's CPU time per operation (user + system, all threads), which is less
 * noisy than ops/s on a busy machine.
 */
import { join } from 'node:path'
import { type DbKind, FULL_SEED, OPERATIONS, type Operation } from './config.js'
import { type ContenderName, loadContender } from './contender.js'
import { resetDatabase, setupDatabase, targetFor } from './database.js'
import { runOp } from './worker.js'

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const value = (name: string, fallback: string): string => {
    const at = argv.indexOf(name)
    return at >= 0 ? argv[at + 1]! : fallback
  }
  const db = value('--db', 'sqlite') as DbKind
  const names = value('--contenders', 'raw,strata,kysely').split(',') as ContenderName[]
  const ops = value('--ops', OPERATIONS.join(',')).split(',') as Operation[]
  const slice = Number(value('--time', '400'))
  const rounds = Number(value('--rounds', '5'))
  const target = targetFor(db, 'strata_bench', FULL_SEED, join(import.meta.dirname, '..', '.data'))
  if (argv.includes('--setup')) await setupDatabase(target)
  const contenders = await Promise.all(names.map(async (n) => (await loadContender(n))(target)))
  try {
    let i = 1000
    for (const op of ops) {
      const samples: number[][] = names.map(() => [])
      const cpu: number[][] = names.map(() => [])
      for (let r = -1; r < rounds; r++) {
        for (let k = 0; k < names.length; k++) {
          const at = (k + Math.max(r, 0)) % names.length
          const c = contenders[at]!
          const end = performance.now() + (r < 0 ? slice / 2 : slice)
          let n = 0
          const start = performance.now()
          const used = process.cpuUsage()
          do {
            await runOp(c, op, i++, target)
            n++
          } while (performance.now() < end)
          const spent = process.cpuUsage(used)
          if (r >= 0) {
            samples[at]!.push(n / ((performance.now() - start) / 1000))
            cpu[at]!.push((spent.user + spent.system) / n)
          }
        }
      }
      const median = (s: number[]) => s.sort((a, b) => a - b)[s.length >> 1]!
      const med = samples.map(median)
      const cpuMed = cpu.map(median)
      const cells = names.map((n, k) => `${n} ${Math.round(med[k]!).toLocaleString('en-US')} (${(med[k]! / med[0]!).toFixed(2)}, ${Math.round(cpuMed[k]!)} µs cpu)`)
      process.stdout.write(`${op.padEnd(20)} ${cells.join('  ')}\n`)
    }
  } finally {
    for (const c of contenders) await c.close()
    await resetDatabase(target)
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
  process.exit(1)
})
