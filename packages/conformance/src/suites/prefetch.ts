import { F, FieldError, Prefetch, prefetchedRows, prefetchRelatedObjects, type QuerySet, RelationNotLoaded, TypeMismatchError } from '@strata/core'
import { describe, expect, it } from 'vitest'
import { type ConformanceContext, sorted } from '../context.js'
import { Biography } from '../loading-models.js'
import { Author, Comment, Post, Tag } from '../models.js'

/** The rows prefetchRelated() stored for a multi-valued relation, as the type `T`. */
function rows<T>(obj: object, name: string): T[] {
  const r = prefetchedRows(obj, name)
  if (!r) throw new Error(`${name} was not prefetched`)
  return r as T[]
}

/** A related manager (`post.commentSet`, `post.tags`), which the instance type does not list. */
function manager<T>(obj: object, name: string): { all(): PromiseLike<T[]>; count(): Promise<number> } {
  return (obj as Record<string, { all(): PromiseLike<T[]>; count(): Promise<number> }>)[name]!
}

/** An attribute set by `Prefetch(..., { toAttr })`. */
function attr<T>(obj: object, name: string): T {
  return (obj as Record<string, T>)[name]!
}

const names = (items: readonly { name: string }[]) => sorted(items.map((t) => t.name))
const texts = (items: readonly { text: string }[]) => sorted(items.map((c) => c.text))
const titles = (items: readonly { title: string }[]) => sorted(items.map((p) => p.title))

/** prefetchRelated() and Prefetch(): one query per level, joined in memory. */
export function prefetchSuite(ctx: ConformanceContext): void {
  describe('prefetchRelated', () => {
    it('reverse foreign key: one extra query, then the manager and each child answer without a query', async () => {
      await ctx.seed()
      let posts: Post[] = []
      expect(await ctx.queries(async () => (posts = await Post.objects.prefetchRelated('commentSet').orderBy('pubDate')))).toHaveLength(2)
      const sent = await ctx.queries(async () => {
        expect(await Promise.all(posts.map(async (p) => texts(await manager<Comment>(p, 'commentSet').all())))).toEqual([
          ['Bravo'],
          ['Great post!', 'Thanks'],
          ['Nice tips'],
          [],
        ])
        expect(await manager<Comment>(posts[1]!, 'commentSet').count()).toBe(2)
        expect(rows<Comment>(posts[1]!, 'commentSet').every((c) => c.post === posts[1])).toBe(true)
      })
      expect(sent).toEqual([])
    })

    it('many-to-many both ways through the join table, and forward keys, one query each', async () => {
      const { alice } = await ctx.seed()
      let posts: Post[] = []
      expect(await ctx.queries(async () => (posts = await Post.objects.prefetchRelated('tags').orderBy('pubDate')))).toHaveLength(2)
      expect(posts.map((p) => names(rows<Tag>(p, 'tags')))).toEqual([['web'], ['ts'], ['django', 'web'], []])
      let tags: Tag[] = []
      expect(await ctx.queries(async () => (tags = await Tag.objects.prefetchRelated('posts').orderBy('name')))).toHaveLength(2)
      expect(tags.map((t) => titles(rows<Post>(t, 'posts')))).toEqual([['Django tips'], ['First Post'], ['Django tips', 'École du Web']])
      let comments: Comment[] = []
      expect(await ctx.queries(async () => (comments = await Comment.objects.prefetchRelated('post').orderBy('pubDate')))).toHaveLength(2)
      expect(comments.map((c) => c.post.title)).toEqual(['École du Web', 'First Post', 'First Post', 'Django tips'])
      // One instance per related row: comments of the same post share it.
      expect(comments[1]!.post).toBe(comments[2]!.post)
      await Biography.objects.create({ author: alice, summary: 'A' })
      const authors = await Author.objects.prefetchRelated('biography').orderBy('name')
      expect((authors[0] as unknown as { biography: Biography }).biography.summary).toBe('A')
      expect(() => (authors[1] as unknown as { biography: Biography }).biography).toThrow(Biography.DoesNotExist)
    })

    it('nested paths add one query per level; levels already loaded by selectRelated are not queried again', async () => {
      await ctx.seed()
      let authors: Author[] = []
      expect(await ctx.queries(async () => (authors = await Author.objects.prefetchRelated('posts__commentSet').orderBy('name')))).toHaveLength(3)
      expect(authors.map((a) => rows<Post>(a, 'posts').flatMap((p) => texts(rows<Comment>(p, 'commentSet'))).sort())).toEqual([
        ['Great post!', 'Nice tips', 'Thanks'],
        ['Bravo'],
        [],
      ])
      let posts: Post[] = []
      expect(await ctx.queries(async () => (posts = await Post.objects.prefetchRelated('tags__posts').orderBy('pubDate')))).toHaveLength(3)
      expect(titles(rows<Post>(rows<Tag>(posts[2]!, 'tags').find((t) => t.name === 'web')!, 'posts'))).toEqual(['Django tips', 'École du Web'])
      let comments: Comment[] = []
      expect(await ctx.queries(async () => (comments = await Comment.objects.prefetchRelated('post__author').orderBy('pubDate')))).toHaveLength(3)
      expect(comments.map((c) => c.post.author!.name)).toEqual(['Bob', 'Alice', 'Alice', 'Alice'])
      expect(await ctx.queries(async () => (posts = await Post.objects.selectRelated('author').prefetchRelated('author__posts').filter({ author__name: 'Alice' })))).toHaveLength(2)
      expect(titles(rows<Post>(posts[0]!.author!, 'posts'))).toEqual(['Django tips', 'First Post'])
    })

    it('Prefetch() with a filtered, ordered queryset and toAttr', async () => {
      await ctx.seed()
      const johns = Prefetch('commentSet', { queryset: Comment.objects.filter({ author: 'John' }).orderBy('-pubDate'), toAttr: 'johns' })
      const posts = await Post.objects.prefetchRelated(johns).orderBy('pubDate')
      expect(posts.map((p) => texts(attr<Comment[]>(p, 'johns')))).toEqual([[], ['Great post!'], ['Nice tips'], []])
      // Without toAttr the filtered rows are what the manager answers.
      const filtered = await Post.objects.prefetchRelated(Prefetch('commentSet', { queryset: Comment.objects.filter({ author: 'Jane' }) })).orderBy('pubDate')
      expect(texts(await manager<Comment>(filtered[1]!, 'commentSet').all())).toEqual(['Thanks'])
      const ordered = await Post.objects.prefetchRelated(Prefetch('tags', { queryset: Tag.objects.orderBy('-name'), toAttr: 'tagList' }), 'tagList__posts').filter({ title: 'Django tips' })
      const tagList = attr<Tag[]>(ordered[0]!, 'tagList')
      expect(tagList.map((t) => t.name)).toEqual(['web', 'django'])
      expect(titles(rows<Post>(tagList[0]!, 'posts'))).toEqual(['Django tips', 'École du Web'])
      const single = await Comment.objects.prefetchRelated(Prefetch('post', { queryset: Post.objects.all(), toAttr: 'thePost' })).filter({ text: 'Bravo' })
      expect(attr<Post>(single[0]!, 'thePost').title).toBe('École du Web')
      let authors: Author[] = []
      const sent = await ctx.queries(async () => {
        authors = await Author.objects.prefetchRelated(Prefetch('posts', { queryset: Post.objects.prefetchRelated('tags') })).orderBy('name')
      })
      expect(sent).toHaveLength(3)
      expect(rows<Post>(authors[0]!, 'posts').flatMap((p) => names(rows<Tag>(p, 'tags'))).sort()).toEqual(['django', 'ts', 'web'])
    })

    it('a forward key whose row the Prefetch queryset leaves out is loaded as missing: null, or DoesNotExist for a non-null key (Django)', async () => {
      await ctx.seed()
      const firstOnly = () => Prefetch('post', { queryset: Post.objects.filter({ title: 'First Post' }) })
      let comments: Comment[] = []
      expect(await ctx.queries(async () => (comments = await Comment.objects.prefetchRelated(firstOnly()).orderBy('pubDate')))).toHaveLength(2)
      // By date: Bravo (École du Web), Great post! and Thanks (First Post), Nice tips (Django tips).
      const sent = await ctx.queries(() => {
        expect(comments[1]!.post.title).toBe('First Post')
        expect(comments[1]!.post).toBe(comments[2]!.post)
        expect(() => comments[0]!.post).toThrow(Post.DoesNotExist)
        expect(() => comments[3]!.post).toThrow(/^Comment has no post\.$/)
      })
      expect(sent).toEqual([])
      // Loaded: prefetching it again sends nothing; load() fetches it again.
      expect(await ctx.queries(() => prefetchRelatedObjects(comments, 'post'))).toEqual([])
      expect((await comments[0]!.load('post')).title).toBe('École du Web')
      expect(comments[0]!.post.title).toBe('École du Web')
      // Another key is not loaded; assigning the relation loads it.
      comments[3]!.postId = comments[1]!.postId
      expect(() => comments[3]!.post).toThrow(RelationNotLoaded)
      comments[3]!.post = comments[1]!.post
      expect(comments[3]!.post.title).toBe('First Post')
      // A nullable key reads null.
      const posts = await Post.objects.prefetchRelated(Prefetch('author', { queryset: Author.objects.filter({ name: 'Bob' }) })).orderBy('pubDate')
      expect(posts.map((p) => p.author?.name ?? null)).toEqual(['Bob', null, null, null])
      // toAttr holds null; a deeper level skips the missing rows.
      const toAttr = await Comment.objects.prefetchRelated(Prefetch('post', { queryset: Post.objects.filter({ title: 'nope' }), toAttr: 'thePost' }))
      expect(toAttr.map((c) => (c as unknown as { thePost: unknown }).thePost)).toEqual([null, null, null, null])
      let deep: Comment[] = []
      expect(await ctx.queries(async () => (deep = await Comment.objects.prefetchRelated(firstOnly(), 'post__author').orderBy('pubDate')))).toHaveLength(3)
      expect(deep[1]!.post.author!.name).toBe('Alice')
      expect(() => deep[0]!.post).toThrow(Post.DoesNotExist)
    })

    it('a sliced Prefetch queryset is sliced per parent (Django 4.2): reverse keys and many-to-many both ways, one query per level', async () => {
      const { alice, p1, p2 } = await ctx.seed()
      await ctx.setDate(await Comment.objects.create({ post: p1, author: 'Ann', text: 'Third' }), '2023-01-18T09:00:00.000Z')
      await ctx.setDate(await Comment.objects.create({ post: p2, author: 'Ann', text: 'More tips' }), '2023-06-03T09:00:00.000Z')
      const perPost = async (queryset: QuerySet<Comment>) => {
        let posts: Post[] = []
        const sent = await ctx.queries(async () => {
          posts = await Post.objects.prefetchRelated(Prefetch('commentSet', { queryset, toAttr: 'picked' })).orderBy('pubDate')
        })
        expect(sent).toHaveLength(2)
        // Posts by date: École du Web, First Post, Django tips, Anonymous.
        return posts.map((p) => attr<Comment[]>(p, 'picked').map((c) => c.text))
      }
      const latest = Comment.objects.orderBy('-pubDate')
      expect(await perPost(latest.slice(0, 2))).toEqual([['Bravo'], ['Third', 'Thanks'], ['More tips', 'Nice tips'], []])
      expect(await perPost(latest.slice(1, 2))).toEqual([[], ['Thanks'], ['Nice tips'], []])
      expect(await perPost(latest.slice(1))).toEqual([[], ['Thanks', 'Great post!'], ['Nice tips'], []])
      expect(await perPost(latest.slice(2, 2))).toEqual([[], [], [], []])
      expect(await perPost(latest.reverse().slice(0, 2))).toEqual([['Bravo'], ['Great post!', 'Thanks'], ['Nice tips', 'More tips'], []])
      expect(await perPost(Comment.objects.orderBy(F('pubDate').asc({ nullsLast: true })).slice(0, 1))).toEqual([['Bravo'], ['Great post!'], ['Nice tips'], []])
      expect(await perPost(Comment.objects.filter({ author: 'Ann' }).orderBy('pubDate').slice(0, 5))).toEqual([[], ['Third'], ['More tips'], []])
      // Without toAttr the manager answers from the sliced rows; each child knows its parent.
      const posts = await Post.objects.prefetchRelated(Prefetch('commentSet', { queryset: latest.slice(0, 1) })).filter({ pk: p1.pk })
      expect(texts(await manager<Comment>(posts[0]!, 'commentSet').all())).toEqual(['Third'])
      expect(rows<Comment>(posts[0]!, 'commentSet')[0]!.post).toBe(posts[0])
      // Many-to-many, both ways: the first tag of each post by name, the latest post of each tag.
      let tagged: Post[] = []
      expect(await ctx.queries(async () => (tagged = await Post.objects.prefetchRelated(Prefetch('tags', { queryset: Tag.objects.orderBy('name').slice(0, 1) })).orderBy('pubDate')))).toHaveLength(2)
      expect(tagged.map((p) => names(rows<Tag>(p, 'tags')))).toEqual([['web'], ['ts'], ['django'], []])
      let tags: Tag[] = []
      expect(await ctx.queries(async () => (tags = await Tag.objects.prefetchRelated(Prefetch('posts', { queryset: Post.objects.slice(0, 1), toAttr: 'newest' })).orderBy('name')))).toHaveLength(2)
      expect(tags.map((t) => attr<Post[]>(t, 'newest').map((p) => p.title))).toEqual([['Django tips'], ['First Post'], ['Django tips']])
      // Nested: the newest post of each author, then its comments; one query per level.
      let authors: Author[] = []
      const sent = await ctx.queries(async () => {
        authors = await Author.objects.prefetchRelated(Prefetch('posts', { queryset: Post.objects.slice(0, 1), toAttr: 'newest' }), 'newest__commentSet').orderBy('name')
      })
      expect(sent).toHaveLength(3)
      expect(authors.map((a) => attr<Post[]>(a, 'newest').map((p) => `${p.title}:${rows<Comment>(p, 'commentSet').length}`))).toEqual([['Django tips:2'], ['École du Web:1'], []])
      expect(authors[0]!.equals(alice)).toBe(true)
    })

    it('values() and valuesList() with prefetchRelated(), in either order, give their rows and run no prefetch query (Django)', async () => {
      await ctx.seed()
      const byDate = ['École du Web', 'First Post', 'Django tips', 'Anonymous']
      const qs = Post.objects.prefetchRelated('commentSet', Prefetch('tags', { toAttr: 'tagList' }), 'author').orderBy('pubDate')
      const sent = await ctx.queries(async () => {
        expect(await qs.valuesList('title', { flat: true })).toEqual(byDate)
        expect(await qs.valuesList('title')).toEqual(byDate.map((t) => [t]))
        expect(await qs.valuesList('title', { named: true })).toEqual(byDate.map((title) => ({ title })))
        expect(await qs.values('title')).toEqual(byDate.map((title) => ({ title })))
        expect(await qs.values('title').get({ title: 'First Post' })).toEqual({ title: 'First Post' })
        expect(await qs.values('title').first()).toEqual({ title: 'École du Web' })
        expect(await Post.objects.values('title').prefetchRelated('commentSet').orderBy('pubDate')).toEqual(byDate.map((title) => ({ title })))
        expect(await Post.objects.valuesList('title', { flat: true }).prefetchRelated('tags').prefetchRelated(null).orderBy('pubDate')).toEqual(byDate)
      })
      expect(sent).toHaveLength(8)
      // The lookups stay on the QuerySet: iterator() still needs a chunkSize (Django 5), and sends no prefetch query either.
      expect(() => qs.valuesList('title', { flat: true }).iterator()).toThrow(/chunkSize must be provided/)
      const streamed: string[] = []
      const streaming = await ctx.queries(async () => {
        for await (const t of qs.valuesList('title', { flat: true }).iterator({ chunkSize: 2 })) streamed.push(t)
      })
      expect(streamed).toEqual(byDate)
      expect(streaming.filter((q) => /from ["`](comment|tag|author)["`]/i.test(q))).toEqual([])
      // Names are still checked at the call.
      expect(() => Post.objects.values('title').prefetchRelated('nope')).toThrow(FieldError)
      expect(() => Post.objects.values('title').selectRelated('author')).toThrow(/Cannot call selectRelated\(\) after \.values\(\)/)
    })

    it('1,000 parents with 10 children each take 2 queries', async () => {
      await Post.objects.bulkCreate(Array.from({ length: 1000 }, (_, i) => ({ title: `bulk ${i}`, content: '' })))
      const ids = await Post.objects.valuesList('id', { flat: true })
      await Comment.objects.bulkCreate(ids.flatMap((postId) => Array.from({ length: 10 }, (_, j) => ({ postId, author: 'bot', text: `c${j}` }))))
      let posts: Post[] = []
      expect(await ctx.queries(async () => (posts = await Post.objects.prefetchRelated('commentSet')))).toHaveLength(2)
      expect(posts).toHaveLength(1000)
      expect(posts.every((p) => rows<Comment>(p, 'commentSet').length === 10)).toBe(true)
    })

    it('splits the IN list to stay under the database parameter limit', async () => {
      for (let i = 0; i < 7; i++) await Post.objects.create({ title: `p${i}`, content: '' })
      const limit = ctx.features.maxQueryParams ?? 999
      // A queryset that already binds nearly every parameter leaves room for 3 parent keys per query.
      const filler = Array.from({ length: limit - 4 }, (_, i) => `x${i}`)
      const qs = Comment.objects.exclude({ text__in: filler })
      const budget = limit - qs.sql().parameters.length
      let posts: Post[] = []
      const sent = await ctx.queries(async () => (posts = await Post.objects.prefetchRelated(Prefetch('commentSet', { queryset: qs }))))
      expect(sent).toHaveLength(1 + Math.ceil(7 / budget))
      expect(posts.every((p) => rows<Comment>(p, 'commentSet').length === 0)).toBe(true)
    }, 60_000)

    it('works with get, first and iterator (which needs chunkSize), and null clears', async () => {
      const { p1 } = await ctx.seed()
      const qs = Post.objects.prefetchRelated('commentSet', 'tags')
      expect(await ctx.queries(async () => texts(rows<Comment>(await qs.get({ pk: p1.pk }), 'commentSet')))).toHaveLength(3)
      expect(names(rows<Tag>((await qs.orderBy('pubDate').first())!, 'tags'))).toEqual(['web'])
      expect(() => qs.iterator()).toThrow(/chunkSize must be provided when using iterator\(\) after prefetchRelated\(\)/)
      const seen: string[] = []
      const sent = await ctx.queries(async () => {
        for await (const p of qs.orderBy('pubDate').iterator({ chunkSize: 2 })) seen.push(`${p.title}:${rows<Comment>(p, 'commentSet').length}`)
      })
      expect(seen).toEqual(['École du Web:1', 'First Post:2', 'Django tips:1', 'Anonymous:0'])
      // Each chunk of 2 posts is prefetched before it is yielded: one comment query and one tag query per chunk.
      expect(sent.filter((q) => /from ["`]comment["`]/i.test(q))).toHaveLength(2)
      expect(sent.filter((q) => /from ["`]tag["`]/i.test(q))).toHaveLength(2)
      const cleared = await qs.prefetchRelated(null).orderBy('pubDate')
      expect(prefetchedRows(cleared[0]!, 'commentSet')).toBeUndefined()
      const loose = await Post.objects.orderBy('pubDate')
      // The comments already know their post: that level needs no query.
      expect(await ctx.queries(() => prefetchRelatedObjects(loose, 'commentSet__post', 'tags'))).toHaveLength(2)
      expect(texts(rows<Comment>(loose[1]!, 'commentSet'))).toEqual(['Great post!', 'Thanks'])
    })

    it('bad lookups are clear errors before any query, and leave data untouched', async () => {
      await ctx.seed()
      const sent = await ctx.queries(() => {
        expect(() => Post.objects.prefetchRelated('nope')).toThrow(/Cannot find 'nope' on Post object, 'nope' is an invalid parameter to prefetchRelated\(\)/)
        expect(() => Post.objects.prefetchRelated('commentSet__nope')).toThrow(/Cannot find 'nope' on Comment object, 'commentSet__nope'/)
        expect(() => Post.objects.prefetchRelated('title')).toThrow(/'title' does not resolve to an item that supports prefetching/)
        expect(() => Post.objects.prefetchRelated('comment')).toThrow(FieldError)
        expect(() => Post.objects.prefetchRelated("tags'; drop table tag; --")).toThrow(FieldError)
        expect(() => Post.objects.prefetchRelated(Prefetch('commentSet', { toAttr: 'title' }))).toThrow(/toAttr=title conflicts with a field on the Post model/)
        expect(() => Post.objects.prefetchRelated(Prefetch('commentSet', { toAttr: 'save' }))).toThrow(FieldError)
        expect(() => Prefetch('commentSet', { toAttr: 'a b' })).toThrow(TypeMismatchError)
        expect(() => Post.objects.prefetchRelated(Prefetch('commentSet', { queryset: Tag.objects.all() }))).toThrow(/must be a Comment QuerySet/)
        expect(() => Prefetch('commentSet', { queryset: Comment.objects.values('text') as never })).toThrow(/cannot use values\(\)/)
        expect(() => Comment.objects.prefetchRelated(Prefetch('post', { queryset: Post.objects.slice(0, 1) }))).toThrow(/Cannot filter a query once a slice has been taken/)
        expect(() => Comment.objects.prefetchRelated(Prefetch('post', { queryset: Post.objects.slice(0, 1) }))).toThrow(TypeMismatchError)
        expect(() => Prefetch('commentSet', { queryset: Comment.objects.slice(-2) })).toThrow(/negative indexing is not supported/)
        expect(() => Post.objects.prefetchRelated('commentSet', Prefetch('commentSet', { queryset: Comment.objects.all() }))).toThrow(/already seen with a different queryset/)
        expect(() => Post.objects.prefetchRelated(3 as never)).toThrow(TypeMismatchError)
        expect(() => Post.objects.prefetchRelated('tags', null)).toThrow(TypeMismatchError)
      })
      expect(sent).toEqual([])
      await ctx.expectRejectsUnchanged(Comment, () => prefetchRelatedObjects([new Post({ title: 'x', content: '' }), new Comment({ author: 'a', text: 'b' }) as never], 'tags'), TypeMismatchError)
    })
  })
}
