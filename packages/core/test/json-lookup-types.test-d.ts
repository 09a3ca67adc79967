import { F, type JsonValue } from '@strata/core'
import { describe, expectTypeOf, test } from 'vitest'
import { Sample } from './fixtures/sample.js'

declare function filterSample<L extends object>(l: import('@strata/core').Lookups<Sample, L>): void

describe('JSON key paths in filter keys', () => {
  test('any key path after a JSON field is accepted, with a lookup or without', () => {
    Sample.objects.filter({ extra__owner__name: 'x' })
    Sample.objects.filter({ extra__items__0__sku: 'a', extra__items__0__qty__gte: 2 })
    Sample.objects.filter({
      extra__owner: { name: 'x' },
      extra__tags: ['a', 'b'],
      extra__flag: true,
      extra__gone: null,
    })
    Sample.objects.filter({ settings__theme: 'dark', settings__size__lt: 10 })
    Sample.objects.filter({
      extra__owner__name__icontains: 'x',
      extra__owner__name__regex: '^a',
      extra__n__in: [1, 'a'],
    })
    Sample.objects.filter({ extra__owner__isnull: false, extra__n__range: [1, 5] })
    Sample.objects.filter({ extra__a: F('extra__b') })
  })

  test('has_key takes a string, has_keys and has_any_keys a list of strings', () => {
    Sample.objects.filter({ extra__has_key: 'owner', extra__owner__has_key: 'name' })
    Sample.objects.filter({ extra__has_keys: ['a', 'b'], extra__has_any_keys: ['a'] as const })
    expectTypeOf<
      Parameters<typeof filterSample<{ extra__has_key: string }>>[0]['extra__has_key']
    >().toEqualTypeOf<string>()
    expectTypeOf<
      Parameters<typeof filterSample<{ extra__has_keys: string[] }>>[0]['extra__has_keys']
    >().toEqualTypeOf<readonly string[]>()
    // @ts-expect-error: has_key takes a key name
    Sample.objects.filter({ extra__has_key: 1 })
    // @ts-expect-error: has_keys takes a list
    Sample.objects.filter({ extra__has_keys: 'a' })
    // @ts-expect-error: has_any_keys takes strings
    Sample.objects.filter({ extra__owner__has_any_keys: [1] })
  })

  test('contains and contained_by take a JSON value', () => {
    Sample.objects.filter({ extra__contains: { owner: { name: 'x' } }, extra__tags__contains: 'a' })
    Sample.objects.filter({ extra__contained_by: [1, 2], settings__contains: { theme: 'dark' } })
    expectTypeOf<
      Parameters<typeof filterSample<{ extra__contains: object }>>[0]['extra__contains']
    >().toEqualTypeOf<JsonValue>()
    // @ts-expect-error: undefined is not JSON
    Sample.objects.filter({ extra__contains: undefined })
  })

  test('isnull takes a boolean, comparisons a number or a string, text lookups a string', () => {
    // @ts-expect-error: isnull takes a boolean
    Sample.objects.filter({ extra__owner__isnull: 'no' })
    // @ts-expect-error: gt compares numbers or strings
    Sample.objects.filter({ extra__n__gt: true })
    // @ts-expect-error: istartswith takes a string
    Sample.objects.filter({ extra__name__istartswith: 3 })
    // @ts-expect-error: in takes a list
    Sample.objects.filter({ extra__n__in: 3 })
  })

  test('key paths only follow JSON fields', () => {
    // @ts-expect-error: a char field has no keys
    Sample.objects.filter({ site__owner: 'x' })
    // @ts-expect-error: has_key is a JSON lookup
    Sample.objects.filter({ body__has_key: 'x' })
  })
})

describe('JSON key paths in values() and F()', () => {
  test('a key path is a column of unknown JSON', () => {
    expectTypeOf(Sample.objects.values('extra__owner__name', 'settings__theme')).resolves.toEqualTypeOf<
      { extra__owner__name: unknown; settings__theme: unknown }[]
    >()
    Sample.objects.annotate({ owner: F('extra__owner__name') })
  })
})
