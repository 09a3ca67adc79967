import type { QuerySet } from '@strata/core'
import { describe, expectTypeOf, test } from 'vitest'
import { Author } from './fixtures/author.js'
import type { Category, Employee } from './fixtures/category.js'
import { Comment } from './fixtures/comment.js'
import type { Company } from './fixtures/company.js'
import { Person } from './fixtures/person.js'
import { Post } from './fixtures/post.js'
import { Sample, type Settings, type Stub, Ticket } from './fixtures/sample.js'
import { Tag } from './fixtures/tag.js'

declare const post: Post
declare const author: Author
declare const comment: Comment
declare const sample: Sample

describe('instance types', () => {
  test('scalar fields map to their JavaScript types, nullable ones add null', () => {
    expectTypeOf(author.name).toEqualTypeOf<string>()
    expectTypeOf(author.email).toEqualTypeOf<string>()
    expectTypeOf(author.age).toEqualTypeOf<number | null>()
    expectTypeOf(post.pubDate).toEqualTypeOf<Date>()
    expectTypeOf(post.rating).toEqualTypeOf<string>()
    expectTypeOf(post.content).toEqualTypeOf<string>()
  })

  test('every field kind has the documented type', () => {
    expectTypeOf(sample.big).toEqualTypeOf<bigint>()
    expectTypeOf(sample.bigNull).toEqualTypeOf<bigint | null>()
    expectTypeOf(sample.small).toEqualTypeOf<number>()
    expectTypeOf(sample.positive).toEqualTypeOf<number>()
    expectTypeOf(sample.ratio).toEqualTypeOf<number | null>()
    expectTypeOf(sample.price).toEqualTypeOf<string>()
    expectTypeOf(sample.active).toEqualTypeOf<boolean>()
    expectTypeOf(sample.day).toEqualTypeOf<string | null>()
    expectTypeOf(sample.at).toEqualTypeOf<Date>()
    expectTypeOf(sample.clock).toEqualTypeOf<string>()
    expectTypeOf(sample.span).toEqualTypeOf<number>()
    expectTypeOf(sample.site).toEqualTypeOf<string>()
    expectTypeOf(sample.token).toEqualTypeOf<string>()
    expectTypeOf(sample.settings).toEqualTypeOf<Settings>()
    expectTypeOf(sample.extra).toEqualTypeOf<unknown>()
    expectTypeOf(sample.blob).toEqualTypeOf<Uint8Array | null>()
  })

  test('a model without a primary key field gets id: number, and pk aliases it', () => {
    expectTypeOf(post.id).toEqualTypeOf<number>()
    expectTypeOf(post.pk).toEqualTypeOf<number>()
    expectTypeOf<Ticket['pk']>().toEqualTypeOf<string>()
    expectTypeOf<Ticket['code']>().toEqualTypeOf<string>()
    expectTypeOf<Ticket>().not.toHaveProperty('id')
    expectTypeOf<Stub['pk']>().toEqualTypeOf<bigint>()
  })

  test('a foreign key gives the related instance and its key attribute', () => {
    expectTypeOf(post.author).toEqualTypeOf<Author | null>()
    expectTypeOf(post.authorId).toEqualTypeOf<number | null>()
    expectTypeOf(comment.post).toEqualTypeOf<Post>()
    expectTypeOf(comment.postId).toEqualTypeOf<number>()
    expectTypeOf<Stub['ticket']>().toEqualTypeOf<Ticket>()
    expectTypeOf<Stub['ticketId']>().toEqualTypeOf<string>()
  })

  test('relations through thunks and self references resolve to the user classes', () => {
    expectTypeOf<Person['employer']>().toEqualTypeOf<Company | null>()
    expectTypeOf<Person['employerId']>().toEqualTypeOf<number | null>()
    expectTypeOf<Company['owner']>().toEqualTypeOf<Person>()
    expectTypeOf<Company['owner']['label']>().toEqualTypeOf<() => string>()
    expectTypeOf<Category['parent']>().toEqualTypeOf<Category | null>()
    expectTypeOf<Employee['boss']>().toEqualTypeOf<Employee | null>()
    expectTypeOf<Employee['bossId']>().toEqualTypeOf<number | null>()
    expectTypeOf<Stub['maker']>().toEqualTypeOf<Author | null>()
    expectTypeOf<Stub['makerId']>().toEqualTypeOf<number | null>()
  })

  test('user methods survive on instances and through relations', () => {
    expectTypeOf(post.toString()).toEqualTypeOf<string>()
    expectTypeOf(post.author!.greeting()).toEqualTypeOf<string>()
    expectTypeOf(comment.post.toString).toEqualTypeOf<() => string>()
  })

  test('instance methods are typed', () => {
    expectTypeOf(post.save()).toEqualTypeOf<Promise<void>>()
    expectTypeOf(post.toJSON()).toEqualTypeOf<{
      id: number
      title: string
      content: string
      pubDate: Date
      rating: string
      authorId: number | null
    }>()
    expectTypeOf(comment.load('post')).toEqualTypeOf<Promise<Post>>()
  })

  test('fields are writable', () => {
    post.title = 'Renamed'
    post.author = null
    post.authorId = 3
    // @ts-expect-error: title is a string
    post.title = 3
    // @ts-expect-error: a comment's post is not nullable
    comment.post = null
  })
})

describe('results of queries are the user classes', () => {
  test('get, first, all, create resolve to Post, not the base instance type', async () => {
    const one = await Post.objects.get({ title: 'First Post' })
    expectTypeOf(one).toEqualTypeOf<Post>()
    expectTypeOf(one.toString()).toEqualTypeOf<string>()
    expectTypeOf(await Post.objects.first()).toEqualTypeOf<Post | null>()
    expectTypeOf(await Post.objects.all()).toEqualTypeOf<Post[]>()
    expectTypeOf(await Post.objects.filter({ title: 'x' }).last()).toEqualTypeOf<Post | null>()
    expectTypeOf(await Author.objects.create({ name: 'a', email: 'a@x.io' })).toEqualTypeOf<Author>()
    expectTypeOf(
      await Post.objects.getOrCreate({ title: 'x' }, { defaults: { content: 'y' } }),
    ).toEqualTypeOf<[Post, boolean]>()
    expectTypeOf(Post.objects.all()).toEqualTypeOf<QuerySet<Post>>()
    expectTypeOf(await Post.objects.count()).toEqualTypeOf<number>()
    for await (const p of Post.objects.all()) expectTypeOf(p).toEqualTypeOf<Post>()
  })

  test('relations of results keep user classes', async () => {
    const c = await Comment.objects.get({ id: 1 })
    expectTypeOf(c.post).toEqualTypeOf<Post>()
    const p = await Person.objects.get({ pk: 1 })
    expectTypeOf(p.label()).toEqualTypeOf<string>()
    expectTypeOf(p.employer).toEqualTypeOf<Company | null>()
    expectTypeOf(await Tag.objects.filter({ posts__title: 'x' })).toEqualTypeOf<Tag[]>()
  })
})

describe('create input', () => {
  test('required fields must be given; defaults, null and autoNowAdd are optional', () => {
    new Post({ title: 'First Post', content: 'This is my first blog post.' })
    new Author({ name: 'a', email: 'a@x.io' })
    new Author({ name: 'a', email: 'a@x.io', age: null })
    new Comment({ post: new Post({ title: 't', content: 'c' }), author: 'John', text: 'Great post!' })
    new Comment({ postId: 3, author: 'John', text: 'Great post!' })
    new Post({
      title: 't',
      content: 'c',
      author: null,
      authorId: null,
      rating: '1.50',
      pubDate: new Date(),
      id: 4,
    })
    new Tag({ name: 'ts' })
    // @ts-expect-error: content is required
    new Post({ title: 'First Post' })
    // @ts-expect-error: email is required
    new Author({ name: 'a' })
    // @ts-expect-error: unknown field
    new Post({ title: 't', content: 'c', titel: 'x' })
    // @ts-expect-error: rating is a decimal string
    new Post({ title: 't', content: 'c', rating: 1.5 })
    // @ts-expect-error: the author must be an Author
    new Post({ title: 't', content: 'c', author: new Tag({ name: 'x' }) })
    // @ts-expect-error: a many-to-many cannot be set on construction
    new Post({ title: 't', content: 'c', tags: [] })
  })

  test('create() checks the same input', async () => {
    await Post.objects.create({ title: 't', content: 'c' })
    await Sample.objects.create({
      big: 1n,
      positive: 1,
      price: '1.00',
      at: new Date(),
      clock: '10:00:00',
      span: 1000,
      site: 'https://x.io',
      token: 'u',
      settings: { theme: 'dark', size: 2 },
    })
    await Sample.objects.create({
      big: 1n,
      positive: 1,
      price: '1.00',
      at: new Date(),
      clock: '',
      span: 1,
      site: '',
      token: '',
      // @ts-expect-error: settings must match the json type
      settings: { theme: 'blue', size: 2 },
    })
    await Sample.objects.create({
      // @ts-expect-error: big is a bigint
      big: 1,
      positive: 1,
      price: '1.00',
      at: new Date(),
      clock: '',
      span: 1,
      site: '',
      token: '',
      settings: { theme: 'dark', size: 2 },
    })
    // @ts-expect-error: text is required
    await Comment.objects.create({ post: new Post({ title: 't', content: 'c' }), author: 'John' })
    // @ts-expect-error: a relation takes an instance; its key goes to postId
    await Comment.objects.create({ post: 1, author: 'John', text: 't' })
    await Comment.objects.create({ postId: 1, author: 'John', text: 't' })
    new Ticket({ code: 'abc', title: 't' })
    // @ts-expect-error: a model with an explicit non-auto key has no id
    new Ticket({ code: 'abc', title: 't', id: 3 })
  })
})
