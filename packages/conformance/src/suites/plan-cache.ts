import { CharField, FieldError, Q, registerLookup, TypeMismatchError, unregisterLookup } from '@strata/core'
import { PLAN_CACHE_SIZE, type QueryRecord } from '@strata/query'
import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from '../context.js'
import { Author, Comment, Post } from '../models.js'

const titles = (rows: readonly Post[]): string[] => rows.map((p) => p.title).sort()

/**
 * The compiled-query cache (query's `plans.ts`): a QuerySet shape compiles once, later calls of
 * the same shape bind their own values, and nothing about values, bad input or errors changes.
 */
export function planCacheSuite(ctx: ConformanceContext): void {
  const stats = () => ctx.db.engine().planStats
  const capture = async (fn: () => Promise<unknown>): Promise<QueryRecord[]> => (await ctx.db.captureQueries(fn)).queries

  describe('compiled-query cache', () => {
    it('one shape, other values: the same SQL runs with each call’s parameters, and the third call is a cache hit', async () => {
      await ctx.seed()
      const search = (word: string) => Post.objects.filter({ title__contains: word }).orderBy('title')
      const [a] = await capture(async () => expect(titles(await search('Post'))).toEqual(['First Post']))
      const [b] = await capture(async () => expect(titles(await search('tips'))).toEqual(['Django tips']))
      const before = stats().hits
      const [c] = await capture(async () => expect(titles(await search('i'))).toEqual(['Django tips', 'First Post']))
      expect(stats().hits).toBe(before + 1)
      expect(b!.sql).toBe(a!.sql)
      expect(c!.sql).toBe(a!.sql)
      expect(JSON.stringify(a!.parameters)).toContain('Post')
      expect(JSON.stringify(c!.parameters)).not.toContain('Post')
      // The same QuerySet object is not re-run; a fresh one with the first values gives the first rows again.
      expect(titles(await search('Post'))).toEqual(['First Post'])
    })

    it('equality on text and text lookups across a relation are cache hits from the third call, with the right rows', async () => {
      await ctx.seed()
      const byTitle = async (title: string) => titles(await Post.objects.filter({ title }))
      const byAuthor = async (prefix: string) => titles(await Post.objects.filter({ author__name__istartswith: prefix }).orderBy('title'))
      for (const [run, first, second, third] of [
        [byTitle, ['First Post', ['First Post']], ['Django tips', ['Django tips']], ['first post', []]],
        [byAuthor, ['a', ['Django tips', 'First Post']], ['nobody', []], ['BO', ['École du Web']]],
      ] as const) {
        expect(await run(first[0])).toEqual(first[1])
        expect(await run(second[0])).toEqual(second[1])
        const before = stats().hits
        expect(await run(third[0])).toEqual(third[1])
        expect(stats().hits).toBe(before + 1)
      }
    })

    it('get() by primary key is cached and returns each row, or DoesNotExist', async () => {
      const { p1, p2, p3 } = await ctx.seed()
      for (const p of [p1, p2, p3, p1]) expect((await Post.objects.get({ id: p.id })).title).toBe(p.title)
      await expect(Post.objects.get({ id: p3.id + 1000 })).rejects.toBeInstanceOf(Post.DoesNotExist)
      expect(stats().hits).toBeGreaterThan(0)
    })

    it('null and non-null values, booleans, list lengths and slices are parts of the shape', async () => {
      const { alice, bob, p1, p2, p3, p4 } = await ctx.seed()
      const byAuthor = (a: Author | null) => Post.objects.filter({ author: a }).orderBy('id')
      for (let i = 0; i < 2; i++) {
        expect(titles(await byAuthor(alice))).toEqual(titles([p1, p2]))
        expect(titles(await byAuthor(null))).toEqual(titles([p4]))
        expect(titles(await byAuthor(bob))).toEqual(titles([p3]))
        expect(titles(await Post.objects.filter({ author__isnull: true }))).toEqual(titles([p4]))
        expect(titles(await Post.objects.filter({ author__isnull: false }))).toEqual(titles([p1, p2, p3]))
        expect(titles(await Post.objects.filter({ id__in: [p1.id] }))).toEqual(titles([p1]))
        expect(titles(await Post.objects.filter({ id__in: [p1.id, p3.id] }))).toEqual(titles([p1, p3]))
        expect(await Post.objects.filter({ id__in: [] })).toEqual([])
        expect(titles(await Post.objects.filter({ id__in: [p2.id, p4.id] }))).toEqual(titles([p2, p4]))
        const ordered = Post.objects.orderBy('id')
        expect(titles(await ordered.slice(0, 1))).toEqual(titles([p1]))
        expect(titles(await ordered.slice(1, 2))).toEqual(titles([p2]))
        expect(titles(await ordered.slice(1, 3))).toEqual(titles([p2, p3]))
        expect(titles(await ordered.slice(3))).toEqual(titles([p4]))
      }
    })

    it('pages of one QuerySet share one plan: the offset is a parameter, the page size is in the SQL, each page has its rows', async () => {
      const { p1, p2, p3, p4 } = await ctx.seed()
      const ids = [p1, p2, p3, p4].map((p) => p.id).sort((a, b) => a - b)
      const page = (n: number, size: number) => Post.objects.orderBy('id').slice(n * size, (n + 1) * size)
      const texts = new Map<number, Set<string>>()
      for (let round = 0; round < 2; round++)
        for (const size of [1, 2, 3])
          for (let n = 1; n * size < ids.length; n++) {
            const [q] = await capture(async () => expect((await page(n, size)).map((p) => p.id)).toEqual(ids.slice(n * size, (n + 1) * size)))
            expect(q!.parameters).toEqual([n * size])
            expect(q!.sql).toMatch(new RegExp(`limit ${size} offset (\\?|\\$1)\\s*$`))
            texts.set(size, (texts.get(size) ?? new Set()).add(q!.sql))
          }
      // One SQL text per page size, whatever the page; the second round is all cache hits.
      for (const set of texts.values()) expect(set.size).toBe(1)
      const sizeBefore = stats().size
      const hitsBefore = stats().hits
      for (let n = 0; n < 50; n++) expect(await page(n + 1, 2)).toHaveLength(n === 0 ? 2 : 0)
      expect(stats().size).toBe(sizeBefore)
      expect(stats().hits - hitsBefore).toBe(50)
      // An offset without a limit binds it too; far past the end gives nothing.
      const [rest] = await capture(async () => expect((await Post.objects.orderBy('id').slice(3)).map((p) => p.id)).toEqual(ids.slice(3)))
      expect(rest!.parameters).toEqual([3])
      expect(await page(2 ** 40, 2)).toEqual([])
    })

    it('values that look like SQL stay parameters on a warm cache, and change nothing', async () => {
      await ctx.seed()
      const search = (word: string) => Post.objects.filter(Q({ title__contains: word }).or({ content__icontains: word }))
      expect(await search('first')).toHaveLength(1)
      expect(await search('tips')).toHaveLength(1)
      const before = await ctx.rawRows(Post)
      for (const attack of ["'; delete from post; --", '%', '_', '\\', '" or 1=1 --', "') or ('1'='1"]) {
        expect(await search(attack), attack).toEqual([])
        expect(await Author.objects.filter({ name: attack }), attack).toEqual([])
      }
      expect(await ctx.rawRows(Post)).toEqual(before)
    })

    it('bad input still fails in filter(), before any SQL, when its shape is cached', async () => {
      await ctx.seed()
      const since = (d: unknown) => Post.objects.filter({ pubDate__gte: d } as never)
      expect(await since(new Date('2023-01-01T00:00:00Z'))).toHaveLength(3)
      expect(await since(new Date('2024-01-01T00:00:00Z'))).toHaveLength(1)
      const queries = await capture(async () => {
        expect(() => since('not a date')).toThrow(TypeMismatchError)
        expect(() => since(new Date('invalid'))).toThrow(TypeMismatchError)
        expect(() => Post.objects.filter({ pubDate__nope: 1 } as never)).toThrow(FieldError)
        expect(() => Post.objects.filter({ id: 'one' } as never)).toThrow(TypeMismatchError)
      })
      expect(queries).toEqual([])
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.filter({ id: 'one' } as never).update({ title: 'x' }), TypeMismatchError)
    })

    it('values(), annotations and selectRelated() are cached per shape and hydrate each call’s rows', async () => {
      const { alice, bob, p1, p2, p3 } = await ctx.seed()
      for (let i = 0; i < 3; i++) {
        const who = i % 2 === 0 ? alice : bob
        const rows = await Post.objects.selectRelated('author').filter({ author: who }).orderBy('id')
        expect(rows.map((p) => p.author!.name)).toEqual(i % 2 === 0 ? ['Alice', 'Alice'] : ['Bob'])
        const counts = await Comment.objects.filter({ post__in: i % 2 === 0 ? [p1.id, p2.id] : [p2.id, p3.id] }).values('post').orderBy('post')
        expect(counts.map((r) => r.post)).toEqual(i % 2 === 0 ? [p1.id, p1.id, p2.id] : [p2.id, p3.id])
      }
    })

    it('a custom lookup that writes its value into the SQL is compiled for each value', async () => {
      await ctx.seed()
      registerLookup(CharField, { name: 'literally', sql: ({ lhs, value, sql }) => sql`${lhs} = ${(sql as unknown as { lit(v: unknown): unknown }).lit(value)}` })
      try {
        const by = (t: string) => Post.objects.filter({ title__literally: t } as never)
        expect(titles(await by('First Post'))).toEqual(['First Post'])
        expect(titles(await by('Django tips'))).toEqual(['Django tips'])
        expect(titles(await by('First Post'))).toEqual(['First Post'])
        expect(await by("x' or 'a'='a")).toEqual([])
      } finally {
        unregisterLookup(CharField, 'literally')
      }
    })

    it('registering a lookup again changes the SQL of shapes cached under the old one', async () => {
      await ctx.seed()
      registerLookup(CharField, { name: 'is_not', sql: ({ lhs, rhs, sql }) => sql`${lhs} <> ${rhs}` })
      try {
        const q = () => Post.objects.filter({ title__is_not: 'First Post' } as never)
        expect(await q()).toHaveLength(3)
        expect(await q()).toHaveLength(3)
        registerLookup(CharField, { name: 'is_not', override: true, sql: ({ lhs, rhs, sql }) => sql`${lhs} = ${rhs}` })
        expect(titles(await q())).toEqual(['First Post'])
      } finally {
        unregisterLookup(CharField, 'is_not')
      }
    })

    it('a filter across a nullable relation joins INNER, and OR, exclude, isnull and ordering still keep rows without it', async () => {
      const { p1, p2, p3, p4 } = await ctx.seed()
      const filtered = Post.objects.filter({ author__name__startswith: 'A' })
      expect(filtered.sql().sql.toLowerCase()).toContain('inner join')
      expect(titles(await filtered)).toEqual(titles([p1, p2]))
      expect(titles(await Post.objects.filter(Q({ author__name__startswith: 'A' }).or({ title: p4.title })))).toEqual(titles([p1, p2, p4]))
      expect(titles(await Post.objects.exclude({ author__name__startswith: 'A' }))).toEqual(titles([p3, p4]))
      expect(titles(await Post.objects.filter({ author__name__isnull: true }))).toEqual(titles([p4]))
      expect(titles(await Post.objects.filter({ author__name: null }))).toEqual(titles([p4]))
      expect(await Post.objects.orderBy('author__name', 'id').count()).toBe(4)
      expect(titles(await Post.objects.selectRelated('author').filter({ author__age__gte: 30 }))).toEqual(titles([p1, p2]))
      expect(titles(await Post.objects.selectRelated('author'))).toEqual(titles([p1, p2, p3, p4]))
    })

    it('contains, startswith and endswith match *, ?, [, ], %, _ and \\ literally and by case, on a warm cache too', async () => {
      const a = await Author.objects.create({ name: 'Glob', email: 'glob@example.com' })
      const names = ['a*b', 'a?b', 'a[b]c', 'a%b', 'a_b', 'a\\b', 'aXb', 'A*B']
      for (const title of names) await Post.objects.create({ title, content: '', author: a })
      const match = async (l: Record<string, string>) => (await Post.objects.filter(l as never)).map((p) => p.title).sort()
      for (let i = 0; i < 2; i++) {
        expect(await match({ title__contains: '*' })).toEqual(['A*B', 'a*b'])
        expect(await match({ title__contains: '?' })).toEqual(['a?b'])
        expect(await match({ title__contains: '[b]' })).toEqual(['a[b]c'])
        expect(await match({ title__startswith: 'a[' })).toEqual(['a[b]c'])
        expect(await match({ title__endswith: ']c' })).toEqual(['a[b]c'])
        expect(await match({ title__contains: '%' })).toEqual(['a%b'])
        expect(await match({ title__contains: '_' })).toEqual(['a_b'])
        expect(await match({ title__contains: '\\' })).toEqual(['a\\b'])
        expect(await match({ title__startswith: 'a*' })).toEqual(['a*b'])
        expect(await match({ title__endswith: '*b' })).toEqual(['a*b'])
        expect(await match({ title__contains: 'X' })).toEqual(['aXb'])
      }
    })

    it(`the cache holds at most ${PLAN_CACHE_SIZE} shapes`, async () => {
      await ctx.seed()
      // Each slice end is a shape of its own (LIMIT is written into the SQL, as in Django).
      for (let n = 1; n <= PLAN_CACHE_SIZE + 20; n++) await Post.objects.orderBy('id').slice(0, n)
      expect(stats().size).toBeLessThanOrEqual(PLAN_CACHE_SIZE)
      expect(await Post.objects.orderBy('id').slice(0, 2)).toHaveLength(2)
    })
  })
}
