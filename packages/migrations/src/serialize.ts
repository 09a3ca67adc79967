import { isField, isQ } from '@strata/core'
import { MigrationError } from './errors.js'

/** What a serialized value needs imported: `f`, `Q`, `F` from `@strata/core`, operations from `@strata/migrations`. */
export interface Imports {
  core: Set<string>
  migrations: Set<string>
}

/** An empty set of imports. */
export function noImports(): Imports {
  return { core: new Set(), migrations: new Set() }
}

function useCallee(callee: string, imports: Imports): void {
  if (callee.startsWith('f.')) imports.core.add('f')
  else if (/^[a-z][A-Za-z]*$/.test(callee)) imports.migrations.add(callee)
}

/** A value that the writer spells as code as it is (a field factory call, an operation call). */
export class Code {
  constructor(
    /** The call or expression, without its arguments (`f.char`, `createModel`). */
    readonly callee: string,
    /** Its arguments, serialized in turn. */
    readonly args: readonly unknown[],
  ) {}
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/
const BREAK_KEYS = new Set(['fields', 'operations'])

/** A string as a single-quoted TypeScript literal. */
export function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')}'`
}

/**
 * TypeScript source for a value: primitives, arrays, plain objects (keys in their order), dates,
 * bigints, byte arrays, functions (by their source), `Q`/`F` and `Code`.
 * Lines longer than `width` are broken one item per line.
 */
export function toSource(value: unknown, imports: Imports = noImports(), indent = '', width = 100): string {
  const one = inline(value, imports)
  if (one.length + indent.length <= width || !isBreakable(value)) return one
  return multiline(value, imports, indent, width)
}

function isBreakable(value: unknown): boolean {
  return Array.isArray(value) || value instanceof Code || isPlainObject(value) || isQ(value)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function key(k: string): string {
  return IDENT.test(k) ? k : quote(k)
}

function entries(obj: Record<string, unknown>, sorted = false): [string, unknown][] {
  const list = Object.entries(obj).filter(([, v]) => v !== undefined)
  return sorted ? list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : list
}

function qParts(q: { connector: 'AND' | 'OR'; children: readonly unknown[]; negated: boolean }): { callee: string; args: unknown[]; then: string[] } {
  // Q(a) is Q('AND', [a]); Q(a).and(b) is AND [Q(a), b]; .or likewise; .not() negates.
  const [first, ...rest] = q.children
  return { callee: 'Q', args: [first ?? {}], then: rest.length ? [q.connector === 'OR' ? 'or' : 'and'] : [] }
}

function inline(value: unknown, imports: Imports, sorted = false): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (typeof value === 'string') return quote(value)
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'Number.NaN'
    if (!Number.isFinite(value)) return value > 0 ? 'Number.POSITIVE_INFINITY' : 'Number.NEGATIVE_INFINITY'
    return Object.is(value, -0) ? '-0' : String(value)
  }
  if (typeof value === 'boolean') return String(value)
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'function') return functionSource(value)
  if (value instanceof Date) return `new Date(${quote(value.toISOString())})`
  if (value instanceof Uint8Array) return `new Uint8Array([${[...value].join(', ')}])`
  if (value instanceof Code) {
    useCallee(value.callee, imports)
    return `${value.callee}(${value.args.map((a) => inline(a, imports, sorted)).join(', ')})`
  }
  if (Array.isArray(value)) return `[${value.map((v) => inline(v, imports, sorted)).join(', ')}]`
  if (isQ(value)) {
    imports.core.add('Q')
    const { callee, args, then } = qParts(value)
    let s = `${callee}(${args.map((a) => inline(a, imports, sorted)).join(', ')})`
    if (then.length) s += `.${then[0]}(${value.children.slice(1).map((c) => inline(c, imports, sorted)).join(', ')})`
    return value.negated ? `${s}.not()` : s
  }
  if (typeof value === 'object' && (value as { kind?: unknown }).kind === 'F' && typeof (value as { name?: unknown }).name === 'string') {
    imports.core.add('F')
    return `F(${quote((value as { name: string }).name)})`
  }
  if (isField(value)) throw new MigrationError('a field must be deconstructed before it is written')
  if (isPlainObject(value)) {
    const parts = entries(value, sorted).map(([k, v]) => `${key(k)}: ${inline(v, imports, sorted)}`)
    return parts.length ? `{ ${parts.join(', ')} }` : '{}'
  }
  throw new MigrationError(`cannot write ${Object.prototype.toString.call(value)} into a migration`)
}

function multiline(value: unknown, imports: Imports, indent: string, width: number): string {
  const inner = `${indent}  `
  if (value instanceof Code) {
    useCallee(value.callee, imports)
    const args = value.args.map((a) => toSource(a, imports, indent, width))
    // A single object argument hugs the parentheses: createModel({ ... }).
    if (value.args.length === 1) return `${value.callee}(${args[0]})`
    return `${value.callee}(\n${value.args.map((a) => `${inner}${toSource(a, imports, inner, width)},`).join('\n')}\n${indent})`
  }
  if (Array.isArray(value)) return `[\n${value.map((v) => `${inner}${toSource(v, imports, inner, width)},`).join('\n')}\n${indent}]`
  if (isQ(value)) return inline(value, imports)
  const obj = value as Record<string, unknown>
  const item = (k: string, v: unknown) =>
    // A model's fields and a migration's operations read best one per line.
    BREAK_KEYS.has(k) && isBreakable(v) && Object.keys(v as object).length > 1 ? multiline(v, imports, inner, width) : toSource(v, imports, inner, width)
  return `{\n${entries(obj)
    .map(([k, v]) => `${inner}${key(k)}: ${item(k, v)},`)
    .join('\n')}\n${indent}}`
}

/** A stable text for a value (object keys sorted), used to compare deconstructed fields and options. */
export function fingerprint(value: unknown): string {
  return inline(value, noImports(), true)
}

/**
 * A function's source as a migration file keeps it: without the `@__PURE__` and
 * `#__NO_SIDE_EFFECTS__` comments bundlers leave in built code, which mean nothing in a migration.
 */
export function functionSource(fn: { toString(): string }): string {
  return fn.toString().replace(/\/\*\s*[#@]__(?:PURE|NO_SIDE_EFFECTS)__\s*\*\/\s*/g, '')
}
