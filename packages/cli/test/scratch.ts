// A scratch project for the CLI tests: a directory with strata.config.ts and models.ts, on one database.
import { execFile, spawn } from 'node:child_process'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { schemaEditorFor } from '@strata/migrations'
import { mysql } from '@strata/mysql'
import { postgres } from '@strata/postgres'
import { connect, type Database, type StrataDialect } from '@strata/query'
import { sqlite } from '@strata/sqlite'
import { createConnection } from 'mysql2/promise'
import pg from 'pg'

const CLI = resolve(__dirname, '../dist/bin.js')
const SCRATCH = resolve(__dirname, '../.scratch')

export const PG_URL = process.env.STRATA_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const MYSQL_URL = process.env.STRATA_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
const inCi = process.env.CI === 'true' || process.env.CI === '1'

/** A database of its own for one scratch project. */
export interface ScratchDatabase {
  /** The `databases.default` expression written into strata.config.ts (run from the project directory). */
  readonly config: string
  /** The same database, for checks from the test. */
  dialect(dir: string): StrataDialect
  create(): Promise<void>
  drop(): Promise<void>
}

/** One database server the tests run the CLI against. */
export interface Target {
  readonly name: 'sqlite' | 'postgres' | 'mysql'
  /** A new database on it. */
  database(): ScratchDatabase
}

const id = () => `${process.pid}_${Math.random().toString(36).slice(2, 8)}`

function urlWith(base: string, database: string): string {
  const u = new URL(base)
  u.pathname = `/${database}`
  return u.toString()
}

/** Whether a server answers; outside CI a missing one skips its tests loudly, in CI it fails. */
async function answers(name: string, ping: () => Promise<unknown>): Promise<boolean> {
  try {
    await ping()
    return true
  } catch (e) {
    const why = `${name} does not answer (${(e as Error).message})`
    if (inCi) throw new Error(`${why}; CI=true makes this a failure`)
    console.warn(`\n${'!'.repeat(90)}\n!! SKIPPING the ${name} CLI tests: ${why}\n${'!'.repeat(90)}\n`)
    return false
  }
}

const pgAdmin = async (q: string) => {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 })
  await c.connect()
  try {
    await c.query(q)
  } finally {
    await c.end()
  }
}

const myAdmin = async (q: string) => {
  const c = await createConnection({ uri: MYSQL_URL, connectTimeout: 3000 })
  try {
    await c.query(q)
  } finally {
    await c.end()
  }
}

/** The database servers available here. */
export async function targets(): Promise<Target[]> {
  const list: Target[] = [
    {
      name: 'sqlite',
      database: () => ({ config: "sqlite({ filename: 'app.db' })", dialect: (dir) => sqlite({ filename: join(dir, 'app.db') }), create: async () => {}, drop: async () => {} }),
    },
  ]
  if (await answers('PostgreSQL', () => pgAdmin('select 1')))
    list.push({
      name: 'postgres',
      database: () => {
        const name = `strata_cli_${id()}`
        const url = urlWith(PG_URL, name)
        return {
          config: `postgres({ connectionString: ${JSON.stringify(url)} })`,
          dialect: () => postgres({ connectionString: url }),
          create: () => pgAdmin(`create database "${name}"`),
          drop: () => pgAdmin(`drop database if exists "${name}" with (force)`),
        }
      },
    })
  if (await answers('MySQL/MariaDB', () => myAdmin('select 1')))
    list.push({
      name: 'mysql',
      database: () => {
        const name = `strata_cli_${id()}`
        const url = urlWith(MYSQL_URL, name)
        return {
          config: `mysql({ uri: ${JSON.stringify(url)} })`,
          dialect: () => mysql({ uri: url }),
          create: () => myAdmin(`create database \`${name}\` character set utf8mb4 collate utf8mb4_bin`),
          drop: () => myAdmin(`drop database if exists \`${name}\``),
        }
      },
    })
  return list
}

/** What one run of `strata` did. */
export interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** A scratch project directory with a config for `target`. */
export class Project {
  readonly dir: string
  readonly target: Target
  readonly database: ScratchDatabase

  constructor(target: Target, label: string) {
    this.target = target
    this.database = target.database()
    this.dir = join(SCRATCH, `${target.name}-${label}-${id()}`)
  }

  /** Makes the database, writes the config and the first models. */
  async init(models: string): Promise<void> {
    await this.database.create()
    await mkdir(this.dir, { recursive: true })
    const imports = { sqlite: "import { sqlite } from '@strata/sqlite'", postgres: "import { postgres } from '@strata/postgres'", mysql: "import { mysql } from '@strata/mysql'" }
    await writeFile(
      join(this.dir, 'strata.config.ts'),
      `import { defineConfig } from '@strata/cli'\n${imports[this.target.name]}\nimport * as models from './models.js'\n\nexport default defineConfig({\n  databases: { default: ${this.database.config} },\n  models: Object.values(models),\n})\n`,
    )
    await this.models(models)
  }

  /** Replaces models.ts (`f` and `model` are imported for it). */
  async models(body: string): Promise<void> {
    await writeFile(join(this.dir, 'models.ts'), `import { f, model } from '@strata/core'\n\n${body}\n`)
  }

  /** Runs `strata ...args` in the project, as a user would. */
  run(...args: string[]): Promise<Run> {
    return new Promise((done) => {
      execFile(process.execPath, [CLI, ...args], { cwd: this.dir, env: { ...process.env, NO_COLOR: '1' }, timeout: 90_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        done({ code, stdout, stderr })
      })
    })
  }

  /** Starts `strata ...args` without waiting (for concurrent runs). */
  start(...args: string[]): Promise<Run> {
    return new Promise((done) => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: this.dir, env: { ...process.env, NO_COLOR: '1' } })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => (stdout += d))
      child.stderr.on('data', (d) => (stderr += d))
      child.on('exit', (code) => done({ code: code ?? 1, stdout, stderr }))
    })
  }

  /** The migration file names. */
  async files(): Promise<string[]> {
    return (await readdir(join(this.dir, 'migrations')).catch(() => [])).sort()
  }

  /** A migration file's text. */
  read(file: string): Promise<string> {
    return readFile(join(this.dir, 'migrations', file), 'utf8')
  }

  /** Writes a migration file by hand. */
  write(file: string, source: string): Promise<void> {
    return writeFile(join(this.dir, 'migrations', file), source)
  }

  /** Writes a file of the project (relative to its directory). */
  file(name: string, source: string): Promise<void> {
    return writeFile(join(this.dir, name), source)
  }

  /** Connects from the test to the project's database. */
  connect(): Promise<Database> {
    return connect({ databases: { default: this.database.dialect(this.dir) }, models: [] })
  }

  /** Drops the database and removes the directory. */
  async remove(): Promise<void> {
    await this.database.drop()
    await rm(this.dir, { recursive: true, force: true })
  }
}

/** The tables (other than Strata's own) with their columns and constraints, generated constraint names left out. */
export async function describeSchema(db: Database): Promise<Record<string, unknown>> {
  const editor = schemaEditorFor(db.engine())
  const out: Record<string, unknown> = {}
  for (const t of await editor.tableNames()) {
    if (t.startsWith('strata_')) continue
    const cons = (await editor.constraints(t)).map((c) => JSON.stringify({ ...c, name: c.index ? c.name : '' })).sort()
    out[t] = { columns: await editor.columns(t), constraints: cons }
  }
  return out
}
