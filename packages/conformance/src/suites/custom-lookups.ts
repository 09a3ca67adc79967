import {
  CharField,
  F,
  Field,
  FieldError,
  IntegerField,
  Q,
  registerLookup,
  registerTransform,
  TypeMismatchError,
  unregisterLookup,
  unregisterTransform,
} from '@strata/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConformanceContext, sorted } from '../context.js'
import { Measure } from '../json-models.js'

async function labels(qs: PromiseLike<Measure[]>): Promise<string[]> {
  return sorted((await qs).map((m) => m.label))
}

/** Filters with keys the type checker does not know (the suite does not augment CustomLookups). */
function where(lookups: Record<string, unknown>): Promise<string[]> {
  return labels(Measure.objects.filter(Q(lookups as never)))
}

function excluding(lookups: Record<string, unknown>): Promise<string[]> {
  return labels(Measure.objects.exclude(Q(lookups as never)))
}

async function seed(): Promise<void> {
  const rows: [string, string | null, number | null][] = [
    ['alpha', 'a', -6],
    ['beta', null, 4],
    ['gamma', 'g', 9],
    ['Delta', '', null],
    ['epsilon', 'e', 0],
  ]
  for (const [label, code, n] of rows) await Measure.objects.create({ label, code, n })
}

/** The lookups and transforms a project might register, as in Django's tests/custom_lookups. */
function register(): void {
  registerLookup(CharField, { name: 'ne', sql: ({ lhs, rhs, sql }) => sql`${lhs} <> ${rhs}` })
  registerLookup(CharField, {
    name: 'blank',
    rhs: 'boolean',
    sql: ({ lhs, value, sql }) => (value ? sql`${lhs} = ''` : sql`${lhs} <> ''`),
  })
  registerLookup(Field, {
    name: 'none_of',
    rhs: 'list',
    sql: ({ lhs, rhs, sql }) => sql`${lhs} not in (${rhs})`,
  })
  registerLookup(IntegerField, {
    name: 'divisible_by',
    sql: ({ lhs, rhs, sql, dialect }) =>
      dialect === 'sqlite' ? sql`(${lhs} % ${rhs}) = 0` : sql`mod(${lhs}, ${rhs}) = 0`,
  })
  registerTransform(IntegerField, { name: 'abs', output: 'integer', sql: ({ lhs, sql }) => sql`abs(${lhs})` })
  registerTransform(CharField, { name: 'lower', output: 'text', sql: ({ lhs, sql }) => sql`lower(${lhs})` })
  registerTransform(CharField, {
    name: 'length',
    output: 'integer',
    sql: ({ lhs, sql, dialect }) => (dialect === 'sqlite' ? sql`length(${lhs})` : sql`char_length(${lhs})`),
  })
}

function unregister(): void {
  for (const name of ['ne', 'blank']) unregisterLookup(CharField, name)
  unregisterLookup(Field, 'none_of')
  unregisterLookup(IntegerField, 'divisible_by')
  unregisterTransform(IntegerField, 'abs')
  for (const name of ['lower', 'length']) unregisterTransform(CharField, name)
}

/** Lookups and transforms registered by the project (Django's register_lookup), on every database. */
export function customLookupSuite(ctx: ConformanceContext): void {
  describe('custom lookups and transforms', () => {
    beforeAll(register)
    afterAll(unregister)

    it('a registered lookup works in filter, exclude and Q, with values and F()', async () => {
      await seed()
      expect(await where({ label__ne: 'alpha' })).toEqual(['Delta', 'beta', 'epsilon', 'gamma'])
      expect(await excluding({ label__ne: 'alpha' })).toEqual(['alpha'])
      expect(
        await labels(
          Measure.objects.filter(Q({ label__ne: 'alpha' } as never).and({ label__ne: 'beta' } as never)),
        ),
      ).toEqual(['Delta', 'epsilon', 'gamma'])
      expect(await labels(Measure.objects.filter(Q({ label__ne: 'alpha' } as never).not()))).toEqual([
        'alpha',
      ])
      // A NULL column is neither equal nor unequal; exclude() keeps it, as Django does for any lookup.
      expect(await where({ code__ne: 'a' })).toEqual(['Delta', 'epsilon', 'gamma'])
      expect(await excluding({ code__ne: 'a' })).toEqual(['alpha', 'beta'])
      expect(await where({ label__ne: F('label') })).toEqual([])
      expect(await where({ code__ne: F('label') })).toEqual(['Delta', 'alpha', 'epsilon', 'gamma'])
    })

    it('a registered transform chains with lookups, transforms and registered lookups', async () => {
      await seed()
      expect(await where({ n__abs: 6 })).toEqual(['alpha'])
      expect(await where({ n__abs__gte: 5 })).toEqual(['alpha', 'gamma'])
      expect(await where({ n__abs__in: [4, 9] })).toEqual(['beta', 'gamma'])
      expect(await where({ n__abs__lt: F('step') })).toEqual(['epsilon'])
      expect(await where({ n__abs__isnull: true })).toEqual(['Delta'])
      expect(await where({ n__abs__abs: 6 })).toEqual(['alpha'])
      expect(await where({ n__abs__divisible_by: 3 })).toEqual(['alpha', 'epsilon', 'gamma'])
      expect(await where({ n__divisible_by: 2 })).toEqual(['alpha', 'beta', 'epsilon'])
      expect(await where({ label__lower: 'delta' })).toEqual(['Delta'])
      expect(await where({ label__lower__startswith: 'del', label__lower__length: 5 })).toEqual(['Delta'])
      expect(await where({ label__lower__ne: 'delta' })).toEqual(['alpha', 'beta', 'epsilon', 'gamma'])
      expect(await where({ label__length__gte: 5 })).toEqual(['Delta', 'alpha', 'epsilon', 'gamma'])
      expect(await excluding({ n__abs__gte: 5 })).toEqual(['Delta', 'beta', 'epsilon'])
    })

    it('registered transforms work in values(), orderBy(), F() and annotate()', async () => {
      await seed()
      const numbered = Measure.objects.filter({ n__isnull: false })
      expect((await numbered.orderBy('n__abs' as 'n')).map((m) => m.label)).toEqual([
        'epsilon',
        'beta',
        'alpha',
        'gamma',
      ])
      expect((await numbered.orderBy('-n__abs' as 'n')).map((m) => m.label)).toEqual([
        'gamma',
        'alpha',
        'beta',
        'epsilon',
      ])
      expect(await numbered.orderBy('label').values('label', 'n__abs' as 'n')).toEqual([
        { label: 'alpha', n__abs: 6 },
        { label: 'beta', n__abs: 4 },
        { label: 'epsilon', n__abs: 0 },
        { label: 'gamma', n__abs: 9 },
      ])
      expect(await labels(Measure.objects.annotate({ m: F('n__abs' as 'n') }).filter({ m__gt: 5 }))).toEqual([
        'alpha',
        'gamma',
      ])
      expect(
        await Measure.objects
          .filter({ label: 'Delta' })
          .valuesList('label__lower' as 'label', { flat: true }),
      ).toEqual(['delta'])
    })

    it('list and boolean right-hand sides; a lookup registered on Field works on every kind', async () => {
      await seed()
      expect(await where({ label__none_of: ['alpha', 'beta'] })).toEqual(['Delta', 'epsilon', 'gamma'])
      expect(await where({ n__none_of: [4, 9] })).toEqual(['alpha', 'epsilon'])
      expect(await where({ step__none_of: [1] })).toEqual([])
      expect(await where({ code__blank: true })).toEqual(['Delta'])
      expect(await where({ code__blank: false })).toEqual(['alpha', 'epsilon', 'gamma'])
    })

    it('a registered name is unknown on other field classes, with the choices listed', async () => {
      await seed()
      expect(() => where({ n__ne: 1 })).toThrow(FieldError)
      expect(() => where({ n__ne: 1 })).toThrow(
        /Unsupported lookup or transform 'ne' for Measure.n \(IntegerField\).*Choices are: .*abs.*divisible_by/,
      )
      expect(() => where({ label__ne__abs: 1 })).toThrow(FieldError)
      expect(() => where({ label__abs: 1 })).toThrow(/'abs'.*Choices are: .*lower.*\bne\b/)
      expect(() => where({ label__divisible_by: 2 })).toThrow(FieldError)
      expect(() => where({ n__blank: true })).toThrow(FieldError)
      expect(await where({ step__abs: 1 })).toEqual(['Delta', 'alpha', 'beta', 'epsilon', 'gamma'])
    })

    it('bad input to registered lookups and transforms: clear errors before any SQL, data unchanged', async () => {
      await seed()
      const before = await ctx.rawRows(Measure)
      const bad: [Record<string, unknown>, RegExp][] = [
        [{ label__ne: null }, /does not accept null/],
        [{ label__ne: { $ne: 1 } }, /scalar value/],
        [{ n__abs__gte: 'x' }, /integer/],
        [{ n__divisible_by: '3x' }, /integer/],
        [{ label__none_of: [] }, /non-empty array/],
        [{ label__none_of: 'alpha' }, /an array/],
        [{ code__blank: 'yes' }, /true or false/],
        [{ label__ne: undefined }, /undefined/],
      ]
      for (const [lookups, message] of bad) {
        expect(() => where(lookups), JSON.stringify(lookups)).toThrow(TypeMismatchError)
        expect(() => where(lookups), JSON.stringify(lookups)).toThrow(message)
      }
      expect(await where({ label__ne: "x' or 1=1 --" })).toEqual([
        'Delta',
        'alpha',
        'beta',
        'epsilon',
        'gamma',
      ])
      expect(await where({ label__lower: "' or '1'='1" })).toEqual([])
      expect(await ctx.rawRows(Measure)).toEqual(before)
    })
  })
}
