import { F, Q } from '@strata/core'
import { describe, expectTypeOf, test } from 'vitest'
import { Author } from './fixtures/author.js'
import { Category, Employee } from './fixtures/category.js'
import { Comment } from './fixtures/comment.js'
import { Company } from './fixtures/company.js'
import { Person } from './fixtures/person.js'
import { Post } from './fixtures/post.js'
import { Sample, Stub, Ticket } from './fixtures/sample.js'
import { Tag } from './fixtures/tag.js'

declare const author: Author
declare const post: Post

describe('filter keys on own fields', () => {
  test('exact, text, comparison, in, range and isnull lookups', () => {
    Post.objects.filter({ title: 'First Post' })
    Post.objects.filter({ title__exact: 'x', title__iexact: 'x' })
    Post.objects.filter({
      title__icontains: 'django',
      title__startswith: 'A',
      title__iendswith: 'z',
      title__regex: '^a',
    })
    Post.objects.filter({ rating__gte: '4.00', rating__lt: '5' })
    Post.objects.filter({ pubDate__gte: new Date('2023-01-01') })
    Post.objects.filter({ id: 3, id__in: [1, 2, 3], id__range: [1, 10] })
    Post.objects.filter({ pk: 3, pk__in: [1, 2] })
    Post.objects.filter({ pubDate__range: [new Date(), new Date()] })
    Post.objects.filter({ title__in: ['a', 'b'] as const })
    Author.objects.filter({ age__isnull: true, age: null })
    Author.objects.filter({ age__gt: 30, age__lte: 60 })
    Post.objects.exclude({ title__icontains: 'django' })
    Post.objects.filter()
    Post.objects.filter({ id__in: Comment.objects.filter({ author: 'John' }).values('post') })
    Comment.objects.filter({ post__in: Post.objects.filter({ title__startswith: 'A' }) })
  })

  test('date and time transforms chain with comparisons', () => {
    Post.objects.filter({ pubDate__year: 2023 })
    Post.objects.filter({ pubDate__year__gte: 2020, pubDate__month__in: [1, 2] })
    Post.objects.filter({ pubDate__date: '2023-01-01', pubDate__date__year: 2023 })
    Post.objects.filter({
      pubDate__hour__lt: 12,
      pubDate__week_day: 2,
      pubDate__iso_year: 2020,
      pubDate__quarter: 1,
    })
    Post.objects.filter({ pubDate__time__gte: '10:00' })
    Sample.objects.filter({ day__year: 2020, day__month__range: [1, 3], clock__hour: 3 })
  })

  test('the value type follows the lookup', () => {
    expectTypeOf<
      Parameters<typeof filterPost<{ title__icontains: string }>>[0]['title__icontains']
    >().toEqualTypeOf<string>()
  })

  test('values may be expressions', () => {
    Post.objects.filter({ title: F('content') })
    Post.objects.filter({ pubDate__gte: F('author__posts__pubDate') })
  })

  test('bad keys and values fail', () => {
    // @ts-expect-error: no field titel
    Post.objects.filter({ titel: 'x' })
    // @ts-expect-error: year is not a lookup of a char field
    Post.objects.filter({ title__year: 2020 })
    // @ts-expect-error: year takes a number
    Post.objects.filter({ pubDate__year: '2020' })
    // @ts-expect-error: year__gte takes a number
    Post.objects.filter({ pubDate__year__gte: '2020' })
    // @ts-expect-error: in takes a list
    Post.objects.filter({ id__in: 3 })
    // @ts-expect-error: title is a string
    Post.objects.filter({ title: 3 })
    // @ts-expect-error: rating is a decimal string
    Post.objects.filter({ rating__gte: 4 })
    // @ts-expect-error: icontains takes a string
    Author.objects.filter({ age__icontains: 3 })
    // @ts-expect-error: isnull takes a boolean
    Author.objects.filter({ age__isnull: 'yes' })
    // @ts-expect-error: range takes a pair
    Post.objects.filter({ id__range: [1, 2, 3] })
    // @ts-expect-error: unknown lookup
    Post.objects.filter({ title__like: 'x' })
    // @ts-expect-error: a lookup cannot be followed by more
    Post.objects.filter({ title__icontains__exact: 'x' })
    // @ts-expect-error: no field on a model without reverse relations
    Comment.objects.filter({ bogus: 1 })
    // @ts-expect-error: implicit id is a number
    Comment.objects.filter({ id: 'x' })
    // @ts-expect-error: transforms do not apply to text
    Post.objects.exclude({ content__hour: 3 })
  })
})

declare function filterPost<L extends object>(l: import('@strata/core').Lookups<Post, L>): void

describe('relation paths', () => {
  test('forward paths by name', () => {
    Post.objects.filter({ author__name__istartswith: 'a' })
    Post.objects.filter({ author: author, author__in: [author, 3], author__isnull: true })
    Post.objects.filter({ author: null, author__exact: null })
    Post.objects.filter({ author: 3, authorId: 3, authorId__in: [1, 2] })
    Post.objects.filter({ author__id: 3, author__pk__gt: 1, author__age__gte: 18 })
    Comment.objects.filter({ post__title__icontains: 'x', post__author__email__iexact: 'a@b.c' })
    Comment.objects.filter({ post })
    Post.objects.filter({ tags__name: 'ts', tags__name__in: ['a'] })
    Stub.objects.filter({ ticket: 'abc', ticketId: 'abc', ticket__title: 'x', ticket__code__startswith: 'a' })
    Stub.objects.filter({ maker__name: 'a', maker__posts__title: 'b', makerId__in: [1] })
    Author.objects.filter({ stubs__counter__gt: 1n, stubs__ticket__title: 'x' })
  })

  test('reverse paths: lowercased model name, or relatedName', () => {
    Post.objects.filter({ comment__author: 'John' })
    Post.objects.filter({ comment__pubDate__year__gte: 2020, comment__isnull: false })
    Author.objects.filter({ posts__title: 'x', posts__comment__text__icontains: 'y' })
    Tag.objects.filter({ posts__title__startswith: 'x', posts__author__name: 'a' })
    // @ts-expect-error: relatedName replaces the default query name
    Author.objects.filter({ post__title: 'x' })
    // @ts-expect-error: reverse paths check the target's fields
    Post.objects.filter({ comment__autor: 'John' })
  })

  test('self and mutual references, by name and by thunk', () => {
    Category.objects.filter({ parent__parent__name: 'root', children__name: 'leaf', parent: null })
    Category.objects.filter({ parent__children__parent__children__name__icontains: 'deep' })
    Employee.objects.filter({ boss__boss__name: 'x', reports__name: 'y', employee__name: 'y', friends__name: 'z' })
    Person.objects.filter({
      employer__name: 'Acme',
      ownedCompany__name: 'Mine',
      employer__owner__name: 'Boss',
    })
    Company.objects.filter({
      staff__name: 'a',
      owner__employer__staff__name__iexact: 'b',
      owner__ownedCompany__isnull: true,
    })
    // @ts-expect-error: Company has no field nmae
    Person.objects.filter({ employer__nmae: 'Acme' })
    // @ts-expect-error: the self relation checks the target fields
    Category.objects.filter({ parent__title: 'x' })
  })

  test('bad relation values fail', () => {
    // @ts-expect-error: an author is an Author or its key
    Post.objects.filter({ author: 'x' })
    // @ts-expect-error: a Tag is not an Author
    Post.objects.filter({ author: new Tag({ name: 'x' }) })
    // @ts-expect-error: isnull on a relation takes a boolean
    Post.objects.filter({ author__isnull: 1 })
    // @ts-expect-error: Ticket keys are strings
    Stub.objects.filter({ ticket: 3 })
  })
})

describe('Q objects', () => {
  test('Q combines lookup objects', () => {
    Post.objects.filter(Q({ title__startswith: 'A' }).or({ title__startswith: 'B' }))
    Post.objects.filter(Q({ title__startswith: 'A' }).not())
    Post.objects.exclude(Q({ a: 1 }), Q({ b: 2 }))
    expectTypeOf(Post.objects.filter(Q({ x: 1 }))).toEqualTypeOf(Post.objects.all())
  })
})

describe('get, getOrCreate and friends use the same checks', () => {
  test('get', async () => {
    await Post.objects.get({ id: 1 })
    await Post.objects.get({ pk: 1 })
    await Author.objects.get({ email__iexact: 'a@b.c' })
    // @ts-expect-error: no field titel
    await Post.objects.get({ titel: 'x' })
    await Ticket.objects.getOrCreate({ code: 'x' }, { defaults: { title: 't' } })
    // @ts-expect-error: defaults are checked against the fields
    await Ticket.objects.getOrCreate({ code: 'x' }, { defaults: { title: 3 } })
  })
})
