/**
 * Profiles one contender's operations with V8's CPU profiler (what `node --cpu-prof` records),
 * prints the functions with the most self time and writes the `.cpuprofile` (open it in Chrome
 * DevTools or speedscope) to `.profiles/`.
 *
 *   pnpm --filter @strata/bench profile --db sqlite --contender strata --ops getPost --time 5000
 *
 * It uses the seeded database of the last `pnpm bench` run (`--setup` seeds it first).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { type DbKind, FULL_SEED, OPERATIONS, type Operation } from './config.js'
import { CONTENDERS, type ContenderName } from './contender.js'
import { resetDatabase, setupDatabase, targetFor } from './database.js'
import { runJob } from './worker.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** The functions with the most self time, as `percent  name  file:line`. */
export function topFunctions(profile: Profile, count: number): string[] {
  const time = new Map<number, number>()
  profile.samples.forEach((id, i) => {
    time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  const byName = new Map<string, number>()
  let total = 0
  for (const n of profile.nodes) {
    const t = time.get(n.id) ?? 0
    total += t
    const f = n.callFrame
    const key = `${f.functionName || '(anonymous)'}  ${f.url.split('/').slice(-3).join('/')}:${f.lineNumber + 1}`
    byName.set(key, (byName.get(key) ?? 0) + t)
  }
  return [...byName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([k, t]) => `${((t / total) * 100).toFixed(1).padStart(5)}%  ${k}`)
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const value = (name: string, fallback: string): string => {
    const at = argv.indexOf(name)
    return at >= 0 ? argv[at + 1]! : fallback
  }
  const db = value('--db', 'sqlite') as DbKind
  const contender = value('--contender', 'strata') as ContenderName
  if (!CONTENDERS.includes(contender)) throw new Error(`--contender: one of ${CONTENDERS.join(', ')}`)
  const only = value('--ops', OPERATIONS.join(',')).split(',') as Operation[]
  const app = join(import.meta.dirname, '..')
  const target = targetFor(db, 'strata_bench', FULL_SEED, join(app, '.data'))
  if (argv.includes('--setup')) await setupDatabase(target)
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 100 })
  await session.post('Profiler.start')
  let result: Awaited<ReturnType<typeof runJob>>
  try {
    result = await runJob({ contender, target, warmupMs: 500, measureMs: Number(value('--time', '3000')), minIterations: 5, only, memory: false })
  } finally {
    await resetDatabase(target)
  }
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile }
  const dir = join(app, '.profiles')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${contender}-${db}-${only.join('+')}.cpuprofile`)
  writeFileSync(file, JSON.stringify(profile))
  for (const op of only) process.stdout.write(`${op}: ${Math.round(result.opsPerSecond[op] ?? 0).toLocaleString('en-US')} ops/s\n`)
  process.stdout.write(`${topFunctions(profile, Number(value('--top', '40'))).join('\n')}\n${file}\n`)
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
  process.exit(1)
})
