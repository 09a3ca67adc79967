import { describe, expect, it } from 'vitest'
import { f, FieldError, model, NotSupportedError, Prefetch, type QueryState, TypeMismatchError } from '../src/index.js'

class Author extends model('Author', { name: f.char({ maxLength: 100 }) }) {}
class Tag extends model('Tag', { name: f.slug() }) {}
class Post extends model('Post', {
  title: f.char({ maxLength: 100 }),
  content: f.text(),
  rating: f.decimal({ maxDigits: 4, decimalPlaces: 2, default: '0.00' }),
  author: f.foreignKey(() => Author, { onDelete: 'CASCADE', relatedName: 'posts', null: true }),
  tags: f.manyToMany(() => Tag, { relatedName: 'posts' }),
}) {}
class Comment extends model('Comment', { post: f.foreignKey(() => Post, { onDelete: 'CASCADE' }), text: f.text() }) {}

/** The selectRelated() tree of a state as paths. */
function paths(state: QueryState): string[] {
  const out: string[] = []
  const walk = (nodes: QueryState['related'], prefix: string) => {
    for (const n of nodes ?? []) {
      out.push(`${prefix}${n.name}${n.nullable ? '?' : ''}`)
      walk(n.children, `${prefix}${n.name}__`)
    }
  }
  walk(state.related, '')
  return out
}

describe('selectRelated() state (no database needed)', () => {
  it('merges paths into one tree and marks what may be missing (LEFT JOIN)', () => {
    const qs = Comment.objects.selectRelated('post').selectRelated('post__author')
    expect(paths(qs.state)).toEqual(['post', 'post__author?'])
  })

  it('without arguments follows non-null keys only; names given afterwards replace that tree', () => {
    expect(paths(Comment.objects.selectRelated().state)).toEqual(['post'])
    expect(Comment.objects.selectRelated().state.relatedAll).toBe(true)
    expect(paths(Post.objects.selectRelated().state)).toEqual([])
    expect(paths(Comment.objects.selectRelated().selectRelated('post__author').state)).toEqual(['post', 'post__author?'])
    expect(Comment.objects.selectRelated('post').selectRelated(null).state.related).toBeNull()
  })

  it('refuses bad names synchronously', () => {
    expect(() => Comment.objects.selectRelated('nope' as never)).toThrow(FieldError)
    expect(() => Post.objects.selectRelated('tags' as never)).toThrow(/multi-valued/)
    expect(() => Comment.objects.all().union(Comment.objects.all()).selectRelated('post')).toThrow(NotSupportedError)
  })
})

describe('only() / defer() state', () => {
  it('follows Django when chained', () => {
    const l = (qs: { state: QueryState }) => qs.state.loading
    expect(l(Post.objects.defer('content').defer('rating'))).toEqual({ names: ['content', 'rating'], only: false })
    expect(l(Post.objects.only('title', 'content').only('title'))).toEqual({ names: ['title'], only: true })
    expect(l(Post.objects.defer('content').only('title', 'content'))).toEqual({ names: ['title'], only: true })
    expect(l(Post.objects.only('title', 'content').defer('content'))).toEqual({ names: ['title'], only: true })
    expect(l(Post.objects.only('title').defer('title'))).toBeNull()
    expect(l(Post.objects.defer('content').defer(null))).toBeNull()
    expect(l(Post.objects.only('pk'))).toEqual({ names: ['id'], only: true })
  })

  it('checks names, and relations both deferred and followed', () => {
    expect(() => Post.objects.only('nope' as never)).toThrow(/Post has no field named "nope"/)
    expect(() => Post.objects.defer('tags')).toThrow(/many-to-many/)
    expect(() => Comment.objects.selectRelated('post').only('text')).toThrow(/cannot be both deferred and traversed/)
    expect(() => Comment.objects.selectRelated('post').only('text', 'post__title')).not.toThrow()
    expect(() => Post.objects.values('title').only('title')).toThrow(TypeMismatchError)
  })
})

describe('prefetchRelated() state', () => {
  it('keeps the lookups in order and checks them against the models', () => {
    const qs = Author.objects.prefetchRelated('posts__commentSet', Prefetch('posts', { toAttr: 'postList' }), 'postList__tags')
    expect(qs.state.prefetch?.map((p) => p.path)).toEqual(['posts__commentSet', 'posts', 'postList__tags'])
    expect(qs.prefetchRelated(null).state.prefetch).toEqual([])
    expect(() => Author.objects.prefetchRelated('postList')).toThrow(/Cannot find 'postList' on Author object/)
    expect(() => Author.objects.prefetchRelated('posts__title')).toThrow(/'posts__title' does not resolve to an item that supports prefetching/)
    expect(() => Author.objects.prefetchRelated(Prefetch('posts', { queryset: Comment.objects.all() }))).toThrow(/must be a Post QuerySet/)
  })
})
