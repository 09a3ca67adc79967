import { f, model } from '@strata/core'
import { describe, expect, it } from 'vitest'
import { modelsToCreate, } from '../src/index.js'

class PsCountry extends model('PsCountry', { code: f.char({ maxLength: 2, primaryKey: true }), name: f.char({ maxLength: 50, unique: true }) }) {}
class PsCity extends model('PsCity', {
  name: f.char({ maxLength: 50, dbIndex: true }),
  country: f.foreignKey('PsCountry', { onDelete: 'CASCADE' }),
  population: f.positiveInteger({ default: 0 }),
  twins: f.manyToMany('PsCity', { symmetrical: false }),
}, { uniqueTogether: [['name', 'country']], indexes: [{ fields: ['-population'], name: 'ps_city_pop_idx' }] }) {}
class PsStreet extends model('PsStreet', { city: f.foreignKey(() => PsCity, { onDelete: 'CASCADE' }), name: f.text() }) {}

describe('modelsToCreate', () => {
  it('orders tables so that every foreign key points at a table created before it', () => {
    const order = modelsToCreate([PsStreet.meta, PsCity.meta, PsCountry.meta]).map((m) => m.dbTable)
    expect(order.indexOf('ps_country')).toBeLessThan(order.indexOf('ps_city'))
    expect(order.indexOf('ps_city')).toBeLessThan(order.indexOf('ps_street'))
    expect(order).toContain('ps_city_twins')
    expect(order.indexOf('ps_city')).toBeLessThan(order.indexOf('ps_city_twins'))
  })
})
