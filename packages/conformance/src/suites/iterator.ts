import { Abs, Count, DataError, TypeMismatchError } from '@strata/core'
import { describe, expect, it } from 'vitest'
import { type ConformanceContext, sorted } from '../context.js'
import { Author, Post, Sample, Tag } from '../models.js'

/** Fails with `message` instead of waiting for the test timeout when `work` hangs (a deadlock, an exhausted pool). */
async function within<T>(ms: number, message: string, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (still waiting after ${ms} ms)`)), ms)
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Collects what an async iterable yields. */
async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const row of rows) out.push(row)
  return out
}

const names = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `t${String(i).padStart(3, '0')}` }))

/** Checklist H16 / S3: `iterator({ chunkSize })` streams without a cache, on every database. */
export function iteratorSuite(ctx: ConformanceContext): void {
  // The transaction block of @strata/query (what atomic() runs on): every query inside uses its connection.
  const atomic = <T>(fn: () => Promise<T>) => ctx.db.engine().atomic(fn)

  describe('iterator(): what it yields', () => {
    it('yields every row once, in the ordering asked for, in chunks of any size', async () => {
      await Tag.objects.bulkCreate(names(23))
      const all = sorted((await Tag.objects.all()).map((t) => t.name))
      for (const chunkSize of [1, 4, 23, 100]) {
        const unordered = await collect(Tag.objects.iterator({ chunkSize }))
        expect(unordered.every((t) => t instanceof Tag)).toBe(true)
        expect(sorted(unordered.map((t) => t.name))).toEqual(all)
        expect((await collect(Tag.objects.orderBy('name').iterator({ chunkSize }))).map((t) => t.name)).toEqual(all)
        expect((await collect(Tag.objects.orderBy('-name').iterator({ chunkSize }))).map((t) => t.name)).toEqual([...all].reverse())
        const byPk = (await collect(Tag.objects.orderBy('-pk').iterator({ chunkSize }))).map((t) => t.pk as number)
        expect(byPk).toEqual([...byPk].sort((a, b) => b - a))
        expect(byPk).toHaveLength(23)
      }
      // reverse() flips the ordering; on an unordered QuerySet it changes nothing (Django).
      expect((await collect(Tag.objects.orderBy('name').reverse().iterator({ chunkSize: 5 }))).map((t) => t.name)).toEqual([...all].reverse())
      expect(await collect(Tag.objects.reverse().iterator({ chunkSize: 5 }))).toHaveLength(23)
    })

    it('follows the model ordering, filters, slices and annotations', async () => {
      const b = await ctx.seed()
      const expected = (await Post.objects.all()).map((p) => p.title)
      expect((await collect(Post.objects.iterator({ chunkSize: 1 }))).map((p) => p.title)).toEqual(expected)
      expect((await collect(Post.objects.filter({ author: b.alice }).iterator({ chunkSize: 1 }))).map((p) => p.title)).toEqual(['Django tips', 'First Post'])
      await Tag.objects.bulkCreate(names(20))
      const ordered = (await Tag.objects.orderBy('name')).map((t) => t.name)
      for (const [start, end] of [[2, 7], [0, 1], [5, undefined], [19, 40], [0, 0], [25, undefined]] as const) {
        const want = ordered.slice(start, end ?? ordered.length)
        expect((await collect(Tag.objects.orderBy('name').slice(start, end).iterator({ chunkSize: 2 }))).map((t) => t.name)).toEqual(want)
        const byPk = await Tag.objects.orderBy('pk').slice(start, end)
        expect((await collect(Tag.objects.orderBy('pk').slice(start, end).iterator({ chunkSize: 3 }))).map((t) => t.pk)).toEqual(byPk.map((t) => t.pk))
      }
      const counted = await collect(Author.objects.annotate({ n: Count('posts') }).orderBy('-n', 'name').iterator({ chunkSize: 1 }))
      expect(counted.map((a) => [a.name, a.n])).toEqual([['Alice', 2], ['Bob', 1], ['Cara', 0]])
      const unorderedCounts = await collect(Author.objects.annotate({ n: Count('posts') }).iterator({ chunkSize: 2 }))
      expect(sorted(unorderedCounts.map((a) => `${a.name}:${a.n}`))).toEqual(['Alice:2', 'Bob:1', 'Cara:0'])
    })

    it('yields values(), valuesList() (flat, named), distinct and grouped rows, and union()', async () => {
      const b = await ctx.seed()
      expect(await collect(Tag.objects.orderBy('name').values('name').iterator({ chunkSize: 2 }))).toEqual([{ name: 'django' }, { name: 'ts' }, { name: 'web' }])
      expect(sorted(await collect(Tag.objects.values('name').iterator({ chunkSize: 2 })).then((r) => r.map((x) => x.name)))).toEqual(['django', 'ts', 'web'])
      expect(await collect(Tag.objects.orderBy('-name').valuesList('name', { flat: true }).iterator({ chunkSize: 1 }))).toEqual(['web', 'ts', 'django'])
      expect(sorted(await collect(Tag.objects.valuesList('name', { flat: true }).iterator({ chunkSize: 1 })))).toEqual(['django', 'ts', 'web'])
      expect(await collect(Tag.objects.orderBy('name').valuesList('name', 'pk').iterator({ chunkSize: 2 }))).toEqual([
        ['django', b.django.pk],
        ['ts', b.ts.pk],
        ['web', b.web.pk],
      ])
      expect(await collect(Tag.objects.orderBy('pk').valuesList('name', { named: true }).iterator({ chunkSize: 2 }))).toEqual([{ name: 'ts' }, { name: 'django' }, { name: 'web' }])
      const authors = await collect(Post.objects.orderBy('author').values('author').distinct().iterator({ chunkSize: 1 }))
      expect(sorted(authors.map((r) => String(r.author)))).toEqual(sorted([b.alice.pk, b.bob.pk, null].map(String)))
      const grouped = await collect(Post.objects.values('author').annotate({ n: Count('id') }).orderBy('-n').iterator({ chunkSize: 1 }))
      expect(grouped.map((r) => r.n)).toEqual([2, 1, 1])
      const both = await collect(Tag.objects.filter({ name: 'ts' }).union(Tag.objects.filter({ name: 'web' })).orderBy('name').iterator({ chunkSize: 1 }))
      expect(both.map((t) => t.name)).toEqual(['ts', 'web'])
      expect(await ctx.queries(async () => expect(await collect(Tag.objects.none().iterator())).toEqual([]))).toHaveLength(0)
    })

    it('keeps selectRelated() and only(): related rows come with each row, in every ordering', async () => {
      await ctx.seed()
      for (const qs of [Post.objects.selectRelated('author').filter({ author__isnull: false }).orderBy('title'), Post.objects.selectRelated('author').filter({ author__isnull: false }).orderBy('pk')]) {
        const sent = await ctx.queries(async () => {
          const seen: string[] = []
          for await (const p of qs.iterator({ chunkSize: 1 })) seen.push(`${p.title}/${(p.author as Author).name}`)
          expect(sorted(seen)).toEqual(['Django tips/Alice', 'First Post/Alice', 'École du Web/Bob'])
        })
        // No query per row for the author: at most a handful of page queries.
        expect(sent.length).toBeLessThanOrEqual(5)
      }
      const titles = await collect(Post.objects.only('title').orderBy('title').iterator({ chunkSize: 2 }))
      expect(titles.map((p) => p.title)).toEqual(['Anonymous', 'Django tips', 'First Post', 'École du Web'])
    })

    it('fills no cache: each iteration asks the database again, and the QuerySet stays unevaluated', async () => {
      await Tag.objects.bulkCreate(names(5))
      const qs = Tag.objects.orderBy('name')
      expect(await collect(qs.iterator({ chunkSize: 2 }))).toHaveLength(5)
      await Tag.objects.filter({ name: 't000' }).delete()
      expect(await collect(qs.iterator({ chunkSize: 2 }))).toHaveLength(4)
      // count() still queries: iterator() left no rows behind in the QuerySet.
      expect(await ctx.queries(() => qs.count())).toHaveLength(1)
      expect(await qs.count()).toBe(4)
    })
  })

  describe('iterator(): the loop body may query', () => {
    it('saves each row while iterating (no deadlock), and sees each row exactly once', async () => {
      await Tag.objects.bulkCreate(names(30))
      const seen: unknown[] = []
      await within(10000, 'iterator() with saves in the loop body deadlocked', (async () => {
        for await (const t of Tag.objects.iterator({ chunkSize: 4 })) {
          seen.push(t.pk)
          t.name = `${t.name}-saved`
          await t.save()
          expect(await Tag.objects.filter({ pk: t.pk }).valuesList('name', { flat: true })).toEqual([t.name])
        }
      })())
      expect(new Set(seen).size).toBe(30)
      expect(seen).toHaveLength(30)
      expect(await Tag.objects.filter({ name__endswith: '-saved' }).count()).toBe(30)
    })

    it('renaming rows that the ordering reads neither skips nor repeats any', async () => {
      await Tag.objects.bulkCreate(names(25))
      const seen: unknown[] = []
      await within(10000, 'iterator() ordered by name deadlocked', (async () => {
        for await (const t of Tag.objects.orderBy('name').iterator({ chunkSize: 3 })) {
          seen.push(t.pk)
          // Moves the row before every row not yet read.
          await Tag.objects.filter({ pk: t.pk }).update({ name: `a-${t.name}` })
        }
      })())
      expect(seen).toHaveLength(25)
      expect(new Set(seen).size).toBe(25)
    })

    it('rows inserted by the loop body do not make it run for ever', async () => {
      await Tag.objects.bulkCreate(names(10))
      let n = 0
      await within(10000, 'iterator() with inserts in the loop body did not end', (async () => {
        for await (const t of Tag.objects.iterator({ chunkSize: 3 })) {
          n++
          await Tag.objects.create({ name: `new-${t.name}` })
          if (n > 100) break
        }
      })())
      expect(n).toBe(10)
      expect(await Tag.objects.count()).toBe(20)
    })

    it('nests: a second iterator inside the loop body', async () => {
      const b = await ctx.seed()
      const pairs: string[] = []
      await within(10000, 'nested iterators deadlocked', (async () => {
        for await (const a of Author.objects.orderBy('name').iterator({ chunkSize: 1 }))
          for await (const p of Post.objects.filter({ author: a }).orderBy('title').iterator({ chunkSize: 1 })) pairs.push(`${a.name}: ${p.title}`)
      })())
      expect(pairs).toEqual(['Alice: Django tips', 'Alice: First Post', 'Bob: École du Web'])
      expect(b.cara.name).toBe('Cara')
    })
  })

  describe('iterator(): transactions', () => {
    it('inside atomic() reads through the transaction: sees its rows, the loop body writes, no deadlock', async () => {
      await within(15000, 'iterator() inside atomic() deadlocked', atomic(async () => {
        await Tag.objects.bulkCreate(names(17))
        const seen: string[] = []
        for await (const t of Tag.objects.orderBy('name').iterator({ chunkSize: 4 })) {
          seen.push(t.name)
          await Tag.objects.filter({ pk: t.pk }).update({ name: `${t.name}-x` })
          expect(await Tag.objects.filter({ name: `${t.name}-x` }).exists()).toBe(true)
        }
        expect(seen).toEqual(names(17).map((r) => r.name))
        // Leaving early closes the cursor; the transaction goes on.
        for (let i = 0; i < 3; i++) {
          for await (const t of Tag.objects.iterator({ chunkSize: 2 })) {
            expect(t).toBeInstanceOf(Tag)
            break
          }
        }
        expect(await Tag.objects.filter({ name__endswith: '-x' }).count()).toBe(17)
      }))
      expect(await Tag.objects.count()).toBe(17)
    })

    it('a rolled-back transaction leaves nothing behind, and the next iterator works', async () => {
      await Tag.objects.bulkCreate(names(3))
      await expect(
        atomic(async () => {
          for await (const t of Tag.objects.iterator({ chunkSize: 1 })) await t.delete()
          throw new Error('roll back')
        }),
      ).rejects.toThrow('roll back')
      expect((await collect(Tag.objects.orderBy('name').iterator({ chunkSize: 2 }))).map((t) => t.name)).toEqual(['t000', 't001', 't002'])
    })
  })

  describe('iterator(): leaving early and errors', () => {
    it('break, a throw in the loop body and return() close the stream and free its connection', async () => {
      await Tag.objects.bulkCreate(names(40))
      await within(15000, 'leaving iterator() early leaked a connection (the pool ran out)', (async () => {
        // More early exits than any default pool has connections.
        for (let i = 0; i < 15; i++) {
          let n = 0
          for await (const t of Tag.objects.orderBy('name').iterator({ chunkSize: 2 })) {
            expect(t.name).toBe(names(40)[n]!.name)
            if (++n === 3) break
          }
          expect(n).toBe(3)
          expect(await Tag.objects.count()).toBe(40)
        }
        for (let i = 0; i < 12; i++) {
          await expect(
            (async () => {
              for await (const _ of Tag.objects.iterator({ chunkSize: 5 })) throw new Error('stop here')
            })(),
          ).rejects.toThrow('stop here')
        }
        for (let i = 0; i < 12; i++) {
          const it = Tag.objects.iterator({ chunkSize: 1 })
          expect((await it.next()).done).toBe(false)
          expect((await it.return(undefined)).done).toBe(true)
          expect((await it.next()).done).toBe(true)
        }
        // Every connection is back: many queries at once still get one.
        expect(await Promise.all(Array.from({ length: 12 }, () => Tag.objects.count()))).toEqual(new Array(12).fill(40))
        await Tag.objects.filter({ name: 't000' }).update({ name: 'first' })
        expect(await Tag.objects.filter({ name: 'first' }).count()).toBe(1)
      })())
    })

    it('an error raised by the database mid-stream is a Strata error, and the database stays usable', async () => {
      const rows = Array.from({ length: 20 }, (_, i) => ({ label: `s${String(i).padStart(2, '0')}`, big: i === 9 ? -9223372036854775808n : BigInt(i) }))
      await Sample.objects.bulkCreate(rows)
      const seen: string[] = []
      let caught: unknown
      try {
        for await (const s of Sample.objects.annotate({ a: Abs('big') }).orderBy('label').iterator({ chunkSize: 3 })) seen.push(s.label)
      } catch (e) {
        caught = e
      }
      // abs() of the smallest 64-bit integer overflows on every database.
      expect(caught).toBeInstanceOf(DataError)
      expect(seen.length).toBeLessThan(10)
      expect(seen).toEqual(rows.slice(0, seen.length).map((r) => r.label))
      await within(10000, 'the connection was not freed after an error mid-stream', (async () => {
        expect(await Sample.objects.count()).toBe(20)
        expect(await collect(Sample.objects.filter({ big__gte: 0n }).iterator({ chunkSize: 7 }))).toHaveLength(19)
      })())
    })

    it('bad input: chunkSize must be a positive integer, checked at the call; nothing runs', async () => {
      await Tag.objects.bulkCreate(names(2))
      for (const chunkSize of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10', 2n, {}, [5]]) {
        const sent = await ctx.queries(() => {
          expect(() => Tag.objects.iterator({ chunkSize } as never)).toThrow(TypeMismatchError)
        })
        expect(sent).toHaveLength(0)
      }
      expect(() => Tag.objects.iterator('2000' as never)).toThrow(TypeMismatchError)
      expect(() => Tag.objects.iterator({ chunkSize: 5, chunk_size: 5 } as never)).toThrow(/unknown option/)
      expect(() => Tag.objects.iterator({ chunkSize: 0 })).toThrow(/positive integer/)
      expect(await Tag.objects.count()).toBe(2)
      // The default chunk size is Django's 2000; null asks for it too (Django's chunk_size=None).
      expect(await collect(Tag.objects.iterator())).toHaveLength(2)
      expect(await collect(Tag.objects.iterator({ chunkSize: null }))).toHaveLength(2)
    })
  })
}
