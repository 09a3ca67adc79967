// The databases the admin tests run on: SQLite always; PostgreSQL and MySQL/MariaDB when they answer
// (outside CI a silent server is skipped with a loud message; with CI=true it is a failure).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mysql } from '@strata/mysql'
import { postgres } from '@strata/postgres'
import type { StrataDialect } from '@strata/query'
import { sqlite } from '@strata/sqlite'
import { createConnection } from 'mysql2/promise'
import pg from 'pg'

/** A database for one test file: made by `create()`, dropped by `drop()`. */
export interface Target {
  readonly name: 'sqlite' | 'postgres' | 'mysql'
  dialect(): StrataDialect
  create(): Promise<void>
  drop(): Promise<void>
}

const PG_URL = process.env.STRATA_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const MYSQL_URL = process.env.STRATA_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
const inCi = process.env.CI === 'true' || process.env.CI === '1'

function unique(label: string): string {
  return `strata_admin_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
}

function skipLoudly(what: string, why: string): void {
  if (inCi) throw new Error(`${what} is unreachable (${why}); CI=true makes this a failure.`)
  const bar = '!'.repeat(100)
  console.warn(`\n${bar}\n!! SKIPPING the admin tests on ${what}: ${why}\n${bar}\n`)
}

function sqliteTarget(): Target {
  let dir = ''
  return {
    name: 'sqlite',
    dialect: () => sqlite({ filename: join(dir, 'admin.db') }),
    create: async () => {
      dir = mkdtempSync(join(tmpdir(), 'strata-admin-'))
    },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  }
}

async function postgresTarget(): Promise<Target | null> {
  const run = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 })
    await c.connect()
    try {
      return await fn(c)
    } finally {
      await c.end()
    }
  }
  try {
    await run((c) => c.query('select 1'))
  } catch (e) {
    skipLoudly(`PostgreSQL at ${PG_URL}`, (e as Error).message)
    return null
  }
  const name = unique('pg')
  const url = new URL(PG_URL)
  url.pathname = `/${name}`
  return {
    name: 'postgres',
    dialect: () => postgres({ connectionString: url.toString(), max: 5 }),
    create: () => run(async (c) => void (await c.query(`create database "${name}"`))),
    drop: () => run(async (c) => void (await c.query(`drop database if exists "${name}" with (force)`))),
  }
}

async function mysqlTarget(): Promise<Target | null> {
  const run = async <T>(fn: (c: Awaited<ReturnType<typeof createConnection>>) => Promise<T>): Promise<T> => {
    const c = await createConnection({ uri: MYSQL_URL, connectTimeout: 5000 })
    try {
      return await fn(c)
    } finally {
      await c.end()
    }
  }
  try {
    await run((c) => c.query('select 1'))
  } catch (e) {
    skipLoudly(`MySQL/MariaDB at ${MYSQL_URL}`, (e as Error).message)
    return null
  }
  const name = unique('my')
  const url = new URL(MYSQL_URL)
  url.pathname = `/${name}`
  return {
    name: 'mysql',
    dialect: () => mysql({ uri: url.toString(), connectionLimit: 5 }),
    create: () => run(async (c) => void (await c.query(`create database \`${name}\` character set utf8mb4 collate utf8mb4_bin`))),
    drop: () => run(async (c) => void (await c.query(`drop database if exists \`${name}\``))),
  }
}

/** The targets that answer, SQLite first. */
export async function availableTargets(): Promise<Target[]> {
  const out: Target[] = [sqliteTarget()]
  const p = await postgresTarget()
  if (p) out.push(p)
  const m = await mysqlTarget()
  if (m) out.push(m)
  return out
}
