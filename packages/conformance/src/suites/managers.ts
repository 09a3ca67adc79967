import {
  FieldError,
  ForeignKeyViolation,
  NotNullViolation,
  QuerySet,
  RelationNotLoaded,
  setPrefetchedRows,
  TypeMismatchError,
} from '@strata/core'
import { describe, expect, it } from 'vitest'
import { type ConformanceContext, sorted } from '../context.js'
import { Article, Club, Membership, Person, Place, Publication, Reporter, Restaurant } from '../relation-models.js'

function names(rows: readonly { toString(): string }[]): string[] {
  return sorted(rows.map(String))
}

/** Statements that touch data (transaction control left out), for query-count checks. */
async function dataQueries(ctx: ConformanceContext, fn: () => unknown): Promise<string[]> {
  return (await ctx.queries(fn)).filter((q) => /^\s*(select|insert|update|delete)\b/i.test(q))
}

/** Related managers (Django's tests/many_to_one, many_to_many, one_to_one, m2m_through). */
export function managerSuite(ctx: ConformanceContext): void {
  describe('reverse foreign-key managers', () => {
    async function newsroom() {
      const john = await Reporter.objects.create({ firstName: 'John', lastName: 'Smith' })
      const paul = await Reporter.objects.create({ firstName: 'Paul', lastName: 'Jones' })
      const a1 = await Article.objects.create({ headline: 'This is a test', reporter: john })
      const a2 = await Article.objects.create({ headline: 'Second', reporter: john, editor: paul })
      const a3 = await Article.objects.create({ headline: 'Paul wrote this', reporter: paul })
      return { john, paul, a1, a2, a3 }
    }

    it('all(), filter(), exclude(), count() and exists() are narrowed to the instance', async () => {
      const { john, paul } = await newsroom()
      expect(names(await john.articleSet.all())).toEqual(['Second', 'This is a test'])
      expect(names(await john.articleSet.filter({ headline__startswith: 'This' }))).toEqual(['This is a test'])
      expect(names(await john.articleSet.exclude({ headline__startswith: 'This' }))).toEqual(['Second'])
      expect(await john.articleSet.count()).toBe(2)
      expect(await paul.articleSet.exists()).toBe(true)
      expect(await paul.edited.count()).toBe(1)
      const nobody = await Reporter.objects.create({ firstName: 'Nobody' })
      expect(await nobody.articleSet.exists()).toBe(false)
      expect(await john.articleSet.get({ headline: 'Second' })).toBeInstanceOf(Article)
      await expect(john.articleSet.get({ headline: 'Paul wrote this' })).rejects.toBeInstanceOf(Article.DoesNotExist)
    })

    it('a manager is lazy: filter() returns a QuerySet and runs nothing until awaited', async () => {
      const { john } = await newsroom()
      let qs: unknown
      const sent = await dataQueries(ctx, () => {
        qs = john.articleSet.filter({ headline__icontains: 'test' }).orderBy('headline')
      })
      expect(sent).toEqual([])
      expect(qs).toBeInstanceOf(QuerySet)
      expect(names(await (qs as QuerySet<Article>))).toEqual(['This is a test'])
      expect(names(await Reporter.objects.filter({ article__headline: 'Second' }))).toEqual(['John'])
    })

    it('create(), getOrCreate() and updateOrCreate() set the foreign key', async () => {
      const { john, paul } = await newsroom()
      const a = await john.articleSet.create({ headline: 'Created' })
      expect(a.reporterId).toBe(john.id)
      expect((await Article.objects.get({ headline: 'Created' })).reporterId).toBe(john.id)
      const [same, created] = await john.articleSet.getOrCreate({ headline: 'Created' })
      expect(created).toBe(false)
      expect(same.pk).toBe(a.pk)
      // The lookup is scoped to the relation: Paul has no 'Created' article, so one is made for him.
      const [other, made] = await paul.articleSet.getOrCreate({ headline: 'Created' })
      expect(made).toBe(true)
      expect(other.reporterId).toBe(paul.id)
      const [updated, created2] = await john.articleSet.updateOrCreate({ headline: 'Created' }, { defaults: { headline: 'Renamed' } })
      expect(created2).toBe(false)
      expect(updated.pk).toBe(a.pk)
      expect(names(await john.articleSet.all())).toEqual(['Renamed', 'Second', 'This is a test'])
      const [fresh, created3] = await john.articleSet.updateOrCreate({ headline: 'Brand new' })
      expect(created3).toBe(true)
      expect(fresh.reporterId).toBe(john.id)
    })

    it('add() moves saved objects to the instance in one UPDATE and updates them in memory', async () => {
      const { john, paul, a3 } = await newsroom()
      const sent = await dataQueries(ctx, () => john.articleSet.add(a3))
      expect(sent).toHaveLength(1)
      expect(sent[0]).toMatch(/^\s*update/i)
      expect(a3.reporterId).toBe(john.id)
      expect(await paul.articleSet.count()).toBe(0)
      expect(await john.articleSet.count()).toBe(3)
    })

    it('add() refuses unsaved objects (unless bulk: false saves them) and objects of another model', async () => {
      const { john, paul } = await newsroom()
      const draft = new Article({ headline: 'Draft', reporter: paul })
      await ctx.expectRejectsUnchanged(Article, () => john.articleSet.add(draft), TypeMismatchError, /isn't saved\. Use bulk: false/)
      await ctx.expectRejectsUnchanged(Article, () => john.articleSet.add(paul as never), TypeMismatchError, /'Article' instance expected, got <Reporter: Paul>/)
      await ctx.expectRejectsUnchanged(Article, () => john.articleSet.add(7 as never), TypeMismatchError, /'Article' instance expected/)
      await john.articleSet.add(draft, { bulk: false })
      expect(draft.pk).not.toBeNull()
      expect((await Article.objects.get({ headline: 'Draft' })).reporterId).toBe(john.id)
    })

    it('with a non-null key, remove() and clear() do not exist and set() only adds', async () => {
      const { john, paul, a3 } = await newsroom()
      const manager = john.articleSet as unknown as Record<string, unknown>
      expect(manager.remove).toBeUndefined()
      expect(manager.clear).toBeUndefined()
      await john.articleSet.set([a3])
      expect(await john.articleSet.count()).toBe(3)
      expect(await paul.articleSet.count()).toBe(0)
    })

    it('with a nullable key, remove() and clear() set it to null, and set() computes the difference', async () => {
      const { john, paul, a1, a2, a3 } = await newsroom()
      await paul.edited.add(a1, a3)
      expect(names(await paul.edited.all())).toEqual(['Paul wrote this', 'Second', 'This is a test'])
      await paul.edited.remove(a2)
      expect(a2.editorId).toBeNull()
      expect(names(await paul.edited.all())).toEqual(['Paul wrote this', 'This is a test'])
      const err = await ctx.expectRejectsUnchanged(Article, () => john.edited.remove(a1), Article.DoesNotExist, /is not related to <Reporter: John>/)
      expect(err).toBeInstanceOf(Article.DoesNotExist)
      await paul.edited.set([a2, a3])
      expect(names(await paul.edited.all())).toEqual(['Paul wrote this', 'Second'])
      expect((await Article.objects.get({ pk: a1.pk })).editorId).toBeNull()
      await paul.edited.set([a1], { clear: true })
      expect(names(await paul.edited.all())).toEqual(['This is a test'])
      await paul.edited.clear()
      expect(await Article.objects.filter({ editor__isnull: false }).count()).toBe(0)
      expect(await Article.objects.count()).toBe(3)
      await paul.edited.add(a1, a2)
      await paul.edited.clear({ bulk: false })
      expect(await paul.edited.count()).toBe(0)
    })

    it('an unsaved instance cannot use its managers, and managers cannot be assigned', async () => {
      const draft = new Reporter({ firstName: 'Draft' })
      expect(() => draft.articleSet).toThrow(TypeMismatchError)
      expect(() => draft.articleSet).toThrow('<Reporter: Draft> needs to have a value for field "id" before this relationship can be used.')
      const { john } = await newsroom()
      expect(() => {
        ;(john as unknown as Record<string, unknown>).articleSet = []
      }).toThrow(/Direct assignment to the reverse side of a related set is prohibited\. Use articleSet\.set\(\) instead\./)
    })

    it('answers all(), count() and exists() from prefetched rows, and forgets them when the relation changes', async () => {
      const { john, a3 } = await newsroom()
      const rows = await Article.objects.filter({ reporter: john })
      setPrefetchedRows(john, 'articleSet', rows)
      let got: Article[] = []
      const sent = await dataQueries(ctx, async () => {
        got = await john.articleSet.all()
        expect(await john.articleSet.count()).toBe(2)
        expect(await john.articleSet.exists()).toBe(true)
      })
      expect(sent).toEqual([])
      expect(got.map((a) => a.pk)).toEqual(rows.map((a) => a.pk))
      // filter() on a prefetched manager runs a new query, as in Django.
      expect(await dataQueries(ctx, () => john.articleSet.filter({ headline: 'Second' }).then(() => undefined))).toHaveLength(1)
      await john.articleSet.add(a3)
      expect(await dataQueries(ctx, () => john.articleSet.count())).toHaveLength(1)
      expect(await john.articleSet.count()).toBe(3)
    })
  })

  describe('many-to-many managers', () => {
    async function press() {
      const science = await Publication.objects.create({ title: 'Science News' })
      const nature = await Publication.objects.create({ title: 'Nature' })
      const weekly = await Publication.objects.create({ title: 'Weekly' })
      const john = await Reporter.objects.create({ firstName: 'John' })
      const a1 = await Article.objects.create({ headline: 'Django lets you build web apps', reporter: john })
      const a2 = await Article.objects.create({ headline: 'NASA uses Python', reporter: john })
      return { science, nature, weekly, john, a1, a2 }
    }

    it('add() takes instances or primary keys and ignores pairs that exist already', async () => {
      const { science, nature, a1 } = await press()
      await a1.publications.add(science, nature.id)
      await a1.publications.add(science)
      expect(names(await a1.publications.all())).toEqual(['Nature', 'Science News'])
      expect(await a1.publications.count()).toBe(2)
      const through = (Article.meta.field('publications') as unknown as { through: { dbTable: string; pk: { column: string } } }).through
      expect(await ctx.rawRows({ meta: through })).toHaveLength(2)
    })

    it('both sides see the relation: forward field and reverse <model>Set', async () => {
      const { science, nature, a1, a2 } = await press()
      await a1.publications.add(science, nature)
      await science.articleSet.add(a2)
      expect(names(await science.articleSet.all())).toEqual(['Django lets you build web apps', 'NASA uses Python'])
      expect(names(await a2.publications.all())).toEqual(['Science News'])
      expect(names(await nature.articleSet.filter({ headline__contains: 'Django' }))).toEqual(['Django lets you build web apps'])
      expect(names(await Article.objects.filter({ publications__title: 'Nature' }))).toEqual(['Django lets you build web apps'])
      expect(names(await Publication.objects.filter({ article__headline__startswith: 'NASA' }))).toEqual(['Science News'])
    })

    it('remove(), clear() and set() (a difference, or clear then add) change only this instance\'s pairs', async () => {
      const { science, nature, weekly, a1, a2 } = await press()
      await a1.publications.add(science, nature, weekly)
      await a2.publications.add(science)
      await a1.publications.remove(nature, weekly.id)
      expect(names(await a1.publications.all())).toEqual(['Science News'])
      await a1.publications.set([nature, weekly.id])
      expect(names(await a1.publications.all())).toEqual(['Nature', 'Weekly'])
      await a1.publications.set(Publication.objects.filter({ title: 'Weekly' }), { clear: true })
      expect(names(await a1.publications.all())).toEqual(['Weekly'])
      await science.articleSet.clear()
      expect(await science.articleSet.count()).toBe(0)
      expect(names(await a1.publications.all())).toEqual(['Weekly'])
      await a1.publications.clear()
      expect(await a1.publications.count()).toBe(0)
      expect(await Publication.objects.count()).toBe(3)
    })

    it('create(), getOrCreate() and updateOrCreate() relate the object they make', async () => {
      const { a1, a2 } = await press()
      const p = await a1.publications.create({ title: 'Created' })
      expect(names(await p.articleSet.all())).toEqual(['Django lets you build web apps'])
      const [same, created] = await a1.publications.getOrCreate({ title: 'Created' })
      expect([same.pk, created]).toEqual([p.pk, false])
      const [other, made] = await a2.publications.getOrCreate({ title: 'Other' })
      expect(made).toBe(true)
      expect(names(await other.articleSet.all())).toEqual(['NASA uses Python'])
      const [renamed, created2] = await a2.publications.updateOrCreate({ title: 'Other' }, { defaults: { title: 'Other 2' } })
      expect([renamed.pk, created2]).toEqual([other.pk, false])
      expect(names(await a2.publications.all())).toEqual(['Other 2'])
    })

    it('refuses other models, unsaved objects, wrong key types and unknown keys, changing nothing', async () => {
      const { science, a1, john } = await press()
      const through = (Article.meta.field('publications') as unknown as { through: { dbTable: string; pk: { column: string } } }).through
      const table = { meta: through }
      await ctx.expectRejectsUnchanged(table, () => a1.publications.add(john as never), TypeMismatchError, /'Publication' instance expected, got <Reporter: John>/)
      await ctx.expectRejectsUnchanged(table, () => a1.publications.add(new Publication({ title: 'unsaved' })), TypeMismatchError, /no primary key/)
      await ctx.expectRejectsUnchanged(table, () => a1.publications.add('1; drop table publication' as never), TypeMismatchError)
      await ctx.expectRejectsUnchanged(table, () => a1.publications.add(null as never), TypeMismatchError)
      await ctx.expectRejectsUnchanged(table, () => a1.publications.add(science, 99999999), ForeignKeyViolation)
      await ctx.expectRejectsUnchanged(table, () => a1.publications.add(science, { through: 1 } as never), TypeMismatchError, /Unknown option/)
      expect(await Publication.objects.count()).toBe(3)
      const draft = new Article({ headline: 'draft', reporter: john })
      expect(() => draft.publications).toThrow('needs to have a value for field "id" before this many-to-many relationship can be used.')
      expect(() => {
        ;(a1 as unknown as Record<string, unknown>).publications = [science]
      }).toThrow(/Direct assignment to the forward side of a many-to-many set is prohibited\. Use publications\.set\(\) instead\./)
      expect(() => a1.related('nope' as never)).toThrow(/has no related manager or reverse relation "nope"/)
    })

    it('a self relation is symmetrical by default: adding a to b adds b to a', async () => {
      const [ann, bob, cy] = await Promise.all(['Ann', 'Bob', 'Cy'].map((name) => Person.objects.create({ name })))
      await ann!.friends.add(bob!, cy!)
      expect(names(await bob!.friends.all())).toEqual(['Ann'])
      expect(names(await ann!.friends.all())).toEqual(['Bob', 'Cy'])
      await bob!.friends.remove(ann!)
      expect(names(await ann!.friends.all())).toEqual(['Cy'])
      expect(await bob!.friends.count()).toBe(0)
      await cy!.friends.clear()
      expect(await ann!.friends.count()).toBe(0)
      expect(names(await Person.objects.filter({ friends__name: 'Bob' }))).toEqual([])
    })

    it('symmetrical: false keeps one direction, with the reverse accessor on the other side', async () => {
      const ann = await Person.objects.create({ name: 'Ann' })
      const bob = await Person.objects.create({ name: 'Bob' })
      await ann.idols.add(bob)
      expect(names(await ann.idols.all())).toEqual(['Bob'])
      expect(await bob.idols.count()).toBe(0)
      expect(names(await bob.fans.all())).toEqual(['Ann'])
      expect(await ann.fans.count()).toBe(0)
      expect(names(await Person.objects.filter({ fans__name: 'Ann' }))).toEqual(['Bob'])
    })

    it('answers from prefetched rows until the relation changes', async () => {
      const { science, nature, a1 } = await press()
      await a1.publications.add(science)
      setPrefetchedRows(a1, 'publications', [science])
      expect(await dataQueries(ctx, () => a1.publications.all().then(() => undefined))).toEqual([])
      await a1.publications.add(nature)
      expect(names(await a1.publications.all())).toEqual(['Nature', 'Science News'])
    })

    it('related(name) returns the same managers by accessor name', async () => {
      const { science, a1 } = await press()
      await a1.related('publications').add(science)
      expect(names(await science.related('articleSet').all())).toEqual(['Django lets you build web apps'])
    })
  })

  describe('many-to-many through a model with extra fields', () => {
    it('add() fills the join row from throughDefaults (values or functions) and field defaults', async () => {
      const club = await Club.objects.create({ name: 'Chess' })
      const ann = await Person.objects.create({ name: 'Ann' })
      const bob = await Person.objects.create({ name: 'Bob' })
      await club.members.add(ann, { throughDefaults: { level: 2 } })
      await club.members.add(bob, { throughDefaults: { level: () => 5, role: 'chair', invitedBy: ann } })
      const rows = await Membership.objects.orderBy('level')
      expect(rows.map((m) => [m.level, m.role, m.invitedById])).toEqual([
        [2, 'member', null],
        [5, 'chair', ann.id],
      ])
      expect(rows[0]!.joined).toBeInstanceOf(Date)
      expect(names(await club.members.all())).toEqual(['Ann', 'Bob'])
      expect(names(await ann.clubs.all())).toEqual(['Chess'])
      // The join model's own keys have their reverse managers too.
      expect(await ann.invitations.count()).toBe(1)
      expect(await ann.membershipSet.count()).toBe(1)
    })

    it('add() without values for required extra fields fails in the database and writes nothing', async () => {
      const club = await Club.objects.create({ name: 'Chess' })
      const ann = await Person.objects.create({ name: 'Ann' })
      const bob = await Person.objects.create({ name: 'Bob' })
      await ctx.expectRejectsUnchanged(Membership, () => club.members.add(ann, bob), NotNullViolation)
      await ctx.expectRejectsUnchanged(Membership, () => club.members.add(ann, { throughDefaults: { nope: 1 } }), FieldError, /unexpected field "nope"/)
      await ctx.expectRejectsUnchanged(Membership, () => club.members.add(ann, { throughDefaults: { level: 'high' } }), TypeMismatchError)
      expect(await Membership.objects.count()).toBe(0)
    })

    it('set(), remove(), clear() and create() work from both sides', async () => {
      const chess = await Club.objects.create({ name: 'Chess' })
      const go = await Club.objects.create({ name: 'Go' })
      const ann = await Person.objects.create({ name: 'Ann' })
      const bob = await Person.objects.create({ name: 'Bob' })
      await chess.members.set([ann, bob], { throughDefaults: { level: 1 } })
      await ann.clubs.add(go, { throughDefaults: { level: 9 } })
      expect(names(await ann.clubs.all())).toEqual(['Chess', 'Go'])
      expect((await Membership.objects.get({ club: go })).level).toBe(9)
      await chess.members.remove(bob)
      expect(names(await chess.members.all())).toEqual(['Ann'])
      const cy = await chess.members.create({ name: 'Cy' }, { throughDefaults: { level: 3 } })
      expect(names(await cy.clubs.all())).toEqual(['Chess'])
      await ann.clubs.clear()
      expect(names(await chess.members.all())).toEqual(['Cy'])
      expect(await Membership.objects.count()).toBe(1)
    })
  })

  describe('reverse one-to-one', () => {
    it('is an attribute: loaded by load(), absent means DoesNotExist, not loaded means RelationNotLoaded', async () => {
      const place = await Place.objects.create({ name: 'Demon Dogs' })
      const empty = await Place.objects.create({ name: 'Ace Hardware' })
      const r = await Restaurant.objects.create({ place, servesPizza: true })
      expect(() => place.restaurant).toThrow(RelationNotLoaded)
      expect(() => place.restaurant).toThrow(/load\('restaurant'\)/)
      await place.load('restaurant')
      expect(place.restaurant.pk).toBe(r.pk)
      await empty.load('restaurant')
      expect(() => empty.restaurant).toThrow(Restaurant.DoesNotExist)
      expect(() => empty.restaurant).toThrow('Place has no restaurant.')
      expect(() => new Place({ name: 'unsaved' }).restaurant).toThrow(Restaurant.DoesNotExist)
      expect(names(await Place.objects.filter({ restaurant__servesPizza: true }))).toEqual(['Demon Dogs'])
    })

    it('assigning it points the other object at this one', async () => {
      const place = await Place.objects.create({ name: 'Demon Dogs' })
      const r = new Restaurant({ servesPizza: false })
      place.restaurant = r
      expect(r.placeId).toBe(place.id)
      expect(place.restaurant).toBe(r)
      await r.save()
      expect((await Restaurant.objects.get({ place })).pk).toBe(r.pk)
      expect(() => {
        place.restaurant = place as never
      }).toThrow(TypeMismatchError)
    })
  })
}
