import {
  Avg,
  Count,
  DataError,
  F,
  Max,
  StrataError,
  Sum,
  TypeMismatchError,
} from '@strata/core'
import { sql } from '@strata/query'
import pg from 'pg'
import { beforeEach, describe, expect, it } from 'vitest'
import { postgres, postgresOperations, postgresPoolConfig } from '../src/index.js'
import { available, db, db0, PgAuthor, PgPost, PgValue, pgCode, rejectsUnchanged, useDatabase, withExtra } from './pg-fixture.js'

describe.skipIf(!available)('PostgreSQL dialect', () => {
  useDatabase()

  describe('compiled SQL', () => {
    it('icontains renders ILIKE with an escaped pattern, and slices render LIMIT/OFFSET', () => {
      const q = PgPost.objects.filter({ title__icontains: '50%_off' }).orderBy('-pubDate').slice(5, 10).sql()
      expect(q.sql).toBe(
        'select "t0"."id" as "c0", "t0"."title" as "c1", "t0"."author_id" as "c2", "t0"."pub_date" as "c3", "t0"."rating" as "c4" from "pg_post" as "t0" where "t0"."title" ilike $1 order by "t0"."pub_date" desc limit 5 offset $2',
      )
      expect(q.parameters).toEqual(['%50\\%\\_off%', 5])
    })

    it('an offset alone renders OFFSET without LIMIT', () => {
      const q = PgAuthor.objects.all().slice(3).sql()
      expect(q.sql).toMatch(/ from "pg_author" as "t0" offset \$1$/)
      expect(q.parameters).toEqual([3])
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
        'select "t0"."title" as "c0" from "pg_post" as "t0" inner join "pg_author" as "t1" on "t1"."id" = "t0"."author_id" where "t1"."name" ilike $1 order by "t0"."pub_date" desc',
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

    it('an `in` list of any length is one array parameter (= any), so its text and prepared statement do not depend on the length', async () => {
      const one = PgAuthor.objects.filter({ id__in: [1] }).sql()
      const three = PgAuthor.objects.filter({ id__in: [1, 2, 3] }).sql()
      expect(one.sql).toBe(three.sql)
      expect(three.sql).toContain('where "t0"."id" = any($1)')
      expect(three.parameters).toEqual([[1, 2, 3]])
      // Values the array literal must escape, a null (which matches nothing, as in IN), and dates.
      const names = ['a,b', '{c}', 'd"e', 'f\\g', "h'i", 'NULL', ' j ', '']
      const authors = await PgAuthor.objects.bulkCreate(names.map((name) => ({ name })))
      const found = async (list: string[]) => (await PgAuthor.objects.filter({ name__in: list }).valuesList('name', { flat: true })).sort()
      expect(await found(names)).toEqual([...names].sort())
      expect(await found(['NULL'])).toEqual(['NULL'])
      expect(await found(['a', 'b'])).toEqual([])
      const { queries } = await db.captureQueries(async () => {
        for (const n of [1, 2, 5]) await PgAuthor.objects.filter({ id__in: authors.slice(0, n).map((a) => a.id) }).count()
      })
      expect(new Set(queries.map((q) => q.sql)).size).toBe(1)
      const at = [new Date('2024-01-02T03:04:05.678Z'), new Date('0099-12-31T23:59:59.999Z')]
      await PgValue.objects.bulkCreate(at.map((d) => ({ at: d })))
      expect((await PgValue.objects.filter({ at__in: at }).valuesList('at', { flat: true })).map((d) => d!.toISOString()).sort()).toEqual(at.map((d) => d.toISOString()).sort())
      expect(await PgValue.objects.filter({ pk__in: [] }).count()).toBe(0)
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
