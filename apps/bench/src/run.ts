/**
 * The benchmark runner: seeds each database, starts every contender in a process of its own, then
 * times one operation at a time with the contenders taking turns (the order rotated between
 * rounds), resetting the data after each operation that writes; reports medians and spread, and
 * rewrites the results table and chart in README.md.
 *
 *   pnpm bench                          # every contender, every database, 10 rounds
 *   pnpm bench -- --db sqlite --contenders raw,strata,kysely --rounds 5
 *   pnpm bench -- --smoke               # the CI run: a small seed, a few iterations, no README change
 *   pnpm bench -- --report              # rewrite the README section and chart from results/latest.json
 */
import { type ChildProcess, fork } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DATABASES, type DbKind, FULL_SEED, OPERATIONS, type Operation, SMOKE_SEED, type Target, WRITE_OPERATIONS } from './config.js'
import { CONTENDERS, type ContenderName } from './contender.js'
import { resetDatabase, setupDatabase, targetFor } from './database.js'
import { type RunResults, summarise, writeReport } from './report.js'
import type { WorkerJob, WorkerReply, WorkerRequest, WorkerResult, WorkerStart } from './worker.js'
import { generatePrismaClients } from './prisma-generate.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const APP = join(HERE, '..')

interface Options {
  smoke: boolean
  rounds: number
  dbs: DbKind[]
  contenders: ContenderName[]
  only: Operation[]
  warmupMs: number
  warmupIterations: number
  warmupCapMs: number
  measureMs: number
  readme: boolean
  memory: boolean
}

function parseArgs(argv: readonly string[]): Options {
  const smoke = argv.includes('--smoke')
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(name)
    return at >= 0 ? argv[at + 1] : undefined
  }
  const list = <T extends string>(name: string, all: readonly T[]): T[] => {
    const v = value(name)
    if (!v) return [...all]
    const picked = v.split(',').map((s) => s.trim())
    for (const p of picked) if (!all.includes(p as T)) throw new Error(`${name}: unknown ${JSON.stringify(p)}; one of ${all.join(', ')}`)
    return picked as T[]
  }
  const number = (name: string, fallback: number): number => {
    const v = value(name)
    if (v === undefined) return fallback
    const n = Number(v)
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} takes a number, got ${JSON.stringify(v)}`)
    return n
  }
  return {
    smoke,
    rounds: number('--rounds', smoke ? 1 : 10),
    dbs: list('--db', DATABASES),
    contenders: list('--contenders', CONTENDERS),
    only: value('--ops') ? list('--ops', OPERATIONS) : [],
    warmupMs: number('--warmup', smoke ? 5 : 300),
    warmupIterations: number('--warmup-iterations', smoke ? 0 : 2000),
    warmupCapMs: number('--warmup-cap', smoke ? 0 : 2000),
    measureMs: number('--time', smoke ? 20 : 300),
    readme: !smoke && !argv.includes('--no-readme'),
    memory: !argv.includes('--no-memory'),
  }
}

/** A contender's process, answering one request at a time. */
class Worker {
  readonly #child: ChildProcess
  #pending: { resolve: (value: unknown) => void; reject: (e: Error) => void } | undefined
  #exited = false

  constructor(readonly name: string) {
    this.#child = fork(join(HERE, 'worker.ts'), [], {
      execArgv: ['--import', import.meta.resolve('tsx'), '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    this.#child.on('message', (reply: WorkerReply) => {
      const pending = this.#pending
      this.#pending = undefined
      if (!pending) return
      if (reply.ok) pending.resolve(reply.value)
      else pending.reject(new Error(`${this.name}: ${reply.error}`))
    })
    this.#child.on('exit', (code) => {
      this.#exited = true
      this.#pending?.reject(new Error(`${this.name}: the worker exited with code ${code} without answering`))
      this.#pending = undefined
    })
  }

  /** Sends one request and waits for its reply. */
  request(request: WorkerRequest): Promise<unknown> {
    if (this.#exited) return Promise.reject(new Error(`${this.name}: the worker has exited`))
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject }
      this.#child.send(request)
    })
  }

  /** Closes the contender and ends the process (killed if it does not end within 10 s). */
  async close(): Promise<void> {
    if (this.#exited) return
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()))
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000)
    try {
      await this.request({ kind: 'close' }).catch(() => undefined)
      await exited
    } finally {
      clearTimeout(timer)
    }
  }
}

/** The machine's CPU time so far (Linux `/proc/stat`, in ticks): all of it, and what the hypervisor gave to other guests. */
function cpuTicks(): { total: number; steal: number } | undefined {
  if (!existsSync('/proc/stat')) return undefined
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number)
  return { total: ticks.reduce((a, b) => a + b, 0), steal: ticks[7] ?? 0 }
}

/** The contenders in the order of round `r`: rotated by one each round. */
function rotated<T>(list: readonly T[], r: number): T[] {
  const k = r % list.length
  return [...list.slice(k), ...list.slice(0, k)]
}

/**
 * Runs every contender on one database, each in a process of its own, all open at once: one
 * operation at a time, each contender warms up, then the contenders take turns, one timed slice
 * each per round in an order rotated by one between rounds. A slow spell of the machine or the
 * server then falls on every contender alike rather than on whichever process ran during it.
 */
async function runDatabase(options: Options, target: Target, results: RunResults): Promise<void> {
  const per = (results.runs[target.db] ??= {})
  const workers: Worker[] = []
  try {
    // One at a time: the checks write and read back what they wrote.
    for (const contender of options.contenders) {
      const started = performance.now()
      const worker = new Worker(`${contender} on ${target.db}`)
      workers.push(worker)
      const job: WorkerJob = {
        contender,
        target,
        warmupMs: options.warmupMs,
        warmupIterations: options.warmupIterations,
        warmupCapMs: options.warmupCapMs,
        measureMs: options.measureMs,
        minIterations: options.smoke ? 2 : 5,
        only: options.only,
        // Asked for separately, once every contender is open and the data reset.
        memory: false,
      }
      const { checks } = (await worker.request({ kind: 'start', job })) as WorkerStart
      per[contender] = Array.from({ length: options.rounds }, () => ({
        contender,
        db: target.db,
        opsPerSecond: {},
        iterations: {},
        checks,
      }))
      process.stderr.write(`${target.db} ${contender}: ${checks} checks, ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
    }
    await resetDatabase(target)
    // Every contender loads the same posts: measured after the reset, before any timed write.
    if (options.memory)
      for (const [k, worker] of workers.entries()) {
        const memory = (await worker.request({ kind: 'memory' })) as WorkerResult['memory']
        const first = per[options.contenders[k]!]![0]!
        per[options.contenders[k]!]![0] = { ...first, ...(memory ? { memory } : {}) }
      }
    const before = cpuTicks()
    for (const op of OPERATIONS) {
      if (options.only.length && !options.only.includes(op)) continue
      const started = performance.now()
      for (const worker of workers) await worker.request({ kind: 'warm', op })
      for (let r = 0; r < options.rounds; r++) {
        for (const k of rotated(workers.map((_, k) => k), r)) {
          const { opsPerSecond, iterations } = (await workers[k]!.request({ kind: 'measure', op })) as { opsPerSecond: number; iterations: number }
          const result = per[options.contenders[k]!]![r]!
          ;(result.opsPerSecond as Record<string, number>)[op] = opsPerSecond
          ;(result.iterations as Record<string, number>)[op] = iterations
        }
      }
      if (WRITE_OPERATIONS.has(op)) await resetDatabase(target)
      process.stderr.write(`${target.db} ${op}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
    }
    const after = cpuTicks()
    if (before && after && after.total > before.total) {
      const steal = (after.steal - before.steal) / (after.total - before.total)
      ;(results.steal ??= {})[target.db] = steal
      process.stderr.write(`${target.db}: CPU steal while timing ${(steal * 100).toFixed(1)}%\n`)
    }
  } finally {
    await Promise.all(workers.map((w) => w.close()))
  }
}

async function main(): Promise<void> {
  // `--report`: write the README section and the chart again from results/latest.json, running nothing.
  if (process.argv.includes('--report')) {
    const saved = JSON.parse(readFileSync(join(APP, 'results', 'latest.json'), 'utf8')) as RunResults
    writeReport(APP, saved, summarise(saved))
    return
  }
  const options = parseArgs(process.argv.slice(2))
  const name = options.smoke ? 'strata_bench_smoke' : 'strata_bench'
  const seed = options.smoke ? SMOKE_SEED : FULL_SEED
  const dataDir = join(APP, '.data')
  const startedAt = new Date()
  const load = [loadavg()[0]!]
  if (options.contenders.includes('prisma')) generatePrismaClients(APP)
  const warmup = { ms: options.warmupMs, iterations: options.warmupIterations, capMs: options.warmupCapMs }
  const results: RunResults = { startedAt: startedAt.toISOString(), seed, rounds: options.rounds, measureMs: options.measureMs, warmup, contenders: options.contenders, dbs: options.dbs, runs: {}, load: [] }
  const run = async (db: DbKind) => {
    const target = targetFor(db, name, seed, dataDir)
    const t0 = performance.now()
    await setupDatabase(target)
    process.stderr.write(`${db}: seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
    await runDatabase(options, target, results)
  }
  // The smoke run checks, it does not measure: the databases run side by side.
  if (options.smoke) await Promise.all(options.dbs.map(run))
  else for (const db of options.dbs) await run(db)
  load.push(loadavg()[0]!)
  results.load = load
  const summary = summarise(results)
  process.stdout.write(`${summary.text}\n`)
  if (options.smoke) {
    process.stderr.write(`smoke run passed in ${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)} s\n`)
    return
  }
  mkdirSync(join(APP, 'results'), { recursive: true })
  writeFileSync(join(APP, 'results', 'latest.json'), `${JSON.stringify({ ...results, machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version } }, null, 2)}\n`)
  if (options.readme) writeReport(APP, results, summary)
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
  process.exit(1)
})
