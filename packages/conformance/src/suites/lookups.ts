import { NotSupportedError } from '@strata/core'
import { describe, expect, it } from 'vitest'
import { type ConformanceContext, sorted } from '../context.js'
import { Comment, Post, Sample } from '../models.js'

async function titles(qs: PromiseLike<Post[]>): Promise<string[]> {
  return sorted((await qs).map((p) => p.title))
}

async function labels(qs: PromiseLike<Sample[]>): Promise<string[]> {
  return sorted((await qs).map((s) => s.label))
}

/** Every lookup and transform, with Django's semantics, the same on every database. */
export function lookupSuite(ctx: ConformanceContext): void {
  describe('lookups: comparison', () => {
    it('exact (default) is case-sensitive; iexact is not', async () => {
      await ctx.seed()
      expect(await titles(Post.objects.filter({ title: 'First Post' }))).toEqual(['First Post'])
      expect(await titles(Post.objects.filter({ title__exact: 'First Post' }))).toEqual(['First Post'])
      expect(await Post.objects.filter({ title: 'first post' }).count()).toBe(0)
      expect(await Post.objects.filter({ title: 'First Post ' }).count()).toBe(0)
      expect(await titles(Post.objects.filter({ title__iexact: 'fIRST pOST' }))).toEqual(['First Post'])
      expect(await titles(Post.objects.filter({ title__iexact: 'ÉCOLE DU WEB' }))).toEqual(['École du Web'])
      expect(await Post.objects.filter({ title__iexact: 'First' }).count()).toBe(0)
    })

    it('in: a list, an empty list, a QuerySet', async () => {
      await ctx.seed()
      expect(await titles(Post.objects.filter({ title__in: ['First Post', 'Anonymous', 'nope'] }))).toEqual([
        'Anonymous',
        'First Post',
      ])
      expect(await Post.objects.filter({ title__in: [] }).count()).toBe(0)
      expect(await Post.objects.exclude({ title__in: [] }).count()).toBe(4)
      expect(
        await titles(
          Post.objects.filter({ id__in: Comment.objects.filter({ author: 'John' }).values('post') }),
        ),
      ).toEqual(['Django tips', 'First Post'])
      expect(await titles(Post.objects.filter({ author__in: [] }))).toEqual([])
      expect(await titles(Post.objects.filter({ pubDate__year__in: [2022, 2024] }))).toEqual([
        'Anonymous',
        'École du Web',
      ])
    })

    it('gt, gte, lt, lte on numbers, decimals and dates', async () => {
      const { p1 } = await ctx.seed()
      expect(await titles(Post.objects.filter({ rating__gt: '3.25' }))).toEqual([
        'First Post',
        'École du Web',
      ])
      expect(await titles(Post.objects.filter({ rating__gte: '3.25' }))).toEqual([
        'Django tips',
        'First Post',
        'École du Web',
      ])
      expect(await titles(Post.objects.filter({ rating__lt: '4.5' }))).toEqual(['Anonymous', 'Django tips'])
      expect(await titles(Post.objects.filter({ rating__lte: '4.50' }))).toEqual([
        'Anonymous',
        'Django tips',
        'First Post',
      ])
      expect(await titles(Post.objects.filter({ rating__gt: '10.00' }))).toEqual([])
      expect(await titles(Post.objects.filter({ pubDate__gte: new Date('2023-01-01') }))).toEqual([
        'Anonymous',
        'Django tips',
        'First Post',
      ])
      expect(await titles(Post.objects.filter({ pubDate__lt: p1.pubDate }))).toEqual(['École du Web'])
      expect(await titles(Post.objects.filter({ pubDate__lte: p1.pubDate }))).toEqual([
        'First Post',
        'École du Web',
      ])
      expect(await titles(Post.objects.filter({ pubDate: new Date('2023-01-15T10:30:00.000Z') }))).toEqual([
        'First Post',
      ])
      expect(await titles(Post.objects.filter({ author__age__gt: 29 }))).toEqual([
        'Django tips',
        'First Post',
      ])
      expect(await titles(Post.objects.filter({ title__gt: 'F', title__lt: 'G' }))).toEqual(['First Post'])
    })

    it('range is inclusive at both ends', async () => {
      await ctx.seed()
      expect(await titles(Post.objects.filter({ rating__range: ['3.25', '4.50'] }))).toEqual([
        'Django tips',
        'First Post',
      ])
      expect(
        await titles(
          Post.objects.filter({
            pubDate__range: [new Date('2023-01-01T00:00:00Z'), new Date('2023-06-01T08:00:00Z')],
          }),
        ),
      ).toEqual(['Django tips', 'First Post'])
      expect(await Post.objects.filter({ rating__range: ['4.60', '4.99'] }).count()).toBe(0)
    })

    it('isnull and { field: null }', async () => {
      await ctx.seed()
      expect(await titles(Post.objects.filter({ author__isnull: true }))).toEqual(['Anonymous'])
      expect(await titles(Post.objects.filter({ author: null }))).toEqual(['Anonymous'])
      expect(await Post.objects.filter({ author__isnull: false }).count()).toBe(3)
      expect(await Post.objects.exclude({ author: null }).count()).toBe(3)
      // As in Django, a null across a nullable relation also matches rows without the related row.
      expect(await titles(Post.objects.filter({ author__age: null }))).toEqual(['Anonymous', 'École du Web'])
      expect(await titles(Post.objects.filter({ author__isnull: false, author__age: null }))).toEqual([
        'École du Web',
      ])
      expect(await titles(Post.objects.filter({ author__age__isnull: true }))).toEqual([
        'Anonymous',
        'École du Web',
      ])
    })
  })

  describe('lookups: text', () => {
    it('contains is case-sensitive; icontains is not, also beyond ASCII', async () => {
      await ctx.seed()
      expect(await titles(Post.objects.filter({ content__contains: 'first' }))).toEqual(['First Post'])
      expect(await Post.objects.filter({ title__contains: 'first' }).count()).toBe(0)
      expect(await Post.objects.filter({ title__contains: 'DJANGO' }).count()).toBe(0)
      expect(await titles(Post.objects.filter({ title__icontains: 'DJANGO' }))).toEqual(['Django tips'])
      expect(await titles(Post.objects.filter({ title__icontains: 'ÉCOLE' }))).toEqual(['École du Web'])
      expect(await titles(Post.objects.filter({ title__icontains: 'école' }))).toEqual(['École du Web'])
      expect(await Post.objects.filter({ title__contains: 'école' }).count()).toBe(0)
      await Sample.objects.create({ label: 'ÇA VA ÅNGSTRÖM' })
      expect(await labels(Sample.objects.filter({ label__icontains: 'ça va ångström' }))).toEqual([
        'ÇA VA ÅNGSTRÖM',
      ])
      expect(await labels(Sample.objects.filter({ label__istartswith: 'ça' }))).toEqual(['ÇA VA ÅNGSTRÖM'])
      expect(await labels(Sample.objects.filter({ label__iendswith: 'ström' }))).toEqual(['ÇA VA ÅNGSTRÖM'])
      expect(await Sample.objects.filter({ label__endswith: 'ström' }).count()).toBe(0)
    })

    it('startswith, istartswith, endswith, iendswith', async () => {
      await ctx.seed()
      expect(await titles(Post.objects.filter({ title__startswith: 'D' }))).toEqual(['Django tips'])
      expect(await Post.objects.filter({ title__startswith: 'd' }).count()).toBe(0)
      expect(await titles(Post.objects.filter({ title__istartswith: 'd' }))).toEqual(['Django tips'])
      expect(await titles(Post.objects.filter({ title__endswith: 'Post' }))).toEqual(['First Post'])
      expect(await Post.objects.filter({ title__endswith: 'post' }).count()).toBe(0)
      expect(await titles(Post.objects.filter({ title__iendswith: 'POST' }))).toEqual(['First Post'])
      expect(await titles(Post.objects.filter({ author__name__istartswith: 'a' }))).toEqual([
        'Django tips',
        'First Post',
      ])
    })

    it('%, _ and \\ are matched literally', async () => {
      for (const label of ['100%', '100 percent', 'a_b', 'axb', 'back\\slash', 'backXslash', "it's"])
        await Sample.objects.create({ label })
      expect(await labels(Sample.objects.filter({ label__contains: '%' }))).toEqual(['100%'])
      expect(await labels(Sample.objects.filter({ label__icontains: '%' }))).toEqual(['100%'])
      expect(await labels(Sample.objects.filter({ label__endswith: '0%' }))).toEqual(['100%'])
      expect(await labels(Sample.objects.filter({ label__contains: '_' }))).toEqual(['a_b'])
      expect(await labels(Sample.objects.filter({ label__startswith: 'a_' }))).toEqual(['a_b'])
      expect(await labels(Sample.objects.filter({ label__iexact: 'A_B' }))).toEqual(['a_b'])
      expect(await labels(Sample.objects.filter({ label__contains: '\\' }))).toEqual(['back\\slash'])
      expect(await labels(Sample.objects.filter({ label__icontains: 'K\\S' }))).toEqual(['back\\slash'])
      expect(await labels(Sample.objects.filter({ label__iexact: 'BACK\\SLASH' }))).toEqual(['back\\slash'])
      expect(await labels(Sample.objects.filter({ label__contains: "'" }))).toEqual(["it's"])
      expect(await labels(Sample.objects.filter({ label: "it's" }))).toEqual(["it's"])
    })

    it('regex and iregex (or NotSupportedError where the dialect has none)', async () => {
      await ctx.seed()
      if (ctx.features.regex) {
        expect(await titles(Post.objects.filter({ title__regex: '^[DF]' }))).toEqual([
          'Django tips',
          'First Post',
        ])
        expect(await titles(Post.objects.filter({ title__regex: '^[df]' }))).toEqual([])
        expect(await titles(Post.objects.filter({ title__iregex: '^[df]' }))).toEqual([
          'Django tips',
          'First Post',
        ])
        expect(await titles(Post.objects.filter({ title__regex: 'Post$' }))).toEqual(['First Post'])
        expect(await titles(Post.objects.exclude({ title__regex: 'st' }))).toEqual([
          'Anonymous',
          'Django tips',
          'École du Web',
        ])
      } else {
        await expect(Post.objects.filter({ title__regex: '^[DF]' })).rejects.toBeInstanceOf(NotSupportedError)
      }
    })
  })

  describe('lookups: date and time transforms (UTC)', () => {
    it('year, month, day with comparisons', async () => {
      await ctx.seed()
      expect(await titles(Post.objects.filter({ pubDate__year: 2023 }))).toEqual([
        'Django tips',
        'First Post',
      ])
      expect(await titles(Post.objects.filter({ pubDate__year: 2022 }))).toEqual(['École du Web'])
      expect(await titles(Post.objects.filter({ pubDate__year__gte: 2023 }))).toEqual([
        'Anonymous',
        'Django tips',
        'First Post',
      ])
      expect(await titles(Post.objects.filter({ pubDate__year__lt: 2023 }))).toEqual(['École du Web'])
      expect(await titles(Post.objects.filter({ pubDate__month: 12 }))).toEqual(['École du Web'])
      expect(await titles(Post.objects.filter({ pubDate__month__in: [1, 2] }))).toEqual([
        'Anonymous',
        'First Post',
      ])
      expect(await titles(Post.objects.filter({ pubDate__month__gt: 5, pubDate__month__lte: 6 }))).toEqual([
        'Django tips',
      ])
      expect(await titles(Post.objects.filter({ pubDate__day: 31 }))).toEqual(['École du Web'])
      expect(await titles(Post.objects.filter({ pubDate__day__gt: 20 }))).toEqual([
        'Anonymous',
        'École du Web',
      ])
      expect(
        await titles(Post.objects.filter({ pubDate__year: 2023 }).exclude({ title__icontains: 'django' })),
      ).toEqual(['First Post'])
    })

    it('week_day, iso_week_day, week, iso_year, quarter', async () => {
      await ctx.seed()
      expect(await titles(Post.objects.filter({ pubDate__week_day: 1 }))).toEqual(['First Post'])
      expect(await titles(Post.objects.filter({ pubDate__week_day: 5 }))).toEqual([
        'Anonymous',
        'Django tips',
      ])
      expect(await titles(Post.objects.filter({ pubDate__week_day: 7 }))).toEqual(['École du Web'])
      expect(await titles(Post.objects.filter({ pubDate__iso_week_day: 7 }))).toEqual(['First Post'])
      expect(await titles(Post.objects.filter({ pubDate__iso_week_day: 4 }))).toEqual([
        'Anonymous',
        'Django tips',
      ])
      expect(await titles(Post.objects.filter({ pubDate__week: 2 }))).toEqual(['First Post'])
      expect(await titles(Post.objects.filter({ pubDate__week: 52 }))).toEqual(['École du Web'])
      expect(await titles(Post.objects.filter({ pubDate__week__gte: 9, pubDate__week__lte: 22 }))).toEqual([
        'Anonymous',
        'Django tips',
      ])
      expect(await titles(Post.objects.filter({ pubDate__quarter: 1 }))).toEqual(['Anonymous', 'First Post'])
      expect(await titles(Post.objects.filter({ pubDate__quarter: 4 }))).toEqual(['École du Web'])
      expect(await titles(Post.objects.filter({ pubDate__quarter: 2 }))).toEqual(['Django tips'])
      // 2023-01-01 is a Sunday: ISO year 2022.
      expect((await Comment.objects.filter({ pubDate__iso_year: 2022 })).map((c) => c.text)).toEqual([
        'Bravo',
      ])
      expect(await Comment.objects.filter({ pubDate__year: 2022 }).count()).toBe(0)
    })

    it('hour, minute, second, date, time', async () => {
      await ctx.seed()
      expect(await titles(Post.objects.filter({ pubDate__hour: 23 }))).toEqual(['École du Web'])
      expect(await titles(Post.objects.filter({ pubDate__hour__lt: 10 }))).toEqual(['Django tips'])
      expect(await titles(Post.objects.filter({ pubDate__minute: 30 }))).toEqual(['First Post'])
      expect(await titles(Post.objects.filter({ pubDate__second: 59 }))).toEqual(['École du Web'])
      expect(await titles(Post.objects.filter({ pubDate__date: '2023-01-15' }))).toEqual(['First Post'])
      expect(await titles(Post.objects.filter({ pubDate__date__gte: '2023-06-01' }))).toEqual([
        'Anonymous',
        'Django tips',
      ])
      expect(await titles(Post.objects.filter({ pubDate__date__lt: '2023-01-01' }))).toEqual(['École du Web'])
      expect(await titles(Post.objects.filter({ pubDate__time: '10:30:00' }))).toEqual(['First Post'])
      expect(await titles(Post.objects.filter({ pubDate__time__gte: '12:00' }))).toEqual([
        'Anonymous',
        'École du Web',
      ])
    })

    it('transforms on date and time fields', async () => {
      await Sample.objects.create({ label: 'a', day: '2020-02-29', clock: '13:45:10' })
      await Sample.objects.create({ label: 'b', day: '2021-12-31', clock: '08:00:00' })
      expect(await labels(Sample.objects.filter({ day__year: 2020 }))).toEqual(['a'])
      expect(await labels(Sample.objects.filter({ day__month: 12 }))).toEqual(['b'])
      expect(await labels(Sample.objects.filter({ day__day__gte: 29 }))).toEqual(['a', 'b'])
      expect(await labels(Sample.objects.filter({ day__week_day: 7 }))).toEqual(['a'])
      expect(await labels(Sample.objects.filter({ day__gt: '2021-01-01' }))).toEqual(['b'])
      expect(await labels(Sample.objects.filter({ day: '2020-02-29' }))).toEqual(['a'])
      expect(await labels(Sample.objects.filter({ clock__hour: 13 }))).toEqual(['a'])
      expect(await labels(Sample.objects.filter({ clock__minute__gte: 45 }))).toEqual(['a'])
      expect(await labels(Sample.objects.filter({ clock__gt: '09:00:00' }))).toEqual(['a'])
    })
  })
}
