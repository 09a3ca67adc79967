import {
  Avg,
  CheckViolation,
  Count,
  DatabaseError,
  DataError,
  DeadlockDetected,
  F,
  ForeignKeyViolation,
  f,
  IntegrityError,
  Max,
  model,
  NotNullViolation,
  OperationalError,
  SerializationFailure,
  StrataError,
  Sum,
  TypeMismatchError,
  UniqueViolation,
} from '@strata/core'
import { pushSchema } from '@strata/migrations'
import { connect, type Database, type StrataDialect, sql } from '@strata/query'
import pg from 'pg'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { mapPostgresError, postgres, postgresOperations, postgresPoolConfig } from '../src/index.js'
import { pgAvailable, testDatabase } from './pg-server.js'

class PgAuthor extends model('PgAuthor', {
  name: f.char({ maxLength: 100 }),
  email: f.email({ unique: true, null: true }),
  age: f.positiveInteger({ null: true }),
}) {}

class PgPost extends model(
  'PgPost',
  {
    title: f.char({ maxLength: 100 }),
    author: f.foreignKey('PgAuthor', { onDelete: 'CASCADE', null: true, relatedName: 'posts' }),
    pubDate: f.dateTime({ null: true }),
    rating: f.decimal({ maxDigits: 4, decimalPlaces: 2, default: '0.00' }),
  },
  { ordering: ['-pubDate'] },
) {}

class PgValue extends model('PgValue', {
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

const available = await pgAvailable()
const db0 = testDatabase('pg')
const MODELS = [PgAuthor, PgPost, PgValue]
let db: Database

/** The rows of a table as the driver returns them, for "unchanged" checks. */
const rows = (table: string) => db.raw(sql`select * from ${sql.table(table)} order by id`)

/** Runs `fn`, expects `cls`, and checks that `table` did not change. */
async function rejectsUnchanged(
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
async function withExtra<T>(
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

const pgCode = (e: Error) => (e.cause as { code?: string } | undefined)?.code

describe.skipIf(!available)('PostgreSQL dialect', () => {
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

  describe('compiled SQL', () => {
    it('icontains renders ILIKE with an escaped pattern, and slices render LIMIT/OFFSET', () => {
      const q = PgPost.objects.filter({ title__icontains: '50%_off' }).orderBy('-pubDate').slice(5, 10).sql()
      expect(q.sql).toBe(
        'select "t0"."id" as "c0", "t0"."title" as "c1", "t0"."author_id" as "c2", "t0"."pub_date" as "c3", "t0"."rating" as "c4" from "pg_post" as "t0" where "t0"."title" ilike $1 order by "t0"."pub_date" desc limit 5 offset 5',
      )
      expect(q.parameters).toEqual(['%50\\%\\_off%'])
    })

    it('an offset alone renders OFFSET without LIMIT', () => {
      expect(PgAuthor.objects.all().slice(3).sql().sql).toMatch(/ offset 3$/)
    })

    it('date transforms extract in UTC and cast to integer', () => {
      const q = PgPost.objects.filter({ pubDate__year: 2024, pubDate__week_day: 1 }).sql()
      expect(q.sql).toContain(`extract(year from ("t0"."pub_date" at time zone 'UTC'))::integer = $1`)
      expect(q.sql).toContain(`(extract(dow from ("t0"."pub_date" at time zone 'UTC'))::integer + 1) = $2`)
      expect(q.parameters).toEqual([2024, 1])
    })

    it('a path across a relation joins, and istartswith uses ILIKE', () => {
      const q = PgPost.objects.filter({ author__name__istartswith: 'a' }).values('title').sql()
      expect(q.sql.trimEnd()).toBe(
        'select "t0"."title" as "c0" from "pg_post" as "t0" left join "pg_author" as "t1" on "t1"."id" = "t0"."author_id" where "t1"."name" ilike $1 order by "t0"."pub_date" desc',
      )
      expect(q.parameters).toEqual(['a%'])
    })

    it('regex and iregex use ~ and ~*; text lookups on a uuid cast it to text', () => {
      expect(PgAuthor.objects.filter({ name__regex: '^A' }).sql().sql).toContain('where "t0"."name" ~ $1')
      expect(PgAuthor.objects.filter({ name__iregex: '^a' }).sql().sql).toContain('where "t0"."name" ~* $1')
      expect(PgValue.objects.filter({ token__icontains: 'AB' }).sql().sql).toContain(
        'where ("t0"."token")::text ilike $1',
      )
    })

    it('NULLS FIRST/LAST is native', () => {
      expect(PgAuthor.objects.orderBy(F('age').desc({ nullsLast: true })).sql().sql).toContain(
        'order by "t0"."age" desc nulls last',
      )
    })
  })

  describe('schema', () => {
    it('creates native column types', async () => {
      const cols = await db.raw<{
        column_name: string
        data_type: string
        numeric_precision: number | null
        numeric_scale: number | null
        is_identity: string
      }>(
        sql`select column_name, data_type, numeric_precision, numeric_scale, is_identity from information_schema.columns where table_name = 'pg_value'`,
      )
      const types = Object.fromEntries(cols.map((c) => [c.column_name, c.data_type]))
      expect(types).toEqual({
        id: 'integer',
        label: 'character varying',
        n: 'integer',
        big: 'bigint',
        amount: 'numeric',
        ratio: 'double precision',
        flag: 'boolean',
        at: 'timestamp with time zone',
        day: 'date',
        clock: 'time without time zone',
        span: 'interval',
        data: 'jsonb',
        token: 'uuid',
        blob: 'bytea',
      })
      const amount = cols.find((c) => c.column_name === 'amount')!
      expect([amount.numeric_precision, amount.numeric_scale]).toEqual([30, 10])
      expect(cols.find((c) => c.column_name === 'id')!.is_identity).toBe('YES')
    })

    it('adds foreign keys with ALTER TABLE as DEFERRABLE INITIALLY DEFERRED', async () => {
      const fks = await db.raw<{ conname: string; condeferrable: boolean; condeferred: boolean }>(
        sql`select conname, condeferrable, condeferred from pg_constraint where contype = 'f' and conrelid = 'pg_post'::regclass`,
      )
      expect(fks).toEqual([{ conname: 'pg_post_author_id_fk', condeferrable: true, condeferred: true }])
    })

    it('checks a deferred foreign key at commit, so rows may arrive in any order inside a transaction', async () => {
      await db.engine().atomic(async () => {
        await db.raw(sql`insert into pg_post (title, author_id, rating) values ('early', 4242, 0)`)
        await db.raw(sql`insert into pg_author (id, name) values (4242, 'late')`)
      })
      expect(await PgPost.objects.filter({ author__name: 'late' }).count()).toBe(1)
    })
  })

  describe('types round-trip', () => {
    it('keeps 30-digit decimals exact, and sums and averages them exactly', async () => {
      await PgValue.objects.create({ amount: '12345678901234567890.0123456789' })
      await PgValue.objects.create({ amount: '0.0000000001' })
      const values = await PgValue.objects.orderBy('amount').valuesList('amount', { flat: true })
      expect(values).toEqual(['0.0000000001', '12345678901234567890.0123456789'])
      const agg = await PgValue.objects.aggregate({ s: Sum('amount'), a: Avg('amount') })
      expect(agg).toEqual({ s: '12345678901234567890.0123456790', a: '6172839450617283945.0061728395' })
    })

    it('reads bigint beyond 2^53 exactly and filters by it', async () => {
      const big = 2n ** 62n + 1n
      await PgValue.objects.create({ big })
      const r = await PgValue.objects.get({ big })
      expect(r.big).toBe(big)
      expect(await PgValue.objects.aggregate({ s: Sum('big') })).toEqual({ s: big })
    })

    it('returns counts and integer sums as numbers, averages of integers as numbers', async () => {
      for (const n of [1, 2, 4]) await PgValue.objects.create({ n, ratio: n / 2 })
      const agg = await PgValue.objects.aggregate({
        c: Count('id'),
        s: Sum('n'),
        a: Avg('n'),
        r: Sum('ratio'),
        m: Max('n'),
      })
      expect(agg).toEqual({ c: 3, s: 7, a: 7 / 3, r: 3.5, m: 4 })
      expect(typeof agg.a).toBe('number')
    })

    it('stores timestamptz as UTC and reads it back whatever the session TimeZone', async () => {
      const at = new Date('2024-01-01T23:30:00.123Z')
      await PgValue.objects.create({ at, label: 'tz' })
      const [zone] = await db.raw<{ tz: string }>(sql`select current_setting('TimeZone') as tz`, {
        using: 'auckland',
      })
      expect(zone!.tz).toBe('Pacific/Auckland')
      const r = await PgValue.objects.using('auckland').get({ label: 'tz' })
      expect(r.at!.toISOString()).toBe(at.toISOString())
      // In Auckland it is already 2 January; transforms still answer in UTC.
      const q = PgValue.objects.using('auckland')
      expect(
        await q.filter({ at__year: 2024, at__month: 1, at__day: 1, at__hour: 23, at__minute: 30 }).count(),
      ).toBe(1)
      expect(await q.filter({ at__date: '2024-01-01' }).count()).toBe(1)
      expect(await q.filter({ at__week_day: 2 }).count()).toBe(1) // a Monday
      expect(
        await q.filter({ at__iso_week_day: 1, at__quarter: 1, at__week: 1, at__iso_year: 2024 }).count(),
      ).toBe(1)
      expect(await q.filter({ at__gte: new Date('2024-01-01T23:30:00.123Z') }).count()).toBe(1)
    })

    it('reads dates as YYYY-MM-DD strings, also over a pool with pg’s default parsers', async () => {
      await PgValue.objects.create({ day: '2024-02-29', label: 'd' })
      expect((await PgValue.objects.get({ label: 'd' })).day).toBe('2024-02-29')
      expect(await PgValue.objects.filter({ day__year: 2024, day__month: 2, day__day: 29 }).count()).toBe(1)
      const pool = new pg.Pool({ connectionString: db0.url, max: 1 })
      try {
        await withExtra('plain', postgres({ pool }), async () => {
          const r = await PgValue.objects.using('plain').get({ label: 'd' })
          expect(r.day).toBe('2024-02-29')
        })
      } finally {
        await pool.end()
      }
    })

    it('round-trips time, interval, jsonb, uuid, bytea and booleans', async () => {
      const data = { a: [1, 2, { b: null }], s: 'é', t: true, n: 1.5 }
      await PgValue.objects.create({
        label: 'all',
        clock: '13:45:10.123456',
        span: 90_061_001,
        data,
        token: '550E8400-E29B-41D4-A716-446655440000',
        blob: new Uint8Array([0, 1, 2, 254, 255]),
        flag: false,
      })
      await PgValue.objects.create({ label: 'neg', span: -1.5, data: [1, 'two'], flag: true })
      await PgValue.objects.create({ label: 'str', data: 'just a string' })
      const r = await PgValue.objects.get({ label: 'all' })
      expect(r.clock).toBe('13:45:10.123456')
      expect(r.span).toBe(90_061_001)
      expect(r.data).toEqual(data)
      expect(r.token).toBe('550e8400-e29b-41d4-a716-446655440000')
      expect(r.blob).toBeInstanceOf(Uint8Array)
      expect(Buffer.isBuffer(r.blob)).toBe(false)
      expect([...r.blob!]).toEqual([0, 1, 2, 254, 255])
      expect(r.flag).toBe(false)
      const neg = await PgValue.objects.get({ label: 'neg' })
      expect(neg.span).toBe(-1.5)
      expect(neg.data).toEqual([1, 'two'])
      expect(neg.flag).toBe(true)
      expect((await PgValue.objects.get({ label: 'str' })).data).toBe('just a string')
      expect(await PgValue.objects.filter({ span__gt: 90_061_000 }).count()).toBe(1)
      expect(await PgValue.objects.filter({ token: '550e8400e29b41d4a716446655440000' }).count()).toBe(1)
      expect(await PgValue.objects.filter({ token__icontains: 'E29B' }).count()).toBe(1)
      expect(await PgValue.objects.aggregate({ s: Sum('span') })).toEqual({ s: 90_060_999.5 })
    })

    it('streams rows with iterator() through a cursor', async () => {
      for (let i = 0; i < 25; i++) await PgValue.objects.create({ n: i })
      const seen: number[] = []
      for await (const v of PgValue.objects.orderBy('n').iterator({ chunkSize: 7 })) seen.push(v.n!)
      expect(seen).toEqual([...Array(25).keys()])
    })
  })

  describe('errors by SQLSTATE, with the driver error as cause', () => {
    it('23505 is UniqueViolation', async () => {
      await PgAuthor.objects.create({ name: 'a', email: 'a@example.com' })
      const e = await rejectsUnchanged(
        'pg_author',
        () => PgAuthor.objects.create({ name: 'b', email: 'a@example.com' }),
        UniqueViolation,
      )
      expect(pgCode(e)).toBe('23505')
      expect(e.message).toMatch(/already exists/)
    })

    it('23503 is ForeignKeyViolation, on a single statement and at commit', async () => {
      const e = await rejectsUnchanged(
        'pg_post',
        () => PgPost.objects.create({ title: 't', authorId: 999_999 } as never),
        ForeignKeyViolation,
      )
      expect(pgCode(e)).toBe('23503')
      const atCommit = await rejectsUnchanged(
        'pg_post',
        () => db.engine().atomic(() => PgPost.objects.create({ title: 't', authorId: 999_999 } as never)),
        ForeignKeyViolation,
      )
      expect(pgCode(atCommit)).toBe('23503')
      expect(await db.raw(sql`select 1 as one`)).toEqual([{ one: 1 }])
    })

    it('23502 is NotNullViolation', async () => {
      const e = await rejectsUnchanged(
        'pg_author',
        () => db.raw(sql`insert into pg_author (name) values (null)`),
        NotNullViolation,
      )
      expect(pgCode(e)).toBe('23502')
    })

    it('23514 is CheckViolation', async () => {
      const e = await rejectsUnchanged(
        'pg_author',
        () => db.raw(sql`insert into pg_author (name, age) values ('x', -1)`),
        CheckViolation,
      )
      expect(pgCode(e)).toBe('23514')
    })

    it('another 23xxx (an exclusion constraint) is IntegrityError', async () => {
      await db.raw(
        sql`create table pg_booking (id serial primary key, during int4range, exclude using gist (during with &&))`,
      )
      await db.raw(sql`insert into pg_booking (during) values ('[1,5)')`)
      const e = await rejectsUnchanged(
        'pg_booking',
        () => db.raw(sql`insert into pg_booking (during) values ('[3,7)')`),
        IntegrityError,
      )
      expect(e.constructor).toBe(IntegrityError)
      expect(pgCode(e)).toBe('23P01')
    })

    it('40001 is SerializationFailure, an OperationalError', async () => {
      const v = await PgValue.objects.create({ n: 1 })
      const e = await db
        .engine()
        .atomic(
          async () => {
            await PgValue.objects.get({ pk: v.pk })
            await db.raw(sql`update pg_value set n = 2 where id = ${v.pk}`, { using: 'other' })
            await PgValue.objects.filter({ pk: v.pk }).update({ n: 3 })
          },
          { isolation: 'serializable' },
        )
        .catch((x: Error) => x)
      expect(e).toBeInstanceOf(SerializationFailure)
      expect(e).toBeInstanceOf(OperationalError)
      expect(pgCode(e as Error)).toBe('40001')
      expect((await PgValue.objects.get({ pk: v.pk })).n).toBe(2)
    })

    it('40P01 is DeadlockDetected, an OperationalError', async () => {
      const a = await PgValue.objects.create({ n: 1 })
      const b = await PgValue.objects.create({ n: 2 })
      let arrived = 0
      let release!: () => void
      const both = new Promise<void>((r) => (release = r))
      const meet = async () => {
        if (++arrived === 2) release()
        await both
      }
      const lock = (alias: string, first: unknown, second: unknown) =>
        db.engine(alias).atomic(async () => {
          await db.raw(sql`select id from pg_value where id = ${first} for update`, { using: alias })
          await meet()
          await db.raw(sql`select id from pg_value where id = ${second} for update`, { using: alias })
        })
      const results = await Promise.allSettled([lock('default', a.pk, b.pk), lock('other', b.pk, a.pk)])
      const failures = results
        .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
        .map((r) => r.reason as Error)
      expect(failures).toHaveLength(1)
      expect(failures[0]).toBeInstanceOf(DeadlockDetected)
      expect(failures[0]).toBeInstanceOf(OperationalError)
      expect(pgCode(failures[0]!)).toBe('40P01')
    })

    it('57014 (statement timeout) is OperationalError', async () => {
      await withExtra(
        'slow',
        postgres({ connectionString: db0.url, statementTimeout: 100 }),
        async (slow) => {
          const e = await slow.raw(sql`select pg_sleep(2)`, { using: 'slow' }).catch((x: Error) => x)
          expect(e).toBeInstanceOf(OperationalError)
          expect(pgCode(e as Error)).toBe('57014')
        },
      )
    })

    it('a refused connection is OperationalError', async () => {
      const url = new URL(db0.url)
      url.port = '1'
      await withExtra('dead', postgres({ connectionString: url.toString() }), async (dead) => {
        const e = await dead.raw(sql`select 1`, { using: 'dead' }).catch((x: Error) => x)
        expect(e).toBeInstanceOf(OperationalError)
        expect(pgCode(e as Error)).toBe('ECONNREFUSED')
      })
    })

    it('a connection terminated by the server (57P01) is OperationalError, and the pool recovers', async () => {
      const app = `strata_victim_${process.pid}`
      await withExtra(
        'victim',
        postgres({ connectionString: db0.url, applicationName: app, max: 1 }),
        async (victim) => {
          const sleeping = victim.raw(sql`select pg_sleep(5)`, { using: 'victim' }).catch((x: Error) => x)
          await new Promise((r) => setTimeout(r, 300))
          await db.raw(
            sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${app}`,
            { using: 'other' },
          )
          const e = await sleeping
          expect(e).toBeInstanceOf(OperationalError)
          // pg reports the server's 57P01 or, when the socket closes first, "Connection terminated unexpectedly".
          expect(`${pgCode(e as Error)} ${(e as Error).message}`).toMatch(/57P01|terminat/)
          expect(await victim.raw(sql`select 1 as one`, { using: 'victim' })).toEqual([{ one: 1 }])
        },
      )
    })

    it('22001, 22003, 22008 and 22P02 are DataError', async () => {
      const cases: [string, ReturnType<typeof sql>][] = [
        ['22001', sql`insert into pg_author (name) values (${'x'.repeat(101)})`],
        ['22003', sql`select 32768::smallint`],
        ['22008', sql`select to_timestamp(1e20)`],
        ['22P02', sql`select 'abc'::integer`],
      ]
      for (const [code, query] of cases) {
        const e = await db.raw(query).catch((x: Error) => x)
        expect(e, code).toBeInstanceOf(DataError)
        expect(pgCode(e as Error)).toBe(code)
      }
    })

    it('maps every class of SQLSTATE and connection error', () => {
      const err = (code?: string, message = 'boom') =>
        Object.assign(new Error(message), code === undefined ? {} : { code })
      const cases: [Error, new (...a: never[]) => Error][] = [
        [err('23505'), UniqueViolation],
        [err('23503'), ForeignKeyViolation],
        [err('23502'), NotNullViolation],
        [err('23514'), CheckViolation],
        [err('23P01'), IntegrityError],
        [err('40001'), SerializationFailure],
        [err('40P01'), DeadlockDetected],
        [err('40002'), OperationalError],
        [err('57014'), OperationalError],
        [err('57P01'), OperationalError],
        [err('08006'), OperationalError],
        [err('08001'), OperationalError],
        [err('53300'), OperationalError],
        [err('ECONNREFUSED'), OperationalError],
        [err('ECONNRESET'), OperationalError],
        [err(undefined, 'Connection terminated unexpectedly'), OperationalError],
        [err(undefined, 'timeout exceeded when trying to connect'), OperationalError],
        [err('22001'), DataError],
        [err('22003'), DataError],
        [err('22008'), DataError],
        [err('22P02'), DataError],
        [err('42P01'), DatabaseError],
      ]
      for (const [driver, cls] of cases) {
        const mapped = mapPostgresError(driver)
        expect(mapped, String((driver as { code?: string }).code ?? driver.message)).toBeInstanceOf(cls)
        expect(mapped.cause).toBe(driver)
      }
      const plain = new Error('not a database error')
      expect(mapPostgresError(plain)).toBe(plain)
    })
  })

  describe('bad input is refused clearly and leaves the table unchanged', () => {
    beforeEach(async () => {
      await PgAuthor.objects.create({ name: 'keep', age: 5 })
      await PgValue.objects.create({ label: 'keep', n: 1_000_000, amount: '1.5' })
    })

    // Core refuses some of these before any SQL (DataError or TypeMismatchError); the database refuses the rest.
    it('a 300-character string in a varchar(100)', async () => {
      const e = await rejectsUnchanged(
        'pg_author',
        () => PgAuthor.objects.create({ name: 'x'.repeat(300) }),
        DataError,
      )
      expect(e.message).toMatch(/100|too long/)
      await rejectsUnchanged(
        'pg_author',
        () => PgAuthor.objects.filter({ name: 'keep' }).update({ name: 'y'.repeat(300) }),
        DataError,
      )
      const raw = await rejectsUnchanged(
        'pg_author',
        () => db.raw(sql`update pg_author set name = ${'z'.repeat(300)}`),
        DataError,
      )
      expect(pgCode(raw)).toBe('22001')
    })

    it('a decimal with too many digits', async () => {
      await rejectsUnchanged('pg_value', () => PgValue.objects.create({ amount: '1'.repeat(21) }), DataError)
      await rejectsUnchanged(
        'pg_post',
        () => PgPost.objects.create({ title: 't', rating: '123.45' }),
        DataError,
      )
      const raw = await rejectsUnchanged(
        'pg_value',
        () => db.raw(sql`update pg_value set amount = ${'1'.repeat(21)}`),
        DataError,
      )
      expect(pgCode(raw)).toBe('22003')
    })

    it('an out-of-range integer', async () => {
      await rejectsUnchanged('pg_value', () => PgValue.objects.create({ n: 2 ** 31 }), TypeMismatchError)
      const e = await rejectsUnchanged(
        'pg_value',
        () => PgValue.objects.filter({ label: 'keep' }).update({ n: F('n').mul(1_000_000) }),
        DataError,
      )
      expect(pgCode(e)).toBe('22003')
    })

    it('a date in year 10000', async () => {
      const far = new Date('+010000-01-01T00:00:00Z')
      const e = await rejectsUnchanged('pg_value', () => PgValue.objects.create({ at: far }), StrataError)
      expect(e).toSatisfy((x: Error) => x instanceof DataError || x instanceof TypeMismatchError)
      // The dialect refuses it too, for values that reach it without a field check (PostgreSQL would store it).
      expect(() => postgresOperations.toDriver(PgValue.meta.field('at'), far)).toThrow(DataError)
    })
  })

  describe('pool options', () => {
    it('passes every option through to pg.Pool', () => {
      const ssl = { rejectUnauthorized: false }
      expect(
        postgresPoolConfig({
          connectionString: 'postgres://u@h/d',
          max: 7,
          min: 1,
          idleTimeoutMillis: 1000,
          connectionTimeoutMillis: 2000,
          statementTimeout: 3000,
          queryTimeout: 4000,
          ssl,
          applicationName: 'app',
          poolConfig: { keepAlive: true },
        }),
      ).toMatchObject({
        connectionString: 'postgres://u@h/d',
        max: 7,
        min: 1,
        idleTimeoutMillis: 1000,
        connectionTimeoutMillis: 2000,
        statement_timeout: 3000,
        query_timeout: 4000,
        ssl,
        application_name: 'app',
        keepAlive: true,
      })
      expect(postgresPoolConfig({ statement_timeout: 5 })).toMatchObject({ statement_timeout: 5 })
    })

    it('sets statement_timeout and application_name on the server session', async () => {
      await withExtra(
        'tuned',
        postgres({
          connectionString: db0.url,
          statementTimeout: 1234,
          applicationName: 'strata_tuned',
          max: 2,
        }),
        async (tuned) => {
          const [row] = await tuned.raw<{ st: string; app: string }>(
            sql`select current_setting('statement_timeout') as st, current_setting('application_name') as app`,
            { using: 'tuned' },
          )
          expect(row).toEqual({ st: '1234ms', app: 'strata_tuned' })
        },
      )
    })

    it('uses an existing pg.Pool and leaves it open on close', async () => {
      const pool = new pg.Pool({ connectionString: db0.url, max: 2 })
      await withExtra('mine', postgres({ pool }), async () => {
        await PgAuthor.objects.using('mine').create({ name: 'from pool' })
        expect(await PgAuthor.objects.using('mine').filter({ name: 'from pool' }).count()).toBe(1)
      })
      expect((await pool.query('select 1 as one')).rows).toEqual([{ one: 1 }])
      await pool.end()
    })

    it('refuses a pool together with connection options', () => {
      expect(() => postgres({ pool: new pg.Pool(), connectionString: 'postgres://x' })).toThrow(
        /either an existing `pool` or connection options/,
      )
    })
  })
})
