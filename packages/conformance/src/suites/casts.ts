import { Case, Cast, Count, Exists, ExpressionWrapper, F, f, FieldError, OuterRef, Q, TypeMismatchError, Value, When } from '@strata/core'
import { describe, expect, it } from 'vitest'
import { type ConformanceContext, sorted } from '../context.js'
import { Comment, Post, Sample } from '../models.js'

/** Cast() to decimals, booleans, dates and datetimes; ExpressionWrapper(); boolean expressions as filters (checklist I). */
export function castSuite(ctx: ConformanceContext): void {
  describe('Cast() to decimal, boolean, date and dateTime', () => {
    async function samples() {
      const a = await Sample.objects.create({ label: '7.125', count: 0, small: 3, at: new Date('2024-03-05T22:20:30.123Z'), day: '2024-03-05' })
      const b = await Sample.objects.create({ label: '3', count: 5, small: 5, at: null, day: null })
      const c = await Sample.objects.create({ label: '-0.5', count: null, small: 0 })
      return { a, b, c }
    }

    it('converts to a decimal field, rounded to its decimal places and returned as a string', async () => {
      await samples()
      const money = f.decimal({ maxDigits: 8, decimalPlaces: 2 })
      const rows = await Sample.objects.annotate({ d: Cast('label', money) }).orderBy('small').valuesList('label', 'd')
      expect(rows).toEqual([
        ['-0.5', '-0.50'],
        ['7.125', '7.13'],
        ['3', '3.00'],
      ])
      const big = await Sample.objects.annotate({ d: Cast('label', money) }).filter({ d__gt: '3.5' }).valuesList('label', { flat: true })
      expect(big).toEqual(['7.125'])
      // An integer column cast to a decimal reads back as a decimal string.
      const fromInt = await Sample.objects.filter({ label: '3' }).annotate({ d: Cast('count', money) }).valuesList('d', { flat: true })
      expect(fromInt).toEqual(['5.00'])
    })

    it('converts to booleans (SQL truthiness of numbers; null stays null)', async () => {
      await samples()
      const rows = await Sample.objects.annotate({ b: Cast('count', 'boolean') }).orderBy('small').valuesList('label', 'b')
      expect(rows).toEqual([
        ['-0.5', null],
        ['7.125', false],
        ['3', true],
      ])
      expect(await Sample.objects.annotate({ b: Cast('count', 'boolean') }).filter({ b: true }).count()).toBe(1)
    })

    it('converts datetimes to dates in UTC and dates or text to datetimes at UTC midnight', async () => {
      await samples()
      const row = await Sample.objects
        .filter({ label: '7.125' })
        .annotate({ d: Cast('at', 'date'), t: Cast('day', 'dateTime'), v: Cast(Value('2024-01-02 03:04:05'), 'dateTime') })
        .values('d', 't', 'v')
        .first()
      expect(row).toEqual({ d: '2024-03-05', t: new Date('2024-03-05T00:00:00.000Z'), v: new Date('2024-01-02T03:04:05.000Z') })
      const nulls = await Sample.objects.filter({ label: '3' }).annotate({ d: Cast('at', 'date'), t: Cast('day', 'dateTime') }).values('d', 't').first()
      expect(nulls).toEqual({ d: null, t: null })
      // The result filters and compares as its kind.
      expect(await Sample.objects.annotate({ d: Cast('at', 'date') }).filter({ d: '2024-03-05' }).count()).toBe(1)
      expect(await Sample.objects.annotate({ t: Cast('day', 'dateTime') }).filter({ t__lt: new Date('2024-03-05T00:00:01Z') }).count()).toBe(1)
    })

    it('to a text field as to text', async () => {
      await samples()
      const rows = await Sample.objects.annotate({ t: Cast('small', f.char({ maxLength: 10 })) }).orderBy('small').valuesList('t', { flat: true })
      expect(rows).toEqual(['0', '3', '5'])
    })

    it('bad kinds and fields are a FieldError before any SQL', () => {
      expect(() => Cast('label', 'decimal' as never)).toThrow(FieldError)
      expect(() => Cast('label', f.json())).toThrow(/Cast\(\) takes a field of kind/)
      expect(() => Cast('label', f.binary())).toThrow(FieldError)
      expect(() => Cast('label', {} as never)).toThrow(FieldError)
      expect(() => Cast('label', null as never)).toThrow(FieldError)
      expect(() => Sample.objects.annotate({ x: Cast('nope', f.decimal({ maxDigits: 5, decimalPlaces: 1 })) })).toThrow(FieldError)
    })
  })

  describe('ExpressionWrapper()', () => {
    it('types an expression as the given field: the value is converted as that field', async () => {
      await Sample.objects.create({ label: 'a', count: 5, small: 3, price: '2.50' })
      const money = f.decimal({ maxDigits: 14, decimalPlaces: 2 })
      const row = await Sample.objects
        .annotate({
          sum: ExpressionWrapper(F('small').add(F('count')), money),
          total: ExpressionWrapper(F('price').mul(F('count')), money),
          plain: F('small').add(F('count')),
        })
        .values('sum', 'total', 'plain')
        .first()
      expect(row).toEqual({ sum: '8.00', total: '12.50', plain: 8 })
      expect(await Sample.objects.annotate({ total: ExpressionWrapper(F('price').mul(F('count')), money) }).filter({ total__gte: '12.50' }).count()).toBe(1)
    })

    it('wraps aggregates, and its argument and field are checked', async () => {
      await Sample.objects.create({ label: 'a', small: 3 })
      await Sample.objects.create({ label: 'b', small: 4 })
      const avg = await Sample.objects.aggregate({ n: ExpressionWrapper(Count('id'), f.decimal({ maxDigits: 5, decimalPlaces: 1 })) })
      expect(avg).toEqual({ n: '2.0' })
      expect(() => ExpressionWrapper(F('small'), f.manyToMany('Tag') as never)).toThrow(FieldError)
      expect(() => ExpressionWrapper(42 as never, f.integer())).toThrow(FieldError)
      expect(() => Sample.objects.annotate({ x: ExpressionWrapper(F('nope'), f.integer()) })).toThrow(FieldError)
    })
  })

  describe('boolean expressions as filters: filter(Exists(...))', () => {
    const commented = () => Exists(Comment.objects.filter({ post: OuterRef('pk') }))

    it('filter(), exclude() and Q() take Exists() directly', async () => {
      await ctx.seed()
      expect(sorted((await Post.objects.filter(commented())).map((p) => p.title))).toEqual(['Django tips', 'First Post', 'École du Web'])
      expect((await Post.objects.exclude(commented())).map((p) => p.title)).toEqual(['Anonymous'])
      expect((await Post.objects.filter(Q(commented()).not())).map((p) => p.title)).toEqual(['Anonymous'])
      const either = await Post.objects.filter(Q(Exists(Comment.objects.filter({ post: OuterRef('pk'), author: 'Jane' }))).or({ title: 'Anonymous' }))
      expect(sorted(either.map((p) => p.title))).toEqual(['Anonymous', 'First Post', 'École du Web'])
      const both = await Post.objects.filter({ title__startswith: 'D' }, commented())
      expect(both.map((p) => p.title)).toEqual(['Django tips'])
      expect(await Post.objects.filter(commented()).count()).toBe(3)
    })

    it('a boolean Case and a boolean Cast are conditions too; update() and delete() follow them', async () => {
      await ctx.seed()
      const good = Case(When({ rating__gte: '4.00' }, { then: Value(true) }), { default: Value(false) })
      expect(sorted((await Post.objects.filter(good)).map((p) => p.title))).toEqual(['First Post', 'École du Web'])
      expect(await Post.objects.filter(Q(good).not()).count()).toBe(2)
      expect(await Post.objects.filter(commented()).update({ rating: '1.00' })).toBe(3)
      expect(await Post.objects.filter({ rating: '1.00' }).count()).toBe(3)
      const { total } = await Post.objects.exclude(commented()).delete()
      expect(total).toBe(1)
      expect(await Post.objects.count()).toBe(3)
    })

    it('a non-boolean expression is a TypeMismatchError before any SQL', async () => {
      await ctx.seed()
      expect(() => Post.objects.filter(F('title') as never)).toThrow(TypeMismatchError)
      expect(() => Post.objects.filter(Count('comment') as never)).toThrow(/boolean expressions/)
      expect(() => Post.objects.filter(Q(Value(3) as never))).toThrow(TypeMismatchError)
      expect(await Post.objects.count()).toBe(4)
    })
  })
}
