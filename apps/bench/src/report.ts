/**
 * Turns the runs into medians, spreads and ratios to the raw driver, and writes them: a text table
 * on stdout, and in README.md (between the `bench:results` markers) a Markdown table per database
 * and a chart (`results/chart.svg`, drawn here without any network or library).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DB_TITLES, type DbKind, OPERATION_TITLES, OPERATIONS, type Operation, type SeedSize } from './config.js'
import { CONTENDER_TITLES, type ContenderName } from './contender.js'
import type { WorkerResult } from './worker.js'

/** Everything a run measured. */
export interface RunResults {
  readonly startedAt: string
  readonly seed: SeedSize
  readonly rounds: number
  readonly measureMs: number
  /** The warm-up per operation: at least `ms`, then until `iterations` have run or `capMs` has passed (absent in older results). */
  readonly warmup?: { readonly ms: number; readonly iterations: number; readonly capMs: number }
  readonly contenders: readonly ContenderName[]
  readonly dbs: readonly DbKind[]
  /** Each process's result, by database and contender (one per round). */
  readonly runs: Partial<Record<DbKind, Partial<Record<ContenderName, WorkerResult[]>>>>
  /** The 1-minute load average at the start and at the end. */
  load: number[]
  /** By database: the share of the machine's CPU time the hypervisor gave to other guests while it was timed (Linux). */
  steal?: Partial<Record<DbKind, number>>
}

/** One contender's figures for one operation on one database. */
export interface Cell {
  /** The median of the rounds' ops/s. */
  readonly median: number
  /** Half the range of the rounds, as a fraction of the median. */
  readonly spread: number
  /** `median / raw's median`; undefined without a raw run. */
  readonly ratio: number | undefined
}

/** The figures of a run. */
export interface Summary {
  readonly cells: Partial<Record<DbKind, Partial<Record<ContenderName, Partial<Record<Operation, Cell>>>>>>
  /** The geometric mean over the operations of the ratio to raw, by database and contender. */
  readonly geomean: Partial<Record<DbKind, Partial<Record<ContenderName, number>>>>
  readonly text: string
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

const fmt = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3))

/** Medians, spreads, ratios and geometric means. */
export function summarise(results: RunResults): Summary {
  const cells: Summary['cells'] = {}
  const geomean: Summary['geomean'] = {}
  const lines: string[] = []
  for (const db of results.dbs) {
    const runs = results.runs[db]
    if (!runs) continue
    const byContender: Partial<Record<ContenderName, Partial<Record<Operation, Cell>>>> = (cells[db] = {})
    const rawMedian = (op: Operation): number | undefined => {
      const r = runs.raw?.map((x) => x.opsPerSecond[op]).filter((x): x is number => x !== undefined)
      return r?.length ? median(r) : undefined
    }
    for (const contender of results.contenders) {
      const list = runs[contender]
      if (!list?.length) continue
      const ops: Partial<Record<Operation, Cell>> = (byContender[contender] = {})
      const ratios: number[] = []
      for (const op of OPERATIONS) {
        const xs = list.map((x) => x.opsPerSecond[op]).filter((x): x is number => x !== undefined)
        if (!xs.length) continue
        const m = median(xs)
        const raw = rawMedian(op)
        const ratio = raw ? m / raw : undefined
        if (ratio !== undefined) ratios.push(ratio)
        ops[op] = { median: m, spread: (Math.max(...xs) - Math.min(...xs)) / 2 / m, ratio }
      }
      if (ratios.length) (geomean[db] ??= {})[contender] = Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length)
    }
    lines.push(`\n${DB_TITLES[db]} (ops/s, median of ${results.rounds}; ratio to raw)`)
    const names = results.contenders.filter((c) => byContender[c])
    lines.push(['operation'.padEnd(52), ...names.map((c) => c.padStart(18))].join(''))
    for (const op of OPERATIONS) {
      if (!names.some((c) => byContender[c]?.[op])) continue
      const row = names.map((c) => {
        const cell = byContender[c]?.[op]
        return (cell ? `${fmt(cell.median)} ${cell.ratio === undefined ? '' : `(${cell.ratio.toFixed(2)})`}` : '-').padStart(18)
      })
      lines.push([OPERATION_TITLES[op].padEnd(52), ...row].join(''))
    }
    lines.push(['geometric mean of ratios'.padEnd(52), ...names.map((c) => (geomean[db]?.[c]?.toFixed(2) ?? '-').padStart(18))].join(''))
  }
  const memory = memoryTable(results)
  if (memory) lines.push('', memory)
  return { cells, geomean, text: lines.join('\n') }
}

/** The Markdown table of one database. */
function markdownTable(results: RunResults, summary: Summary, db: DbKind): string {
  const byContender = summary.cells[db] ?? {}
  const names = results.contenders.filter((c) => byContender[c])
  const out = [`| operation | ${names.map((c) => CONTENDER_TITLES[c]).join(' | ')} |`, `|---|${names.map(() => '---:').join('|')}|`]
  for (const op of OPERATIONS) {
    if (!names.some((c) => byContender[c]?.[op])) continue
    const row = names.map((c) => {
      const cell = byContender[c]?.[op]
      if (!cell) return '-'
      const spread = `±${Math.round(cell.spread * 100)}%`
      return c === 'raw' ? `${fmt(cell.median)} ${spread}` : `${fmt(cell.median)} ${spread}<br>**${cell.ratio?.toFixed(2) ?? '-'}**`
    })
    out.push(`| ${OPERATION_TITLES[op]} | ${row.join(' | ')} |`)
  }
  out.push(`| **geometric mean of the ratios** | ${names.map((c) => `**${summary.geomean[db]?.[c]?.toFixed(2) ?? '-'}**`).join(' | ')} |`)
  return out.join('\n')
}

/** The CPU steal time of each database's timing, as the README line says it (nothing where it was not read). */
function stealText(results: RunResults): string {
  const steal = results.steal
  if (!steal) return ''
  const parts = results.dbs.flatMap((db) => (steal[db] === undefined ? [] : [`${DB_TITLES[db]} ${(steal[db]! * 100).toFixed(1)}%`]))
  return parts.length ? `; CPU time taken by the hypervisor for other guests (steal) while timing: ${parts.join(', ')}` : ''
}

/** The memory of ten loads of every post, by database and contender, with the ratio to raw. */
function memoryTable(results: RunResults): string | undefined {
  const mb = (b: number) => (b / 1024 / 1024).toFixed(1)
  const rows: string[] = []
  let posts = 0
  for (const db of results.dbs) {
    const runs = results.runs[db]
    const raw = runs?.raw?.find((r) => r.memory)?.memory
    const cells = results.contenders.map((c) => {
      const m = runs?.[c]?.find((r) => r.memory)?.memory
      if (!m) return '-'
      posts = m.posts
      return raw ? `${mb(m.bytes)} MB (${(m.bytes / raw.bytes).toFixed(2)})` : `${mb(m.bytes)} MB`
    })
    if (cells.some((c) => c !== '-')) rows.push(`| ${DB_TITLES[db]} | ${cells.join(' | ')} |`)
  }
  if (!rows.length) return undefined
  return [
    `Heap held by ${posts.toLocaleString('en-US')} posts (ten loads of every post, kept alive; after a full GC), and the ratio to the raw driver's rows:`,
    '',
    `| database | ${results.contenders.map((c) => CONTENDER_TITLES[c]).join(' | ')} |`,
    `|---|${results.contenders.map(() => '---:').join('|')}|`,
    ...rows,
  ].join('\n')
}

const COLORS: Record<ContenderName, string> = {
  raw: '#9e9e9e',
  strata: '#d9480f',
  kysely: '#1971c2',
  drizzle: '#2f9e44',
  prisma: '#5f3dc4',
  typeorm: '#e8590c',
  sequelize: '#0c8599',
  mikroorm: '#862e9c',
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')

/** A horizontal bar chart of the geometric means, one group per database. */
export function chartSvg(results: RunResults, summary: Summary): string {
  const barH = 16
  const gap = 4
  const left = 170
  const width = 760
  const scaleW = width - left - 60
  const max = Math.max(1, ...results.dbs.flatMap((db) => Object.values(summary.geomean[db] ?? {})))
  const parts: string[] = []
  let y = 40
  for (const db of results.dbs) {
    const g = summary.geomean[db]
    if (!g) continue
    parts.push(`<text x="10" y="${y + 12}" font-weight="bold">${esc(DB_TITLES[db])}</text>`)
    y += 20
    for (const c of results.contenders) {
      const v = g[c]
      if (v === undefined) continue
      const w = Math.max(1, (v / max) * scaleW)
      parts.push(`<text x="${left - 8}" y="${y + 12}" text-anchor="end">${esc(CONTENDER_TITLES[c])}</text>`)
      parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${COLORS[c]}"/>`)
      parts.push(`<text x="${(left + w + 6).toFixed(1)}" y="${y + 12}">${v.toFixed(2)}</text>`)
      y += barH + gap
    }
    y += 12
  }
  const oneX = left + scaleW / max
  parts.push(`<line x1="${oneX.toFixed(1)}" y1="30" x2="${oneX.toFixed(1)}" y2="${y - 8}" stroke="#444" stroke-dasharray="4 3"/>`)
  const title = `Geometric mean over the ten operations of ops/s relative to the raw driver (1.00 = raw; higher is faster)`
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="system-ui, sans-serif" font-size="12" role="img" aria-labelledby="title">`,
    `<title id="title">${esc(title)}</title>`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    `<text x="10" y="20" font-size="13">${esc(title)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}

/** The same chart in Unicode blocks, for the README's text. */
function unicodeChart(results: RunResults, summary: Summary): string {
  const lines: string[] = []
  const max = Math.max(1, ...results.dbs.flatMap((db) => Object.values(summary.geomean[db] ?? {})))
  for (const db of results.dbs) {
    const g = summary.geomean[db]
    if (!g) continue
    lines.push(DB_TITLES[db])
    for (const c of results.contenders) {
      const v = g[c]
      if (v === undefined) continue
      const eighths = Math.round((v / max) * 40 * 8)
      const bar = '█'.repeat(Math.floor(eighths / 8)) + (eighths % 8 ? String.fromCodePoint(0x2590 - (eighths % 8)) : '')
      lines.push(`  ${CONTENDER_TITLES[c].padEnd(11)} ${bar} ${v.toFixed(2)}`)
    }
  }
  return lines.join('\n')
}

const START = '<!-- bench:results:start -->'
const END = '<!-- bench:results:end -->'

/** Rewrites the results section of README.md and `results/chart.svg`. */
export function writeReport(app: string, results: RunResults, summary: Summary): void {
  writeFileSync(join(app, 'results', 'chart.svg'), chartSvg(results, summary))
  const readmePath = join(app, 'README.md')
  const readme = readFileSync(readmePath, 'utf8')
  const s = results.seed
  const section = [
    START,
    '',
    `Run of ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC: ${results.rounds} rounds, in which the contenders (each in its own process) take turns, ${results.measureMs} ms each per operation, after a warm-up${warmupText(results.warmup)}; ` +
      `seed of ${s.authors.toLocaleString('en-US')} authors, ${s.posts.toLocaleString('en-US')} posts, ${s.comments.toLocaleString('en-US')} comments, ` +
      `${s.tags} tags and ${s.links.toLocaleString('en-US')} post-tag links; 1-minute load average ${results.load.map((l) => l.toFixed(1)).join(' at the start, ')} at the end${stealText(results)}.`,
    'Each cell: median ops/s over the rounds, ± half their range, and in bold the ratio to the raw driver (higher is faster).',
    '',
    '![Geometric means of the ratios to the raw driver](results/chart.svg)',
    '',
    '```text',
    unicodeChart(results, summary),
    '```',
    '',
    ...results.dbs.flatMap((db) => (summary.cells[db] ? [`#### ${DB_TITLES[db]}`, '', markdownTable(results, summary, db), ''] : [])),
    ...(memoryTable(results) ? ['#### Memory', '', memoryTable(results)!, ''] : []),
    END,
  ].join('\n')
  const at = readme.indexOf(START)
  const end = readme.indexOf(END)
  const next = at >= 0 && end > at ? `${readme.slice(0, at)}${section}${readme.slice(end + END.length)}` : `${readme.trimEnd()}\n\n${section}\n`
  writeFileSync(readmePath, next)
}

/** How long each operation was warmed up, as the README says it. */
function warmupText(w: RunResults['warmup']): string {
  if (w === undefined) return ''
  return w.iterations > 0
    ? ` (${w.ms} ms, then until ${w.iterations.toLocaleString('en-US')} iterations have run, at most ${w.capMs.toLocaleString('en-US')} ms in all)`
    : ` of ${w.ms} ms`
}
