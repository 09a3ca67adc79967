import { Cast, Count, Exists, ExpressionWrapper, F, f, OuterRef, Q } from '@strata/core'
import { describe, expectTypeOf, test } from 'vitest'
import { Comment } from './fixtures/comment.js'
import { Post } from './fixtures/post.js'
import { Sample } from './fixtures/sample.js'

describe('Cast() and ExpressionWrapper()', () => {
  test('Cast by name has the JavaScript type of the kind', async () => {
    const [s] = await Sample.objects.annotate({
      i: Cast('price', 'integer'),
      x: Cast('small', 'float'),
      t: Cast('small', 'text'),
      c: Cast('small', 'char'),
      b: Cast('small', 'boolean'),
      d: Cast('at', 'date'),
      dt: Cast('day', 'dateTime'),
    })
    expectTypeOf(s!.i).toEqualTypeOf<number | null>()
    expectTypeOf(s!.x).toEqualTypeOf<number | null>()
    expectTypeOf(s!.t).toEqualTypeOf<string | null>()
    expectTypeOf(s!.c).toEqualTypeOf<string | null>()
    expectTypeOf(s!.b).toEqualTypeOf<boolean | null>()
    expectTypeOf(s!.d).toEqualTypeOf<string | null>()
    expectTypeOf(s!.dt).toEqualTypeOf<Date | null>()
    // @ts-expect-error: decimals need a field for their precision
    Cast('price', 'decimal')
    // @ts-expect-error: not a kind
    Cast('price', 'money')
  })

  test('Cast to a field and ExpressionWrapper have the field type', async () => {
    const money = f.decimal({ maxDigits: 10, decimalPlaces: 2 })
    const [s] = await Sample.objects.annotate({
      d: Cast('small', money),
      total: ExpressionWrapper(F('price').mul(F('small')), money),
      n: ExpressionWrapper(Count('id'), f.float()),
    })
    expectTypeOf(s!.d).toEqualTypeOf<string | null>()
    expectTypeOf(s!.total).toEqualTypeOf<string | null>()
    expectTypeOf(s!.n).toEqualTypeOf<number | null>()
    // The annotation filters with its type's lookups.
    Sample.objects.annotate({ total: ExpressionWrapper(F('price').mul(F('small')), money) }).filter({ total__gte: '1.00' })
    // @ts-expect-error: a decimal compares with decimal strings
    Sample.objects.annotate({ total: ExpressionWrapper(F('price').mul(F('small')), money) }).filter({ total__gte: true })
  })
})

describe('boolean expressions in filter()', () => {
  test('filter(), exclude() and Q() take Exists()', () => {
    const commented = Exists(Comment.objects.filter({ post: OuterRef('pk') }))
    expectTypeOf(Post.objects.filter(commented)).toEqualTypeOf<typeof Post.objects extends { all(): infer Q } ? Q : never>()
    Post.objects.exclude(commented)
    Post.objects.filter({ title__startswith: 'D' }, commented)
    Post.objects.filter(Q(commented).not())
    Post.objects.filter(Q(commented).or({ title: 'x' }))
    // @ts-expect-error: F() of a text field is not a condition
    Post.objects.filter({ title: 'x' }, F('title'))
  })
})

describe('combinators, upserts and dates', () => {
  test('union(), intersection() and difference() keep the row type', async () => {
    const a = Post.objects.filter({ title: 'a' })
    const b = Post.objects.filter({ title: 'b' })
    const rows = await a.union(b, { all: true }).orderBy('title')
    expectTypeOf(rows).toEqualTypeOf<Post[]>()
    const titles = await a.values('title').intersection(b.values('title'))
    expectTypeOf(titles).toEqualTypeOf<{ title: string }[]>()
    const flat = await a.valuesList('title', { flat: true }).difference(b.valuesList('title', { flat: true }))
    expectTypeOf(flat).toEqualTypeOf<string[]>()
    // @ts-expect-error: the combined queries must give the same rows
    a.union(b.values('title'))
  })

  test('bulkCreate() upsert options name the model fields', async () => {
    const made = await Post.objects.bulkCreate([{ title: 'x', content: '' }], { updateConflicts: true, uniqueFields: ['title'], updateFields: ['content'] })
    expectTypeOf(made).toEqualTypeOf<Post[]>()
    Post.objects.bulkCreate([], { updateConflicts: true, uniqueFields: ['pk'], updateFields: ['title'] })
    // @ts-expect-error: not a field of Post
    Post.objects.bulkCreate([], { updateConflicts: true, uniqueFields: ['nope'], updateFields: ['title'] })
    // @ts-expect-error: not a field of Post
    Post.objects.bulkCreate([], { updateConflicts: true, updateFields: ['nope'] })
  })

  test('dates() gives strings, datetimes() Dates; both take date fields or relation paths', async () => {
    expectTypeOf(await Sample.objects.dates('day', 'month')).toEqualTypeOf<string[]>()
    expectTypeOf(await Sample.objects.dates('at', 'year', 'DESC')).toEqualTypeOf<string[]>()
    expectTypeOf(await Sample.objects.datetimes('at', 'hour')).toEqualTypeOf<Date[]>()
    expectTypeOf(await Comment.objects.datetimes('post__pubDate', 'day')).toEqualTypeOf<Date[]>()
    // @ts-expect-error: not a date field
    Sample.objects.dates('small', 'month')
    // @ts-expect-error: datetimes() needs a datetime, not a date
    Sample.objects.datetimes('day', 'month')
    // @ts-expect-error: not a kind
    Sample.objects.dates('day', 'hour')
  })
})
