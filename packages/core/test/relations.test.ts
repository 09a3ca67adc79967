import { describe, expect, it } from 'vitest'
import { f, FieldError, type ForeignKey, type ManyToManyField, model, resolveAll } from '../src/index.js'

// Model definitions register globally; a test that defines a clashing model renames the clashing
// relation afterwards, so that the registry resolves again for the next test.

function m2m(cls: { meta: { field(n: string): unknown } }, name: string): ManyToManyField<unknown> {
  return cls.meta.field(name) as ManyToManyField<unknown>
}

function rename(cls: { meta: { field(n: string): unknown } }, field: string, relatedName: string): void {
  ;(cls.meta.field(field) as { options: { relatedName?: string } }).options.relatedName = relatedName
}

describe('relation fields', () => {
  class Reporter extends model('RelReporter', { name: f.char({ maxLength: 30 }) }) {}
  class Article extends model('RelArticle', {
    reporter: f.foreignKey('RelReporter', { onDelete: 'CASCADE' }),
    editor: f.foreignKey('RelReporter', { onDelete: 'SET_NULL', null: true, relatedName: 'edited', relatedQueryName: 'editedArticle' }),
    ghost: f.foreignKey('RelReporter', { onDelete: 'CASCADE', null: true, relatedName: '+' }),
  }) {}
  class Profile extends model('RelProfile', { reporter: f.oneToOne('RelReporter', { onDelete: 'CASCADE' }) }) {}

  it('names reverse accessors <model>Set (one-to-one: <model>) and query names <model>, unless told', () => {
    resolveAll()
    const m = Reporter.meta
    expect(m.reverseAccessor('relArticleSet')?.field.name).toBe('reporter')
    expect(m.reverse('relarticle')?.accessor).toBe('relArticleSet')
    expect(m.reverseAccessor('edited')?.queryName).toBe('editedArticle')
    expect(m.reverseAccessor('relProfile')?.multiple).toBe(false)
    expect(m.reverse('relprofile')?.model).toBe(Profile.meta)
  })

  it("'+' hides the reverse accessor and query name, but deletion still follows the key", () => {
    expect(Reporter.meta.reverseRelations().some((r) => r.field.name === 'ghost')).toBe(false)
    const incoming = Reporter.meta.incomingRelations().map((r) => `${r.model.name}.${r.field.name}`)
    expect(incoming).toEqual(expect.arrayContaining(['RelArticle.reporter', 'RelArticle.editor', 'RelArticle.ghost', 'RelProfile.reporter']))
    expect(Article.meta.field('ghost')).toBeDefined()
  })

  it("'self' points at the model itself, for foreign keys and many-to-many", () => {
    class Node extends model('RelNode', {
      parent: f.foreignKey('self', { onDelete: 'CASCADE', null: true, relatedName: 'children' }),
      links: f.manyToMany('self'),
      named: f.manyToMany('RelNode', { relatedName: 'namedBy' }),
      oneWay: f.manyToMany('RelNode', { symmetrical: false, relatedName: 'oneWayBy' }),
      follows: f.manyToMany('self', { symmetrical: false, relatedName: 'followers' }),
    }) {}
    resolveAll()
    expect((Node.meta.field('parent') as ForeignKey<unknown, boolean, boolean>).target).toBe(Node.meta)
    expect(Node.meta.reverseAccessor('children')?.field.name).toBe('parent')
    // API.md: a relation of a model to itself is symmetrical unless told otherwise, however it is written.
    expect(m2m(Node, 'links').symmetrical).toBe(true)
    expect(m2m(Node, 'named').symmetrical).toBe(true)
    expect(m2m(Node, 'oneWay').symmetrical).toBe(false)
    expect(m2m(Node, 'follows').symmetrical).toBe(false)
    expect(Node.meta.reverseRelations().map((r) => r.accessor).sort()).toEqual(['children', 'followers', 'oneWayBy'])
    const through = m2m(Node, 'links').through
    expect(through.concreteFields.map((c) => c.column)).toEqual(['id', 'from_rel_node_id', 'to_rel_node_id'])
  })

  it('dbConstraint: false on a many-to-many leaves the join table without foreign-key constraints', () => {
    class Loose extends model('RelLoose', { others: f.manyToMany('RelReporter', { dbConstraint: false, relatedName: 'loose' }) }) {}
    resolveAll()
    const fks = m2m(Loose, 'others').through.concreteFields.filter((c) => c.isRelation) as ForeignKey<unknown, boolean, boolean>[]
    expect(fks.map((c) => c.options.dbConstraint)).toEqual([false, false])
  })
})

describe('many-to-many through a declared model', () => {
  it('uses the join model’s two keys, or throughFields when it has several to one side', () => {
    class Group extends model('ThGroup', {
      members: f.manyToMany('ThPerson', { through: 'ThMembership', throughFields: ['group', 'person'], relatedName: 'groups' }),
      simple: f.manyToMany('ThPerson', { through: 'ThSimple', relatedName: 'simpleGroups' }),
    }) {}
    model('ThPerson', { name: f.char({ maxLength: 10 }) })
    model('ThMembership', {
      group: f.foreignKey('ThGroup', { onDelete: 'CASCADE' }),
      person: f.foreignKey('ThPerson', { onDelete: 'CASCADE' }),
      inviter: f.foreignKey('ThPerson', { onDelete: 'CASCADE', relatedName: 'invited' }),
    })
    model('ThSimple', {
      group: f.foreignKey('ThGroup', { onDelete: 'CASCADE', relatedName: 'simpleRows' }),
      person: f.foreignKey('ThPerson', { onDelete: 'CASCADE', relatedName: 'simpleRows' }),
      note: f.char({ maxLength: 10, default: '' }),
    })
    resolveAll()
    const members = m2m(Group, 'members')
    expect(members.through.name).toBe('ThMembership')
    expect([members.sourceField.name, members.targetField.name]).toEqual(['group', 'person'])
    expect(members.customThrough).toBe(true)
    const simple = m2m(Group, 'simple')
    expect([simple.sourceField.name, simple.targetField.name]).toEqual(['group', 'person'])
  })

  it('refuses an ambiguous, incomplete or unknown join model, naming the field', () => {
    class Team extends model('ThTeam', { players: f.manyToMany('ThPlayer', { through: 'ThRoster' }) }) {}
    model('ThPlayer', { name: f.char({ maxLength: 10 }) })
    model('ThRoster', {
      team: f.foreignKey('ThTeam', { onDelete: 'CASCADE' }),
      player: f.foreignKey('ThPlayer', { onDelete: 'CASCADE' }),
      captain: f.foreignKey('ThPlayer', { onDelete: 'CASCADE', relatedName: 'captained' }),
    })
    expect(() => resolveAll()).toThrow(/ThTeam\.players: the join model ThRoster has several foreign keys to ThPlayer, which is ambiguous: set throughFields/)
    const opts = m2m(Team, 'players').options as { throughFields?: readonly [string, string]; through?: unknown }
    opts.throughFields = ['team', 'nope']
    expect(() => resolveAll()).toThrow(/throughFields: ThRoster\.nope is not a foreign key to ThPlayer/)
    opts.throughFields = undefined
    opts.through = 'ThNowhere'
    expect(() => resolveAll()).toThrow(FieldError)
    expect(() => resolveAll()).toThrow(/ThTeam\.players: the join model "ThNowhere" is not defined/)
    opts.through = 'ThPlayer'
    expect(() => resolveAll()).toThrow(/needs a foreign key to ThTeam and one to ThPlayer/)
    opts.throughFields = ['team', 'player']
    opts.through = 'ThRoster'
    expect(() => resolveAll()).not.toThrow()
  })
})

describe('clashing reverse names are refused, naming both fields', () => {
  it('two relations with the same reverse accessor', () => {
    model('ClTarget', { name: f.char({ maxLength: 10 }) })
    const Src = model('ClSource', {
      one: f.foreignKey('ClTarget', { onDelete: 'CASCADE', relatedName: 'items', relatedQueryName: 'one' }),
      two: f.foreignKey('ClTarget', { onDelete: 'CASCADE', relatedName: 'items', relatedQueryName: 'two' }),
    })
    expect(() => resolveAll()).toThrow('Reverse accessor "items" on ClTarget clashes: ClSource.one and ClSource.two. Set relatedName on one of them.')
    rename(Src, 'two', 'others')
    expect(() => resolveAll()).not.toThrow()
  })

  it('a reverse accessor or query name equal to a field of the target', () => {
    model('ClOwner', { name: f.char({ maxLength: 10 }), items: f.integer({ default: 0 }) })
    const Item = model('ClItem', { owner: f.foreignKey('ClOwner', { onDelete: 'CASCADE', relatedName: 'items', relatedQueryName: 'owned' }) })
    expect(() => resolveAll()).toThrow(/Reverse accessor "items" for ClItem\.owner clashes with field ClOwner\.items/)
    rename(Item, 'owner', 'name')
    ;(Item.meta.field('owner') as { options: { relatedQueryName?: string } }).options.relatedQueryName = undefined
    expect(() => resolveAll()).toThrow(/Reverse query name "name" for ClItem\.owner clashes with field ClOwner\.name/)
    rename(Item, 'owner', 'things')
    expect(() => resolveAll()).not.toThrow()
  })

  it('a reverse accessor named like an instance method', () => {
    model('ClHost', { name: f.char({ maxLength: 10 }) })
    const Guest = model('ClGuest', { host: f.foreignKey('ClHost', { onDelete: 'CASCADE', relatedName: 'save', relatedQueryName: 'guest' }) })
    expect(() => resolveAll()).toThrow(/Reverse accessor "save" for ClGuest\.host clashes with the instance method ClHost\.save\(\)/)
    rename(Guest, 'host', 'guests')
    expect(() => resolveAll()).not.toThrow()
  })
})
