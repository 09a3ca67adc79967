import {
  CheckViolation,
  DatabaseError,
  DataError,
  DeadlockDetected,
  ForeignKeyViolation,
  IntegrityError,
  NotNullViolation,
  OperationalError,
  SerializationFailure,
  UniqueViolation,
} from '@strata/core'
import { sql } from '@strata/query'
import { describe, expect, it } from 'vitest'
import { mapPostgresError, postgres, } from '../src/index.js'
import { available, db, db0, PgAuthor, PgPost, PgValue, pgCode, rejectsUnchanged, useDatabase, withExtra } from './pg-fixture.js'

describe.skipIf(!available)('PostgreSQL dialect errors', () => {
  useDatabase()

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
})
