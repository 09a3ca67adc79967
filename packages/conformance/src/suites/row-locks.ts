import {
  FieldError,
  NotSupportedError,
  OperationalError,
  TransactionManagementError,
  TypeMismatchError,
} from '@strata/core'
import { atomic } from '@strata/transactions'
import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from '../context.js'
import { Author, Comment, Post } from '../models.js'
import { signal } from './concurrency.js'

/** `selectForUpdate()`: row locks on databases that have them, a checked no-op where writers are serialised. */
export function rowLockSuite(ctx: ConformanceContext): void {
  describe('selectForUpdate', () => {
    it('outside a transaction evaluating it raises TransactionManagementError (on every database)', async () => {
      await Author.objects.create({ name: 'A', email: 'a@example.com' })
      const qs = Author.objects.selectForUpdate()
      await expect(qs.then((rows) => rows)).rejects.toThrow(
        'selectForUpdate() cannot be used outside of a transaction: evaluate it inside atomic().',
      )
      await expect(qs.get({ email: 'a@example.com' })).rejects.toBeInstanceOf(TransactionManagementError)
      expect(await qs.count()).toBe(1)
    })

    it('inside a block it returns the rows, with FOR UPDATE where the database locks rows', async () => {
      await Author.objects.create({ name: 'A', email: 'a@example.com' })
      const { result, queries } = await ctx.db.captureQueries(() =>
        atomic(async () =>
          (await Author.objects.selectForUpdate().filter({ name: 'A' })).map((a) => a.email),
        ),
      )
      expect(result).toEqual(['a@example.com'])
      const select = queries.find((q) => /^select/i.test(q.sql))!.sql
      // SQLite has no row locks: the clause is left out (Django's rule) and writers are serialised instead.
      expect(/ for update$/i.test(select)).toBe(ctx.features.selectForUpdate)
    })

    it('checks its options before any SQL: unknown names, injection attempts and wrong types are refused', () => {
      expect(() => Author.objects.selectForUpdate({ nowait: true, skipLocked: true })).toThrow(
        'The nowait option cannot be used with skipLocked.',
      )
      expect(() => Comment.objects.selectForUpdate({ of: ['nope'] })).toThrow(FieldError)
      expect(() => Comment.objects.selectForUpdate({ of: ['post__nope'] })).toThrow(/Choices are: self, post/)
      expect(() => Post.objects.selectForUpdate({ of: ['tags'] })).toThrow(FieldError)
      expect(() => Post.objects.selectForUpdate({ of: ['self; drop table post'] })).toThrow(FieldError)
      expect(() => Post.objects.selectForUpdate({ of: 'self' as never })).toThrow(TypeMismatchError)
      expect(() => Post.objects.selectForUpdate({ nowait: 'yes' as never })).toThrow(TypeMismatchError)
      expect(() => Post.objects.selectForUpdate({ wait: false } as never)).toThrow(/unknown option "wait"/)
      expect(() => Post.objects.selectForUpdate(null as never)).toThrow(TypeMismatchError)
    })

    it('of: locks the named relations too, joined INNER when their keys are non-null', async () => {
      const post = await Post.objects.create({ title: 'P', content: '' })
      const c = await Comment.objects.create({ post, author: 'x', text: 'y' })
      const run = () =>
        atomic(async () =>
          (await Comment.objects.selectForUpdate({ of: ['self', 'post'] }).filter({ post__title: 'P' })).map(
            (r) => r.pk,
          ),
        )
      if (ctx.features.selectForUpdate && !ctx.features.selectForUpdateOf) {
        await expect(run()).rejects.toBeInstanceOf(NotSupportedError)
        return
      }
      expect(await run()).toEqual([c.pk])
    })

    it('a locked row: another block waits for it, or with nowait fails at once, or with skipLocked skips it', async () => {
      const a = await Author.objects.create({ name: 'A', email: 'a@example.com', age: 1 })
      await Author.objects.create({ name: 'B', email: 'b@example.com', age: 1 })
      if (!ctx.features.selectForUpdate) {
        // No row locks (SQLite): the options are accepted and ignored, as in Django; blocks queue instead.
        const rows = await atomic(async () =>
          Author.objects.selectForUpdate({ nowait: true }).orderBy('email'),
        )
        expect(rows.map((r) => r.name)).toEqual(['A', 'B'])
        expect(await atomic(async () => Author.objects.selectForUpdate({ skipLocked: true }).count())).toBe(2)
        return
      }
      const locked = signal()
      const release = signal()
      const holder = atomic(async () => {
        await Author.objects.selectForUpdate().filter({ pk: a.pk })
        locked.fire()
        await release.wait
        await Author.objects.filter({ pk: a.pk }).update({ age: 2 })
      })
      await locked.wait
      if (ctx.features.selectForUpdateNowait) {
        const error = await atomic(async () =>
          Author.objects.selectForUpdate({ nowait: true }).filter({ pk: a.pk }),
        ).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(OperationalError)
        const free = await atomic(async () =>
          Author.objects.selectForUpdate({ skipLocked: true }).orderBy('email'),
        )
        expect(free.map((r) => r.name)).toEqual(['B'])
      } else {
        await expect(
          atomic(async () => Author.objects.selectForUpdate({ nowait: true }).filter({ pk: a.pk })),
        ).rejects.toBeInstanceOf(NotSupportedError)
      }
      const waiter = atomic(async () => (await Author.objects.selectForUpdate().get({ pk: a.pk })).age)
      setTimeout(() => release.fire(), 100)
      // The waiter reads after the holder's commit: it sees the holder's write.
      expect(await waiter).toBe(2)
      await holder
    })
  })
}
