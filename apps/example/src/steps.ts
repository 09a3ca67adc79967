import { inspect } from 'node:util'
import { ModelBase } from '@strata/core'

/** Where a walkthrough's steps go: the demo prints them, the server's seed stays quiet. */
export interface Reporter {
  /** A numbered heading. */
  section(title: string): void
  /** A line of explanation. */
  note(text: string): void
  /** The code that ran and what it gave. */
  step(code: string, result: unknown): void
}

/** Reports nothing (seeding on server start). */
export const silent: Reporter = { section() {}, note() {}, step() {} }

/** Runs `run`, reports it as `code` with its result, and hands the result back. */
export async function step<T>(report: Reporter, code: string, run: () => PromiseLike<T> | T): Promise<T> {
  const result = await run()
  report.step(code, result)
  return result
}

/**
 * Like `step()`, without handing the result back: the demo's queries only need printing, and
 * `unknown` keeps the type checker from inferring each query's row type a second time.
 */
export async function show(report: Reporter, code: string, run: () => unknown): Promise<void> {
  report.step(code, await run())
}

/** Fields left out of one-line summaries because they are long and say little. */
const HIDDEN = new Set(['Post.content'])
const MAX_TEXT = 48

function shortText(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s
}

/** `2023-03-14 09:00` (UTC), or the full ISO string when seconds matter. */
function shortDate(d: Date): string {
  if (Number.isNaN(d.getTime())) return 'Invalid Date'
  const iso = d.toISOString()
  return iso.endsWith(':00.000Z') ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso
}

function scalar(value: unknown): string {
  if (value instanceof Date) return shortDate(value)
  if (typeof value === 'string') return inspect(shortText(value))
  return inspect(value, { depth: 2, breakLength: Number.POSITIVE_INFINITY })
}

/** `Post #1 { title: 'First Post', pubDate: 2023-03-14 09:00, ... }`, annotations included. */
export function summarize(value: unknown): string {
  if (value instanceof ModelBase) {
    const meta = (value.constructor as typeof ModelBase).meta
    const data = value.toJSON() as Record<string, unknown>
    const parts: string[] = []
    for (const [key, v] of Object.entries(data)) {
      if (key === meta.pk.attname || HIDDEN.has(`${meta.name}.${key}`)) continue
      parts.push(`${key}: ${scalar(v)}`)
    }
    // Annotations are own enumerable properties that are not columns.
    for (const key of Object.keys(value))
      if (!(key in data)) parts.push(`${key}: ${scalar((value as unknown as Record<string, unknown>)[key])}`)
    return `${meta.name} #${String(value.pk)} { ${parts.join(', ')} }`
  }
  if (Array.isArray(value)) return `[ ${value.map(summarize).join(', ')} ]`
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}: ${summarize(v)}`)
    return `{ ${entries.join(', ')} }`
  }
  return scalar(value)
}

/** A result as indented lines: one row per line for lists. */
export function formatResult(value: unknown): string[] {
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    (value.length > 1 || typeof value[0] === 'object') &&
    !isTuple(value)
  ) {
    return [`${value.length} row${value.length === 1 ? '' : 's'}:`, ...value.map((v) => `  ${summarize(v)}`)]
  }
  if (Array.isArray(value) && value.length === 0) return ['[] (no rows)']
  return [summarize(value)]
}

/** `getOrCreate()` gives `[instance, created]`: print it on one line. */
function isTuple(value: readonly unknown[]): boolean {
  return value.length === 2 && value[0] instanceof ModelBase && typeof value[1] === 'boolean'
}

/** Prints sections and steps to a stream (the demo's output). */
export function printer(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Reporter {
  let sections = 0
  return {
    section(title) {
      sections++
      write('')
      write(`== ${sections}. ${title} ${'='.repeat(Math.max(3, 72 - title.length))}`)
    },
    note(text) {
      write(`// ${text}`)
    },
    step(code, result) {
      write(`> ${code}`)
      for (const line of formatResult(result)) write(`    ${line}`)
    },
  }
}
