import { Count, F, FieldError, NotSupportedError, Q, TypeMismatchError } from '@strata/core'
import { describe, expect, it } from 'vitest'
import { type ConformanceContext, sorted } from '../context.js'
import { Doc } from '../json-models.js'

type Filter = Parameters<typeof Doc.objects.filter>[0]

async function names(qs: PromiseLike<Doc[]>): Promise<string[]> {
  return sorted((await qs).map((d) => d.name))
}

/** Rows built from a filter object written at run time (hostile keys cannot be typed as literals). */
function where(lookups: Record<string, unknown>): Promise<string[]> {
  return names(Doc.objects.filter(Q(lookups as never)))
}

/** Runs `fn` and returns what it threw, whether it threw at once or rejected. */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn()
  } catch (e) {
    return e
  }
  return undefined
}

const ALICE = {
  owner: { name: 'Alice', age: 30 },
  tags: ['a', 'b'],
  n: 14,
  active: true,
  rating: 4.5,
  nothing: null,
  label: 'Say "hi" 100%',
}
const BOB = {
  owner: { name: 'bob', age: 9 },
  tags: ['b'],
  n: 2,
  active: false,
  nothing: 0,
  items: [
    { sku: 'x1', qty: 2 },
    { sku: 'y2', qty: 5 },
  ],
}

/** Seven documents: SQL NULL, an empty list and object, two owners, a list and look-alike strings. */
async function seed(): Promise<Record<string, Doc>> {
  const rows: [string, unknown][] = [
    ['none', null],
    ['emptyList', []],
    ['emptyObject', {}],
    ['alice', ALICE],
    ['bob', BOB],
    ['list', [1, [2], 'three']],
    ['strings', { n: '14', owner: 'nobody', active: 'true' }],
  ]
  const out: Record<string, Doc> = {}
  for (const [name, data] of rows) out[name] = await Doc.objects.create({ name, data })
  return out
}

const ALL = ['alice', 'bob', 'emptyList', 'emptyObject', 'list', 'none', 'strings']
const HOSTILE_KEYS = [
  'a"b',
  "it's",
  'dot.ted',
  '[0]',
  'a[0]',
  '$',
  '$.owner',
  '*',
  '?',
  'back\\slash',
  '\\"',
  'with space',
  ' ',
  '50%_off',
  'émoji 🤡 ключ',
  "x') or 1=1 --",
  '"); delete from doc; --',
  'owner',
]

/** JSON key paths and lookups (Django's JSONField), the same on every database. */
export function jsonSuite(ctx: ConformanceContext): void {
  describe('json: key paths', () => {
    it('a key path compares JSON values: strings, numbers, booleans and null, by type', async () => {
      await seed()
      expect(await names(Doc.objects.filter({ data__owner__name: 'Alice' }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__owner__name: 'alice' }))).toEqual([])
      expect(await names(Doc.objects.filter({ data__n: 14 }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__n: 14.0 }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__n: '14' }))).toEqual(['strings'])
      expect(await names(Doc.objects.filter({ data__rating: 4.5 }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__active: true }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__active: false }))).toEqual(['bob'])
      expect(await names(Doc.objects.filter({ data__active: 'true' }))).toEqual(['strings'])
      expect(await names(Doc.objects.filter({ data__nothing: null }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__nothing: 0 }))).toEqual(['bob'])
      expect(await names(Doc.objects.filter({ data__label: 'Say "hi" 100%' }))).toEqual(['alice'])
    })

    it('a key path and the field itself match whole objects and arrays, whatever the key order', async () => {
      await seed()
      expect(await names(Doc.objects.filter({ data__owner: { age: 30, name: 'Alice' } }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__owner: { name: 'Alice' } }))).toEqual([])
      expect(await names(Doc.objects.filter({ data__tags: ['a', 'b'] }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__tags: ['b', 'a'] }))).toEqual([])
      expect(await names(Doc.objects.filter({ data__tags: ['b'] }))).toEqual(['bob'])
      expect(
        await names(
          Doc.objects.filter({
            data__items: [
              { qty: 2, sku: 'x1' },
              { sku: 'y2', qty: 5 },
            ],
          }),
        ),
      ).toEqual(['bob'])
      expect(await names(Doc.objects.filter({ data: {} }))).toEqual(['emptyObject'])
      expect(await names(Doc.objects.filter({ data: [] }))).toEqual(['emptyList'])
      expect(await names(Doc.objects.filter({ data: [1, [2], 'three'] }))).toEqual(['list'])
      expect(
        await names(Doc.objects.filter({ data__exact: { ...ALICE, owner: { age: 30, name: 'Alice' } } })),
      ).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data: { n: '14', owner: 'nobody' } }))).toEqual([])
    })

    it('integer segments index arrays (negative ones from the end), at any depth', async () => {
      await seed()
      expect(await names(Doc.objects.filter({ data__tags__0: 'a' }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__tags__0: 'b' }))).toEqual(['bob'])
      expect(await names(Doc.objects.filter({ data__items__1__sku: 'y2' }))).toEqual(['bob'])
      expect(await names(Doc.objects.filter({ 'data__items__-1__qty': 5 } as Filter))).toEqual(['bob'])
      expect(await names(Doc.objects.filter({ 'data__tags__-1': 'b' } as Filter))).toEqual(['alice', 'bob'])
      expect(await names(Doc.objects.filter({ data__0: 1, data__1__0: 2 }))).toEqual(['list'])
      expect(await names(Doc.objects.filter({ data__tags__2: 'a' }))).toEqual([])
      expect(await names(Doc.objects.filter({ 'data__tags__-2': 'a' } as Filter))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ 'data__tags__-3__isnull': false } as Filter))).toEqual([])
      expect(await names(Doc.objects.filter({ 'data__-1': 'three' } as Filter))).toEqual(['list'])
      // An index only reads arrays: it never matches an object or a scalar itself.
      expect(await names(Doc.objects.filter({ data__owner__0: { name: 'Alice', age: 30 } }))).toEqual([])
      expect(await names(Doc.objects.filter({ data__n__0__isnull: false }))).toEqual([])
      expect(await names(Doc.objects.filter({ data__0__isnull: false }))).toEqual(['list'])
    })

    it('isnull on a key tells a missing key from a present one, JSON null included', async () => {
      await seed()
      expect(await names(Doc.objects.filter({ data__nothing__isnull: false }))).toEqual(['alice', 'bob'])
      expect(await names(Doc.objects.filter({ data__nothing__isnull: true }))).toEqual([
        'emptyList',
        'emptyObject',
        'list',
        'none',
        'strings',
      ])
      expect(await names(Doc.objects.filter({ data__items__1__isnull: false }))).toEqual(['bob'])
      expect(
        await names(Doc.objects.filter(Q({ data__nothing__isnull: true }).or({ data__nothing: null }))),
      ).toEqual(ALL.filter((n) => n !== 'bob'))
      expect(await names(Doc.objects.filter({ data__isnull: true }))).toEqual(['none'])
      expect(await names(Doc.objects.filter({ data: null }))).toEqual(['none'])
      expect(await Doc.objects.filter({ data__isnull: false }).count()).toBe(6)
    })

    it('has_key, has_keys and has_any_keys test keys, also after a key path', async () => {
      await seed()
      expect(await names(Doc.objects.filter({ data__has_key: 'nothing' }))).toEqual(['alice', 'bob'])
      expect(await names(Doc.objects.filter({ data__has_key: 'owner' }))).toEqual(['alice', 'bob', 'strings'])
      expect(await names(Doc.objects.filter({ data__has_keys: ['owner', 'tags'] }))).toEqual(['alice', 'bob'])
      expect(await names(Doc.objects.filter({ data__has_keys: ['owner', 'items'] }))).toEqual(['bob'])
      expect(await names(Doc.objects.filter({ data__has_any_keys: ['items', 'label'] }))).toEqual([
        'alice',
        'bob',
      ])
      expect(await names(Doc.objects.filter({ data__owner__has_key: 'age' }))).toEqual(['alice', 'bob'])
      expect(await names(Doc.objects.filter({ data__items__0__has_keys: ['sku', 'qty'] }))).toEqual(['bob'])
      // An array's elements are not keys, and an index is not a key.
      expect(await names(Doc.objects.filter({ data__tags__has_key: 'a' }))).toEqual([])
      expect(await names(Doc.objects.filter({ data__has_key: '0' }))).toEqual([])
      expect(await names(Doc.objects.exclude({ data__has_key: 'owner' }))).toEqual([
        'emptyList',
        'emptyObject',
        'list',
        'none',
      ])
    })

    it('in, comparisons and range compare numbers with numbers and strings with strings', async () => {
      await seed()
      expect(await names(Doc.objects.filter({ data__n__in: [14, 2] }))).toEqual(['alice', 'bob'])
      expect(await names(Doc.objects.filter({ data__n__in: ['14', 99] }))).toEqual(['strings'])
      expect(
        await names(Doc.objects.filter({ data__owner__in: [{ name: 'bob', age: 9 }, 'nobody'] })),
      ).toEqual(['bob', 'strings'])
      expect(await names(Doc.objects.filter({ data__n__in: [] }))).toEqual([])
      expect(await names(Doc.objects.filter({ data__n__gt: 5 }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__n__lte: 14 }))).toEqual(['alice', 'bob'])
      expect(await names(Doc.objects.filter({ data__rating__gt: 4.25 }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__owner__age__gte: 10 }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__n__range: [1, 10] }))).toEqual(['bob'])
      expect(await names(Doc.objects.filter({ data__owner__name__gt: 'B' }))).toEqual(['bob'])
      expect(await names(Doc.objects.filter({ data__n__gte: '1' }))).toEqual(['strings'])
    })

    it('text lookups on a key read a string without its quotes, and match %, _ and quotes literally', async () => {
      await seed()
      expect(await names(Doc.objects.filter({ data__owner__name__iexact: 'ALICE' }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__owner__name__icontains: 'LIC' }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__owner__name__startswith: 'Al' }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__owner__name__startswith: 'al' }))).toEqual([])
      expect(await names(Doc.objects.filter({ data__owner__name__istartswith: 'B' }))).toEqual(['bob'])
      expect(await names(Doc.objects.filter({ data__owner__name__endswith: 'ce' }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__owner__name__iendswith: 'OB' }))).toEqual(['bob'])
      expect(await names(Doc.objects.filter({ data__tags__0__iexact: 'A' }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__label__startswith: 'Say "hi"' }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__label__endswith: '100%' }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__label__icontains: '_' }))).toEqual([])
      expect(await names(Doc.objects.filter({ data__owner__name__icontains: '%' }))).toEqual([])
      if (ctx.features.regex) {
        expect(await names(Doc.objects.filter({ data__owner__name__regex: '^A.i' }))).toEqual(['alice'])
        expect(await names(Doc.objects.filter({ data__owner__name__iregex: '^BO' }))).toEqual(['bob'])
      }
    })

    it('icontains on the field itself searches its JSON text', async () => {
      await seed()
      expect(await names(Doc.objects.filter({ data__icontains: 'NOBODY' }))).toEqual(['strings'])
      expect(await names(Doc.objects.filter({ data__icontains: 'y2' }))).toEqual(['bob'])
    })

    it('exclude() skips rows that lack the key, and keeps rows whose document is NULL (Django)', async () => {
      await seed()
      expect(await names(Doc.objects.exclude({ data__owner__name: 'Alice' }))).toEqual(['bob', 'none'])
      expect(await names(Doc.objects.filter(Q({ data__owner__name: 'Alice' }).not()))).toEqual([
        'bob',
        'none',
      ])
      expect(await names(Doc.objects.exclude({ data__nothing: null }))).toEqual(['bob'])
      // A string is not greater than a number: the condition is false (not unknown), so exclude() keeps it.
      expect(await names(Doc.objects.exclude({ data__n__gt: 5 }))).toEqual(['bob', 'none', 'strings'])
      expect(await names(Doc.objects.exclude({ data__nothing__isnull: true }))).toEqual(['alice', 'bob'])
    })

    it('contains and contained_by test JSON containment where the database has it', async () => {
      await seed()
      if (!ctx.features.jsonContains) {
        for (const lookup of [
          { data__contains: { n: 14 } },
          { data__owner__contained_by: { name: 'bob' } },
        ] as Filter[]) {
          const error = await thrown(() => Doc.objects.filter(lookup).count())
          expect(error).toBeInstanceOf(NotSupportedError)
          expect((error as Error).message).toMatch(/not supported on/)
          expect((error as Error).message).toContain(ctx.features.gaps.jsonContains ?? '')
        }
        return
      }
      expect(await names(Doc.objects.filter({ data__contains: { owner: { name: 'Alice' } } }))).toEqual([
        'alice',
      ])
      expect(await names(Doc.objects.filter({ data__contains: { tags: ['b'] } }))).toEqual(['alice', 'bob'])
      expect(await names(Doc.objects.filter({ data__contains: { n: 14 } }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__contains: { nothing: null } }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__contains: [[2]] }))).toEqual(['list'])
      expect(await names(Doc.objects.filter({ data__tags__contains: ['a'] }))).toEqual(['alice'])
      expect(await names(Doc.objects.filter({ data__owner__contains: { age: 9 } }))).toEqual(['bob'])
      expect(
        await names(Doc.objects.filter({ data__owner__contained_by: { name: 'bob', age: 9, extra: 1 } })),
      ).toEqual(['bob'])
      expect(
        await names(
          Doc.objects.filter({ data__contained_by: { n: '14', owner: 'nobody', active: 'true', x: 1 } }),
        ),
      ).toEqual(['emptyObject', 'strings'])
    })

    it('values(), valuesList(), orderBy() and F() take key paths', async () => {
      await seed()
      const rows = await Doc.objects
        .filter({ name__in: ['alice', 'bob', 'none'] })
        .orderBy('name')
        .values('name', 'data__owner__name')
      expect(rows).toEqual([
        { name: 'alice', data__owner__name: 'Alice' },
        { name: 'bob', data__owner__name: 'bob' },
        { name: 'none', data__owner__name: null },
      ])
      const alice = Doc.objects.filter({ name: 'alice' })
      expect(await alice.valuesList('data__owner', { flat: true })).toEqual([{ name: 'Alice', age: 30 }])
      expect(
        await alice.valuesList(
          'data__tags',
          'data__active',
          'data__rating',
          'data__nothing',
          'data__tags__1',
        ),
      ).toEqual([[['a', 'b'], true, 4.5, null, 'b']])
      expect(await alice.valuesList('data__label', { flat: true })).toEqual(['Say "hi" 100%'])
      // Numbers sort as numbers (9 before 30), not as text.
      const owners = Doc.objects.filter({ data__owner__age__isnull: false })
      expect((await owners.orderBy('data__owner__age')).map((d) => d.name)).toEqual(['bob', 'alice'])
      expect((await owners.orderBy('-data__owner__age')).map((d) => d.name)).toEqual(['alice', 'bob'])
      expect((await owners.orderBy('data__owner__name')).map((d) => d.name)).toEqual(['alice', 'bob'])
      const annotated = await Doc.objects.annotate({ owner: F('data__owner__name') }).filter({ owner: 'bob' })
      expect(annotated.map((d) => [d.name, (d as unknown as { owner: unknown }).owner])).toEqual([
        ['bob', 'bob'],
      ])
      expect(
        await names(Doc.objects.annotate({ owner: F('data__owner') }).filter({ owner__age__lt: 10 })),
      ).toEqual(['bob'])
    })

    it('values() grouped by a key path, and DISTINCT ON a key path where the database has it', async () => {
      for (const [name, kind] of [
        ['x1', 'x'],
        ['y1', 'y'],
        ['x2', 'x'],
      ])
        await Doc.objects.create({ name, data: { kind } })
      const grouped = await Doc.objects
        .values('data__kind')
        .annotate({ c: Count('id') })
        .orderBy('data__kind')
      expect(grouped).toEqual([
        { data__kind: 'x', c: 2 },
        { data__kind: 'y', c: 1 },
      ])
      const first = Doc.objects.orderBy('data__kind', 'name').distinct('data__kind').values('name')
      if (ctx.features.distinctOn) expect((await first).map((r) => r.name)).toEqual(['x1', 'y1'])
      else expect(await thrown(() => first)).toBeInstanceOf(NotSupportedError)
    })

    it('a key compares with F() of another key', async () => {
      await Doc.objects.create({ name: 'same', data: { a: 'x', b: 'x', c: { k: [1] }, d: { k: [1] } } })
      await Doc.objects.create({ name: 'differs', data: { a: 'x', b: 'X', c: { k: [1] }, d: { k: [2] } } })
      expect(await names(Doc.objects.filter({ data__a: F('data__b') }))).toEqual(['same'])
      expect(await names(Doc.objects.filter({ data__c: F('data__d') }))).toEqual(['same'])
    })

    it('key paths work through relations, and exclude() through a multi-valued one', async () => {
      const { alice, bob } = await seed()
      await Doc.objects.create({ name: 'alice-child', data: { n: 1 }, parent: alice })
      await Doc.objects.create({ name: 'bob-child', data: { n: 2 }, parent: bob })
      expect(await names(Doc.objects.filter({ parent__data__owner__name: 'Alice' }))).toEqual(['alice-child'])
      expect(await names(Doc.objects.filter({ children__data__n: 2 }))).toEqual(['bob'])
      expect(await names(Doc.objects.exclude({ children__data__n: 2 }))).toEqual(
        sorted([...ALL.filter((n) => n !== 'bob'), 'alice-child', 'bob-child']),
      )
    })
  })

  describe('json: keys are data, never syntax', () => {
    it('hostile keys match exactly the row that has them, with every lookup', async () => {
      await seed()
      const docs = new Map<string, Doc>()
      for (const [i, key] of HOSTILE_KEYS.entries())
        docs.set(key, await Doc.objects.create({ name: `k${i}`, data: { [key]: `v${i}`, n: i } }))
      const everything = await Doc.objects.create({
        name: 'all',
        data: Object.fromEntries(HOSTILE_KEYS.map((k) => [k, 'all'])),
      })
      for (const [i, key] of HOSTILE_KEYS.entries()) {
        const own = key === 'owner' ? ['alice', 'all', 'bob', `k${i}`, 'strings'] : ['all', `k${i}`]
        expect(await where({ data__has_key: key }), key).toEqual(own)
        expect(await where({ data__has_keys: [key, 'n'] }), key).toEqual(own.filter((n) => n !== 'all'))
        expect(await where({ data__has_any_keys: [key, 'nope'] }), key).toEqual(own)
        expect(await where({ [`data__${key}`]: `v${i}` }), key).toEqual([`k${i}`])
        expect(await where({ [`data__${key}__startswith`]: 'al' }), key).toEqual(['all'])
        expect(await where({ [`data__${key}__isnull`]: false }), key).toEqual(own)
        const [value] = await Doc.objects
          .filter({ pk: docs.get(key)!.pk })
          .valuesList(`data__${key}` as 'name', { flat: true })
        expect(value, key).toBe(`v${i}`)
      }
      expect(await where({ data__has_keys: HOSTILE_KEYS })).toEqual(['all'])
      expect(await where({ data__has_key: '' })).toEqual([])
      await everything.refreshFromDb()
      expect(everything.data).toEqual(Object.fromEntries(HOSTILE_KEYS.map((k) => [k, 'all'])))
    })

    it('injection attempts in keys and values find nothing and change nothing', async () => {
      await seed()
      const before = await ctx.rawRows(Doc)
      const attempts: Record<string, unknown>[] = [
        { "data__n') = '1' or 1=1 or ('": 'x' },
        { 'data__a" or 1=1 --': 1 },
        { "data__x'); delete from doc; --": 'x' },
        { data__owner__name: "' or '1'='1" },
        { data__owner__name__startswith: "'; drop table doc; --" },
        { data__has_key: "owner' or '1'='1" },
        { data__has_any_keys: ['$', '*', '$.owner', "'"] },
        { data__owner__in: ["') or 1=1 --", { "'": "'" }] },
      ]
      for (const attempt of attempts) expect(await where(attempt), JSON.stringify(attempt)).toEqual([])
      expect(await Doc.objects.filter(Q({ "data__') or 1=1 --__isnull": true } as never)).count()).toBe(7)
      expect(await ctx.rawRows(Doc)).toEqual(before)
    })
  })

  describe('json: bad input', () => {
    it('wrong types, unknown names and nulls are clear errors before any SQL, and change nothing', async () => {
      await seed()
      const before = await ctx.rawRows(Doc)
      const bad: [Record<string, unknown>, typeof FieldError, RegExp][] = [
        [{ data__has_key: 1 }, TypeMismatchError, /a key name/],
        [{ data__has_keys: 'owner' }, TypeMismatchError, /array of key names/],
        [{ data__has_any_keys: ['owner', 2] }, TypeMismatchError, /array of key names/],
        [{ data__has_keys: [] }, TypeMismatchError, /non-empty/],
        [{ data__n__gt: true }, TypeMismatchError, /a number or a string/],
        [{ data__n__lte: null }, TypeMismatchError, /a number or a string/],
        [{ data__n__range: [1, 'z'] }, TypeMismatchError, /same type/],
        [{ data__n__in: 14 }, TypeMismatchError, /array/],
        [{ data__owner__isnull: 'no' }, TypeMismatchError, /true or false/],
        [{ data__owner: new Date(0) }, TypeMismatchError, /plain object/],
        [{ data__owner: Number.NaN }, TypeMismatchError, /JSON number/],
        [{ data__owner: 1n }, TypeMismatchError, /not JSON/],
        [{ data__owner: undefined }, TypeMismatchError, /undefined/],
        [{ data__contains: { f: () => 1 } }, TypeMismatchError, /not JSON/],
        [{ data__owner__name__icontains: { a: 1 } }, TypeMismatchError, /a string/],
        [{ data__n: F('name') }, TypeMismatchError, /JSON field/],
        [{ name__has_key: 'x' }, FieldError, /Unsupported lookup or transform 'has_key'.*Choices are:/],
        [{ name__owner: 'x' }, FieldError, /Unsupported lookup or transform 'owner'/],
        [{ data__99999999999999999999: 1 }, FieldError, /out of range/],
        [{ data__: 1 }, FieldError, /Malformed/],
      ]
      for (const [lookups, error, message] of bad) {
        const label = JSON.stringify(lookups, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))
        expect(() => Doc.objects.filter(Q(lookups as never)), label).toThrow(error)
        expect(() => Doc.objects.filter(Q(lookups as never)), label).toThrow(message)
      }
      expect(() => Doc.objects.values('name__owner' as 'name')).toThrow(FieldError)
      expect(await ctx.rawRows(Doc)).toEqual(before)
    })
  })
}
