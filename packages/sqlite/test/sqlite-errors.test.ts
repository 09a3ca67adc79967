import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CheckViolation,
  DatabaseError,
  DataError,
  f,
  ForeignKeyViolation,
  IntegrityError,
  model,
  NotNullViolation,
  OperationalError,
  UniqueViolation,
} from '@strata/core'
import { pushSchema } from '@strata/migrations'
import { connect, type Database, sql } from '@strata/query'
import { mapSqliteError, sqlite } from '@strata/sqlite'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

// SQLite's errors, by extended result code, mapped to Strata's classes with the driver error as `cause`.

class SqeAuthor extends model('SqeAuthor', {
  name: f.char({ maxLength: 100 }),
  email: f.email({ unique: true, null: true }),
  age: f.positiveInteger({ null: true }),
}) {}

class SqeBook extends model('SqeBook', {
  title: f.char({ maxLength: 100 }),
  author: f.foreignKey('SqeAuthor', { onDelete: 'CASCADE', null: true, relatedName: 'books' }),
}) {}

declare module '@strata/core' {
  interface Models {
    SqeAuthor: SqeAuthor
    SqeBook: SqeBook
  }
}

const MODELS = [SqeAuthor, SqeBook]
const dir = mkdtempSync(join(tmpdir(), 'strata-sqlite-errors-'))
const filename = join(dir, 'errors.db')
let db: Database

/** The rows of a table as the driver returns them, for "unchanged" checks. */
const rows = (table: string, using?: string) => db.raw(sql`select * from ${sql.table(table)} order by id`, { using })

/** Runs `fn`, expects `cls` with a better-sqlite3 error of `code` as cause, and checks that `table` did not change. */
async function rejectsUnchanged(
  table: string,
  fn: () => Promise<unknown>,
  cls: abstract new (...a: never[]) => Error,
  code: string,
): Promise<Error> {
  const before = await rows(table)
  const error = await fn().then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: unknown) => e as Error,
  )
  expect(error).toBeInstanceOf(cls)
  expect(error.cause).toBeInstanceOf(BetterSqlite3.SqliteError)
  expect((error.cause as { code: string }).code).toBe(code)
  expect(error.message).toBe((error.cause as Error).message)
  expect(await rows(table)).toEqual(before)
  return error
}

beforeAll(async () => {
  db = await connect({
    databases: {
      // A file, so that a second connection can hold its lock; a short busy timeout to keep the test fast.
      default: sqlite({ filename, busyTimeout: 50 }),
      reader: sqlite({ filename, readonly: true }),
    },
    models: MODELS,
  })
  await pushSchema(db)
})

afterAll(async () => {
  await db?.close()
  rmSync(dir, { recursive: true, force: true })
})

beforeEach(async () => {
  for (const t of ['sqe_book', 'sqe_author']) await db.raw(sql`delete from ${sql.table(t)}`)
})

describe('constraint violations', () => {
  it('SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY are UniqueViolation', async () => {
    const a = await SqeAuthor.objects.create({ name: 'a', email: 'a@example.com' })
    const e = await rejectsUnchanged(
      'sqe_author',
      () => SqeAuthor.objects.create({ name: 'b', email: 'a@example.com' }),
      UniqueViolation,
      'SQLITE_CONSTRAINT_UNIQUE',
    )
    expect(e.message).toMatch(/UNIQUE constraint failed: sqe_author\.email/)
    await rejectsUnchanged(
      'sqe_author',
      () => SqeAuthor.objects.create({ id: a.pk, name: 'c' } as never),
      UniqueViolation,
      'SQLITE_CONSTRAINT_PRIMARYKEY',
    )
  })

  it('SQLITE_CONSTRAINT_FOREIGNKEY is ForeignKeyViolation, at once outside a transaction', async () => {
    const e = await rejectsUnchanged(
      'sqe_book',
      () => SqeBook.objects.create({ title: 't', authorId: 999_999 } as never),
      ForeignKeyViolation,
      'SQLITE_CONSTRAINT_FOREIGNKEY',
    )
    expect(e.message).toMatch(/FOREIGN KEY constraint failed/)
  })

  it('foreign keys are DEFERRABLE INITIALLY DEFERRED: checked at COMMIT of atomic(), which rolls back', async () => {
    // Rows may arrive in any order inside a transaction.
    await db.engine().atomic(async () => {
      await db.raw(sql`insert into sqe_book (title, author_id) values ('early', 4242)`)
      await db.raw(sql`insert into sqe_author (id, name) values (4242, 'late')`)
    })
    expect(await SqeBook.objects.filter({ author__name: 'late' }).count()).toBe(1)
    let insideOk = false
    await rejectsUnchanged(
      'sqe_book',
      () =>
        db.engine().atomic(async () => {
          await SqeBook.objects.create({ title: 'orphan', authorId: 999_999 } as never)
          insideOk = (await SqeBook.objects.filter({ title: 'orphan' }).count()) === 1
        }),
      ForeignKeyViolation,
      'SQLITE_CONSTRAINT_FOREIGNKEY',
    )
    expect(insideOk).toBe(true)
    // The failed COMMIT left no transaction open: the connection works, in and out of atomic().
    await db.engine().atomic(() => SqeAuthor.objects.create({ name: 'after' }))
    expect(await SqeAuthor.objects.filter({ name: 'after' }).count()).toBe(1)
  })

  it('SQLITE_CONSTRAINT_NOTNULL is NotNullViolation', async () => {
    await rejectsUnchanged(
      'sqe_author',
      () => db.raw(sql`insert into sqe_author (name) values (null)`),
      NotNullViolation,
      'SQLITE_CONSTRAINT_NOTNULL',
    )
  })

  it('SQLITE_CONSTRAINT_CHECK is CheckViolation (the CHECK of a positiveInteger)', async () => {
    await SqeAuthor.objects.create({ name: 'keep', age: 5 })
    const e = await rejectsUnchanged(
      'sqe_author',
      () => db.raw(sql`update sqe_author set age = -1`),
      CheckViolation,
      'SQLITE_CONSTRAINT_CHECK',
    )
    expect(e).toBeInstanceOf(IntegrityError)
    expect(e.message).toMatch(/CHECK constraint failed/)
  })
})

describe('operational errors', () => {
  it('SQLITE_BUSY is OperationalError when another connection holds the write lock past busyTimeout', async () => {
    expect(await db.raw(sql`pragma busy_timeout`)).toEqual([{ timeout: 50n }])
    const other = new BetterSqlite3(filename)
    try {
      other.exec('begin immediate')
      other.exec("insert into sqe_author (name) values ('other')")
      const started = performance.now()
      await rejectsUnchanged(
        'sqe_author',
        () => SqeAuthor.objects.create({ name: 'blocked' }),
        OperationalError,
        'SQLITE_BUSY',
      )
      expect(performance.now() - started).toBeGreaterThanOrEqual(40) // it waited for the lock first
      await rejectsUnchanged(
        'sqe_author',
        () => db.engine().atomic(() => SqeAuthor.objects.create({ name: 'blocked' })),
        OperationalError,
        'SQLITE_BUSY',
      )
      other.exec('commit')
      await SqeAuthor.objects.create({ name: 'after' })
      expect(await SqeAuthor.objects.orderBy('name').valuesList('name', { flat: true })).toEqual(['after', 'other'])
    } finally {
      if (other.inTransaction) other.exec('rollback')
      other.close()
    }
  })

  it('SQLITE_READONLY is OperationalError on a database opened with readonly: true', async () => {
    await SqeAuthor.objects.create({ name: 'kept' })
    expect(await SqeAuthor.objects.using('reader').valuesList('name', { flat: true })).toEqual(['kept'])
    const before = await rows('sqe_author', 'reader')
    const e = await SqeAuthor.objects
      .using('reader')
      .create({ name: 'x' })
      .catch((x: Error) => x)
    expect(e).toBeInstanceOf(OperationalError)
    expect((e as Error).cause).toBeInstanceOf(BetterSqlite3.SqliteError)
    expect(((e as Error).cause as { code: string }).code).toBe('SQLITE_READONLY')
    await expect(db.raw(sql`delete from sqe_author`, { using: 'reader' })).rejects.toBeInstanceOf(OperationalError)
    expect(await rows('sqe_author', 'reader')).toEqual(before)
  })
})

describe('data errors', () => {
  it('SQLITE_MISMATCH (a text rowid) and integer overflow are DataError', async () => {
    await rejectsUnchanged(
      'sqe_author',
      () => db.raw(sql`insert into sqe_author (id, name) values ('abc', 'x')`),
      DataError,
      'SQLITE_MISMATCH',
    )
    const e = await db
      .raw(sql`select sum(x) as s from (select 9223372036854775807 as x union all select 1)`)
      .catch((x: Error) => x)
    expect(e).toBeInstanceOf(DataError)
    expect(((e as Error).cause as { code: string }).code).toBe('SQLITE_ERROR')
  })

  it('an invalid regular expression is DataError (raised when the first row is tested)', async () => {
    await SqeAuthor.objects.create({ name: 'a' })
    const e = await SqeAuthor.objects
      .filter({ name__regex: '(' })
      .count()
      .catch((x: Error) => x)
    expect(e).toBeInstanceOf(DataError)
    expect((e as Error).message).toMatch(/regular expression/)
    expect((e as Error).cause).toBeInstanceOf(SyntaxError)
    expect(await SqeAuthor.objects.filter({ name__regex: '^a$' }).count()).toBe(1)
  })
})

describe('mapSqliteError', () => {
  it('maps extended result codes to classes, keeping the driver error as cause', () => {
    const cases: [string, abstract new (...a: never[]) => Error][] = [
      ['SQLITE_CONSTRAINT_UNIQUE', UniqueViolation],
      ['SQLITE_CONSTRAINT_PRIMARYKEY', UniqueViolation],
      ['SQLITE_CONSTRAINT_FOREIGNKEY', ForeignKeyViolation],
      ['SQLITE_CONSTRAINT_NOTNULL', NotNullViolation],
      ['SQLITE_CONSTRAINT_CHECK', CheckViolation],
      ['SQLITE_CONSTRAINT_TRIGGER', IntegrityError],
      ['SQLITE_CONSTRAINT', IntegrityError],
      ['SQLITE_BUSY', OperationalError],
      ['SQLITE_BUSY_SNAPSHOT', OperationalError],
      ['SQLITE_LOCKED', OperationalError],
      ['SQLITE_LOCKED_SHAREDCACHE', OperationalError],
      ['SQLITE_READONLY', OperationalError],
      ['SQLITE_READONLY_DBMOVED', OperationalError],
      ['SQLITE_IOERR_WRITE', OperationalError],
      ['SQLITE_FULL', OperationalError],
      ['SQLITE_CANTOPEN', OperationalError],
      ['SQLITE_INTERRUPT', OperationalError],
      ['SQLITE_MISMATCH', DataError],
      ['SQLITE_TOOBIG', DataError],
      ['SQLITE_ERROR', DatabaseError],
      ['SQLITE_SOMETHING_NEW', DatabaseError],
    ]
    for (const [code, cls] of cases) {
      const driver = new BetterSqlite3.SqliteError(`boom ${code}`, code)
      const mapped = mapSqliteError(driver)
      expect(mapped, code).toBeInstanceOf(cls)
      expect(mapped.constructor, code).toBe(cls)
      expect(mapped.cause).toBe(driver)
      expect(mapped.message).toBe(`boom ${code}`)
    }
  })

  it('passes Strata errors and errors without a code through; wraps anything else in DatabaseError', () => {
    const strata = new UniqueViolation('already mapped')
    expect(mapSqliteError(strata)).toBe(strata)
    const plain = new TypeError('not a database error')
    expect(mapSqliteError(plain)).toBe(plain)
    const odd = mapSqliteError('a thrown string')
    expect(odd).toBeInstanceOf(DatabaseError)
    expect(odd.cause).toBe('a thrown string')
  })
})
