import {
  Abs,
  Cast,
  Case,
  Ceil,
  Coalesce,
  Concat,
  Count,
  Exists,
  F,
  FieldError,
  Floor,
  Greatest,
  Least,
  Length,
  Lower,
  LTrim,
  Mod,
  Now,
  NullIf,
  OuterRef,
  Power,
  Q,
  Replace,
  Round,
  RTrim,
  Subquery,
  Substr,
  Trim,
  Upper,
  Value,
  When,
} from '@strata/core'
import { describe, expect, it } from 'vitest'
import { type ConformanceContext, sorted } from '../context.js'
import { Author, Comment, Post, Sample } from '../models.js'

function byKey<T extends Record<string, unknown>>(rows: readonly T[], key: keyof T): T[] {
  return [...rows].sort((a, b) => (String(a[key]) < String(b[key]) ? -1 : String(a[key]) > String(b[key]) ? 1 : 0))
}

/** Case/When, Subquery/Exists/OuterRef and database functions (Django's tests/expressions, tests/db_functions). */
export function functionSuite(ctx: ConformanceContext): void {
  describe('Case and When', () => {
    it('picks the first matching branch, else the default, else null', async () => {
      await ctx.seed()
      const grade = Case(
        When({ rating__gte: '4.5' }, { then: Value('good') }),
        When({ rating__gte: '3' }, { then: Value('ok') }),
        { default: Value('bad') },
      )
      const rows = await Post.objects.annotate({ grade }).values('title', 'grade')
      expect(byKey(rows, 'title')).toEqual([
        { title: 'Anonymous', grade: 'bad' },
        { title: 'Django tips', grade: 'ok' },
        { title: 'First Post', grade: 'good' },
        { title: 'École du Web', grade: 'good' },
      ])
      const noDefault = await Post.objects.annotate({ g: Case(When({ rating__gte: '4.5' }, { then: Value('good') })) }).values('title', 'g')
      expect(byKey(noDefault, 'title').map((r) => r.g)).toEqual([null, null, 'good', 'good'])
    })

    it('takes Q conditions, plain values and F, and can be filtered on', async () => {
      await ctx.seed()
      const flag = Case(When(Q({ author: null }).or({ title__startswith: 'D' }), { then: 1 }), { default: 0 })
      const qs = Post.objects.annotate({ flag })
      expect(sorted((await qs.filter({ flag: 1 })).map((p) => p.title))).toEqual(['Anonymous', 'Django tips'])
      expect(byKey(await qs.values('title', 'flag'), 'title').map((r) => Number(r.flag))).toEqual([1, 1, 0, 0])
      const label = await Post.objects
        .annotate({ label: Case(When({ author__isnull: false }, { then: F('author__name') }), { default: Value('nobody') }) })
        .values('title', 'label')
      expect(byKey(label, 'title').map((r) => r.label)).toEqual(['nobody', 'Alice', 'Alice', 'Bob'])
    })

    it('works over an aggregate annotation', async () => {
      await ctx.seed()
      const rows = await Post.objects
        .annotate({ n: Count('comment') })
        .annotate({ size: Case(When({ n__gte: 2 }, { then: Value('many') }), When({ n: 1 }, { then: Value('one') }), { default: Value('none') }) })
        .values('title', 'size')
      expect(byKey(rows, 'title').map((r) => r.size)).toEqual(['none', 'one', 'many', 'one'])
    })
  })

  describe('Subquery, Exists and OuterRef', () => {
    it('Exists() with OuterRef annotates and filters', async () => {
      await ctx.seed()
      const qs = Post.objects.annotate({ hasComments: Exists(Comment.objects.filter({ post: OuterRef('pk') })) })
      expect(byKey(await qs.values('title', 'hasComments'), 'title')).toEqual([
        { title: 'Anonymous', hasComments: false },
        { title: 'Django tips', hasComments: true },
        { title: 'First Post', hasComments: true },
        { title: 'École du Web', hasComments: true },
      ])
      expect((await qs.filter({ hasComments: false })).map((p) => p.title)).toEqual(['Anonymous'])
      const withJohn = Author.objects.annotate({
        johnCommented: Exists(Comment.objects.filter({ post__author: OuterRef('pk'), author: 'John' })),
      })
      expect(sorted((await withJohn.filter({ johnCommented: true })).map((a) => a.name))).toEqual(['Alice'])
    })

    it('Subquery() gives one value per outer row, null when none', async () => {
      await ctx.seed()
      const latest = Subquery(Comment.objects.filter({ post: OuterRef('pk') }).orderBy('-pubDate').values('text').slice(0, 1))
      const rows = await Post.objects.annotate({ latest }).values('title', 'latest')
      expect(byKey(rows, 'title').map((r) => r.latest)).toEqual([null, 'Nice tips', 'Thanks', 'Bravo'])
      const firstBy = Subquery(Comment.objects.filter({ post: OuterRef('pk') }).orderBy('pubDate').values('author').slice(0, 1))
      const posts = await Post.objects.annotate({ firstBy }).filter({ firstBy: 'John' })
      expect(sorted(posts.map((p) => p.title))).toEqual(['Django tips', 'First Post'])
    })

    it('Subquery() on the right of __in', async () => {
      await ctx.seed()
      const ids = Subquery(Comment.objects.filter({ author: 'John' }).values('post'))
      expect(sorted((await Post.objects.filter({ id__in: ids })).map((p) => p.title))).toEqual(['Django tips', 'First Post'])
    })

    it('unknown names are a FieldError before any SQL', () => {
      expect(() => Post.objects.annotate({ x: Exists(Comment.objects.filter({ post: OuterRef('nope') })) })).toThrow(FieldError)
      expect(() => Post.objects.annotate({ x: Subquery(Comment.objects.filter({ post: OuterRef('pk') }).values('text', 'author')) })).toThrow(FieldError)
      expect(() => Post.objects.annotate({ x: Exists(Comment.objects.filter({ nope: OuterRef('pk') } as never)) })).toThrow(FieldError)
    })
  })

  describe('database functions', () => {
    it('Lower, Upper, Length (characters, not bytes)', async () => {
      await ctx.seed()
      const rows = await Post.objects.annotate({ lo: Lower('title'), up: Upper('title'), len: Length('title') }).values('title', 'lo', 'up', 'len')
      const ecole = rows.find((r) => r.title === 'École du Web')!
      expect(ecole.len).toBe(12)
      const first = rows.find((r) => r.title === 'First Post')!
      expect([first.lo, first.up, first.len]).toEqual(['first post', 'FIRST POST', 10])
      expect((await Author.objects.annotate({ lname: Lower('name') }).filter({ lname: 'alice' })).map((a) => a.name)).toEqual(['Alice'])
    })

    it('Concat treats null as the empty string; Coalesce and NullIf', async () => {
      await ctx.seed()
      const rows = await Author.objects
        .annotate({ label: Concat('name', Value('-'), 'age'), age0: Coalesce('age', Value(0)), notBob: NullIf('name', Value('Bob')) })
        .values('name', 'label', 'age0', 'notBob')
      expect(byKey(rows, 'name')).toEqual([
        { name: 'Alice', label: 'Alice-30', age0: 30, notBob: 'Alice' },
        { name: 'Bob', label: 'Bob-', age0: 0, notBob: null },
        { name: 'Cara', label: 'Cara-41', age0: 41, notBob: 'Cara' },
      ])
    })

    it('Greatest, Least, Abs, Round, Ceil, Floor', async () => {
      await Sample.objects.create({ label: 'a', count: 3, small: 5, ratio: 2.567 })
      await Sample.objects.create({ label: 'b', count: -9, small: 5, ratio: -1.5 })
      const rows = await Sample.objects
        .annotate({
          hi: Greatest('count', 'small'),
          lo: Least('count', 'small'),
          abs: Abs('count'),
          r0: Round('ratio'),
          r1: Round('ratio', 1),
          up: Ceil('ratio'),
          down: Floor('ratio'),
        })
        .values('label', 'hi', 'lo', 'abs', 'r0', 'r1', 'up', 'down')
      const num = (v: unknown) => Number(v)
      const [a, b] = byKey(rows, 'label')
      expect([a!.hi, a!.lo, a!.abs].map(num)).toEqual([5, 3, 3])
      expect([b!.hi, b!.lo, b!.abs].map(num)).toEqual([5, -9, 9])
      expect([a!.r0, a!.r1, a!.up, a!.down].map(num)).toEqual([3, 2.6, 3, 2])
      expect([b!.up, b!.down].map(num)).toEqual([-1, -2])
      expect(sorted((await Sample.objects.filter({ small__lt: Abs('count') })).map((s) => s.label))).toEqual(['b'])
    })

    it('Now() is the current time in UTC', async () => {
      await ctx.seed()
      const before = Date.now()
      const row = await Post.objects.annotate({ now: Now() }).values('now').first()
      expect(row!.now).toBeInstanceOf(Date)
      expect(Math.abs((row!.now as Date).getTime() - before)).toBeLessThan(60_000)
      expect(await Post.objects.filter({ pubDate__lte: Now() }).count()).toBe(4)
    })

    it('unknown fields inside functions and Case are a FieldError before any SQL', () => {
      expect(() => Author.objects.annotate({ x: Lower('nope') })).toThrow(FieldError)
      expect(() => Author.objects.annotate({ x: Concat('name', 'nope') })).toThrow(FieldError)
      expect(() => Author.objects.annotate({ x: Coalesce('age', F('nope')) })).toThrow(FieldError)
      expect(() => Author.objects.filter({ name: Upper('nope') })).toThrow(FieldError)
      expect(() => Post.objects.annotate({ x: Case(When({ nope: 1 }, { then: Value(1) })) })).toThrow(FieldError)
      expect(() => Post.objects.annotate({ x: Case(When({ title: 'a' }, { then: F('nope') })) })).toThrow(FieldError)
      expect(() => Post.objects.annotate({ x: Case(When({ title: 'a' }, { then: 1 }), { default: F('nope') }) })).toThrow(FieldError)
    })
  })

  describe('text, number and cast functions', () => {
    it('Substr counts characters from 1, with or without a length', async () => {
      await ctx.seed()
      const rows = await Author.objects.annotate({ rest: Substr('name', 2), two: Substr('name', 1, 2) }).values('name', 'rest', 'two')
      expect(byKey(rows, 'name')).toEqual([
        { name: 'Alice', rest: 'lice', two: 'Al' },
        { name: 'Bob', rest: 'ob', two: 'Bo' },
        { name: 'Cara', rest: 'ara', two: 'Ca' },
      ])
      const ecole = await Post.objects.annotate({ head: Substr('title', 1, 5) }).filter({ head: 'École' }).values('title')
      expect(ecole).toEqual([{ title: 'École du Web' }])
    })

    it('Trim, LTrim, RTrim remove spaces', async () => {
      await Sample.objects.create({ label: '  pad  ' })
      const row = await Sample.objects.annotate({ both: Trim('label'), left: LTrim('label'), right: RTrim('label') }).values('both', 'left', 'right').first()
      expect(row).toEqual({ both: 'pad', left: 'pad  ', right: '  pad' })
      expect(await Sample.objects.annotate({ t: Trim('label') }).filter({ t: 'pad' }).count()).toBe(1)
    })

    it('Replace replaces every occurrence, case-sensitively; the replacement defaults to nothing', async () => {
      await ctx.seed()
      const rows = await Author.objects.annotate({ up: Replace('name', Value('a'), Value('A')), cut: Replace('name', Value('li')) }).values('name', 'up', 'cut')
      expect(byKey(rows, 'name')).toEqual([
        { name: 'Alice', up: 'Alice', cut: 'Ace' },
        { name: 'Bob', up: 'Bob', cut: 'Bob' },
        { name: 'Cara', up: 'CArA', cut: 'Cara' },
      ])
    })

    it('Mod keeps the sign of the dividend and works on floats; Power gives floats', async () => {
      await Sample.objects.create({ label: 'a', count: 7, small: 3, ratio: 5.5 })
      await Sample.objects.create({ label: 'b', count: -7, small: 3, ratio: 2 })
      const rows = await Sample.objects
        .annotate({ m: Mod('count', 'small'), fm: Mod('ratio', Value(2)), sq: Power('small', Value(2)), p: Power('ratio', Value(2)) })
        .values('label', 'm', 'fm', 'sq', 'p')
      const [a, b] = byKey(rows, 'label')
      expect([a!.m, a!.fm, a!.sq, a!.p]).toEqual([1, 1.5, 9, 30.25])
      expect([b!.m, b!.fm, b!.sq, b!.p]).toEqual([-1, 0, 9, 4])
      expect((await Sample.objects.annotate({ m: Mod('count', 'small') }).filter({ m: -1 })).map((r) => r.label)).toEqual(['b'])
    })

    it('Cast converts to integer, float and text', async () => {
      await ctx.seed()
      await Sample.objects.create({ label: '12', count: 7, small: 3 })
      const row = await Sample.objects
        .annotate({ n: Cast('label', 'integer'), f: Cast('small', 'float'), t: Cast('count', 'text'), c: Cast('count', 'char'), v: Cast(Value('42'), 'integer') })
        .values('n', 'f', 't', 'c', 'v')
        .first()
      expect(row).toEqual({ n: 12, f: 3, t: '7', c: '7', v: 42 })
      const alice = await Author.objects.annotate({ ageText: Cast('age', 'text') }).filter({ ageText: '30' })
      expect(alice.map((a) => a.name)).toEqual(['Alice'])
      const sum = await Sample.objects.annotate({ n: Cast('label', 'integer') }).filter({ n__gt: 11 }).count()
      expect(sum).toBe(1)
    })

    it('bad arguments are a FieldError before any SQL', () => {
      expect(() => Substr('name', 0)).toThrow(FieldError)
      expect(() => Substr('name', 1, -1)).toThrow(FieldError)
      expect(() => Substr('name', 1.5)).toThrow(FieldError)
      expect(() => Cast('name', 'decimalish' as never)).toThrow(/Cast\(\) kind must be one of/)
      expect(() => Author.objects.annotate({ x: Substr('nope', 1) })).toThrow(FieldError)
      expect(() => Author.objects.annotate({ x: Trim('nope') })).toThrow(FieldError)
      expect(() => Author.objects.annotate({ x: Replace('name', 'nope') })).toThrow(FieldError)
      expect(() => Author.objects.annotate({ x: Mod('age', 'nope') })).toThrow(FieldError)
      expect(() => Author.objects.annotate({ x: Power('nope', Value(2)) })).toThrow(FieldError)
      expect(() => Author.objects.annotate({ x: Cast('nope', 'integer') })).toThrow(FieldError)
    })
  })
}
