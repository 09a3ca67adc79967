import { ForeignKeyViolation, ProtectedError, RestrictedError } from '@strata/core'
import { describe, expect, it } from 'vitest'
import { type ConformanceContext, sorted } from '../context.js'
import { Club, DEFAULT_DEL_R, DelA, DelB, DelR, DelS, DelT, DelU, Membership, Person } from '../relation-models.js'

/** Statements that touch data (transaction control left out), for query-count checks. */
async function dataQueries(ctx: ConformanceContext, fn: () => unknown): Promise<string[]> {
  return (await ctx.queries(fn)).filter((q) => /^\s*(select|insert|update|delete)\b/i.test(q))
}

/** Deletion (Django's tests/delete): every onDelete rule at any depth, join rows, counts, fast paths, atomicity. */
export function deletionSuite(ctx: ConformanceContext): void {
  describe('deletion', () => {
    async function chain() {
      await DelR.objects.create({ id: DEFAULT_DEL_R, name: 'default' })
      const r = await DelR.objects.create({ name: 'r' })
      const other = await DelR.objects.create({ name: 'other' })
      const s = await DelS.objects.create({ r })
      const t = await DelT.objects.create({ s })
      const u = await DelU.objects.create({ t })
      await u.rs.add(r, other)
      return { r, other, s, t, u }
    }

    it('CASCADE follows every level and counts each model, join rows included', async () => {
      const { r, other } = await chain()
      const result = await r.delete()
      expect(result).toEqual({ total: 6, perModel: { DelR: 1, DelS: 1, DelT: 1, DelU: 1, DelURs: 2 } })
      expect(r.pk).toBeNull()
      expect(await DelU.objects.count()).toBe(0)
      expect(sorted((await DelR.objects.all()).map((x) => x.name))).toEqual(['default', 'other'])
      expect(await other.related('us').count()).toBe(0)
    })

    it('each rule on one model: CASCADE (hidden relations too), SET_NULL, SET_DEFAULT, and deeper cascades', async () => {
      const { r } = await chain()
      const cascaded = await DelA.objects.create({ name: 'cascade', cascade: r })
      await DelB.objects.create({ a: cascaded })
      await DelA.objects.create({ name: 'hidden', hidden: r })
      const setnull = await DelA.objects.create({ name: 'setnull', setnull: r })
      const setdefault = await DelA.objects.create({ name: 'setdefault', setdefault: r })
      const result = await DelR.objects.filter({ pk: r.pk }).delete()
      expect(result.perModel).toEqual({ DelR: 1, DelS: 1, DelT: 1, DelU: 1, DelURs: 2, DelA: 2, DelB: 1 })
      expect(result.total).toBe(9)
      expect(sorted((await DelA.objects.all()).map((a) => a.name))).toEqual(['setdefault', 'setnull'])
      expect((await DelA.objects.get({ pk: setnull.pk })).setnullId).toBeNull()
      expect((await DelA.objects.get({ pk: setdefault.pk })).setdefaultId).toBe(DEFAULT_DEL_R)
    })

    it('PROTECT reports every protected object and deletes nothing', async () => {
      const { r } = await chain()
      const a1 = await DelA.objects.create({ name: 'p1', protect: r })
      const a2 = await DelA.objects.create({ name: 'p2', protect: r })
      const err = (await ctx.expectRejectsUnchanged(DelS, () => r.delete(), ProtectedError)) as ProtectedError
      expect(err.message).toBe("Cannot delete some instances of model 'DelR' because they are referenced through protected foreign keys: 'DelA.protect'.")
      expect(sorted(err.protectedObjects.map((o) => (o as DelA).pk))).toEqual(sorted([a1.pk, a2.pk]))
      expect(r.pk).not.toBeNull()
      expect(await DelR.objects.filter({ pk: r.pk }).count()).toBe(1)
      expect(await DelU.objects.count()).toBe(1)
    })

    it('RESTRICT blocks, unless the restricting row is deleted through a CASCADE path of the same delete', async () => {
      const { r, other } = await chain()
      const both = await DelA.objects.create({ name: 'both', restrict: r, cascade: r })
      expect((await r.delete()).perModel.DelA).toBe(1)
      expect(await DelA.objects.filter({ pk: both.pk }).count()).toBe(0)
      const elsewhere = await DelR.objects.create({ name: 'elsewhere' })
      const a = await DelA.objects.create({ name: 'restricted', restrict: other, cascade: elsewhere })
      const err = (await ctx.expectRejectsUnchanged(DelA, () => other.delete(), RestrictedError)) as RestrictedError
      expect(err.message).toBe("Cannot delete some instances of model 'DelR' because they are referenced through restricted foreign keys: 'DelA.restrict'.")
      expect(err.restrictedObjects.map((o) => (o as DelA).pk)).toEqual([a.pk])
      // Deleting both parents in one query deletes the restricting row through its CASCADE key.
      const result = await DelR.objects.filter({ pk__in: [other.pk, elsewhere.pk] }).delete()
      expect(result.perModel).toMatchObject({ DelR: 2, DelA: 1 })
    })

    it('many-to-many join rows go with either side, custom and symmetrical join models included', async () => {
      const ann = await Person.objects.create({ name: 'Ann' })
      const bob = await Person.objects.create({ name: 'Bob' })
      const cy = await Person.objects.create({ name: 'Cy' })
      await ann.friends.add(bob, cy)
      await bob.idols.add(ann)
      const club = await Club.objects.create({ name: 'Chess' })
      await club.members.add(ann, bob, { throughDefaults: { level: 1 } })
      await Membership.objects.filter({ person: bob }).update({ invitedBy: ann.id })
      const result = await ann.delete()
      expect(result.perModel).toEqual({ Person: 1, PersonFriends: 4, PersonIdols: 1, Membership: 1 })
      expect(await bob.friends.count()).toBe(0)
      expect((await Membership.objects.get({ person: bob })).invitedById).toBeNull()
      expect((await club.delete()).perModel).toEqual({ Club: 1, Membership: 1 })
      expect(await Person.objects.count()).toBe(2)
    })

    it('deletes rows nothing depends on in bulk, without loading them', async () => {
      const { r } = await chain()
      const a = await DelA.objects.create({ name: 'a', cascade: r })
      await DelB.objects.create({ a })
      await DelB.objects.create({ a })
      const b = await DelB.objects.create({ a })
      const one = await dataQueries(ctx, () => DelB.objects.filter({ pk: b.pk }).delete())
      expect(one).toHaveLength(1)
      expect(one[0]).toMatch(/^\s*delete/i)
      let result = { total: 0, perModel: {} as Record<string, number> }
      const sent = await dataQueries(ctx, async () => {
        result = await DelA.objects.filter({ pk: a.pk }).delete()
      })
      expect(result).toEqual({ total: 3, perModel: { DelA: 1, DelB: 2 } })
      expect(sent.filter((q) => /^\s*select/i.test(q) && /del_b/i.test(q))).toEqual([])
    })

    it('is atomic: a failure part way leaves every row as it was', async () => {
      const { r } = await chain()
      await DelA.objects.create({ name: 'cascade', cascade: r })
      // DO_NOTHING leaves the row pointing at r; its foreign-key constraint makes the whole delete fail.
      await DelA.objects.create({ name: 'donothing', donothing: r })
      await ctx.expectRejectsUnchanged(DelS, () => r.delete(), ForeignKeyViolation)
      expect(await DelA.objects.count()).toBe(2)
      expect(await DelU.objects.count()).toBe(1)
      expect(await r.related('us').count()).toBe(1)
      expect(r.pk).not.toBeNull()
    })

    it('delete() on nothing, and on an unsaved instance', async () => {
      expect(await DelR.objects.filter({ name: 'missing' }).delete()).toEqual({ total: 0, perModel: {} })
      expect(await DelR.objects.none().delete()).toEqual({ total: 0, perModel: {} })
      await expect(new DelR({ name: 'x' }).delete()).rejects.toThrow(/can't be deleted because its id attribute is not set/)
    })
  })
}
