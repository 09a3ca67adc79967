// The index and the change list over HTTP: counts, columns, search, filters, sorting, dates,
// pagination and bulk actions, on every database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { action, AdminLogEntry, column } from '../src/index.js'
import { Client } from './support/client.js'
import { availableTargets } from './support/databases.js'
import { Author, Award, Comment, Post, Tag } from './support/models.js'
import { type AdminServer, startAdmin } from './support/server.js'

const targets = await availableTargets()

/** The text of the rows of the result table, one array of cells per row. */
function rows(html: string): string[][] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? ''
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) =>
    [...m[1]!.matchAll(/<t[hd][^>]*class="field-[^"]*"[^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, '').trim()),
  )
}

function titles(html: string): string[] {
  return rows(html).map((r) => r[0]!)
}

describe.each(targets)('change list on $name', (target) => {
  let s: AdminServer
  let c: Client
  const year = new Date().getUTCFullYear()

  beforeAll(async () => {
    s = await startAdmin(target, (admin) => {
      admin.register(Post, {
        listDisplay: ['title', 'author', 'author__email', 'status', 'featured', column<Post>({ name: 'stars', label: 'Stars', value: (p) => '★'.repeat(Number.parseInt(p.rating, 10)), ordering: 'rating' })],
        listFilter: ['status', 'featured', 'pubDate', 'author', 'tags', { title: 'rating band', parameterName: 'band', lookups: () => [['high', 'High (4+)'], ['low', 'Low']], queryset: (qs, v) => (v === 'high' ? qs.filter({ rating__gte: '4.00' }) : qs.filter({ rating__lt: '4.00' })) }],
        searchFields: ['title', '^author__name', '=status', 'tags__name'],
        dateHierarchy: 'pubDate',
        listPerPage: 3,
        listMaxShowAll: 50,
        ordering: ['title'],
        actions: [
          'delete_selected',
          action<Post>({ name: 'publish', description: 'Publish selected posts', run: async (qs) => `Published ${await qs.update({ status: 'published' })} posts.` }),
        ],
      })
      admin.register(Author, { listDisplay: ['name', 'email'], searchFields: ['name'], countLimit: 3, listPerPage: 2 })
      admin.register(Tag)
      admin.register(Comment)
      admin.register(Award)
    })
    const ann = await Author.objects.create({ name: 'Ann Lovelace', email: 'ann@example.com' })
    const bob = await Author.objects.create({ name: 'Bob Babbage', email: 'bob@example.com' })
    await Author.objects.create({ name: 'Cy', email: 'cy@example.com' })
    await Author.objects.create({ name: 'Di', email: 'di@example.com' })
    await Author.objects.create({ name: 'Ed', email: 'ed@example.com' })
    const ts = await Tag.objects.create({ name: 'typescript' })
    const dj = await Tag.objects.create({ name: 'django' })
    const specs: [string, Author | null, string, boolean, string, Tag[]][] = [
      ['Alpha release', ann, 'published', true, '4.50', [ts]],
      ['Beta notes', bob, 'draft', false, '2.00', [dj]],
      ['Gamma "quoted" words', ann, 'published', false, '3.00', [ts, dj]],
      ['Delta without author', null, 'draft', false, '1.00', []],
      ['Epsilon', bob, 'published', true, '5.00', [dj]],
    ]
    for (const [title, author, status, featured, rating, tags] of specs) {
      const p = await Post.objects.create({ title, author, status, featured, rating })
      if (tags.length) await p.tags.add(...tags)
    }
    await Post.objects.filter({ title: 'Epsilon' }).update({ pubDate: new Date(Date.UTC(2020, 4, 17, 12)) })
    c = new Client(s.origin)
    await c.login('root', 'root-pass-123')
  })
  afterAll(() => s?.close())

  it('the index groups models by app, with counts and add/change links', async () => {
    const r = await c.get('/admin/')
    expect(r.status).toBe(200)
    const order = ['Auth', 'Blog'].map((a) => r.text.indexOf(`class="section">${a}<`))
    expect(order[0]).toBeGreaterThan(0)
    expect(order[1]).toBeGreaterThan(order[0]!)
    expect(r.text).toMatch(/<tr class="model-post">[\s\S]*?<td class="count">5<\/td>/)
    expect(r.text).toMatch(/<tr class="model-author">[\s\S]*?<td class="count">3\+<\/td>/)
    expect(r.text).toContain('href="/admin/blog/post/add/"')
    const app = await c.get('/admin/blog/')
    expect(app.status).toBe(200)
    expect(app.text).not.toContain('>Users<')
  })

  it('shows the listDisplay columns: fields, relation paths, choices by label, booleans as icons, computed values', async () => {
    const r = await c.get('/admin/blog/post/?p=1')
    expect(r.status).toBe(200)
    const first = rows(r.text)[0]!
    expect(first).toEqual(['Alpha release', 'Ann Lovelace', 'ann@example.com', 'Published', '✔', '★★★★'])
    for (const h of ['Title', 'Author', 'Author email', 'Status', 'Featured', 'Stars']) expect(r.text).toContain(`>${h}<`)
    const delta = await c.get('/admin/blog/post/?q=Delta')
    expect(rows(delta.text)[0]!.slice(1, 3)).toEqual(['-', '-'])
  })

  it('paginates with page links, keeps a stable order, and offers "Show all"', async () => {
    const p1 = await c.get('/admin/blog/post/')
    expect(titles(p1.text)).toEqual(['Alpha release', 'Beta notes', 'Delta without author'])
    expect(p1.text).toContain('5 posts')
    expect(p1.text).toContain('href="?p=2"')
    const p2 = await c.get('/admin/blog/post/?p=2')
    expect(titles(p2.text)).toEqual(['Epsilon', 'Gamma &quot;quoted&quot; words'])
    const all = await c.get('/admin/blog/post/?all=')
    expect(titles(all.text)).toHaveLength(5)
    const beyond = await c.get('/admin/blog/post/?p=40')
    expect(titles(beyond.text)).toEqual(titles(p2.text))
  })

  it('stops counting at countLimit on big tables and pages with previous/next', async () => {
    const r = await c.get('/admin/blog/author/')
    expect(r.text).toContain('More than 3 authors')
    expect(r.text).toContain('Next ›')
  })

  it('sorts by clicked columns (o=), relation paths and computed columns with an ordering', async () => {
    const desc = await c.get('/admin/blog/post/?o=-1&all=')
    expect(titles(desc.text)[0]).toBe('Gamma &quot;quoted&quot; words')
    expect(desc.text).toContain('aria-sort="descending"')
    const byAuthor = await c.get('/admin/blog/post/?o=3.1&all=')
    // NULLs sort first or last depending on the database; the others must be in order.
    const emails = rows(byAuthor.text).map((r) => r[2])
    expect(emails.filter((e) => e !== '-')).toEqual([...emails.filter((e) => e !== '-')].sort())
    const stars = await c.get('/admin/blog/post/?o=-6&all=')
    expect(titles(stars.text)[0]).toBe('Epsilon')
    expect((await c.get('/admin/blog/post/?o=0')).status).toBe(400)
  })

  it('searches every word across the search fields, with ^ and = prefixes and quoted phrases', async () => {
    const t = async (q: string) => titles((await c.get(`/admin/blog/post/?${new URLSearchParams({ q, all: '' })}`)).text)
    expect(await t('alpha')).toEqual(['Alpha release'])
    expect(await t('ANN')).toEqual(['Alpha release', 'Gamma &quot;quoted&quot; words'])
    expect(await t('lovelace')).toEqual([])
    expect(await t('draft')).toEqual(['Beta notes', 'Delta without author'])
    expect(await t('draf')).toEqual([])
    expect(await t('"quoted" words')).toEqual(['Gamma &quot;quoted&quot; words'])
    expect(await t('"release notes"')).toEqual([])
    expect(await t('django ann')).toEqual(['Gamma &quot;quoted&quot; words'])
    expect(await t('django')).toEqual(['Beta notes', 'Epsilon', 'Gamma &quot;quoted&quot; words'])
  })

  it('filters by choices, booleans, dates, foreign keys, many-to-many and hand-written filters', async () => {
    const t = async (qs: string) => titles((await c.get(`/admin/blog/post/?${qs}&all=`)).text)
    expect(await t('status__exact=draft')).toEqual(['Beta notes', 'Delta without author'])
    expect(await t('featured__exact=1')).toEqual(['Alpha release', 'Epsilon'])
    const ann = await Author.objects.get({ name: 'Ann Lovelace' })
    expect(await t(`author__id__exact=${ann.pk}`)).toEqual(['Alpha release', 'Gamma &quot;quoted&quot; words'])
    expect(await t('author__isnull=True')).toEqual(['Delta without author'])
    const dj = await Tag.objects.get({ name: 'django' })
    expect(await t(`tags__id__exact=${dj.pk}`)).toEqual(['Beta notes', 'Epsilon', 'Gamma &quot;quoted&quot; words'])
    expect(await t('tags__isnull=True')).toEqual(['Delta without author'])
    expect(await t(`pubDate__gte=${year}-01-01&pubDate__lt=${year + 1}-01-01`)).toHaveLength(4)
    expect(await t('band=high')).toEqual(['Alpha release', 'Epsilon'])
    expect((await c.get('/admin/blog/post/?band=medium')).status).toBe(400)
    const page = await c.get('/admin/blog/post/?status__exact=draft')
    expect(page.text).toMatch(/<li class="selected"><a href="[^"]*" aria-current="true">Draft<\/a>/)
    expect(page.text).toContain('5 total')
    expect(page.text).toContain('Clear all filters')
    for (const label of ['By Status', 'By Featured', 'By Pub date', 'By Author', 'By Tags', 'By Rating band', 'This year', 'Past 7 days', 'Ann Lovelace', 'typescript', '(None)'])
      expect(page.text).toContain(label)
  })

  it('drills down by year, month and day with dateHierarchy', async () => {
    const top = await c.get('/admin/blog/post/')
    expect(top.text).toContain('href="?pubDate__year=2020"')
    expect(top.text).toContain(`href="?pubDate__year=${year}"`)
    const y = await c.get('/admin/blog/post/?pubDate__year=2020')
    expect(titles(y.text)).toEqual(['Epsilon'])
    expect(y.text).toContain('May 2020')
    const d = await c.get('/admin/blog/post/?pubDate__year=2020&pubDate__month=5&pubDate__day=17')
    expect(titles(d.text)).toEqual(['Epsilon'])
    expect((await c.get('/admin/blog/post/?pubDate__year=2020&pubDate__day=17')).status).toBe(400)
    expect((await c.get('/admin/blog/post/?pubDate__year=2020&pubDate__month=13')).status).toBe(400)
  })

  it('runs a custom action on the selected rows and reports its message', async () => {
    const ids = (await Post.objects.filter({ status: 'draft' })).map((p) => String(p.pk))
    await c.get('/admin/blog/post/')
    const r = await c.post('/admin/blog/post/', { action: 'publish', _selected_action: ids })
    expect(r.status).toBe(302)
    const next = await c.get(r.location!)
    expect(next.text).toContain('Published 2 posts.')
    expect(await Post.objects.filter({ status: 'draft' }).count()).toBe(0)
    await Post.objects.filter({ pk__in: ids.map(Number) }).update({ status: 'draft' })
  })

  it('asks for a selection and for an action before running anything', async () => {
    await c.get('/admin/blog/post/')
    const none = await c.post('/admin/blog/post/', { action: 'publish' })
    expect((await c.get(none.location!)).text).toContain('Items must be selected in order to perform actions on them')
    const noAction = await c.post('/admin/blog/post/', { action: '', _selected_action: '1' })
    expect((await c.get(noAction.location!)).text).toContain('No action selected.')
    expect((await c.post('/admin/blog/post/', { action: 'explode', _selected_action: '1' })).status).toBe(400)
    expect((await c.post('/admin/blog/post/', { action: 'publish', _selected_action: 'x' })).status).toBe(400)
  })

  it('deletes selected objects after a confirmation page that lists the cascade', async () => {
    const doomed = await Post.objects.create({ title: 'Doomed one' })
    const doomed2 = await Post.objects.create({ title: 'Doomed two' })
    await Comment.objects.create({ post: doomed, author: 'x', text: 'goes too' })
    const ids = [String(doomed.pk), String(doomed2.pk)]
    await c.get('/admin/blog/post/')
    const confirm = await c.post('/admin/blog/post/', { action: 'delete_selected', _selected_action: ids })
    expect(confirm.status).toBe(200)
    expect(confirm.text).toContain('Are you sure you want to delete the selected posts?')
    expect(confirm.text).toContain('Comments: 1')
    expect(confirm.text).toContain('Comment: x: goes too')
    expect(await Post.objects.filter({ pk__in: [doomed.pk, doomed2.pk] }).count()).toBe(2)
    const done = await c.post('/admin/blog/post/', { action: 'delete_selected', _selected_action: ids, post: 'yes' })
    expect(done.status).toBe(302)
    expect((await c.get(done.location!)).text).toContain('Successfully deleted 2 posts.')
    expect(await Post.objects.filter({ pk__in: [doomed.pk, doomed2.pk] }).count()).toBe(0)
    expect(await Comment.objects.filter({ text: 'goes too' }).count()).toBe(0)
    expect(await AdminLogEntry.objects.filter({ objectRepr: 'Doomed one', actionFlag: 3 }).count()).toBe(1)
  })

  it('refuses to delete objects that protected relations keep, and says which', async () => {
    const kept = await Author.objects.create({ name: 'Kept', email: 'kept@example.com' })
    await Award.objects.create({ name: 'Best blog', author: kept })
    await c.get('/admin/blog/author/')
    const page = await c.post('/admin/blog/author/', { action: 'delete_selected', _selected_action: String(kept.pk) })
    expect(page.text).toContain('would require deleting the following protected related objects')
    expect(page.text).toContain('Award: Best blog')
    expect(page.text).not.toContain('Yes, I’m sure')
    expect((await c.post('/admin/blog/author/', { action: 'delete_selected', _selected_action: String(kept.pk), post: 'yes' })).status).toBe(403)
    expect(await Author.objects.filter({ pk: kept.pk }).exists()).toBe(true)
  })
})
