import { f, FieldError, ForeignKeyViolation, getModel, model, NotSupportedError, UniqueViolation } from '@strata/core'
import {
  addField,
  addIndex,
  alterField,
  createModel,
  type Migration,
  migrate,
  MigrationError,
  MigrationSet,
  migration,
  noop,
  pushSchema,
  renameField,
  renameIndex,
  runCode,
  runSQL,
  schemaEditorFor,
  separateDatabaseAndState,
} from '@strata/migrations'
import { sql } from '@strata/query'
import { afterEach, describe, expect, it } from 'vitest'
import type { ConformanceContext } from '../context.js'

type Row = Record<string, unknown>

const insert = (ctx: ConformanceContext, table: string, values: Row) =>
  ctx.db.raw(sql`insert into ${sql.table(table)} (${sql.join(Object.keys(values).map((k) => sql.id(k)))}) values (${sql.join(Object.values(values))})`)

const rows = (ctx: ConformanceContext, table: string) => ctx.db.raw<Row>(sql`select * from ${sql.table(table)} order by ${sql.id('id')}`)

function history(...migs: [string, Migration][]): MigrationSet {
  return new MigrationSet(new Map(migs))
}

const initial = () =>
  migration({
    operations: [
      createModel({ name: 'MhWriter', fields: { id: f.auto(), name: f.char({ maxLength: 20 }) } }),
      createModel({
        name: 'MhNote',
        fields: { id: f.auto(), title: f.char({ maxLength: 30 }), writer: f.foreignKey('MhWriter', { onDelete: 'CASCADE' }), stars: f.integer({ default: 0 }) },
      }),
    ],
  })

class MhPushA extends model('MhPushA', { a: f.integer(), b: f.integer() }, { constraints: [{ kind: 'unique', name: 'mh_push_a_ab', fields: ['a', 'b'] }] }) {}
class MhPushB extends model('MhPushB', { a: f.foreignKey('MhPushA', { onDelete: 'CASCADE', relatedName: '+' }) }) {}
class MhPushC extends model('MhPushC', { a: f.integer() }, { constraints: [{ kind: 'unique', name: 'mh_push_c_a', fields: ['a'], condition: { a__gt: 0 } }] }) {}

/** Data migrations: `runCode` gets real model classes as of its migration, on the migration's connection. */
export function migrationHistorySuite(ctx: ConformanceContext): void {
  describe('migrations: historical models in runCode', () => {
    afterEach(async () => {
      const editor = schemaEditorFor(ctx.db.engine())
      for (let pass = 0; pass < 5; pass++) {
        const tables = (await editor.tableNames()).filter((t) => t.startsWith('mh_'))
        if (tables.length === 0) break
        for (const t of tables) await ctx.db.raw(sql`drop table ${sql.table(t)}`).catch(() => undefined)
      }
      if ((await editor.tableNames()).includes('strata_migrations')) await ctx.db.raw(sql`delete from strata_migrations`)
    })

    it('QuerySets, create, bulkCreate, relations and iteration on the models of that migration, a later rename not yet applied', async () => {
      const seen: Row = {}
      const set = history(
        ['0001_initial', initial()],
        [
          '0002_data',
          migration({
            dependencies: ['0001_initial'],
            operations: [
              runCode(
                async ({ models }) => {
                  const Writer = models.get('MhWriter')
                  const Note = models.get('MhNote')
                  seen.names = models.names
                  const ann = await Writer.objects.create({ name: 'Ann' })
                  const bob = new Writer({ name: 'Bob' })
                  await bob.save()
                  await Note.objects.bulkCreate([
                    new Note({ title: 'x-one', writer: ann }),
                    new Note({ title: 'x-two', writerId: bob.pk }),
                    new Note({ title: 'keep', writer: ann }),
                  ])
                  seen.updated = await Note.objects.filter({ title__startswith: 'x-' }).update({ stars: 5 })
                  const titles: string[] = []
                  for await (const n of Note.objects.selectRelated('writer' as never).orderBy('title')) titles.push(`${n.title}/${(n.writer as Row).name}`)
                  seen.titles = titles
                  seen.annNotes = await Note.objects.filter({ writer__name: 'Ann' }).count()
                  seen.reverse = await Writer.objects.filter({ mhnote__title: 'keep' }).valuesList('name' as never, { flat: true })
                  expect(() => Note.objects.filter({ headline: 'x' })).toThrow(FieldError)
                  expect(() => models.get('MhNope')).toThrow(MigrationError)
                },
                async ({ models }) => {
                  await models.get('MhNote').objects.all().delete()
                  await models.get('MhWriter').objects.all().delete()
                },
              ),
            ],
          }),
        ],
        ['0003_headline', migration({ dependencies: ['0002_data'], operations: [renameField({ model: 'MhNote', oldName: 'title', newName: 'headline' })] })],
      )
      await migrate(ctx.db, set)
      expect(seen).toEqual({
        names: ['MhNote', 'MhWriter'],
        updated: 2,
        titles: ['keep/Ann', 'x-one/Ann', 'x-two/Bob'],
        annNotes: 2,
        reverse: ['Ann'],
      })
      expect((await rows(ctx, 'mh_note')).map((r) => [r.headline, Number(r.stars)])).toEqual([
        ['x-one', 5],
        ['x-two', 5],
        ['keep', 0],
      ])
      // Historical classes never enter the global registry.
      expect(getModel('MhNote')).toBeUndefined()
      await migrate(ctx.db, set, { target: '0001_initial' })
      expect(await rows(ctx, 'mh_note')).toEqual([])
      expect(await rows(ctx, 'mh_writer')).toEqual([])
    })

    it('a field added later is not there yet, and one added earlier is, with its default', async () => {
      const counts: number[] = []
      const set = history(
        ['0001_initial', initial()],
        ['0002_rank', migration({ dependencies: ['0001_initial'], operations: [addField({ model: 'MhWriter', name: 'rank', field: f.integer({ default: 7 }) })] })],
        [
          '0003_data',
          migration({
            dependencies: ['0002_rank'],
            operations: [
              runCode(async ({ models }) => {
                const Writer = models.get('MhWriter')
                const w = await Writer.objects.create({ name: 'Cy' })
                counts.push(Number(w.rank))
                counts.push(await Writer.objects.filter({ rank: 7 }).count())
              }),
            ],
          }),
        ],
      )
      await migrate(ctx.db, set)
      expect(counts).toEqual([7, 1])
    })

    it('a primary key changing type takes the foreign-key columns pointing at it along, join tables included', async () => {
      const pos = () => createModel({ name: 'MhPos', fields: { id: f.auto(), n: f.positiveInteger() } })
      const set = history(
        [
          '0001_initial',
          migration({
            operations: [
              createModel({ name: 'MhKey', fields: { code: f.char({ maxLength: 10, primaryKey: true }) } }),
              createModel({ name: 'MhRef', fields: { id: f.auto(), key: f.foreignKey('MhKey', { onDelete: 'CASCADE' }), keys: f.manyToMany('MhKey') } }),
              pos(),
            ],
          }),
        ],
        [
          '0002_wider',
          migration({
            dependencies: ['0001_initial'],
            operations: [
              alterField({ model: 'MhKey', name: 'code', field: f.char({ maxLength: 20, primaryKey: true }) }),
              alterField({ model: 'MhPos', name: 'n', field: f.integer() }),
            ],
          }),
        ],
      )
      await migrate(ctx.db, set)
      const code = 'k'.repeat(15)
      await insert(ctx, 'mh_key', { code })
      await insert(ctx, 'mh_ref', { id: 1, key_id: code })
      await insert(ctx, 'mh_ref_keys', { id: 1, mh_ref_id: 1, mh_key_id: code })
      expect((await rows(ctx, 'mh_ref')).map((r) => r.key_id)).toEqual([code])
      await expect(insert(ctx, 'mh_ref', { id: 2, key_id: 'nope' })).rejects.toBeInstanceOf(ForeignKeyViolation)
      await expect(insert(ctx, 'mh_ref_keys', { id: 2, mh_ref_id: 1, mh_key_id: 'nope' })).rejects.toBeInstanceOf(ForeignKeyViolation)
      // positiveInteger -> integer: its check constraint goes with it.
      await insert(ctx, 'mh_pos', { id: 1, n: -5 })
      expect((await rows(ctx, 'mh_pos')).map((r) => Number(r.n))).toEqual([-5])
      await ctx.db.raw(sql`delete from mh_pos`)
      await ctx.db.raw(sql`delete from mh_ref_keys`)
      await ctx.db.raw(sql`delete from mh_ref`)
      await ctx.db.raw(sql`delete from mh_key`)
      await migrate(ctx.db, set, { target: '0001_initial' })
      await expect(insert(ctx, 'mh_pos', { id: 2, n: -1 })).rejects.toThrow()
    })

    it('pushSchema makes unique constraints, one index per foreign key, and refuses what the database cannot make before any DDL', async () => {
      expect((await pushSchema(ctx.db, { models: [MhPushA, MhPushB] })).created).toEqual(['mh_push_a', 'mh_push_b'])
      await insert(ctx, 'mh_push_a', { id: 1, a: 1, b: 2 })
      await expect(insert(ctx, 'mh_push_a', { id: 2, a: 1, b: 2 })).rejects.toBeInstanceOf(UniqueViolation)
      const editor = schemaEditorFor(ctx.db.engine())
      const onFk = (await editor.constraints('mh_push_b')).filter((c) => c.index && c.columns.join() === 'a_id')
      expect(onFk).toHaveLength(1)
      if (ctx.features.partialIndexes) {
        expect((await pushSchema(ctx.db, { models: [MhPushC] })).created).toEqual(['mh_push_c'])
        await insert(ctx, 'mh_push_c', { id: 1, a: 0 })
        await insert(ctx, 'mh_push_c', { id: 2, a: 0 })
        await insert(ctx, 'mh_push_c', { id: 3, a: 5 })
        await expect(insert(ctx, 'mh_push_c', { id: 4, a: 5 })).rejects.toBeInstanceOf(UniqueViolation)
      } else {
        await expect(pushSchema(ctx.db, { models: [MhPushC] })).rejects.toBeInstanceOf(NotSupportedError)
        expect(await editor.tableNames()).not.toContain('mh_push_c')
      }
    })

    it('renameIndex renames in place and back', async () => {
      const editor = schemaEditorFor(ctx.db.engine())
      const names = async () => (await editor.constraints('mh_note')).filter((c) => c.name.startsWith('mh_note_t')).map((c) => c.name).sort()
      const set = history(
        ['0001_initial', initial()],
        ['0002_idx', migration({ dependencies: ['0001_initial'], operations: [addIndex({ model: 'MhNote', index: { name: 'mh_note_title', fields: ['title', '-stars'] } })] })],
        ['0003_rename', migration({ dependencies: ['0002_idx'], operations: [renameIndex({ model: 'MhNote', oldName: 'mh_note_title', newName: 'mh_note_ttl' })] })],
      )
      await migrate(ctx.db, set)
      expect(await names()).toEqual(['mh_note_ttl'])
      await migrate(ctx.db, set, { target: '0002_idx' })
      expect(await names()).toEqual(['mh_note_title'])
      expect(() => renameIndex({ model: 'MhNote', oldName: 'x', newName: 'y; drop table mh_note' })).toThrow(MigrationError)
    })

    it('separateDatabaseAndState: the database runs one list, the state follows the other', async () => {
      const seen: unknown[] = []
      const set = history(
        ['0001_initial', initial()],
        [
          '0002_split',
          migration({
            dependencies: ['0001_initial'],
            operations: [
              separateDatabaseAndState({
                databaseOperations: [
                  runSQL('alter table mh_writer add column nick varchar(10) null', 'alter table mh_writer drop column nick'),
                  createModel({ name: 'MhLog', fields: { id: f.auto(), line: f.text() } }),
                ],
                stateOperations: [addField({ model: 'MhWriter', name: 'nick', field: f.char({ maxLength: 10, null: true }) })],
              }),
            ],
          }),
        ],
        [
          '0003_use',
          migration({
            dependencies: ['0002_split'],
            operations: [
              runCode(async ({ models }) => {
                const w = await models.get('MhWriter').objects.create({ name: 'Di', nick: 'dd' })
                seen.push(w.nick, models.names)
              }, noop),
            ],
          }),
        ],
      )
      await migrate(ctx.db, set)
      expect(seen).toEqual(['dd', ['MhNote', 'MhWriter']])
      const editor = schemaEditorFor(ctx.db.engine())
      expect(await editor.tableNames()).toContain('mh_log')
      await migrate(ctx.db, set, { target: '0001_initial' })
      expect(await editor.tableNames()).not.toContain('mh_log')
      expect((await editor.columns('mh_writer')).map((c) => c.name)).not.toContain('nick')
    })
  })
}
