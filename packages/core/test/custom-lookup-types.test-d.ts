import { F } from '@strata/core'
import { describe, expectTypeOf, test } from 'vitest'
import { Post } from './fixtures/post.js'
import { Sample } from './fixtures/sample.js'

// What a project writes next to its registerLookup()/registerTransform() calls.
declare module '@strata/core' {
  interface CustomLookups {
    ne: { kinds: 'char' | 'text'; value: string }
  }
  interface CustomTransforms {
    abs: { kinds: 'integer' | 'smallInteger'; output: 'integer' }
    lower: { kinds: 'char' | 'text'; output: 'text' }
  }
}

describe('custom lookups and transforms declared in CustomLookups / CustomTransforms', () => {
  test('a declared lookup is accepted on the kinds it names, with its value type', () => {
    Post.objects.filter({ title__ne: 'x', content__ne: F('title') })
    Post.objects.exclude({ author__name__ne: 'x' })
    // @ts-expect-error: ne takes a string
    Post.objects.filter({ title__ne: 3 })
    // @ts-expect-error: ne is not declared for dateTime fields
    Post.objects.filter({ pubDate__ne: new Date() })
  })

  test('a declared transform chains with the lookups and transforms of its output kind', () => {
    Sample.objects.filter({ small__abs: 3, small__abs__gte: 2, small__abs__in: [1, 2] })
    Post.objects.filter({ title__lower: 'x', title__lower__startswith: 'x', title__lower__ne: 'y' })
    // @ts-expect-error: abs yields a number
    Sample.objects.filter({ small__abs__gte: '2' })
    // @ts-expect-error: abs is not declared for text
    Post.objects.filter({ title__abs: 3 })
  })

  test('values() types a transformed path by the output kind', () => {
    expectTypeOf(Sample.objects.values('small__abs')).resolves.toEqualTypeOf<{ small__abs: number }[]>()
  })
})
