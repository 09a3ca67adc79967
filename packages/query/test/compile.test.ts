import { Count, F, f, model, Q, Sum } from '@strata/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, type Database } from '../src/index.js'
import { compileOnly } from './compile-only-dialect.js'

class Person extends model('Person', { name: f.char({ maxLength: 50 }), boss: f.foreignKey('Person', { onDelete: 'SET_NULL', null: true, relatedName: 'reports' }) }) {}
class Article extends model('Article', {
  title: f.char({ maxLength: 100 }),
  views: f.integer({ default: 0 }),
  published: f.dateTime({ null: true }),
  author: f.foreignKey('Person', { onDelete: 'CASCADE' }),
  tags: f.manyToMany('Keyword'),
}, { ordering: ['-published'] }) {}
class Note extends model('Note', { article: f.foreignKey('Article', { onDelete: 'CASCADE' }), by: f.char({ maxLength: 20 }) }) {}
class Keyword extends model('Keyword', { word: f.char({ maxLength: 20 }) }) {}

declare module '@strata/core' {
  interface Models {
    Person: Person
    Article: Article
    Note: Note
    Keyword: Keyword
  }
}

let db: Database
beforeAll(async () => {
  db = await connect({ databases: { default: compileOnly() }, models: [Person, Article, Note, Keyword] })
})
afterAll(() => db.close())

const sqlOf = (q: { sql(): { sql: string; parameters: readonly unknown[] } }) => q.sql()
const cols = '"t0"."id" as "c0", "t0"."title" as "c1", "t0"."views" as "c2", "t0"."published" as "c3", "t0"."author_id" as "c4"'

describe('the compiler', () => {
  it('selects every column under a positional alias, with the default ordering', () => {
    expect(sqlOf(Article.objects.all()).sql).toBe(`select ${cols} from "article" as "t0" order by "t0"."published" desc`)
  })

  it('binds every value and only ever quotes identifiers from metadata', () => {
    const { sql, parameters } = sqlOf(Article.objects.filter({ title: "x'; drop table article; --", views__gte: 3 }))
    expect(sql).toContain('where ("t0"."title" = ? and "t0"."views" >= ?)')
    expect(parameters).toEqual(["x'; drop table article; --", 3])
  })

  it('joins forward paths once however often they are used, INNER where a filter needs the row (Django)', () => {
    const { sql } = sqlOf(Article.objects.filter({ author__name: 'a', author__boss__name: 'b' }).orderBy('author__name'))
    expect(sql.match(/inner join "person"/g)).toHaveLength(2)
    expect(sql).toContain('inner join "person" as "t1" on "t1"."id" = "t0"."author_id"')
    expect(sql).toContain('inner join "person" as "t2" on "t2"."id" = "t1"."boss_id"')
    expect(sql).toContain('order by "t1"."name" asc')
  })

  it('keeps LEFT joins where a missing related row may still match: OR, isnull, ordering only', () => {
    expect(sqlOf(Article.objects.filter(Q({ author__name: 'a' }).or({ title: 'b' }))).sql).toContain('left join "person"')
    expect(sqlOf(Article.objects.filter({ author__name__isnull: true })).sql).toContain('left join "person"')
    expect(sqlOf(Article.objects.filter({ author__name: null })).sql).toContain('left join "person"')
    expect(sqlOf(Article.objects.exclude({ author__name: 'a' })).sql).toContain('left join "person"')
    expect(sqlOf(Article.objects.orderBy('author__name')).sql).toContain('left join "person"')
  })

  it('shares a multi-valued join within one filter() call and not across calls', () => {
    const one = sqlOf(Article.objects.filter({ note__by: 'a', note__id__gt: 1 })).sql
    expect(one.match(/inner join "note"/g)).toHaveLength(1)
    const two = sqlOf(Article.objects.filter({ note__by: 'a' }).filter({ note__id__gt: 1 })).sql
    expect(two.match(/inner join "note"/g)).toHaveLength(2)
  })

  it('turns exclude() over a multi-valued relation into NOT EXISTS', () => {
    const { sql, parameters } = sqlOf(Article.objects.exclude({ note__by: 'John' }))
    expect(sql).toContain('where not (exists (select 1 from "note" as "tx')
    expect(sql).toContain('"."article_id" = "t0"."id" and "tx')
    expect(parameters).toEqual(['John'])
  })

  it('keeps rows with NULL when excluding on a nullable column (Django)', () => {
    expect(sqlOf(Article.objects.exclude({ published__year: 2020 })).sql).toContain('where not ((year("t0"."published") = ? and year("t0"."published") is not null))')
  })

  it('goes through the join table for many-to-many paths', () => {
    const { sql } = sqlOf(Article.objects.filter({ tags__word: 'ts' }))
    expect(sql).toContain('inner join "article_tags" as "t1" on "t1"."article_id" = "t0"."id"')
    expect(sql).toContain('inner join "keyword" as "t2" on "t2"."id" = "t1"."keyword_id"')
  })

  it('groups by the row for an aggregate annotation and filters it in HAVING', () => {
    const { sql, parameters } = sqlOf(Article.objects.annotate({ n: Count('note') }).filter({ n__gte: 2, views__gt: 0 }))
    expect(sql).toContain('count("t1"."id") as "c5"')
    expect(sql).toContain('where "t0"."views" > ?')
    expect(sql).toContain('group by "t0"."id", "t0"."title", "t0"."views", "t0"."published", "t0"."author_id"')
    expect(sql).toContain('having count("t1"."id") >= ?')
    expect(parameters).toEqual([0, 2])
  })

  it('groups by values() columns and drops the default ordering there', () => {
    const { sql } = sqlOf(Article.objects.values('author__name').annotate({ n: Count('id') }).orderBy('-n'))
    expect(sql).toBe('select "t1"."name" as "c0", count(*) as "c1" from "article" as "t0" left join "person" as "t1" on "t1"."id" = "t0"."author_id" group by "t1"."name" order by count(*) desc')
  })

  it('renders Q trees, F arithmetic, empty IN, slices and aggregate filters', () => {
    expect(sqlOf(Article.objects.filter(Q({ title: 'a' }).or(Q({ title: 'b' }).not()))).sql).toContain('where ("t0"."title" = ? or not ("t0"."title" = ?))')
    expect(sqlOf(Article.objects.filter({ views__gt: F('id').mul(2) })).sql).toContain('"t0"."views" > ("t0"."id" * ?)')
    expect(sqlOf(Article.objects.filter({ id__in: [] })).sql).toContain('where 1 = 0')
    const page = sqlOf(Article.objects.all().slice(10, 15))
    expect(page.sql).toMatch(/limit 5 offset \?$/)
    expect(page.parameters).toEqual([10])
    expect(sqlOf(Article.objects.annotate({ n: Sum('views', { filter: Q({ title: 'x' }), default: 0 }) })).sql).toContain('coalesce(sum(case when "t0"."title" = ? then "t0"."views" else null end), ?)')
  })

  it('uses a subquery for __in with a QuerySet', () => {
    const { sql } = sqlOf(Article.objects.filter({ id__in: Note.objects.filter({ by: 'x' }).values('article') }))
    expect(sql).toContain('"t0"."id" in (select "ts')
  })
})


describe('GROUP BY with ordering', () => {
  it('groups by a joined ordering column when rows are aggregated (PostgreSQL needs it)', () => {
    const { sql } = Article.objects.annotate({ n: Count('note') }).orderBy('author__name').sql()
    expect(sql).toContain('group by "t0"."id", "t0"."title", "t0"."views", "t0"."published", "t0"."author_id", "t2"."name"')
  })
})
