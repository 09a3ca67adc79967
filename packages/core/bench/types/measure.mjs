#!/usr/bin/env node
// Measures what Strata's types cost the type checker: emits @strata/core's declarations, writes
// the generated schema and calls (generate.mjs) and runs `tsc --noEmit --extendedDiagnostics` on
// each variant (model definitions only, + 200 filter calls, + 200 values calls, + 200 annotate
// calls, everything), printing the median check time, instantiations, types and memory.
//
//   node bench/types/measure.mjs [--models 50,200] [--runs 3] [--variants definitions,filter,values,annotate,all] [--json]
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generate } from './generate.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const pkg = resolve(here, '../..')
const require = createRequire(import.meta.url)
const tsc = require.resolve('typescript/lib/tsc.js', { paths: [pkg] })
const tsVersion = require(require.resolve('typescript/package.json', { paths: [pkg] })).version

function args(argv) {
  const out = {}
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '')
    if (argv[i + 1] === undefined || argv[i + 1].startsWith('--')) out[key] = true
    else out[key] = argv[++i]
  }
  return out
}

/** Runs tsc once and parses its --extendedDiagnostics output. */
export function runTsc(project, extra = []) {
  let out
  try {
    out = execFileSync(
      process.execPath,
      ['--max-old-space-size=4096', tsc, '-p', project, '--extendedDiagnostics', ...extra],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    )
  } catch (e) {
    const text = `${e.stdout ?? ''}${e.stderr ?? ''}`
    throw new Error(
      `tsc failed on ${project}:\n${
        text
          .split('\n')
          .filter((l) => l.includes('error'))
          .slice(0, 20)
          .join('\n') || text.slice(0, 4000)
      }`,
    )
  }
  const num = (label) => {
    const m = out.match(new RegExp(`^${label}:\\s+([\\d.]+)`, 'm'))
    return m ? Number(m[1]) : Number.NaN
  }
  return {
    check: num('Check time'),
    total: num('Total time'),
    instantiations: num('Instantiations'),
    types: num('Types'),
    memoryMB: Math.round(num('Memory used') / 1024),
  }
}

/** Emits core's declarations (what a user of the published package type-checks against) into `outDir`. */
export function emitDeclarations(outDir = join(here, '.decl')) {
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  const config = join(outDir, 'tsconfig.decl.json')
  writeFileSync(
    config,
    `${JSON.stringify(
      {
        extends: join(pkg, 'tsconfig.json'),
        compilerOptions: {
          noEmit: false,
          declaration: true,
          emitDeclarationOnly: true,
          outDir,
          rootDir: join(pkg, 'src'),
          types: [],
        },
        include: [join(pkg, 'src')],
      },
      null,
      2,
    )}\n`,
  )
  try {
    execFileSync(process.execPath, [tsc, '-p', config], { encoding: 'utf8' })
  } finally {
    rmSync(config, { force: true })
  }
  return outDir
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function main() {
  const opts = args(process.argv.slice(2))
  const sizes = String(opts.models ?? '50,200')
    .split(',')
    .map(Number)
  const runs = Number(opts.runs ?? 3)
  const variants = String(opts.variants ?? 'definitions,filter,values,annotate,all').split(',')
  emitDeclarations()
  const results = []
  console.log(
    `TypeScript ${tsVersion}, Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg()[0].toFixed(1)}`,
  )
  console.log(`median of ${runs} runs; "check" is tsc's Check time, "total" its Total time\n`)
  console.log('models  variant       check s  total s  instantiations    types  memory MB')
  for (const n of sizes) {
    const { configs } = generate({ models: n, out: join(here, `out-${n}`), core: 'decl' })
    for (const v of variants) {
      const samples = []
      for (let r = 0; r < runs; r++) samples.push(runTsc(configs[v]))
      const row = {
        models: n,
        variant: v,
        check: median(samples.map((s) => s.check)),
        total: median(samples.map((s) => s.total)),
        instantiations: median(samples.map((s) => s.instantiations)),
        types: median(samples.map((s) => s.types)),
        memoryMB: median(samples.map((s) => s.memoryMB)),
      }
      results.push(row)
      console.log(
        `${String(n).padStart(6)}  ${v.padEnd(12)} ${row.check.toFixed(2).padStart(8)} ${row.total.toFixed(2).padStart(8)} ${String(row.instantiations).padStart(15)} ${String(row.types).padStart(8)} ${String(row.memoryMB).padStart(10)}`,
      )
    }
  }
  if (opts.json) console.log(JSON.stringify(results, null, 2))
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main()
