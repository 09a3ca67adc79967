import { Count, DataError, F, FieldError, Q, TypeMismatchError } from '@strata/core'
import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from '../context.js'
import { Author, Post, Sample } from '../models.js'

type Lookups = Record<string, unknown>
const filterPosts = (l: Lookups) => Post.objects.filter(l as never)
const filterSamples = (l: Lookups) => Sample.objects.filter(l as never)

/** Untrusted input: refused before any SQL, with a clear error, and the table never changes. */
export function badInputSuite(ctx: ConformanceContext): void {
  describe('bad input: names', () => {
    it('an unknown field, lookup or path is a FieldError naming the model and the choices, thrown by filter()', async () => {
      await ctx.seed()
      const cases: [string, RegExp][] = [
        ['nope', /Post/],
        ['title__nope', /nope/],
        ['author__nope', /Author/],
        ['author__name__nope', /nope/],
        ['comment__nope', /Comment/],
        ['title__year', /year/],
        ['title__exact__exact', /exact/],
        ['title__', /title__/],
        ['__title', /__title/],
        ['pubDate__year__nope', /nope/],
        ['tags__nope', /Tag/],
      ]
      for (const [key, message] of cases) {
        let err: unknown
        try {
          filterPosts({ [key]: 'x' })
        } catch (e) {
          err = e
        }
        expect(err, key).toBeInstanceOf(FieldError)
        expect((err as Error).message, key).toMatch(message)
        await ctx.expectRejectsUnchanged(Post, () => filterPosts({ [key]: 'x' }).delete(), FieldError)
        await ctx.expectRejectsUnchanged(
          Post,
          () => Post.objects.exclude({ [key]: 'x' } as never).update({ title: 'hacked' }),
          FieldError,
        )
      }
      const err = (() => {
        try {
          filterPosts({ nope: 1 })
        } catch (e) {
          return e as FieldError
        }
      })()!
      for (const choice of ['author', 'comment', 'content', 'id', 'pubDate', 'rating', 'tags', 'title'])
        expect(err.message).toContain(choice)
    })

    it('non-field keys (__proto__, constructor, toString, ...) are FieldErrors', async () => {
      await ctx.seed()
      const keys = [
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        'valueOf',
        'prototype',
        'title__constructor',
        'author____proto__',
        'author__constructor',
        '__defineGetter__',
        'pk__toString',
      ]
      for (const key of keys) {
        const input = JSON.parse(`{${JSON.stringify(key)}: "x"}`) as Lookups
        expect(Object.keys(input)).toEqual([key])
        expect(() => filterPosts(input), key).toThrow(FieldError)
        expect(() => Post.objects.filter(Q(input)), key).toThrow(FieldError)
        await ctx.expectRejectsUnchanged(
          Post,
          () => filterPosts(input).update({ title: 'hacked' }),
          FieldError,
        )
        await ctx.expectRejectsUnchanged(Post, () => Post.objects.update(input), FieldError)
        await ctx.expectRejectsUnchanged(
          Post,
          () => Post.objects.create({ title: 't', content: 'c', ...input } as never),
          FieldError,
        )
        await ctx.expectRejectsUnchanged(Post, () => Post.objects.get(input as never), FieldError)
        expect(() => Post.objects.orderBy(key), key).toThrow(FieldError)
        expect(() => Post.objects.values(key as never), key).toThrow(FieldError)
        expect(() => Post.objects.filter({ title: F(key) } as never), key).toThrow(FieldError)
        expect(() => Post.objects.annotate({ n: Count(key) } as never), key).toThrow(FieldError)
      }
      expect(Object.prototype).not.toHaveProperty('x')
    })

    it('SQL in keys is refused; SQL in values is data', async () => {
      await ctx.seed()
      const evil = [
        'title; DROP TABLE post; --',
        "title\" = 'x' OR 1=1 --",
        'title) OR (1=1',
        "title__in'); delete from post; --",
      ]
      for (const key of evil) {
        await ctx.expectRejectsUnchanged(Post, () => filterPosts({ [key]: 'x' }).delete(), FieldError)
        expect(() => Post.objects.orderBy(key)).toThrow(FieldError)
        expect(() => Post.objects.values(key as never)).toThrow(FieldError)
        expect(() => Post.objects.annotate({ [key]: Count('id') } as never)).toThrow(FieldError)
      }
      const values = [
        "'; DELETE FROM post; --",
        "' OR '1'='1",
        '" OR ""="',
        '\\',
        "x' UNION SELECT * FROM author --",
        '%',
        '_',
        "'--",
      ]
      for (const v of values) {
        expect(await filterPosts({ title: v }).count()).toBe(0)
        expect(await filterPosts({ title__icontains: v }).count()).toBe(0)
        expect(await filterPosts({ title__in: [v, 'x'] }).count()).toBe(0)
        expect(await filterPosts({ title__startswith: v }).count()).toBe(0)
      }
      expect(await Post.objects.count()).toBe(4)
      const p = await Post.objects.create({ title: "Robert'); DROP TABLE post;--", content: "' OR 1=1" })
      expect((await Post.objects.get({ pk: p.pk })).title).toBe("Robert'); DROP TABLE post;--")
      expect(await filterPosts({ content: "' OR 1=1" }).count()).toBe(1)
      expect(await Post.objects.count()).toBe(5)
    })
  })

  describe('bad input: values', () => {
    it('undefined as a filter value is an error, never a dropped condition', async () => {
      await ctx.seed()
      for (const l of [
        { title: undefined },
        { title__in: ['a', undefined] },
        { title__range: [undefined, 'b'] },
        { author: undefined },
      ]) {
        expect(() => filterPosts(l)).toThrow(TypeMismatchError)
        await ctx.expectRejectsUnchanged(Post, () => filterPosts(l).delete(), FieldError)
        await ctx.expectRejectsUnchanged(Post, () => Post.objects.exclude(l as never).delete(), FieldError)
      }
      await ctx.expectRejectsUnchanged(
        Post,
        () => Post.objects.filter({ title: 'First Post' }).update({ content: undefined as never }),
        TypeMismatchError,
      )
    })

    it('objects and arrays where a scalar is expected are errors, never operators', async () => {
      await ctx.seed()
      const cases: Lookups[] = [
        { title: { $ne: 'x' } },
        { title: { gt: '' } },
        { title: ['First Post'] },
        { id: { $gt: 0 } },
        { id__gt: [0] },
        { title__in: [{ $ne: 1 }] },
        { title__in: 'First Post' },
        { title__in: { 0: 'First Post', length: 1 } },
        { title__range: ['a'] },
        { title__range: 'a,z' },
        { author: { id: 1 } },
        { author__isnull: 'true' },
        { author__isnull: 1 },
        { title__icontains: { toString: () => 'x' } },
        { title__contains: ['a'] },
        { pubDate: { toISOString: () => '2023-01-01' } },
        { title: Object.create(null) as object },
      ]
      for (const l of cases) {
        expect(() => filterPosts(l), JSON.stringify(l)).toThrow(FieldError)
        await ctx.expectRejectsUnchanged(Post, () => filterPosts(l).update({ title: 'hacked' }), FieldError)
      }
      await ctx.expectRejectsUnchanged(
        Post,
        () => Post.objects.all().update({ title: { $set: 'x' } as never }),
        TypeMismatchError,
      )
      await ctx.expectRejectsUnchanged(
        Post,
        () => Post.objects.all().update({ title: ['x'] as never }),
        TypeMismatchError,
      )
    })

    it('wrong JavaScript types, NaN, Infinity and invalid dates are clear errors in filters', async () => {
      await ctx.seed()
      const cases: Lookups[] = [
        { author__age: 'abc' },
        { author__age: Number.NaN },
        { author__age__gt: Number.POSITIVE_INFINITY },
        { author__age: 1.5 },
        { author__age: true },
        { rating: 'abc' },
        { rating: Number.NaN },
        { rating__gt: Number.NEGATIVE_INFINITY },
        { pubDate: new Date('invalid') },
        { pubDate__gte: 'not a date' },
        { pubDate: 12345 },
        { pubDate__year: 'twenty' },
        { pubDate__year: Number.NaN },
        { pubDate__month: 1.5 },
        { pubDate__date: '2023-02-30' },
        { id: 'one' },
        { id: 2 ** 31 },
        { id__in: [1, 'x'] },
        { title: 5n },
        { title: Symbol('x') },
        { title: () => 'x' },
      ]
      for (const l of cases) {
        const label = String(Object.values(l)[0]?.toString?.() ?? Object.values(l)[0])
        expect(() => filterPosts(l), `${Object.keys(l)[0]}=${label}`).toThrow(TypeMismatchError)
        await ctx.expectRejectsUnchanged(Post, () => filterPosts(l).delete(), TypeMismatchError)
      }
      const sampleCases: Lookups[] = [
        { active: 'maybe' },
        { active: 2 },
        { big: 2n ** 63n },
        { big: 1.5 },
        { ratio: Number.NaN },
        { token: 'not-a-uuid' },
        { day: '2023-13-01' },
        { clock: '25:00' },
        { small: 40000 },
        { positive: -1 },
      ]
      await Sample.objects.create({ label: 's' })
      for (const l of sampleCases) {
        expect(() => filterSamples(l), Object.keys(l)[0]).toThrow(TypeMismatchError)
        await ctx.expectRejectsUnchanged(Sample, () => filterSamples(l).delete(), TypeMismatchError)
      }
    })

    it('wrong types, NaN, Infinity, invalid dates and out-of-range numbers are clear errors on save', async () => {
      const s = await Sample.objects.create({ label: 'keep', count: 1 })
      const cases: Lookups[] = [
        { count: 'abc' },
        { count: Number.NaN },
        { count: Number.POSITIVE_INFINITY },
        { count: 2 ** 31 },
        { count: -(2 ** 31) - 1 },
        { count: 1.5 },
        { small: 32768 },
        { positive: -1 },
        { big: 2n ** 63n },
        { big: -(2n ** 63n) - 1n },
        { big: 2 ** 60 },
        { ratio: Number.NaN },
        { ratio: Number.NEGATIVE_INFINITY },
        { price: 'abc' },
        { price: Number.NaN },
        { price: '1e5' },
        { active: 'yes please' },
        { at: new Date('nope') },
        { at: 'yesterday' },
        { at: new Date('+010000-01-01T00:00:00Z') },
        { day: '2023-02-30' },
        { day: new Date('+010000-01-01T00:00:00Z') },
        { clock: '24:00:00' },
        { span: Number.NaN },
        { token: 'x' },
        { data: () => 1 },
        { data: Number.NaN },
        { blob: 'bytes' },
        { label: 12 },
        { label: { toString: () => 'x' } },
      ]
      for (const l of cases) {
        const name = Object.keys(l)[0]!
        await ctx.expectRejectsUnchanged(
          Sample,
          () => Sample.objects.create({ label: 'new', ...l } as never),
          TypeMismatchError,
        )
        await ctx.expectRejectsUnchanged(
          Sample,
          () => Sample.objects.filter({ pk: s.pk }).update(l as never),
          TypeMismatchError,
        )
        const inst = await Sample.objects.get({ pk: s.pk })
        ;(inst as unknown as Record<string, unknown>)[name] = l[name]
        await ctx.expectRejectsUnchanged(Sample, () => inst.save(), TypeMismatchError)
      }
      expect((await Sample.objects.get({ pk: s.pk })).label).toBe('keep')
      // Values of the right type that do not fit the column: DataError, before any SQL.
      for (const l of [
        { price: '12345678901.00' },
        { price: -99999999999 },
        { label: 'x'.repeat(21) },
        { size: 'XL' },
      ] as Lookups[]) {
        const name = Object.keys(l)[0]!
        await ctx.expectRejectsUnchanged(
          Sample,
          () => Sample.objects.create({ label: 'new', ...l } as never),
          DataError,
        )
        await ctx.expectRejectsUnchanged(
          Sample,
          () => Sample.objects.filter({ pk: s.pk }).update(l as never),
          DataError,
        )
        const inst = await Sample.objects.get({ pk: s.pk })
        ;(inst as unknown as Record<string, unknown>)[name] = l[name]
        await ctx.expectRejectsUnchanged(Sample, () => inst.save(), DataError)
      }
    })

    it('values a database would truncate or coerce are refused on every dialect', async () => {
      await ctx.seed()
      await ctx.expectRejectsUnchanged(
        Post,
        () => Post.objects.create({ title: 'x'.repeat(101), content: 'c' }),
        DataError,
        /100/,
      )
      await ctx.expectRejectsUnchanged(
        Post,
        () => Post.objects.all().update({ title: 'é'.repeat(300) }),
        DataError,
        /100/,
      )
      await ctx.expectRejectsUnchanged(
        Post,
        () => Post.objects.create({ title: 't', content: 'c', rating: '100.00' }),
        DataError,
      )
      await ctx.expectRejectsUnchanged(
        Post,
        () =>
          Post.objects.bulkCreate([
            { title: 'ok', content: 'c' },
            { title: 't', content: 'c', rating: '-100' },
          ]),
        DataError,
      )
      await ctx.expectRejectsUnchanged(
        Author,
        () => Author.objects.create({ name: 'n', email: `${'a'.repeat(250)}@example.com` }),
        DataError,
      )
      // A date in year 10000 is refused, not rewritten.
      await ctx.expectRejectsUnchanged(
        Post,
        () => Post.objects.all().update({ pubDate: new Date('+010000-01-01T00:00:00Z') }),
        TypeMismatchError,
        /9999/,
      )
      // 100 characters, even beyond the BMP, fit.
      const ok = await Post.objects.create({ title: '😀'.repeat(100), content: 'c', rating: '99.99' })
      expect((await Post.objects.get({ pk: ok.pk })).title).toBe('😀'.repeat(100))
    })

    it('huge strings and numbers in filters are values, not errors', async () => {
      await ctx.seed()
      expect(await filterPosts({ content: 'x'.repeat(1_000_000) }).count()).toBe(0)
      expect(await filterPosts({ title__icontains: 'é'.repeat(10_000) }).count()).toBe(0)
      expect(
        await filterPosts({ id__in: Array.from({ length: 5000 }, (_, i) => i + 1_000_000) }).count(),
      ).toBe(0)
      expect(await filterPosts({ rating__lt: '99.99' }).count()).toBe(4)
      expect(await filterPosts({ author__age__lt: 2147483647 }).count()).toBe(2)
    })

    it('bad arguments to chainable methods throw synchronously', async () => {
      await ctx.seed()
      expect(() => Post.objects.filter('title' as never)).toThrow(TypeMismatchError)
      expect(() => Post.objects.filter(null as never)).toThrow(TypeMismatchError)
      expect(() => Post.objects.filter(['title'] as never)).toThrow(TypeMismatchError)
      expect(() => Post.objects.filter(new Date() as never)).toThrow(TypeMismatchError)
      expect(() => Post.objects.orderBy(5 as never)).toThrow(FieldError)
      expect(() => Post.objects.slice(1.5)).toThrow(TypeMismatchError)
      expect(() => Post.objects.annotate({ title: Count('id') } as never)).toThrow(FieldError)
      expect(() => Post.objects.annotate({ n: 'title' } as never)).toThrow(TypeMismatchError)
      expect(() => new Author({ nope: 1 } as never)).toThrow(FieldError)
      await ctx.expectRejectsUnchanged(
        Post,
        () => Post.objects.aggregate({ n: F('id') } as never),
        TypeMismatchError,
      )
      await ctx.expectRejectsUnchanged(
        Post,
        () => Post.objects.all().update({ nope: 1 } as never),
        FieldError,
      )
      await ctx.expectRejectsUnchanged(
        Post,
        () => Post.objects.all().update({ tags: 1 } as never),
        FieldError,
      )
      await ctx.expectRejectsUnchanged(
        Post,
        () => Post.objects.all().update({ title: F('nope') }),
        FieldError,
      )
      await ctx.expectRejectsUnchanged(
        Post,
        () => Post.objects.getOrCreate({ title: 'new' }, { defaults: { nope: 1 } as never }),
        FieldError,
        /Invalid field name/,
      )
    })
  })
}
