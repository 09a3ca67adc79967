import { F, OperationalError } from '@strata/core'
import { sql } from '@strata/query'
import { atomic } from '@strata/transactions'
import { describe, expect, it } from 'vitest'
import { type ConformanceContext, LIMITED_ACQUIRE_TIMEOUT } from '../context.js'
import { Author, Sample } from '../models.js'
import { barrier, signal, sleep } from './concurrency.js'

/** Load and faults: concurrent writers lose nothing, races resolve, killed connections and a full pool fail cleanly. */
export function transactionLoadSuite(ctx: ConformanceContext): void {
  describe('transactions under load and faults', () => {
    it('200 concurrent F() increments of one row add up to exactly 200', async () => {
      const row = await Sample.objects.create({ label: 'counter', count: 0 })
      const counter = Sample.objects.filter({ pk: row.pk })
      const updated = await Promise.all(
        Array.from({ length: 200 }, () => counter.update({ count: F('count').add(1) })),
      )
      expect(updated.every((n) => n === 1)).toBe(true)
      expect((await counter.get()).count).toBe(200)
    })

    it('50 concurrent read-modify-write blocks with selectForUpdate lose no update', async () => {
      const row = await Sample.objects.create({ label: 'counter', count: 0 })
      const start = barrier(50)
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          await start()
          await atomic(async () => {
            const locked = await Sample.objects.selectForUpdate().get({ pk: row.pk })
            await sleep(1)
            locked.count = locked.count! + 1
            await locked.save({ updateFields: ['count'] })
          })
        }),
      )
      expect((await Sample.objects.get({ pk: row.pk })).count).toBe(50)
    })

    it('50 concurrent getOrCreate of one key make exactly one row, and every caller gets it', async () => {
      const start = barrier(50)
      const results = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          await start()
          return Author.objects.getOrCreate(
            { email: 'race@example.com' },
            { defaults: { name: `caller ${i}` } },
          )
        }),
      )
      expect(await Author.objects.filter({ email: 'race@example.com' }).count()).toBe(1)
      const pk = (await Author.objects.get({ email: 'race@example.com' })).pk
      expect(results.every(([author]) => author.pk === pk)).toBe(true)
      expect(results.filter(([, created]) => created)).toHaveLength(1)
    })

    const killer = ctx.target.killSession
    it(
      killer
        ? 'a connection killed in the middle of a block: OperationalError, nothing half-written, the pool recovers'
        : 'an error in the middle of a block: nothing half-written, the next block gets a working connection',
      async () => {
        const reached = signal()
        const resume = signal()
        let session: unknown
        const block = atomic(async () => {
          await Author.objects.create({ name: 'Half', email: 'half@example.com' })
          if (killer) session = (await ctx.db.raw(killer.sessionId))[0]!.id
          reached.fire()
          await resume.wait
          if (!killer) throw new OperationalError('simulated failure')
          await Author.objects.create({ name: 'Second', email: 'second@example.com' })
        })
        await reached.wait
        if (killer) {
          await ctx.db.raw(killer.kill(session))
          await sleep(200)
        }
        resume.fire()
        await expect(block).rejects.toBeInstanceOf(OperationalError)
        expect(await Author.objects.count()).toBe(0)
        await Promise.all(
          Array.from({ length: 3 }, (_, i) =>
            atomic(async () => Author.objects.create({ name: `After ${i}`, email: `after${i}@example.com` })),
          ),
        )
        expect(await Author.objects.count()).toBe(3)
      },
    )

    it('pool exhaustion: a block waits for a connection up to the timeout, then fails clearly; the pool serves again after', async () => {
      const size = ctx.limitedPoolSize
      if (size === 0) return expect(ctx.target.limitedPool).toBeUndefined()
      const using = 'limited'
      const holding = barrier(size + 1)
      const release = signal()
      const holders = Array.from({ length: size }, () =>
        atomic(
          async () => {
            await ctx.db.raw(sql`select 1 as one`, { using })
            await holding()
            await release.wait
          },
          { using },
        ),
      )
      await holding()
      const began = Date.now()
      const error = await atomic(async () => ctx.db.raw(sql`select 1 as one`, { using }), { using }).catch(
        (e: unknown) => e,
      )
      const waited = Date.now() - began
      expect(error).toBeInstanceOf(OperationalError)
      expect((error as Error).message).toMatch(/waited|timed out/i)
      expect(waited).toBeGreaterThanOrEqual(LIMITED_ACQUIRE_TIMEOUT - 50)
      expect(waited).toBeLessThan(LIMITED_ACQUIRE_TIMEOUT + 3000)
      await expect(ctx.db.raw(sql`select 1 as one`, { using })).rejects.toBeInstanceOf(OperationalError)
      release.fire()
      await Promise.all(holders)
      const rows = await atomic(async () => ctx.db.raw(sql`select 2 as two`, { using }), { using })
      expect(rows).toHaveLength(1)
    })
  })
}
