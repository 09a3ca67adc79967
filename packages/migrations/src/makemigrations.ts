import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { ModelMeta } from '@strata/core'
import { Autodetector, suggestName } from './autodetector.js'
import { CircularDependencyError, MigrationError, NodeNotFoundError } from './errors.js'
import { MigrationGraph } from './graph.js'
import { MIGRATION_FILE, type MigrationSet } from './loader.js'
import { migration } from './migration.js'
import type { Operation } from './operations/base.js'
import { optimize } from './optimizer.js'
import type { Questioner } from './questioner.js'
import { ProjectState } from './state.js'
import { writeMigration } from './writer.js'

/** A migration made by `makeMigrations` or `squashMigrations`, not yet written. */
export interface NewMigration {
  /** `0002_post_rating`. */
  readonly name: string
  /** Where it goes (`<dir>/0002_post_rating.ts`). */
  readonly file: string
  readonly dependencies: readonly string[]
  readonly operations: readonly Operation[]
  readonly replaces: readonly string[]
  /** The file's TypeScript source. */
  readonly source: string
}

/** Options of `makeMigrations()`. */
export interface MakeMigrationsOptions {
  /** The migrations as loaded (`loadMigrations`). */
  readonly set: MigrationSet
  /** The migrations directory (default: the set's). */
  readonly dir?: string
  /** The models to compare with the migrations. */
  readonly models: readonly ModelMeta[]
  /** Answers renames and one-off defaults. */
  readonly questioner: Questioner
  /** The name after the number (default: made from the operations). */
  readonly name?: string
  /** Make a migration with no operations (to write by hand). */
  readonly empty?: boolean
}

function checkName(name: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new MigrationError(`The migration name ${JSON.stringify(name)} may only hold letters, digits and _`)
  return name
}

function nextNumber(set: MigrationSet): string {
  let max = 0
  for (const n of set.names) max = Math.max(max, Number.parseInt(n.split('_')[0]!, 10) || 0)
  return String(max + 1).padStart(4, '0')
}

/**
 * Compares the models with the state the migrations build and makes the next migration, or
 * returns null when nothing changed. Nothing is written; `saveMigration` writes it.
 * @example const next = await makeMigrations({ set, models: [Post.meta], questioner: new HintQuestioner() })
 */
export async function makeMigrations(options: MakeMigrationsOptions): Promise<NewMigration | null> {
  const dir = resolve(options.dir ?? options.set.dir ?? 'migrations')
  const { graph } = options.set.graph()
  const leaf = graph.leaf()
  const dependencies = leaf ? [leaf] : []
  let operations: Operation[] = []
  if (!options.empty) {
    const from = graph.finalState()
    const to = ProjectState.fromModels(options.models)
    for (const m of to.models)
      for (const [field, def] of m.fields)
        for (const target of [def.to, def.options.through])
          if (typeof target === 'string' && !to.has(target))
            throw new MigrationError(`${m.name}.${field} points at ${target}, which is not among the models given to makemigrations (add it to the config's models)`, { model: m.name, field })
    operations = optimize(await new Autodetector(from, to, options.questioner).changes())
    if (operations.length === 0) return null
  }
  const name = `${nextNumber(options.set)}_${checkName(options.name ?? suggestName(operations, leaf === null))}`
  migration({ dependencies, operations })
  return { name, file: join(dir, `${name}.ts`), dependencies, operations, replaces: [], source: writeMigration({ dependencies, operations }) }
}

/** A merge migration and, per leaf it merges, the migrations of that branch (after the common ancestors). */
export interface MergeMigration extends NewMigration {
  readonly branches: ReadonlyMap<string, readonly string[]>
}

/**
 * When the history has several leaves (branches made independently), makes a migration with no
 * operations that depends on every leaf (Django's `makemigrations --merge`); null when there is
 * one leaf or none. Nothing is written; `saveMigration` writes it.
 */
export function makeMergeMigration(set: MigrationSet, options: { name?: string; dir?: string } = {}): MergeMigration | null {
  const { graph } = set.graph()
  const leaves = graph.leaves()
  if (leaves.length < 2) return null
  const lines = leaves.map((l) => graph.ancestors(l))
  const common = new Set(lines[0]!.filter((n) => lines.every((line) => line.includes(n))))
  const branches = new Map(leaves.map((l, i) => [l, lines[i]!.filter((n) => !common.has(n))]))
  const joined = `merge_${leaves.join('_')}`
  const suffix = options.name ? checkName(options.name) : joined.length <= 53 ? joined : `merge_${new Date().toISOString().slice(0, 16).replace(/\D/g, '').replace(/^(\d{8})/, '$1_')}`
  const name = `${nextNumber(set)}_${suffix}`
  const dependencies = leaves
  migration({ dependencies, operations: [] })
  const dir = resolve(options.dir ?? set.dir ?? 'migrations')
  return { name, file: join(dir, `${name}.ts`), dependencies, operations: [], replaces: [], source: writeMigration({ dependencies, operations: [] }), branches }
}

/** Writes a new migration's file (making the directory if needed). */
export async function saveMigration(made: NewMigration): Promise<void> {
  await mkdir(join(made.file, '..'), { recursive: true })
  await writeFile(made.file, made.source, { flag: 'wx' })
}

/**
 * Squashes the migrations from `start` to `end` (names or unique prefixes) into one that
 * `replaces` them, with its operations optimized. Fails with `CircularDependencyError` before
 * anything is written when the squashed migration would depend on itself through others.
 */
export function squashMigrations(set: MigrationSet, start: string, end: string, options: { name?: string; dir?: string } = {}): NewMigration {
  const { graph } = set.graph()
  const find = (key: string) => {
    if (graph.nodes.has(key)) return key
    const m = [...graph.nodes.keys()].filter((n) => n.startsWith(key))
    if (m.length !== 1) throw new NodeNotFoundError(m.length ? `${JSON.stringify(key)} matches several migrations: ${m.join(', ')}` : `No migration named ${JSON.stringify(key)}`)
    return m[0]!
  }
  const first = find(start)
  const last = find(end)
  // The range is by number, as files are listed; a migration numbered outside it stays apart even
  // when it sits between them in the graph, which is how a squash can close a circle.
  const num = (n: string) => Number.parseInt(n.split('_')[0]!, 10)
  const range = graph.order().filter((n) => num(n) >= num(first) && num(n) <= num(last) && graph.nodes.get(n)!.replaces.length === 0)
  if (num(last) <= num(first) || range.length < 2) throw new MigrationError(`Cannot squash ${first} to ${last}: give the first and the last migration of a range of at least two`)
  const inRange = new Set(range)
  const dependencies = [...new Set(range.flatMap((n) => graph.parents(n)).filter((d) => !inRange.has(d)))].sort()
  const operations = optimize(range.flatMap((n) => [...graph.nodes.get(n)!.operations]))
  const name = options.name ? `${first.split('_')[0]}_${checkName(options.name)}` : `${first}_squashed_${last}`
  if (!MIGRATION_FILE.test(`${name}.ts`)) throw new MigrationError(`${name} is not a valid migration file name`)
  // The graph with the squashed migration in place of its range must have no circle.
  const nodes = new Map([...graph.nodes].filter(([n]) => !inRange.has(n)))
  const squashed = migration({ dependencies, operations, replaces: range })
  nodes.set(name, squashed)
  const deps = new Map([...nodes].map(([n, m]) => [n, [...new Set((n === name ? m.dependencies : m.dependencies.map((d) => (inRange.has(d) ? name : d))).filter((d) => d !== n))]]))
  try {
    new MigrationGraph(nodes, deps)
  } catch (e) {
    if (e instanceof CircularDependencyError)
      throw new CircularDependencyError(`Squashing ${first} to ${last} would make a circle: ${e.message.replace(/^[^:]*: /, '')}. Squash a smaller range, or move the migrations outside the range that both depend on it and are depended on.`)
    throw e
  }
  const dir = resolve(options.dir ?? set.dir ?? 'migrations')
  return { name, file: join(dir, `${name}.ts`), dependencies, operations, replaces: range, source: writeMigration({ dependencies, operations, replaces: range }) }
}
