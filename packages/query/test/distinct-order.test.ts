import { f, model } from '@strata/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, type Database } from '../src/index.js'
import { compileOnly } from './compile-only-dialect.js'

class Writer extends model('Writer', { name: f.char({ maxLength: 50 }) }) {}
class Entry extends model(
  'Entry',
  {
    title: f.char({ maxLength: 100 }),
    views: f.integer({ default: 0 }),
    published: f.dateTime({ null: true }),
    writer: f.foreignKey('Writer', { onDelete: 'CASCADE' }),
  },
  { ordering: ['-published'] },
) {}

declare module '@strata/core' {
  interface Models {
    Writer: Writer
    Entry: Entry
  }
}

let db: Database
beforeAll(async () => {
  db = await connect({ databases: { default: compileOnly() }, models: [Writer, Entry] })
})
afterAll(() => db.close())

const cols = '"t0"."id" as "c0", "t0"."title" as "c1", "t0"."views" as "c2", "t0"."published" as "c3", "t0"."writer_id" as "c4"'

describe('DISTINCT with an ordering', () => {
  it('selects the sort expressions it does not select, after its own columns, and sorts by output name (Django)', () => {
    // The model's ordering (-published) is not selected: it is added, and the ORDER BY names it.
    expect(Entry.objects.distinct().valuesList('title', { flat: true }).sql().sql).toBe(
      'select distinct "t0"."title" as "c0", "t0"."published" as "o0" from "entry" as "t0" order by "o0" desc',
    )
    // A sort column already selected is not repeated; a joined one is selected too.
    expect(Entry.objects.distinct().valuesList('title', 'views').orderBy('views', 'writer__name').sql().sql).toBe(
      'select distinct "t0"."title" as "c0", "t0"."views" as "c1", "t1"."name" as "o1" from "entry" as "t0" left join "writer" as "t1" on "t1"."id" = "t0"."writer_id" order by "c1" asc, "o1" asc',
    )
    expect(Entry.objects.distinct().sql().sql).toBe(`select distinct ${cols} from "entry" as "t0" order by "c3" desc`)
    // A random ordering is selected as well (every row is then distinct, as in Django).
    expect(Entry.objects.distinct().valuesList('title', { flat: true }).orderBy('?').sql().sql).toBe('select distinct "t0"."title" as "c0", random() as "o0" from "entry" as "t0" order by "o0"')
  })

  it('changes nothing without DISTINCT; subqueries and count() are not sorted', () => {
    expect(Entry.objects.valuesList('title', { flat: true }).sql().sql).toBe('select "t0"."title" as "c0" from "entry" as "t0" order by "t0"."published" desc')
    const sub = Entry.objects.filter({ id__in: Entry.objects.distinct().values('id') }).sql().sql
    expect(sub).toMatch(/in \(select distinct "ts\w+"\."id" as "v0" from "entry" as "ts\w+"\) order by "t0"\."published" desc$/)
    // A sliced subquery keeps its ordering (it decides the rows).
    expect(Entry.objects.filter({ id__in: Entry.objects.values('id').slice(0, 3) }).sql().sql).toContain('order by "ts')
  })
})
