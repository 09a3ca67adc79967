import { f, model } from '@strata/core'
import { connect, type Database, sql } from '@strata/query'
import { sqlite } from '@strata/sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import { modelsToCreate, pushSchema } from '@strata/migrations'

class PsCountry extends model('PsCountry', { code: f.char({ maxLength: 2, primaryKey: true }), name: f.char({ maxLength: 50, unique: true }) }) {}
class PsCity extends model('PsCity', {
  name: f.char({ maxLength: 50, dbIndex: true }),
  country: f.foreignKey('PsCountry', { onDelete: 'CASCADE' }),
  population: f.positiveInteger({ default: 0 }),
  twins: f.manyToMany('PsCity', { symmetrical: false }),
}, { uniqueTogether: [['name', 'country']], indexes: [{ fields: ['-population'], name: 'ps_city_pop_idx' }] }) {}
class PsStreet extends model('PsStreet', { city: f.foreignKey(() => PsCity, { onDelete: 'CASCADE' }), name: f.text() }) {}

let db: Database | undefined
afterEach(async () => {
  await db?.close()
  db = undefined
})

const tables = async (d: Database) =>
  (await d.raw<{ name: string }>(sql`select name from sqlite_master where type = 'table' and name like 'ps_%' order by name`)).map((r) => r.name)

describe('pushSchema on SQLite', () => {
  it('orders tables so that every foreign key points at a table created before it', () => {
    const order = modelsToCreate([PsStreet.meta, PsCity.meta, PsCountry.meta]).map((m) => m.dbTable)
    expect(order.indexOf('ps_country')).toBeLessThan(order.indexOf('ps_city'))
    expect(order.indexOf('ps_city')).toBeLessThan(order.indexOf('ps_street'))
    expect(order).toContain('ps_city_twins')
    expect(order.indexOf('ps_city')).toBeLessThan(order.indexOf('ps_city_twins'))
  })

  it('creates tables, the join table, unique pairs, checks and indexes, and is idempotent', async () => {
    db = await connect({ databases: { default: sqlite() }, models: [PsCountry, PsCity, PsStreet] })
    const first = await pushSchema(db)
    expect(first.created.sort()).toEqual(['ps_city', 'ps_city_twins', 'ps_country', 'ps_street'])
    expect(await tables(db)).toEqual(['ps_city', 'ps_city_twins', 'ps_country', 'ps_street'])
    expect((await pushSchema(db)).created).toEqual([])
    const indexes = (await db.raw<{ name: string }>(sql`select name from sqlite_master where type = 'index' and tbl_name = 'ps_city' and name not like 'sqlite_%' order by name`)).map((r) => r.name)
    expect(indexes).toEqual(['ps_city_country_id_idx', 'ps_city_name_idx', 'ps_city_pop_idx'])
    const fr = await PsCountry.objects.create({ code: 'FR', name: 'France' })
    await PsCity.objects.create({ name: 'Paris', country: fr })
    await expect(PsCity.objects.create({ name: 'Paris', country: fr })).rejects.toThrow(/UNIQUE/)
    await expect(db.raw(sql`insert into ps_city (name, country_id, population) values ('Lyon', 'FR', -1)`)).rejects.toThrow(/CHECK/)
    await expect(db.raw(sql`insert into ps_street (city_id, name) values (999, 'x')`)).rejects.toThrow(/FOREIGN KEY/)
  })

  it('drops and recreates existing tables with reset', async () => {
    db = await connect({ databases: { default: sqlite() }, models: [PsCountry, PsCity, PsStreet] })
    await pushSchema(db)
    await PsCountry.objects.create({ code: 'DE', name: 'Germany' })
    const again = await pushSchema(db, { reset: true })
    expect(again.created).toHaveLength(4)
    expect(await PsCountry.objects.count()).toBe(0)
  })
})
