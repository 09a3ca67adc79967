import { expect, it } from 'vitest'
import { f, model, resolveAll } from '../src/index.js'

it('names an unknown relation target and the models it knows', () => {
  model('Known', { a: f.integer() })
  model('Dangling', { to: f.foreignKey('Nowhere', { onDelete: 'CASCADE' }) })
  expect(() => resolveAll()).toThrow(/Dangling\.to points at "Nowhere" which is not defined\. Known models: Known, Dangling/)
})

it('refuses two relations with the same reverse query name', () => {
  model('Target', { a: f.integer() })
  model('Source', {
    one: f.foreignKey('Target', { onDelete: 'CASCADE', relatedName: 'sources' }),
    two: f.foreignKey('Target', { onDelete: 'CASCADE', relatedName: 'sources' }),
  })
  model('Dangling', { to: f.foreignKey('Known', { onDelete: 'CASCADE' }) })
  expect(() => resolveAll()).toThrow(/Reverse query name "sources" on Target clashes: Source.one and Source.two/)
})
