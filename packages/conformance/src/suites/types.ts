import { CheckViolation, IntegrityError, NotNullViolation, Sum, UniqueViolation } from '@strata/core'
import { sql } from '@strata/query'
import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from '../context.js'
import { Author, Post, Sample, Tag } from '../models.js'

const BIG = 2n ** 62n + 12345n
const AT = new Date('2024-03-10T01:02:03.456Z')

async function fullSample(): Promise<Sample> {
  return Sample.objects.create({
    label: 'full 😀',
    body: 'x'.repeat(100_000),
    count: 2147483647,
    small: -32768,
    big: BIG,
    positive: 7,
    ratio: 0.1 + 0.2,
    price: '1234567890.12',
    active: true,
    flag: false,
    day: '2024-02-29',
    at: AT,
    clock: '13:45:10',
    span: 90_061_001,
    mail: 'a@example.com',
    site: 'https://example.com/a?b=c',
    slug: 'a-slug_1',
    token: '550E8400-E29B-41D4-A716-446655440000',
    data: { a: [1, 2, { b: null }], s: 'é', t: true, n: 1.5 },
    blob: new Uint8Array([0, 1, 2, 254, 255]),
    size: 'L',
  })
}

/** JavaScript types back from every field kind, and the integrity error classes. */
export function typeSuite(ctx: ConformanceContext): void {
  describe('JavaScript types', () => {
    it('every field kind comes back as its documented type', async () => {
      const s = await fullSample()
      const r = await Sample.objects.get({ pk: s.pk })
      expect(r.label).toBe('full 😀')
      expect(r.body).toHaveLength(100_000)
      expect(r.count).toBe(2147483647)
      expect(r.small).toBe(-32768)
      expect(r.big).toBe(BIG)
      expect(typeof r.big).toBe('bigint')
      expect(r.positive).toBe(7)
      expect(r.ratio).toBeCloseTo(0.3, 12)
      expect(typeof r.ratio).toBe('number')
      expect(r.price).toBe('1234567890.12')
      expect(r.active).toBe(true)
      expect(r.flag).toBe(false)
      expect(r.day).toBe('2024-02-29')
      expect(r.at).toBeInstanceOf(Date)
      expect(r.at!.toISOString()).toBe('2024-03-10T01:02:03.456Z')
      expect(r.clock).toBe('13:45:10')
      expect(r.span).toBe(90_061_001)
      expect(r.mail).toBe('a@example.com')
      expect(r.site).toBe('https://example.com/a?b=c')
      expect(r.slug).toBe('a-slug_1')
      expect(r.token).toBe('550e8400-e29b-41d4-a716-446655440000')
      expect(r.data).toEqual({ a: [1, 2, { b: null }], s: 'é', t: true, n: 1.5 })
      expect(r.blob).toBeInstanceOf(Uint8Array)
      expect([...(r.blob as Uint8Array)]).toEqual([0, 1, 2, 254, 255])
      expect(r.size).toBe('L')
      expect(typeof r.id).toBe('number')
    })

    it('nulls come back as null, and booleans as booleans in values()', async () => {
      const s = await Sample.objects.create({ label: 'empty' })
      const r = await Sample.objects.get({ pk: s.pk })
      for (const k of [
        'count',
        'big',
        'ratio',
        'price',
        'flag',
        'day',
        'at',
        'clock',
        'span',
        'mail',
        'site',
        'slug',
        'token',
        'data',
        'blob',
      ] as const)
        expect(r[k], k).toBeNull()
      expect(r.active).toBe(false)
      expect(r.small).toBe(0)
      await fullSample()
      const rows = await Sample.objects
        .orderBy('label')
        .values('label', 'active', 'flag', 'big', 'price', 'at', 'data')
      expect(rows).toEqual([
        { label: 'empty', active: false, flag: null, big: null, price: null, at: null, data: null },
        {
          label: 'full 😀',
          active: true,
          flag: false,
          big: BIG,
          price: '1234567890.12',
          at: AT,
          data: { a: [1, 2, { b: null }], s: 'é', t: true, n: 1.5 },
        },
      ])
      expect(await Sample.objects.orderBy('label').valuesList('active', { flat: true })).toEqual([
        false,
        true,
      ])
    })

    it('values of every kind are usable in filters', async () => {
      await fullSample()
      await Sample.objects.create({
        label: 'other',
        big: -(2n ** 63n),
        active: false,
        price: '12.5',
        day: '2000-01-01',
        at: new Date('2000-01-01T00:00:00Z'),
        span: 5,
        token: '00000000-0000-0000-0000-000000000001',
      })
      const one = async (lookups: Record<string, unknown>) =>
        (await Sample.objects.filter(lookups as never)).map((x) => x.label)
      expect(await one({ big: BIG })).toEqual(['full 😀'])
      expect(await one({ big: BIG + 1n })).toEqual([])
      expect(await one({ big__lt: 0n })).toEqual(['other'])
      expect(await one({ big: -(2n ** 63n) })).toEqual(['other'])
      expect(await one({ active: true })).toEqual(['full 😀'])
      expect(await one({ active: false })).toEqual(['other'])
      expect(await one({ flag: false })).toEqual(['full 😀'])
      expect(await one({ price: '12.50' })).toEqual(['other'])
      expect(await one({ price: 12.5 })).toEqual(['other'])
      expect(await one({ price__gt: '1000' })).toEqual(['full 😀'])
      expect(await one({ day: '2024-02-29' })).toEqual(['full 😀'])
      expect(await one({ day__lt: '2024-01-01' })).toEqual(['other'])
      expect(await one({ at: AT })).toEqual(['full 😀'])
      expect(await one({ at__gt: new Date('2024-03-10T01:02:03.455Z') })).toEqual(['full 😀'])
      expect(await one({ at__gt: AT })).toEqual([])
      expect(await one({ span__gt: 1000 })).toEqual(['full 😀'])
      expect(await one({ token: '550e8400-e29b-41d4-a716-446655440000' })).toEqual(['full 😀'])
      expect(await one({ token: '550E8400-E29B-41D4-A716-446655440000' })).toEqual(['full 😀'])
      expect(await one({ label: 'full 😀' })).toEqual(['full 😀'])
      expect(await one({ size: 'L' })).toEqual(['full 😀'])
    })

    it('decimals are exact and rounded to their places', async () => {
      const s = await Sample.objects.create({ label: 'd', price: '0.1' })
      expect(s.price).toBe('0.10')
      expect((await Sample.objects.get({ pk: s.pk })).price).toBe('0.10')
      await Sample.objects.filter({ pk: s.pk }).update({ price: '9999999999.99' })
      expect((await Sample.objects.get({ pk: s.pk })).price).toBe('9999999999.99')
      await Sample.objects.filter({ pk: s.pk }).update({ price: '-0.005' })
      expect((await Sample.objects.get({ pk: s.pk })).price).toBe('-0.01')
      const p = await Post.objects.create({ title: 't', content: 'c', rating: '12.5' })
      expect((await Post.objects.get({ pk: p.pk })).rating).toBe('12.50')
      expect(await Post.objects.aggregate({ s: Sum('rating') })).toEqual({ s: '12.50' })
    })
  })

  describe('integrity errors', () => {
    it('errors of raw SQL map to the same classes (CheckViolation)', async () => {
      await Sample.objects.create({ label: 'p', positive: 1 })
      const e = await ctx.expectRejectsUnchanged(
        Sample,
        () =>
          ctx.db.raw(
            sql`update ${sql.table(Sample.meta.dbTable)} set ${sql.id(Sample.meta.field('positive')!.column)} = -1`,
          ),
        CheckViolation,
      )
      expect(e).toBeInstanceOf(IntegrityError)
      expect(e.cause).toBeDefined()
    })

    it('unique violations raise UniqueViolation with the driver error as cause', async () => {
      await Author.objects.create({ name: 'A', email: 'a@example.com' })
      const b = await Author.objects.create({ name: 'B', email: 'b@example.com' })
      const e1 = await ctx.expectRejectsUnchanged(
        Author,
        () => Author.objects.create({ name: 'C', email: 'a@example.com' }),
        UniqueViolation,
      )
      expect(e1).toBeInstanceOf(IntegrityError)
      expect(e1.cause).toBeDefined()
      expect(e1.cause).not.toBeInstanceOf(IntegrityError)
      b.email = 'a@example.com'
      await ctx.expectRejectsUnchanged(Author, () => b.save(), UniqueViolation)
      await ctx.expectRejectsUnchanged(
        Author,
        () => Author.objects.filter({ pk: b.pk }).update({ email: 'a@example.com' }),
        UniqueViolation,
      )
      await ctx.expectRejectsUnchanged(
        Tag,
        () => Tag.objects.bulkCreate([{ name: 'x' }, { name: 'y' }, { name: 'x' }]),
        UniqueViolation,
      )
      expect(await Tag.objects.count()).toBe(0)
    })

    it('NULL in a NOT NULL column raises NotNullViolation', async () => {
      const p = await Post.objects.create({ title: 'T', content: 'c' })
      const e = await ctx.expectRejectsUnchanged(
        Post,
        () => Post.objects.filter({ pk: p.pk }).update({ title: null as never }),
        NotNullViolation,
      )
      expect(e).toBeInstanceOf(IntegrityError)
      expect(e.cause).toBeDefined()
      p.content = null as never
      await ctx.expectRejectsUnchanged(Post, () => p.save(), NotNullViolation)
      await ctx.expectRejectsUnchanged(
        Post,
        () => Post.objects.create({ title: null as never, content: 'c' }),
        NotNullViolation,
      )
    })
  })
}
