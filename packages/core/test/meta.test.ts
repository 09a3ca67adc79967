import { describe, expect, it } from 'vitest'
import { f, FieldError, getModel, model, ObjectDoesNotExist, MultipleObjectsReturned, resolveAll, snakeCase } from '../src/index.js'

class Blogger extends model('Blogger', { fullName: f.char({ maxLength: 80 }), homePage: f.url({ null: true }) }) {}
class BlogEntry extends model('BlogEntry', {
  headline: f.char({ maxLength: 200, dbColumn: 'head' }),
  writer: f.foreignKey('Blogger', { onDelete: 'CASCADE' }),
  editor: f.foreignKey(() => Blogger, { onDelete: 'SET_NULL', null: true, relatedName: 'edited' }),
  labels: f.manyToMany('Label'),
}, { app: 'blog', ordering: ['-id'] }) {}
class Label extends model('Label', { code: f.char({ maxLength: 10, primaryKey: true }) }) {}

describe('model metadata', () => {
  it('names tables and columns in snake_case and foreign keys <field>_id / <field>Id', () => {
    expect(snakeCase('BlogEntry')).toBe('blog_entry')
    expect(snakeCase('pubDate')).toBe('pub_date')
    expect(snakeCase('HTTPServer')).toBe('http_server')
    const m = BlogEntry.meta
    expect(m.dbTable).toBe('blog_entry')
    expect(m.field('headline')!.column).toBe('head')
    expect(m.field('writer')!.column).toBe('writer_id')
    expect(m.field('writer')!.attname).toBe('writerId')
    expect(m.field('writerId')).toBe(m.field('writer'))
    expect(m.app).toBe('blog')
    expect(getModel('blog.BlogEntry')).toBe(m)
  })

  it('adds an auto id primary key unless a field is the primary key, and pk aliases it', () => {
    expect(Blogger.meta.pk.name).toBe('id')
    expect(Blogger.meta.pk.kind).toBe('auto')
    expect(Label.meta.pk.name).toBe('code')
    expect(Label.meta.field('pk')).toBe(Label.meta.pk)
    const l = new Label({ code: 'x' })
    expect(l.pk).toBe('x')
  })

  it('refuses two primary keys, bad names and fields defined twice', () => {
    expect(() => model('TwoKeys', { a: f.integer({ primaryKey: true }), b: f.integer({ primaryKey: true }) })).toThrow(/more than one primary key/)
    expect(() => model('BadField', { pk: f.integer() })).toThrow(FieldError)
    expect(() => model('BadField2', { 'a__b': f.integer() })).toThrow(FieldError)
    expect(() => model('Bad Name', { a: f.integer() })).toThrow(FieldError)
  })

  it('requires the options Django requires', () => {
    expect(() => f.char({} as never)).toThrow(/maxLength/)
    expect(() => f.decimal({ maxDigits: 4 } as never)).toThrow(/decimalPlaces/)
    expect(() => f.foreignKey('Blogger', {} as never)).toThrow(/onDelete/)
    expect(() => f.foreignKey('Blogger', { onDelete: 'SET_NULL' })).toThrow(/null: true/)
  })

  it('resolves targets by name and thunk, with reverse relations and the many-to-many join table', () => {
    resolveAll()
    const m = BlogEntry.meta
    expect(Blogger.meta.reverse('blogentry')?.model).toBe(m)
    expect(Blogger.meta.reverse('edited')?.field.name).toBe('editor')
    expect(Blogger.meta.reverse('blogentry')?.accessor).toBe('blogEntrySet')
    const labels = Label.meta.reverse('blogentry')
    expect(labels?.multiple).toBe(true)
    const through = (m.field('labels') as unknown as { through: { dbTable: string; concreteFields: { column: string }[] } }).through
    expect(through.dbTable).toBe('blog_entry_labels')
    expect(through.concreteFields.map((c) => c.column)).toEqual(['id', 'blog_entry_id', 'label_id'])
  })

  it('gives every model its own DoesNotExist and MultipleObjectsReturned', () => {
    expect(new Blogger.DoesNotExist('x')).toBeInstanceOf(ObjectDoesNotExist)
    expect(new Blogger.MultipleObjectsReturned('x')).toBeInstanceOf(MultipleObjectsReturned)
    expect(Blogger.DoesNotExist).not.toBe(Label.DoesNotExist)
  })
})

describe('instances', () => {
  it('apply defaults, accept a relation or its key, and refuse unknown fields', () => {
    const b = new Blogger({ fullName: 'Ann' })
    expect(b.homePage).toBeNull()
    expect(b.id).toBeNull()
    const e = new BlogEntry({ headline: 'h', writerId: 3 })
    expect(e.writerId).toBe(3)
    expect(() => new Blogger({ fullName: 'x', nope: 1 } as never)).toThrow(/unexpected field "nope"/)
    expect(() => new Blogger({ __proto__: 1 } as never)).not.toThrow()
  })

  it('throw RelationNotLoaded for a relation that was not loaded, naming load()', () => {
    const e = new BlogEntry({ headline: 'h', writerId: 3 })
    expect(() => e.writer).toThrow(/load\('writer'\)/)
    const w = new Blogger({ fullName: 'W', id: 3 })
    e.writer = w
    expect(e.writer).toBe(w)
    expect(e.editor).toBeNull()
  })

  it('compare by model and primary key; unsaved instances equal only themselves', () => {
    const a = new Blogger({ fullName: 'a', id: 1 })
    const b = new Blogger({ fullName: 'b', id: 1 })
    const c = new Blogger({ fullName: 'c' })
    expect(a.equals(b)).toBe(true)
    expect(c.equals(new Blogger({ fullName: 'c' }))).toBe(false)
    expect(c.equals(c)).toBe(true)
    expect(a.equals(new Label({ code: '1' }))).toBe(false)
  })

  it('validate fields with cleanFields: null, blank, maxLength, choices, email', () => {
    class Person extends model('Person', {
      name: f.char({ maxLength: 5 }),
      email: f.email(),
      size: f.char({ maxLength: 1, choices: [['S', 'Small'], ['L', 'Large']] }),
      nick: f.char({ maxLength: 10, blank: true }),
    }) {}
    const p = new Person({ name: 'toolong', email: 'nope', size: 'X', nick: '' })
    try {
      p.cleanFields()
      expect.unreachable()
    } catch (e) {
      const errors = (e as { errors: Record<string, string[]> }).errors
      expect(errors.name).toEqual(['Ensure this value has at most 5 characters (it has 7).'])
      expect(errors.email).toEqual(['Enter a valid email address.'])
      expect(errors.size).toEqual(['Value "X" is not a valid choice.'])
      expect(errors.nick).toBeUndefined()
    }
    expect(() => new Person({ name: '', email: 'a@b.co', size: 'S', nick: '' }).cleanFields()).toThrow(/cannot be blank/)
  })

  it('serialise their columns with toJSON', () => {
    const e = new BlogEntry({ headline: 'h', writerId: 3 })
    expect(JSON.parse(JSON.stringify(e))).toEqual({ id: null, headline: 'h', writerId: 3, editorId: null })
  })
})
