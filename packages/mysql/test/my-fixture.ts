// Shared set-up of the MySQL-only test files: models, a per-file database, helpers.
import {
  f,
  model,
} from '@strata/core'
import { pushSchema } from '@strata/migrations'
import { connect, type Database, sql } from '@strata/query'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { mysql } from '../src/index.js'
import { scratchDatabase, serverAvailable } from './server.js'

export class Writer extends model('Writer', {
  name: f.char({ maxLength: 100 }),
  email: f.email({ unique: true }),
  age: f.integer({ null: true }),
}) {}

export class Essay extends model('Essay', {
  title: f.char({ maxLength: 100 }),
  writer: f.foreignKey('Writer', { onDelete: 'CASCADE', null: true }),
  rating: f.decimal({ maxDigits: 4, decimalPlaces: 2, default: '0.00' }),
  at: f.dateTime({ null: true }),
}) {}

export class Kinds extends model('Kinds', {
  label: f.char({ maxLength: 20, default: '' }),
  big: f.bigInteger({ null: true }),
  positive: f.positiveInteger({ default: 0 }),
  price: f.decimal({ maxDigits: 30, decimalPlaces: 2, null: true }),
  active: f.boolean({ default: false }),
  flag: f.boolean({ null: true }),
  day: f.date({ null: true }),
  at: f.dateTime({ null: true }),
  clock: f.time({ null: true }),
  span: f.duration({ null: true }),
  token: f.uuid({ null: true }),
  data: f.json({ null: true }),
  blob: f.binary({ null: true }),
  ratio: f.float({ null: true }),
}) {}

export class Counter extends model('Counter', { n: f.integer({ default: 0 }) }) {}

export const MODELS = [Writer, Essay, Kinds, Counter]

declare module '@strata/core' {
  interface Models {
    Writer: Writer
    Essay: Essay
    Kinds: Kinds
    Counter: Counter
  }
}

/** Connects a second database for one test; `connect()` registers it as 'default', so the main one is put back after. */
export async function withOther<T>(
  main: Database,
  dialect: ReturnType<typeof mysql>,
  fn: (other: Database) => Promise<T>,
): Promise<T> {
  const other = await connect({ databases: { default: dialect }, models: MODELS })
  main.engine().register()
  try {
    return await fn(other)
  } finally {
    await other.close().catch(() => undefined)
    main.engine().register()
  }
}
export const available = await serverAvailable()
export const scratch = scratchDatabase()

/** The suite's database, set by `useDatabase()` (a live binding for importers). */
export let db: Database

/** Registers the hooks that create, clean and drop this file's database; call inside the suite's describe. */
export function useDatabase(): void {
  beforeAll(async () => {
    // Node in a zone with DST, so that any local-time conversion would show.
    process.env.TZ = 'America/New_York'
    await scratch.create()
    db = await connect({
      databases: { default: mysql({ uri: scratch.url, connectionLimit: 5 }) },
      models: MODELS,
    })
    await pushSchema(db)
  })

  afterAll(async () => {
    await db?.close()
    await scratch.drop()
  })

  beforeEach(async () => {
    for (const t of ['essay', 'writer', 'kinds', 'counter']) await db.raw(sql`delete from ${sql.table(t)}`)
  })
}
