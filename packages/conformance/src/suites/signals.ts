import {
  type DeleteArgs,
  type M2MChangedArgs,
  m2mChanged,
  postDelete,
  postSave,
  type PostSaveArgs,
  preDelete,
  preSave,
  TypeMismatchError,
} from '@strata/core'
import { afterEach, describe, expect, it } from 'vitest'
import type { ConformanceContext } from '../context.js'
import { Club, DEFAULT_DEL_R, DelA, DelB, DelR, DelS, DelT, DelU, Membership, Person, Publication, Reporter, Article } from '../relation-models.js'

/** Model signals: save, delete and many-to-many changes (Django's tests/signals and m2m_signals). */
export function signalSuite(ctx: ConformanceContext): void {
  describe('signals', () => {
    const offs: (() => void)[] = []
    /** Connects for the test only. */
    const on = (off: () => void) => offs.push(off)
    afterEach(() => {
      for (const off of offs.splice(0)) off()
    })

    it('preSave and postSave around inserts and updates, with created and updateFields', async () => {
      const log: string[] = []
      on(preSave.connect(({ instance, updateFields, using }) => void log.push(`pre ${instance.firstName} ${updateFields ?? '-'} ${using}`), { sender: Reporter }))
      on(
        postSave.connect(
          ({ instance, created, updateFields }) => {
            log.push(`post ${instance.firstName} ${created} ${updateFields ?? '-'} ${instance.pk !== null}`)
          },
          { sender: Reporter },
        ),
      )
      const r = await Reporter.objects.create({ firstName: 'John' })
      r.firstName = 'Johnny'
      await r.save({ updateFields: ['firstName'] })
      await r.save()
      await r.save({ updateFields: [] })
      expect(log).toEqual([
        'pre John - default',
        'post John true - true',
        'pre Johnny firstName default',
        'post Johnny false firstName true',
        'pre Johnny - default',
        'post Johnny false - true',
      ])
    })

    it('receivers connect for one model or for all, once, and disconnect', async () => {
      const mine: string[] = []
      const all: string[] = []
      const receiver = ({ instance }: PostSaveArgs<Reporter>) => void mine.push(instance.firstName)
      const off = postSave.connect(receiver, { sender: Reporter })
      postSave.connect(receiver, { sender: Reporter })
      on(off)
      on(postSave.connect(({ sender }) => void all.push(sender.meta.name)))
      const r = await Reporter.objects.create({ firstName: 'A' })
      await Article.objects.create({ headline: 'h', reporter: r })
      expect(mine).toEqual(['A'])
      expect(all).toEqual(['Reporter', 'Article'])
      expect(postSave.hasReceivers(Reporter.meta)).toBe(true)
      expect(postSave.disconnect(receiver, { sender: Reporter })).toBe(true)
      expect(postSave.disconnect(receiver)).toBe(false)
      await Reporter.objects.create({ firstName: 'B' })
      expect(mine).toEqual(['A'])
      expect(() => postSave.connect(receiver, { sender: 'Reporter' as never })).toThrow(TypeMismatchError)
      expect(() => postSave.connect('nope' as never)).toThrow(TypeMismatchError)
    })

    it('async receivers are awaited in the order they were connected', async () => {
      const log: string[] = []
      on(
        preSave.connect(
          async () => {
            log.push('first start')
            await new Promise((resolve) => setTimeout(resolve, 20))
            log.push('first end')
          },
          { sender: Reporter },
        ),
      )
      on(preSave.connect(() => void log.push('second'), { sender: Reporter }))
      await Reporter.objects.create({ firstName: 'A' })
      expect(log).toEqual(['first start', 'first end', 'second'])
    })

    it('a receiver error propagates: before saving nothing is written', async () => {
      on(
        preSave.connect(
          ({ instance }) => {
            if (instance.firstName === 'bad') throw new Error('refused by receiver')
          },
          { sender: Reporter },
        ),
      )
      await ctx.expectRejectsUnchanged(Reporter, () => Reporter.objects.create({ firstName: 'bad' }), Error, 'refused by receiver')
      on(postSave.connect(() => Promise.reject(new Error('after the write')), { sender: Reporter }))
      await expect(Reporter.objects.create({ firstName: 'good' })).rejects.toThrow('after the write')
      expect(await Reporter.objects.filter({ firstName: 'good' }).count()).toBe(1)
    })

    it('are not sent by update(), bulkCreate(), bulkUpdate() or a bulk reverse add()', async () => {
      const log: string[] = []
      const r = await Reporter.objects.create({ firstName: 'A' })
      const a = await Article.objects.create({ headline: 'h', reporter: r })
      on(preSave.connect(({ sender }) => void log.push(`pre ${sender.meta.name}`)))
      on(postSave.connect(({ sender }) => void log.push(`post ${sender.meta.name}`)))
      await Reporter.objects.filter({ pk: r.pk }).update({ lastName: 'x' })
      const made = await Reporter.objects.bulkCreate([{ firstName: 'B' }, { firstName: 'C' }])
      await Reporter.objects.bulkUpdate(made, ['firstName'])
      const other = await Reporter.objects.bulkCreate([{ firstName: 'D' }])
      await other[0]!.articleSet.add(a)
      expect(log).toEqual([])
      await r.articleSet.add(a, { bulk: false })
      expect(log).toEqual(['pre Article', 'post Article'])
    })

    async function chain() {
      await DelR.objects.create({ id: DEFAULT_DEL_R, name: 'default' })
      const r = await DelR.objects.create({ name: 'r' })
      const s = await DelS.objects.create({ r })
      const t = await DelT.objects.create({ s })
      const u = await DelU.objects.create({ t })
      await u.rs.add(r)
      return { r, s, t, u }
    }

    it('preDelete and postDelete for every deleted object, children first, inside the transaction', async () => {
      const { r } = await chain()
      const log: string[] = []
      type Counting = { objects: { filter(q: object): { count(): Promise<number> } } }
      const receiver = (phase: string) => async ({ sender, instance }: DeleteArgs<object>) => {
        const rows = await (sender as unknown as Counting).objects.filter({ pk: (instance as DelR).pk }).count()
        log.push(`${phase} ${sender.meta.name} ${rows}`)
      }
      on(preDelete.connect(receiver('pre')))
      on(postDelete.connect(receiver('post')))
      const result = await r.delete()
      expect(result.total).toBe(5)
      // Join rows of auto-created tables send no signal, as in Django.
      expect(log).toEqual(['pre DelU 1', 'pre DelT 1', 'pre DelS 1', 'pre DelR 1', 'post DelU 0', 'post DelT 0', 'post DelS 0', 'post DelR 0'])
    })

    it('instance.delete() gives receivers that very instance, as origin too; the fast path is not taken', async () => {
      const { r } = await chain()
      const a = await DelA.objects.create({ name: 'a', cascade: r })
      await DelB.objects.create({ a })
      const seen: unknown[] = []
      const origins: unknown[] = []
      on(
        preDelete.connect(
          ({ instance, origin }) => {
            seen.push(instance)
            origins.push(origin)
          },
          { sender: DelA },
        ),
      )
      on(postDelete.connect(({ instance }) => void seen.push(instance.pk), { sender: DelB }))
      expect((await a.delete()).perModel).toEqual({ DelA: 1, DelB: 1 })
      expect(seen[0]).toBe(a)
      expect(seen[1]).toEqual(expect.any(Number))
      expect(origins).toEqual([a])
    })

    it('a receiver error rolls the whole delete back', async () => {
      const { r } = await chain()
      on(
        postDelete.connect(
          () => {
            throw new Error('stop')
          },
          { sender: DelS },
        ),
      )
      await ctx.expectRejectsUnchanged(DelT, () => r.delete(), Error, 'stop')
      expect(await DelR.objects.filter({ pk: r.pk }).count()).toBe(1)
      expect(await DelU.objects.count()).toBe(1)
    })

    it('m2mChanged around add, remove, set and clear, from both sides', async () => {
      const log: string[] = []
      const a = await Article.objects.create({ headline: 'h', reporter: await Reporter.objects.create({ firstName: 'R' }) })
      const p1 = await Publication.objects.create({ title: 'One' })
      const p2 = await Publication.objects.create({ title: 'Two' })
      const through = (Article.meta.field('publications') as unknown as { through: { cls: unknown } }).through
      const events: M2MChangedArgs[] = []
      on(
        m2mChanged.connect((e) => {
          events.push(e)
          log.push(`${e.action} ${e.reverse} ${e.model.meta.name} ${e.pkSet === null ? 'null' : [...e.pkSet].sort().join(',')}`)
        }),
      )
      await a.publications.add(p1)
      await a.publications.add(p1, p2)
      await p1.articleSet.remove(a)
      await a.publications.set([p1])
      await a.publications.clear()
      expect(log).toEqual([
        `preAdd false Publication ${p1.pk}`,
        `postAdd false Publication ${p1.pk}`,
        `preAdd false Publication ${p2.pk}`,
        `postAdd false Publication ${p2.pk}`,
        `preRemove true Article ${a.pk}`,
        `postRemove true Article ${a.pk}`,
        `preRemove false Publication ${p2.pk}`,
        `postRemove false Publication ${p2.pk}`,
        `preAdd false Publication ${p1.pk}`,
        `postAdd false Publication ${p1.pk}`,
        'preClear false Publication null',
        'postClear false Publication null',
      ])
      expect(events[0]!.sender).toBe(through.cls)
      expect(events[0]!.instance).toBe(a)
      expect(events[4]!.instance).toBe(p1)
    })

    it('m2mChanged once per change of a symmetrical relation, and with the join model as sender for through models', async () => {
      const ann = await Person.objects.create({ name: 'Ann' })
      const bob = await Person.objects.create({ name: 'Bob' })
      const club = await Club.objects.create({ name: 'Chess' })
      const log: string[] = []
      on(m2mChanged.connect((e) => void log.push(`${e.sender.meta.name} ${e.action}`)))
      await ann.friends.add(bob)
      expect(log).toEqual(['PersonFriends preAdd', 'PersonFriends postAdd'])
      const mine: string[] = []
      on(m2mChanged.connect((e) => void mine.push(e.action), { sender: Membership }))
      await club.members.add(ann, { throughDefaults: { level: 1 } })
      expect(mine).toEqual(['preAdd', 'postAdd'])
    })
  })
}
