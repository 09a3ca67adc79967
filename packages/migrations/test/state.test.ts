import { f, model } from '@strata/core'
import { describe, expect, it } from 'vitest'
import {
  addField,
  alterField,
  CircularDependencyError,
  Code,
  createModel,
  deconstructField,
  fingerprint,
  fieldFromDef,
  MigrationConflictError,
  type MigrationGraph,
  MigrationSet,
  migration,
  ProjectState,
  removeField,
  renameField,
  renameModel,
  sameDef,
  toSource,
} from '../src/index.js'

class StAuthor extends model('StAuthor', { name: f.char({ maxLength: 50 }), mail: f.email({ unique: true }) }) {}
class StPost extends model(
  'StPost',
  {
    title: f.char({ maxLength: 100, default: () => 'untitled' }),
    author: f.foreignKey(() => StAuthor, { onDelete: 'CASCADE', null: true }),
    tags: f.manyToMany('StTag', { relatedName: 'posts' }),
    slug: f.slug(),
  },
  { ordering: ['-title'], indexes: [{ fields: ['title'] }] },
) {}
class StTag extends model('StTag', { name: f.char({ maxLength: 20 }), parent: f.foreignKey('self', { onDelete: 'CASCADE', null: true }) }) {}

describe('field deconstruction', () => {
  it('is stable: making the field again from its definition gives the same definition', () => {
    for (const meta of [StAuthor.meta, StPost.meta, StTag.meta]) {
      meta.resolve()
      for (const field of meta.fields) {
        const def = deconstructField(field, meta.name)
        expect(sameDef(deconstructField(fieldFromDef(def), meta.name), def)).toBe(true)
      }
    }
  })

  it('resolves relation targets (names, classes, thunks, self) to model names', () => {
    StPost.meta.resolve()
    expect(deconstructField(StPost.meta.getField('author'), 'StPost').to).toBe('StAuthor')
    expect(deconstructField(StPost.meta.getField('tags'), 'StPost').to).toBe('StTag')
    expect(deconstructField(StTag.meta.getField('parent'), 'StTag').to).toBe('StTag')
  })

  it('writes fields as the f factories, leaving out what the factory adds by itself', () => {
    const state = ProjectState.fromModels([StPost.meta])
    const op = createModel({ name: 'StPost', fields: Object.fromEntries(state.get('StPost').fields), options: state.get('StPost').options })
    const src = toSource(op.toCode())
    expect(src).toContain("slug: f.slug()")
    expect(src).toMatch(/title: f\.char\(\{ default: \(\) => ["']untitled["'], maxLength: 100 \}\)/)
    expect(src.indexOf('id: f.auto()')).toBeLessThan(src.indexOf('title:'))
    expect(src).toContain("author: f.foreignKey('StAuthor', { null: true, onDelete: 'CASCADE' })")
    expect(src).toContain("indexes: [{ fields: ['title'], name: 'st_post_title_idx' }]")
  })
})

describe('project state', () => {
  const ops = [
    createModel({ name: 'A', fields: { id: f.auto(), name: f.char({ maxLength: 10 }) } }),
    createModel({ name: 'B', fields: { id: f.auto(), a: f.foreignKey('A', { onDelete: 'CASCADE' }) } }),
    addField({ model: 'A', name: 'age', field: f.integer({ default: 1 }), preserveDefault: false }),
    alterField({ model: 'A', name: 'name', field: f.char({ maxLength: 20 }) }),
    renameField({ model: 'A', oldName: 'name', newName: 'title' }),
    renameModel({ oldName: 'A', newName: 'C' }),
    removeField({ model: 'C', name: 'age' }),
  ]

  it('is built by replaying operations; relations follow a renamed model', () => {
    const state = new ProjectState()
    for (const op of ops) op.stateForwards(state)
    expect(state.names).toEqual(['B', 'C'])
    expect(state.get('C').fields.map(([n]) => n)).toEqual(['id', 'title'])
    expect(state.get('B').fields[1]![1].to).toBe('C')
    const c = state.render('C')
    expect(c.dbTable).toBe('c')
    expect(c.getField('title').column).toBe('title')
    expect((state.render('B').getField('a') as unknown as { target: { dbTable: string } }).target.dbTable).toBe('c')
  })

  it('drops a one-off default from the state', () => {
    const state = new ProjectState()
    for (const op of ops.slice(0, 3)) op.stateForwards(state)
    expect(state.get('A').fields.find(([n]) => n === 'age')![1].options.default).toBeUndefined()
  })

  it('renders the join table of a many-to-many field as ModelMeta names it', () => {
    const state = ProjectState.fromModels([StAuthor.meta, StPost.meta, StTag.meta])
    const tags = state.render('StPost').getField('tags') as unknown as { through: { dbTable: string; concreteFields: { column: string }[] } }
    expect(tags.through.dbTable).toBe((StPost.meta.getField('tags') as unknown as { through: { dbTable: string } }).through.dbTable)
    expect(tags.through.concreteFields.map((c) => c.column)).toEqual(['id', 'st_post_id', 'st_tag_id'])
  })
})

describe('migration graph', () => {
  const m = (...deps: string[]) => migration({ dependencies: deps, operations: [] })

  it('orders by dependencies and plans forwards and backwards', () => {
    const set = new MigrationSet({ '0001_a': m(), '0002_b': m('0001_a'), '0003_c': m('0002_b') })
    const { graph } = set.graph()
    expect(graph.order()).toEqual(['0001_a', '0002_b', '0003_c'])
    expect(graph.plan(undefined, new Set(['0001_a'])).map((s) => s.name)).toEqual(['0002_b', '0003_c'])
    expect(graph.plan('0001_a', new Set(['0001_a', '0002_b', '0003_c'])).map((s) => [s.name, s.backwards])).toEqual([
      ['0003_c', true],
      ['0002_b', true],
    ])
    expect(graph.plan('zero', new Set(['0001_a'])).map((s) => s.name)).toEqual(['0001_a'])
  })

  it('finds cycles and conflicting leaves', () => {
    expect(() => new MigrationSet({ '0001_a': m('0002_b'), '0002_b': m('0001_a') }).graph()).toThrow(CircularDependencyError)
    const { graph } = new MigrationSet({ '0001_a': m(), '0002_b': m('0001_a'), '0002_c': m('0001_a') }).graph()
    expect(() => graph.leaf()).toThrow(MigrationConflictError)
  })

  it('uses a squashed migration when none or all of the replaced ones are applied', () => {
    const squashed = migration({ replaces: ['0001_a', '0002_b'], operations: [] })
    const set = new MigrationSet({ '0001_a': m(), '0002_b': m('0001_a'), '0003_c': m('0002_b'), '0001_squashed_0002': squashed })
    expect(set.graph().graph.order()).toEqual(['0001_squashed_0002', '0003_c'])
    expect(set.graph(new Set(['0001_a'])).graph.order()).toEqual(['0001_a', '0002_b', '0003_c'])
    const all = set.graph(new Set(['0001_a', '0002_b']))
    expect(all.applied.has('0001_squashed_0002')).toBe(true)
  })

  it('keeps a state per migration, built once', () => {
    const set = new MigrationSet({
      '0001_a': migration({ operations: [createModel({ name: 'X', fields: { id: f.auto() } })] }),
      '0002_b': migration({ dependencies: ['0001_a'], operations: [addField({ model: 'X', name: 'n', field: f.integer({ null: true }) })] }),
    })
    const graph: MigrationGraph = set.graph().graph
    expect(graph.stateBefore('0002_b').get('X').fields).toHaveLength(1)
    expect(graph.finalState().get('X').fields).toHaveLength(2)
    expect(graph.stateAfter('0001_a')).toBe(graph.stateBefore('0002_b'))
  })
})

describe('serializer', () => {
  it('writes values as TypeScript, long values across lines; fingerprints ignore key order', () => {
    expect(toSource({ b: 1n, a: "it's", c: new Date('2024-01-02T03:04:05.000Z') })).toBe("{ b: 1n, a: 'it\\'s', c: new Date('2024-01-02T03:04:05.000Z') }")
    expect(fingerprint({ b: 1, a: 2 })).toBe(fingerprint({ a: 2, b: 1 }))
    const long = toSource(new Code('f.char', [{ maxLength: 100, verboseName: 'x'.repeat(90) }]))
    expect(long.split('\n').length).toBeGreaterThan(1)
  })

  it('copies a function default without the bundler annotations of built code', () => {
    // What tsup/esbuild leave in dist: `/* @__PURE__ */` before calls.
    const built = new Function('return () => /* @__PURE__ */ new Date(/* #__PURE__ */ Date.now())')() as () => Date
    expect(built.toString()).toContain('@__PURE__')
    const src = toSource({ default: built })
    expect(src).toBe('{ default: () => new Date(Date.now()) }')
    expect(fingerprint(built)).toBe(fingerprint(() => new Date(Date.now())))
  })
})

describe('a long history', () => {
  it('builds the state of 500 migrations once, in well under a second', () => {
    const migs: Record<string, ReturnType<typeof migration>> = {}
    const models = Array.from({ length: 20 }, (_, i) => `Long${i}`)
    migs['0001_initial'] = migration({ operations: models.map((name) => createModel({ name, fields: { id: f.auto() } })) })
    let prev = '0001_initial'
    for (let n = 2; n <= 500; n++) {
      const name = `${String(n).padStart(4, '0')}_step`
      migs[name] = migration({ dependencies: [prev], operations: [addField({ model: models[n % 20]!, name: `f${n}`, field: f.integer({ null: true }) })] })
      prev = name
    }
    const started = performance.now()
    const { graph } = new MigrationSet(migs).graph()
    const final = graph.finalState()
    for (const name of graph.order()) graph.stateBefore(name)
    expect(performance.now() - started).toBeLessThan(1000)
    expect(final.get('Long0').fields).toHaveLength(26)
  })
})
