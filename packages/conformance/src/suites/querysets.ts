import { F, FieldError, MultipleObjectsReturned, ObjectDoesNotExist, QuerySet } from '@strata/core'
import { describe, expect, it } from 'vitest'
import { type ConformanceContext, sorted } from '../context.js'
import { Author, Comment, Post, Tag } from '../models.js'

/** The Manager and the lazy, immutable, cached QuerySet; retrieval and write methods. */
export function querySetSuite(ctx: ConformanceContext): void {
  describe('querysets: evaluation', () => {
    it('is lazy, immutable, thenable and caches its rows', async () => {
      const built = Post.objects.filter({ title__startswith: 'D' }).orderBy('title')
      await ctx.seed()
      expect((await built).map((p) => p.title)).toEqual(['Django tips'])
      const base = Post.objects.all()
      expect(base).toBeInstanceOf(QuerySet)
      const filtered = base.filter({ title__startswith: 'D' })
      expect(filtered).not.toBe(base)
      expect((await base).length).toBe(4)
      expect((await filtered).map((p) => p.title)).toEqual(['Django tips'])
      const qs = Post.objects.all()
      const first = await qs
      await Post.objects.filter({ title: 'Anonymous' }).delete()
      const second = await qs
      expect(second).toBe(first)
      expect(second.length).toBe(4)
      expect(await qs.count()).toBe(4)
      expect(await qs.exists()).toBe(true)
      expect(await Post.objects.count()).toBe(3)
      expect(await qs.all()).toHaveLength(3)
    })

    it('count() and exists() answer from a filled cache', async () => {
      await ctx.seed()
      const qs = Tag.objects.all()
      await qs
      await Tag.objects.all().delete()
      expect(await qs.count()).toBe(3)
      expect(await qs.exists()).toBe(true)
      const empty = Tag.objects.all()
      expect(await empty.exists()).toBe(false)
    })

    it('for await iterates and fills the cache', async () => {
      await ctx.seed()
      const qs = Post.objects.filter({ pubDate__year: 2023 }).exclude({ title__icontains: 'django' })
      const titles: string[] = []
      for await (const p of qs) titles.push(p.title)
      expect(titles).toEqual(['First Post'])
      await Post.objects.all().delete()
      const again: string[] = []
      for await (const p of qs) again.push(p.title)
      expect(again).toEqual(['First Post'])
    })

    it('iterator({ chunkSize }) streams every row without filling the cache', async () => {
      await Tag.objects.bulkCreate(
        Array.from({ length: 25 }, (_, i) => ({ name: `t${String(i).padStart(2, '0')}` })),
      )
      const qs = Tag.objects.orderBy('name')
      const names: string[] = []
      for await (const t of qs.iterator({ chunkSize: 7 })) {
        expect(t).toBeInstanceOf(Tag)
        names.push(t.name)
      }
      expect(names).toHaveLength(25)
      expect(names[0]).toBe('t00')
      expect(names[24]).toBe('t24')
      await Tag.objects.filter({ name__gte: 't10' }).delete()
      expect(await qs.count()).toBe(10)
      const values: string[] = []
      for await (const v of Tag.objects
        .orderBy('name')
        .valuesList('name', { flat: true })
        .iterator({ chunkSize: 3 }))
        values.push(v)
      expect(values).toHaveLength(10)
      // The loop body may query and write while the iterator is open.
      let n = 0
      for await (const t of Tag.objects.orderBy('-name').iterator({ chunkSize: 4 })) {
        n++
        t.name = `${t.name}-x`
        await t.save()
        expect(await Tag.objects.filter({ name: t.name }).exists()).toBe(true)
      }
      expect(n).toBe(10)
      expect(await Tag.objects.filter({ name__endswith: '-x' }).count()).toBe(10)
      expect(
        await Tag.objects
          .slice(2, 5)
          .iterator({ chunkSize: 2 })
          .next()
          .then((r) => r.done),
      ).toBe(false)
      const sliced: string[] = []
      for await (const t of Tag.objects.orderBy('name').slice(2, 7).iterator({ chunkSize: 2 }))
        sliced.push(t.name)
      expect(sliced).toEqual(['t02-x', 't03-x', 't04-x', 't05-x', 't06-x'])
      const empty: unknown[] = []
      for await (const t of Tag.objects.none().iterator()) empty.push(t)
      expect(empty).toEqual([])
    })
  })

  describe('querysets: retrieval', () => {
    it('all/filter/exclude', async () => {
      await ctx.seed()
      expect(await Post.objects.all().count()).toBe(4)
      expect(sorted((await Post.objects.filter({ author__name: 'Alice' })).map((p) => p.title))).toEqual([
        'Django tips',
        'First Post',
      ])
      expect(sorted((await Post.objects.exclude({ author__name: 'Alice' })).map((p) => p.title))).toEqual([
        'Anonymous',
        'École du Web',
      ])
      expect(await Post.objects.filter({ title: 'First Post', content__contains: 'first' }).count()).toBe(1)
      expect(await Post.objects.filter({ title: 'First Post', content__contains: 'nope' }).count()).toBe(0)
      expect(await Post.objects.filter({}).count()).toBe(4)
    })

    it('get() returns one row or throws DoesNotExist / MultipleObjectsReturned', async () => {
      const { p1 } = await ctx.seed()
      const one = await Post.objects.get({ title: 'First Post' })
      expect(one.equals(p1)).toBe(true)
      expect(one).toBeInstanceOf(Post)
      const missing = await Post.objects.get({ title: 'nope' }).catch((e: unknown) => e)
      expect(missing).toBeInstanceOf(Post.DoesNotExist)
      expect(missing).toBeInstanceOf(ObjectDoesNotExist)
      expect(missing).not.toBeInstanceOf(Author.DoesNotExist)
      expect((missing as Error).message).toBe('Post matching query does not exist.')
      const many = await Post.objects.get({ author__name: 'Alice' }).catch((e: unknown) => e)
      expect(many).toBeInstanceOf(Post.MultipleObjectsReturned)
      expect(many).toBeInstanceOf(MultipleObjectsReturned)
      expect((many as Error).message).toBe('get() returned more than one Post -- it returned 2!')
      await Tag.objects.bulkCreate(Array.from({ length: 30 }, (_, i) => ({ name: `m${i}` })))
      const lots = await Tag.objects.get({ name__startswith: 'm' }).catch((e: unknown) => e)
      expect((lots as Error).message).toBe('get() returned more than one Tag -- it returned more than 20!')
      expect((await Post.objects.filter({ author__name: 'Bob' }).get()).title).toBe('École du Web')
    })

    it('first() and last() follow the ordering, or the primary key; null when empty', async () => {
      const { p1, p3, p4 } = await ctx.seed()
      expect((await Post.objects.first())!.equals(p4)).toBe(true)
      expect((await Post.objects.first())!.title).toBe('Anonymous')
      expect((await Post.objects.last())!.equals(p3)).toBe(true)
      expect((await Post.objects.orderBy('pubDate').first())!.title).toBe('École du Web')
      const tags = await Tag.objects.all()
      const byPk = [...tags].sort((a, b) => a.id - b.id)
      expect((await Tag.objects.first())!.equals(byPk[0])).toBe(true)
      expect((await Tag.objects.last())!.equals(byPk[2])).toBe(true)
      expect(await Tag.objects.filter({ name: 'zzz' }).first()).toBeNull()
      expect(await Tag.objects.filter({ name: 'zzz' }).last()).toBeNull()
      expect((await Post.objects.filter({ pk: p1.pk }).first())!.title).toBe('First Post')
    })

    it('orderBy: fields, descending, related paths, random, reverse', async () => {
      await ctx.seed()
      const titles = async (qs: PromiseLike<Post[]>) => (await qs).map((p) => p.title)
      expect(await titles(Post.objects.all())).toEqual([
        'Anonymous',
        'Django tips',
        'First Post',
        'École du Web',
      ])
      expect(await titles(Post.objects.orderBy('pubDate'))).toEqual([
        'École du Web',
        'First Post',
        'Django tips',
        'Anonymous',
      ])
      expect(await titles(Post.objects.orderBy('-rating', 'title'))).toEqual([
        'École du Web',
        'First Post',
        'Django tips',
        'Anonymous',
      ])
      expect(await titles(Post.objects.exclude({ author: null }).orderBy('-author__name', 'title'))).toEqual([
        'École du Web',
        'Django tips',
        'First Post',
      ])
      expect(await titles(Post.objects.orderBy('pubDate').reverse())).toEqual([
        'Anonymous',
        'Django tips',
        'First Post',
        'École du Web',
      ])
      expect(await titles(Post.objects.reverse())).toEqual([
        'École du Web',
        'First Post',
        'Django tips',
        'Anonymous',
      ])
      expect(await titles(Post.objects.orderBy('-pubDate').reverse().reverse())).toEqual([
        'Anonymous',
        'Django tips',
        'First Post',
        'École du Web',
      ])
      const random = await titles(Post.objects.orderBy('?'))
      expect(sorted(random)).toEqual(['Anonymous', 'Django tips', 'First Post', 'École du Web'])
      expect((await Comment.objects.orderBy('post__pubDate', '-author')).map((c) => c.text)).toEqual([
        'Bravo',
        'Great post!',
        'Thanks',
        'Nice tips',
      ])
      expect(await titles(Post.objects.orderBy(F('rating').desc()))).toEqual([
        'École du Web',
        'First Post',
        'Django tips',
        'Anonymous',
      ])
    })

    it('slice() is LIMIT/OFFSET', async () => {
      await ctx.seed()
      const qs = Post.objects.orderBy('pubDate')
      expect((await qs.slice(0, 2)).map((p) => p.title)).toEqual(['École du Web', 'First Post'])
      expect((await qs.slice(1, 3)).map((p) => p.title)).toEqual(['First Post', 'Django tips'])
      expect((await qs.slice(3)).map((p) => p.title)).toEqual(['Anonymous'])
      expect(await qs.slice(10, 20)).toEqual([])
      expect(await qs.slice(1, 3).count()).toBe(2)
      expect((await qs.slice(1, 3).slice(1)).map((p) => p.title)).toEqual(['Django tips'])
      expect(() => qs.slice(0, 1).filter({ title: 'x' })).toThrow(/slice/)
      expect(() => qs.slice(-1)).toThrow(/negative/i)
    })

    it('values() and valuesList() (flat, named)', async () => {
      const { alice, p1 } = await ctx.seed()
      const rows = await Post.objects.filter({ pk: p1.pk }).values()
      expect(rows).toEqual([
        {
          id: p1.id,
          title: 'First Post',
          content: 'This is my first blog post.',
          pubDate: new Date('2023-01-15T10:30:00.000Z'),
          authorId: alice.id,
          rating: '4.50',
        },
      ])
      expect(await Post.objects.orderBy('pubDate').values('title', 'author__name')).toEqual([
        { title: 'École du Web', author__name: 'Bob' },
        { title: 'First Post', author__name: 'Alice' },
        { title: 'Django tips', author__name: 'Alice' },
        { title: 'Anonymous', author__name: null },
      ])
      expect(await Post.objects.orderBy('pubDate').valuesList('title', 'rating')).toEqual([
        ['École du Web', '5.00'],
        ['First Post', '4.50'],
        ['Django tips', '3.25'],
        ['Anonymous', '0.00'],
      ])
      expect(await Tag.objects.orderBy('name').valuesList('name', { flat: true })).toEqual([
        'django',
        'ts',
        'web',
      ])
      const named = await Tag.objects.orderBy('-name').valuesList('name', 'id', { named: true })
      expect(named[0]).toEqual({ name: 'web', id: expect.any(Number) })
      expect(() => Tag.objects.valuesList('name', 'id', { flat: true } as never)).toThrow(/flat/)
      expect(
        await Comment.objects
          .filter({ author: 'Jane' })
          .orderBy('text')
          .valuesList('post__author__email', { flat: true }),
      ).toEqual(['bob@example.com', 'alice@example.com'])
    })

    it('sql() compiles without running and binds values as parameters', async () => {
      const compiled = Post.objects.filter({ title: "it's; drop table post" }).sql()
      expect(typeof compiled.sql).toBe('string')
      expect(compiled.sql.toLowerCase()).toContain('select')
      expect(compiled.sql).not.toContain("it's")
      expect(compiled.parameters).toContain("it's; drop table post")
    })
  })

  describe('querysets: more chainable behaviour', () => {
    it('none() matches nothing; orderBy() with no names clears the ordering; ordered says so', async () => {
      await ctx.seed()
      const none = Post.objects.none()
      expect(await none).toEqual([])
      expect(await none.count()).toBe(0)
      expect(await none.exists()).toBe(false)
      expect(await none.update({ title: 'x' })).toBe(0)
      expect(await none.delete()).toEqual({ total: 0, perModel: {} })
      expect(await Post.objects.filter({ title: 'First Post' }).none().first()).toBeNull()
      expect(Post.objects.all().ordered).toBe(true)
      expect(Post.objects.orderBy().ordered).toBe(false)
      expect(Tag.objects.all().ordered).toBe(false)
      expect(Tag.objects.orderBy('name').ordered).toBe(true)
      expect(await Post.objects.count()).toBe(4)
    })

    it('distinct() removes duplicate rows from multi-valued joins', async () => {
      await ctx.seed()
      expect(await Post.objects.filter({ comment__text__contains: 's' }).count()).toBe(3)
      expect(await Post.objects.filter({ comment__text__contains: 's' }).distinct().count()).toBe(2)
      expect(sorted(await Comment.objects.valuesList('author', { flat: true }).distinct())).toEqual([
        'Jane',
        'John',
      ])
    })

    it('distinct() sorted by columns it does not select selects them too (Django), on every database', async () => {
      const { alice, bob, p1 } = await ctx.seed()
      // A second 'First Post' on p1's date (the same title and date: one row), a second 'Django tips' on another date.
      const p5 = await Post.objects.create({ title: 'First Post', content: 'again', author: alice })
      await ctx.setDate(p5, p1.pubDate.toISOString())
      const p6 = await Post.objects.create({ title: 'Django tips', content: 'older', author: bob, rating: '1.00' })
      await ctx.setDate(p6, '2021-01-01T00:00:00.000Z')
      // Post is ordered by -pubDate: the rows are distinct over (title, pubDate), and only the title comes back.
      const titles = Post.objects.distinct().valuesList('title', { flat: true })
      const expected = ['Anonymous', 'Django tips', 'First Post', 'École du Web', 'Django tips']
      expect(await titles).toEqual(expected)
      expect(await Post.objects.distinct().valuesList('title')).toEqual(expected.map((t) => [t]))
      expect(await Post.objects.distinct().valuesList('title', { named: true })).toEqual(expected.map((title) => ({ title })))
      expect(await Post.objects.distinct().values('title')).toEqual(expected.map((title) => ({ title })))
      expect(await titles.reverse()).toEqual([...expected].reverse())
      expect(await titles.slice(0, 2)).toEqual(['Anonymous', 'Django tips'])
      expect(await titles.slice(3)).toEqual(['École du Web', 'Django tips'])
      expect(await titles.slice(1, 3)).toEqual(['Django tips', 'First Post'])
      expect(await titles.first()).toBe('Anonymous')
      // Unevaluated, count() drops the ordering of an unsliced query (Django), so it counts distinct titles;
      // the evaluated QuerySet counts its rows.
      expect(await titles.all().count()).toBe(4)
      expect(await titles.count()).toBe(5)
      expect(await titles.all().exists()).toBe(true)
      // Sliced, the ordering stays (Django): the slice is taken from the five rows, as when evaluated.
      expect(await titles.slice(3).count()).toBe(2)
      expect(await titles.slice(1, 3).count()).toBe(2)
      expect(await titles.slice(4).exists()).toBe(true)
      expect(await titles.slice(5).exists()).toBe(false)
      // A sliced part of a union brings its own columns only.
      expect(sorted(await titles.slice(0, 2).union(Post.objects.filter({ title: 'École du Web' }).valuesList('title', { flat: true })))).toEqual(sorted(['Anonymous', 'Django tips', 'École du Web']))
      const streamed: string[] = []
      for await (const t of titles.iterator({ chunkSize: 2 })) streamed.push(t)
      expect(streamed).toEqual(expected)
      // values() of one column, sorted by others: distinct over (author, title, author).
      const authors = await Post.objects.exclude({ title: 'École du Web' }).distinct().values('author').orderBy('title', 'author')
      expect(authors).toEqual([{ author: null }, { author: alice.id }, { author: bob.id }, { author: alice.id }])
      // Sorted by an expression with a parameter, which PostgreSQL must find in the select list.
      expect(await Post.objects.exclude({ title: 'École du Web' }).distinct().orderBy(F('rating').mul(-1), 'title').valuesList('title', { flat: true })).toEqual([
        'First Post',
        'Django tips',
        'Django tips',
        'Anonymous',
        'First Post',
      ])
      expect(sorted(await Post.objects.orderBy('?').distinct().valuesList('title', { flat: true }))).toEqual(sorted(['Anonymous', 'Django tips', 'First Post', 'École du Web', 'Django tips', 'First Post']))
      // Instances, sorted through a join: one row per post, no extra attribute.
      const posts = await Post.objects.filter({ tags__name__in: ['web', 'django'] }).distinct().orderBy('author__name')
      expect(posts.map((p) => p.title)).toEqual(['Django tips', 'École du Web'])
      expect(Object.keys(posts[0]!.toJSON()).sort()).toEqual(Object.keys(p1.toJSON()).sort())
      expect(await Post.objects.filter({ tags__name__in: ['web', 'django'] }).distinct().orderBy('author__name').count()).toBe(2)
      // As a subquery the ordering is dropped (Django), so the subquery selects one column.
      expect((await Author.objects.filter({ id__in: Post.objects.distinct().values('author') }).orderBy('name')).map((a) => a.name)).toEqual(['Alice', 'Bob'])
    })

    it('nulls first / last in ordering', async () => {
      await ctx.seed()
      expect(
        await Author.objects.orderBy(F('age').asc({ nullsLast: true })).valuesList('name', { flat: true }),
      ).toEqual(['Alice', 'Cara', 'Bob'])
      expect(
        await Author.objects.orderBy(F('age').asc({ nullsFirst: true })).valuesList('name', { flat: true }),
      ).toEqual(['Bob', 'Alice', 'Cara'])
      expect(
        await Author.objects.orderBy(F('age').desc({ nullsLast: true })).valuesList('name', { flat: true }),
      ).toEqual(['Cara', 'Alice', 'Bob'])
      expect(
        await Author.objects.orderBy(F('age').desc({ nullsFirst: true })).valuesList('name', { flat: true }),
      ).toEqual(['Bob', 'Cara', 'Alice'])
    })

    it('a sliced QuerySet refuses filter, orderBy, update and delete; values() refuses delete', async () => {
      await ctx.seed()
      const sliced = Post.objects.slice(0, 2)
      expect(() => sliced.filter({ title: 'x' })).toThrow(/slice/)
      expect(() => sliced.orderBy('title')).toThrow(/slice/)
      await ctx.expectRejectsUnchanged(Post, () => sliced.update({ title: 'x' }), Error, /slice/)
      await ctx.expectRejectsUnchanged(Post, () => sliced.delete(), Error, /slice/)
      await ctx.expectRejectsUnchanged(Post, () => Post.objects.values('title').delete(), Error, /values/)
    })

    it('first() and count() of an evaluated QuerySet use its cache', async () => {
      await ctx.seed()
      const qs = Post.objects.orderBy('pubDate')
      const rows = await qs
      await Post.objects.all().delete()
      expect(await qs.first()).toBe(rows[0])
      expect(await qs.count()).toBe(4)
      expect(await qs.all().count()).toBe(0)
    })
  })

  describe('querysets: writes', () => {
    it('create() saves and returns the instance', async () => {
      const t = await Tag.objects.create({ name: 'new' })
      expect(t).toBeInstanceOf(Tag)
      expect(typeof t.id).toBe('number')
      expect((await Tag.objects.get({ pk: t.pk })).name).toBe('new')
    })

    it('update() returns the row count, takes F expressions atomically', async () => {
      await ctx.seed()
      expect(await Author.objects.filter({ age__isnull: false }).update({ age: F('age').add(1) })).toBe(2)
      expect(await Author.objects.orderBy('name').valuesList('age', { flat: true })).toEqual([31, null, 42])
      expect(await Post.objects.filter({ author__name: 'Alice' }).update({ content: 'x' })).toBe(2)
      expect(await Post.objects.filter({ content: 'x' }).count()).toBe(2)
      expect(await Post.objects.filter({ title: 'nope' }).update({ content: 'y' })).toBe(0)
      expect(await Author.objects.all().update({ age: F('age').mul(2).sub(2) })).toBe(3)
      expect(await Author.objects.orderBy('name').valuesList('age', { flat: true })).toEqual([60, null, 82])
      await ctx.expectRejectsUnchanged(
        Author,
        () => Author.objects.all().update({ age: F('posts__id') }),
        FieldError,
      )
      await ctx.expectRejectsUnchanged(
        Post,
        () => Post.objects.all().update({ title: F('author__name') }),
        FieldError,
        /Joined field/,
      )
      await Promise.all(
        Array.from({ length: 10 }, () =>
          Author.objects.filter({ name: 'Alice' }).update({ age: F('age').add(1) }),
        ),
      )
      expect((await Author.objects.get({ name: 'Alice' })).age).toBe(70)
    })

    it('delete() returns { total, perModel } and cascades', async () => {
      await ctx.seed()
      const r = await Post.objects.filter({ author__name: 'Alice' }).delete()
      expect(r.total).toBe(r.perModel.Post! + r.perModel.Comment! + r.perModel.PostTags!)
      expect(r.perModel).toEqual({ Post: 2, Comment: 3, PostTags: 3 })
      expect(await Post.objects.count()).toBe(2)
      expect(await Comment.objects.count()).toBe(1)
      expect(await Tag.objects.filter({ name: 'nope' }).delete()).toEqual({ total: 0, perModel: {} })
      expect(await Tag.objects.all().delete()).toEqual({ total: 4, perModel: { Tag: 3, PostTags: 1 } })
    })

    it('getOrCreate() and updateOrCreate() resolve to [instance, created]', async () => {
      const [a, created] = await Author.objects.getOrCreate(
        { email: 'g@example.com' },
        { defaults: { name: 'G' } },
      )
      expect(created).toBe(true)
      expect(a.name).toBe('G')
      const [b, created2] = await Author.objects.getOrCreate(
        { email: 'g@example.com' },
        { defaults: { name: 'Other' } },
      )
      expect(created2).toBe(false)
      expect(b.equals(a)).toBe(true)
      expect(b.name).toBe('G')
      const [c, created3] = await Author.objects.updateOrCreate(
        { email: 'g@example.com' },
        { defaults: { name: 'G2', age: 5 } },
      )
      expect(created3).toBe(false)
      expect(c.equals(a)).toBe(true)
      expect((await Author.objects.get({ pk: a.pk })).name).toBe('G2')
      const [d, created4] = await Author.objects.updateOrCreate(
        { email: 'h@example.com' },
        { defaults: { name: 'H' }, createDefaults: { name: 'H-new' } },
      )
      expect(created4).toBe(true)
      expect(d.name).toBe('H-new')
      expect(await Author.objects.count()).toBe(2)
      const [e, created5] = await Author.objects.getOrCreate(
        { email__iexact: 'H@EXAMPLE.COM' },
        { defaults: { name: 'never', email: 'never@example.com' } },
      )
      expect(created5).toBe(false)
      expect(e.equals(d)).toBe(true)
    })

    it('bulkCreate() inserts in batches and sets primary keys', async () => {
      const objs = await Tag.objects.bulkCreate([new Tag({ name: 'a' }), { name: 'b' }, { name: 'c' }], {
        batchSize: 2,
      })
      expect(objs).toHaveLength(3)
      for (const o of objs) expect(o).toBeInstanceOf(Tag)
      if (ctx.features.returning) {
        const ids = objs.map((o) => o.id)
        expect(ids.every((i) => typeof i === 'number')).toBe(true)
        expect(new Set(ids).size).toBe(3)
        expect((await Tag.objects.get({ pk: objs[1]!.pk })).name).toBe('b')
      }
      expect(await Tag.objects.orderBy('name').valuesList('name', { flat: true })).toEqual(['a', 'b', 'c'])
      const ignored = await Tag.objects.bulkCreate([{ name: 'a' }, { name: 'd' }], { ignoreConflicts: true })
      expect(ignored).toHaveLength(2)
      expect(await Tag.objects.count()).toBe(4)
      expect(await Tag.objects.bulkCreate([])).toEqual([])
    })
  })
}
