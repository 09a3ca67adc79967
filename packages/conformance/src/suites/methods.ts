import { FieldError, NotSupportedError, TypeMismatchError } from '@strata/core'
import { describe, expect, it } from 'vitest'
import { type ConformanceContext, sorted } from '../context.js'
import { Author, Comment, Post, Sample, Tag } from '../models.js'

/** Terminal QuerySet methods of checklist H: latest/earliest, contains, inBulk, bulkUpdate, explain. */
export function methodSuite(ctx: ConformanceContext): void {
  describe('captureQueries()', () => {
    it('records each query a block sends, with its parameters, and nothing outside the block', async () => {
      const b = await ctx.seed()
      const qs = Post.objects.filter({ author: b.alice })
      const { result, queries } = await ctx.db.captureQueries(async () => {
        const posts = await qs
        await qs.count() // answered from the filled cache: no query
        await Tag.objects.count()
        return posts.length
      })
      expect(result).toBe(2)
      expect(queries).toHaveLength(2)
      expect(queries[0]?.sql).toMatch(/select/i)
      expect(queries[0]?.parameters).toContain(b.alice.pk)
      expect(queries.every((q) => q.alias === 'default' && q.durationMs >= 0)).toBe(true)
      expect(
        await ctx.queries(() => {
          Post.objects.filter({ title: 'x' }).orderBy('title') // lazy: built, never evaluated
        }),
      ).toHaveLength(0)
      expect(await ctx.queries(async () => Post.objects.filter({ title: 'x' }).exists())).toHaveLength(1)
    })
  })

  describe('methods: latest() and earliest()', () => {
    it('order by the given field, "-field" reversing, and by Meta getLatestBy when none is given', async () => {
      const b = await ctx.seed()
      expect((await Post.objects.latest('pubDate')).title).toBe('Anonymous')
      expect((await Post.objects.earliest('pubDate')).title).toBe('École du Web')
      expect((await Post.objects.latest('-pubDate')).title).toBe('École du Web')
      expect((await Post.objects.earliest('-pubDate')).title).toBe('Anonymous')
      expect((await Post.objects.filter({ author: b.alice }).latest('pubDate')).title).toBe('Django tips')
      expect((await Post.objects.latest('rating')).title).toBe('École du Web')
      // Several fields: the second breaks ties.
      expect((await Post.objects.filter({ author: b.alice }).earliest('author', '-title')).title).toBe('First Post')
      // Comment declares getLatestBy: 'pubDate'.
      expect((await Comment.objects.latest()).pk).toBe(b.c3.pk)
      expect((await Comment.objects.earliest()).pk).toBe(b.c4.pk)
      expect((await Comment.objects.filter({ author: 'Jane' }).latest()).pk).toBe(b.c2.pk)
      // The QuerySet is left as it was (the model's ordering still applies).
      const qs = Post.objects.all()
      await qs.latest('title')
      expect((await qs).map((p) => p.title)).toEqual(['Anonymous', 'Django tips', 'First Post', 'École du Web'])
    })

    it('throw DoesNotExist when there is no row; need a field or getLatestBy', async () => {
      await expect(Post.objects.latest('pubDate')).rejects.toBeInstanceOf(Post.DoesNotExist)
      await expect(Comment.objects.earliest()).rejects.toBeInstanceOf(Comment.DoesNotExist)
      await ctx.seed()
      await expect(Post.objects.filter({ title: 'nothing' }).earliest('pubDate')).rejects.toBeInstanceOf(Post.DoesNotExist)
      await expect(Post.objects.latest()).rejects.toThrow(/getLatestBy/)
      await expect(Post.objects.latest()).rejects.toBeInstanceOf(FieldError)
      await expect(Post.objects.slice(0, 2).latest('pubDate')).rejects.toBeInstanceOf(TypeMismatchError)
    })

    it('bad input: unknown fields are a FieldError, non-strings a TypeMismatchError, data unchanged', async () => {
      await ctx.seed()
      for (const name of ['nope', 'title__nope', '-nope', 'title; drop table post', '?']) {
        await ctx.expectRejectsUnchanged(Post, () => Post.objects.latest(name), FieldError)
        await ctx.expectRejectsUnchanged(Post, () => Post.objects.earliest(name), FieldError)
      }
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.latest(1 as never), TypeMismatchError)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.earliest({} as never), TypeMismatchError)
    })
  })

  describe('methods: contains()', () => {
    it('asks the database, or the cache when it is filled', async () => {
      const b = await ctx.seed()
      const alices = Post.objects.filter({ author: b.alice })
      expect(await alices.contains(b.p1)).toBe(true)
      expect(await alices.contains(b.p3)).toBe(false)
      expect(await Post.objects.contains(b.p4)).toBe(true)
      expect(await Post.objects.none().contains(b.p1)).toBe(false)
      expect(await Post.objects.orderBy('pk').slice(0, 2).contains(b.p2)).toBe(true)
      expect(await Post.objects.orderBy('pk').slice(0, 2).contains(b.p3)).toBe(false)
      // A filled cache answers, even after the row is gone.
      const cached = Post.objects.filter({ author: b.alice })
      await cached
      await Post.objects.filter({ pk: b.p1.pk }).delete()
      expect(await cached.contains(b.p1)).toBe(true)
      expect(await Post.objects.filter({ author: b.alice }).contains(b.p1)).toBe(false)
      // A fetched instance is found by its key, whatever object it is.
      const fetched = await Tag.objects.get({ name: 'web' })
      expect(await Tag.objects.filter({ posts__title: 'Django tips' }).contains(fetched)).toBe(true)
    })

    it('bad input: unsaved instances, other models and non-instances are a TypeMismatchError', async () => {
      const b = await ctx.seed()
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.contains(new Post({ title: 'x', content: '' })), TypeMismatchError, /unsaved/)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.contains(b.alice as never), TypeMismatchError, /Author/)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.contains({ pk: b.p1.pk } as never), TypeMismatchError)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.contains(null as never), TypeMismatchError)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.values('title').contains(b.p1 as never), TypeMismatchError)
    })
  })

  describe('methods: inBulk()', () => {
    it('maps keys to instances, by pk or by a unique field', async () => {
      const b = await ctx.seed()
      const byPk = await Post.objects.inBulk([b.p1.pk, b.p3.pk, b.p1.pk])
      expect(byPk).toBeInstanceOf(Map)
      expect(byPk.size).toBe(2)
      expect((byPk.get(b.p1.pk) as Post).title).toBe('First Post')
      expect(byPk.get(b.p3.pk)).toBeInstanceOf(Post)
      expect((byPk.get(b.p3.pk) as Post).title).toBe('École du Web')
      const all = await Tag.objects.inBulk()
      expect(sorted([...all.values()].map((t) => t.name))).toEqual(['django', 'ts', 'web'])
      expect((all.get(b.ts.pk) as Tag).name).toBe('ts')
      const byName = await Tag.objects.inBulk(['web', 'django', 'missing'], { fieldName: 'name' })
      expect(sorted(byName.keys())).toEqual(['django', 'web'])
      expect((byName.get('web') as Tag).pk).toBe(b.web.pk)
      const byEmail = await Author.objects.filter({ age__isnull: false }).inBulk(['alice@example.com', 'bob@example.com'], { fieldName: 'email' })
      expect([...byEmail.keys()]).toEqual(['alice@example.com'])
      expect(await Post.objects.filter({ author: b.bob }).inBulk([b.p1.pk])).toEqual(new Map())
      expect(await Post.objects.none().inBulk([b.p1.pk])).toEqual(new Map())
    })

    it('an empty list gives an empty map without a query; long lists respect the parameter limit', async () => {
      // No query runs: not even the database alias is looked up.
      const empty = await Post.objects.using('no-such-database').inBulk([])
      expect(empty).toBeInstanceOf(Map)
      expect(empty.size).toBe(0)
      await expect(Post.objects.using('no-such-database').inBulk([1])).rejects.toThrow(/no-such-database/)
      const tags = await Tag.objects.bulkCreate(Array.from({ length: 30 }, (_, i) => ({ name: `t${i}` })))
      const ids = (await Tag.objects.valuesList('pk', { flat: true })) as unknown[]
      expect(ids).toHaveLength(tags.length)
      const limit = ctx.features.maxQueryParams ?? 999
      // More keys than one statement may bind: the engine splits them.
      const many = [...ids, ...Array.from({ length: limit + 10 }, (_, i) => 1_000_000 + i)]
      const found = await Tag.objects.inBulk(many)
      expect(found.size).toBe(30)
      const names = await Tag.objects.inBulk(Array.from({ length: limit + 5 }, (_, i) => `t${i}`), { fieldName: 'name' })
      expect(names.size).toBe(30)
    })

    it('bad input: non-unique or unknown fieldName, wrong value types, slices', async () => {
      const b = await ctx.seed()
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.inBulk([b.p1.pk], { fieldName: 'title' }), FieldError, /must be a unique field but 'title' isn't/)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.inBulk([b.alice.pk], { fieldName: 'author' }), FieldError, /unique/)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.inBulk([1], { fieldName: 'nope' }), FieldError, /nope/)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.inBulk([1], { fieldName: 'tags' }), FieldError)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.inBulk([1], { fieldName: 1 as never }), TypeMismatchError)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.inBulk(['not a number']), TypeMismatchError)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.inBulk([{ id: 1 }]), TypeMismatchError)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.inBulk(42 as never), TypeMismatchError)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.slice(0, 2).inBulk([b.p1.pk]), TypeMismatchError, /limit/)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.values('title').inBulk([b.p1.pk]), TypeMismatchError)
    })
  })

  describe('methods: bulkUpdate()', () => {
    it('updates each object with its own values and returns the number of rows', async () => {
      const b = await ctx.seed()
      b.p1.title = 'First, edited'
      b.p1.rating = '1.10'
      b.p2.title = 'Tips, edited'
      b.p3.author = b.cara
      b.p2.content = 'not saved: content is not in fields'
      const n = await Post.objects.bulkUpdate([b.p1, b.p2, b.p3], ['title', 'rating', 'author'])
      expect(n).toBe(3)
      const rows = await Post.objects.orderBy('pk').values('title', 'rating', 'author', 'content')
      expect(rows).toEqual([
        { title: 'First, edited', rating: '1.10', author: b.alice.pk, content: 'This is my first blog post.' },
        { title: 'Tips, edited', rating: '3.25', author: b.alice.pk, content: 'Use the ORM.' },
        { title: 'École du Web', rating: '5.00', author: b.cara.pk, content: 'Bonjour le monde' },
        { title: 'Anonymous', rating: '0.00', author: null, content: '' },
      ])
      // Nulls and other types, in small batches.
      const samples = await Sample.objects.bulkCreate(Array.from({ length: 7 }, (_, i) => ({ label: `s${i}`, count: i })))
      samples.forEach((s, i) => {
        s.count = i % 2 ? null : i * 10
        s.active = i % 2 === 0
        s.day = i === 3 ? '2024-02-29' : null
      })
      expect(await Sample.objects.bulkUpdate(samples, ['count', 'active', 'day'], { batchSize: 2 })).toBe(7)
      const got = await Sample.objects.orderBy('label').valuesList('label', 'count', 'active', 'day')
      expect(got).toEqual(samples.map((_s, i) => [`s${i}`, i % 2 ? null : i * 10, i % 2 === 0, i === 3 ? '2024-02-29' : null]))
      // The QuerySet's filter applies; no objects, no rows.
      b.p4.title = 'never'
      b.p1.title = 'First again'
      expect(await Post.objects.filter({ author__isnull: false }).bulkUpdate([b.p1, b.p4], ['title'])).toBe(1)
      expect(await Post.objects.filter({ title: 'never' }).count()).toBe(0)
      expect(await Post.objects.filter({ title: 'First again' }).count()).toBe(1)
      expect(await Post.objects.bulkUpdate([], ['title'])).toBe(0)
      // Rows are counted when matched, even if their values do not change (as update() does).
      expect(await Post.objects.bulkUpdate([b.p2, b.p3], ['content'])).toBe(2)
      expect(await Post.objects.filter({ pk: b.p2.pk }).update({ content: 'Use the ORM.' })).toBe(1)
    })

    it('updates a large list (batched under the parameter limit)', async () => {
      const tags = await Tag.objects.bulkCreate(Array.from({ length: 1200 }, (_, i) => ({ name: `tag-${i}` })))
      const saved = await Tag.objects.orderBy('pk')
      expect(saved).toHaveLength(tags.length)
      for (const t of saved) t.name = `${t.name}-x`
      expect(await Tag.objects.bulkUpdate(saved, ['name'])).toBe(1200)
      expect(await Tag.objects.filter({ name__endswith: '-x' }).count()).toBe(1200)
    })

    it('bad input: pk, unknown and many-to-many fields, unsaved objects, wrong types; nothing changes', async () => {
      const b = await ctx.seed()
      b.p1.title = 'changed'
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.bulkUpdate([b.p1], ['id' as never]), FieldError, /primary key/)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.bulkUpdate([b.p1], ['pk' as never]), FieldError, /primary key/)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.bulkUpdate([b.p1], ['title', 'nope' as never]), FieldError, /nope/)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.bulkUpdate([b.p1], ['tags']), FieldError, /concrete/)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.bulkUpdate([b.p1], []), TypeMismatchError, /Field names/)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.bulkUpdate([b.p1, new Post({ title: 'x', content: '' })], ['title']), TypeMismatchError, /primary key/)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.bulkUpdate([b.alice as never], ['title']), TypeMismatchError)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.bulkUpdate([{ id: b.p1.pk, title: 'x' } as never], ['title']), TypeMismatchError)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.bulkUpdate([b.p1], ['title'], { batchSize: 0 }), TypeMismatchError)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.slice(0, 1).bulkUpdate([b.p1], ['title']), TypeMismatchError)
      // One bad value refuses the whole call, before any row is written.
      b.p2.title = 'also changed'
      ;(b.p3 as unknown as { rating: unknown }).rating = 'not a number'
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.bulkUpdate([b.p2, b.p3], ['title', 'rating']), TypeMismatchError)
      ;(b.p2 as unknown as { authorId: unknown }).authorId = 'bob'
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.bulkUpdate([b.p2], ['author']), TypeMismatchError)
    })
  })

  describe('methods: explain()', () => {
    it('returns the plan as text, with the dialect prefix', async () => {
      await ctx.seed()
      const plan = await Post.objects.filter({ title__startswith: 'D' }).orderBy('title').explain()
      expect(typeof plan).toBe('string')
      expect(plan.length).toBeGreaterThan(0)
      // Every database names the table (or its alias) that it scans.
      expect(plan).toMatch(/post|t0/i)
      // Explaining runs nothing else and changes nothing.
      expect(await Post.objects.count()).toBe(4)
      const viaJoin = await Post.objects.filter({ author__name: 'Alice' }).explain()
      expect(viaJoin.length).toBeGreaterThan(0)
    })

    it('bad input in the QuerySet is refused before EXPLAIN', async () => {
      await ctx.seed()
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.filter({ nope: 1 } as never).explain(), FieldError)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.filter({ pk: 'x' } as never).explain(), TypeMismatchError)
      expect(NotSupportedError).toBeDefined()
    })
  })
}
