// Every security rule of the admin, checked over HTTP against a real server and database.
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AdminLoginAttempt, AdminSession, AdminUser } from '../src/index.js'
import { Client, tokenOf } from './support/client.js'
import { availableTargets } from './support/databases.js'
import { Author, Comment, Post, Tag } from './support/models.js'
import { type AdminServer, startAdmin } from './support/server.js'
import { makeStaff } from './support/users.js'

const targets = await availableTargets()

describe.each(targets)('admin security on $name', (target) => {
  let s: AdminServer
  let root: Client

  beforeAll(async () => {
    s = await startAdmin(target, (admin) => {
      admin.register(Post, {
        listDisplay: ['title', 'author', 'status'],
        listFilter: ['status', 'author'],
        searchFields: ['title', 'author__name'],
        fields: ['title', 'content', 'author', 'tags'],
        readonlyFields: ['pubDate'],
        inlines: [{ model: Comment, extra: 1 }],
      })
      admin.register(Author, { searchFields: ['name'] })
      admin.register(Tag)
    })
    root = new Client(s.origin)
    expect((await root.login('root', 'root-pass-123')).status).toBe(302)
  })
  afterAll(() => s?.close())
  beforeEach(async () => {
    await Comment.objects.all().delete()
    await Post.objects.all().delete()
    await Author.objects.all().delete()
    await AdminLoginAttempt.objects.all().delete()
  })

  describe('login and sessions', () => {
    it('sends anonymous visitors to the login page with next set to where they were going', async () => {
      const c = new Client(s.origin)
      const r = await c.get('/admin/blog/post/?q=x')
      expect(r.status).toBe(302)
      expect(r.location).toBe(`/admin/login/?${new URLSearchParams({ next: '/admin/blog/post/?q=x' })}`)
      expect((await c.get('/admin/auth/adminuser/')).status).toBe(302)
    })

    it('refuses a wrong password with a generic message and starts no session', async () => {
      const c = new Client(s.origin)
      const r = await c.login('root', 'wrong-password')
      expect(r.status).toBe(200)
      expect(r.text).toContain('Please enter the correct username and password for a staff account')
      expect(c.jar.has('strata_admin_session')).toBe(false)
      const unknown = await c.login('nobody', 'whatever-123')
      expect(unknown.text).toContain('Please enter the correct username and password for a staff account')
    })

    it('sets HttpOnly SameSite=Lax cookies, without Secure over plain HTTP', async () => {
      const c = new Client(s.origin)
      const r = await c.login('root', 'root-pass-123')
      const session = r.cookies.find((x) => x.startsWith('strata_admin_session='))!
      expect(session).toMatch(/; HttpOnly/)
      expect(session).toMatch(/; SameSite=Lax/)
      expect(session).toMatch(/; Path=\/admin/)
      expect(session).not.toMatch(/Secure/)
      const csrf = r.cookies.find((x) => x.startsWith('strata_admin_csrf='))!
      expect(csrf).toMatch(/; HttpOnly; SameSite=Lax/)
    })

    it('marks cookies Secure when the request came over HTTPS', async () => {
      const res = await s.admin.fetch(new Request('https://admin.example/admin/login/'))
      expect(res.status).toBe(200)
      const cookies = res.headers.getSetCookie()
      expect(cookies.length).toBeGreaterThan(0)
      for (const c of cookies) expect(c).toMatch(/; Secure/)
    })

    it('stores sessions in the database under a hash of the cookie, and ends them at logout', async () => {
      const c = new Client(s.origin)
      await c.login('root', 'root-pass-123')
      const token = c.jar.get('strata_admin_session')!
      const key = createHash('sha256').update(token).digest('hex')
      expect(await AdminSession.objects.filter({ key }).exists()).toBe(true)
      expect(await AdminSession.objects.filter({ key: token }).exists()).toBe(false)
      const confirm = await c.get('/admin/logout/')
      expect(confirm.status).toBe(200)
      expect(await AdminSession.objects.filter({ key }).exists()).toBe(true)
      const out = await c.post('/admin/logout/')
      expect(out.status).toBe(200)
      expect(out.text).toContain('Log in again')
      expect(await AdminSession.objects.filter({ key }).exists()).toBe(false)
      const replay = new Client(s.origin)
      replay.jar.set('strata_admin_session', token)
      expect((await replay.get('/admin/')).status).toBe(302)
    })

    it('lets neither non-staff nor inactive users in', async () => {
      await makeStaff('visitor', [], { isStaff: false })
      await makeStaff('gone', [], { isActive: false })
      for (const name of ['visitor', 'gone']) {
        const c = new Client(s.origin)
        const r = await c.login(name, `${name}-pass-123`)
        expect(r.status).toBe(200)
        expect(r.text).toContain('Please enter the correct username and password')
      }
    })

    it('ends a session when the user is made inactive or the password changes elsewhere', async () => {
      const u = await makeStaff('moving', ['blog.view_post'])
      const a = new Client(s.origin)
      const b = new Client(s.origin)
      await a.login('moving', 'moving-pass-123')
      await b.login('moving', 'moving-pass-123')
      expect((await a.get('/admin/')).status).toBe(200)
      await a.get('/admin/password_change/')
      const changed = await a.post('/admin/password_change/', { old_password: 'moving-pass-123', new_password1: 'brand-new-secret-9', new_password2: 'brand-new-secret-9' })
      expect(changed.status).toBe(302)
      expect((await a.get('/admin/')).status).toBe(200)
      expect((await b.get('/admin/')).status).toBe(302)
      await AdminUser.objects.filter({ pk: u.pk }).update({ isActive: false })
      expect((await a.get('/admin/')).status).toBe(302)
    })

    it('throttles a username after five failures, even with the right password, and counts per address', async () => {
      const c = new Client(s.origin)
      for (let i = 0; i < 5; i++) expect((await c.login('root', `bad-${i}-password`)).status).toBe(200)
      const locked = await c.login('root', 'root-pass-123')
      expect(locked.status).toBe(429)
      expect(locked.text).toContain('Too many failed login attempts')
      expect(c.jar.has('strata_admin_session')).toBe(false)
      const attempt = await AdminLoginAttempt.objects.get({ key: 'user:root' })
      expect(attempt.failures).toBe(5)
      expect(attempt.lockedUntil!.getTime()).toBeGreaterThan(Date.now())
      await makeStaff('other', ['blog.view_post'])
      expect((await new Client(s.origin).login('other', 'other-pass-123')).status).toBe(302)
      expect(await AdminLoginAttempt.objects.filter({ key__startswith: 'addr:' }).count()).toBe(1)
      await AdminLoginAttempt.objects.all().delete()
      expect((await c.login('root', 'root-pass-123')).status).toBe(302)
    })

    it('forgets counters whose window has passed, but not current locks', async () => {
      const { clearStaleFailures } = await import('../src/throttle.js')
      const { DEFAULT_THROTTLE } = await import('../src/index.js')
      const old = new Date(Date.now() - 3600_000)
      await AdminLoginAttempt.objects.create({ key: 'user:stale', failures: 2, firstFailure: old })
      await AdminLoginAttempt.objects.create({ key: 'user:locked', failures: 5, firstFailure: old, lockedUntil: new Date(Date.now() + 60_000) })
      await AdminLoginAttempt.objects.create({ key: 'user:fresh', failures: 1, firstFailure: new Date() })
      expect(await clearStaleFailures(DEFAULT_THROTTLE, undefined)).toBe(1)
      expect((await AdminLoginAttempt.objects.orderBy('key').valuesList('key', { flat: true })).sort()).toEqual(['user:fresh', 'user:locked'])
    })
  })

  describe('next= after login', () => {
    const cases: [string, string][] = [
      ['/admin/blog/post/?q=a', '/admin/blog/post/?q=a'],
      ['//evil.example/admin/', '/admin/'],
      ['https://evil.example/admin/', '/admin/'],
      ['/\\evil.example', '/admin/'],
      ['/admin/../elsewhere/', '/admin/'],
      ['/elsewhere/', '/admin/'],
      ['javascript:alert(1)', '/admin/'],
      ['/admin/logout/', '/admin/'],
    ]
    it.each(cases)('next=%s goes to %s', async (next, expected) => {
      const c = new Client(s.origin)
      const r = await c.login('root', 'root-pass-123', next)
      expect(r.status).toBe(302)
      expect(r.location).toBe(expected)
    })

    it('the login form echoes only a safe next', async () => {
      const r = await new Client(s.origin).get(`/admin/login/?${new URLSearchParams({ next: 'https://evil.example/' })}`)
      expect(r.text).toContain('name="next" value="/admin/"')
      expect(r.text).not.toContain('evil.example')
    })
  })

  describe('CSRF', () => {
    it('refuses a state-changing POST without a token, with a wrong one, from another origin, or without the cookie, and changes nothing', async () => {
      const author = await Author.objects.create({ name: 'Ann', email: 'ann@example.com' })
      const path = `/admin/blog/author/${author.pk}/change/`
      await root.get(path)
      const good = root.lastToken!
      const fields = { name: 'Hacked', email: 'ann@example.com', age: '' }
      expect((await root.post(path, fields, { csrf: false })).status).toBe(403)
      const wrong = `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`
      expect((await root.post(path, fields, { csrf: wrong })).status).toBe(403)
      const other = new Client(s.origin)
      await other.login('root', 'root-pass-123')
      expect((await root.post(path, fields, { csrf: other.lastToken! })).status).toBe(403)
      const foreign = await root.post(path, fields, { origin: 'https://evil.example' })
      expect(foreign.status).toBe(403)
      expect(foreign.text).toContain('CSRF verification failed')
      const noCookie = new Client(s.origin)
      noCookie.jar.set('strata_admin_session', root.jar.get('strata_admin_session')!)
      expect((await noCookie.post(path, fields, { csrf: good })).status).toBe(403)
      expect((await Author.objects.get({ pk: author.pk })).name).toBe('Ann')
      expect((await root.post(path, { ...fields, _save: '1' }, { csrf: good })).status).toBe(302)
      expect((await Author.objects.get({ pk: author.pk })).name).toBe('Hacked')
    })

    it('protects the login and logout forms too', async () => {
      const c = new Client(s.origin)
      await c.get('/admin/login/')
      expect((await c.post('/admin/login/', { username: 'root', password: 'root-pass-123' }, { csrf: false })).status).toBe(403)
      await c.login('root', 'root-pass-123')
      expect((await c.post('/admin/logout/', {}, { csrf: false })).status).toBe(403)
      expect((await c.get('/admin/')).status).toBe(200)
    })

    it('over HTTPS a POST without Origin needs a same-origin Referer', async () => {
      const page = await s.admin.fetch(new Request('https://admin.example/admin/login/'))
      const secret = page.headers
        .getSetCookie()
        .find((c) => c.startsWith('strata_admin_csrf='))!
        .split(';')[0]!
      const token = tokenOf(await page.text())
      const post = (headers: Record<string, string>) =>
        s.admin.fetch(
          new Request('https://admin.example/admin/login/', {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: secret, ...headers },
            body: new URLSearchParams({ csrfmiddlewaretoken: token, username: 'root', password: 'root-pass-123' }).toString(),
          }),
        )
      expect((await post({})).status).toBe(403)
      expect((await post({ referer: 'https://evil.example/' })).status).toBe(403)
      expect((await post({ referer: 'https://admin.example/admin/login/' })).status).toBe(302)
    })
  })

  describe('output is escaped', () => {
    it('shows a stored script as text in the list, the form, the history and the delete page', async () => {
      const evil = '<script>alert("x")</script>'
      const author = await Author.objects.create({ name: `<img src=x onerror=alert(1)>`, email: 'e@example.com' })
      const post = await Post.objects.create({ title: evil, content: '"><svg onload=alert(2)>', author })
      for (const path of ['/admin/blog/post/', `/admin/blog/post/${post.pk}/change/`, `/admin/blog/post/${post.pk}/delete/`, `/admin/blog/author/${author.pk}/delete/`, '/admin/blog/post/?q=%3Cscript%3E']) {
        const r = await root.get(path)
        expect(r.status).toBe(200)
        expect(r.text).not.toContain('<script>alert')
        expect(r.text).not.toContain('<img src=x')
        expect(r.text).not.toContain('<svg onload')
      }
      const list = await root.get('/admin/blog/post/')
      expect(list.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;')
      expect(list.text).toContain('&lt;img src=x onerror=alert(1)&gt;')
    })

    it('sends a strict content security policy and refuses framing', async () => {
      const r = await root.get('/admin/')
      expect(r.headers.get('content-security-policy')).toContain("script-src 'self'")
      expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
      expect(r.headers.get('x-frame-options')).toBe('DENY')
      expect(r.headers.get('x-content-type-options')).toBe('nosniff')
      expect(r.headers.get('cache-control')).toBe('no-store')
    })
  })

  describe('query parameters are allow-listed', () => {
    it.each([
      ['/admin/blog/post/?password__startswith=a', 400],
      ['/admin/blog/post/?content__regex=.*', 400],
      ['/admin/blog/post/?author__email__startswith=a', 400],
      ['/admin/auth/adminuser/?password__startswith=scrypt', 400],
      ['/admin/blog/post/?o=99', 400],
      ['/admin/blog/post/?o=1;drop table post', 400],
      ['/admin/blog/post/?p=abc', 400],
      ['/admin/blog/post/?author__id__exact=abc', 400],
      ['/admin/blog/post/?author__id__exact=1%27%20OR%201=1', 400],
      ['/admin/blog/post/?status__exact=nope', 400],
      ['/admin/blog/post/?author__isnull=maybe', 400],
      ['/admin/blog/post/?status__exact=draft', 200],
      ['/admin/blog/post/?p=999', 200],
    ])('%s answers %i', async (path, status) => {
      const r = await root.get(path)
      expect(r.status).toBe(status)
      expect(r.text).not.toMatch(/syntax error|SQLITE_|ER_PARSE|sqlMessage/i)
    })

    it('treats a search as text, never as SQL', async () => {
      await Post.objects.create({ title: 'Plain' })
      await Post.objects.create({ title: "it's 100% _real_" })
      const inj = await root.get(`/admin/blog/post/?${new URLSearchParams({ q: "' OR 1=1 --" })}`)
      expect(inj.status).toBe(200)
      expect(inj.text).toContain('No posts match.')
      const pct = await root.get(`/admin/blog/post/?${new URLSearchParams({ q: '100%' })}`)
      expect(pct.text).toContain('it&#39;s 100% _real_')
      expect(pct.text).not.toContain('>Plain<')
      expect(await Post.objects.count()).toBe(2)
    })

    it('answers 404 for unknown models and malformed keys, 405 for other methods, 415 and 413 for bodies it does not take', async () => {
      expect((await root.get('/admin/blog/nothing/')).status).toBe(404)
      expect((await root.get('/admin/blog/post/abc/change/')).status).toBe(302)
      expect((await root.get('/admin/blog/post/%E0%A4%A/change/')).status).toBe(404)
      const put = await fetch(`${s.origin}/admin/`, { method: 'PUT' })
      expect(put.status).toBe(405)
      const multipart = await root.post('/admin/blog/author/add/', {}, { headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--' })
      expect(multipart.status).toBe(415)
      const big = await root.post('/admin/blog/author/add/', {}, { body: `a=${'x'.repeat(3_000_000)}` })
      expect(big.status).toBe(413)
    })

    it('adds missing slashes, answers HEAD, and serves its own static files with long caching', async () => {
      expect((await root.get('/admin')).location).toBe('/admin/')
      expect((await root.get('/admin/blog/post?q=a')).location).toBe('/admin/blog/post/?q=a')
      const head = await fetch(`${s.origin}/admin/login/`, { method: 'HEAD' })
      expect(head.status).toBe(200)
      expect(await head.text()).toBe('')
      const page = await root.get('/admin/')
      const href = /href="(\/admin\/static\/admin\.css\?v=\w+)"/.exec(page.text)![1]!
      const css = await fetch(`${s.origin}${href}`)
      expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8')
      expect(css.headers.get('cache-control')).toContain('immutable')
      expect(await css.text()).toContain('.messagelist')
      const js = await fetch(`${s.origin}/admin/static/admin.js`)
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
      expect((await fetch(`${s.origin}/admin/static/../../etc/passwd`)).status).not.toBe(200)
      expect((await fetch(`${s.origin}/admin/static/nope.css`)).status).toBe(404)
      expect((await fetch(`${s.origin}/elsewhere`)).status).toBe(404)
      expect((await root.get('/admin//evil.example')).status).toBe(404)
      const rooted = new (await import('../src/index.js')).Admin({ prefix: '', registerAuthModels: false })
      const r = await rooted.fetch(new Request('http://a.test//evil.example'))
      expect(r.status).toBe(404)
      expect(r.headers.get('location')).toBeNull()
    })
  })

  describe('forms write only their own fields', () => {
    it('ignores fields that are not on the form or are read-only in a crafted POST', async () => {
      const post = await Post.objects.create({ title: 'Original', status: 'draft', featured: false, rating: '1.00' })
      const before = await Post.objects.get({ pk: post.pk })
      const path = `/admin/blog/post/${post.pk}/change/`
      const page = await root.get(path)
      const fields = new URLSearchParams({ title: 'Edited', content: '', author: '', 'commentSet-TOTAL_FORMS': '0', 'commentSet-INITIAL_FORMS': '0' })
      for (const [k, v] of Object.entries({ status: 'published', featured: 'on', rating: '9.99', pubDate: '2001-01-01T00:00:00', id: '999', pk: '999' })) fields.append(k, v)
      fields.set('csrfmiddlewaretoken', tokenOf(page.text))
      expect((await root.post(path, fields)).status).toBe(302)
      const after = await Post.objects.get({ pk: post.pk })
      expect(after.title).toBe('Edited')
      expect(after.status).toBe('draft')
      expect(after.featured).toBe(false)
      expect(after.rating).toBe('1.00')
      expect(after.pubDate.getTime()).toBe(before.pubDate.getTime())
      expect(await Post.objects.filter({ pk: 999 }).exists()).toBe(false)
    })

    it('cannot set a password or a superuser flag through fields the user form does not write', async () => {
      const staff = await makeStaff('editor', ['auth.change_adminuser', 'auth.view_adminuser'])
      const hash = (await AdminUser.objects.get({ pk: staff.pk })).password
      const c = new Client(s.origin)
      await c.login('editor', 'editor-pass-123')
      const path = `/admin/auth/adminuser/${staff.pk}/change/`
      const page = await c.get(path)
      expect(page.status).toBe(200)
      const r = await c.post(path, {
        username: 'editor',
        password: 'scrypt$1$1$1$AAAA$BBBB',
        lastLogin: '2001-01-01T00:00',
        firstName: '',
        lastName: '',
        email: '',
        isActive: 'on',
        isStaff: 'on',
        dateJoined: '2020-01-01T00:00:00',
        _save: '1',
      })
      expect(r.status).toBe(302)
      expect((await AdminUser.objects.get({ pk: staff.pk })).password).toBe(hash)
    })

    it('cannot edit a comment of another post through the inline of this one', async () => {
      const mine = await Post.objects.create({ title: 'Mine' })
      const theirs = await Post.objects.create({ title: 'Theirs' })
      const foreign = await Comment.objects.create({ post: theirs, author: 'x', text: 'untouched' })
      const path = `/admin/blog/post/${mine.pk}/change/`
      await root.get(path)
      const r = await root.post(path, {
        title: 'Mine',
        content: '',
        author: '',
        'commentSet-TOTAL_FORMS': '1',
        'commentSet-INITIAL_FORMS': '1',
        'commentSet-0-id': String(foreign.pk),
        'commentSet-0-author': 'x',
        'commentSet-0-text': 'rewritten',
        _save: '1',
      })
      expect(r.status).toBe(200)
      expect(r.text).toContain('was not found among this object’s own')
      const still = await Comment.objects.get({ pk: foreign.pk })
      expect(still.text).toBe('untouched')
      expect(still.postId).toBe(theirs.pk)
      const tampered = await root.post(path, { title: 'Mine', 'commentSet-TOTAL_FORMS': '5000', 'commentSet-INITIAL_FORMS': '0' })
      expect(tampered.status).toBe(400)
    })
  })

  describe('permissions', () => {
    it('a user with only view_post sees posts read-only and can neither change, add nor delete', async () => {
      const post = await Post.objects.create({ title: 'Read me' })
      await makeStaff('viewer', ['blog.view_post'])
      const c = new Client(s.origin)
      await c.login('viewer', 'viewer-pass-123')
      const index = await c.get('/admin/')
      expect(index.text).toContain('>Posts</a>')
      expect(index.text).not.toContain('>Authors<')
      expect(index.text).not.toContain('>Users<')
      const list = await c.get('/admin/blog/post/')
      expect(list.status).toBe(200)
      expect(list.text).toContain('Select post to view')
      expect(list.text).not.toContain('delete_selected')
      expect(list.text).not.toContain('Add post')
      const form = await c.get(`/admin/blog/post/${post.pk}/change/`)
      expect(form.status).toBe(200)
      expect(form.text).toContain('View post')
      expect(form.text).not.toContain('name="title"')
      expect((await c.post(`/admin/blog/post/${post.pk}/change/`, { title: 'Changed', _save: '1' })).status).toBe(403)
      expect((await c.get('/admin/blog/post/add/')).status).toBe(403)
      expect((await c.get(`/admin/blog/post/${post.pk}/delete/`)).status).toBe(403)
      expect((await c.post(`/admin/blog/post/${post.pk}/delete/`, { post: 'yes' })).status).toBe(403)
      expect((await c.post('/admin/blog/post/', { action: 'delete_selected', _selected_action: String(post.pk), post: 'yes' })).status).toBe(403)
      expect((await c.get('/admin/blog/author/')).status).toBe(403)
      expect((await c.get('/admin/auth/adminuser/')).status).toBe(403)
      expect((await Post.objects.get({ pk: post.pk })).title).toBe('Read me')
    })

    it('a staff user without permissions sees an empty index', async () => {
      await makeStaff('nobody')
      const c = new Client(s.origin)
      await c.login('nobody', 'nobody-pass-123')
      const index = await c.get('/admin/')
      expect(index.status).toBe(200)
      expect(index.text).toContain('You don’t have permission to view or edit anything.')
      expect((await c.get('/admin/blog/post/')).status).toBe(403)
      expect((await c.get('/admin/blog/')).status).toBe(404)
    })

    it('permissions given through a group count', async () => {
      const { AdminGroup, AdminPermission } = await import('../src/index.js')
      const group = await AdminGroup.objects.create({ name: 'Editors' })
      await group.permissions.add(await AdminPermission.objects.get({ app: 'blog', codename: 'change_post' }))
      const u = await makeStaff('grouped')
      await u.groups.add(group)
      const c = new Client(s.origin)
      await c.login('grouped', 'grouped-pass-123')
      const post = await Post.objects.create({ title: 'Group edit' })
      const form = await c.get(`/admin/blog/post/${post.pk}/change/`)
      expect(form.text).toContain('name="title"')
      expect((await c.get('/admin/blog/post/add/')).status).toBe(403)
    })

    it('the autocomplete endpoint answers only logged-in users who may view the target', async () => {
      await Author.objects.create({ name: 'Zed', email: 'z@example.com' })
      const anon = await new Client(s.origin).get('/admin/autocomplete/?app=blog&model=post&field=author&term=Z')
      expect(anon.status).toBe(302)
      const ok = await root.get('/admin/autocomplete/?app=blog&model=post&field=author&term=Ze')
      expect(ok.status).toBe(200)
      expect(JSON.parse(ok.text).results.map((r: { text: string }) => r.text)).toEqual(['Zed'])
      expect((await root.get('/admin/autocomplete/?app=blog&model=post&field=author&evil=1')).status).toBe(400)
      expect((await root.get('/admin/autocomplete/?app=blog&model=post&field=title')).status).toBe(404)
      await makeStaff('postsonly', ['blog.view_post'])
      const c = new Client(s.origin)
      await c.login('postsonly', 'postsonly-pass-123')
      expect((await c.get('/admin/autocomplete/?app=blog&model=post&field=author&term=Z')).status).toBe(403)
    })
  })
})
