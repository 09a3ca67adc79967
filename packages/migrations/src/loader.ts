import { readdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { MigrationError } from './errors.js'
import { MigrationGraph } from './graph.js'
import { isMigration, type Migration } from './migration.js'

/** Migration file names: `0001_initial.ts` (or `.js`, `.mts`, `.mjs`). */
export const MIGRATION_FILE = /^(\d{4,}_[A-Za-z0-9_]+)\.(ts|mts|js|mjs)$/

/** How to load a module; the CLI passes a TypeScript-aware loader (jiti), the default is `import()`. */
export type ModuleImporter = (file: string) => Promise<unknown>

/** The migrations of a project, by name, before squashed ones are resolved against the database. */
export class MigrationSet {
  readonly migrations: ReadonlyMap<string, Migration>
  /** The directory they came from, if any. */
  readonly dir: string | undefined

  constructor(migrations: ReadonlyMap<string, Migration> | Record<string, Migration>, dir?: string) {
    this.migrations = migrations instanceof Map ? migrations : new Map(Object.entries(migrations))
    this.dir = dir
    for (const [name, m] of this.migrations) if (!isMigration(m)) throw new MigrationError(`${name} is not a migration: its default export must be migration({ ... })`)
  }

  /** The names, sorted. */
  get names(): string[] {
    return [...this.migrations.keys()].sort()
  }

  /**
   * The graph to plan with, given what the database has applied: a squashed migration stands for
   * the ones it replaces when none or all of them are applied; otherwise the originals are used.
   * Returns the graph and the applied set seen through it.
   */
  graph(applied: ReadonlySet<string> = new Set()): { graph: MigrationGraph; applied: Set<string> } {
    const nodes = new Map(this.migrations)
    const deps = new Map<string, string[]>([...nodes].map(([n, m]) => [n, [...m.dependencies]]))
    const effective = new Set(applied)
    const replacedBy = new Map<string, string>()
    for (const [name, m] of this.migrations) {
      if (m.replaces.length === 0) continue
      const done = m.replaces.filter((r) => applied.has(r)).length
      const present = m.replaces.every((r) => nodes.has(r))
      if (done === 0 || done === m.replaces.length || !present) {
        if (done === m.replaces.length && done > 0) effective.add(name)
        for (const r of m.replaces) {
          replacedBy.set(r, name)
          nodes.delete(r)
          deps.delete(r)
        }
      } else {
        nodes.delete(name)
        deps.delete(name)
      }
    }
    for (const [name, list] of deps) {
      const mapped = list.map((d) => replacedBy.get(d) ?? d).filter((d) => d !== name)
      deps.set(name, [...new Set(mapped)])
    }
    return { graph: new MigrationGraph(nodes, deps), applied: effective }
  }
}

/**
 * Loads every migration file of `dir` (`NNNN_name.ts`), each a default export of `migration()`.
 * `importer` loads a file; Node's `import()` cannot read TypeScript, so pass a TypeScript loader
 * (the CLI uses jiti) unless the files are JavaScript.
 */
export async function loadMigrations(dir: string, importer: ModuleImporter = (file) => import(pathToFileURL(file).href)): Promise<MigrationSet> {
  const abs = resolve(dir)
  let files: string[]
  try {
    files = await readdir(abs)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new MigrationSet(new Map(), abs)
    throw e
  }
  const found = new Map<string, string>()
  for (const file of files.sort()) {
    if (file.endsWith('.d.ts')) continue
    const m = MIGRATION_FILE.exec(file)
    if (!m) continue
    const name = m[1]!
    if (found.has(name)) throw new MigrationError(`Two files define the migration ${name}: ${found.get(name)} and ${file}`)
    found.set(name, file)
  }
  const migrations = new Map<string, Migration>()
  for (const [name, file] of found) {
    let mod: unknown
    try {
      mod = await importer(join(abs, file))
    } catch (e) {
      throw new MigrationError(`Could not load migration ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
    }
    const value = (mod as { default?: unknown } | undefined)?.default ?? mod
    if (!isMigration(value)) throw new MigrationError(`${file} must have a default export made with migration({ dependencies, operations })`)
    migrations.set(name, value)
  }
  return new MigrationSet(migrations, abs)
}
