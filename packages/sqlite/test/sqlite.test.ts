import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Count, DataError, F, f, model, Sum } from '@strata/core'
import { pushSchema } from '@strata/migrations'
import { connect, type Database, sql } from '@strata/query'
import { sqlite } from '@strata/sqlite'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

// What only SQLite knows: its SQL, its quirks and its options. Behaviour shared with the other
// databases is in @strata/conformance (test/conformance.test.ts); errors are in sqlite-errors.test.ts.

class SqAuthor extends model('SqAuthor', {
  name: f.char({ maxLength: 100 }),
  email: f.email({ unique: true, null: true }),
  age: f.positiveInteger({ null: true }),
}) {}

class SqPost extends model(
  'SqPost',
  {
    title: f.char({ maxLength: 100 }),
    author: f.foreignKey('SqAuthor', { onDelete: 'CASCADE', null: true, relatedName: 'posts' }),
    pubDate: f.dateTime({ null: true }),
    rating: f.decimal({ maxDigits: 4, decimalPlaces: 2, default: '0.00' }),
  },
  { ordering: ['-pubDate'] },
) {}

class SqValue extends model('SqValue', {
  label: f.char({ maxLength: 100, null: true }),
  n: f.integer({ null: true }),
  big: f.bigInteger({ null: true }),
  amount: f.decimal({ maxDigits: 30, decimalPlaces: 10, null: true }),
  flag: f.boolean({ null: true }),
  at: f.dateTime({ null: true }),
  span: f.duration({ null: true }),
  data: f.json({ null: true }),
  blob: f.binary({ null: true }),
}) {}

declare module '@strata/core' {
  interface Models {
    SqAuthor: SqAuthor
    SqPost: SqPost
    SqValue: SqValue
  }
}

const MODELS = [SqAuthor, SqPost, SqValue]
const dir = mkdtempSync(join(tmpdir(), 'strata-sqlite-'))
let db: Database

/** Connects a second database as `default` for `fn`, then hands `default` back to the suite's. */
async function withOwn<T>(dialect: ReturnType<typeof sqlite>, fn: (own: Database) => Promise<T>): Promise<T> {
  const own = await connect({ databases: { default: dialect }, models: MODELS })
  try {
    await pushSchema(own)
    return await fn(own)
  } finally {
    await own.close()
    for (const a of db.aliases) db.engine(a).register()
  }
}

const labels = (filter: Record<string, unknown>) =>
  SqValue.objects
    .filter(filter as never)
    .orderBy('label')
    .valuesList('label', { flat: true })

beforeAll(async () => {
  db = await connect({ databases: { default: sqlite() }, models: MODELS })
  await pushSchema(db)
})

afterAll(async () => {
  await db?.close()
  rmSync(dir, { recursive: true, force: true })
})

beforeEach(async () => {
  for (const t of ['sq_post', 'sq_author', 'sq_value']) await db.raw(sql`delete from ${sql.table(t)}`)
})

describe('compiled SQL', () => {
  const cols = '"t0"."id" as "c0", "t0"."title" as "c1", "t0"."author_id" as "c2", "t0"."pub_date" as "c3", "t0"."rating" as "c4"'

  it('icontains folds case with strata_lower() and LIKE ... ESCAPE, and a slice renders LIMIT/OFFSET', () => {
    const q = SqPost.objects.filter({ title__icontains: '50%_OFF' }).orderBy('-pubDate').slice(5, 10).sql()
    expect(q.sql).toBe(
      `select ${cols} from "sq_post" as "t0" where strata_lower("t0"."title") like ? escape '\\' order by "t0"."pub_date" desc limit 5 offset ?`,
    )
    expect(q.parameters).toEqual(['%50\\%\\_off%', 5])
  })

  it('contains is a (case-sensitive) GLOB with *, ? and [ matched literally, regex calls strata_regexp()', () => {
    const c = SqPost.objects.filter({ title__contains: 'A' }).sql()
    expect(c.sql).toContain(`where "t0"."title" glob ?`)
    expect(c.parameters).toEqual(['*A*'])
    expect(SqPost.objects.filter({ title__startswith: 'a*b?[c]%_\\' }).sql().parameters).toEqual(['a[*]b[?][[]c]%_\\*'])
    expect(SqPost.objects.filter({ title__regex: '^A' }).sql().sql).toContain('where strata_regexp("t0"."title", ?, 0)')
    expect(SqPost.objects.filter({ title__iregex: '^a' }).sql().sql).toContain('where strata_regexp("t0"."title", ?, 1)')
  })

  it('an offset alone renders LIMIT -1 OFFSET n (SQLite has no OFFSET without LIMIT); a limit alone no OFFSET', () => {
    const offset = SqAuthor.objects.all().slice(3).sql()
    expect(offset.sql).toMatch(/ limit -1 offset \?$/)
    expect(offset.parameters).toEqual([3])
    const limit = SqAuthor.objects.all().slice(0, 2).sql()
    expect(limit.sql).toMatch(/ from "sq_author" as "t0" limit 2$/)
    expect(limit.parameters).toEqual([])
  })

  it('date transforms use strftime() on the UTC text, cast to integer', () => {
    const q = SqPost.objects.filter({ pubDate__year: 2024, pubDate__week_day: 1 }).sql()
    expect(q.sql).toContain(`cast(strftime('%Y', "t0"."pub_date") as integer) = ?`)
    expect(q.sql).toContain(`(cast(strftime('%w', "t0"."pub_date") as integer) + 1) = ?`)
    expect(q.parameters).toEqual([2024, 1])
  })

  it('NULLS FIRST/LAST is native', () => {
    expect(SqAuthor.objects.orderBy(F('age').desc({ nullsLast: true })).sql().sql).toMatch(
      /order by "t0"."age" desc nulls last$/,
    )
    expect(SqAuthor.objects.orderBy(F('age').asc({ nullsFirst: true })).sql().sql).toMatch(
      /order by "t0"."age" asc nulls first$/,
    )
  })

  it('runs what it compiles: slices, offset-only and NULLS LAST give the expected rows', async () => {
    for (const [name, age] of [['a', 3], ['b', null], ['c', 1], ['d', 2]] as const)
      await SqAuthor.objects.create({ name, age })
    const names = (q: { valuesList(f: 'name', o: { flat: true }): PromiseLike<string[]> }) =>
      q.valuesList('name', { flat: true })
    // SQLite puts NULL first in ascending order by default, last in descending.
    expect(await names(SqAuthor.objects.orderBy('age'))).toEqual(['b', 'c', 'd', 'a'])
    expect(await names(SqAuthor.objects.orderBy(F('age').asc({ nullsLast: true })))).toEqual(['c', 'd', 'a', 'b'])
    expect(await names(SqAuthor.objects.orderBy(F('age').desc({ nullsFirst: true })))).toEqual(['b', 'a', 'd', 'c'])
    expect(await names(SqAuthor.objects.orderBy('name').slice(1))).toEqual(['b', 'c', 'd'])
    expect(await names(SqAuthor.objects.orderBy('name').slice(1, 3))).toEqual(['b', 'c'])
    expect(await SqAuthor.objects.orderBy('name').slice(2).count()).toBe(2)
  })

  it('bulkCreate({ ignoreConflicts: true }) is INSERT OR IGNORE: conflicting rows are skipped, the rest inserted', async () => {
    const log: string[] = []
    const handle = new BetterSqlite3(':memory:', { verbose: (s) => log.push(String(s)) })
    await withOwn(sqlite({ database: handle }), async () => {
      await SqAuthor.objects.create({ name: 'first', email: 'a@example.com' })
      log.length = 0
      const made = await SqAuthor.objects.bulkCreate(
        [
          { name: 'dup', email: 'a@example.com' },
          { name: 'new', email: 'b@example.com' },
          { name: 'dup2', email: 'b@example.com' },
        ],
        { ignoreConflicts: true },
      )
      // RETURNING gives no row for a skipped one, so no keys are set (as in Django).
      expect(made.map((m) => m.pk)).toEqual([null, null, null])
      // better-sqlite3's `verbose` shows the statement with its values expanded.
      const inserts = log.filter((s) => /^insert/i.test(s))
      expect(inserts).toHaveLength(1)
      expect(inserts[0]).toMatch(/^insert or ignore into "sq_author" \("name", "email", "age"\) values \('dup', .* returning "id" as "pk"$/)
      expect(await SqAuthor.objects.orderBy('name').valuesList('name', { flat: true })).toEqual(['first', 'new'])
    })
  })
})

describe('SQLite quirks', () => {
  it('contains/startswith are case-sensitive (case_sensitive_like), also for ASCII', async () => {
    await SqValue.objects.create({ label: 'Hello École' })
    expect(await labels({ label__contains: 'hello' })).toEqual([])
    expect(await labels({ label__contains: 'Hello' })).toEqual(['Hello École'])
    expect(await labels({ label__startswith: 'h' })).toEqual([])
    expect(await labels({ label__endswith: 'école' })).toEqual([])
    expect(await labels({ label__endswith: 'École' })).toEqual(['Hello École'])
  })

  it('iexact/icontains fold non-ASCII case with strata_lower() (SQLite’s lower() is ASCII-only)', async () => {
    for (const label of ['ÉCOLE', 'école', 'Straße', 'STRAẞE', 'ΣΟΦΙΑ']) await SqValue.objects.create({ label })
    expect(await labels({ label__icontains: 'école' })).toEqual(['ÉCOLE', 'école'])
    expect(await labels({ label__iexact: 'ÉCOLE' })).toEqual(['ÉCOLE', 'école'])
    expect(await labels({ label__istartswith: 'éc' })).toEqual(['ÉCOLE', 'école'])
    expect(await labels({ label__iexact: 'straße' })).toEqual(['STRAẞE', 'Straße'])
    expect(await labels({ label__iendswith: 'SSE' })).toEqual([]) // lowercasing, not full case folding: ß is not ss
    expect(await labels({ label__icontains: 'σοφ' })).toEqual(['ΣΟΦΙΑ'])
    // The same through SQL: lower() leaves É alone, strata_lower() does not.
    const [row] = await db.raw<{ a: string; b: string }>(sql`select lower('ÉCOLE') as a, strata_lower('ÉCOLE') as b`)
    expect(row).toEqual({ a: 'École', b: 'école' })
  })

  it('%, _ and \\ in a pattern are matched literally', async () => {
    for (const label of ['100%', '100 percent', 'a_b', 'axb', 'back\\slash', 'backslash', 'x%_\\y'])
      await SqValue.objects.create({ label })
    expect(await labels({ label__contains: '%' })).toEqual(['100%', 'x%_\\y'])
    expect(await labels({ label__icontains: '_' })).toEqual(['a_b', 'x%_\\y'])
    expect(await labels({ label__contains: '\\' })).toEqual(['back\\slash', 'x%_\\y'])
    expect(await labels({ label__startswith: '100%' })).toEqual(['100%'])
    expect(await labels({ label__endswith: '%' })).toEqual(['100%'])
    expect(await labels({ label__iexact: 'A_B' })).toEqual(['a_b'])
    expect(await labels({ label__contains: '%_\\' })).toEqual(['x%_\\y'])
  })

  it('regex/iregex use JavaScript regular expressions (Unicode-aware) through strata_regexp()', async () => {
    for (const label of ['Apple', 'apple', 'École', 'x1y22']) await SqValue.objects.create({ label })
    await SqValue.objects.create({ label: null })
    expect(await labels({ label__regex: '^A' })).toEqual(['Apple'])
    expect(await labels({ label__iregex: '^a' })).toEqual(['Apple', 'apple'])
    expect(await labels({ label__iregex: '^éC' })).toEqual(['École'])
    expect(await labels({ label__regex: '\\d{2}$' })).toEqual(['x1y22'])
    expect(await labels({ label__regex: '^\\p{Lu}' })).toEqual(['Apple', 'École'])
    expect(await SqValue.objects.exclude({ label__regex: 'p' }).count()).toBe(3) // NULL is not excluded
  })
})

describe('storage and round trips', () => {
  const stored = (column: string) =>
    db.raw<{ label: string; v: unknown; t: string }>(
      sql`select label, ${sql.ref(column)} as v, typeof(${sql.ref(column)}) as t from sq_value order by label`,
    )

  it('decimals are exact to 15 significant digits (NUMERIC affinity keeps REAL); more digits are refused with DataError', async () => {
    const exact = ['12345.6789012345', '-99999.9999999999', '0.0000000001', '123456789012345', '9.5', '10.25']
    for (const [i, amount] of exact.entries()) await SqValue.objects.create({ label: `e${i}`, amount })
    const back = await SqValue.objects.orderBy('label').valuesList('amount', { flat: true })
    expect(back).toEqual(exact.map((a) => (a.includes('.') ? a.padEnd(a.indexOf('.') + 11, '0') : `${a}.0000000000`)))
    // Compared and sorted as numbers, not as text.
    expect(await SqValue.objects.filter({ amount__gt: '9.6' }).orderBy('amount').valuesList('label', { flat: true })).toEqual(
      ['e5', 'e0', 'e3'],
    )
    expect((await stored('amount')).map((r) => r.t)).toEqual(['real', 'real', 'real', 'integer', 'real', 'real'])
    // A sum of REALs is rounded back to the field's places: 0.1 + 0.2 is 0.3 here.
    await SqValue.objects.all().delete()
    await SqValue.objects.create({ amount: '0.1' })
    await SqValue.objects.create({ amount: '0.2' })
    expect(await SqValue.objects.aggregate({ s: Sum('amount') })).toEqual({ s: '0.3000000000' })
    // The limit: more than 15 significant digits cannot be stored exactly, so they are refused, never rounded.
    const before = await SqValue.objects.count()
    await expect(SqValue.objects.create({ amount: '12345678901234567.8' })).rejects.toThrow(DataError)
    await expect(SqValue.objects.create({ amount: '12345678901234567.8' })).rejects.toThrow(/18 significant digits/)
    expect(await SqValue.objects.count()).toBe(before)
  })

  it('bigint beyond 2^53 round-trips exactly (defaultSafeIntegers); integer fields and counts stay numbers', async () => {
    const bigs = [2n ** 62n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n]
    for (const [i, big] of bigs.entries()) await SqValue.objects.create({ label: `b${i}`, big, n: i })
    expect(await SqValue.objects.orderBy('label').valuesList('big', { flat: true })).toEqual(bigs)
    const r = await SqValue.objects.get({ big: 2n ** 53n + 1n })
    expect(r.big).toBe(2n ** 53n + 1n)
    expect(r.n).toBe(3)
    expect(await SqValue.objects.filter({ big__gt: 2n ** 53n }).count()).toBe(3)
    expect(await SqValue.objects.filter({ big: 2n ** 53n }).count()).toBe(0) // not equal to its neighbour as a double would be
    // Raw SQL sees the driver's bigint for every integer.
    expect((await stored('big')).map((x) => x.v)).toEqual(bigs)
    expect(await SqValue.objects.aggregate({ c: Count('id') })).toEqual({ c: 4 })
  })

  it('dateTime is stored as UTC text YYYY-MM-DD HH:MM:SS.mmm that sorts and compares correctly', async () => {
    const dates = [
      new Date('2024-03-10T01:02:03.456+05:00'),
      new Date('0999-12-31T23:59:59.999Z'),
      new Date('2024-03-09T20:02:03.457Z'),
      new Date('1970-01-01T00:00:00.000Z'),
      new Date('9999-12-31T23:59:59.999Z'),
      new Date('2024-03-09T20:02:03Z'),
    ]
    for (const [i, at] of dates.entries()) await SqValue.objects.create({ label: `d${i}`, at })
    expect((await stored('at')).map((r) => [r.v, r.t])).toEqual([
      ['2024-03-09 20:02:03.456', 'text'],
      ['0999-12-31 23:59:59.999', 'text'],
      ['2024-03-09 20:02:03.457', 'text'],
      ['1970-01-01 00:00:00.000', 'text'],
      ['9999-12-31 23:59:59.999', 'text'],
      ['2024-03-09 20:02:03.000', 'text'],
    ])
    const sorted = [...dates].sort((a, b) => a.getTime() - b.getTime())
    expect(await SqValue.objects.orderBy('at').valuesList('at', { flat: true })).toEqual(sorted)
    expect(await labels({ at__gt: new Date('2024-03-09T20:02:03.456Z') })).toEqual(['d2', 'd4'])
    expect(await labels({ at__year: 2024, at__date: '2024-03-09', at__hour: 20 })).toEqual(['d0', 'd2', 'd5'])
    // Text written without milliseconds (by other tools) reads back as UTC.
    await db.raw(sql`insert into sq_value (label, at) values ('raw', '2024-05-01 10:00:00')`)
    expect((await SqValue.objects.get({ label: 'raw' })).at).toEqual(new Date('2024-05-01T10:00:00Z'))
  })

  it('booleans are 0/1, json is text, binary is a blob, duration is integer microseconds', async () => {
    const data = { a: [1, 2, { b: null }], s: 'é😀', t: true, n: 1.5 }
    await SqValue.objects.create({ label: 'x', flag: true, data, blob: new Uint8Array([0, 1, 2, 254, 255]), span: 90_061_001.5 })
    await SqValue.objects.create({ label: 'y', flag: false, data: 'just a string', blob: new Uint8Array([]), span: -1.5 })
    await SqValue.objects.create({ label: 'z' })
    const raw = await db.raw(
      sql`select flag, typeof(flag) as tf, data, typeof(data) as td, typeof(blob) as tb, length(blob) as lb, span, typeof(span) as ts from sq_value order by label`,
    )
    expect(raw).toEqual([
      { flag: 1n, tf: 'integer', data: JSON.stringify(data), td: 'text', tb: 'blob', lb: 5n, span: 90_061_001_500n, ts: 'integer' },
      { flag: 0n, tf: 'integer', data: '"just a string"', td: 'text', tb: 'blob', lb: 0n, span: -1500n, ts: 'integer' },
      { flag: null, tf: 'null', data: null, td: 'null', tb: 'null', lb: null, span: null, ts: 'null' },
    ])
    const [x, y, z] = await SqValue.objects.orderBy('label')
    expect([x!.flag, y!.flag, z!.flag]).toEqual([true, false, null])
    expect([x!.data, y!.data, z!.data]).toEqual([data, 'just a string', null])
    expect(x!.blob).toBeInstanceOf(Uint8Array)
    expect(Buffer.isBuffer(x!.blob)).toBe(false)
    expect([...x!.blob!]).toEqual([0, 1, 2, 254, 255])
    expect([...y!.blob!]).toEqual([])
    expect([x!.span, y!.span, z!.span]).toEqual([90_061_001.5, -1.5, null])
    expect(await labels({ flag: false })).toEqual(['y'])
    expect(await labels({ span__lt: 0 })).toEqual(['y'])
    expect(await SqValue.objects.aggregate({ s: Sum('span') })).toEqual({ s: 90_061_000 })
  })
})

describe('options', () => {
  it('`database`: uses an open better-sqlite3 Database, prepared like its own, and leaves it open on close', async () => {
    const filename = join(dir, 'given.db')
    const handle = new BetterSqlite3(filename)
    await withOwn(sqlite({ database: handle, filename: join(dir, 'ignored.db') }), async (own) => {
      expect(handle.pragma('foreign_keys', { simple: true })).toBe(1n)
      expect(handle.pragma('journal_mode', { simple: true })).toBe('wal')
      await SqAuthor.objects.create({ name: 'ÉCOLE' })
      expect(await SqAuthor.objects.filter({ name__icontains: 'éc' }).count()).toBe(1)
      expect(handle.prepare('select name from sq_author').pluck().all()).toEqual(['ÉCOLE'])
      expect(await own.raw(sql`select count(*) as n from sq_author`)).toEqual([{ n: 1n }])
    })
    expect(handle.open).toBe(true)
    expect(handle.prepare('select count(*) from sq_author').pluck().get()).toBe(1n)
    handle.close()
  })

  it('`wal: false` keeps the rollback journal of a file database; the default is WAL', async () => {
    const mode = (own: Database) => own.raw<{ journal_mode: string }>(sql`pragma journal_mode`)
    await withOwn(sqlite({ filename: join(dir, 'journal.db'), wal: false }), async (own) => {
      expect(await mode(own)).toEqual([{ journal_mode: 'delete' }])
      await SqAuthor.objects.create({ name: 'a' })
      expect(await SqAuthor.objects.count()).toBe(1)
    })
    await withOwn(sqlite({ filename: join(dir, 'wal.db') }), async (own) => {
      expect(await mode(own)).toEqual([{ journal_mode: 'wal' }])
    })
  })
})
