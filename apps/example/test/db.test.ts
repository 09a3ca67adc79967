import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { DEFAULT_SQLITE_FILE, describeTarget, loadDialect, parseDatabaseUrl } from '../src/db.js'

const app = fileURLToPath(new URL('..', import.meta.url))

describe('DATABASE_URL', () => {
  it('defaults to blog.db in the app directory', () => {
    expect(DEFAULT_SQLITE_FILE).toBe(resolve(app, 'blog.db'))
    expect(parseDatabaseUrl(undefined)).toEqual({ kind: 'sqlite', filename: DEFAULT_SQLITE_FILE })
    expect(parseDatabaseUrl('')).toEqual({ kind: 'sqlite', filename: DEFAULT_SQLITE_FILE })
    expect(parseDatabaseUrl('sqlite:')).toEqual({ kind: 'sqlite', filename: DEFAULT_SQLITE_FILE })
    expect(parseDatabaseUrl(undefined, '/tmp/other.db')).toEqual({
      kind: 'sqlite',
      filename: '/tmp/other.db',
    })
  })

  it('reads SQLite files and memory', () => {
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', filename: ':memory:' })
    expect(parseDatabaseUrl('sqlite:///tmp/blog.db')).toEqual({ kind: 'sqlite', filename: '/tmp/blog.db' })
    expect(parseDatabaseUrl('sqlite:/tmp/blog.db')).toEqual({ kind: 'sqlite', filename: '/tmp/blog.db' })
    expect(parseDatabaseUrl('sqlite:data/blog.db')).toEqual({
      kind: 'sqlite',
      filename: resolve('data/blog.db'),
    })
    expect(parseDatabaseUrl('/var/data/blog.db')).toEqual({ kind: 'sqlite', filename: '/var/data/blog.db' })
    expect(parseDatabaseUrl('./blog.db')).toEqual({ kind: 'sqlite', filename: resolve('blog.db') })
  })

  it('reads PostgreSQL and MySQL URLs', () => {
    expect(parseDatabaseUrl('postgres://postgres@127.0.0.1:5432/test')).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://postgres@127.0.0.1:5432/test',
    })
    expect(parseDatabaseUrl('postgresql://u:p@db/x')).toEqual({
      kind: 'postgres',
      connectionString: 'postgresql://u:p@db/x',
    })
    expect(parseDatabaseUrl('mysql://root@127.0.0.1:3306/test')).toEqual({
      kind: 'mysql',
      uri: 'mysql://root@127.0.0.1:3306/test',
    })
  })

  it('refuses other schemes clearly', () => {
    expect(() => parseDatabaseUrl('mongodb://localhost/blog')).toThrow(
      /unsupported scheme "mongodb:".*sqlite:.*postgres:\/\/.*mysql:\/\//,
    )
  })

  it('never prints a password', () => {
    expect(describeTarget(parseDatabaseUrl('postgres://bob:s3cret@db.example.com:5432/blog'))).toBe(
      'PostgreSQL postgres://bob:***@db.example.com:5432/blog',
    )
    expect(describeTarget(parseDatabaseUrl('mysql://root:hunter2@127.0.0.1:3306/test'))).not.toContain(
      'hunter2',
    )
    expect(describeTarget(parseDatabaseUrl('sqlite:///tmp/x.db'))).toBe('SQLite /tmp/x.db')
  })

  const installed = (pkg: string) => existsSync(resolve(app, 'node_modules', pkg, 'package.json'))

  it('explains how to install a dialect package that is missing', async () => {
    await expect(loadDialect('@strata/no-such-dialect', 'noSuchDialect', 'no-such-driver')).rejects.toThrow(
      /asks for @strata\/no-such-dialect, which is not installed.*pnpm --filter @strata\/example add @strata\/no-such-dialect@workspace:\^ no-such-driver/,
    )
  })

  it('loads @strata/postgres and @strata/mysql only when asked, and checks their export', async () => {
    expect(installed('@strata/postgres')).toBe(true)
    expect(installed('@strata/mysql')).toBe(true)
    expect(typeof (await loadDialect('@strata/postgres', 'postgres', 'pg'))).toBe('function')
    expect(typeof (await loadDialect('@strata/mysql', 'mysql', 'mysql2'))).toBe('function')
    await expect(loadDialect('@strata/postgres', 'notAnExport', 'pg')).rejects.toThrow(
      /does not export notAnExport\(\)/,
    )
  })
})
