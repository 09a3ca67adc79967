// Add, change and view forms over HTTP: widgets by field type, validation errors by field,
// relations, inlines, the delete page, the history, and the user admin, on every database.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AdminLogEntry, AdminUser, checkPassword } from '../src/index.js'
import { Client, tokenOf } from './support/client.js'
import { availableTargets } from './support/databases.js'
import { Author, Award, Comment, Post, Specimen, Tag } from './support/models.js'
import { type AdminServer, startAdmin } from './support/server.js'

const targets = await availableTargets()

/** The error list shown next to an input. */
function errorsOf(html: string, name: string): string[] {
  const m = new RegExp(`<ul class="errorlist" id="id_${name}_errors">([\\s\\S]*?)</ul>`).exec(html)
  return m ? [...m[1]!.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((x) => x[1]!) : []
}

describe.each(targets)('forms on $name', (target) => {
  let s: AdminServer
  let c: Client

  beforeAll(async () => {
    s = await startAdmin(target, (admin) => {
      admin.register(Post, {
        listDisplay: ['title', 'status'],
        listFilter: ['status'],
        fieldsets: [
          { fields: ['title', 'content', ['author', 'status']] },
          { title: 'Details', fields: ['tags', 'rating', 'featured', 'pubDate'], classes: ['collapse'], description: 'Rarely changed.' },
        ],
        readonlyFields: ['pubDate'],
        inlines: [{ model: Comment, extra: 2, maxNum: 4 }],
        autocompleteFields: ['author'],
      })
      admin.register(Author, { searchFields: ['name', 'email'], inlines: [{ model: Award, style: 'stacked', extra: 1 }] })
      admin.register(Tag, { searchFields: ['name'] })
      admin.register(Comment)
      admin.register(Specimen)
    })
    c = new Client(s.origin)
    await c.login('root', 'root-pass-123')
  })
  afterAll(() => s?.close())
  beforeEach(async () => {
    await Comment.objects.all().delete()
    await Award.objects.all().delete()
    await Post.objects.all().delete()
    await Author.objects.all().delete()
    await Tag.objects.all().delete()
    await Specimen.objects.all().delete()
  })

  it('renders a widget for every field type, with native date and time pickers', async () => {
    const r = await c.get('/admin/lab/specimen/add/')
    expect(r.status).toBe(200)
    const expectInput = (name: string, type: string) => expect(r.text).toMatch(new RegExp(`<input type="${type}"[^>]*name="${name}"`))
    expectInput('label', 'text')
    expectInput('count', 'number')
    expectInput('big', 'number')
    expectInput('price', 'number')
    expectInput('day', 'date')
    expectInput('at', 'datetime-local')
    expectInput('clock', 'time')
    expectInput('mail', 'email')
    expectInput('link', 'url')
    expectInput('active', 'checkbox')
    expect(r.text).toMatch(/<textarea[^>]*name="body"/)
    expect(r.text).toMatch(/<textarea[^>]*name="data"[^>]*class="json"/)
    expect(r.text).toMatch(/<select[^>]*name="maybe"/)
    expect(r.text).toMatch(/<select[^>]*name="level"[^>]*>[\s\S]*?<option value="1" selected>Low<\/option><option value="2">High<\/option>/)
    expect(r.text).toMatch(/name="label"[^>]*maxlength="40"[^>]*required/)
    expect(r.text).toMatch(/name="price"[^>]*step="0.01"/)
    expect(r.text).toMatch(/name="count"[^>]*value="0"/)
  })

  it('saves every field type from the form and shows the values back', async () => {
    const r = await c.post('/admin/lab/specimen/add/', {
      label: '  Sample  ',
      body: 'line one\r\nline two',
      count: '42',
      small: '-7',
      big: '9007199254740993',
      positive: '3',
      ratio: '0.25',
      price: '12.5',
      active: 'on',
      maybe: 'false',
      day: '2024-02-29',
      at: '2024-05-01T14:03:05',
      clock: '08:30',
      span: '1 day, 02:03:04',
      mail: 'a@example.com',
      link: 'https://example.com/x',
      slug: 'a-slug',
      token: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
      data: '{"k": [1, 2]}',
      level: '2',
      _save: '1',
    })
    expect(r.status, r.text.slice(0, 2000)).toBe(302)
    const x = await Specimen.objects.get({ label: 'Sample' })
    expect(x.body).toBe('line one\nline two')
    expect(x.count).toBe(42)
    expect(x.small).toBe(-7)
    expect(x.big).toBe(9007199254740993n)
    expect(x.ratio).toBe(0.25)
    expect(x.price).toBe('12.50')
    expect(x.active).toBe(true)
    expect(x.maybe).toBe(false)
    expect(x.day).toBe('2024-02-29')
    expect(x.at!.toISOString()).toBe('2024-05-01T14:03:05.000Z')
    expect(x.clock).toBe('08:30:00')
    expect(x.span).toBe(93_784_000)
    expect(x.token).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')
    expect(x.data).toEqual({ k: [1, 2] })
    expect(x.level).toBe(2)
    const form = await c.get(`/admin/lab/specimen/${x.pk}/change/`)
    expect(form.text).toMatch(/name="at"[^>]*value="2024-05-01T14:03:05"/)
    expect(form.text).toMatch(/name="span"[^>]*value="1 day, 02:03:04"/)
    expect(form.text).toMatch(/name="big"[^>]*value="9007199254740993"/)
    expect(form.text).toContain('<option value="false" selected>No</option>')
  })

  it('shows validation errors next to their fields and saves nothing', async () => {
    const r = await c.post('/admin/lab/specimen/add/', {
      label: '   ',
      count: '4.5',
      positive: '-1',
      price: 'abc',
      day: '2023-02-30',
      at: 'yesterday',
      mail: 'not-an-email',
      data: '{broken',
      level: '7',
      token: 'nope',
      _save: '1',
    })
    expect(r.status).toBe(200)
    expect(r.text).toContain('Please correct the errors below.')
    expect(errorsOf(r.text, 'label')).toEqual(['This field is required.'])
    expect(errorsOf(r.text, 'count')).toEqual(['Enter a whole number.'])
    expect(errorsOf(r.text, 'positive')[0]).toMatch(/Enter a whole number in range/)
    expect(errorsOf(r.text, 'price')).toEqual(['Enter a number.'])
    expect(errorsOf(r.text, 'day')).toEqual(['Enter a valid date.'])
    expect(errorsOf(r.text, 'at')).toEqual(['Enter a valid date/time.'])
    expect(errorsOf(r.text, 'mail')).toEqual(['Enter a valid email address.'])
    expect(errorsOf(r.text, 'data')).toEqual(['Enter a valid JSON.'])
    expect(errorsOf(r.text, 'level')[0]).toMatch(/Select a valid choice/)
    expect(errorsOf(r.text, 'token')).toEqual(['Enter a valid UUID.'])
    expect(r.text).toMatch(/name="mail"[^>]*aria-invalid="true"[^>]*aria-describedby="id_mail_errors"/)
    expect(r.text).toMatch(/name="mail"[^>]*value="not-an-email"/)
    expect(await Specimen.objects.count()).toBe(0)
  })

  it('reports uniqueness and length problems from the model, keeping the data unchanged', async () => {
    await Tag.objects.create({ name: 'taken' })
    const dup = await c.post('/admin/blog/tag/add/', { name: 'taken', _save: '1' })
    expect(dup.status).toBe(200)
    expect(errorsOf(dup.text, 'name')).toEqual(['Tag with this Name already exists.'])
    const bad = await c.post('/admin/blog/tag/add/', { name: 'not a slug!', _save: '1' })
    expect(errorsOf(bad.text, 'name')[0]).toMatch(/slug/)
    const long = await c.post('/admin/blog/post/add/', { title: 'x'.repeat(101), status: 'draft', rating: '1', 'commentSet-TOTAL_FORMS': '0', 'commentSet-INITIAL_FORMS': '0', _save: '1' })
    expect(errorsOf(long.text, 'title')).toEqual(['Ensure this value has at most 100 characters (it has 101).'])
    expect(await Tag.objects.count()).toBe(1)
    expect(await Post.objects.count()).toBe(0)
  })

  it('adds a post with an author, tags and comments, and records it in the history', async () => {
    const ann = await Author.objects.create({ name: 'Ann', email: 'ann@example.com' })
    const ts = await Tag.objects.create({ name: 'ts' })
    const dj = await Tag.objects.create({ name: 'dj' })
    const form = await c.get('/admin/blog/post/add/')
    expect(form.text).toContain('data-url="/admin/autocomplete/?app=blog&amp;model=post&amp;field=author"')
    expect(form.text).toMatch(/<select multiple[^>]*name="tags"/)
    expect(form.text).toContain('name="commentSet-TOTAL_FORMS" value="2"')
    expect(form.text).toContain('<h2>Details</h2>')
    expect(form.text).toContain('Rarely changed.')
    const r = await c.post('/admin/blog/post/add/', {
      title: 'Hello',
      content: 'Body',
      author: String(ann.pk),
      status: 'published',
      tags: [String(ts.pk), String(dj.pk)],
      rating: '4.5',
      'commentSet-TOTAL_FORMS': '2',
      'commentSet-INITIAL_FORMS': '0',
      'commentSet-0-author': 'Reader',
      'commentSet-0-text': 'First!',
      'commentSet-1-author': '',
      'commentSet-1-text': '',
      _continue: '1',
    })
    expect(r.status, r.text.slice(0, 3000)).toBe(302)
    const post = await Post.objects.get({ title: 'Hello' })
    expect(r.location).toBe(`/admin/blog/post/${post.pk}/change/`)
    expect(post.authorId).toBe(ann.pk)
    expect(post.rating).toBe('4.50')
    expect((await post.tags.all()).map((t) => t.name).sort()).toEqual(['dj', 'ts'])
    expect((await Comment.objects.filter({ post: post.pk })).map((x) => x.text)).toEqual(['First!'])
    const page = await c.get(r.location!)
    expect(page.text).toContain('The post “Hello” was added successfully. You may edit it again below.')
    expect(page.text).toContain('<span class="chip" data-value="')
    const history = await c.get(`/admin/blog/post/${post.pk}/history/`)
    expect(history.text).toContain('Added.')
    expect(history.text).toContain('Added comment “Reader: First!”.')
  })

  it('changes fields and inline rows, deletes a row, and lists the changed fields in the history', async () => {
    const post = await Post.objects.create({ title: 'Before', status: 'draft' })
    const keep = await Comment.objects.create({ post, author: 'a', text: 'keep me' })
    const drop = await Comment.objects.create({ post, author: 'b', text: 'drop me' })
    const path = `/admin/blog/post/${post.pk}/change/`
    const form = await c.get(path)
    expect(form.text).toContain('name="commentSet-INITIAL_FORMS" value="2"')
    const r = await c.post(path, {
      csrfmiddlewaretoken: tokenOf(form.text),
      title: 'After',
      content: '',
      author: '',
      status: 'draft',
      rating: '0.00',
      'commentSet-TOTAL_FORMS': '3',
      'commentSet-INITIAL_FORMS': '2',
      'commentSet-0-id': String(keep.pk),
      'commentSet-0-author': 'a',
      'commentSet-0-text': 'kept and edited',
      'commentSet-1-id': String(drop.pk),
      'commentSet-1-author': 'b',
      'commentSet-1-text': 'drop me',
      'commentSet-1-DELETE': 'on',
      'commentSet-2-author': 'c',
      'commentSet-2-text': 'new one',
      _save: '1',
    })
    expect(r.status, r.text.slice(0, 3000)).toBe(302)
    expect(r.location).toBe('/admin/blog/post/')
    expect((await Post.objects.get({ pk: post.pk })).title).toBe('After')
    expect((await Comment.objects.filter({ post: post.pk }).orderBy('pk')).map((x) => x.text)).toEqual(['kept and edited', 'new one'])
    const history = await c.get(`/admin/blog/post/${post.pk}/history/`)
    expect(history.text).toContain('Changed Title.')
    expect(history.text).toContain('Changed Text for comment “a: kept and edited”.')
    expect(history.text).toContain('Deleted comment “b: drop me”.')
    expect(history.text).toContain('Added comment “c: new one”.')
    const entry = await AdminLogEntry.objects.filter({ objectId: String(post.pk), actionFlag: 2 }).first()
    expect(JSON.parse(entry!.changeMessage)[0]).toEqual({ changed: { fields: ['Title'] } })
  })

  it('shows inline errors and keeps both the object and its rows unchanged', async () => {
    const post = await Post.objects.create({ title: 'Stable' })
    const path = `/admin/blog/post/${post.pk}/change/`
    await c.get(path)
    const r = await c.post(path, {
      title: 'Changed?',
      status: 'draft',
      rating: '0',
      'commentSet-TOTAL_FORMS': '1',
      'commentSet-INITIAL_FORMS': '0',
      'commentSet-0-author': 'only an author',
      'commentSet-0-text': '',
      _save: '1',
    })
    expect(r.status).toBe(200)
    expect(errorsOf(r.text, 'commentSet-0-text')).toEqual(['This field is required.'])
    expect((await Post.objects.get({ pk: post.pk })).title).toBe('Stable')
    expect(await Comment.objects.count()).toBe(0)
  })

  it('refuses a foreign key or many-to-many value that does not exist', async () => {
    await c.get('/admin/blog/post/add/')
    const r = await c.post('/admin/blog/post/add/', { title: 'X', status: 'draft', rating: '1', author: '99999', tags: ['424242'], 'commentSet-TOTAL_FORMS': '0', 'commentSet-INITIAL_FORMS': '0', _save: '1' })
    expect(r.status).toBe(200)
    expect(errorsOf(r.text, 'author')[0]).toMatch(/Select a valid choice/)
    expect(errorsOf(r.text, 'tags')[0]).toMatch(/Select a valid choice/)
    const typed = await c.post('/admin/blog/post/add/', { title: 'X', status: 'draft', rating: '1', author: 'abc', 'commentSet-TOTAL_FORMS': '0', 'commentSet-INITIAL_FORMS': '0', _save: '1' })
    expect(errorsOf(typed.text, 'author')[0]).toMatch(/Select a valid choice/)
    expect(await Post.objects.count()).toBe(0)
  })

  it('"Save and add another" goes back to an empty add form; the list keeps its filters', async () => {
    const list = await c.get('/admin/blog/post/?status__exact=draft')
    expect(list.text).toContain('/admin/blog/post/add/?_changelist_filters=status__exact%3Ddraft')
    const r = await c.post('/admin/blog/post/add/?_changelist_filters=status__exact%3Ddraft', { title: 'One', status: 'draft', rating: '0', 'commentSet-TOTAL_FORMS': '0', 'commentSet-INITIAL_FORMS': '0', _addanother: '1' })
    expect(r.location).toBe('/admin/blog/post/add/?_changelist_filters=status__exact%3Ddraft')
    const saved = await c.post('/admin/blog/post/add/?_changelist_filters=status__exact%3Ddraft', { title: 'Two', status: 'draft', rating: '0', 'commentSet-TOTAL_FORMS': '0', 'commentSet-INITIAL_FORMS': '0', _save: '1' })
    expect(saved.location).toBe('/admin/blog/post/?status__exact=draft')
  })

  it('the autocomplete endpoint searches the target admin and pages its results', async () => {
    for (let i = 0; i < 25; i++) await Author.objects.create({ name: `Writer ${String(i).padStart(2, '0')}`, email: `w${i}@example.com` })
    const r = await c.get('/admin/autocomplete/?app=blog&model=post&field=author&term=writer')
    const data = JSON.parse(r.text)
    expect(data.results).toHaveLength(20)
    expect(data.pagination.more).toBe(true)
    const two = JSON.parse((await c.get('/admin/autocomplete/?app=blog&model=post&field=author&term=writer&page=2')).text)
    expect(two.results).toHaveLength(5)
    const one = JSON.parse((await c.get('/admin/autocomplete/?app=blog&model=post&field=author&term=w7%40example')).text)
    expect(one.results.map((x: { text: string }) => x.text)).toEqual(['Writer 07'])
  })

  it('the delete page lists what the cascade takes, then deletes on confirmation', async () => {
    const ann = await Author.objects.create({ name: 'Ann', email: 'ann@example.com' })
    const post = await Post.objects.create({ title: 'Gone soon', author: ann })
    const tag = await Tag.objects.create({ name: 'tagged' })
    await post.tags.add(tag)
    await Comment.objects.create({ post, author: 'z', text: 'also gone' })
    const page = await c.get(`/admin/blog/author/${ann.pk}/delete/`)
    expect(page.status).toBe(200)
    expect(page.text).toContain('Are you sure you want to delete the author “Ann”?')
    for (const line of ['Authors: 1', 'Posts: 1', 'Comments: 1', 'Post-tag relationships: 1', 'Post: Gone soon', 'Comment: z: also gone']) expect(page.text).toContain(line)
    expect(page.text).toContain(`href="/admin/blog/post/${post.pk}/change/"`)
    const r = await c.post(`/admin/blog/author/${ann.pk}/delete/`, { post: 'yes' })
    expect(r.status).toBe(302)
    expect((await c.get(r.location!)).text).toContain('The author “Ann” was deleted successfully.')
    expect(await Post.objects.count()).toBe(0)
    expect(await Tag.objects.count()).toBe(1)
    const missing = await c.get(`/admin/blog/author/${ann.pk}/change/`)
    expect(missing.status).toBe(302)
    expect((await c.get(missing.location!)).text).toContain(`Author with ID “${ann.pk}” doesn’t exist. Perhaps it was deleted?`)
  })

  it('a stacked inline edits awards on the author page', async () => {
    const ann = await Author.objects.create({ name: 'Ann', email: 'ann@example.com' })
    const path = `/admin/blog/author/${ann.pk}/change/`
    const form = await c.get(path)
    expect(form.text).toContain('class="inline-group stacked"')
    const r = await c.post(path, { name: 'Ann', email: 'ann@example.com', age: '', 'awards-TOTAL_FORMS': '1', 'awards-INITIAL_FORMS': '0', 'awards-0-name': 'Gold', _save: '1' })
    expect(r.status, r.text.slice(0, 2000)).toBe(302)
    expect((await Award.objects.get({ author: ann.pk })).name).toBe('Gold')
  })

  it('the user admin hashes passwords, never shows them, and sets them through its own form', async () => {
    const add = await c.get('/admin/auth/adminuser/add/')
    expect(add.text).toContain('name="password1"')
    const weak = await c.post('/admin/auth/adminuser/add/', { username: 'newbie', password1: '1234', password2: '1234' })
    expect(weak.status).toBe(200)
    expect(weak.text).toContain('This password is too short.')
    const mismatch = await c.post('/admin/auth/adminuser/add/', { username: 'newbie', password1: 'a-long-passphrase', password2: 'another-passphrase' })
    expect(mismatch.text).toContain('The two password fields didn’t match.')
    const taken = await c.post('/admin/auth/adminuser/add/', { username: 'root', password1: 'a-long-passphrase', password2: 'a-long-passphrase' })
    expect(taken.text).toContain('already exists')
    const r = await c.post('/admin/auth/adminuser/add/', { username: 'newbie', password1: 'a-long-passphrase', password2: 'a-long-passphrase' })
    expect(r.status).toBe(302)
    const user = await AdminUser.objects.get({ username: 'newbie' })
    expect(user.password).toMatch(/^scrypt\$/)
    expect(await checkPassword('a-long-passphrase', user.password)).toBe(true)
    expect(user.isStaff).toBe(false)
    const change = await c.get(r.location!)
    expect(change.text).toContain('algorithm: scrypt')
    expect(change.text).not.toContain(user.password)
    expect(change.text).not.toContain('name="password"')
    expect(change.text).toContain('href="../password/"')
    const pw = await c.post(`/admin/auth/adminuser/${user.pk}/password/`, { new_password1: 'fresh-passphrase-2', new_password2: 'fresh-passphrase-2' })
    expect(pw.status).toBe(302)
    expect(await checkPassword('fresh-passphrase-2', (await AdminUser.objects.get({ pk: user.pk })).password)).toBe(true)
    await AdminUser.objects.filter({ pk: user.pk }).update({ isStaff: true })
    expect((await new Client(s.origin).login('newbie', 'fresh-passphrase-2')).status).toBe(302)
    await AdminUser.objects.filter({ pk: user.pk }).delete()
  })
})
