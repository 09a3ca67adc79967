import { FieldError, FieldNotLoaded, TypeMismatchError } from '@strata/core'
import { describe, expect, it } from 'vitest'
import { type ConformanceContext, sorted } from '../context.js'
import { Comment, Post } from '../models.js'

/** only() and defer(): deferred columns are not selected, and reading one is a clear error, never a query. */
export function deferredSuite(ctx: ConformanceContext): void {
  describe('only() and defer()', () => {
    it('only() selects the named columns and the primary key; reading another throws FieldNotLoaded', async () => {
      const { p1 } = await ctx.seed()
      const qs = Post.objects.only('title').filter({ pk: p1.pk })
      const [sqlText] = await ctx.queries(() => qs)
      expect(sqlText).not.toMatch(/content|rating/)
      const [p] = await qs
      expect([p!.id, p!.title]).toEqual([p1.id, 'First Post'])
      expect(() => p!.content).toThrow(FieldNotLoaded)
      expect(() => p!.content).toThrow(/Post\.content .*refreshFromDb\(\{ fields: \['content'\] \}\)/)
      expect(() => p!.authorId).toThrow(FieldNotLoaded)
      expect(sorted(p!.getDeferredFields())).toEqual(['authorId', 'content', 'pubDate', 'rating'])
      expect(p!.toJSON()).toEqual({ id: p1.id, title: 'First Post' })
      expect(JSON.parse(JSON.stringify(p))).toEqual({ id: p1.id, title: 'First Post' })
    })

    it('defer() leaves columns out; chained calls follow Django; defer(null) clears; the primary key is always loaded', async () => {
      const { p1 } = await ctx.seed()
      const one = (qs: PromiseLike<Post[]>) => Promise.resolve(qs).then((rows) => rows[0]!)
      const base = Post.objects.filter({ pk: p1.pk })
      const d = await one(base.defer('content', 'rating'))
      expect(d.title).toBe('First Post')
      expect(sorted(d.getDeferredFields())).toEqual(['content', 'rating'])
      expect(sorted((await one(base.defer('content').defer('rating'))).getDeferredFields())).toEqual(['content', 'rating'])
      expect((await one(base.defer('content').defer(null))).getDeferredFields().size).toBe(0)
      expect(sorted((await one(base.only('title', 'content').only('title'))).getDeferredFields())).toEqual(['authorId', 'content', 'pubDate', 'rating'])
      // only() after defer() drops the deferred names; defer() after only() removes from the only() set.
      expect(sorted((await one(base.defer('content').only('title', 'content'))).getDeferredFields())).toEqual(['authorId', 'content', 'pubDate', 'rating'])
      expect(sorted((await one(base.only('title', 'content').defer('content'))).getDeferredFields())).toEqual(['authorId', 'content', 'pubDate', 'rating'])
      expect((await one(base.defer('id', 'pk'))).id).toBe(p1.id)
      expect((await one(base.only('pk'))).id).toBe(p1.id)
      expect((await one(base.defer('authorId'))).getDeferredFields()).toEqual(new Set(['authorId']))
    })

    it('filters and orders on deferred columns, and works with get, first, count and iterator', async () => {
      await ctx.seed()
      const qs = Post.objects.defer('content').filter({ content__icontains: 'ORM' })
      expect((await qs.get()).title).toBe('Django tips')
      expect(await qs.count()).toBe(1)
      const first = await Post.objects.only('title').orderBy('-rating').first()
      expect(first!.title).toBe('École du Web')
      expect(() => first!.rating).toThrow(FieldNotLoaded)
      const seen: string[] = []
      for await (const p of Post.objects.only('title').orderBy('pubDate').iterator({ chunkSize: 2 })) {
        expect(p.getDeferredFields().has('content')).toBe(true)
        seen.push(p.title)
      }
      expect(seen).toEqual(['École du Web', 'First Post', 'Django tips', 'Anonymous'])
    })

    it('only() through selectRelated loads the named columns of the related model', async () => {
      const { c1 } = await ctx.seed()
      const c = await Comment.objects.selectRelated('post__author').only('text', 'post__title', 'post__author__name').get({ pk: c1.pk })
      expect([c.text, c.post.title, c.post.author!.name]).toEqual(['Great post!', 'First Post', 'Alice'])
      expect(() => c.author).toThrow(FieldNotLoaded)
      expect(() => c.post.content).toThrow(FieldNotLoaded)
      expect(() => c.post.author!.email).toThrow(/Author\.email was deferred/)
      const d = await Comment.objects.selectRelated('post').defer('post__content').get({ pk: c1.pk })
      expect([d.author, d.post.title]).toEqual(['John', 'First Post'])
      expect(d.post.getDeferredFields()).toEqual(new Set(['content']))
      const whole = await Comment.objects.selectRelated('post').only('text', 'post').get({ pk: c1.pk })
      expect(whole.post.getDeferredFields().size).toBe(0)
      expect(() => Comment.objects.selectRelated('post').only('text')).toThrow(/Field Comment\.post cannot be both deferred and traversed using selectRelated at the same time/)
      expect(() => Comment.objects.defer('post').selectRelated('post')).toThrow(/cannot be both deferred and traversed/)
    })

    it('save() writes only the loaded columns; an assigned deferred column is loaded and saved', async () => {
      const { p1 } = await ctx.seed()
      const p = (await Post.objects.only('title').get({ pk: p1.pk }))
      // Someone else changes the content meanwhile: saving the deferred instance must not overwrite it.
      await Post.objects.filter({ pk: p1.pk }).update({ content: 'edited elsewhere' })
      p.title = 'Retitled'
      const [update] = await ctx.queries(() => p.save())
      expect(update).not.toMatch(/content|rating/)
      const fresh = await Post.objects.get({ pk: p1.pk })
      expect([fresh.title, fresh.content, fresh.rating]).toEqual(['Retitled', 'edited elsewhere', '4.50'])
      p.content = 'set here'
      expect(p.getDeferredFields().has('content')).toBe(false)
      await p.save()
      expect((await Post.objects.get({ pk: p1.pk })).content).toBe('set here')
    })

    it('refreshFromDb({ fields }) loads deferred columns; refreshFromDb() reloads only the loaded ones', async () => {
      const { p1 } = await ctx.seed()
      const p = await Post.objects.only('title').get({ pk: p1.pk })
      await p.refreshFromDb({ fields: ['content', 'author'] })
      expect(p.content).toBe('This is my first blog post.')
      expect(p.authorId).toBe(p1.authorId)
      expect(sorted(p.getDeferredFields())).toEqual(['pubDate', 'rating'])
      await Post.objects.filter({ pk: p1.pk }).update({ title: 'New title' })
      await p.refreshFromDb()
      expect(p.title).toBe('New title')
      expect(sorted(p.getDeferredFields())).toEqual(['pubDate', 'rating'])
      expect(() => p.cleanFields()).not.toThrow()
      await expect(p.fullClean()).resolves.toBeUndefined()
    })

    it('bad names are FieldErrors before any query; only() after values() and only(null) are refused', async () => {
      await ctx.seed()
      const sent = await ctx.queries(() => {
        expect(() => Post.objects.only('nope' as never)).toThrow(/Post has no field named "nope"/)
        expect(() => Post.objects.defer('author__nope' as never)).toThrow(/Author has no field named "nope"/)
        expect(() => Post.objects.only('tags')).toThrow(/many-to-many/)
        expect(() => Post.objects.only('comment' as never)).toThrow(/multi-valued/)
        expect(() => Post.objects.only('title__year' as never)).toThrow(FieldError)
        expect(() => Post.objects.defer('title; drop table post' as never)).toThrow(FieldError)
        expect(() => Post.objects.only(null as never)).toThrow(/Cannot pass null as an argument to only\(\)/)
        expect(() => Post.objects.only(3 as never)).toThrow(TypeMismatchError)
        expect(() => Post.objects.values('title').only('title')).toThrow(/Cannot call only\(\) after \.values\(\)/)
        expect(() => Post.objects.values('title').defer('title')).toThrow(TypeMismatchError)
        expect(() => Post.objects.all().union(Post.objects.all()).only('title')).toThrow(/only\(\) after union\(\) is not supported/)
      })
      expect(sent).toEqual([])
      const p = await Post.objects.only('title').get({ title: 'First Post' })
      await ctx.expectRejectsUnchanged(Post, () => p.refreshFromDb({ fields: ['nope'] }), FieldError)
      await ctx.expectRejectsUnchanged(Post, () => p.refreshFromDb({ fields: ['author__name'] }), FieldError)
    })
  })
}
