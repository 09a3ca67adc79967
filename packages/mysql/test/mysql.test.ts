import {
  CheckViolation,
  DataError,
  DeadlockDetected,
  ForeignKeyViolation,
  f,
  model,
  NotNullViolation,
  OperationalError,
  SerializationFailure,
  TypeMismatchError,
  UniqueViolation,
} from '@strata/core'
import { pushSchema } from '@strata/migrations'
import { connect, type Database, sql } from '@strata/query'
import { createPool } from 'mysql2'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { mapMysqlError, mysql } from '../src/index.js'
import { scratchDatabase, serverAvailable } from './server.js'

class Writer extends model('Writer', {
  name: f.char({ maxLength: 100 }),
  email: f.email({ unique: true }),
  age: f.integer({ null: true }),
}) {}

class Essay extends model('Essay', {
  title: f.char({ maxLength: 100 }),
  writer: f.foreignKey('Writer', { onDelete: 'CASCADE', null: true }),
  rating: f.decimal({ maxDigits: 4, decimalPlaces: 2, default: '0.00' }),
  at: f.dateTime({ null: true }),
}) {}

class Kinds extends model('Kinds', {
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

class Counter extends model('Counter', { n: f.integer({ default: 0 }) }) {}

const MODELS = [Writer, Essay, Kinds, Counter]

declare module '@strata/core' {
  interface Models {
    Writer: Writer
    Essay: Essay
    Kinds: Kinds
    Counter: Counter
  }
}

/** Connects a second database for one test; `connect()` registers it as 'default', so the main one is put back after. */
async function withOther<T>(
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
const available = await serverAvailable()
const scratch = scratchDatabase()

describe('mapMysqlError', () => {
  const cases: [string, Record<string, unknown>, abstract new (...args: never[]) => Error][] = [
    ['1062 duplicate entry', { errno: 1062, code: 'ER_DUP_ENTRY' }, UniqueViolation],
    ['1452 no referenced row', { errno: 1452 }, ForeignKeyViolation],
    ['1451 row is referenced', { errno: 1451 }, ForeignKeyViolation],
    ['1048 column cannot be null', { errno: 1048 }, NotNullViolation],
    ['1364 no default', { errno: 1364 }, NotNullViolation],
    ['3819 check (MySQL)', { errno: 3819 }, CheckViolation],
    ['4025 check (MariaDB)', { errno: 4025 }, CheckViolation],
    ['1213 deadlock', { errno: 1213 }, DeadlockDetected],
    ['1020 record changed', { errno: 1020 }, SerializationFailure],
    ['1205 lock wait timeout', { errno: 1205 }, OperationalError],
    ['3024 query timeout (MySQL)', { errno: 3024 }, OperationalError],
    ['1969 statement timeout (MariaDB)', { errno: 1969 }, OperationalError],
    ['2013 lost connection', { errno: 2013 }, OperationalError],
    ['ECONNREFUSED', { code: 'ECONNREFUSED', errno: -111 }, OperationalError],
    ['PROTOCOL_CONNECTION_LOST', { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }, OperationalError],
    ['1406 data too long', { errno: 1406 }, DataError],
    ['1264 out of range', { errno: 1264 }, DataError],
    ['1292 incorrect datetime', { errno: 1292 }, DataError],
    ['1366 incorrect integer value', { errno: 1366 }, DataError],
  ]
  it.each(cases)('maps %s, keeping the driver error as cause', (_name, props, cls) => {
    const driver = Object.assign(new Error('driver says no'), props)
    const mapped = mapMysqlError(driver)
    expect(mapped).toBeInstanceOf(cls)
    expect(mapped.message).toBe('driver says no')
    expect(mapped.cause).toBe(driver)
  })

  it('leaves errors that are not from the server alone', () => {
    const bug = new TypeError('x is undefined')
    expect(mapMysqlError(bug)).toBe(bug)
  })
})

describe.skipIf(!available)('@strata/mysql on a live server', () => {
  let db: Database

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

  describe('compiled SQL', () => {
    it('quotes with backticks and binds values as ? placeholders', () => {
      const q = Writer.objects
        .filter({ name__icontains: 'a%b', age__gte: 3 })
        .orderBy('-age')
        .slice(5, 10)
        .sql()
      expect(q.sql).toBe(
        'select `t0`.`id` as `c0`, `t0`.`name` as `c1`, `t0`.`email` as `c2`, `t0`.`age` as `c3` from `writer` as `t0` where (lower(`t0`.`name`) like lower(?) collate utf8mb4_bin and `t0`.`age` >= ?) order by `t0`.`age` desc limit 5 offset 5',
      )
      expect(q.parameters).toEqual(['%a\\%b%', 3])
    })

    it('makes exact on text case-sensitive whatever the column collation', () => {
      const q = Writer.objects.filter({ name: 'Ann' }).sql()
      expect(q.sql).toContain('where (`t0`.`name` = ? and cast(`t0`.`name` as binary) = cast(? as binary))')
      expect(Writer.objects.filter({ age: 3 }).sql().sql).toContain('where `t0`.`age` = ?')
    })

    it('writes an offset without a limit with the largest BIGINT UNSIGNED', () => {
      expect(Writer.objects.all().slice(3).sql().sql).toMatch(/limit 18446744073709551615 offset 3\s*$/)
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

  describe('errors map to the same classes as on every dialect, with the driver error as cause', () => {
    it('1062 is a UniqueViolation', async () => {
      await Writer.objects.create({ name: 'A', email: 'same@x.io' })
      const e = await Writer.objects.create({ name: 'B', email: 'same@x.io' }).catch((err: unknown) => err)
      expect(e).toBeInstanceOf(UniqueViolation)
      expect((e as Error).cause).toMatchObject({ errno: 1062, code: 'ER_DUP_ENTRY' })
    })

    it('1452 and 1451 are ForeignKeyViolations', async () => {
      const e = await db
        .raw(sql`insert into essay (title, writer_id, rating) values ('t', 999999, 0)`)
        .catch((err: unknown) => err)
      expect(e).toBeInstanceOf(ForeignKeyViolation)
      expect((e as Error).cause).toMatchObject({ errno: 1452 })
      const w = await Writer.objects.create({ name: 'A', email: 'fk@x.io' })
      await Essay.objects.create({ title: 't', writer: w })
      const d = await db.raw(sql`delete from writer where id = ${w.pk}`).catch((err: unknown) => err)
      expect(d).toBeInstanceOf(ForeignKeyViolation)
      expect((d as Error).cause).toMatchObject({ errno: 1451 })
    })

    it('1048 and 1364 are NotNullViolations', async () => {
      const e = await db
        .raw(sql`insert into writer (name, email) values (null, 'n@x.io')`)
        .catch((err: unknown) => err)
      expect(e).toBeInstanceOf(NotNullViolation)
      expect((e as Error).cause).toMatchObject({ errno: 1048 })
      const m = await db.raw(sql`insert into writer (email) values ('m@x.io')`).catch((err: unknown) => err)
      expect(m).toBeInstanceOf(NotNullViolation)
      expect((m as Error).cause).toMatchObject({ errno: 1364 })
    })

    it('a failed CHECK (4025 on MariaDB, 3819 on MySQL) is a CheckViolation', async () => {
      // Strata refuses -1 for a positiveInteger before SQL; the CHECK guards writes that bypass it.
      const e = await db
        .raw(sql`insert into kinds (label, positive, active) values ('', -1, 0)`)
        .catch((err: unknown) => err)
      expect(e).toBeInstanceOf(CheckViolation)
      expect([3819, 4025]).toContain(((e as Error).cause as { errno: number }).errno)
      expect(await Kinds.objects.count()).toBe(0)
    })

    it('1213 is DeadlockDetected, an OperationalError', async () => {
      await Counter.objects.create({ n: 1 })
      await Counter.objects.create({ n: 2 })
      const [a, b] = (await Counter.objects.orderBy('n').valuesList('id', { flat: true })) as number[]
      const pool = createPool({ uri: scratch.url, connectionLimit: 2 }).promise()
      const c1 = await pool.getConnection()
      const c2 = await pool.getConnection()
      try {
        await c1.query('begin')
        await c2.query('begin')
        await c1.query('update counter set n = n + 1 where id = ?', [a])
        await c2.query('update counter set n = n + 1 where id = ?', [b])
        const first = c1.query('update counter set n = n + 1 where id = ?', [b]).catch((err: unknown) => err)
        await new Promise((r) => setTimeout(r, 200))
        const second = await c2
          .query('update counter set n = n + 1 where id = ?', [a])
          .catch((err: unknown) => err)
        const errors = [await first, second].filter((x) => x instanceof Error)
        expect(errors).toHaveLength(1)
        const mapped = mapMysqlError(errors[0])
        expect(mapped).toBeInstanceOf(DeadlockDetected)
        expect(mapped).toBeInstanceOf(OperationalError)
        expect(mapped.cause).toBe(errors[0])
      } finally {
        await c1.query('rollback').catch(() => undefined)
        await c2.query('rollback').catch(() => undefined)
        c1.release()
        c2.release()
        await pool.end()
      }
    })

    it('1205 (lock wait timeout) is an OperationalError', async () => {
      const w = await Writer.objects.create({ name: 'L', email: 'l@x.io' })
      const pool = createPool({ uri: scratch.url, connectionLimit: 1 }).promise()
      const c = await pool.getConnection()
      try {
        await c.query('begin')
        await c.query('select * from writer where id = ? for update', [w.pk])
        await withOther(db, mysql({ uri: scratch.url, lockWaitTimeout: 1 }), async (locker) => {
          const e = await locker
            .raw(sql`update writer set name = 'M' where id = ${w.pk}`)
            .catch((err: unknown) => err)
          expect(e).toBeInstanceOf(OperationalError)
          expect((e as Error).cause).toMatchObject({ errno: 1205 })
        })
      } finally {
        await c.query('rollback')
        c.release()
        await pool.end()
      }
    })

    it('a statement timeout (1969 on MariaDB, 3024 on MySQL) is an OperationalError', async () => {
      await withOther(db, mysql({ uri: scratch.url, statementTimeout: 200 }), async (slow) => {
        const e = await slow.raw(sql`select sleep(2) as s, count(*) from writer`).catch((err: unknown) => err)
        // MariaDB interrupts SLEEP() with an error; MySQL 8 makes SLEEP() return 1 instead.
        if (e instanceof Error) {
          expect(e).toBeInstanceOf(OperationalError)
          expect([1969, 3024]).toContain((e.cause as { errno: number }).errno)
        } else expect((e as { s: unknown }[])[0]!.s).toBe(1)
      })
    })

    it('a lost connection (2013) and a refused one (ECONNREFUSED) are OperationalErrors', async () => {
      await withOther(db, mysql({ uri: scratch.url, connectionLimit: 1 }), async (victim) => {
        const [{ id }] = (await victim.raw<{ id: unknown }>(sql`select connection_id() as id`)) as [
          { id: unknown },
        ]
        const killing = victim.raw(sql`select sleep(5)`).catch((err: unknown) => err)
        await new Promise((r) => setTimeout(r, 200))
        await db.raw(sql`kill ${sql.raw(String(Number(id)))}`)
        const e = await killing
        expect(e).toBeInstanceOf(OperationalError)
        expect((e as Error).cause).toMatchObject({ fatal: true })
      })
      const refused = await connect({
        databases: { default: mysql({ host: '127.0.0.1', port: 1, user: 'root', connectTimeout: 2000 }) },
        models: MODELS,
      }).catch((err: unknown) => err)
      db.engine().register()
      expect(refused).toBeInstanceOf(OperationalError)
      expect((refused as Error).cause).toMatchObject({ code: 'ECONNREFUSED' })
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
      expect(joined.sql().sql).toContain('left join `essay`')
      expect(await joined.update({ name: 'AA' })).toBe(1)
      expect(await Writer.objects.filter({ essay__isnull: true, age__lt: 3 }).update({ age: 10 })).toBe(1)
      expect(await Writer.objects.filter({ essay__isnull: true, age: 10 }).delete()).toMatchObject({
        total: 1,
      })
      expect(await Writer.objects.orderBy('name').valuesList('name', { flat: true })).toEqual(['AA', 'C'])
    })
  })
})
