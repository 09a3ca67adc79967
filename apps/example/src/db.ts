import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadProjectMigrations } from '@strata/cli'
import { migrate, modelsToCreate, schemaEditorFor } from '@strata/migrations'
import { connect, type Database, type StrataDialect, sql } from '@strata/query'
import { sqlite } from '@strata/sqlite'
import { models } from './models.js'

/** The app's migration files (`migrations/NNNN_name.ts`, written by `pnpm strata makemigrations`). */
export const MIGRATIONS_DIR: string = fileURLToPath(new URL('../migrations', import.meta.url))

/** `blog.db` next to `src/` and `dist/`, i.e. in the app's own directory. */
export const DEFAULT_SQLITE_FILE: string = fileURLToPath(new URL('../blog.db', import.meta.url))

/** Where the data lives, as read from `DATABASE_URL`. */
export type DatabaseTarget =
  | { readonly kind: 'sqlite'; readonly filename: string }
  | { readonly kind: 'postgres'; readonly connectionString: string }
  | { readonly kind: 'mysql'; readonly uri: string }

/**
 * Reads `DATABASE_URL`:
 * - unset or empty: the SQLite file `defaultFile` (`blog.db` in the app directory);
 * - `sqlite:` alone: the same; `sqlite::memory:`: an in-memory database;
 * - `sqlite:PATH` or `sqlite://PATH` (`sqlite:///tmp/blog.db` is absolute), or a bare file path:
 *   that SQLite file, relative paths from the current directory;
 * - `postgres://...` / `postgresql://...`: PostgreSQL through `@strata/postgres`;
 * - `mysql://...`: MySQL or MariaDB through `@strata/mysql`.
 */
export function parseDatabaseUrl(
  url: string | undefined,
  defaultFile: string = DEFAULT_SQLITE_FILE,
): DatabaseTarget {
  const value = (url ?? '').trim()
  if (value === '') return { kind: 'sqlite', filename: defaultFile }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase()
  // No scheme, or a Windows drive letter (`C:\data\blog.db`): a file path.
  if (!scheme || /^[a-z]:[\\/]/i.test(value)) return { kind: 'sqlite', filename: resolve(value) }
  switch (scheme) {
    case 'sqlite':
    case 'file': {
      let path = value.slice(scheme.length + 1)
      if (path.startsWith('//')) path = path.slice(2)
      if (path === '') return { kind: 'sqlite', filename: defaultFile }
      if (path === ':memory:') return { kind: 'sqlite', filename: ':memory:' }
      return { kind: 'sqlite', filename: resolve(path) }
    }
    case 'postgres':
    case 'postgresql':
      return { kind: 'postgres', connectionString: value }
    case 'mysql':
      return { kind: 'mysql', uri: value }
    default:
      throw new Error(
        `DATABASE_URL has an unsupported scheme "${scheme}:". Use sqlite:<file>, postgres://... or mysql://... (or leave it unset for ${defaultFile}).`,
      )
  }
}

/** A target as it may be printed: file path, or URL without its password. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === 'sqlite') return `SQLite ${target.filename}`
  const raw = target.kind === 'postgres' ? target.connectionString : target.uri
  const label = target.kind === 'postgres' ? 'PostgreSQL' : 'MySQL'
  try {
    const url = new URL(raw)
    if (url.password) url.password = '***'
    return `${label} ${url.toString()}`
  } catch {
    return label
  }
}

type DialectFactory<O> = (options: O) => StrataDialect

/** Loads an optional dialect package; a clear error when it (or its driver) is not installed. */
export async function loadDialect<O>(
  pkg: string,
  exportName: string,
  driver: string,
): Promise<DialectFactory<O>> {
  let mod: Record<string, unknown>
  try {
    // A variable specifier: bundlers and tsc leave it alone, so the app builds without the package.
    mod = (await import(/* @vite-ignore */ pkg)) as Record<string, unknown>
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    const code = (e as { code?: unknown }).code
    const notFound =
      code === 'ERR_MODULE_NOT_FOUND' ||
      /cannot find (module|package)|failed to (load|resolve)/i.test(message)
    if (notFound && message.includes(pkg))
      throw new Error(
        `DATABASE_URL asks for ${pkg}, which is not installed in @strata/example. ` +
          `Add it with: pnpm --filter @strata/example add ${pkg}@workspace:^ ${driver} (then pnpm build).`,
        { cause: e },
      )
    if (notFound)
      throw new Error(
        `${pkg} could not load its driver (${message}). Install it with: pnpm --filter @strata/example add ${driver}`,
        { cause: e },
      )
    throw e
  }
  const factory = mod[exportName]
  if (typeof factory !== 'function')
    throw new Error(`${pkg} does not export ${exportName}(); is it an older version?`)
  return factory as DialectFactory<O>
}

/** The dialect for a target; PostgreSQL and MySQL packages are imported only when asked for. */
export async function dialectFor(target: DatabaseTarget): Promise<StrataDialect> {
  switch (target.kind) {
    case 'sqlite':
      return sqlite({ filename: target.filename })
    case 'postgres': {
      const postgres = await loadDialect<{ connectionString: string }>('@strata/postgres', 'postgres', 'pg')
      return postgres({ connectionString: target.connectionString })
    }
    case 'mysql': {
      const mysql = await loadDialect<{ uri: string }>('@strata/mysql', 'mysql', 'mysql2')
      return mysql({ uri: target.uri })
    }
  }
}

/** Options of `openDatabase()`. */
export interface OpenOptions {
  /** Defaults to `process.env.DATABASE_URL`. */
  url?: string | undefined
  /** The SQLite file used when the URL is unset (default `blog.db` in the app directory). */
  defaultFile?: string
  /** Drop and recreate the blog's tables (the demo does this on a server database). */
  reset?: boolean
}

/** An open database with the blog's tables in place. */
export interface BlogDatabase {
  readonly db: Database
  readonly target: DatabaseTarget
  /** Printable, without passwords. */
  readonly description: string
}

/**
 * Applies the app's migrations (as `strata migrate` does). A database made before the app had
 * migrations (by `pushSchema`) has its tables already: the initial migration is then only recorded.
 * With `reset`, every migration is unapplied first and any table of the models left over is dropped.
 */
export async function applyMigrations(db: Database, reset = false): Promise<void> {
  const set = await loadProjectMigrations(MIGRATIONS_DIR)
  if (reset) {
    await migrate(db, set, { target: 'zero' })
    const editor = schemaEditorFor(db.engine())
    const tables = new Set(await editor.tableNames())
    for (const meta of modelsToCreate(db.models).reverse()) if (tables.has(meta.dbTable)) await editor.execute(editor.dropTable(meta))
    if (tables.has('strata_migrations')) await db.raw(sql`delete from strata_migrations`)
  }
  await migrate(db, set, { fakeInitial: true })
}

/** Connects to the database `DATABASE_URL` names and applies the blog's migrations. */
export async function openDatabase(options: OpenOptions = {}): Promise<BlogDatabase> {
  const url = 'url' in options ? options.url : process.env.DATABASE_URL
  const target = parseDatabaseUrl(url, options.defaultFile)
  const db = await connect({ databases: { default: await dialectFor(target) }, models: [...models] })
  try {
    await applyMigrations(db, options.reset ?? false)
  } catch (e) {
    await db.close().catch(() => undefined)
    throw e
  }
  return { db, target, description: describeTarget(target) }
}
