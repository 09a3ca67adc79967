import {
  DeadlockDetected,
  OperationalError,
  SerializationFailure,
  TransactionManagementError,
  UniqueViolation,
} from '@strata/core'
import { sql } from '@strata/query'
import { atomic, getRollback, inAtomicBlock, onCommit, setRollback } from '@strata/transactions'
import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from '../context.js'
import { Author, Post, Sample, Tag } from '../models.js'
import { barrier, signal } from './concurrency.js'

/** `@strata/transactions`: atomic blocks, savepoints, rollback marks, onCommit, isolation, retries, connections. */
export function transactionSuite(ctx: ConformanceContext): void {
  describe('transactions', () => {
    const authors = async () =>
      (await Author.objects.orderBy('email').valuesList('email', { flat: true })) as string[]

    it('an error inside atomic() rolls back what every code path wrote, then propagates', async () => {
      const writeEverything = async () => {
        const ann = await Author.objects.create({ name: 'Ann', email: 'ann@example.com' })
        await new Author({ name: 'Ben', email: 'ben@example.com' }).save()
        await Author.objects.getOrCreate({ email: 'cy@example.com' }, { defaults: { name: 'Cy' } })
        await Tag.objects.bulkCreate([{ name: 'one' }, { name: 'two' }])
        await Post.objects.create({ title: 'P', content: 'c', author: ann })
        await Author.objects.filter({ pk: ann.pk }).update({ age: 33 })
        await ctx.db.raw(
          sql`insert into ${sql.table(Tag.meta.dbTable)} (${sql.id('name')}) values (${'raw'})`,
        )
        await ctx.db.kysely().insertInto(Tag.meta.dbTable).values({ name: 'kysely' }).execute()
        expect(inAtomicBlock()).toBe(true)
      }
      const boom = new Error('boom')
      await expect(
        atomic(async () => {
          await writeEverything()
          throw boom
        }),
      ).rejects.toBe(boom)
      expect(await Author.objects.count()).toBe(0)
      expect(await Tag.objects.count()).toBe(0)
      expect(await Post.objects.count()).toBe(0)
      await atomic(writeEverything)
      expect(await authors()).toEqual(['ann@example.com', 'ben@example.com', 'cy@example.com'])
      expect(await Tag.objects.count()).toBe(4)
      expect((await Author.objects.get({ email: 'ann@example.com' })).age).toBe(33)
    })

    it('a failing nested block rolls back only its own work; an outer failure rolls back the inner work too', async () => {
      await atomic(async () => {
        await Author.objects.create({ name: 'Outer', email: 'outer@example.com' })
        await atomic(async () => {
          await Author.objects.create({ name: 'Inner', email: 'inner@example.com' })
          throw new Error('inner fails')
        }).catch(() => undefined)
        await atomic(async () => Author.objects.create({ name: 'Kept', email: 'kept@example.com' }))
      })
      expect(await authors()).toEqual(['kept@example.com', 'outer@example.com'])
      await atomic(async () => {
        await atomic(async () => Author.objects.create({ name: 'Released', email: 'released@example.com' }))
        throw new Error('outer fails')
      }).catch(() => undefined)
      expect(await authors()).toEqual(['kept@example.com', 'outer@example.com'])
    })

    it('after a database error inside a block, its queries raise TransactionManagementError until it is left; nothing is kept', async () => {
      await Author.objects.create({ name: 'Taken', email: 'taken@example.com' })
      const error = await atomic(async () => {
        await Author.objects.create({ name: 'Half', email: 'half@example.com' })
        await expect(
          Author.objects.create({ name: 'Dup', email: 'taken@example.com' }),
        ).rejects.toBeInstanceOf(UniqueViolation)
        expect(getRollback()).toBe(true)
        const refused = await Author.objects.count().catch((e: unknown) => e)
        expect(refused).toBeInstanceOf(TransactionManagementError)
        expect((refused as Error).message).toBe(
          "An error occurred in the current transaction. You can't execute queries until the end of the 'atomic' block.",
        )
        await expect(ctx.db.raw(sql`select 1 as one`)).rejects.toBeInstanceOf(TransactionManagementError)
        await expect(
          ctx.db.kysely().selectFrom(Author.meta.dbTable).selectAll().execute(),
        ).rejects.toBeInstanceOf(TransactionManagementError)
      }).catch((e: unknown) => e)
      // As Django: the block caught the error and returned, so it is rolled back silently.
      expect(error).toBeUndefined()
      expect(await authors()).toEqual(['taken@example.com'])
    })

    it('a nested block contains a database error: the enclosing block goes on and commits', async () => {
      await Author.objects.create({ name: 'Taken', email: 'taken@example.com' })
      await atomic(async () => {
        await Author.objects.create({ name: 'Before', email: 'before@example.com' })
        await expect(
          atomic(() => Author.objects.create({ name: 'Dup', email: 'taken@example.com' })),
        ).rejects.toBeInstanceOf(UniqueViolation)
        expect(getRollback()).toBe(false)
        await Author.objects.create({ name: 'After', email: 'after@example.com' })
      })
      expect(await authors()).toEqual(['after@example.com', 'before@example.com', 'taken@example.com'])
    })

    it('savepoint: false merges the inner block: its failure dooms the whole transaction', async () => {
      const error = await atomic(async () => {
        await Author.objects.create({ name: 'Outer', email: 'outer@example.com' })
        await atomic(
          async () => {
            await Author.objects.create({ name: 'Inner', email: 'inner@example.com' })
            throw new Error('inner')
          },
          { savepoint: false },
        ).catch(() => undefined)
      }).catch((e: unknown) => e)
      expect(error).toBeUndefined()
      expect(await Author.objects.count()).toBe(0)
    })

    it('setRollback(true) rolls back the innermost block without an error', async () => {
      const result = await atomic(async () => {
        await Author.objects.create({ name: 'Kept', email: 'kept@example.com' })
        await atomic(async () => {
          await Author.objects.create({ name: 'Undone', email: 'undone@example.com' })
          setRollback(true)
        })
        return 'resolved'
      })
      expect(result).toBe('resolved')
      expect(await authors()).toEqual(['kept@example.com'])
      await atomic(async () => {
        await Author.objects.create({ name: 'Dry run', email: 'dry@example.com' })
        setRollback(true)
      })
      expect(await authors()).toEqual(['kept@example.com'])
    })

    it('durable blocks commit when they end and refuse to be nested', async () => {
      await atomic(async () => Author.objects.create({ name: 'D', email: 'd@example.com' }), {
        durable: true,
      })
      expect(await Author.objects.count()).toBe(1)
      await atomic(async () => {
        await expect(atomic(async () => undefined, { durable: true })).rejects.toThrow(
          'A durable atomic block cannot be nested within another atomic block.',
        )
      })
    })

    it('onCommit callbacks run after the commit, in order, see the committed rows, and are dropped on rollback', async () => {
      const seen: string[] = []
      await atomic(async () => {
        const a = await Author.objects.create({ name: 'A', email: 'a@example.com' })
        onCommit(async () => {
          seen.push(`committed ${await Author.objects.filter({ pk: a.pk }).count()}`)
        })
        await atomic(async () => {
          onCommit(() => void seen.push('inner released'))
        })
        await atomic(async () => {
          onCommit(() => void seen.push('never: savepoint rolled back'))
          throw new Error('inner')
        }).catch(() => undefined)
        onCommit(() => void seen.push('last'))
        expect(seen).toEqual([])
      })
      expect(seen).toEqual(['committed 1', 'inner released', 'last'])
      await atomic(async () => {
        onCommit(() => void seen.push('never: rolled back'))
        throw new Error('outer')
      }).catch(() => undefined)
      expect(seen).toHaveLength(3)
    })

    it('a failing onCommit callback leaves the data committed and rejects atomic() with its error', async () => {
      const boom = new Error('mail server down')
      await expect(
        atomic(async () => {
          await Author.objects.create({ name: 'A', email: 'a@example.com' })
          onCommit(() => {
            throw boom
          })
        }),
      ).rejects.toBe(boom)
      expect(await Author.objects.count()).toBe(1)
    })

    it('concurrent blocks never share a connection: each sees only its own uncommitted rows (or they run one after the other)', async () => {
      const events: string[] = []
      const written = barrier(2)
      const counted = barrier(2)
      // Fresh unique keys: on InnoDB, inserting a key that an earlier test deleted (not yet purged)
      // takes next-key locks that can make the two inserts wait on each other.
      const run = `${Date.now()}${Math.floor(Math.random() * 1e6)}`
      const block = (name: string) =>
        atomic(async () => {
          events.push(`${name} start`)
          await Author.objects.create({ name, email: `${name}-${run}@example.com` })
          if (!ctx.features.serialisedTransactions) await written()
          const visible = await Author.objects.count()
          events.push(`${name} sees ${visible}`)
          // Neither commits before both have counted.
          if (!ctx.features.serialisedTransactions) await counted()
          return visible
        })
      const [a, b] = await Promise.all([block('a'), block('b')])
      expect(await Author.objects.count()).toBe(2)
      if (ctx.features.serialisedTransactions) {
        // One connection, queued blocks: the second starts after the first has committed.
        expect(events).toEqual(['a start', 'a sees 1', 'b start', 'b sees 2'])
      } else {
        expect([a, b]).toEqual([1, 1])
      }
    })

    it('a query outside the block waits for it where blocks are serialised, and runs at once elsewhere', async () => {
      const inside = signal()
      const finish = signal()
      const block = atomic(async () => {
        await Author.objects.create({ name: 'A', email: 'a@example.com' })
        inside.fire()
        await finish.wait
      })
      await inside.wait
      const outside = Author.objects.count()
      if (ctx.features.serialisedTransactions) setTimeout(() => finish.fire(), 100)
      // Serialised: the count waits for the commit and sees the row. Elsewhere it does not wait (read committed).
      expect(await outside).toBe(ctx.features.serialisedTransactions ? 1 : 0)
      finish.fire()
      await block
    })

    it('a block that awaits a query made outside its context does not deadlock', async () => {
      if (ctx.limitedPoolSize === 0) return expect(ctx.target.limitedPool).toBeUndefined()
      const start = signal()
      // The query's promise is created here, outside the block, so it does not join the block's transaction.
      const outside = start.wait.then(() => ctx.db.raw(sql`select 1 as one`, { using: 'limited' }))
      const began = Date.now()
      const result = await atomic(
        async () => {
          await ctx.db.raw(sql`select 2 as two`, { using: 'limited' })
          start.fire()
          return outside.then(
            (rows) => rows.length,
            (e: unknown) => e,
          )
        },
        { using: 'limited' },
      )
      expect(Date.now() - began).toBeLessThan(5000)
      // The only SQLite connection is the block's: the outside query gives up after busyTimeout.
      if (ctx.limitedPoolSize === 1) expect(result).toBeInstanceOf(OperationalError)
      else expect(result).toBe(1)
    })

    it('work a block leaves running runs outside it once it ends, in autocommit, even while another block is open', async () => {
      const gate = signal()
      let leftover!: Promise<boolean>
      await atomic(async () => {
        // Not awaited: it runs after the block has committed, in the block's async context.
        leftover = gate.wait.then(async () => {
          const inside = inAtomicBlock()
          await Tag.objects.create({ name: 'left-over' })
          return inside
        })
      })
      const hold = signal()
      const started = signal()
      const other = atomic(async () => {
        await Tag.objects.create({ name: 'other-block' })
        started.fire()
        await hold.wait
      })
      // The leftover starts while the other block runs (the transaction context is then switched on).
      await started.wait
      gate.fire()
      await new Promise((resolve) => setTimeout(resolve, 50))
      hold.fire()
      await other
      expect(await leftover).toBe(false)
      expect(await Tag.objects.filter({ name__in: ['left-over', 'other-block'] }).count()).toBe(2)
      // A leftover of a nested block runs in the enclosing block, which is still open.
      let inner!: Promise<number>
      await expect(
        atomic(async () => {
          await atomic(async () => {
            inner = Promise.resolve().then(async () => {
              await new Promise((resolve) => setTimeout(resolve, 10))
              await Tag.objects.create({ name: 'nested-left-over' })
              return Tag.objects.filter({ name: 'nested-left-over' }).count()
            })
          })
          expect(await inner).toBe(1)
          throw new Error('roll the outer block back')
        }),
      ).rejects.toThrow('roll the outer block back')
      expect(await Tag.objects.filter({ name: 'nested-left-over' }).count()).toBe(0)
    })

    it('isolation levels: repeatable read keeps its snapshot, read committed sees a concurrent commit', async () => {
      const a = await Author.objects.create({ name: 'A', email: 'a@example.com', age: 1 })
      const readTwice = async (isolation: 'repeatable read' | 'read committed') => {
        const firstRead = signal()
        const written = signal()
        const block = atomic(
          async () => {
            const before = (await Author.objects.get({ pk: a.pk })).age
            firstRead.fire()
            if (!ctx.features.serialisedTransactions) await written.wait
            return [before, (await Author.objects.get({ pk: a.pk })).age]
          },
          { isolation },
        )
        await firstRead.wait
        await Author.objects
          .filter({ pk: a.pk })
          .update({ age: (await Author.objects.get({ pk: a.pk })).age! + 1 })
        written.fire()
        return block
      }
      if (ctx.features.serialisedTransactions) {
        // SQLite runs every level as serializable: the writer waits for the block, which reads one value.
        expect(await readTwice('repeatable read')).toEqual([1, 1])
        expect(await readTwice('read committed')).toEqual([2, 2])
        for (const isolation of ['read uncommitted', 'serializable'] as const)
          expect(await atomic(async () => Author.objects.count(), { isolation })).toBe(1)
        return
      }
      expect(await readTwice('repeatable read')).toEqual([1, 1])
      expect(await readTwice('read committed')).toEqual([2, 3])
    })

    it('serializable blocks that conflict: one fails without retries; with retries both apply', async () => {
      const counter = await Sample.objects.create({ label: 'counter', count: 0 })
      const increment = (retries: number, wait: () => Promise<void>) => {
        let attempts = 0
        return atomic(
          async () => {
            attempts++
            const current = (await Sample.objects.get({ pk: counter.pk })).count!
            // Both read before either writes (first attempt only: a retry runs alone).
            if (attempts === 1 && !ctx.features.serialisedTransactions) await wait()
            await Sample.objects.filter({ pk: counter.pk }).update({ count: current + 1 })
          },
          { isolation: 'serializable', retries },
        )
      }
      const count = async () => (await Sample.objects.get({ pk: counter.pk })).count
      const noRetry = barrier(2)
      const outcomes = await Promise.allSettled([increment(0, noRetry), increment(0, noRetry)])
      const failures = outcomes
        .filter((o) => o.status === 'rejected')
        .map((o) => (o as PromiseRejectedResult).reason)
      if (ctx.features.serialisedTransactions) {
        expect(failures).toEqual([])
        expect(await count()).toBe(2)
      } else {
        expect(failures).toHaveLength(1)
        expect(failures[0] instanceof SerializationFailure || failures[0] instanceof DeadlockDetected).toBe(
          true,
        )
        expect(await count()).toBe(1)
      }
      await Sample.objects.filter({ pk: counter.pk }).update({ count: 0 })
      const withRetry = barrier(2)
      await Promise.all([increment(5, withRetry), increment(5, withRetry)])
      expect(await count()).toBe(2)
    })
  })
}
