import { FieldError, RelationNotLoaded, ValidationError } from '@strata/core'
import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from '../context.js'
import { Author, Comment, Post, Sample, Tag } from '../models.js'

/** Model instances: save, update, refresh, delete, validation, plain data, identity, relations. */
export function instanceSuite(ctx: ConformanceContext): void {
  describe('instances', () => {
    it('save() inserts, sets the primary key, then updates the same row', async () => {
      const post = new Post({ title: 'First Post', content: 'This is my first blog post.' })
      expect(post.id).toBeNull()
      await post.save()
      expect(typeof post.id).toBe('number')
      expect(post.pk).toBe(post.id)
      expect(post.pubDate).toBeInstanceOf(Date)
      expect(post.rating).toBe('0.00')
      post.title = 'Renamed'
      await post.save()
      expect(await Post.objects.count()).toBe(1)
      const fresh = await Post.objects.get({ id: post.id })
      expect(fresh.title).toBe('Renamed')
      expect(fresh.content).toBe('This is my first blog post.')
    })

    it('save({ updateFields }) writes only the named columns', async () => {
      const post = await Post.objects.create({ title: 'T', content: 'old content' })
      post.title = 'New title'
      post.content = 'not saved'
      await post.save({ updateFields: ['title'] })
      const row = await Post.objects.get({ pk: post.pk })
      expect(row.title).toBe('New title')
      expect(row.content).toBe('old content')
      await expect(post.save({ updateFields: ['nope'] })).rejects.toBeInstanceOf(FieldError)
    })

    it('save() with a primary key set and no row inserts it', async () => {
      const tag = new Tag({ id: 4242, name: 'explicit' })
      await tag.save()
      expect(tag.pk).toBe(4242)
      expect((await Tag.objects.get({ pk: 4242 })).name).toBe('explicit')
    })

    it('refreshFromDb() reloads all fields or only some', async () => {
      const a = await Author.objects.create({ name: 'Ann', email: 'ann@example.com', age: 20 })
      await Author.objects.filter({ pk: a.pk }).update({ name: 'Annie', age: 21 })
      await a.refreshFromDb({ fields: ['age'] })
      expect(a.age).toBe(21)
      expect(a.name).toBe('Ann')
      await a.refreshFromDb()
      expect(a.name).toBe('Annie')
      await Author.objects.filter({ pk: a.pk }).delete()
      await expect(a.refreshFromDb()).rejects.toBeInstanceOf(Author.DoesNotExist)
    })

    it('delete() follows CASCADE and reports counts by model', async () => {
      const { p1, alice } = await ctx.seed()
      const result = await p1.delete()
      expect(result).toEqual({ total: 4, perModel: { Post: 1, Comment: 2, PostTags: 1 } })
      expect(p1.pk).toBeNull()
      expect(await Comment.objects.filter({ post: p1.id ?? -1 }).count()).toBe(0)
      expect(await Comment.objects.count()).toBe(2)
      const r2 = await alice.delete()
      expect(r2.perModel.Author).toBe(1)
      expect(r2.perModel.Post).toBe(1)
      expect(r2.perModel.Comment).toBe(1)
      expect(await Post.objects.count()).toBe(2)
    })

    it('cleanFields() and fullClean() raise ValidationError by field; save() does not validate', async () => {
      const long = 'x'.repeat(101)
      const post = new Post({ title: long, content: 'c' })
      let err: unknown
      try {
        post.cleanFields()
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(ValidationError)
      expect(Object.keys((err as ValidationError).errors)).toEqual(['title'])
      expect((err as ValidationError).errors.title![0]).toMatch(/at most 100 characters/)

      const bad = new Author({ name: '', email: 'not-an-email' })
      const e2 = await bad.fullClean().catch((e: unknown) => e)
      expect(e2).toBeInstanceOf(ValidationError)
      expect(Object.keys((e2 as ValidationError).errors).sort()).toEqual(['email', 'name'])

      await Author.objects.create({ name: 'A', email: 'dup@example.com' })
      const dup = new Author({ name: 'B', email: 'dup@example.com' })
      const e3 = await dup.fullClean().catch((e: unknown) => e)
      expect(e3).toBeInstanceOf(ValidationError)
      expect((e3 as ValidationError).errors.email![0]).toMatch(/already exists/)
      await expect(new Author({ name: 'C', email: 'c@example.com' }).fullClean()).resolves.toBeUndefined()

      const s = new Sample({ label: 'ok', size: 'X' as 'S' })
      const e4 = await s.fullClean().catch((e: unknown) => e)
      expect(Object.keys((e4 as ValidationError).errors)).toEqual(['size'])
    })

    it('toJSON() gives plain column data that JSON.stringify uses', async () => {
      const { p1, alice } = await ctx.seed()
      const json = p1.toJSON()
      expect(json).toEqual({
        id: p1.id,
        title: 'First Post',
        content: 'This is my first blog post.',
        pubDate: new Date('2023-01-15T10:30:00.000Z'),
        authorId: alice.id,
        rating: '4.50',
      })
      const parsed = JSON.parse(JSON.stringify(p1))
      expect(parsed.pubDate).toBe('2023-01-15T10:30:00.000Z')
      expect(parsed.authorId).toBe(alice.id)
      expect(Object.keys(parsed)).not.toContain('tags')
    })

    it('pk aliases the primary key and equals() compares model and key', async () => {
      const { p1, p2 } = await ctx.seed()
      const again = await Post.objects.get({ title: 'First Post' })
      expect(again).not.toBe(p1)
      expect(again.equals(p1)).toBe(true)
      expect(p1.equals(p2)).toBe(false)
      const tag = await Tag.objects.create({ id: p1.id, name: 'same-id' })
      expect(tag.pk).toBe(p1.pk)
      expect(tag.equals(p1)).toBe(false)
      const u1 = new Post({ title: 'a', content: 'b' })
      const u2 = new Post({ title: 'a', content: 'b' })
      expect(u1.equals(u1)).toBe(true)
      expect(u1.equals(u2)).toBe(false)
      again.pk = 123456
      expect(again.id).toBe(123456)
    })

    it('a relation attribute throws RelationNotLoaded until load()', async () => {
      const { p1, c1 } = await ctx.seed()
      const c = await Comment.objects.get({ pk: c1.pk })
      expect(c.postId).toBe(p1.id)
      let err: unknown
      try {
        void c.post
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(RelationNotLoaded)
      expect((err as Error).message).toContain("selectRelated('post')")
      expect((err as Error).message).toContain("load('post')")
      const loaded = await c.load('post')
      expect(loaded.equals(p1)).toBe(true)
      expect(c.post.title).toBe('First Post')
      const created = await Comment.objects.create({ post: p1, author: 'X', text: 'Y' })
      expect(created.postId).toBe(p1.id)
      expect(created.post).toBe(p1)
      const p4 = await Post.objects.get({ title: 'Anonymous' })
      expect(p4.author).toBeNull()
    })

    it('assigning a relation sets the key and caches the object', async () => {
      const { p1, p2, c1 } = await ctx.seed()
      const c = await Comment.objects.get({ pk: c1.pk })
      c.post = p2
      expect(c.postId).toBe(p2.id)
      expect(c.post).toBe(p2)
      await c.save()
      expect(await Comment.objects.filter({ post: p2 }).count()).toBe(2)
      expect(await Comment.objects.filter({ post: p1 }).count()).toBe(1)
    })

    it('saving with an unsaved related object is refused', async () => {
      const post = new Post({ title: 'unsaved', content: '' })
      const before = await Comment.objects.count()
      await expect(Comment.objects.create({ post, author: 'a', text: 'b' })).rejects.toThrow(
        /unsaved|not saved/,
      )
      expect(await Comment.objects.count()).toBe(before)
    })
  })
}
