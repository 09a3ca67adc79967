#!/usr/bin/env node
// Writes a synthetic schema and query calls for measuring type-check cost (the README's "Type-check
// cost"): N models, one file each, with 10 scalar fields, an FK to the next model, an M2M three on
// and a self FK on every tenth (relations form rings), then 200 filter(), 200 values() and 200
// annotate().filter() calls on random models. Deterministic for a given N and seed.
//
//   node bench/types/generate.mjs [--models 50] [--calls 200] [--out bench/types/out-50] [--core decl|src]
//
// `--core decl` (the default) maps '@strata/core' to the declarations measure.mjs emits into
// bench/types/.decl, which is how users see the package (a .d.ts under skipLibCheck, so its own
// checking costs nothing); `--core src` to the package's sources (which costs much more: tsc then
// checks core's own code against the generated models); any other value is a path to an index file.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const pkg = resolve(here, '../..')

/** Parses `--key value` pairs. */
function args(argv) {
  const out = {}
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1]
  return out
}

/** A small seeded PRNG (mulberry32), so that every run writes the same calls. */
function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SCALARS = [
  ['title', 'f.char({ maxLength: 100 })', 'char'],
  ['body', 'f.text()', 'text'],
  ['views', 'f.integer({ default: 0 })', 'integer'],
  ['price', 'f.decimal({ maxDigits: 8, decimalPlaces: 2 })', 'decimal'],
  ['active', 'f.boolean({ default: true })', 'boolean'],
  ['createdAt', 'f.dateTime({ autoNowAdd: true })', 'dateTime'],
  ['due', 'f.date({ null: true })', 'date'],
  ['email', 'f.email()', 'email'],
  ['score', 'f.float({ null: true })', 'float'],
  ['data', 'f.json<{ tags: string[] }>({ null: true })', 'json'],
]

/** Lookups (key suffix and value source) that type-check for each kind. */
const LOOKUPS = {
  char: [
    ['', "'a'"],
    ['__icontains', "'a'"],
    ['__istartswith', "'a'"],
    ['__in', "['a', 'b']"],
    ['__iexact', "'a'"],
  ],
  text: [
    ['__contains', "'x'"],
    ['', "'x'"],
    ['__iendswith', "'x'"],
  ],
  email: [
    ['__iexact', "'a@b.c'"],
    ['__endswith', "'@b.c'"],
  ],
  integer: [
    ['__gte', '2'],
    ['__lt', '10'],
    ['__in', '[1, 2, 3]'],
    ['__range', '[1, 5]'],
    ['', '3'],
  ],
  decimal: [
    ['__gte', "'1.00'"],
    ['__lt', "'9.99'"],
  ],
  boolean: [
    ['', 'true'],
    ['__exact', 'false'],
  ],
  dateTime: [
    ['__gte', 'new Date()'],
    ['__year', '2020'],
    ['__year__gte', '2020'],
    ['__date', "'2020-01-01'"],
    ['__hour__lt', '12'],
    ['__date__year', '2021'],
    ['__month__in', '[1, 2]'],
  ],
  date: [
    ['__isnull', 'true'],
    ['__month', '3'],
    ['', 'null'],
    ['__year__lte', '2030'],
  ],
  float: [
    ['__lt', '1.5'],
    ['__isnull', 'false'],
  ],
  json: [
    ['__isnull', 'true'],
    ['', 'null'],
  ],
}
const RELATION_ENDS = [
  ['__isnull', 'true'],
  ['', 'null'],
  ['__in', '[1, 2]'],
  ['', '3'],
]

/** The relations of model i: [name, target index] (forward, many-to-many and reverse). */
function relations(i, n) {
  const out = [
    ['next', (i + 1) % n],
    ['tags', (i + 3) % n],
    ['prev', (i - 1 + n) % n],
    [`m${(i - 3 + n) % n}`, (i - 3 + n) % n],
  ]
  if (i % 10 === 0) out.push(['parent', i], ['children', i])
  return out
}

function modelFile(i, n) {
  const fields = SCALARS.map(([name, def]) => `  ${name}: ${def},`)
  fields.push(
    `  next: f.foreignKey('M${(i + 1) % n}', { onDelete: 'CASCADE', null: true, relatedName: 'prev' }),`,
  )
  fields.push(`  tags: f.manyToMany('M${(i + 3) % n}'),`)
  if (i % 10 === 0)
    fields.push(
      `  parent: f.foreignKey('M${i}', { onDelete: 'CASCADE', null: true, relatedName: 'children' }),`,
    )
  return `import { f, model } from '@strata/core'

export class M${i} extends model('M${i}', {
${fields.join('\n')}
}) {
  label(): string {
    return this.title
  }
}

declare module '@strata/core' {
  interface Models {
    M${i}: M${i}
  }
}
`
}

/** A random path from model i: up to `depth - 1` relation hops, then a scalar or a relation end. */
function randomKey(rand, i, n) {
  const pick = (xs) => xs[Math.floor(rand() * xs.length)]
  const depth = 1 + Math.floor(rand() * 3)
  let m = i
  const parts = []
  for (let d = 1; d < depth; d++) {
    const [name, target] = pick(relations(m, n))
    parts.push(name)
    m = target
  }
  if (rand() < 0.12) {
    const [name] = pick(relations(m, n))
    const [suffix, value] = pick(RELATION_ENDS)
    return [`${[...parts, name].join('__')}${suffix}`, value]
  }
  const [name, , kind] = pick(SCALARS)
  const [suffix, value] = pick(LOOKUPS[kind])
  return [`${[...parts, name].join('__')}${suffix}`, value]
}

/** A random values() path from model i (scalars, transforms, relation ends). */
function randomPath(rand, i, n) {
  const pick = (xs) => xs[Math.floor(rand() * xs.length)]
  const depth = 1 + Math.floor(rand() * 3)
  let m = i
  const parts = []
  for (let d = 1; d < depth; d++) {
    const [name, target] = pick(relations(m, n))
    parts.push(name)
    m = target
  }
  const [name, , kind] = pick(SCALARS)
  const transform = kind === 'dateTime' && rand() < 0.4 ? pick(['__year', '__date', '__hour']) : ''
  return `${[...parts, name].join('__')}${transform}`
}

function filterCalls(rand, n, count) {
  const imports = new Set()
  const body = []
  for (let c = 0; c < count; c++) {
    const i = Math.floor(rand() * n)
    imports.add(i)
    const keys = new Map()
    const k = 1 + Math.floor(rand() * 3)
    while (keys.size < k) {
      const [key, value] = randomKey(rand, i, n)
      keys.set(key, value)
    }
    const obj = [...keys].map(([key, value]) => `${key}: ${value}`).join(', ')
    body.push(
      `export async function filter${c}() {\n  const rows = await M${i}.objects.filter({ ${obj} })\n  return rows[0]?.label() ?? rows[0]?.title\n}`,
    )
  }
  return `${importLines(imports)}\n${body.join('\n\n')}\n`
}

function valuesCalls(rand, n, count) {
  const imports = new Set()
  const body = []
  for (let c = 0; c < count; c++) {
    const i = Math.floor(rand() * n)
    imports.add(i)
    const paths = new Set()
    const k = 1 + Math.floor(rand() * 3)
    while (paths.size < k) paths.add(randomPath(rand, i, n))
    const list = [...paths]
    const reads = list.map((p) => `rows[0]?.${p}`).join(', ')
    body.push(
      `export async function values${c}() {\n  const rows = await M${i}.objects.values(${list.map((p) => `'${p}'`).join(', ')})\n  return [${reads}]\n}`,
    )
  }
  return `${importLines(imports)}\n${body.join('\n\n')}\n`
}

function annotateCalls(rand, n, count) {
  const pick = (xs) => xs[Math.floor(rand() * xs.length)]
  const imports = new Set()
  const body = []
  for (let c = 0; c < count; c++) {
    const i = Math.floor(rand() * n)
    imports.add(i)
    const [rel] = pick(relations(i, n))
    body.push(
      // Reading the rows through .map() (a callback typed by the annotated row) once made tsc run
      // out of memory; the CI guard keeps that shape in.
      `export async function annotate${c}() {\n  const rows = await M${i}.objects.annotate({ n: Count('${rel}'), mx: Max('${rel}__views') }).filter({ n__gte: 2 })\n  return rows.map((r) => [r.n, r.mx, r.label()])\n}`,
    )
  }
  return `import { Count, Max } from '@strata/core'\n${importLines(imports)}\n${body.join('\n\n')}\n`
}

function importLines(indices) {
  return [...indices]
    .sort((a, b) => a - b)
    .map((i) => `import { M${i} } from '../models/m${i}.js'`)
    .join('\n')
}

function tsconfig(corePath, include) {
  return `${JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023'],
        module: 'ESNext',
        moduleResolution: 'Bundler',
        strict: true,
        skipLibCheck: true,
        noEmit: true,
        types: [],
        paths: { '@strata/core': [corePath] },
      },
      include,
    },
    null,
    2,
  )}\n`
}

/** Writes the schema and calls; returns the output directory and the tsconfig of each variant. */
export function generate({ models = 50, calls = 200, out, core = 'decl', seed = 20261121 } = {}) {
  const n = Number(models)
  const count = Number(calls)
  const dir = resolve(out ?? join(here, `out-${n}`))
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'models'), { recursive: true })
  mkdirSync(join(dir, 'calls'), { recursive: true })
  for (let i = 0; i < n; i++) writeFileSync(join(dir, 'models', `m${i}.ts`), modelFile(i, n))
  const rand = rng(seed + n)
  writeFileSync(join(dir, 'calls', 'filter.ts'), filterCalls(rand, n, count))
  writeFileSync(join(dir, 'calls', 'values.ts'), valuesCalls(rand, n, count))
  writeFileSync(join(dir, 'calls', 'annotate.ts'), annotateCalls(rand, n, count))
  const target =
    core === 'src'
      ? join(pkg, 'src', 'index.ts')
      : core === 'decl'
        ? join(here, '.decl', 'index.d.ts')
        : resolve(core)
  const corePath = relative(dir, target).split('\\').join('/')
  const variants = {
    definitions: ['models'],
    filter: ['models', 'calls/filter.ts'],
    values: ['models', 'calls/values.ts'],
    annotate: ['models', 'calls/annotate.ts'],
    all: ['models', 'calls'],
  }
  const configs = {}
  for (const [name, include] of Object.entries(variants)) {
    const file = name === 'all' ? 'tsconfig.json' : `tsconfig.${name}.json`
    writeFileSync(join(dir, file), tsconfig(corePath, include))
    configs[name] = join(dir, file)
  }
  return { dir, configs }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { dir } = generate(args(process.argv.slice(2)))
  console.log(`wrote ${dir}`)
}
