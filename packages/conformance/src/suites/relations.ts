import { Count, ForeignKeyViolation, ProtectedError, RestrictedError } from '@strata/core'
import { describe, expect, it } from 'vitest'
import { type ConformanceContext, sorted } from '../context.js'
import {
  Album,
  Artist,
  Author,
  Book,
  Category,
  Comment,
  Note,
  Post,
  Publisher,
  Song,
  Tag,
} from '../models.js'

async function titles(qs: PromiseLike<Post[]>): Promise<string[]> {
  return sorted((await qs).map((p) => p.title))
}

/** Foreign keys and many-to-many in queries, and what deletes do to the rows that point at them. */
export function relationSuite(ctx: ConformanceContext): void {
  describe('relations in queries', () => {
    it('forward paths and relation values given as instance or key', async () => {
      const { p1, alice } = await ctx.seed()
      expect(
        sorted((await Comment.objects.filter({ post__title: 'First Post' })).map((c) => c.text)),
      ).toEqual(['Great post!', 'Thanks'])
      expect(
        sorted((await Comment.objects.filter({ post__title__icontains: 'TIPS' })).map((c) => c.text)),
      ).toEqual(['Nice tips'])
      expect(
        sorted((await Comment.objects.filter({ post__author__name__istartswith: 'al' })).map((c) => c.text)),
      ).toEqual(['Great post!', 'Nice tips', 'Thanks'])
      expect(await Comment.objects.filter({ post: p1 }).count()).toBe(2)
      expect(await Comment.objects.filter({ post: p1.id }).count()).toBe(2)
      expect(await Comment.objects.filter({ postId: p1.id }).count()).toBe(2)
      expect(await Comment.objects.filter({ post__id: p1.id }).count()).toBe(2)
      expect(await Comment.objects.filter({ post__pk: p1.id }).count()).toBe(2)
      expect(await Comment.objects.filter({ post__in: [p1, p1.id + 1000] }).count()).toBe(2)
      expect(await titles(Post.objects.filter({ author: alice }))).toEqual(['Django tips', 'First Post'])
      expect(await titles(Post.objects.filter({ author__email: 'alice@example.com' }))).toEqual([
        'Django tips',
        'First Post',
      ])
      expect(
        await titles(Post.objects.filter({ author__in: Author.objects.filter({ name__startswith: 'B' }) })),
      ).toEqual(['École du Web'])
      expect(await titles(Post.objects.filter({ author__in: [alice.id, null as never] }))).toEqual([
        'Django tips',
        'First Post',
      ])
      const c1 = await Comment.objects.get({ text: 'Great post!' })
      expect(await titles(Post.objects.filter({ comment: c1 }))).toEqual(['First Post'])
      expect(await titles(Post.objects.filter({ comment__in: [c1] }))).toEqual(['First Post'])
      expect(await titles(Post.objects.filter({ author__gt: alice.id }))).toEqual(['École du Web'])
    })

    it('reverse paths use the lowercased model name or relatedName', async () => {
      await ctx.seed()
      expect(await titles(Post.objects.filter({ comment__author: 'John' }).distinct())).toEqual([
        'Django tips',
        'First Post',
      ])
      expect(await Post.objects.filter({ comment__author: 'John' }).count()).toBe(2)
      expect(await Post.objects.filter({ comment__author: 'Jane' }).count()).toBe(2)
      expect(await titles(Post.objects.filter({ comment__isnull: true }))).toEqual(['Anonymous'])
      expect(
        sorted((await Author.objects.filter({ posts__title__startswith: 'É' })).map((a) => a.name)),
      ).toEqual(['Bob'])
      expect(
        sorted(
          (await Author.objects.filter({ posts__comment__author: 'John' }).distinct()).map((a) => a.name),
        ),
      ).toEqual(['Alice'])
      expect(sorted((await Author.objects.filter({ posts__isnull: true })).map((a) => a.name))).toEqual([
        'Cara',
      ])
    })

    it('a multi-valued path in one filter() call is the same row; chained calls may be different rows', async () => {
      await ctx.seed()
      // p1 has comments by John ('Great post!') and Jane ('Thanks').
      expect(await titles(Post.objects.filter({ comment__author: 'John', comment__text: 'Thanks' }))).toEqual(
        [],
      )
      expect(
        await titles(Post.objects.filter({ comment__author: 'John' }).filter({ comment__text: 'Thanks' })),
      ).toEqual(['First Post'])
      expect(await titles(Post.objects.filter({ comment__author: 'Jane', comment__text: 'Thanks' }))).toEqual(
        ['First Post'],
      )
      expect(
        sorted(
          (await Author.objects.filter({ posts__comment__author: 'Jane', posts__title: 'Django tips' })).map(
            (a) => a.name,
          ),
        ),
      ).toEqual([])
      expect(
        sorted(
          (
            await Author.objects
              .filter({ posts__comment__author: 'Jane' })
              .filter({ posts__title: 'Django tips' })
              .distinct()
          ).map((a) => a.name),
        ),
      ).toEqual(['Alice'])
    })

    it('exclude over a multi-valued relation drops the parent if any related row matches', async () => {
      await ctx.seed()
      expect(await titles(Post.objects.exclude({ comment__author: 'John' }))).toEqual([
        'Anonymous',
        'École du Web',
      ])
      // Django: the conditions of one exclude() call need not match the same related row.
      expect(
        await titles(Post.objects.exclude({ comment__author: 'John', comment__text: 'Thanks' })),
      ).toEqual(['Anonymous', 'Django tips', 'École du Web'])
      expect(await titles(Post.objects.exclude({ tags__name: 'web' }))).toEqual(['Anonymous', 'First Post'])
      expect(
        sorted((await Author.objects.exclude({ posts__comment__author: 'Jane' })).map((a) => a.name)),
      ).toEqual(['Cara'])
    })

    it('Count over reverse relations and many-to-many', async () => {
      await ctx.seed()
      const rows = await Tag.objects.annotate({ n: Count('posts') }).orderBy('name')
      expect(rows.map((t) => [t.name, t.n])).toEqual([
        ['django', 1],
        ['ts', 1],
        ['web', 2],
      ])
      const posts = await Post.objects
        .annotate({
          tagCount: Count('tags', { distinct: true }),
          comments: Count('comment', { distinct: true }),
        })
        .orderBy('pubDate')
      expect(posts.map((p) => [p.tagCount, p.comments])).toEqual([
        [1, 1],
        [1, 2],
        [2, 1],
        [0, 0],
      ])
    })

    it('many-to-many lookups both ways through the join table', async () => {
      await ctx.seed()
      expect(await titles(Post.objects.filter({ tags__name: 'web' }))).toEqual([
        'Django tips',
        'École du Web',
      ])
      expect(await titles(Post.objects.filter({ tags__name__in: ['ts', 'django'] }))).toEqual([
        'Django tips',
        'First Post',
      ])
      expect(
        await titles(Post.objects.filter({ tags__name: 'web' }).filter({ tags__name: 'django' })),
      ).toEqual(['Django tips'])
      expect(await titles(Post.objects.filter({ tags__name: 'web', tags__name__startswith: 'd' }))).toEqual(
        [],
      )
      expect(await titles(Post.objects.filter({ tags: null }))).toEqual(['Anonymous'])
      expect(
        sorted((await Tag.objects.filter({ posts__author__name: 'Alice' }).distinct()).map((t) => t.name)),
      ).toEqual(['django', 'ts', 'web'])
      expect(sorted((await Tag.objects.filter({ posts__title: 'École du Web' })).map((t) => t.name))).toEqual(
        ['web'],
      )
      const web = await Tag.objects.get({ name: 'web' })
      expect(await titles(Post.objects.filter({ tags: web }))).toEqual(['Django tips', 'École du Web'])
    })

    it('a self reference: paths through parent and children', async () => {
      const root = await Category.objects.create({ name: 'root' })
      const a = await Category.objects.create({ name: 'a', parent: root })
      await Category.objects.create({ name: 'a1', parent: a })
      await Category.objects.create({ name: 'b', parent: root })
      expect(sorted((await Category.objects.filter({ parent__name: 'root' })).map((c) => c.name))).toEqual([
        'a',
        'b',
      ])
      expect(
        sorted((await Category.objects.filter({ parent__parent__name: 'root' })).map((c) => c.name)),
      ).toEqual(['a1'])
      expect(sorted((await Category.objects.filter({ children__name: 'a1' })).map((c) => c.name))).toEqual([
        'a',
      ])
      expect(sorted((await Category.objects.filter({ parent: null })).map((c) => c.name))).toEqual(['root'])
      const counts = await Category.objects.annotate({ n: Count('children') }).orderBy('name')
      expect(counts.map((c) => [c.name, c.n])).toEqual([
        ['a', 1],
        ['a1', 0],
        ['b', 0],
        ['root', 2],
      ])
    })
  })

  describe('onDelete', () => {
    it('CASCADE removes dependent rows through several levels', async () => {
      const { alice } = await ctx.seed()
      const r = await Author.objects.filter({ pk: alice.pk }).delete()
      expect(r).toEqual({ total: 1 + 2 + 3 + 3, perModel: { Author: 1, Post: 2, Comment: 3, PostTags: 3 } })
      expect(await Comment.objects.count()).toBe(1)
      expect(await Tag.objects.count()).toBe(3)
    })

    it('PROTECT raises ProtectedError with the blocking objects and deletes nothing', async () => {
      const pub = await Publisher.objects.create({ name: 'P' })
      const book = await Book.objects.create({ title: 'B', publisher: pub })
      const err = await ctx.expectRejectsUnchanged(Publisher, () => pub.delete(), ProtectedError, /protected/)
      expect((err as ProtectedError).protectedObjects).toHaveLength(1)
      expect(((err as ProtectedError).protectedObjects[0] as Book).equals(book)).toBe(true)
      expect(await Book.objects.count()).toBe(1)
      await book.delete()
      expect((await pub.delete()).perModel).toEqual({ Publisher: 1 })
    })

    it('RESTRICT blocks a direct delete but not one that cascades to the restricting rows', async () => {
      const artist = await Artist.objects.create({ name: 'A' })
      const album = await Album.objects.create({ title: 'L', artist })
      const song = await Song.objects.create({ title: 'S', album, artist })
      const err = await ctx.expectRejectsUnchanged(Album, () => album.delete(), RestrictedError)
      expect(((err as RestrictedError).restrictedObjects[0] as Song).equals(song)).toBe(true)
      expect(await Song.objects.count()).toBe(1)
      const r = await artist.delete()
      expect(r.perModel).toEqual({ Artist: 1, Album: 1, Song: 1 })
    })

    it('SET_NULL clears the reference', async () => {
      const root = await Category.objects.create({ name: 'root' })
      const child = await Category.objects.create({ name: 'child', parent: root })
      const r = await root.delete()
      expect(r).toEqual({ total: 1, perModel: { Category: 1 } })
      const fresh = await Category.objects.get({ pk: child.pk })
      expect(fresh.parentId).toBeNull()
    })

    it('DO_NOTHING leaves the reference as it is', async () => {
      const a = await Author.objects.create({ name: 'Gone', email: 'gone@example.com' })
      const note = await Note.objects.create({ text: 'n', author: a })
      const id = a.id
      expect(await a.delete()).toEqual({ total: 1, perModel: { Author: 1 } })
      expect((await Note.objects.get({ pk: note.pk })).authorId).toBe(id)
      // selectRelated finds no row for the key: the relation is loaded as missing (Django caches None), no query on read.
      const [loaded] = await Note.objects.selectRelated('author').filter({ pk: note.pk })
      const { queries } = await ctx.db.captureQueries(async () => expect(loaded!.author).toBeNull())
      expect(queries).toHaveLength(0)
      expect(loaded!.authorId).toBe(id)
    })

    it('a key that points nowhere raises ForeignKeyViolation with the driver error as cause', async () => {
      const err = await ctx.expectRejectsUnchanged(
        Comment,
        () => Comment.objects.create({ postId: 999999, author: 'a', text: 'b' }),
        ForeignKeyViolation,
      )
      expect((err as Error).cause).toBeDefined()
      const { p1 } = await ctx.seed()
      await ctx.expectRejectsUnchanged(
        Comment,
        () => Comment.objects.filter({ post: p1 }).update({ postId: 999999 }),
        ForeignKeyViolation,
      )
    })
  })
}
