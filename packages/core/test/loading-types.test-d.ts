import { Count, Prefetch, type PrefetchLookup, type QuerySet } from '@strata/core'
import { describe, expectTypeOf, test } from 'vitest'
import type { Author } from './fixtures/author.js'
import { Category } from './fixtures/category.js'
import { Comment } from './fixtures/comment.js'
import { Company } from './fixtures/company.js'
import { Post } from './fixtures/post.js'
import type { Tag } from './fixtures/tag.js'

// Relation attributes are typed as loaded everywhere (`comment.post: Post`): reading one that was
// not loaded throws RelationNotLoaded at run time. selectRelated(), prefetchRelated(), only() and
// defer() therefore keep the QuerySet's row type; what the types check is the names given.

describe('selectRelated()', () => {
  test('keeps the row type, and the related instances are the user classes', async () => {
    const qs = Comment.objects.selectRelated('post__author')
    expectTypeOf(qs).toEqualTypeOf<QuerySet<Comment>>()
    const [c] = await qs
    expectTypeOf(c!.post).toEqualTypeOf<Post>()
    expectTypeOf(c!.post.author).toEqualTypeOf<Author | null>()
    expectTypeOf(c!.post.author!.greeting()).toEqualTypeOf<string>()
    expectTypeOf(Comment.objects.selectRelated()).toEqualTypeOf<QuerySet<Comment>>()
    expectTypeOf(Comment.objects.selectRelated(null)).toEqualTypeOf<QuerySet<Comment>>()
    expectTypeOf(Category.objects.selectRelated('parent__parent')).toEqualTypeOf<QuerySet<Category>>()
  })

  test('chains with annotate and keeps the annotations', async () => {
    const [p] = await Post.objects.annotate({ n: Count('comment') }).selectRelated('author')
    expectTypeOf(p!.n).toEqualTypeOf<number>()
  })

  test('paths are checked one relation at a time', () => {
    Company.objects.selectRelated('owner')
    // @ts-expect-error: not a field of Comment
    Comment.objects.selectRelated('nope')
    // @ts-expect-error: a column, not a relation
    Comment.objects.selectRelated('text')
    // @ts-expect-error: many-to-many is for prefetchRelated
    Post.objects.selectRelated('tags')
    // @ts-expect-error: Author has no field 'nmae'
    Comment.objects.selectRelated('post__author__nmae')
    // @ts-expect-error: not a string
    Comment.objects.selectRelated(3)
  })
})

describe('prefetchRelated() and Prefetch()', () => {
  test('keeps the row type and takes names or Prefetch objects', () => {
    expectTypeOf(Post.objects.prefetchRelated('tags', 'commentSet')).toEqualTypeOf<QuerySet<Post>>()
    const p = Prefetch('commentSet', { queryset: Comment.objects.filter({ author: 'x' }), toAttr: 'recent' })
    expectTypeOf(p).toEqualTypeOf<PrefetchLookup>()
    expectTypeOf(Post.objects.prefetchRelated(p, null)).toEqualTypeOf<QuerySet<Post>>()
    // @ts-expect-error: a number is not a lookup
    Post.objects.prefetchRelated(3)
    // @ts-expect-error: toAttr is a string
    Prefetch('tags', { toAttr: 3 })
  })
})

describe('only() and defer()', () => {
  test('keep the row type; names are checked like values() paths', () => {
    expectTypeOf(Post.objects.only('title', 'author__name')).toEqualTypeOf<QuerySet<Post>>()
    expectTypeOf(Post.objects.defer('content')).toEqualTypeOf<QuerySet<Post>>()
    expectTypeOf(Post.objects.defer(null)).toEqualTypeOf<QuerySet<Post>>()
    // @ts-expect-error: Post has no field 'titel'
    Post.objects.only('titel')
    // @ts-expect-error: Author has no field 'nmae'
    Post.objects.defer('author__nmae')
  })
})

describe('instance.load()', () => {
  test('resolves to the relation value; nested paths to unknown', async () => {
    const c = new Comment({ author: 'a', text: 'b' })
    expectTypeOf(c.load('post')).toEqualTypeOf<Promise<Post>>()
    expectTypeOf(new Post({ title: 't', content: 'c' }).load('author')).toEqualTypeOf<Promise<Author | null>>()
    expectTypeOf(c.load('post__author')).toEqualTypeOf<Promise<unknown>>()
    expectTypeOf(c.getDeferredFields()).toEqualTypeOf<Set<string>>()
  })

  test('a manager attribute resolves to its rows', () => {
    const w = new Post({ title: 't', content: 'c' }) as Post & { readonly commentSet: { all(): QuerySet<Comment> }; readonly tagSet: { all(): QuerySet<Tag> } }
    expectTypeOf(w.load('commentSet')).toEqualTypeOf<Promise<Comment[]>>()
    expectTypeOf(w.load('tagSet')).toEqualTypeOf<Promise<Tag[]>>()
  })
})
