import { afterEach, describe, expect, it } from 'vitest'
import {
  CharField,
  type Condition,
  DateTimeField,
  F,
  Field,
  FieldError,
  f,
  IntegerField,
  JsonField,
  model,
  Q,
  registerLookup,
  registerTransform,
  type SqlFragment,
  TypeMismatchError,
  unregisterLookup,
  unregisterTransform,
  type WhereNode,
} from '../src/index.js'

/** A field class of the project's own: registrations on CharField reach it. */
class CodeField<N extends boolean, O extends boolean> extends CharField<N, O, 'char'> {}

class Gadget extends model('Gadget', {
  name: f.char({ maxLength: 50 }),
  code: new CodeField('char', { maxLength: 10 } as never) as unknown as ReturnType<typeof f.text>,
  n: f.integer({ null: true }),
  at: f.dateTime({ null: true }),
  data: f.json({ null: true }),
}) {}

const sql = (() => ({ toOperationNode: () => null })) as unknown as (
  s: TemplateStringsArray,
  ...v: unknown[]
) => SqlFragment
const render = { sql: () => sql`x` }
const qs = () =>
  Gadget.objects.all() as unknown as {
    filter(x: unknown): { state: { where: WhereNode } }
    values(...x: unknown[]): { state: { values: { expr: unknown }[] } }
  }

function cond(where: WhereNode): Condition {
  let node = where
  while (node.type === 'tree') node = node.children[node.children.length - 1]!
  return node
}

const registered: [
  typeof Field | typeof CharField | typeof IntegerField | typeof CodeField | typeof JsonField,
  string,
  'lookup' | 'transform',
][] = []
function lookup(cls: (typeof registered)[number][0], name: string, extra: object = {}): void {
  registerLookup(cls, { name, ...render, ...extra })
  registered.push([cls, name, 'lookup'])
}
function transform(cls: (typeof registered)[number][0], name: string, extra: object = {}): void {
  registerTransform(cls, { name, ...render, ...extra })
  registered.push([cls, name, 'transform'])
}

afterEach(() => {
  for (const [cls, name, kind] of registered.splice(0)) {
    if (kind === 'lookup') unregisterLookup(cls, name)
    else unregisterTransform(cls, name)
  }
})

describe('registerLookup / registerTransform: checks at registration', () => {
  it('takes a field class, a valid name and an sql function', () => {
    expect(() => registerLookup({} as never, { name: 'ne', ...render })).toThrow(TypeMismatchError)
    expect(() => registerLookup(Date as never, { name: 'ne', ...render })).toThrow(/field class/)
    for (const name of ['', 'a__b', '_a', 'a_', '1a', 'a-b', 'a b', "a'", 3]) {
      expect(() => registerLookup(CharField, { name: name as string, ...render }), String(name)).toThrow(
        FieldError,
      )
    }
    expect(() => registerLookup(CharField, { name: 'ne' } as never)).toThrow(/sql must be a function/)
    expect(() => registerLookup(CharField, { name: 'ne', rhs: 'many' as never, ...render })).toThrow(
      TypeMismatchError,
    )
    expect(() => registerTransform(IntegerField, { name: 'abs', output: 'foreignKey', ...render })).toThrow(
      TypeMismatchError,
    )
  })

  it('refuses the name of a built-in lookup or transform unless override: true', () => {
    for (const name of ['exact', 'icontains', 'isnull', 'year', 'date', 'has_key', 'contained_by']) {
      expect(() => registerLookup(CharField, { name, ...render }), name).toThrow(
        /built-in lookup or transform; pass override: true/,
      )
      expect(() => registerTransform(CharField, { name, ...render }), name).toThrow(FieldError)
    }
    expect(() => registerLookup(CharField, { name: 'pk', ...render })).toThrow(/reserved/)
    lookup(CharField, 'exact', { override: true })
    expect(cond(qs().filter({ name: 'x' }).state.where).lookup).toBe('exact')
  })

  it('refuses a second registration of a name on the same class unless override: true', () => {
    lookup(CharField, 'ne')
    expect(() => registerLookup(CharField, { name: 'ne', ...render })).toThrow(
      /already registered on CharField/,
    )
    expect(() => registerTransform(CharField, { name: 'ne', ...render })).toThrow(/already registered/)
    lookup(CharField, 'ne', { override: true })
    expect(unregisterLookup(CharField, 'ne')).toBe(true)
    expect(unregisterLookup(CharField, 'ne')).toBe(false)
    expect(unregisterTransform(CharField, 'nothing')).toBe(false)
  })
})

describe('resolving registered names', () => {
  it('a lookup registered on a class works on its fields and subclasses, and is unknown elsewhere with the choices listed', () => {
    lookup(CharField, 'ne')
    expect(cond(qs().filter({ name__ne: 'x' }).state.where).lookup).toBe('ne')
    expect(cond(qs().filter({ code__ne: 'x' }).state.where).lookup).toBe('ne')
    expect(() => qs().filter({ n__ne: 1 })).toThrow(FieldError)
    expect(() => qs().filter({ n__ne: 1 })).toThrow(
      /Unsupported lookup or transform 'ne' for Gadget.n \(IntegerField\).*Choices are: .*exact.*isnull/,
    )
    expect(() => qs().filter({ n__ne: 1 })).not.toThrow(/Choices are: .*\bne\b/)
    expect(() => qs().filter({ name__nee: 'x' })).toThrow(/Choices are: .*\bne\b/)
  })

  it('a lookup registered on a subclass stays off its parent class', () => {
    lookup(CodeField, 'shortcode')
    expect(cond(qs().filter({ code__shortcode: 'x' }).state.where).lookup).toBe('shortcode')
    expect(() => qs().filter({ name__shortcode: 'x' })).toThrow(FieldError)
  })

  it('a lookup registered on Field works on every kind, through relations and in Q', () => {
    lookup(Field, 'is_set', { rhs: 'boolean' })
    expect(cond(qs().filter({ at__is_set: true }).state.where).value).toBe(true)
    expect(cond(qs().filter(Q({ n__is_set: false }).not()).state.where).lookup).toBe('is_set')
    expect(() => qs().filter({ at__is_set: 'yes' })).toThrow(TypeMismatchError)
  })

  it('a transform chains with the lookups and transforms of its output kind', () => {
    transform(IntegerField, 'abs', { output: 'integer' })
    transform(CharField, 'lower')
    lookup(CharField, 'ne')
    const c = cond(qs().filter({ n__abs__gte: 3 }).state.where)
    expect([c.path.transforms, c.lookup, c.value]).toEqual([['abs'], 'gte', 3])
    expect(cond(qs().filter({ n__abs__abs: 3 }).state.where).path.transforms).toEqual(['abs', 'abs'])
    expect(cond(qs().filter({ name__lower__ne: 'x' }).state.where).lookup).toBe('ne')
    expect(cond(qs().filter({ at__year__abs__lt: 3 }).state.where).path.transforms).toEqual(['year', 'abs'])
    expect(() => qs().filter({ n__abs__gte: 'x' })).toThrow(TypeMismatchError)
    expect(() => qs().filter({ name__abs: 1 })).toThrow(FieldError)
    expect(qs().values('n__abs').state.values[0]!.expr).toMatchObject({
      type: 'col',
      path: { transforms: ['abs'] },
    })
    expect(() => qs().values('name__abs')).toThrow(FieldError)
  })

  it('the right-hand side is checked as the definition says', () => {
    lookup(CharField, 'ne')
    lookup(CharField, 'none_of', { rhs: 'list' })
    lookup(IntegerField, 'matches', { rhs: 'text' })
    expect(() => qs().filter({ name__ne: null })).toThrow(/does not accept null/)
    expect(() => qs().filter({ name__ne: { a: 1 } })).toThrow(TypeMismatchError)
    expect(cond(qs().filter({ name__ne: F('code') }).state.where).isExpr).toBe(true)
    expect(cond(qs().filter({ name__none_of: ['a', null, 'b'] }).state.where).value).toEqual(['a', 'b'])
    expect(() => qs().filter({ name__none_of: [] })).toThrow(/non-empty array/)
    expect(() => qs().filter({ name__none_of: 'a' })).toThrow(TypeMismatchError)
    expect(cond(qs().filter({ n__matches: 12 }).state.where).value).toBe('12')
  })

  it('a transform registered on JsonField comes before key names; other names are keys', () => {
    transform(JsonField, 'keys_count', { output: 'integer' })
    expect(cond(qs().filter({ data__keys_count__gt: 1 }).state.where).path).toMatchObject({
      transforms: ['keys_count'],
    })
    expect(cond(qs().filter({ data__owner__keys_count: 1 }).state.where).path).toMatchObject({
      keys: ['owner'],
      transforms: ['keys_count'],
    })
    expect(cond(qs().filter({ data__abs: 1 }).state.where).path).toMatchObject({
      keys: ['abs'],
      transforms: [],
    })
  })
})

describe('JSON key paths (no database needed)', () => {
  it('splits keys, array indexes and the lookup', () => {
    const c = cond(qs().filter({ data__items__0__sku__startswith: 'a' }).state.where)
    expect([c.path.keys, c.lookup, c.value]).toEqual([['items', 0, 'sku'], 'startswith', 'a'])
    expect(cond(qs().filter({ 'data__items__-1': 1 }).state.where).path.keys).toEqual(['items', -1])
    expect(cond(qs().filter({ data__owner: null }).state.where)).toMatchObject({
      lookup: 'exact',
      value: null,
    })
    expect(cond(qs().filter({ data: null }).state.where)).toMatchObject({ lookup: 'isnull', value: true })
    expect(cond(qs().filter({ data__contains__exact: 1 }).state.where)).toMatchObject({
      lookup: 'exact',
      path: { keys: ['contains'] },
    })
    expect(cond(qs().filter({ data__contains: 1 }).state.where)).toMatchObject({ lookup: 'contains' })
    expect(cond(qs().filter({ data__year__gte: 2 }).state.where)).toMatchObject({
      lookup: 'gte',
      path: { keys: ['year'] },
    })
    expect(() => qs().filter({ data__99999999999999999999: 1 })).toThrow(/out of range/)
  })

  it('checks JSON values and key lists', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    for (const value of [
      undefined,
      Number.NaN,
      1n,
      () => 1,
      new Date(0),
      cyclic,
      { a: [Number.POSITIVE_INFINITY] },
      new Map(),
    ]) {
      expect(() => qs().filter({ data__a: value }), String(value)).toThrow(TypeMismatchError)
    }
    expect(() => qs().filter({ data__has_key: 1 })).toThrow(/a key name/)
    expect(() => qs().filter({ data__has_keys: 'a' })).toThrow(/non-empty array of key names/)
    expect(() => qs().filter({ data__has_any_keys: ['a', 2] })).toThrow(TypeMismatchError)
    expect(() => qs().filter({ data__has_keys: [] })).toThrow(/non-empty/)
    expect(() => qs().filter({ data__n__gt: true })).toThrow(/a number or a string/)
    expect(() => qs().filter({ data__n__gt: null })).toThrow(TypeMismatchError)
    expect(() => qs().filter({ data__n__range: [1, 'b'] })).toThrow(/same type/)
    expect(() => qs().filter({ data__n__in: 1 })).toThrow(TypeMismatchError)
    expect(() => qs().filter({ data__n__isnull: 1 })).toThrow(TypeMismatchError)
    expect(() => qs().filter({ data__n__lt: F('n') })).toThrow(/plain value/)
    expect(() => qs().filter({ data__n: F('n') })).toThrow(/F\(\) of a JSON field/)
    expect(cond(qs().filter({ data__n: F('data__m') }).state.where).isExpr).toBe(true)
    expect(() => qs().filter({ name__has_key: 'a' })).toThrow(
      /Unsupported lookup or transform 'has_key' for Gadget.name/,
    )
  })

  it('F() and values() take key paths', () => {
    expect(qs().values('data__owner__name').state.values[0]!.expr).toMatchObject({
      type: 'col',
      path: { keys: ['owner', 'name'] },
    })
    expect(() => qs().values('name__owner')).toThrow(FieldError)
    expect(() => qs().filter({ n: F('at__owner') })).toThrow(FieldError)
    expect(DateTimeField).toBeDefined()
  })
})
