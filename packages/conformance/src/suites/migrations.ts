import { CheckViolation, f, ForeignKeyViolation, NotSupportedError, UniqueViolation } from '@strata/core'
import {
  addConstraint,
  addField,
  addIndex,
  alterField,
  alterUniqueTogether,
  createModel,
  deleteModel,
  type Migration,
  migrate,
  MigrationError,
  MigrationFailed,
  MigrationSet,
  migration,
  removeField,
  removeIndex,
  renameField,
  renameModel,
  runCode,
  runSQL,
  schemaEditorFor,
  showMigrations,
} from '@strata/migrations'
import { sql } from '@strata/query'
import { afterEach, describe, expect, it } from 'vitest'
import type { ConformanceContext } from '../context.js'

type Row = Record<string, unknown>

/** The schema as the database describes it: columns and constraints of the `mg_` tables, names of generated constraints left out. */
async function describeSchema(ctx: ConformanceContext): Promise<unknown> {
  const editor = schemaEditorFor(ctx.db.engine())
  const out: Record<string, unknown> = {}
  for (const t of (await editor.tableNames()).filter((n) => n.startsWith('mg_'))) {
    const cons = (await editor.constraints(t)).map((c) => ({ ...c, name: c.index ? c.name : '' })).map((c) => JSON.stringify(c)).sort()
    out[t] = { columns: await editor.columns(t), constraints: cons }
  }
  return out
}

const rows = (ctx: ConformanceContext, table: string, order = 'id') => ctx.db.raw<Row>(sql`select * from ${sql.table(table)} order by ${sql.id(order)}`)
const insert = (ctx: ConformanceContext, table: string, values: Row) =>
  ctx.db.raw(sql`insert into ${sql.table(table)} (${sql.join(Object.keys(values).map((k) => sql.id(k)))}) values (${sql.join(Object.values(values))})`)
const num = (v: unknown) => Number(v)

function history(...migs: [string, Migration][]): MigrationSet {
  return new MigrationSet(new Map(migs))
}

const initial = () =>
  migration({
    operations: [
      createModel({ name: 'MgAuthor', fields: { id: f.auto(), name: f.char({ maxLength: 20 }), age: f.integer({ null: true }) } }),
      createModel({
        name: 'MgBook',
        fields: {
          id: f.auto(),
          title: f.char({ maxLength: 30, dbIndex: true }),
          author: f.foreignKey('MgAuthor', { onDelete: 'CASCADE' }),
          pages: f.integer({ null: true }),
        },
      }),
    ],
  })

/** Migrations: operations on a real database, the executor, history and data kept. */
export function migrationSuite(ctx: ConformanceContext): void {
  describe('migrations', () => {
    afterEach(async () => {
      const editor = schemaEditorFor(ctx.db.engine())
      // Tables pointing at others must go first: retry until none is left.
      for (let pass = 0; pass < 5; pass++) {
        const tables = (await editor.tableNames()).filter((t) => t.startsWith('mg_'))
        if (tables.length === 0) break
        for (const t of tables) await ctx.db.raw(sql`drop table ${sql.table(t)}`).catch(() => undefined)
      }
      if ((await editor.tableNames()).includes('strata_migrations')) await ctx.db.raw(sql`delete from strata_migrations`)
    })

    it('applies migrations in order, records them, and migrate zero then forward gives the same schema', async () => {
      const set = history(['0001_initial', initial()], ['0002_book_year', migration({ dependencies: ['0001_initial'], operations: [addField({ model: 'MgBook', name: 'year', field: f.smallInteger({ default: 2000 }) })] })])
      const first = await migrate(ctx.db, set)
      expect(first.done).toEqual(['0001_initial', '0002_book_year'])
      const status = await showMigrations(ctx.db, set)
      expect(status.map((s) => [s.name, s.applied])).toEqual([
        ['0001_initial', true],
        ['0002_book_year', true],
      ])
      expect((await migrate(ctx.db, set)).done).toEqual([])
      const before = await describeSchema(ctx)
      const zero = await migrate(ctx.db, set, { target: 'zero' })
      expect(zero.done).toEqual(['0002_book_year', '0001_initial'])
      expect(Object.keys((await describeSchema(ctx)) as object)).toEqual([])
      await migrate(ctx.db, set)
      expect(await describeSchema(ctx)).toEqual(before)
      await migrate(ctx.db, set, { target: '0001' })
      expect((await showMigrations(ctx.db, set)).map((s) => s.applied)).toEqual([true, false])
    })

    it('renameField and renameModel keep the rows, and foreign keys still hold', async () => {
      const set = history(
        ['0001_initial', initial()],
        [
          '0002_renames',
          migration({
            dependencies: ['0001_initial'],
            operations: [
              renameField({ model: 'MgBook', oldName: 'title', newName: 'headline' }),
              renameModel({ oldName: 'MgAuthor', newName: 'MgWriter' }),
              renameField({ model: 'MgBook', oldName: 'author', newName: 'writer' }),
            ],
          }),
        ],
      )
      await migrate(ctx.db, set, { target: '0001_initial' })
      await insert(ctx, 'mg_author', { id: 1, name: 'Ann' })
      await insert(ctx, 'mg_book', { id: 1, title: 'Dune', author_id: 1 })
      await migrate(ctx.db, set)
      expect((await rows(ctx, 'mg_book')).map((r) => r.headline)).toEqual(['Dune'])
      expect((await rows(ctx, 'mg_writer')).map((r) => r.name)).toEqual(['Ann'])
      expect((await rows(ctx, 'mg_book')).map((r) => num(r.writer_id))).toEqual([1])
      await expect(insert(ctx, 'mg_book', { id: 2, headline: 'X', writer_id: 99 })).rejects.toBeInstanceOf(ForeignKeyViolation)
      await migrate(ctx.db, set, { target: '0001_initial' })
      expect((await rows(ctx, 'mg_book')).map((r) => r.title)).toEqual(['Dune'])
      expect((await rows(ctx, 'mg_author')).map((r) => r.name)).toEqual(['Ann'])
    })

    it('altering maxLength, nullability (with a one-off default) and type keeps the rows', async () => {
      const set = history(
        ['0001_initial', initial()],
        [
          '0002_alter',
          migration({
            dependencies: ['0001_initial'],
            operations: [
              alterField({ model: 'MgAuthor', name: 'name', field: f.char({ maxLength: 200 }) }),
              alterField({ model: 'MgAuthor', name: 'age', field: f.integer({ default: 18 }), preserveDefault: false }),
              alterField({ model: 'MgBook', name: 'pages', field: f.bigInteger({ null: true }) }),
            ],
          }),
        ],
      )
      await migrate(ctx.db, set, { target: '0001_initial' })
      await insert(ctx, 'mg_author', { id: 1, name: 'Ann', age: 40 })
      await insert(ctx, 'mg_author', { id: 2, name: 'Bob', age: null })
      await insert(ctx, 'mg_book', { id: 1, title: 'Dune', author_id: 1, pages: 412 })
      await migrate(ctx.db, set)
      const authors = await rows(ctx, 'mg_author')
      expect(authors.map((r) => [r.name, num(r.age)])).toEqual([
        ['Ann', 40],
        ['Bob', 18],
      ])
      await insert(ctx, 'mg_author', { id: 3, name: 'x'.repeat(150), age: 1 })
      await expect(insert(ctx, 'mg_author', { id: 4, name: 'Cy', age: null })).rejects.toThrow()
      expect((await rows(ctx, 'mg_book')).map((r) => num(r.pages))).toEqual([412])
      await ctx.db.raw(sql`delete from mg_author where id = 3`)
      await migrate(ctx.db, set, { target: '0001_initial' })
      expect((await rows(ctx, 'mg_author')).map((r) => r.name)).toEqual(['Ann', 'Bob'])
    })

    it('adding a NOT NULL field with a default fills the rows; removing and unapplying brings the column back', async () => {
      const set = history(
        ['0001_initial', initial()],
        ['0002_add', migration({ dependencies: ['0001_initial'], operations: [addField({ model: 'MgAuthor', name: 'country', field: f.char({ maxLength: 2, default: 'NZ' }) })] })],
        ['0003_remove', migration({ dependencies: ['0002_add'], operations: [removeField({ model: 'MgAuthor', name: 'age' })] })],
      )
      await migrate(ctx.db, set, { target: '0001_initial' })
      await insert(ctx, 'mg_author', { id: 1, name: 'Ann', age: 3 })
      await migrate(ctx.db, set)
      const after = await rows(ctx, 'mg_author')
      expect(after.map((r) => r.country)).toEqual(['NZ'])
      expect('age' in after[0]!).toBe(false)
      await migrate(ctx.db, set, { target: '0002_add' })
      expect((await rows(ctx, 'mg_author')).map((r) => [r.name, r.age])).toEqual([['Ann', null]])
    })

    it('indexes, check constraints and uniqueTogether are created and dropped', async () => {
      const set = history(
        ['0001_initial', initial()],
        [
          '0002_constraints',
          migration({
            dependencies: ['0001_initial'],
            operations: [
              addIndex({ model: 'MgBook', index: { name: 'mg_book_pages_idx', fields: ['-pages'] } }),
              addConstraint({ model: 'MgBook', constraint: { kind: 'check', name: 'mg_book_pages_pos', check: { pages__gte: 1 } } }),
              alterUniqueTogether({ name: 'MgBook', uniqueTogether: [['title', 'author']] }),
            ],
          }),
        ],
        ['0003_drop_index', migration({ dependencies: ['0002_constraints'], operations: [removeIndex({ model: 'MgBook', name: 'mg_book_pages_idx' })] })],
      )
      await migrate(ctx.db, set, { target: '0002_constraints' })
      const editor = schemaEditorFor(ctx.db.engine())
      expect((await editor.constraints('mg_book')).some((c) => c.name === 'mg_book_pages_idx')).toBe(true)
      await insert(ctx, 'mg_author', { id: 1, name: 'Ann' })
      await insert(ctx, 'mg_book', { id: 1, title: 'A', author_id: 1, pages: 3 })
      await expect(insert(ctx, 'mg_book', { id: 2, title: 'B', author_id: 1, pages: 0 })).rejects.toBeInstanceOf(CheckViolation)
      await expect(insert(ctx, 'mg_book', { id: 3, title: 'A', author_id: 1, pages: 5 })).rejects.toBeInstanceOf(UniqueViolation)
      await migrate(ctx.db, set)
      expect((await editor.constraints('mg_book')).some((c) => c.name === 'mg_book_pages_idx')).toBe(false)
      await migrate(ctx.db, set, { target: '0001_initial' })
      await insert(ctx, 'mg_book', { id: 2, title: 'A', author_id: 1, pages: 0 })
      expect(await rows(ctx, 'mg_book')).toHaveLength(2)
    })

    it('a unique constraint with a condition is a partial index where the database has them', async () => {
      const set = history(
        ['0001_initial', initial()],
        ['0002_partial', migration({ dependencies: ['0001_initial'], operations: [addConstraint({ model: 'MgBook', constraint: { kind: 'unique', name: 'mg_book_title_long', fields: ['title'], condition: { pages__gt: 100 } } })] })],
      )
      await migrate(ctx.db, set, { target: '0001_initial' })
      if (!ctx.features.partialIndexes) {
        const e = await migrate(ctx.db, set).catch((x: unknown) => x)
        expect(e).toBeInstanceOf(MigrationFailed)
        expect((e as Error).cause).toBeInstanceOf(NotSupportedError)
        expect((await showMigrations(ctx.db, set)).map((s) => s.applied)).toEqual([true, false])
        return
      }
      await migrate(ctx.db, set)
      await insert(ctx, 'mg_author', { id: 1, name: 'Ann' })
      await insert(ctx, 'mg_book', { id: 1, title: 'A', author_id: 1, pages: 10 })
      await insert(ctx, 'mg_book', { id: 2, title: 'A', author_id: 1, pages: 200 })
      await expect(insert(ctx, 'mg_book', { id: 3, title: 'A', author_id: 1, pages: 300 })).rejects.toBeInstanceOf(UniqueViolation)
    })

    it('a failing migration leaves the history consistent and reports what ran', async () => {
      const set = history(
        ['0001_initial', initial()],
        [
          '0002_bad',
          migration({
            dependencies: ['0001_initial'],
            operations: [addField({ model: 'MgAuthor', name: 'nick', field: f.char({ maxLength: 10, null: true }) }), runSQL('select * from mg_no_such_table')],
          }),
        ],
      )
      const e = await migrate(ctx.db, set).catch((x: unknown) => x)
      expect(e).toBeInstanceOf(MigrationFailed)
      const failed = e as MigrationFailed
      expect(failed.migration).toBe('0002_bad')
      expect(failed.message).toMatch(/at operation 2 of 2/)
      expect((await showMigrations(ctx.db, set)).map((s) => s.applied)).toEqual([true, false])
      const cols = (await schemaEditorFor(ctx.db.engine()).columns('mg_author')).map((c) => c.name)
      if (ctx.features.transactionalDdl) {
        expect(cols).not.toContain('nick')
        expect(failed.message).toMatch(/rolled back/)
      } else {
        expect(cols).toContain('nick')
        expect(failed.ranOperations).toEqual(['Add field nick to MgAuthor'])
      }
    })

    it('runCode gets the historical models of its migration', async () => {
      const set = history(
        ['0001_initial', initial()],
        [
          '0002_data',
          migration({
            dependencies: ['0001_initial'],
            operations: [
              addField({ model: 'MgAuthor', name: 'shout', field: f.char({ maxLength: 40, default: '' }) }),
              runCode(
                async ({ models }) => {
                  const Author = models.get('MgAuthor')
                  for (const a of await Author.objects.all()) await Author.objects.filter({ pk: a.pk }).update({ shout: String(a.name).toUpperCase() })
                },
                async () => {},
              ),
              removeField({ model: 'MgAuthor', name: 'name' }),
            ],
          }),
        ],
      )
      await migrate(ctx.db, set, { target: '0001_initial' })
      await insert(ctx, 'mg_author', { id: 1, name: 'Ann' })
      await migrate(ctx.db, set)
      expect((await rows(ctx, 'mg_author')).map((r) => r.shout)).toEqual(['ANN'])
    })

    it('altering a table that others point at keeps their foreign keys and its indexes', async () => {
      const set = history(
        ['0001_initial', initial()],
        ['0002_alter', migration({ dependencies: ['0001_initial'], operations: [alterField({ model: 'MgAuthor', name: 'name', field: f.char({ maxLength: 50, unique: true }) }), alterField({ model: 'MgBook', name: 'pages', field: f.integer({ default: 0 }) })] })],
      )
      await migrate(ctx.db, set, { target: '0001_initial' })
      await insert(ctx, 'mg_author', { id: 1, name: 'Ann' })
      await insert(ctx, 'mg_book', { id: 1, title: 'Dune', author_id: 1, pages: null })
      const indexesBefore = (await schemaEditorFor(ctx.db.engine()).constraints('mg_book')).filter((c) => c.index).map((c) => c.columns.join(','))
      await migrate(ctx.db, set)
      const editor = schemaEditorFor(ctx.db.engine())
      const indexesAfter = (await editor.constraints('mg_book')).filter((c) => c.index).map((c) => c.columns.join(','))
      expect(indexesAfter.sort()).toEqual(indexesBefore.sort())
      expect((await editor.constraints('mg_book')).filter((c) => c.foreignKey).map((c) => c.foreignKey)).toEqual([{ table: 'mg_author', column: 'id' }])
      expect((await rows(ctx, 'mg_book')).map((r) => num(r.pages))).toEqual([0])
      await expect(insert(ctx, 'mg_book', { id: 2, title: 'X', author_id: 42, pages: 1 })).rejects.toBeInstanceOf(ForeignKeyViolation)
      await expect(insert(ctx, 'mg_author', { id: 2, name: 'Ann' })).rejects.toBeInstanceOf(UniqueViolation)
      await expect(ctx.db.raw(sql`delete from mg_author where id = 1`)).rejects.toBeInstanceOf(ForeignKeyViolation)
    })

    it('many-to-many join tables follow a renamed model', async () => {
      const set = history(
        ['0001_initial', initial()],
        ['0002_tags', migration({ dependencies: ['0001_initial'], operations: [createModel({ name: 'MgTag', fields: { id: f.auto(), name: f.char({ maxLength: 10 }) } }), addField({ model: 'MgBook', name: 'tags', field: f.manyToMany('MgTag', {}) })] })],
        ['0003_rename', migration({ dependencies: ['0002_tags'], operations: [renameModel({ oldName: 'MgBook', newName: 'MgNovel' })] })],
      )
      await migrate(ctx.db, set, { target: '0002_tags' })
      await insert(ctx, 'mg_author', { id: 1, name: 'Ann' })
      await insert(ctx, 'mg_book', { id: 1, title: 'Dune', author_id: 1 })
      await insert(ctx, 'mg_tag', { id: 1, name: 'sf' })
      await insert(ctx, 'mg_book_tags', { id: 1, mg_book_id: 1, mg_tag_id: 1 })
      await migrate(ctx.db, set)
      expect((await rows(ctx, 'mg_novel_tags')).map((r) => [num(r.mg_novel_id), num(r.mg_tag_id)])).toEqual([[1, 1]])
      await migrate(ctx.db, set, { target: 'zero' })
      expect((await schemaEditorFor(ctx.db.engine()).tableNames()).filter((t) => t.startsWith('mg_'))).toEqual([])
    })

    it('adds and removes foreign keys, unique and indexed fields on a table with rows', async () => {
      const set = history(
        ['0001_initial', initial()],
        [
          '0002_add',
          migration({
            dependencies: ['0001_initial'],
            operations: [
              addField({ model: 'MgAuthor', name: 'mentor', field: f.foreignKey('MgAuthor', { onDelete: 'SET_NULL', null: true }) }),
              addField({ model: 'MgBook', name: 'code', field: f.char({ maxLength: 8, unique: true, null: true }) }),
              addField({ model: 'MgBook', name: 'editor', field: f.foreignKey('MgAuthor', { onDelete: 'CASCADE', default: 1 }), preserveDefault: false }),
            ],
          }),
        ],
        ['0003_remove', migration({ dependencies: ['0002_add'], operations: [removeField({ model: 'MgBook', name: 'editor' }), removeField({ model: 'MgAuthor', name: 'mentor' })] })],
      )
      await migrate(ctx.db, set, { target: '0001_initial' })
      await insert(ctx, 'mg_author', { id: 1, name: 'Ann' })
      await insert(ctx, 'mg_book', { id: 1, title: 'A', author_id: 1 })
      await insert(ctx, 'mg_book', { id: 2, title: 'B', author_id: 1 })
      await migrate(ctx.db, set, { target: '0002_add' })
      expect((await rows(ctx, 'mg_book')).map((r) => num(r.editor_id))).toEqual([1, 1])
      await ctx.db.raw(sql`update mg_book set code = 'X' where id = 1`)
      await expect(ctx.db.raw(sql`update mg_book set code = 'X' where id = 2`)).rejects.toBeInstanceOf(UniqueViolation)
      await expect(ctx.db.raw(sql`update mg_author set mentor_id = 7 where id = 1`)).rejects.toBeInstanceOf(ForeignKeyViolation)
      await expect(insert(ctx, 'mg_book', { id: 3, title: 'C', author_id: 1, editor_id: 9 })).rejects.toBeInstanceOf(ForeignKeyViolation)
      await migrate(ctx.db, set)
      const cols = (await schemaEditorFor(ctx.db.engine()).columns('mg_book')).map((c) => c.name)
      expect(cols).not.toContain('editor_id')
      expect((await rows(ctx, 'mg_book')).map((r) => r.code)).toEqual(['X', null])
      // Unapplying the removal of a NOT NULL key without a default needs an empty table (as in Django).
      await ctx.db.raw(sql`delete from mg_book`)
      await migrate(ctx.db, set, { target: '0002_add' })
      expect((await schemaEditorFor(ctx.db.engine()).columns('mg_book')).map((c) => c.name)).toContain('editor_id')
      await migrate(ctx.db, set, { target: '0001_initial' })
      expect((await schemaEditorFor(ctx.db.engine()).columns('mg_author')).map((c) => c.name)).not.toContain('mentor_id')
    })

    it('bad input gives clear errors and leaves the database alone', async () => {
      expect(() => createModel({ name: 'Mg"; drop table x; --', fields: { id: f.auto() } })).toThrow(MigrationError)
      expect(() => addField({ model: 'MgAuthor', name: 'bad name', field: f.integer() })).toThrow(MigrationError)
      expect(() => migration({ operations: [{} as never] })).toThrow(/not a migration operation/)
      const unknown = history(['0001_x', migration({ operations: [deleteModel({ name: 'MgNobody' })] })])
      await expect(migrate(ctx.db, unknown)).rejects.toThrow(/No model named "MgNobody"/)
      const missing = history(['0002_y', migration({ dependencies: ['0001_gone'], operations: [] })])
      await expect(migrate(ctx.db, missing)).rejects.toThrow(/depends on 0001_gone, which does not exist/)
      const set = history(['0001_initial', initial()])
      await expect(migrate(ctx.db, set, { target: '0009' })).rejects.toThrow(/No migration named "0009"/)
      expect((await schemaEditorFor(ctx.db.engine()).tableNames()).filter((t) => t.startsWith('mg_'))).toEqual([])
    })
  })
}
