import { Avg, Count, F, Max, Min, Q, Sum, Value } from '@strata/core'
import { describe, expectTypeOf, test } from 'vitest'
import { Author } from './fixtures/author.js'
import { Category } from './fixtures/category.js'
import { Comment } from './fixtures/comment.js'
import { Post } from './fixtures/post.js'
import { Sample } from './fixtures/sample.js'

describe('annotate()', () => {
  test('adds typed values that filter() and results see', async () => {
    const qs = Post.objects.annotate({ n: Count('comment') }).filter({ n__gte: 2 })
    const [p] = await qs
    expectTypeOf(p!.n).toEqualTypeOf<number>()
    expectTypeOf(p!.toString()).toEqualTypeOf<string>()
    expectTypeOf(p!.title).toEqualTypeOf<string>()
    Post.objects
      .annotate({ commentCount: Count('comment') })
      .filter({ commentCount__gte: 2, commentCount__in: [1, 2] })
      .exclude({ commentCount: 0 })
    // @ts-expect-error: a count is a number
    Post.objects.annotate({ n: Count('comment') }).filter({ n__gte: '2' })
    // @ts-expect-error: text lookups take a string (Django casts the number to text)
    Post.objects.annotate({ n: Count('comment') }).filter({ n__icontains: 2 })
  })

  test('every aggregate has its result type', async () => {
    const [p] = await Post.objects.annotate({
      latest: Max('comment__pubDate'),
      first: Min('pubDate'),
      total: Sum('rating'),
      mean: Avg('rating'),
      authors: Count('author', { distinct: true }),
      ages: Sum('author__age'),
      avgAge: Avg('author__age'),
      title2: F('title'),
      one: Value(1),
    })
    expectTypeOf(p!.latest).toEqualTypeOf<Date | null>()
    expectTypeOf(p!.first).toEqualTypeOf<Date | null>()
    expectTypeOf(p!.total).toEqualTypeOf<string | null>()
    expectTypeOf(p!.mean).toEqualTypeOf<string | null>()
    expectTypeOf(p!.authors).toEqualTypeOf<number>()
    expectTypeOf(p!.ages).toEqualTypeOf<number | null>()
    expectTypeOf(p!.avgAge).toEqualTypeOf<number | null>()
    expectTypeOf(p!.title2).toEqualTypeOf<string>()
    expectTypeOf(p!.one).toEqualTypeOf<number>()
    const [s] = await Sample.objects.annotate({ bigs: Sum('bigNull'), hi: Max('price') })
    expectTypeOf(s!.bigs).toEqualTypeOf<bigint | null>()
    expectTypeOf(s!.hi).toEqualTypeOf<string | null>()
  })

  test('annotations work with transforms, ordering and later annotations', async () => {
    Post.objects
      .annotate({ latest: Max('comment__pubDate') })
      .filter({ latest__year__gte: 2020, latest__isnull: false })
    Post.objects.annotate({ n: Count('comment') }).orderBy('-n')
    Category.objects.annotate({ kids: Count('children') }).filter({ kids: 0, parent__name: 'root' })
    const qs = Author.objects
      .annotate({ n: Count('posts') })
      .annotate({ m: Max('posts__comment__pubDate') })
      .filter({ n__gt: 1, m__lt: new Date() })
    expectTypeOf(qs).toEqualTypeOf<ReturnType<typeof qs.all>>()
    const [a] = await qs
    expectTypeOf(a!.n).toEqualTypeOf<number>()
    expectTypeOf(a!.m).toEqualTypeOf<Date | null>()
    expectTypeOf(a!.greeting()).toEqualTypeOf<string>()
  })

  test('values() then annotate() groups and types the rows', async () => {
    const rows = await Post.objects
      .values('author__name')
      .annotate({ n: Count('id') })
      .orderBy('-n')
    expectTypeOf(rows).toEqualTypeOf<({ author__name: string | null } & { n: number })[]>()
    const [row] = await Post.objects.annotate({ n: Count('comment') }).values('title', 'n')
    expectTypeOf(row!).toEqualTypeOf<{ title: string; n: number }>()
  })

  test('alias() filters without adding to the rows', async () => {
    const [p] = await Post.objects.alias({ n: Count('comment') }).filter({ n__gt: 1 })
    expectTypeOf(p!).toEqualTypeOf<Post>()
  })

  test('bad paths fail', () => {
    // @ts-expect-error: Post has no path comentt
    Post.objects.annotate({ n: Count('comentt') })
    // @ts-expect-error: Author has no field nmae
    Post.objects.annotate({ n: Max('author__nmae') })
    // @ts-expect-error: F paths are checked too
    Post.objects.annotate({ n: F('titel') })
    // @ts-expect-error: an annotation is not a field until added
    Post.objects.filter({ n__gte: 2 })
    // @ts-expect-error: an annotation may not take a field's name
    Post.objects.annotate({ title: Count('comment') })
    // @ts-expect-error: nor a reverse relation's
    Author.objects.annotate({ posts: Count('posts') })
    // @ts-expect-error: nor contain __
    Post.objects.annotate({ n__m: Count('comment') })
    // @ts-expect-error: annotations are not filter keys of other querysets
    Post.objects.annotate({ n: Count('comment') }).filter({ m: 2 })
  })
})

describe('aggregate()', () => {
  test('resolves to typed values', async () => {
    const r = await Post.objects.aggregate({ n: Count('id'), first: Max('pubDate') })
    expectTypeOf(r).toEqualTypeOf<{ n: number; first: Date | null }>()
    const c = await Comment.objects.aggregate({
      n: Count('id'),
      first: Min('pubDate'),
      avg: Avg('post__rating'),
    })
    expectTypeOf(c).toEqualTypeOf<{ n: number; first: Date | null; avg: string | null }>()
    const a = await Author.objects
      .filter({ age__gte: 18 })
      .aggregate({ age: Avg('age'), oldest: Max('age'), posts: Count('posts') })
    expectTypeOf(a).toEqualTypeOf<{ age: number | null; oldest: number | null; posts: number }>()
    // @ts-expect-error: no path titel
    await Post.objects.aggregate({ n: Max('titel') })
  })
})

describe('F and Q', () => {
  test('F compares columns and does arithmetic', async () => {
    Post.objects.filter({ rating__gt: F('author__age') })
    Comment.objects.filter({ pubDate__lt: F('post__pubDate') })
    await Post.objects.filter({ id: 3 }).update({ title: F('content') })
    expectTypeOf(F('title')).toHaveProperty('add')
    Post.objects.orderBy(F('pubDate').desc({ nullsLast: true }), '-title')
  })

  test('Q is the untyped entry point for dynamic filters', () => {
    const dynamic: Record<string, unknown> = { title: 'x' }
    Post.objects.filter(Q(dynamic))
    Post.objects.filter(Q({ title__startswith: 'A' }).or({ title__startswith: 'B' }), Q({ id: 1 }).not())
    Post.objects.annotate({ n: Count('comment', { filter: Q({ comment__author: 'John' }) }) })
    // @ts-expect-error: a plain record is not checked, so it is refused: wrap it in Q()
    Post.objects.filter(dynamic)
  })
})
