import { sql } from '@strata/query'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeSchema, Project, type Run, targets } from './scratch.js'

const V1 = `
export class Author extends model('Author', {
  name: f.char({ maxLength: 20 }),
  age: f.integer({ null: true }),
}) {}

export class Book extends model('Book', {
  title: f.char({ maxLength: 30, dbIndex: true }),
  author: f.foreignKey('Author', { onDelete: 'CASCADE', relatedName: 'books' }),
  pages: f.integer(),
  tags: f.manyToMany('Tag', { relatedName: 'books' }),
}) {}

export class Tag extends model('Tag', { name: f.slug({ unique: true }) }) {}
`

// Renames title -> headline, lengthens name, makes age NOT NULL, widens pages, adds a NOT NULL field.
const V2 = `
export class Author extends model('Author', {
  name: f.char({ maxLength: 200 }),
  age: f.integer(),
}) {}

export class Book extends model('Book', {
  headline: f.char({ maxLength: 30, dbIndex: true }),
  author: f.foreignKey('Author', { onDelete: 'CASCADE', relatedName: 'books' }),
  pages: f.bigInteger(),
  tags: f.manyToMany('Tag', { relatedName: 'books' }),
  isbn: f.char({ maxLength: 13 }),
}) {}

export class Tag extends model('Tag', { name: f.slug({ unique: true }) }) {}
`

const ok = (r: Run) => {
  if (r.code !== 0) throw new Error(`strata exited with ${r.code}\n${r.stdout}\n${r.stderr}`)
  return r
}

const list = await targets()

describe.each(list)('strata on $name', (target) => {
  const projects: Project[] = []
  const project = async (label: string, models = V1) => {
    const p = new Project(target, label)
    projects.push(p)
    await p.init(models)
    return p
  }
  afterAll(async () => {
    for (const p of projects) await p.remove()
  })

  it('makes, applies and evolves migrations; renames and alterations keep the rows', async () => {
    const p = await project('flow')
    const made = ok(await p.run('makemigrations'))
    expect(made.stdout).toContain('migrations/0001_initial.ts')
    expect(ok(await p.run('makemigrations')).stdout).toContain('No changes detected.')
    expect(ok(await p.run('makemigrations', '--check')).stdout).toContain('No changes detected.')
    expect(ok(await p.run('migrate')).stdout).toMatch(/Applying 0001_initial\.\.\. OK/)
    const db = await p.connect()
    try {
      await db.raw(sql`insert into author (id, name, age) values (1, 'Ann', 40), (2, 'Bob', null)`)
      await db.raw(sql`insert into book (id, title, author_id, pages) values (1, 'Dune', 1, 412)`)
      await db.raw(sql`insert into tag (id, name) values (1, 'sf')`)
      await db.raw(sql`insert into book_tags (book_id, tag_id) values (1, 1)`)
      await p.models(V2)
      const check = await p.run('makemigrations', '--check', '--no-input', '--rename', 'Book.title=Book.headline', '--default', 'Book.isbn="unknown"', '--default', 'Author.age=0')
      expect(check.code).toBe(1)
      expect(await p.files()).toEqual(['0001_initial.ts'])
      const unanswered = await p.run('makemigrations', '--no-input')
      expect(unanswered.code).toBe(3)
      expect(unanswered.stderr).toContain('--rename Book.title=Book.headline')
      ok(await p.run('makemigrations', '--no-input', '--rename', 'Book.title=Book.headline', '--default', 'Book.isbn="unknown"', '--default', 'Author.age=0'))
      const files = await p.files()
      expect(files).toHaveLength(2)
      const second = await p.read(files[1]!)
      expect(second).toContain("renameField({ model: 'Book', oldName: 'title', newName: 'headline' })")
      expect(second).toContain('preserveDefault: false')
      expect(ok(await p.run('makemigrations', '--check')).stdout).toContain('No changes detected.')
      expect((await p.run('sqlmigrate', '0002')).stdout).toMatch(/alter|create table/i)
      ok(await p.run('migrate'))
      expect((await db.raw<Record<string, unknown>>(sql`select id, name, age from author order by id`)).map((r) => [Number(r.id), r.name, Number(r.age)])).toEqual([
        [1, 'Ann', 40],
        [2, 'Bob', 0],
      ])
      expect((await db.raw<Record<string, unknown>>(sql`select headline, pages, isbn from book`)).map((r) => [r.headline, Number(r.pages), r.isbn])).toEqual([['Dune', 412, 'unknown']])
      await db.raw(sql`insert into author (id, name, age) values (3, ${'x'.repeat(150)}, 1)`)
      expect(await db.raw(sql`select * from book_tags`)).toHaveLength(1)
      const status = ok(await p.run('showmigrations')).stdout
      expect(status).toContain('[X] 0001_initial')
      expect(status).toMatch(/\[X\] 0002_/)
      await db.raw(sql`delete from author where id = 3`)
      ok(await p.run('migrate', '0001_initial'))
      expect((await db.raw<Record<string, unknown>>(sql`select title from book`)).map((r) => r.title)).toEqual(['Dune'])
    } finally {
      await db.close()
    }
  })

  it('migrate zero and forward again give the same schema', async () => {
    const p = await project('zero')
    ok(await p.run('makemigrations'))
    await p.models(V2)
    ok(await p.run('makemigrations', '--no-input', '--yes', '--default', 'Book.isbn=""', '--default', 'Author.age=0'))
    ok(await p.run('migrate'))
    const db = await p.connect()
    try {
      const before = await describeSchema(db)
      expect(Object.keys(before).sort()).toEqual(['author', 'book', 'book_tags', 'tag'])
      const zero = ok(await p.run('migrate', 'zero'))
      expect(zero.stdout).toContain('Unapplying 0001_initial... OK')
      expect(await describeSchema(db)).toEqual({})
      ok(await p.run('migrate'))
      expect(await describeSchema(db)).toEqual(before)
    } finally {
      await db.close()
    }
  })

  it('a failing migration exits 1, says what ran, and leaves the history consistent', async () => {
    const p = await project('fail')
    ok(await p.run('makemigrations'))
    ok(await p.run('makemigrations', '--empty', '--name', 'broken'))
    const [, file] = await p.files()
    await p.write(
      file!,
      `import { f } from '@strata/core'\nimport { addField, migration, runSQL } from '@strata/migrations'\n\nexport default migration({\n  dependencies: ['0001_initial'],\n  operations: [\n    addField({ model: 'Tag', name: 'note', field: f.text({ null: true }) }),\n    runSQL('select * from no_such_table'),\n  ],\n})\n`,
    )
    const r = await p.run('migrate')
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('Applying 0001_initial... OK')
    expect(r.stderr).toMatch(/Applying 0002_broken failed at operation 2 of 2/)
    expect(ok(await p.run('showmigrations')).stdout).toContain('[ ] 0002_broken')
    const db = await p.connect()
    try {
      const cols = (await describeSchema(db)).tag as { columns: { name: string }[] }
      const transactional = db.dialect().features.transactionalDdl
      expect(cols.columns.some((c) => c.name === 'note')).toBe(!transactional)
      if (!transactional) expect(r.stderr).toContain('1. Add field note to Tag')
    } finally {
      await db.close()
    }
  })

  it('two concurrent migrate runs apply each migration once', async () => {
    const p = await project('concurrent')
    ok(await p.run('makemigrations'))
    await p.models(V2)
    ok(await p.run('makemigrations', '--no-input', '--yes', '--default', 'Book.isbn=""', '--default', 'Author.age=0'))
    const [a, b] = await Promise.all([p.start('migrate'), p.start('migrate')])
    ok(a)
    ok(b)
    const applied = [a, b].map((r) => (r.stdout.match(/Applying /g) ?? []).length)
    expect(applied.sort()).toEqual([0, 2])
    const db = await p.connect()
    try {
      const rows = await db.raw<{ name: string }>(sql`select name from strata_migrations order by id`)
      expect(rows.map((r) => r.name)).toEqual((await p.files()).map((f) => f.replace(/\.ts$/, '')))
    } finally {
      await db.close()
    }
  })

  it('squashes migrations; a fresh database applies the squashed one, an up-to-date one has nothing to do', async () => {
    const p = await project('squash')
    ok(await p.run('makemigrations'))
    await p.models(V2)
    ok(await p.run('makemigrations', '--no-input', '--yes', '--default', 'Book.isbn=""', '--default', 'Author.age=0'))
    ok(await p.run('migrate'))
    const squashed = ok(await p.run('squashmigrations', '0001', '0002'))
    expect(squashed.stdout).toContain('Squashed 2 migrations')
    const files = await p.files()
    expect(files).toHaveLength(3)
    expect(ok(await p.run('migrate')).stdout).toContain('No migrations to apply.')
    ok(await p.run('migrate', 'zero'))
    expect(ok(await p.run('showmigrations')).stdout).toMatch(/\[ \] 0001_initial_squashed_0002/)
    expect(ok(await p.run('migrate')).stdout).toMatch(/Applying 0001_initial_squashed_0002\S*\.\.\. OK/)
    expect(ok(await p.run('makemigrations', '--check')).stdout).toContain('No changes detected.')
  })

  it('merges conflicting branches; --check and --plan of makemigrations, migrate and showmigrations', async () => {
    const p = await project('merge')
    ok(await p.run('makemigrations'))
    ok(await p.run('migrate'))
    expect(ok(await p.run('migrate', '--check')).stdout).toBe('')
    const branch = (field: string, model: string) =>
      `import { f } from '@strata/core'\nimport { addField, migration } from '@strata/migrations'\n\nexport default migration({\n  dependencies: ['0001_initial'],\n  operations: [addField({ model: '${model}', name: '${field}', field: f.integer({ null: true }) })],\n})\n`
    await p.write('0002_a.ts', branch('rank', 'Tag'))
    await p.write('0002_b.ts', branch('score', 'Author'))
    const refused = await p.run('migrate')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("Run 'strata makemigrations --merge'")
    expect((await p.run('makemigrations', '--no-input')).stderr).toContain('makemigrations --merge')
    const merged = ok(await p.run('makemigrations', '--merge'))
    expect(merged.stdout).toContain('Branch 0002_a')
    expect(await p.files()).toEqual(['0001_initial.ts', '0002_a.ts', '0002_b.ts', '0003_merge_0002_a_0002_b.ts'])
    expect(await p.read('0003_merge_0002_a_0002_b.ts')).toContain("dependencies: ['0002_a', '0002_b']")
    const pending = await p.run('migrate', '--check')
    expect(pending.code).toBe(1)
    expect(pending.stdout).toContain('3 migration(s) to apply')
    expect(ok(await p.run('migrate', '--plan')).stdout).toContain('0003_merge_0002_a_0002_b')
    expect(ok(await p.run('showmigrations', '--plan')).stdout).toContain('[ ] 0003_merge_0002_a_0002_b ... (0002_a, 0002_b)')
    ok(await p.run('migrate'))
    expect((await p.run('migrate', '--check')).code).toBe(0)
    expect(ok(await p.run('makemigrations', '--merge')).stdout).toContain('No conflicts detected to merge.')
    // The models lack the two fields the branches added: --check exits 1 and writes nothing.
    const check = await p.run('makemigrations', '--check', '--no-input')
    expect(check.code).toBe(1)
    expect(check.stdout).toContain('Remove field')
    expect(await p.files()).toHaveLength(4)
  })

  it('reads an existing database back as model code', async () => {
    const p = await project('inspect')
    ok(await p.run('makemigrations'))
    ok(await p.run('migrate'))
    const code = ok(await p.run('inspectdb')).stdout
    expect(code).toContain("export class Book extends model('Book', {")
    expect(code).toContain("author: f.foreignKey('Author', { onDelete: 'DO_NOTHING' })")
    expect(code).toMatch(/title: f\.char\(\{ maxLength: 30, dbIndex: true \}\)/)
    expect(code).toContain("uniqueTogether: [['book', 'tag']]")
    expect(code).not.toContain('strata_migrations')
  })
})

describe('strata command line', () => {
  const target = list[0]!
  const p = new Project(target, 'usage')
  beforeAll(() => p.init(V1))
  afterAll(() => p.remove())

  it('prints help for itself and each command, and refuses what it does not know with exit code 2', async () => {
    const help = ok(await p.run('--help')).stdout
    for (const c of ['makemigrations', 'migrate', 'showmigrations', 'sqlmigrate', 'squashmigrations', 'inspectdb', 'dbshell']) expect(help).toContain(c)
    expect(ok(await p.run('makemigrations', '--help')).stdout).toContain('--rename Old=New')
    expect(help).not.toContain('\u001b[')
    const unknown = await p.run('frobnicate')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('Unknown command "frobnicate"')
    const badOption = await p.run('migrate', '--fast')
    expect(badOption.code).toBe(2)
    expect(badOption.stderr).toContain('Unknown option --fast')
    expect((await p.run('sqlmigrate')).code).toBe(2)
    const badHint = await p.run('makemigrations', '--default', 'nonsense')
    expect(badHint.code).toBe(2)
  })

  it('reports a missing or broken config clearly', async () => {
    const missing = await p.run('migrate', '--config', 'nope.config.ts')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('No config file at')
    await p.file('bad.config.ts', 'export default { databases: {} }\n')
    const bad = await p.run('migrate', '--config', 'bad.config.ts')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("must name a 'default' database")
  })

  it('refuses unknown targets and injection attempts in names', async () => {
    ok(await p.run('makemigrations'))
    const target = await p.run('migrate', '0009')
    expect(target.code).toBe(1)
    expect(target.stderr).toContain('No migration named "0009"')
    const name = await p.run('makemigrations', '--empty', '--name', 'x; rm -rf /')
    expect(name.code).toBe(1)
    expect(name.stderr).toContain('may only hold letters, digits and _')
    expect(await p.files()).toEqual(['0001_initial.ts'])
  })
})
