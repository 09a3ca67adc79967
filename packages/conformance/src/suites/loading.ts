import { Count, FieldError, ObjectDoesNotExist, RelationNotLoaded, TypeMismatchError } from '@strata/core'
import { describe, expect, it } from 'vitest'
import { type ConformanceContext, sorted } from '../context.js'
import { Biography } from '../loading-models.js'
import { Album, Artist, Author, Comment, Post, Song } from '../models.js'

/** Django's `len(connection.queries)` around a block, for instances already fetched. */
async function count(ctx: ConformanceContext, fn: () => unknown): Promise<number> {
  return (await ctx.queries(fn)).length
}

/** `author.biography`: the reverse one-to-one attribute (not in the instance type). */
function bio(a: Author): Biography {
  return (a as unknown as { biography: Biography }).biography
}

/** `instance.load(path)` for names the instance type does not list (reverse relations). */
function load(obj: object, path: string): Promise<unknown> {
  return (obj as { load(p: string): Promise<unknown> }).load(path)
}

/** selectRelated(): single-valued relations loaded in the same query with JOINs; and instance.load(). */
export function loadingSuite(ctx: ConformanceContext): void {
  describe('selectRelated', () => {
    it('loads three levels in one query, so reading them sends none', async () => {
      const { alice } = await ctx.seed()
      await Biography.objects.create({ author: alice, summary: 'Writes a lot.' })
      let comments: Comment[] = []
      const sent = await ctx.queries(async () => {
        comments = await Comment.objects.selectRelated('post__author__biography').orderBy('pubDate')
      })
      expect(sent).toHaveLength(1)
      expect(
        await count(ctx, () =>
          comments.map((c) => [c.text, c.post.title, c.post.author?.name, c.post.author?.name === 'Alice' ? bio(c.post.author).summary : null]),
        ),
      ).toBe(0)
      expect(comments.map((c) => [c.text, c.post.title, c.post.author?.name])).toEqual([
        ['Bravo', 'École du Web', 'Bob'],
        ['Great post!', 'First Post', 'Alice'],
        ['Thanks', 'First Post', 'Alice'],
        ['Nice tips', 'Django tips', 'Alice'],
      ])
      expect(bio(comments[1]!.post.author!).summary).toBe('Writes a lot.')
      // Bob has no biography: loaded as missing, so reading it is Django's DoesNotExist, not a query.
      expect(() => bio(comments[0]!.post.author!)).toThrow(ObjectDoesNotExist)
    })

    it('joins non-null keys with INNER JOIN and nullable ones with LEFT JOIN: a null key is a loaded null', async () => {
      const { p4 } = await ctx.seed()
      const inner = Comment.objects.selectRelated('post').sql().sql.toLowerCase()
      expect(inner).toContain('inner join')
      expect(inner).not.toContain('left join')
      // Below a nullable hop every join stays LEFT, or rows would be lost.
      expect(Comment.objects.selectRelated('post__author').sql().sql.toLowerCase()).toMatch(/inner join.*left join/)
      const posts = await Post.objects.selectRelated('author').orderBy('title')
      expect(posts).toHaveLength(4)
      const anon = posts.find((p) => p.id === p4.id)!
      expect(anon.author).toBeNull()
      expect(await count(ctx, () => posts.map((p) => p.author?.email))).toBe(0)
    })

    it('without arguments follows every non-null foreign key, and null clears', async () => {
      await ctx.seed()
      const [c] = await Comment.objects.selectRelated().filter({ text: 'Great post!' })
      expect(c!.post.title).toBe('First Post')
      // post.author is nullable: not followed.
      expect(() => c!.post.author).toThrow(RelationNotLoaded)
      const artist = await Artist.objects.create({ name: 'Nina' })
      const album = await Album.objects.create({ title: 'Blue', artist })
      await Song.objects.create({ title: 'One', album, artist })
      let songs: Song[] = []
      expect(await count(ctx, async () => (songs = await Song.objects.selectRelated()))).toBe(1)
      expect([songs[0]!.album.title, songs[0]!.album.artist.name, songs[0]!.artist.name]).toEqual(['Blue', 'Nina', 'Nina'])
      const [plain] = await Comment.objects.selectRelated('post').selectRelated(null).filter({ text: 'Great post!' })
      expect(() => plain!.post).toThrow(RelationNotLoaded)
      expect(() => plain!.post).toThrow(/selectRelated\('post'\).*load\('post'\)/)
    })

    it('combines with filter, orderBy, slice, distinct and annotate', async () => {
      await ctx.seed()
      const rows = await Comment.objects.selectRelated('post__author').filter({ post__author__name: 'Alice' }).orderBy('post__title', 'text').slice(0, 2)
      expect(rows.map((c) => [c.post.title, c.text, c.post.author!.name])).toEqual([
        ['Django tips', 'Nice tips', 'Alice'],
        ['First Post', 'Great post!', 'Alice'],
      ])
      const counted = await Post.objects.selectRelated('author').annotate({ n: Count('comment') }).orderBy('pubDate')
      expect(counted.map((p) => [p.title, p.n, p.author?.name ?? null])).toEqual([
        ['École du Web', 1, 'Bob'],
        ['First Post', 2, 'Alice'],
        ['Django tips', 1, 'Alice'],
        ['Anonymous', 0, null],
      ])
      const distinct = await Post.objects.filter({ tags__name__in: ['web', 'django'] }).selectRelated('author').distinct()
      expect(sorted(distinct.map((p) => `${p.title}/${p.author!.name}`))).toEqual(['Django tips/Alice', 'École du Web/Bob'])
      expect(await Post.objects.selectRelated('author').filter({ author__name: 'Alice' }).count()).toBe(2)
      expect(await Post.objects.selectRelated('author').exists()).toBe(true)
    })

    it('related objects are full instances: their methods work and their own relations load further', async () => {
      const { c1 } = await ctx.seed()
      const c = await Comment.objects.selectRelated('post').get({ pk: c1.pk })
      expect(c.post).toBeInstanceOf(Post)
      expect(c.post.toString()).toBe('First Post')
      expect(() => c.post.author).toThrow(RelationNotLoaded)
      const author = await c.post.load('author')
      expect(author!.name).toBe('Alice')
      expect(c.post.author).toBe(author)
      c.post.title = 'Renamed'
      await c.post.save()
      expect((await Post.objects.get({ pk: c.post.pk })).title).toBe('Renamed')
    })

    it('reverse one-to-one: both sides know each other, a missing row is DoesNotExist', async () => {
      const { alice } = await ctx.seed()
      await Biography.objects.create({ author: alice, summary: 'Alice bio' })
      const authors = await Author.objects.selectRelated('biography').orderBy('name')
      expect(await count(ctx, () => bio(authors[0]!).author.name)).toBe(0)
      expect(bio(authors[0]!).summary).toBe('Alice bio')
      expect(() => bio(authors[1]!)).toThrow(Biography.DoesNotExist)
      const bios = await Biography.objects.selectRelated('author')
      expect(bios[0]!.author.name).toBe('Alice')
      expect(await count(ctx, () => bio(bios[0]!.author).summary)).toBe(0)
    })

    it('works with get, first, last and iterator', async () => {
      const { c1 } = await ctx.seed()
      const qs = Comment.objects.selectRelated('post__author')
      expect((await qs.get({ pk: c1.pk })).post.author!.name).toBe('Alice')
      expect((await qs.orderBy('pubDate').first())!.post.title).toBe('École du Web')
      expect((await qs.orderBy('pubDate').last())!.post.title).toBe('Django tips')
      const seen: string[] = []
      for await (const c of qs.orderBy('pubDate').iterator({ chunkSize: 3 })) seen.push(`${c.text}/${c.post.author!.name}`)
      expect(seen).toEqual(['Bravo/Bob', 'Great post!/Alice', 'Thanks/Alice', 'Nice tips/Alice'])
    })

    it('unknown, non-relational and multi-valued names are FieldErrors listing the choices, before any query', async () => {
      await ctx.seed()
      const sent = await ctx.queries(() => {
        expect(() => Comment.objects.selectRelated('nope' as never)).toThrow(/Invalid field name\(s\) given in selectRelated: 'nope'\. Choices are: post/)
        expect(() => Comment.objects.selectRelated('text' as never)).toThrow(/Non-relational field given in selectRelated: 'text'/)
        expect(() => Post.objects.selectRelated('tags' as never)).toThrow(/'tags' is multi-valued: use prefetchRelated/)
        expect(() => Post.objects.selectRelated('comment' as never)).toThrow(FieldError)
        expect(() => Comment.objects.selectRelated('post__nope' as never)).toThrow(/Invalid field name\(s\) given in selectRelated: 'nope' \(in 'post__nope'\)\. Choices are: author/)
        expect(() => Comment.objects.selectRelated('post; drop table comment' as never)).toThrow(FieldError)
        expect(() => Comment.objects.selectRelated('post__' as never)).toThrow(FieldError)
        expect(() => Comment.objects.selectRelated(3 as never)).toThrow(TypeMismatchError)
        expect(() => Comment.objects.selectRelated('post', null as never)).toThrow(TypeMismatchError)
        expect(() => Comment.objects.values('text').selectRelated('post')).toThrow(/Cannot call selectRelated\(\) after \.values\(\)/)
      })
      expect(sent).toEqual([])
      await ctx.expectRejectsUnchanged(Comment, async () => (await Comment.objects.all()).map((c) => c.post.title), RelationNotLoaded)
    })
  })

  describe('instance.load()', () => {
    it('follows forward, reverse, many-to-many and nested paths, one query per level', async () => {
      const { c1, p1, alice, bob, ts } = await ctx.seed()
      await Biography.objects.create({ author: alice, summary: 'A' })
      const c = await Comment.objects.get({ pk: c1.pk })
      let post: Post | undefined
      expect(await count(ctx, async () => (post = (await c.load('post__author')) as Post))).toBe(2)
      expect(post).toBe(c.post)
      expect(c.post.author!.name).toBe('Alice')
      const p = await Post.objects.get({ pk: p1.pk })
      const comments = (await load(p, 'commentSet')) as Comment[]
      expect(sorted(comments.map((x) => x.text))).toEqual(['Great post!', 'Thanks'])
      expect(await count(ctx, () => comments[0]!.post)).toBe(0)
      expect(comments[0]!.post).toBe(p)
      expect(((await load(p, 'tags')) as { name: string }[]).map((t) => t.name)).toEqual(['ts'])
      expect(sorted(((await load(ts, 'posts')) as Post[]).map((x) => x.title))).toEqual(['First Post'])
      expect(((await load(alice, 'biography')) as Biography).summary).toBe('A')
      expect(await load(bob, 'biography')).toBeNull()
      expect(() => bio(bob)).toThrow(Biography.DoesNotExist)
    })

    it('refuses unknown names, plain fields and unsaved instances', async () => {
      const { p1 } = await ctx.seed()
      await expect(load(p1, 'nope')).rejects.toThrow(/Cannot find 'nope' on Post object, 'nope' is an invalid parameter to load\(\)/)
      await expect(load(p1, 'title')).rejects.toThrow(/'title' does not resolve to an item that supports prefetching/)
      await expect(load(new Post({ title: 'x', content: 'y' }), 'commentSet')).rejects.toThrow(TypeMismatchError)
      expect(await new Comment({ author: 'a', text: 'b' }).load('post')).toBeNull()
    })
  })
}
