import { EXPLAIN_FLAGS, EXPLAIN_FORMATS, NotSupportedError, TypeMismatchError } from '@strata/core'
import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from '../context.js'
import { Post, Tag } from '../models.js'

/** Checklist H17 / T6: `explain({ format, ...flags })` as Django's `explain(format=None, **options)`. */
export function explainSuite(ctx: ConformanceContext): void {
  const formats = () => ctx.features.explainFormats ?? []
  const flags = () => ctx.features.explainOptions ?? []

  describe('explain(): formats and options', () => {
    it("format 'text' is the plain plan, where the database names it", async () => {
      await ctx.seed()
      const qs = Post.objects.filter({ title__startswith: 'D' }).orderBy('title')
      const plain = await qs.explain()
      expect(plain).toMatch(/post|t0/i)
      if (formats().includes('text')) expect(await qs.explain({ format: 'text' })).toBe(plain)
      else await expect(qs.explain({ format: 'text' })).rejects.toBeInstanceOf(NotSupportedError)
      // Upper case is the same format (Django upper-cases it).
      if (formats().includes('text')) expect(await qs.explain({ format: 'TEXT' as never })).toBe(plain)
    })

    it('every format Strata knows gives a plan where the database takes it, a NotSupportedError elsewhere', async () => {
      await ctx.seed()
      const qs = Post.objects.filter({ author__name: 'Alice' })
      for (const format of EXPLAIN_FORMATS) {
        if (!formats().includes(format)) {
          const e = await ctx.expectRejectsUnchanged(Post, () => qs.explain({ format }), NotSupportedError)
          expect(e.message).toContain(format)
          continue
        }
        const plan = await qs.explain({ format })
        expect(plan.length).toBeGreaterThan(0)
        if (format === 'json') expect(() => JSON.parse(plan)).not.toThrow()
        if (format === 'xml') expect(plan).toMatch(/^<explain/)
        if (format === 'yaml') expect(plan).toMatch(/Plan:/)
      }
    })

    it('analyze runs the query and reports what happened, where the database takes it', async () => {
      await ctx.seed()
      const qs = Tag.objects.filter({ name: 'web' })
      if (!flags().includes('analyze')) {
        await ctx.expectRejectsUnchanged(Tag, () => qs.explain({ analyze: true }), NotSupportedError, /analyze/)
        return
      }
      const plain = await qs.explain()
      // The measured plan has more to say (actual times, rows read) than the estimated one.
      expect(await qs.explain({ analyze: true })).not.toBe(plain)
      expect(await qs.explain({ analyze: false })).toBe(plain)
      // A plan of a SELECT changes nothing, analyzed or not.
      expect(await Tag.objects.count()).toBe(3)
    })

    it('every flag Strata knows is passed where the database takes it, a NotSupportedError elsewhere', async () => {
      await ctx.seed()
      const qs = Post.objects.filter({ rating__gte: '1.00' })
      for (const flag of EXPLAIN_FLAGS) {
        if (!flags().includes(flag)) {
          await ctx.expectRejectsUnchanged(Post, () => qs.explain({ [flag]: true }), NotSupportedError, new RegExp(flag))
          continue
        }
        // Some flags (timing, wal) only make sense with analyze, which every database with flags takes.
        const plan = await qs.explain({ analyze: true, [flag]: true })
        expect(plan.length).toBeGreaterThan(0)
      }
      if (flags().includes('costs')) {
        expect(await qs.explain({ costs: true })).toMatch(/cost/i)
        expect(await qs.explain({ costs: false })).not.toMatch(/cost=/i)
      }
      if (flags().includes('verbose')) expect(await qs.explain({ verbose: true })).toMatch(/Output/)
    })

    it('a none() QuerySet has no plan and sends nothing (Django)', async () => {
      expect(await ctx.queries(async () => expect(await Post.objects.none().explain()).toBe(''))).toHaveLength(0)
      await expect(Post.objects.none().explain({ nope: true } as never)).rejects.toBeInstanceOf(TypeMismatchError)
    })
  })

  describe('explain(): bad input', () => {
    it('unknown names, injection attempts and wrong types are a TypeMismatchError before any SQL', async () => {
      await ctx.seed()
      const qs = Post.objects.filter({ title: 'First Post' })
      const bad: unknown[] = [
        { nope: true },
        { ANALYZE: true },
        { 'analyze) ; drop table post; --': true },
        { format: 'json) ; drop table post; --' },
        { format: 'csv' },
        { format: 1 },
        { format: ['json'] },
        { analyze: 'yes' },
        { verbose: 1 },
        { costs: null },
        'json',
        ['analyze'],
        42,
      ]
      for (const options of bad) {
        const sent = await ctx.queries(() => ctx.expectRejectsUnchanged(Post, () => qs.explain(options as never), TypeMismatchError))
        // Only the before/after reads of expectRejectsUnchanged: explain() itself sent nothing.
        expect(sent).toHaveLength(2)
      }
      const e = await ctx.expectRejectsUnchanged(Post, () => qs.explain({ nope: true, other: false } as never), TypeMismatchError)
      expect(e.message).toMatch(/"nope", "other"/)
      expect(e.message).toMatch(/known options: format, analyze/)
      expect(await Post.objects.count()).toBe(4)
    })
  })
}
