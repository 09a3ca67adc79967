import {
  DataError,
  IntegrityError,
  TypeMismatchError,
} from '@strata/core'
import { sql } from '@strata/query'
import { createPool } from 'mysql2'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { mysql } from '../src/index.js'
import { PooledConnection } from '../src/mysql-pool.js'
import { available, db, scratch, useDatabase, withOther, Writer, Essay, Kinds, Counter } from './my-fixture.js'

describe.skipIf(!available)('@strata/mysql on a live server', () => {
  useDatabase()

  describe('compiled SQL', () => {
    it('quotes with backticks and binds values as ? placeholders', () => {
      const q = Writer.objects
        .filter({ name__icontains: 'a%b', age__gte: 3 })
        .orderBy('-age')
        .slice(5, 10)
        .sql()
      expect(q.sql).toBe(
        'select `t0`.`id` as `c0`, `t0`.`name` as `c1`, `t0`.`email` as `c2`, `t0`.`age` as `c3` from `writer` as `t0` where (lower(`t0`.`name`) like lower(?) collate utf8mb4_bin and `t0`.`age` >= ?) order by `t0`.`age` desc limit 5 offset ?',
      )
      expect(q.parameters).toEqual(['%a\\%b%', 3, 5])
    })

    it('makes exact on text case-sensitive whatever the column collation', () => {
      const q = Writer.objects.filter({ name: 'Ann' }).sql()
      expect(q.sql).toContain('where (`t0`.`name` = ? and cast(`t0`.`name` as binary) = cast(? as binary))')
      expect(Writer.objects.filter({ age: 3 }).sql().sql).toContain('where `t0`.`age` = ?')
    })

    it('writes an offset without a limit with the largest BIGINT UNSIGNED', () => {
      const q = Writer.objects.all().slice(3).sql()
      expect(q.sql).toMatch(/limit 18446744073709551615 offset \?\s*$/)
      expect(q.parameters).toEqual([3])
    })

    it('emulates NULLS FIRST / LAST with an `is null` term only where MySQL differs', async () => {
      const { F } = await import('@strata/core')
      expect(Writer.objects.orderBy(F('age').asc({ nullsLast: true })).sql().sql).toMatch(
        /order by \(`t0`.`age` is null\) asc, `t0`.`age` asc\s*$/,
      )
      expect(Writer.objects.orderBy(F('age').desc({ nullsLast: true })).sql().sql).toMatch(
        /order by `t0`.`age` desc\s*$/,
      )
      expect(Writer.objects.orderBy(F('age').desc({ nullsFirst: true })).sql().sql).toMatch(
        /order by \(`t0`.`age` is null\) desc, `t0`.`age` desc\s*$/,
      )
    })

    it('extracts ISO weeks and week days in MySQL spelling', () => {
      const q = Essay.objects
        .filter({ at__week: 1, at__week_day: 2, at__iso_week_day: 1, at__iso_year: 2024 })
        .sql()
      expect(q.sql).toContain('week(`t0`.`at`, 3) = ?')
      expect(q.sql).toContain('dayofweek(`t0`.`at`) = ?')
      expect(q.sql).toContain('(weekday(`t0`.`at`) + 1) = ?')
      expect(q.sql).toContain('(yearweek(`t0`.`at`, 3) div 100) = ?')
    })
  })

  describe('types round-trip', () => {
    it('keeps decimals exact beyond what a double holds', async () => {
      const a = await Kinds.objects.create({ price: '1234567890123456789012345678.01' })
      await Kinds.objects.create({ price: '1234567890123456789012345678.02' })
      const back = await Kinds.objects.get({ pk: a.pk })
      expect(back.price).toBe('1234567890123456789012345678.01')
      expect(await Kinds.objects.filter({ price: '1234567890123456789012345678.01' }).count()).toBe(1)
      expect(await Kinds.objects.filter({ price__gt: '1234567890123456789012345678.01' }).count()).toBe(1)
    })

    it('stores datetimes as UTC text whatever the time zone of Node and of other sessions', async () => {
      const at = new Date('2023-03-26T01:30:00.123Z')
      const k = await Kinds.objects.create({ at })
      // Another session in Tokyo time, without Strata's setup, reads the stored text: it is UTC.
      const other = createPool({ uri: scratch.url, dateStrings: true }).promise()
      try {
        await other.query("set session time_zone = '+09:00'")
        const [rows] = await other.query(
          'select `at`, now() = utc_timestamp() as utc from `kinds` where id = ?',
          [k.pk],
        )
        expect(rows).toEqual([{ at: '2023-03-26 01:30:00.123000', utc: 0 }])
      } finally {
        await other.end()
      }
      expect(process.env.TZ).toBe('America/New_York')
      const back = await Kinds.objects.get({ pk: k.pk })
      expect(back.at).toEqual(at)
      expect(
        await Kinds.objects
          .filter({ at__hour: 1, at__day: 26, at__date: '2023-03-26', at__time: '01:30:00.123' })
          .count(),
      ).toBe(1)
      const [session] = await db.raw<{ z: string; utc: unknown }>(
        sql`select @@session.time_zone as z, now() = utc_timestamp() as utc`,
      )
      expect(session).toEqual({ z: '+00:00', utc: 1 })
    })

    it('reads datetimes as UTC even when the global time zone is not UTC', async () => {
      const [g] = await db.raw<{ z: string }>(sql`select @@global.time_zone as z`)
      await db.raw(sql`set global time_zone = '+05:00'`)
      try {
        await withOther(db, mysql({ uri: scratch.url }), async (other) => {
          const at = new Date('2024-02-29T23:59:59.999Z')
          const k = await Kinds.objects.create({ at })
          const [raw] = await other.raw<{ z: string; t: string; n: string }>(
            sql`select @@session.time_zone as z, cast(${sql.ref('at')} as char) as t, cast(utc_timestamp() = now() as char) as n from ${sql.table('kinds')} where id = ${k.pk}`,
          )
          expect(raw).toEqual({ z: '+00:00', t: '2024-02-29 23:59:59.999000', n: '1' })
        })
      } finally {
        await db.raw(sql`set global time_zone = ${g!.z}`)
      }
    })

    it('reads DATETIME(6) of years 1 to 9999 to the millisecond (microseconds cut, not rounded), through either kind of pool', async () => {
      const stored: [string, string][] = [
        ['0001-01-01 00:00:00.000000', '0001-01-01T00:00:00.000Z'],
        ['0004-02-29 01:02:03.004999', '0004-02-29T01:02:03.004Z'],
        ['0099-12-31 23:59:59.999999', '0099-12-31T23:59:59.999Z'],
        ['0100-03-01 00:00:00.000001', '0100-03-01T00:00:00.000Z'],
        ['1969-12-31 23:59:59.999999', '1969-12-31T23:59:59.999Z'],
        ['2000-02-29 12:00:00.500000', '2000-02-29T12:00:00.500Z'],
        ['2024-02-29 12:34:56.123456', '2024-02-29T12:34:56.123Z'],
        ['9999-12-31 23:59:59.999999', '9999-12-31T23:59:59.999Z'],
      ]
      // The server's own text, microseconds included, written as it is.
      for (const [text] of stored) {
        const k = await Kinds.objects.create({})
        await db.raw(sql`update kinds set at = ${text} where id = ${k.pk}`)
      }
      const expected = stored.map(([, iso]) => iso)
      const read = async () => (await Kinds.objects.orderBy('at')).map((k) => k.at?.toISOString())
      expect(await read()).toEqual(expected)
      // A given pool without Strata's conversions in its config reads through mysqlTypeCast.
      const pool = createPool({ uri: scratch.url, connectionLimit: 2 })
      await withOther(db, mysql({ pool }), async (mine) => {
        mine.engine().register()
        expect(await read()).toEqual(expected)
      })
      await pool.promise().end()
      // Dates of those years written by Strata come back the same.
      await db.raw(sql`delete from kinds`)
      const dates = stored.map(([, iso]) => new Date(iso))
      for (const at of dates) await Kinds.objects.create({ at })
      expect(
        (await Kinds.objects.orderBy('at').valuesList('at', { flat: true })).map((d) => d?.getTime()),
      ).toEqual(dates.map((d) => d.getTime()))
    })

    it('hydrates TINYINT(1) as boolean, BIGINT beyond 2^53 as bigint, JSON, binary, dates, times and durations', async () => {
      const big = 2n ** 62n + 3n
      const data = { a: [1, 'two', null], b: { c: true }, s: 'ünïcode' }
      const k = await Kinds.objects.create({
        big,
        active: true,
        flag: false,
        day: '2024-02-29',
        clock: '10:30:05.25',
        span: 90061001,
        token: '9F4C2B8E-0000-4000-8000-00000000000A',
        data,
        blob: new Uint8Array([0, 1, 254, 255]),
        ratio: 0.1,
      })
      const back = await Kinds.objects.get({ pk: k.pk })
      expect(back.big).toBe(big)
      expect(back.active).toBe(true)
      expect(back.flag).toBe(false)
      expect(back.day).toBe('2024-02-29')
      expect(back.clock).toBe('10:30:05.25')
      expect(back.span).toBe(90061001)
      expect(back.token).toBe('9f4c2b8e-0000-4000-8000-00000000000a')
      expect(back.data).toEqual(data)
      expect(back.blob).toEqual(new Uint8Array([0, 1, 254, 255]))
      expect(back.blob).toBeInstanceOf(Uint8Array)
      expect(back.ratio).toBe(0.1)
      expect(await Kinds.objects.filter({ big }).count()).toBe(1)
      expect(await Kinds.objects.filter({ big: big + 1n }).count()).toBe(0)
      expect(await Kinds.objects.filter({ active: true }).valuesList('active', { flat: true })).toEqual([
        true,
      ])
      const [raw] = await db.raw<{ span: unknown }>(sql`select span from kinds where id = ${k.pk}`)
      expect(Number(raw!.span)).toBe(90061001000) // microseconds
    })

    it('keeps a JSON string value a string', async () => {
      const k = await Kinds.objects.create({ data: 'just text' })
      expect((await Kinds.objects.get({ pk: k.pk })).data).toBe('just text')
      const n = await Kinds.objects.create({ data: 42 })
      expect((await Kinds.objects.get({ pk: n.pk })).data).toBe(42)
    })
  })

  describe('generated keys', () => {
    it('reads the key of one insert from LAST_INSERT_ID', async () => {
      const w = await Writer.objects.create({ name: 'A', email: 'a@x.io' })
      expect(typeof w.pk).toBe('number')
      expect((await Writer.objects.get({ email: 'a@x.io' })).pk).toBe(w.pk)
    })

    it('gives every row of a multi-row insert its consecutive key (innodb_autoinc_lock_mode <= 1)', async () => {
      const [mode] = await db.raw<{ m: unknown }>(sql`select @@innodb_autoinc_lock_mode as m`)
      const made = await Writer.objects.bulkCreate(
        [1, 2, 3].map((i) => new Writer({ name: `W${i}`, email: `w${i}@x.io` })),
      )
      if (Number(mode!.m) <= 1) {
        for (const w of made) expect((await Writer.objects.get({ pk: w.pk })).email).toBe(w.email)
      } else expect(made.every((w) => w.pk === undefined || w.pk === null)).toBe(true)
    })

    it('skips only conflicting rows with ignoreConflicts, without INSERT IGNORE swallowing data errors', async () => {
      await Writer.objects.create({ name: 'A', email: 'dup@x.io' })
      await Writer.objects.bulkCreate(
        [new Writer({ name: 'B', email: 'dup@x.io' }), new Writer({ name: 'C', email: 'c@x.io' })],
        { ignoreConflicts: true },
      )
      expect(await Writer.objects.orderBy('name').valuesList('name', { flat: true })).toEqual(['A', 'C'])
      const e = await db
        .engine()
        .insert(Writer.meta, [{ name: 'x'.repeat(300), email: 'long@x.io' }], { ignoreConflicts: true })
        .catch((err: unknown) => err)
      expect(e).toBeInstanceOf(DataError)
      expect(await Writer.objects.count()).toBe(2)
    })
  })

  describe('case handling', () => {
    beforeEach(async () => {
      await Writer.objects.create({ name: 'ÉCOLE Normale', email: 'e@x.io' })
      await Writer.objects.create({ name: 'Ann', email: 'ann@x.io' })
      await Writer.objects.create({ name: 'ann ', email: 'ann2@x.io' })
    })

    it('exact is case-, accent- and space-sensitive; iexact is not case-sensitive', async () => {
      expect(await Writer.objects.filter({ name: 'Ann' }).valuesList('email', { flat: true })).toEqual([
        'ann@x.io',
      ])
      expect(await Writer.objects.filter({ name: 'ann' }).count()).toBe(0)
      expect(await Writer.objects.filter({ name: 'ANN' }).count()).toBe(0)
      expect(await Writer.objects.filter({ name: 'ann ' }).valuesList('email', { flat: true })).toEqual([
        'ann2@x.io',
      ])
      expect(await Writer.objects.filter({ name: 'Ecole Normale' }).count()).toBe(0)
      expect(
        await Writer.objects.filter({ name__iexact: 'aNN' }).valuesList('email', { flat: true }),
      ).toEqual(['ann@x.io'])
      expect(await Writer.objects.filter({ name__iexact: 'école normale' }).count()).toBe(1)
      expect(await Writer.objects.filter({ name__iexact: 'ecole normale' }).count()).toBe(0)
    })

    it('exact stays exact on a table with a case-insensitive collation', async () => {
      await db.raw(
        sql`alter table writer modify name varchar(100) character set utf8mb4 collate utf8mb4_general_ci not null`,
      )
      try {
        expect(await Writer.objects.filter({ name: 'ann' }).count()).toBe(0)
        expect(await Writer.objects.filter({ name: 'Ann' }).count()).toBe(1)
        expect(await Writer.objects.filter({ name__contains: 'nn' }).count()).toBe(2)
        expect(await Writer.objects.filter({ name__contains: 'NN' }).count()).toBe(0)
        expect(await Writer.objects.filter({ name__icontains: 'école' }).count()).toBe(1)
      } finally {
        await db.raw(
          sql`alter table writer modify name varchar(100) character set utf8mb4 collate utf8mb4_bin not null`,
        )
      }
    })

    it("icontains matches regardless of case, for non-ASCII too ('ÉCOLE' icontains 'école'), and escapes % and _", async () => {
      expect(await Writer.objects.filter({ name__icontains: 'école' }).count()).toBe(1)
      expect(await Writer.objects.filter({ name__icontains: 'Cole n' }).count()).toBe(1)
      expect(await Writer.objects.filter({ name__istartswith: 'é' }).count()).toBe(1)
      expect(await Writer.objects.filter({ name__iendswith: 'NORMALE' }).count()).toBe(1)
      await Writer.objects.create({ name: '100% sure_', email: 'p@x.io' })
      expect(await Writer.objects.filter({ name__icontains: '0% S' }).count()).toBe(1)
      expect(await Writer.objects.filter({ name__contains: '%' }).count()).toBe(1)
      expect(await Writer.objects.filter({ name__endswith: 'e_' }).count()).toBe(1)
      expect(await Writer.objects.filter({ name__contains: '_' }).count()).toBe(1)
      expect(await Writer.objects.filter({ name__contains: '\\' }).count()).toBe(0)
    })

    it('contains and startswith are case-sensitive; regex is case-sensitive and iregex is not', async () => {
      expect(await Writer.objects.filter({ name__contains: 'COLE' }).count()).toBe(1)
      expect(await Writer.objects.filter({ name__contains: 'cole' }).count()).toBe(0)
      expect(await Writer.objects.filter({ name__startswith: 'An' }).count()).toBe(1)
      expect(await Writer.objects.filter({ name__startswith: 'an' }).count()).toBe(1)
      expect(await Writer.objects.filter({ name__regex: '^A\\w+$' }).count()).toBe(1)
      expect(await Writer.objects.filter({ name__regex: '^a' }).count()).toBe(1)
      expect(await Writer.objects.filter({ name__iregex: '^a\\D+' }).count()).toBe(2)
    })
  })

  describe('bad input is refused, never silently changed', () => {
    // Core refuses most of these before any SQL (TypeMismatchError); `engine.insert` skips core's
    // checks, so these show that strict mode makes the server refuse them as well.
    const insert = (meta: typeof Writer.meta, row: Record<string, unknown>) => db.engine().insert(meta, [row])
    const writers = () => db.raw(sql`select * from writer order by id`)

    it('a 300-character string in varchar(100) is a DataError (1406) and the table is unchanged', async () => {
      await Writer.objects.create({ name: 'keep', email: 'k@x.io' })
      const before = await writers()
      const e = await insert(Writer.meta, { name: 'x'.repeat(300), email: 'y@x.io' }).catch(
        (err: unknown) => err,
      )
      expect(e).toBeInstanceOf(DataError)
      expect((e as Error).cause).toMatchObject({ errno: 1406 })
      const u = await db.raw(sql`update writer set name = ${'é'.repeat(101)}`).catch((err: unknown) => err)
      expect(u).toBeInstanceOf(DataError)
      expect(await writers()).toEqual(before)
      const orm = await Writer.objects
        .create({ name: 'x'.repeat(300), email: 'z@x.io' })
        .catch((err: unknown) => err)
      expect([TypeMismatchError, DataError].some((c) => orm instanceof c)).toBe(true)
      expect(await writers()).toEqual(before)
    })

    it('a decimal with too many digits is a DataError (1264)', async () => {
      const e = await insert(Essay.meta, { title: 't', rating: '123.45' }).catch((err: unknown) => err)
      expect(e).toBeInstanceOf(DataError)
      expect((e as Error).cause).toMatchObject({ errno: 1264 })
      expect(await Essay.objects.count()).toBe(0)
    })

    it('an out-of-range or malformed integer is a DataError (1264; 1265 or 1366)', async () => {
      const e = await insert(Counter.meta, { n: 2 ** 31 }).catch((err: unknown) => err)
      expect(e).toBeInstanceOf(DataError)
      expect((e as Error).cause).toMatchObject({ errno: 1264 })
      const s = await insert(Counter.meta, { n: '12abc' }).catch((err: unknown) => err)
      expect(s).toBeInstanceOf(DataError)
      // MariaDB says 1265 (data truncated), MySQL 8 1366 (incorrect integer value).
      expect([1265, 1366]).toContain(((s as Error).cause as { errno: number }).errno)
      expect(await Counter.objects.count()).toBe(0)
    })

    it('a datetime in year 10000 and a date that does not exist are DataErrors (1292)', async () => {
      const e = await insert(Essay.meta, {
        title: 't',
        rating: '1.00',
        at: new Date('+010000-01-01T00:00:00Z'),
      }).catch((err: unknown) => err)
      expect(e).toBeInstanceOf(DataError)
      expect((e as Error).cause).toMatchObject({ errno: 1292 })
      const d = await insert(Kinds.meta, { label: '', positive: 0, active: false, day: '2023-02-30' }).catch(
        (err: unknown) => err,
      )
      expect(d).toBeInstanceOf(DataError)
      expect((d as Error).cause).toMatchObject({ errno: 1292 })
      expect(await Essay.objects.count()).toBe(0)
      expect(await Kinds.objects.count()).toBe(0)
    })
  })

  describe('an existing pool', () => {
    it('is used as given, set up per connection, and left open on close()', async () => {
      const pool = createPool({
        uri: scratch.url,
        connectionLimit: 2,
        timezone: '+03:00',
        decimalNumbers: true,
      })
      await withOther(db, mysql({ pool }), async (mine) => {
        const at = new Date('2020-01-02T03:04:05.006Z')
        const k = await Kinds.objects.using('default').create({ at, price: '0.10', big: 2n ** 60n })
        const [raw] = await mine.raw<{ at: string }>(
          sql`select cast(${sql.ref('at')} as char) as at from kinds where id = ${k.pk}`,
        )
        expect(raw!.at).toBe('2020-01-02 03:04:05.006000')
        mine.engine().register()
        const back = await Kinds.objects.get({ pk: k.pk })
        expect(back.at).toEqual(at)
        expect(back.price).toBe('0.10')
        expect(back.big).toBe(2n ** 60n)
        const [s] = await mine.raw<{ z: string; m: string }>(
          sql`select @@session.time_zone as z, @@session.sql_mode as m`,
        )
        expect(s!.z).toBe('+00:00')
        expect(s!.m).toContain('STRICT_ALL_TABLES')
      })
      const [rows] = await pool.promise().query('select 1 as one')
      expect(rows).toEqual([{ one: 1 }])
      await pool.promise().end()
    })
  })

  describe('UPDATE and DELETE through a subquery on the same table', () => {
    it('work on this server (the engine wraps `pk IN (SELECT pk FROM (...) sub)`)', async () => {
      const w = await Writer.objects.create({ name: 'A', email: 'a@x.io', age: 1 })
      await Writer.objects.create({ name: 'B', email: 'b@x.io', age: 2 })
      await Writer.objects.create({ name: 'C', email: 'c@x.io', age: 3 })
      await Essay.objects.create({ title: 'e', writer: w })
      const joined = Writer.objects.filter({ essay__title: 'e' })
      expect(joined.sql().sql).toContain('inner join `essay`')
      expect(await joined.update({ name: 'AA' })).toBe(1)
      expect(await Writer.objects.filter({ essay__isnull: true, age__lt: 3 }).update({ age: 10 })).toBe(1)
      expect(await Writer.objects.filter({ essay__isnull: true, age: 10 }).delete()).toMatchObject({
        total: 1,
      })
      expect(await Writer.objects.orderBy('name').valuesList('name', { flat: true })).toEqual(['AA', 'C'])
    })
  })

  describe('atomic blocks', () => {
    it("run every statement on the block's connection through the driver's direct path (runOn), rows as arrays", async () => {
      const run = vi.spyOn(PooledConnection.prototype, 'run')
      try {
        const { queries } = await db.captureQueries(() =>
          db.engine().atomic(async () => {
            await Writer.objects.create({ name: 'Block', email: 'block@example.com', age: 3 })
            expect((await Writer.objects.get({ email: 'block@example.com' })).age).toBe(3)
            expect(await Writer.objects.filter({ name: 'Block' }).update({ age: 4 })).toBe(1)
          }),
        )
        expect(queries.map((q) => q.sql.split(' ')[0]!.toLowerCase())).toEqual(['begin', 'insert', 'select', 'update', 'commit'])
        // BEGIN, the body's three statements and COMMIT: one connection, the SELECT's rows asked as arrays.
        expect(run.mock.calls.map(([query, arrays]) => [query.sql.split(' ')[0], arrays ?? false])).toEqual([
          ['begin', false],
          ['insert', false],
          ['select', true],
          ['update', false],
          ['commit', false],
        ])
        expect(new Set(run.mock.instances).size).toBe(1)
      } finally {
        run.mockRestore()
      }
      expect((await Writer.objects.get({ email: 'block@example.com' })).age).toBe(4)
    })

    it('roll back on the same path: a failed statement breaks the block, nothing of it stays', async () => {
      const error = await db
        .engine()
        .atomic(async () => {
          await Writer.objects.create({ name: 'Gone', email: 'gone@example.com' })
          await Writer.objects.create({ name: 'Twice', email: 'gone@example.com' })
        })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(IntegrityError)
      expect(await Writer.objects.filter({ name__in: ['Gone', 'Twice'] }).count()).toBe(0)
      // The connection went back to the pool in a usable state.
      expect(await Writer.objects.count()).toBeGreaterThanOrEqual(0)
    })
  })
})
