import { Count } from '@strata/core'
import { describe, expectTypeOf, test } from 'vitest'
import { Author } from './fixtures/author.js'
import { Category, Employee } from './fixtures/category.js'
import { Comment } from './fixtures/comment.js'
import { Person } from './fixtures/person.js'
import { Post } from './fixtures/post.js'
import { Stub } from './fixtures/sample.js'

describe('values()', () => {
  test('rows are typed by path', async () => {
    const rows = await Post.objects.values('title', 'author__name')
    expectTypeOf(rows).toEqualTypeOf<{ title: string; author__name: string | null }[]>()
  })

  test('transforms, keys and reverse paths', async () => {
    const [row] = await Post.objects.values(
      'id',
      'pk',
      'pubDate__year',
      'pubDate__date',
      'author',
      'authorId',
      'rating',
    )
    expectTypeOf(row!).toEqualTypeOf<{
      id: number
      pk: number
      pubDate__year: number
      pubDate__date: string
      author: number | null
      authorId: number | null
      rating: string
    }>()
    const [c] = await Comment.objects.values('post', 'post__title', 'post__author__age', 'text')
    expectTypeOf(c!).toEqualTypeOf<{
      post: number
      post__title: string
      post__author__age: number | null
      text: string
    }>()
    const [a] = await Author.objects.values('posts', 'posts__title', 'posts__pubDate__year')
    expectTypeOf(a!).toEqualTypeOf<{
      posts: number | null
      posts__title: string | null
      posts__pubDate__year: number | null
    }>()
    const [t] = await Post.objects.values('tags', 'tags__name', 'comment__author')
    expectTypeOf(t!).toEqualTypeOf<{
      tags: number | null
      tags__name: string | null
      comment__author: string | null
    }>()
    const [s] = await Stub.objects.values('ticket', 'ticket__code', 'counter')
    expectTypeOf(s!).toEqualTypeOf<{ ticket: string; ticket__code: string; counter: bigint }>()
  })

  test('self and mutual references', async () => {
    const [c] = await Category.objects.values('parent__parent__name', 'children__name')
    expectTypeOf(c!).toEqualTypeOf<{ parent__parent__name: string | null; children__name: string | null }>()
    const [p] = await Person.objects.values('employer__owner__name', 'ownedCompany__name')
    expectTypeOf(p!).toEqualTypeOf<{
      employer__owner__name: string | null
      ownedCompany__name: string | null
    }>()
    const [e] = await Employee.objects.values('boss__name', 'friends__name')
    expectTypeOf(e!).toEqualTypeOf<{ boss__name: string | null; friends__name: string | null }>()
  })

  test('without paths, all columns', async () => {
    const [row] = await Post.objects.values()
    expectTypeOf(row!).toEqualTypeOf<{
      id: number
      title: string
      content: string
      pubDate: Date
      authorId: number | null
      rating: string
    }>()
  })

  test('without paths after annotate(), the annotations too', async () => {
    const [row] = await Post.objects.annotate({ n: Count('comment') }).values()
    expectTypeOf(row!.n).toEqualTypeOf<number>()
    expectTypeOf(row!.authorId).toEqualTypeOf<number | null>()
  })

  test('filters still check against the model after values()', async () => {
    const rows = await Post.objects.values('title').filter({ author__name: 'x' })
    expectTypeOf(rows).toEqualTypeOf<{ title: string }[]>()
  })

  test('bad paths fail', () => {
    // @ts-expect-error: Author has no field nmae
    Post.objects.values('title', 'author__nmae')
    // @ts-expect-error: no field titel
    Post.objects.values('titel')
    // @ts-expect-error: year is not a transform of a char field
    Post.objects.values('title__year')
  })
})

describe('valuesList()', () => {
  test('tuples, flat and named', async () => {
    expectTypeOf(await Post.objects.valuesList('title', 'pubDate')).toEqualTypeOf<[string, Date][]>()
    expectTypeOf(await Post.objects.valuesList('id', { flat: true })).toEqualTypeOf<number[]>()
    expectTypeOf(await Post.objects.valuesList('author__name', { flat: true })).toEqualTypeOf<
      (string | null)[]
    >()
    expectTypeOf(await Post.objects.valuesList('title', 'id', { named: true })).toEqualTypeOf<
      { title: string; id: number }[]
    >()
    // @ts-expect-error: flat needs exactly one field
    Post.objects.valuesList('title', 'id', { flat: true })
    // @ts-expect-error: bad path
    Post.objects.valuesList('titel', { flat: true })
  })
})
