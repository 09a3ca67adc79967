import {
  CheckViolation,
  DataError,
  DeadlockDetected,
  ForeignKeyViolation,
  NotNullViolation,
  OperationalError,
  SerializationFailure,
  UniqueViolation,
} from '@strata/core'
import { connect, sql } from '@strata/query'
import { createPool } from 'mysql2'
import { describe, expect, it } from 'vitest'
import { mapMysqlError, mysql } from '../src/index.js'
import { available, db, MODELS, scratch, useDatabase, withOther, Writer, Essay, Kinds, Counter } from './my-fixture.js'

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

describe.skipIf(!available)('@strata/mysql errors on a live server', () => {
  useDatabase()

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
})
