import {
  Extract,
  ExtractHour,
  ExtractMonth,
  ExtractQuarter,
  ExtractWeekDay,
  ExtractYear,
  FieldError,
  Trunc,
  TruncDate,
  TruncDay,
  TruncMonth,
  TruncYear,
} from '@strata/core'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { ConformanceContext } from '../context.js'
import { Author, Post, Sample } from '../models.js'

const utc = (s: string): Date => new Date(`${s}Z`)

/**
 * Extract, Trunc, `dates()` and `datetimes()` (Django's tests/db_functions/datetime and
 * tests/dates, tests/datetimes). Seeded posts: First Post 2023-01-15T10:30Z, Django tips
 * 2023-06-01T08:00Z, École du Web 2022-12-31T23:59:59Z, Anonymous 2024-02-29T12:00Z; all in UTC.
 */
export function dateSuite(ctx: ConformanceContext): void {
  describe('Extract', () => {
    it('reads parts of a datetime in UTC, like the transforms', async () => {
      await ctx.seed()
      const rows = await Post.objects
        .annotate({ y: ExtractYear('pubDate'), m: ExtractMonth('pubDate'), h: ExtractHour('pubDate'), q: ExtractQuarter('pubDate'), wd: ExtractWeekDay('pubDate'), w: Extract('pubDate', 'week') })
        .orderBy('pubDate')
        .values('title', 'y', 'm', 'h', 'q', 'wd', 'w')
      expect(rows).toEqual([
        { title: 'École du Web', y: 2022, m: 12, h: 23, q: 4, wd: 7, w: 52 },
        { title: 'First Post', y: 2023, m: 1, h: 10, q: 1, wd: 1, w: 2 },
        { title: 'Django tips', y: 2023, m: 6, h: 8, q: 2, wd: 5, w: 22 },
        { title: 'Anonymous', y: 2024, m: 2, h: 12, q: 1, wd: 5, w: 9 },
      ])
      expect(await Post.objects.annotate({ y: Extract('pubDate', 'year') }).filter({ y: 2023 }).count()).toBe(2)
      expect(await Post.objects.annotate({ y: Extract('pubDate', 'year') }).filter({ y__gte: 2023 }).count()).toBe(3)
    })

    it('works on dates and across relations', async () => {
      const blog = await ctx.seed()
      await Sample.objects.create({ label: 'a', day: '2024-05-17' })
      expect(await Sample.objects.annotate({ d: Extract('day', 'day'), m: ExtractMonth('day') }).values('d', 'm')).toEqual([{ d: 17, m: 5 }])
      const years = await Author.objects.annotate({ y: ExtractYear('posts__pubDate') }).filter({ y: 2022 }).values('name')
      expect(years).toEqual([{ name: blog.bob.name }])
    })

    it('bad input is a FieldError before any SQL', () => {
      expect(() => Extract('pubDate', 'fortnight' as never)).toThrow(/Extract\(\) kind must be one of/)
      expect(() => Extract('pubDate', 'date' as never)).toThrow(FieldError)
      expect(() => Post.objects.annotate({ y: ExtractYear('nope') })).toThrow(FieldError)
      expect(() => Post.objects.annotate({ y: ExtractYear('title') })).toThrow(FieldError)
      expect(() => Sample.objects.annotate({ h: ExtractHour('day') })).toThrow(FieldError)
    })
  })

  describe('Trunc', () => {
    it('truncates datetimes in UTC to each unit and gives Dates', async () => {
      await ctx.seed()
      const rows = await Post.objects
        .annotate({
          y: TruncYear('pubDate'),
          q: Trunc('pubDate', 'quarter'),
          m: TruncMonth('pubDate'),
          w: Trunc('pubDate', 'week'),
          d: TruncDay('pubDate'),
          h: Trunc('pubDate', 'hour'),
          mi: Trunc('pubDate', 'minute'),
          s: Trunc('pubDate', 'second'),
          date: TruncDate('pubDate'),
        })
        .orderBy('pubDate')
        .values('y', 'q', 'm', 'w', 'd', 'h', 'mi', 's', 'date')
      expect(rows[0]).toEqual({
        y: utc('2022-01-01T00:00:00'),
        q: utc('2022-10-01T00:00:00'),
        m: utc('2022-12-01T00:00:00'),
        w: utc('2022-12-26T00:00:00'),
        d: utc('2022-12-31T00:00:00'),
        h: utc('2022-12-31T23:00:00'),
        mi: utc('2022-12-31T23:59:00'),
        s: utc('2022-12-31T23:59:59'),
        date: '2022-12-31',
      })
      expect(rows.map((r) => r.w)).toEqual([utc('2022-12-26T00:00:00'), utc('2023-01-09T00:00:00'), utc('2023-05-29T00:00:00'), utc('2024-02-26T00:00:00')])
      expect(rows.map((r) => r.q)).toEqual([utc('2022-10-01T00:00:00'), utc('2023-01-01T00:00:00'), utc('2023-04-01T00:00:00'), utc('2024-01-01T00:00:00')])
      expect(rows.map((r) => r.date)).toEqual(['2022-12-31', '2023-01-15', '2023-06-01', '2024-02-29'])
    })

    it('compares with Dates and dates in filters', async () => {
      await ctx.seed()
      const jan = await Post.objects.annotate({ m: TruncMonth('pubDate') }).filter({ m: utc('2023-01-01T00:00:00') }).values('title')
      expect(jan).toEqual([{ title: 'First Post' }])
      expect(await Post.objects.annotate({ y: TruncYear('pubDate') }).filter({ y__gte: utc('2023-01-01T00:00:00') }).count()).toBe(3)
      const day = await Post.objects.annotate({ d: TruncDate('pubDate') }).filter({ d: '2022-12-31' }).values('title')
      expect(day).toEqual([{ title: 'École du Web' }])
    })

    it("truncates dates to 'YYYY-MM-DD' strings; { output: 'date' } gives the day of a datetime", async () => {
      await ctx.seed()
      await Sample.objects.create({ label: 'a', day: '2024-05-17' })
      const row = await Sample.objects
        .annotate({ y: TruncYear('day'), q: Trunc('day', 'quarter'), m: TruncMonth('day'), w: Trunc('day', 'week'), d: TruncDay('day') })
        .values('y', 'q', 'm', 'w', 'd')
        .first()
      expect(row).toEqual({ y: '2024-01-01', q: '2024-04-01', m: '2024-05-01', w: '2024-05-13', d: '2024-05-17' })
      const months = await Post.objects.annotate({ m: Trunc('pubDate', 'month', { output: 'date' }) }).orderBy('pubDate').values('m')
      expect(months.map((r) => r.m)).toEqual(['2022-12-01', '2023-01-01', '2023-06-01', '2024-02-01'])
    })

    it('bad input is a FieldError before any SQL', () => {
      expect(() => Trunc('pubDate', 'decade' as never)).toThrow(/Trunc\(\) kind must be one of/)
      expect(() => Trunc('pubDate', 'hour', { output: 'date' })).toThrow(FieldError)
      expect(() => Post.objects.annotate({ m: TruncMonth('nope') })).toThrow(FieldError)
      expect(() => Post.objects.annotate({ m: TruncMonth('title') })).toThrow(/Trunc\(\) needs a date or datetime/)
      expect(() => Sample.objects.annotate({ h: Trunc('day', 'hour') })).toThrow(/Cannot truncate a date to 'hour'/)
      expect(() => Post.objects.annotate({ d: TruncDate('nope') })).toThrow(FieldError)
    })
  })

  describe('dates() and datetimes()', () => {
    it("dates() gives distinct 'YYYY-MM-DD' strings per kind, ascending or descending", async () => {
      await ctx.seed()
      expect(await Post.objects.dates('pubDate', 'year')).toEqual(['2022-01-01', '2023-01-01', '2024-01-01'])
      expect(await Post.objects.dates('pubDate', 'year', 'DESC')).toEqual(['2024-01-01', '2023-01-01', '2022-01-01'])
      expect(await Post.objects.dates('pubDate', 'month')).toEqual(['2022-12-01', '2023-01-01', '2023-06-01', '2024-02-01'])
      expect(await Post.objects.dates('pubDate', 'week')).toEqual(['2022-12-26', '2023-01-09', '2023-05-29', '2024-02-26'])
      expect(await Post.objects.dates('pubDate', 'day')).toEqual(['2022-12-31', '2023-01-15', '2023-06-01', '2024-02-29'])
      expect(await Post.objects.filter({ author__name: 'Alice' }).dates('pubDate', 'year')).toEqual(['2023-01-01'])
      expect(await Author.objects.dates('posts__pubDate', 'year')).toEqual(['2022-01-01', '2023-01-01'])
    })

    it('dates() skips nulls and works on date fields', async () => {
      await Sample.objects.create({ label: 'a', day: '2024-05-17' })
      await Sample.objects.create({ label: 'b', day: '2024-05-03' })
      await Sample.objects.create({ label: 'c', day: null })
      await Sample.objects.create({ label: 'd', day: '2023-11-30' })
      expect(await Sample.objects.dates('day', 'month')).toEqual(['2023-11-01', '2024-05-01'])
      expect(await Sample.objects.dates('day', 'day', 'DESC')).toEqual(['2024-05-17', '2024-05-03', '2023-11-30'])
      expect(await Sample.objects.none().dates('day', 'day')).toEqual([])
    })

    it('datetimes() gives distinct Dates per kind, without nulls', async () => {
      await ctx.seed()
      expect(await Post.objects.datetimes('pubDate', 'year')).toEqual([utc('2022-01-01T00:00:00'), utc('2023-01-01T00:00:00'), utc('2024-01-01T00:00:00')])
      expect(await Post.objects.datetimes('pubDate', 'hour', 'DESC')).toEqual([
        utc('2024-02-29T12:00:00'),
        utc('2023-06-01T08:00:00'),
        utc('2023-01-15T10:00:00'),
        utc('2022-12-31T23:00:00'),
      ])
      await Sample.objects.create({ label: 'a', at: utc('2024-01-01T10:15:30') })
      await Sample.objects.create({ label: 'b', at: utc('2024-01-01T10:45:00') })
      await Sample.objects.create({ label: 'c', at: null })
      expect(await Sample.objects.datetimes('at', 'hour')).toEqual([utc('2024-01-01T10:00:00')])
      expect(await Sample.objects.datetimes('at', 'minute')).toEqual([utc('2024-01-01T10:15:00'), utc('2024-01-01T10:45:00')])
      expect(await Sample.objects.datetimes('at', 'second', 'DESC')).toEqual([utc('2024-01-01T10:45:00'), utc('2024-01-01T10:15:30')])
    })

    it('are typed as strings and Dates', () => {
      expectTypeOf(Post.objects.dates('pubDate', 'year')).resolves.toEqualTypeOf<string[]>()
      expectTypeOf(Post.objects.datetimes('pubDate', 'day')).resolves.toEqualTypeOf<Date[]>()
    })

    it('bad input is a FieldError before any SQL', () => {
      expect(() => Post.objects.dates('nope' as never, 'year')).toThrow(FieldError)
      expect(() => Post.objects.dates('title' as never, 'year')).toThrow(/dates\(\) needs a date or dateTime field/)
      expect(() => Post.objects.dates('author' as never, 'year')).toThrow(FieldError)
      expect(() => Post.objects.dates('pubDate', 'hour' as never)).toThrow(/dates\(\) kind must be one of 'year', 'month', 'week', 'day'/)
      expect(() => Post.objects.dates('pubDate', 'year', 'UP' as never)).toThrow(/order must be 'ASC' or 'DESC'/)
      expect(() => Post.objects.datetimes('pubDate', 'quarter' as never)).toThrow(/datetimes\(\) kind must be one of/)
      expect(() => Sample.objects.datetimes('day' as never, 'day')).toThrow(/datetimes\(\) needs a dateTime field/)
      expect(() => Post.objects.datetimes('nope' as never, 'day')).toThrow(FieldError)
    })
  })
}
