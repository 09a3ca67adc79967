// The direct hot path (DirectDriver.runDirect) of the MySQL driver and the conversions of both
// kinds of pool: Strata's own (conversions in the pool's config) and a given one (typeCast per query).
import { OperationalError } from '@strata/core'
import { type DirectDriver, isDirectDriver } from '@strata/query'
import { CompiledQuery, type DatabaseConnection, type Driver, MysqlDriver, type QueryResult } from 'kysely'
import { Connection, createPool, type Pool } from 'mysql2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MysqlOptions, mysql } from '../src/index.js'
import { PooledConnection, STRATA_CASTS, strataPool } from '../src/mysql-pool.js'
import { scratchDatabase, serverAvailable } from './server.js'

const available = await serverAvailable()
const scratch = scratchDatabase()

type Direct = Driver & { runDirect(query: CompiledQuery): Promise<QueryResult<unknown>> | undefined }
type ArraysDirect = Driver & {
  runDirect(query: CompiledQuery, arrays: boolean): Promise<QueryResult<unknown>>
}

const drivers: Driver[] = []
const pools: Pool[] = []

/** A driver of `mysql(options)` on the scratch database, initialised (closed after the suite). */
async function driverOf(options: MysqlOptions = {}): Promise<Direct> {
  const driver = mysql({ uri: scratch.url, connectionLimit: 3, ...options })
    .createKyselyDialect()
    .createDriver()
  if (!isDirectDriver(driver)) throw new Error('the MySQL driver has no runDirect')
  drivers.push(driver)
  await driver.init()
  return driver as Direct
}

/** A pool the test owns, with mysql2's default conversions. */
function givenPool(): Pool {
  const pool = createPool({ uri: scratch.url, connectionLimit: 3 })
  pools.push(pool)
  return pool
}

/** Kysely's own MysqlDriver (its MysqlConnection) on a Strata pool of the scratch database: the reference for what a driver gives. */
async function kyselyDriver(): Promise<Driver> {
  const pool = createPool({ uri: scratch.url, connectionLimit: 2, ...STRATA_CASTS })
  const driver = new MysqlDriver({
    pool: async () =>
      strataPool(pool, {
        owned: true,
        acquireTimeout: 5000,
        setUp: async (query) => {
          await query("set time_zone = '+00:00'")
        },
      }),
  })
  drivers.push(driver)
  await driver.init()
  return driver
}

/** What a connection of `driver` gives for `query` (Kysely's DatabaseConnection interface). */
async function viaKysely(driver: Driver, query: CompiledQuery): Promise<QueryResult<unknown>> {
  const connection = await driver.acquireConnection()
  try {
    return await connection.executeQuery(query)
  } finally {
    await driver.releaseConnection(connection)
  }
}

/** The rows Kysely's streaming query of `driver` gives for `query`. */
async function viaStream(driver: Driver, query: CompiledQuery): Promise<unknown[]> {
  const connection = await driver.acquireConnection()
  const rows: unknown[] = []
  try {
    for await (const chunk of connection.streamQuery(query, 1)) rows.push(...chunk.rows)
  } finally {
    await driver.releaseConnection(connection)
  }
  return rows
}

const q = (text: string, parameters: unknown[] = []) => CompiledQuery.raw(text, parameters)

/** A SELECT of every kind of value whose conversion Strata decides. */
const KINDS = q(
  'select id, big, price, at, day, clock, data, flag, label, blob_value, ratio, ' +
    'cast(9007199254740993 as signed) as above, cast(-9007199254740993 as signed) as below, count(*) over () as n, ' +
    "json_object('a', 1) as computed_json from kinds order by id",
)

describe.skipIf(!available)('MySQL direct hot path (runDirect)', () => {
  beforeAll(async () => {
    await scratch.create()
    const pool = givenPool()
    const run = (text: string) =>
      new Promise<void>((resolve, reject) => pool.query(text, (e) => (e ? reject(e) : resolve())))
    await run(
      'create table kinds (id bigint auto_increment primary key, big bigint null, price decimal(30, 2) null, ' +
        'at datetime(6) null, day date null, clock time(6) null, data json null, flag tinyint(1) null, ' +
        'label varchar(20) null, blob_value longblob null, ratio double null)',
    )
    await run(
      'insert into kinds (big, price, at, day, clock, data, flag, label, blob_value, ratio) values ' +
        "(9223372036854775807, 1234567890123456789012345678.91, '2024-02-29 12:34:56.123456', '2024-02-29', '23:59:59.000001', '\"text\"', 1, 'Ann', x'00ff', 0.1), " +
        "(-9007199254740993, -0.01, '1970-01-01 00:00:00.000000', '0001-01-01', '-838:59:59', '{\"a\": [1, 2.5, null]}', 0, '', x'', -1e300), " +
        '(42, null, null, null, null, null, null, null, null, null)',
    )
  })

  afterAll(async () => {
    for (const d of drivers) await d.destroy().catch(() => undefined)
    for (const p of pools) await new Promise((resolve) => p.end(resolve))
    await scratch.drop()
  })

  it('returns undefined before the driver is initialised and after it is destroyed', async () => {
    const driver = mysql({ uri: scratch.url }).createKyselyDialect().createDriver() as Direct
    expect(isDirectDriver(driver)).toBe(true)
    expect(driver.runDirect(q('select 1'))).toBeUndefined()
    await driver.init()
    expect((await driver.runDirect(q('select 1 as one')))?.rows).toEqual([{ one: 1 }])
    await driver.destroy()
    expect(driver.runDirect(q('select 1'))).toBeUndefined()
  })

  it('gives exactly what Kysely gives: rows, insertId, numAffectedRows and numChangedRows as bigints', async () => {
    const driver = await driverOf()
    const direct = (query: CompiledQuery) => driver.runDirect(query) as Promise<QueryResult<unknown>>
    const insert = await direct(q('insert into kinds (label) values (?)', ['direct']))
    expect(insert).toStrictEqual({
      insertId: expect.any(BigInt),
      numAffectedRows: 1n,
      numChangedRows: 0n,
      rows: [],
    })
    const kyselyInsert = await viaKysely(driver, q('insert into kinds (label) values (?)', ['kysely']))
    expect(kyselyInsert.insertId).toBe((insert.insertId as bigint) + 1n)
    expect(Object.keys(kyselyInsert)).toEqual(Object.keys(insert))

    const select = q('select id, label from kinds where label in (?, ?) order by id', ['direct', 'kysely'])
    expect(await direct(select)).toStrictEqual(await viaKysely(driver, select))
    expect((await direct(select)).rows).toEqual([
      { id: Number(insert.insertId), label: 'direct' },
      { id: Number(insert.insertId) + 1, label: 'kysely' },
    ])

    const update = q("update kinds set label = 'same' where label in ('direct', 'kysely')")
    const updated = await direct(update)
    expect(updated).toStrictEqual({ insertId: undefined, numAffectedRows: 2n, numChangedRows: 2n, rows: [] })
    // MySQL counts matched rows as affected only with CLIENT_FOUND_ROWS (mysql2's default), changed ones apart.
    expect(await direct(update)).toStrictEqual(await viaKysely(driver, update))
    expect((await direct(update)).numChangedRows).toBe(0n)
    const removed = await direct(q("delete from kinds where label = 'same'"))
    expect(removed).toStrictEqual({ insertId: undefined, numAffectedRows: 2n, numChangedRows: 0n, rows: [] })
    expect(await direct(q('select id from kinds where id < 0'))).toStrictEqual({ rows: [] })
    expect(await direct(q('set @strata_direct = 1'))).toStrictEqual(
      await viaKysely(driver, q('set @strata_direct = 1')),
    )
  })

  it('converts every kind of value as mysqlTypeCast does, on its own pool, on a given pool and when streaming', async () => {
    const own = await driverOf()
    const given = await driverOf({ pool: givenPool() })
    const rows = (await own.runDirect(KINDS))?.rows as Record<string, unknown>[]
    expect(rows[0]).toEqual({
      id: 1,
      big: 9223372036854775807n,
      price: '1234567890123456789012345678.91',
      at: '2024-02-29 12:34:56.123456',
      day: '2024-02-29',
      clock: '23:59:59.000001',
      data: '"text"',
      flag: 1,
      label: 'Ann',
      blob_value: Buffer.from([0, 255]),
      ratio: 0.1,
      above: 9007199254740993n,
      below: -9007199254740993n,
      n: 3,
      computed_json: '{"a": 1}',
    })
    expect(rows[1]).toMatchObject({
      big: -9007199254740993n,
      price: '-0.01',
      at: '1970-01-01 00:00:00.000000',
      day: '0001-01-01',
      clock: '-838:59:59.000000',
      data: '{"a": [1, 2.5, null]}',
      flag: 0,
      label: '',
      ratio: -1e300,
    })
    expect(rows[2]).toMatchObject({
      big: 42,
      price: null,
      at: null,
      day: null,
      clock: null,
      data: null,
      flag: null,
      label: null,
      blob_value: null,
      ratio: null,
    })
    expect((await given.runDirect(KINDS))?.rows).toStrictEqual(rows)
    expect((await viaKysely(own, KINDS)).rows).toStrictEqual(rows)
    expect((await viaKysely(given, KINDS)).rows).toStrictEqual(rows)
    expect(await viaStream(own, KINDS)).toStrictEqual(rows)
    expect(await viaStream(given, KINDS)).toStrictEqual(rows)
  })

  it('gives the rows as arrays when asked (the same values by position), and objects again to the next query on that connection', async () => {
    const own = await driverOf({ connectionLimit: 1 })
    const given = await driverOf({ pool: givenPool(), connectionLimit: 1 })
    const objects = (await own.runDirect(KINDS))?.rows as Record<string, unknown>[]
    for (const driver of [own, given]) {
      const arrays = (await (driver as ArraysDirect).runDirect(KINDS, true)) as QueryResult<unknown> & {
        arrays?: boolean
      }
      expect(arrays.arrays).toBe(true)
      expect(arrays.rows).toStrictEqual(objects.map((row) => Object.values(row)))
      expect(
        await (driver as ArraysDirect).runDirect(q('select id from kinds where id < 0'), true),
      ).toStrictEqual({
        rows: [],
      })
      // The one connection of the pool answers with objects again, on both paths.
      expect((await driver.runDirect(KINDS))?.rows).toStrictEqual(objects)
      expect((await viaKysely(driver, KINDS)).rows).toStrictEqual(objects)
    }
  })

  it('sends no typeCast per query on its own pool (its conversions are in the config), one on a given pool', async () => {
    const own = await driverOf()
    const given = await driverOf({ pool: givenPool() })
    const prototype = Connection.prototype as unknown as { query: (...args: unknown[]) => unknown }
    const original = prototype.query
    const sent: boolean[] = []
    prototype.query = function (this: unknown, ...args: unknown[]) {
      const first = args[0] as string | { sql?: string; typeCast?: unknown }
      if ((typeof first === 'string' ? first : first.sql) === 'select 1')
        sent.push(typeof first === 'object' && typeof first.typeCast === 'function')
      return original.apply(this, args)
    }
    try {
      await own.runDirect(q('select 1'))
      await viaKysely(own, q('select 1'))
      await given.runDirect(q('select 1'))
      await viaKysely(given, q('select 1'))
    } finally {
      prototype.query = original
    }
    expect(sent).toEqual([false, false, true, true])
  })

  it('reads a BIGINT beyond 2^53 as a bigint only where the row holds that column (duplicate names: the last wins)', async () => {
    const driver = await driverOf()
    expect(
      (await driver.runDirect(q("select cast(9007199254740993 as signed) as a, 'x' as a")))?.rows,
    ).toEqual([{ a: 'x' }])
    expect(
      (await driver.runDirect(q("select 'x' as a, cast(9007199254740993 as signed) as a")))?.rows,
    ).toEqual([{ a: 9007199254740993n }])
    expect(
      (await driver.runDirect(q("select cast('9007199254740993' as decimal(20, 0)) as d")))?.rows,
    ).toEqual([{ d: '9007199254740993' }])
  })

  it('sets up every connection before its first query, whichever path takes it first', async () => {
    const driver = await driverOf({ lockWaitTimeout: 7 })
    const probe = q(
      'select sleep(0.05) as s, connection_id() as c, @@session.time_zone as tz, @@session.sql_mode as m, @@session.innodb_lock_wait_timeout as w',
    )
    const results = await Promise.all(
      [0, 1, 2].map(() => driver.runDirect(probe) as Promise<QueryResult<unknown>>),
    )
    const rows = results.map((r) => r.rows[0] as Record<string, unknown>)
    expect(new Set(rows.map((r) => r.c)).size).toBe(3)
    for (const row of rows) {
      expect(row.tz).toBe('+00:00')
      expect(String(row.m)).toContain('STRICT_ALL_TABLES')
      expect(row.w).toBe(7)
    }
    // Kysely's path reuses those connections as they are.
    const viaK = (await viaKysely(driver, probe)).rows[0] as Record<string, unknown>
    expect(rows.map((r) => r.c)).toContain(viaK.c)
    expect(viaK).toMatchObject({ tz: '+00:00', w: 7 })
  })

  it("sets the session up again at each checkout when mysql2's resetOnRelease clears it", async () => {
    const driver = await driverOf({ connectionLimit: 1, resetOnRelease: true, lockWaitTimeout: 9 })
    const probe = q(
      'select connection_id() as c, @@session.time_zone as tz, @@session.innodb_lock_wait_timeout as w',
    )
    const first = (await driver.runDirect(probe))?.rows[0]
    const second = (await driver.runDirect(probe))?.rows[0]
    expect(first).toEqual({ c: expect.any(Number), tz: '+00:00', w: 9 })
    expect(second).toEqual(first)
  })

  it('waits acquireTimeout for a connection, then fails with OperationalError naming the limit; serves again after', async () => {
    const driver = await driverOf({ connectionLimit: 1, acquireTimeout: 150 })
    const held = await driver.acquireConnection()
    const started = Date.now()
    const error = await (driver.runDirect(q('select 1')) as Promise<unknown>).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OperationalError)
    expect((error as Error).message).toMatch(
      /timed out after 150 ms waiting for a connection .*connectionLimit 1/,
    )
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    await driver.releaseConnection(held)
    expect((await driver.runDirect(q('select 2 as two')))?.rows).toEqual([{ two: 2 }])
  })

  it('times only a checkout that waits: a free connection is taken without an acquireTimeout timer', async () => {
    const driver = await driverOf({ connectionLimit: 1, acquireTimeout: 60_000 })
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    await driver.runDirect(q('select 1'))
    const idle = timers()
    const free = driver.runDirect(q('select 2 as two')) as Promise<QueryResult<unknown>>
    expect(timers()).toBe(idle)
    // The only connection is busy now: the next checkout waits, timed.
    const queued = driver.runDirect(q('select 3 as three')) as Promise<QueryResult<unknown>>
    expect(timers()).toBe(idle + 1)
    expect((await free).rows).toEqual([{ two: 2 }])
    expect((await queued).rows).toEqual([{ three: 3 }])
    expect(timers()).toBe(idle)
  })

  it("rejects with the driver's own error and keeps the pool serving", async () => {
    const driver = await driverOf({ connectionLimit: 1 })
    const error = await (driver.runDirect(q('select * from no_such_table')) as Promise<unknown>).catch(
      (e: unknown) => e,
    )
    expect((error as { errno?: number }).errno).toBe(1146)
    expect((await driver.runDirect(q('select 3 as three')))?.rows).toEqual([{ three: 3 }])
  })

  it("runs an atomic block's queries on the block's connection (runOn), with the result Kysely's own MysqlConnection gives", async () => {
    const driver = await driverOf({ connectionLimit: 2 })
    const reference = await kyselyDriver()
    const direct = driver as unknown as Required<DirectDriver>
    const runOn = (connection: DatabaseConnection, query: CompiledQuery, arrays = false) =>
      Promise.resolve(direct.runOn(connection, query, arrays))
    const connection = await driver.acquireConnection()
    expect(connection).toBeInstanceOf(PooledConnection)
    try {
      const id = q('select connection_id() as c')
      const held = (await connection.executeQuery(id)).rows
      // Every query of the block runs on the connection it holds, whatever the pool does meanwhile.
      await Promise.all([driver.runDirect(id), driver.runDirect(id)])
      expect((await runOn(connection, id)).rows).toEqual(held)

      const insert = await runOn(connection, q('insert into kinds (label) values (?)', ['block']))
      const kyselyInsert = await viaKysely(reference, q('insert into kinds (label) values (?)', ['reference']))
      expect(insert).toStrictEqual({ ...kyselyInsert, insertId: insert.insertId })
      expect(insert.insertId).toEqual(expect.any(BigInt))

      const select = q('select id, label from kinds where label in (?, ?) order by id', ['block', 'reference'])
      expect(await runOn(connection, select)).toStrictEqual(await viaKysely(reference, select))
      expect(await runOn(connection, KINDS)).toStrictEqual(await viaKysely(reference, KINDS))
      const arrays = (await runOn(connection, KINDS, true)) as QueryResult<unknown> & { arrays?: boolean }
      expect(arrays.arrays).toBe(true)
      expect(arrays.rows).toStrictEqual((await viaKysely(reference, KINDS)).rows.map((row) => Object.values(row as object)))

      const update = q("update kinds set label = 'done' where label in ('block', 'reference')")
      const updated = await runOn(connection, update)
      expect(updated).toStrictEqual({ insertId: undefined, numAffectedRows: 2n, numChangedRows: 2n, rows: [] })
      expect(await runOn(connection, update)).toStrictEqual(await viaKysely(reference, update))
      expect(await runOn(connection, q("delete from kinds where label = 'done'"))).toStrictEqual({
        insertId: undefined,
        numAffectedRows: 2n,
        numChangedRows: 0n,
        rows: [],
      })
      const error = await runOn(connection, q('select * from no_such_table')).catch((e: unknown) => e)
      expect((error as { errno?: number }).errno).toBe(1146)
      // The connection serves again after the driver's error, and is still the one held.
      expect((await runOn(connection, id)).rows).toEqual(held)
    } finally {
      await driver.releaseConnection(connection)
    }
    // Given back to the pool: the next checkout may take it again.
    expect((await driver.runDirect(q('select 1 as one')))?.rows).toEqual([{ one: 1 }])
  })

  it('closes a connection given back while its streamed result is still arriving, and serves on another', async () => {
    const driver = await driverOf({ connectionLimit: 1 })
    const id = q('select connection_id() as c')
    const connectionId = async () => ((await driver.runDirect(id))!.rows[0] as { c: number }).c
    const before = await connectionId()
    const connection = await driver.acquireConnection()
    // 100,000 rows (ten digits, five times over), on MySQL and MariaDB alike.
    const digits = `(${Array.from({ length: 10 }, (_, i) => `select ${i} as d`).join(' union all ')})`
    const many = q(`select 1 as one from ${['a', 'b', 'c', 'd', 'e'].map((t) => `${digits} as ${t}`).join(', ')}`)
    const rows = connection.streamQuery(many, 1)[Symbol.asyncIterator]()
    expect((await rows.next()).value).toEqual({ rows: [{ one: 1 }] })
    await driver.releaseConnection(connection)
    await rows.return?.(undefined)
    expect(await connectionId()).not.toBe(before)
  })
})

describe.skipIf(!available)("MariaDB's join order for ORDER BY ... LIMIT (optimizer_join_limit_pref_ratio)", () => {
  const rowsOf = async (driver: Direct, text: string) =>
    ((await driver.runDirect(q(text)))?.rows ?? []) as Record<string, unknown>[]
  const hasVariable = async (driver: Direct) =>
    (await rowsOf(driver, "show variables like 'optimizer\\_join\\_limit\\_pref\\_ratio'")).length > 0
  // A select_related chain (comment -> post -> author, non-null foreign keys) ordered by the first
  // table and sliced: MariaDB 10.11 without the setting starts from author, joins every row and
  // sorts them all (about 30 ms here), instead of reading 20 comments in order (0.2 ms).
  const CHAIN =
    'select c.id, c.text, p.id as post_id, p.title, a.id as author_id, a.name from jl_comment as c ' +
    'inner join jl_post as p on p.id = c.post_id inner join jl_author as a on a.id = p.author_id ' +
    'where c.id >= 2 order by c.id asc limit 20'

  beforeAll(async () => {
    await scratch.create()
    const driver = await driverOf()
    const digits = "(select 0 as n union all select 1 union all select 2 union all select 3 union all select 4 union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)"
    for (const text of [
      'drop table if exists jl_comment, jl_post, jl_author',
      'create table jl_author (id int not null auto_increment primary key, name varchar(100) not null, email varchar(254) not null unique)',
      'create table jl_post (id int not null auto_increment primary key, title varchar(100) not null, author_id int not null, foreign key (author_id) references jl_author (id))',
      'create table jl_comment (id int not null auto_increment primary key, text varchar(100) not null, post_id int not null, foreign key (post_id) references jl_post (id))',
      `insert into jl_author (name, email) select concat('a', n), concat('a', n, '@example.com') from (select a.n + 10 * b.n + 100 * c.n + 1 as n from ${digits} a, ${digits} b, ${digits} c) s where n <= 200`,
      `insert into jl_post (title, author_id) select concat('t', n), 1 + n % 200 from (select a.n + 10 * b.n + 100 * c.n + 1000 * d.n + 1 as n from ${digits} a, ${digits} b, ${digits} c, ${digits} d) s where n <= 5000`,
      `insert into jl_comment (text, post_id) select concat('c', n), 1 + n % 5000 from (select a.n + 10 * b.n + 100 * c.n + 1000 * d.n + 10000 * e.n + 1 as n from ${digits} a, ${digits} b, ${digits} c, ${digits} d, ${digits} e) s where n <= 20000`,
      'analyze table jl_author, jl_post, jl_comment',
    ])
      await driver.runDirect(q(text))
  })

  afterAll(async () => {
    for (const d of drivers.splice(0)) await d.destroy().catch(() => undefined)
    await scratch.drop()
  })

  it('sets it to 100 on every connection where the server has it, or to the given value; 0 leaves the server default', async () => {
    const driver = await driverOf()
    if (!(await hasVariable(driver))) {
      // MySQL and older MariaDB: nothing is set, and the connection still works.
      expect(await rowsOf(driver, 'select 1 as x')).toEqual([{ x: 1 }])
      return
    }
    const probe = 'select @@session.optimizer_join_limit_pref_ratio as r, @@global.optimizer_join_limit_pref_ratio as g'
    expect((await rowsOf(driver, probe))[0]?.r).toBe(100)
    expect((await rowsOf(await driverOf({ optimizerJoinLimitPrefRatio: 7 }), probe))[0]?.r).toBe(7)
    const off = (await rowsOf(await driverOf({ optimizerJoinLimitPrefRatio: 0 }), probe))[0]
    expect(off?.r).toBe(off?.g)
  })

  it('makes MariaDB read the ordered table first and stop after LIMIT rows, with the same rows', async () => {
    const on = await driverOf()
    if (!(await hasVariable(on))) return expect(await rowsOf(on, CHAIN)).toHaveLength(20)
    const off = await driverOf({ optimizerJoinLimitPrefRatio: 0 })
    const planOn = await rowsOf(on, `explain ${CHAIN}`)
    const planOff = await rowsOf(off, `explain ${CHAIN}`)
    expect(planOn.map((r) => r.table)).toEqual(['c', 'p', 'a'])
    expect(String(planOn[0]?.Extra ?? '')).not.toContain('filesort')
    // Without it, this server picks the plan that sorts every joined row (what the setting is for).
    expect(planOff[0]?.table).not.toBe('c')
    expect(String(planOff[0]?.Extra ?? '')).toContain('filesort')
    const rows = await rowsOf(on, CHAIN)
    expect(rows).toHaveLength(20)
    expect(rows[0]).toEqual({ id: 2, text: 'c2', post_id: 3, title: 't3', author_id: 4, name: 'a4' })
    expect(rows).toEqual(await rowsOf(off, CHAIN))
  })

  it('refuses a value that is not a whole number from 0 to 2^32 - 1, naming the option', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32, '100' as unknown as number])
      expect(() => mysql({ uri: scratch.url, optimizerJoinLimitPrefRatio: bad })).toThrow(
        /optimizerJoinLimitPrefRatio must be a whole number from 0 to 4294967295/,
      )
    expect(() => mysql({ uri: scratch.url, optimizerJoinLimitPrefRatio: 4294967295 })).not.toThrow()
  })
})

