import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { f, model, type ModelMeta } from '@strata/core'
import { afterAll, describe, expect, it } from 'vitest'
import {
  AddField,
  AlterField,
  CircularDependencyError,
  CreateModel,
  DeleteModel,
  HintQuestioner,
  loadMigrations,
  makeMigrations,
  MigrationSet,
  migration,
  QuestionError,
  RemoveField,
  RenameField,
  RenameModel,
  squashMigrations,
} from '../src/index.js'

const SRC = resolve(__dirname, '../src/index.ts')
const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

/** A scratch migrations directory inside the package (so that `@strata/core` resolves). */
async function scratch(): Promise<string> {
  const d = await mkdtemp(join(__dirname, 'tmp-'))
  dirs.push(d)
  return d
}

/** Runs makemigrations, writes the file, and loads the directory again as the CLI would. */
async function make(dir: string, models: ModelMeta[], hints = {}): Promise<{ name: string; source: string; ops: string[] } | null> {
  const set = await loadMigrations(dir)
  const made = await makeMigrations({ set, dir, models, questioner: new HintQuestioner(hints) })
  if (!made) return null
  // Vitest loads TypeScript; point the import at this package's source.
  await writeFile(made.file, made.source.replace("'@strata/migrations'", JSON.stringify(SRC)))
  return { name: made.name, source: made.source, ops: made.operations.map((o) => o.describe()) }
}

describe('makemigrations', () => {
  it('creates models after the models they point at, then finds nothing the second time', async () => {
    const dir = await scratch()
    class AdComment extends model('AdComment', { post: f.foreignKey('AdPost', { onDelete: 'CASCADE' }), text: f.text() }) {}
    class AdPost extends model(
      'AdPost',
      {
        title: f.char({ maxLength: 100, default: 'x' }),
        author: f.foreignKey('AdAuthor', { onDelete: 'SET_NULL', null: true, relatedName: 'posts' }),
        tags: f.manyToMany('AdTag', {}),
        rating: f.decimal({ maxDigits: 4, decimalPlaces: 2, default: '0.00' }),
      },
      { ordering: ['-title'], uniqueTogether: [['title', 'author']], indexes: [{ fields: ['rating'] }], constraints: [{ kind: 'check', name: 'ad_post_rating_pos', check: { rating__gte: 0 } }] },
    ) {}
    class AdAuthor extends model('AdAuthor', { name: f.char({ maxLength: 50 }), born: f.date({ null: true }) }) {}
    class AdTag extends model('AdTag', { name: f.slug({ unique: true }) }) {}
    const models = [AdComment.meta, AdPost.meta, AdAuthor.meta, AdTag.meta]
    const first = await make(dir, models)
    expect(first!.name).toBe('0001_initial')
    const order = first!.ops.map((d) => d.replace('Create model ', ''))
    expect(order.indexOf('AdAuthor')).toBeLessThan(order.indexOf('AdPost'))
    expect(order.indexOf('AdTag')).toBeLessThan(order.indexOf('AdPost'))
    expect(order.indexOf('AdPost')).toBeLessThan(order.indexOf('AdComment'))
    expect(first!.source).toContain("export default migration({")
    expect(first!.source).toContain("import { f } from '@strata/core'")
    expect(await make(dir, models)).toBeNull()
  })

  it('splits a circle of foreign keys into createModel then addField', async () => {
    const dir = await scratch()
    class AdEgg extends model('AdEgg', { hen: f.foreignKey('AdHen', { onDelete: 'CASCADE', null: true }) }) {}
    class AdHen extends model('AdHen', { egg: f.foreignKey('AdEgg', { onDelete: 'CASCADE', null: true }) }) {}
    const made = await makeMigrations({ set: new MigrationSet({}), dir, models: [AdEgg.meta, AdHen.meta], questioner: new HintQuestioner() })
    expect(made!.operations.map((o) => o.constructor.name)).toEqual(['CreateModel', 'CreateModel', 'AddField'])
    const created = made!.operations[0] as CreateModel
    expect(created.fields.map(([n]) => n)).toEqual(['id'])
  })

  it('asks about renames: a hint answers, no answer without input is a clear error', async () => {
    const dir = await scratch()
    class V1 extends model('AdRen', { title: f.char({ maxLength: 10 }), body: f.text() }) {}
    await make(dir, [V1.meta])
    class V2 extends model('AdRen', { headline: f.char({ maxLength: 10 }), body: f.text() }) {}
    const set = await loadMigrations(dir)
    await expect(makeMigrations({ set, models: [V2.meta], questioner: new HintQuestioner() })).rejects.toThrow(QuestionError)
    await expect(makeMigrations({ set, models: [V2.meta], questioner: new HintQuestioner() })).rejects.toThrow(/--rename AdRen.title=AdRen.headline/)
    const made = await makeMigrations({ set, models: [V2.meta], questioner: new HintQuestioner({ renames: ['AdRen.title=AdRen.headline'] }) })
    expect(made!.operations).toHaveLength(1)
    expect(made!.operations[0]).toBeInstanceOf(RenameField)
    expect(made!.name).toBe('0002_rename_title_ad_ren_headline')
    const yes = await makeMigrations({ set, models: [V2.meta], questioner: new HintQuestioner({ yes: true }) })
    expect(yes!.operations[0]).toBeInstanceOf(RenameField)
    expect(() => new HintQuestioner({ renames: ['AdRen.title'] })).toThrow(QuestionError)
  })

  it('detects a renamed model and keeps relations pointing at it', async () => {
    const dir = await scratch()
    class A1 extends model('AdOld', { name: f.char({ maxLength: 10 }) }) {}
    class B1 extends model('AdRef', { to: f.foreignKey('AdOld', { onDelete: 'CASCADE' }) }) {}
    await make(dir, [A1.meta, B1.meta])
    class A2 extends model('AdNew', { name: f.char({ maxLength: 10 }) }) {}
    class B2 extends model('AdRef', { to: f.foreignKey('AdNew', { onDelete: 'CASCADE' }) }) {}
    const made = await make(dir, [A2.meta, B2.meta], { renames: ['AdOld=AdNew'] })
    expect(made!.ops).toEqual(['Rename model AdOld to AdNew'])
    expect(await make(dir, [A2.meta, B2.meta])).toBeNull()
  })

  it('emits renameIndex for a named index whose name alone changed, and writes it', async () => {
    const dir = await scratch()
    class I1 extends model('AdIdx', { a: f.integer(), b: f.integer() }, { indexes: [{ name: 'adidx_a', fields: ['a', '-b'] }, { name: 'adidx_b', fields: ['b'] }] }) {}
    await make(dir, [I1.meta])
    class I2 extends model('AdIdx', { a: f.integer(), b: f.integer() }, { indexes: [{ name: 'adidx_a_b', fields: ['a', '-b'] }, { name: 'adidx_b2', fields: ['b'], unique: true }] }) {}
    const made = await make(dir, [I2.meta])
    expect(made!.ops).toEqual(['Rename index adidx_a on AdIdx to adidx_a_b', 'Remove index adidx_b from AdIdx', 'Create index adidx_b2 on b of model AdIdx'])
    expect(made!.source).toContain("renameIndex({ model: 'AdIdx', oldName: 'adidx_a', newName: 'adidx_a_b' })")
    expect(await make(dir, [I2.meta])).toBeNull()
  })

  it('asks for a one-off default for a NOT NULL field added to a model that may have rows', async () => {
    const dir = await scratch()
    class C1 extends model('AdNn', { a: f.integer() }) {}
    await make(dir, [C1.meta])
    class C2 extends model('AdNn', { a: f.integer(), b: f.integer(), c: f.char({ maxLength: 5, blank: true }), d: f.integer({ null: true }) }) {}
    const set = await loadMigrations(dir)
    await expect(makeMigrations({ set, models: [C2.meta], questioner: new HintQuestioner() })).rejects.toThrow(/--default AdNn.b=<value>/)
    const made = await makeMigrations({ set, models: [C2.meta], questioner: new HintQuestioner({ defaults: { 'AdNn.b': 7 } }) })
    const add = made!.operations.find((o) => o instanceof AddField && o.name === 'b') as AddField
    expect(add.preserveDefault).toBe(false)
    expect(add.field.options.default).toBe(7)
    expect(made!.source).toContain('preserveDefault: false')
    await writeFile(made!.file, made!.source.replace("'@strata/migrations'", JSON.stringify(SRC)))
    expect(await make(dir, [C2.meta])).toBeNull()
  })

  it('alters, removes and deletes, and names the migration from its operations', async () => {
    const dir = await scratch()
    class D1 extends model('AdAlt', { a: f.char({ maxLength: 10 }), b: f.integer({ null: true }), gone: f.text() }) {}
    class E1 extends model('AdGone', { alt: f.foreignKey('AdAlt', { onDelete: 'CASCADE' }) }) {}
    await make(dir, [D1.meta, E1.meta])
    class D2 extends model('AdAlt', { a: f.char({ maxLength: 20 }), b: f.integer({ null: true, dbIndex: true }) }, { dbTable: 'ad_alt_v2' }) {}
    const made = await make(dir, [D2.meta])
    expect(made!.ops).toEqual(['Remove field gone from AdAlt', 'Delete model AdGone', 'Alter field a on AdAlt', 'Alter field b on AdAlt', 'Rename table for AdAlt to ad_alt_v2'])
    expect(made!.name).toBe('0002_remove_ad_alt_gone_and_more')
    expect(await make(dir, [D2.meta])).toBeNull()
  })

  it('orders a many-to-many through a declared join model, and refuses a model missing from the list', async () => {
    const dir = await scratch()
    class AdPerson extends model('AdPerson', { name: f.char({ maxLength: 20 }) }) {}
    class AdGroup extends model('AdGroup', { members: f.manyToMany('AdPerson', { through: 'AdMembership' }) }) {}
    class AdMembership extends model('AdMembership', {
      person: f.foreignKey('AdPerson', { onDelete: 'CASCADE' }),
      group: f.foreignKey('AdGroup', { onDelete: 'CASCADE' }),
      since: f.date({ null: true }),
    }) {}
    const models = [AdGroup.meta, AdMembership.meta, AdPerson.meta]
    const first = await make(dir, models)
    expect(first!.ops).toEqual(['Create model AdPerson', 'Create model AdGroup', 'Create model AdMembership', 'Add field members to AdGroup'])
    expect(await make(dir, models)).toBeNull()
    await expect(makeMigrations({ set: new MigrationSet({}), models: [AdGroup.meta], questioner: new HintQuestioner() })).rejects.toThrow(/AdGroup.members points at AdPerson, which is not among the models/)
  })

  it('writes an empty migration on request, and refuses a bad name', async () => {
    const dir = await scratch()
    class F1 extends model('AdEmpty', { a: f.integer() }) {}
    await make(dir, [F1.meta])
    const set = await loadMigrations(dir)
    const empty = await makeMigrations({ set, models: [F1.meta], questioner: new HintQuestioner(), empty: true, name: 'data_fix' })
    expect(empty!.name).toBe('0002_data_fix')
    expect(empty!.source).toContain("dependencies: ['0001_initial']")
    await expect(makeMigrations({ set, models: [F1.meta], questioner: new HintQuestioner(), empty: true, name: '../evil' })).rejects.toThrow(/may only hold letters/)
  })
})

describe('squashmigrations', () => {
  const m = (deps: string[], ...ops: ReturnType<typeof migration>['operations']) => migration({ dependencies: deps, operations: ops })

  it('folds operations and replaces the range', () => {
    const set = new MigrationSet({
      '0001_a': m([], new CreateModel({ name: 'Sq', fields: { id: f.auto() } })),
      '0002_b': m(['0001_a'], new AddField({ model: 'Sq', name: 'n', field: f.integer({ null: true }) })),
      '0003_c': m(['0002_b'], new AlterField({ model: 'Sq', name: 'n', field: f.integer({ default: 1 }) }), new RemoveField({ model: 'Sq', name: 'n' })),
      '0004_d': m(['0003_c'], new DeleteModel({ name: 'Sq' })),
    })
    const sq = squashMigrations(set, '0001', '0003')
    expect(sq.name).toBe('0001_a_squashed_0003_c')
    expect(sq.replaces).toEqual(['0001_a', '0002_b', '0003_c'])
    expect(sq.operations).toHaveLength(1)
    expect((sq.operations[0] as CreateModel).fields.map(([n]) => n)).toEqual(['id'])
    expect(sq.source).toContain("replaces: ['0001_a', '0002_b', '0003_c']")
    expect(squashMigrations(set, '0001', '0004').operations).toEqual([])
    expect(RenameModel).toBeDefined()
  })

  it('refuses a squash that would make a dependency circle, before writing anything', () => {
    const set = new MigrationSet({
      '0001_a': m([]),
      '0002_side': m(['0001_a']),
      '0003_c': m(['0002_side']),
    })
    // 0002_side stays outside but depends on 0001_a and is needed by 0003_c: squashing 0001 with 0003 circles.
    const picky = new MigrationSet({ ...Object.fromEntries(set.migrations), '0003_c': m(['0001_a', '0002_side']) })
    expect(() => squashMigrations(picky, '0001_a', '0003_c')).not.toThrow()
    const outside = new MigrationSet({ '0001_a': m([]), '0002_b': m(['0001_a']), '0003_c': m(['0002_b', '9001_other']), '9001_other': m(['0001_a']) })
    expect(() => squashMigrations(outside, '0001_a', '0003_c')).toThrow(CircularDependencyError)
  })
})
