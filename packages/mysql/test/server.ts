import { createConnection } from 'mysql2/promise'

/** The server the tests use: `STRATA_MYSQL_URL`, or the local MariaDB. */
export const MYSQL_URL = process.env.STRATA_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'

/** `MYSQL_URL` pointing at another database. */
export function urlFor(database: string): string {
  const u = new URL(MYSQL_URL)
  u.pathname = `/${database}`
  return u.toString()
}

async function admin<T>(fn: (c: Awaited<ReturnType<typeof createConnection>>) => Promise<T>): Promise<T> {
  const c = await createConnection({ uri: MYSQL_URL, connectTimeout: 5000 })
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

/**
 * Whether the server answers. Outside CI an unreachable server skips the tests with a loud message;
 * with `CI=true` it is a failure.
 */
export async function serverAvailable(): Promise<boolean> {
  try {
    await admin((c) => c.query('select 1'))
    return true
  } catch (e) {
    const why = `MySQL/MariaDB does not answer at ${MYSQL_URL} (${(e as Error).message})`
    if (process.env.CI === 'true') throw new Error(`${why}; CI=true makes this a failure.`)
    console.warn(
      `\n${'!'.repeat(100)}\n!!! SKIPPING the @strata/mysql tests: ${why}.\n!!! Start the server or set STRATA_MYSQL_URL.\n${'!'.repeat(100)}\n`,
    )
    return false
  }
}

/** A database of its own for one test run (`strata_test_<pid>_<random>`), with its URL and a drop. */
export function scratchDatabase(): {
  name: string
  url: string
  create: () => Promise<void>
  drop: () => Promise<void>
} {
  const name = `strata_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  return {
    name,
    url: urlFor(name),
    create: () =>
      admin(
        async (c) =>
          void (await c.query(`create database \`${name}\` character set utf8mb4 collate utf8mb4_bin`)),
      ),
    drop: () => admin(async (c) => void (await c.query(`drop database if exists \`${name}\``))),
  }
}
