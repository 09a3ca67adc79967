import pg from 'pg'

/** The server the tests use: `STRATA_PG_URL`, or the local one. */
export const PG_URL = process.env.STRATA_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const inCi = process.env.CI === 'true' || process.env.CI === '1'

/**
 * Whether the server answers. Outside CI an unreachable server skips the tests with a loud message;
 * with `CI=true` it is a failure.
 */
export async function pgAvailable(): Promise<boolean> {
  // In CI a server that is still starting gets a few seconds; locally one attempt decides.
  const deadline = Date.now() + (inCi ? 15_000 : 0)
  for (;;) {
    const error = await ping()
    if (!error) return true
    if (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500))
      continue
    }
    const why = `PostgreSQL at ${redact(PG_URL)} is unreachable: ${error.message}`
    if (inCi) throw new Error(`${why} (CI=true: an unreachable database is a failure)`)
    const bar = '!'.repeat(100)
    console.warn(
      `\n${bar}\n!! SKIPPING the PostgreSQL tests. ${why}\n!! Start it, or set STRATA_PG_URL.\n${bar}\n`,
    )
    return false
  }
}

async function ping(): Promise<Error | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('select 1')
    return null
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e))
  } finally {
    await client.end().catch(() => undefined)
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
}

/** A database made for one test run, dropped by `drop()`. */
export interface TestDatabase {
  readonly name: string
  readonly url: string
  create(): Promise<void>
  drop(): Promise<void>
}

/** Names a fresh database (`strata_test_<pid>_<random>`) on the test server; nothing happens until `create()`. */
export function testDatabase(label = 'test'): TestDatabase {
  const name = `strata_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  const url = new URL(PG_URL)
  url.pathname = `/${name}`
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: PG_URL })
    await client.connect()
    try {
      return await fn(client)
    } finally {
      await client.end()
    }
  }
  return {
    name,
    url: url.toString(),
    create: () => admin(async (c) => void (await c.query(`create database "${name}"`))),
    drop: () => admin(async (c) => void (await c.query(`drop database if exists "${name}" with (force)`))),
  }
}
