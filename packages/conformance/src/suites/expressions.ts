import { Avg, Count, F, Max, Min, Q, Sum, Value } from '@strata/core'
import { describe, expect, it } from 'vitest'
import { type ConformanceContext, sorted } from '../context.js'
import { Author, Comment, Post, Sample } from '../models.js'

async function titles(qs: PromiseLike<Post[]>): Promise<string[]> {
  return sorted((await qs).map((p) => p.title))
}

/** Q, F, annotate, aggregate, GROUP BY and HAVING. */
export function expressionSuite(ctx: ConformanceContext): void {
  describe('Q and F', () => {
    it('Q and/or/not', async () => {
      await ctx.seed()
      expect(
        await titles(Post.objects.filter(Q({ title__startswith: 'F' }).or({ title__startswith: 'D' }))),
      ).toEqual(['Django tips', 'First Post'])
      expect(await titles(Post.objects.filter(Q({ title__startswith: 'F' }).not()))).toEqual([
        'Anonymous',
        'Django tips',
        'École du Web',
      ])
      expect(
        await titles(Post.objects.filter(Q({ author__name: 'Alice' }).and({ rating__gt: '4' }))),
      ).toEqual(['First Post'])
      expect(
        await titles(
          Post.objects.filter(
            Q({ author__name: 'Alice' }).and(Q({ rating__gt: '4' }).or({ title__icontains: 'tips' })),
          ),
        ),
      ).toEqual(['Django tips', 'First Post'])
      expect(
        await titles(Post.objects.filter(Q({ author__name: 'Bob' }).or({ author: null }).not())),
      ).toEqual(['Django tips', 'First Post'])
      expect(
        await titles(Post.objects.exclude(Q({ author__name: 'Alice' }).or({ author__name: 'Bob' }))),
      ).toEqual(['Anonymous'])
      expect(
        await titles(Post.objects.filter(Q({ title: 'First Post' }), Q({ author__name: 'Alice' }))),
      ).toEqual(['First Post'])
      expect(
        await titles(Post.objects.filter(Q({ author__age__gt: 35 }).or({ author__age: null }).not())),
      ).toEqual(['Django tips', 'First Post'])
    })

    it('F in filters compares columns, also across relations', async () => {
      const a = await Author.objects.create({ name: 'Same', email: 'same@example.com', age: 1 })
      await Author.objects.create({ name: 'Other', email: 'x@example.com', age: 2 })
      const p = await Post.objects.create({ title: 'Same', content: 'Same', author: a })
      await Post.objects.create({ title: 'Different', content: 'Same' })
      expect(await titles(Post.objects.filter({ title: F('content') }))).toEqual(['Same'])
      expect(await titles(Post.objects.filter({ title: F('author__name') }))).toEqual(['Same'])
      expect(await titles(Post.objects.exclude({ title: F('content') }))).toEqual(['Different'])
      expect(p.author!.equals(a)).toBe(true)
      await Sample.objects.create({ label: 'lo', count: 3, small: 5 })
      await Sample.objects.create({ label: 'hi', count: 9, small: 5 })
      expect((await Sample.objects.filter({ count__gt: F('small').add(1) })).map((x) => x.label)).toEqual([
        'hi',
      ])
      expect(
        (await Sample.objects.filter({ small__gte: F('count').mul(2).sub(5) })).map((x) => x.label),
      ).toEqual(['lo'])
    })

    it('F in update() reads the current row value atomically', async () => {
      const s = await Sample.objects.create({ label: 'n', count: 10, price: '1.10', ratio: 1.5 })
      expect(
        await Sample.objects
          .filter({ pk: s.pk })
          .update({ count: F('count').add(5), price: F('price').mul(2), ratio: F('ratio').div(3) }),
      ).toBe(1)
      const fresh = await Sample.objects.get({ pk: s.pk })
      expect(fresh.count).toBe(15)
      expect(fresh.price).toBe('2.20')
      expect(fresh.ratio).toBeCloseTo(0.5)
      await Sample.objects.filter({ pk: s.pk }).update({ count: F('count').mod(4) })
      expect((await Sample.objects.get({ pk: s.pk })).count).toBe(3)
      await Sample.objects.filter({ pk: s.pk }).update({ label: Value('v') })
      expect((await Sample.objects.get({ pk: s.pk })).label).toBe('v')
    })
  })

  describe('annotate and aggregate', () => {
    it('annotate Count over the reverse relation', async () => {
      await ctx.seed()
      const rows = await Post.objects.annotate({ commentCount: Count('comment') }).orderBy('pubDate')
      expect(rows.map((p) => [p.title, p.commentCount])).toEqual([
        ['École du Web', 1],
        ['First Post', 2],
        ['Django tips', 1],
        ['Anonymous', 0],
      ])
      expect(rows[0]).toBeInstanceOf(Post)
      expect(typeof rows[0]!.commentCount).toBe('number')
      const authors = await Author.objects
        .annotate({ n: Count('posts'), best: Max('posts__rating') })
        .orderBy('name')
      expect(authors.map((a) => [a.name, a.n, a.best])).toEqual([
        ['Alice', 2, '4.50'],
        ['Bob', 1, '5.00'],
        ['Cara', 0, null],
      ])
    })

    it('an aggregated query can be ordered by a joined column', async () => {
      await ctx.seed()
      const rows = await Post.objects.annotate({ n: Count('comment') }).orderBy('author__name', 'title')
      expect(rows.map((p) => p.n)).toHaveLength(4)
      const names = new Map((await Author.objects.all()).map((a) => [a.id, a.name]))
      const ordered = rows.filter((p) => p.authorId !== null).map((p) => names.get(p.authorId!)!)
      expect(ordered).toEqual([...ordered].sort())
      expect(rows.find((p) => p.title === 'First Post')?.n).toBe(2)
    })

    it('filter on an annotation is HAVING', async () => {
      await ctx.seed()
      expect(
        await titles(
          Post.objects.annotate({ commentCount: Count('comment') }).filter({ commentCount__gte: 2 }),
        ),
      ).toEqual(['First Post'])
      expect(
        await titles(Post.objects.annotate({ commentCount: Count('comment') }).filter({ commentCount: 0 })),
      ).toEqual(['Anonymous'])
      expect(
        await titles(Post.objects.annotate({ commentCount: Count('comment') }).exclude({ commentCount: 1 })),
      ).toEqual(['Anonymous', 'First Post'])
      const qs = Post.objects
        .annotate({ commentCount: Count('comment') })
        .filter({ commentCount__gte: 1, author__name: 'Alice' })
      expect(await titles(qs)).toEqual(['Django tips', 'First Post'])
      expect(await qs.count()).toBe(2)
      expect(
        await Post.objects
          .annotate({ n: Count('comment') })
          .orderBy('-n', 'title')
          .valuesList('title', { flat: true }),
      ).toEqual(['First Post', 'Django tips', 'École du Web', 'Anonymous'])
    })

    it('Count with distinct and filter; aggregates with default', async () => {
      await ctx.seed()
      expect(
        await Comment.objects.aggregate({ n: Count('id'), authors: Count('author', { distinct: true }) }),
      ).toEqual({ n: 4, authors: 2 })
      expect(await Comment.objects.aggregate({ john: Count('id', { filter: { author: 'John' } }) })).toEqual({
        john: 2,
      })
      expect(
        await Comment.objects.aggregate({
          x: Count('id', { filter: Q({ author: 'John' }).or({ text__startswith: 'B' }) }),
        }),
      ).toEqual({ x: 3 })
      const rows = await Post.objects
        .annotate({ john: Count('comment', { filter: { comment__author: 'John' } }) })
        .orderBy('pubDate')
      expect(rows.map((p) => p.john)).toEqual([0, 1, 1, 0])
      expect(
        await Post.objects
          .filter({ title: 'nope' })
          .aggregate({ s: Sum('rating', { default: '0.00' }), n: Count('id') }),
      ).toEqual({ s: '0.00', n: 0 })
      expect(await Author.objects.aggregate({ ages: Sum('age', { distinct: true }) })).toEqual({ ages: 71 })
    })

    it('aggregate result types: Count number, Sum/Avg of decimal string, Min/Max keep the type', async () => {
      await ctx.seed()
      const r = await Post.objects.aggregate({
        n: Count('id'),
        total: Sum('rating'),
        avg: Avg('rating'),
        low: Min('rating'),
        high: Max('rating'),
        first: Min('pubDate'),
        last: Max('pubDate'),
      })
      expect(r.n).toBe(4)
      expect(r.total).toBe('12.75')
      expect(typeof r.avg).toBe('string')
      expect(Number(r.avg)).toBeCloseTo(3.1875, 2)
      expect(r.low).toBe('0.00')
      expect(r.high).toBe('5.00')
      expect(r.first).toBeInstanceOf(Date)
      expect((r.first as Date).toISOString()).toBe('2022-12-31T23:59:59.000Z')
      expect((r.last as Date).toISOString()).toBe('2024-02-29T12:00:00.000Z')
      const a = await Author.objects.aggregate({
        sum: Sum('age'),
        avg: Avg('age'),
        min: Min('age'),
        max: Max('age'),
        n: Count('age'),
        all: Count('id'),
      })
      expect(a).toEqual({ sum: 71, avg: 35.5, min: 30, max: 41, n: 2, all: 3 })
      expect(await Comment.objects.aggregate({ n: Count('id'), first: Min('pubDate') })).toEqual({
        n: 4,
        first: new Date('2023-01-01T09:00:00.000Z'),
      })
    })

    it('aggregates over no rows are null, except Count', async () => {
      const r = await Post.objects.aggregate({
        n: Count('id'),
        total: Sum('rating'),
        avg: Avg('rating'),
        low: Min('rating'),
        high: Max('pubDate'),
      })
      expect(r).toEqual({ n: 0, total: null, avg: null, low: null, high: null })
      expect(await Author.objects.none().aggregate({ n: Count('id'), s: Sum('age') })).toEqual({
        n: 0,
        s: null,
      })
      expect(
        await Author.objects.aggregate({ s: Sum('age', { default: 0 }), m: Max('age', { default: -1 }) }),
      ).toEqual({ s: 0, m: -1 })
    })

    it("Count of a non-null column counts every row (sent as COUNT(*)); of a nullable one, only non-null values; across a relation, only matches", async () => {
      await Sample.objects.bulkCreate([{ label: 'a', count: 1 }, { label: 'b', count: null }, { label: 'c', count: 3 }])
      expect(await Sample.objects.aggregate({ rows: Count('id'), labels: Count('label'), counts: Count('count'), distinct: Count('label', { distinct: true }) })).toEqual({ rows: 3, labels: 3, counts: 2, distinct: 3 })
      const { queries } = await ctx.db.captureQueries(() => Sample.objects.aggregate({ rows: Count('id') }))
      expect(queries[0]!.sql.toLowerCase()).toContain('count(*)')
      const a = await Author.objects.create({ name: 'Nobody', email: 'nobody@example.com', age: 30 })
      const rows = await Author.objects.filter({ pk: a.pk }).annotate({ n: Count('posts'), m: Count('posts__id') }).values('name', 'n', 'm')
      expect(rows).toEqual([{ name: 'Nobody', n: 0, m: 0 }])
    })

    it('a later values() keeps the grouping of values().annotate() (Django)', async () => {
      await ctx.seed()
      const perPost = await Comment.objects.values('post').annotate({ c: Count('id') }).values('c').orderBy('c')
      const expected = await Comment.objects.values('post').annotate({ c: Count('id') }).orderBy('c')
      expect(perPost.map((r) => r.c)).toEqual(expected.map((r) => r.c))
      expect(perPost.length).toBeGreaterThan(1)
    })

    it('values().annotate() groups by the values', async () => {
      await ctx.seed()
      const grouped = await Post.objects
        .values('author__name')
        .annotate({ n: Count('id') })
        .orderBy('-n')
      expect(grouped).toHaveLength(3)
      expect(grouped[0]).toEqual({ author__name: 'Alice', n: 2 })
      expect(grouped.slice(1)).toEqual(
        expect.arrayContaining([
          { author__name: null, n: 1 },
          { author__name: 'Bob', n: 1 },
        ]),
      )
      const byAuthor = await Comment.objects
        .values('author')
        .annotate({ posts: Count('post', { distinct: true }), last: Max('pubDate') })
        .orderBy('author')
      expect(byAuthor).toEqual([
        { author: 'Jane', posts: 2, last: new Date('2023-01-17T09:00:00.000Z') },
        { author: 'John', posts: 2, last: new Date('2023-06-02T09:00:00.000Z') },
      ])
      expect(
        await Comment.objects
          .values('author')
          .annotate({ n: Count('id') })
          .filter({ n__gt: 1 })
          .orderBy('author')
          .valuesList('author', { flat: true }),
      ).toEqual(['Jane', 'John'])
    })

    it('alias() filters and orders without returning the value', async () => {
      await ctx.seed()
      const rows = await Post.objects
        .alias({ n: Count('comment') })
        .filter({ n__gte: 1 })
        .orderBy('-n', 'title')
      expect(rows.map((p) => p.title)).toEqual(['First Post', 'Django tips', 'École du Web'])
      expect(Object.keys(rows[0]!.toJSON())).not.toContain('n')
      expect('n' in rows[0]!).toBe(false)
    })

    it('Min and Max keep date and time types; values() of an annotation', async () => {
      await Sample.objects.create({ label: 'a', day: '2020-02-29', clock: '13:45:10', big: 2n ** 60n })
      await Sample.objects.create({ label: 'b', day: '2021-12-31', clock: '08:00:00', big: 1n })
      expect(
        await Sample.objects.aggregate({
          first: Min('day'),
          last: Max('day'),
          early: Min('clock'),
          total: Sum('big'),
        }),
      ).toEqual({
        first: '2020-02-29',
        last: '2021-12-31',
        early: '08:00:00',
        total: 2n ** 60n + 1n,
      })
      await ctx.seed()
      expect(
        await Post.objects
          .annotate({ n: Count('comment') })
          .orderBy('pubDate')
          .values('title', 'n'),
      ).toEqual([
        { title: 'École du Web', n: 1 },
        { title: 'First Post', n: 2 },
        { title: 'Django tips', n: 1 },
        { title: 'Anonymous', n: 0 },
      ])
    })

    it('aggregate over an annotation and over a sliced query', async () => {
      await ctx.seed()
      expect(
        await Post.objects.annotate({ n: Count('comment') }).aggregate({ most: Max('n'), avg: Avg('n') }),
      ).toEqual({ most: 2, avg: 1 })
      expect(
        await Post.objects
          .orderBy('pubDate')
          .slice(0, 2)
          .aggregate({ total: Sum('rating') }),
      ).toEqual({ total: '9.50' })
    })
  })
}
