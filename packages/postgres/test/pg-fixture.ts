// Shared set-up of the PostgreSQL-only test files: models, a per-file database, helpers.
import { f, model } from '@strata/core'
import { pushSchema } from '@strata/migrations'
import { connect, type Database, type StrataDialect, sql } from '@strata/query'
import { afterAll, beforeAll, beforeEach, expect } from 'vitest'
import { postgres } from '../src/index.js'
import { pgAvailable, testDatabase } from './pg-server.js'

export class PgAuthor extends model('PgAuthor', {
  name: f.char({ maxLength: 100 }),
  email: f.email({ unique: true, null: true }),
  age: f.positiveInteger({ null: true }),
}) {}

export class PgPost extends model(
  'PgPost',
  {
    title: f.char({ maxLength: 100 }),
    author: f.foreignKey('PgAuthor', { onDelete: 'CASCADE', null: true, relatedName: 'posts' }),
    pubDate: f.dateTime({ null: true }),
    rating: f.decimal({ maxDigits: 4, decimalPlaces: 2, default: '0.00' }),
  },
  { ordering: ['-pubDate'] },
) {}

export class PgValue extends model('PgValue', {
  label: f.char({ maxLength: 100, null: true }),
  n: f.integer({ null: true }),
  big: f.bigInteger({ null: true }),
  amount: f.decimal({ maxDigits: 30, decimalPlaces: 10, null: true }),
  ratio: f.float({ null: true }),
  flag: f.boolean({ null: true }),
  at: f.dateTime({ null: true }),
  day: f.date({ null: true }),
  clock: f.time({ null: true }),
  span: f.duration({ null: true }),
  data: f.json({ null: true }),
  token: f.uuid({ null: true }),
  blob: f.binary({ null: true }),
}) {}

declare module '@strata/core' {
  interface Models {
    PgAuthor: PgAuthor
    PgPost: PgPost
    PgValue: PgValue
  }
}

export const available = await pgAvailable()
export const db0 = testDatabase('pg')
const MODELS = [PgAuthor, PgPost, PgValue]
/** The suite's database, set by `useDatabase()` (a live binding for importers). */
export let db: Database

/** The rows of a table as the driver returns them, for "unchanged" checks. */
export const rows = (table: string) => db.raw(sql`select * from ${sql.table(table)} order by id`)

/** Runs `fn`, expects `cls`, and checks that `table` did not change. */
export async function rejectsUnchanged(
  table: string,
  fn: () => Promise<unknown>,
  cls: abstract new (...a: never[]) => Error,
): Promise<Error> {
  const before = await rows(table)
  const error = await fn().then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: unknown) => e as Error,
  )
  expect(error).toBeInstanceOf(cls)
  expect(await rows(table)).toEqual(before)
  return error
}

/** Connects one more alias for `fn`, then closes it and hands the registry back to the suite's database. */
export async function withExtra<T>(
  alias: string,
  dialect: StrataDialect,
  fn: (extra: Database) => Promise<T>,
): Promise<T> {
  const extra = await connect({
    databases: { default: postgres({ connectionString: db0.url, max: 1 }), [alias]: dialect },
  })
  try {
    return await fn(extra)
  } finally {
    await extra.close()
    for (const a of db.aliases) db.engine(a).register()
  }
}

export const pgCode = (e: Error) => (e.cause as { code?: string } | undefined)?.code

/** Registers the hooks that create, clean and drop this file's database; call inside the suite's describe. */
export function useDatabase(): void {
  beforeAll(async () => {
    await db0.create()
    db = await connect({
      databases: {
        default: postgres({ connectionString: db0.url }),
        other: postgres({ connectionString: db0.url }),
        auckland: postgres({
          connectionString: db0.url,
          poolConfig: { options: '-c TimeZone=Pacific/Auckland' },
        }),
      },
      models: MODELS,
    })
    await pushSchema(db)
  })

  afterAll(async () => {
    await db?.close()
    await db0.drop()
  })

  beforeEach(async () => {
    for (const t of ['pg_post', 'pg_author', 'pg_value']) await db.raw(sql`delete from ${sql.table(t)}`)
  })
}
