// The pieces that need no database: escaping, password hashing and rules, CSRF tokens, search
// splitting, and the checks `register()` runs on its options.
import { FieldError, NotSupportedError, TypeMismatchError } from '@strata/core'
import { describe, expect, it } from 'vitest'
import { searchTerms } from '../src/changelist.js'
import { maskSecret, newCsrfSecret, originProblem, tokenMatches } from '../src/csrf.js'
import { serializeCookie } from '../src/http.js'
import { Admin, AlreadyRegistered, checkPassword, escapeHtml, html, isPasswordUsable, makePassword, needsRehash, raw, unusablePassword, validatePassword } from '../src/index.js'
import { Author, Comment, Post, Specimen, Tag } from './support/models.js'

describe('HTML escaping', () => {
  it('escapes every interpolated value unless it is SafeHtml', () => {
    const evil = `<script>alert("x")</script>'&\``
    expect(String(html`<p title="${evil}">${evil}</p>`)).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;&#96;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;&#96;</p>',
    )
    expect(String(html`<div>${html`<b>${'<i>'}</b>`}</div>`)).toBe('<div><b>&lt;i&gt;</b></div>')
    expect(String(html`${['<a>', raw('<br>'), null, undefined, false, 0]}`)).toBe('&lt;a&gt;<br>0')
    expect(escapeHtml('a & b')).toBe('a &amp; b')
  })
})

describe('passwords', () => {
  it('hashes with scrypt at the default cost (N=2^14, r=8, p=5) and a fresh salt', async () => {
    const a = await makePassword('correct horse battery staple')
    const b = await makePassword('correct horse battery staple')
    expect(a).toMatch(/^scrypt\$16384\$8\$5\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]{44}$/)
    expect(a).not.toBe(b)
    expect(await checkPassword('correct horse battery staple', a)).toBe(true)
    expect(await checkPassword('correct horse battery stapler', a)).toBe(false)
    expect(needsRehash(a)).toBe(false)
    expect(needsRehash(a, { N: 2 ** 15, r: 8, p: 5 })).toBe(true)
  })

  it('never matches a missing, malformed or unusable hash', async () => {
    const cheap = { N: 1024, r: 8, p: 1 }
    expect(await checkPassword('x', null)).toBe(false)
    expect(await checkPassword('x', '')).toBe(false)
    expect(await checkPassword('x', 'md5$abc')).toBe(false)
    expect(await checkPassword('x', 'scrypt$3$8$1$AAAAAAAAAAAA$AAAA')).toBe(false)
    const unusable = unusablePassword()
    expect(isPasswordUsable(unusable)).toBe(false)
    expect(await checkPassword(unusable, unusable)).toBe(false)
    expect(isPasswordUsable(await makePassword('x', cheap))).toBe(true)
    await expect(makePassword('x', { N: 1000, r: 8, p: 1 })).rejects.toThrow(RangeError)
  })

  it('refuses short, numeric, common and username-like passwords', () => {
    expect(validatePassword('')).toEqual(['This field cannot be blank.'])
    expect(validatePassword('abc')).toContain('This password is too short. It must contain at least 8 characters.')
    expect(validatePassword('1234567890')).toContain('This password is entirely numeric.')
    expect(validatePassword('password123')).toContain('This password is too common.')
    expect(validatePassword('annabelle1', { username: 'annabelle' })).toContain('The password is too similar to the username.')
    expect(validatePassword('a-long-passphrase', { username: 'ann', email: 'ann@example.com' })).toEqual([])
  })
})

describe('CSRF tokens and cookies', () => {
  it('masks the secret differently every time, and unmasks only to that secret', () => {
    const secret = newCsrfSecret()
    const a = maskSecret(secret)
    const b = maskSecret(secret)
    expect(a).not.toBe(b)
    expect(tokenMatches(a, secret)).toBe(true)
    expect(tokenMatches(b, secret)).toBe(true)
    expect(tokenMatches(a, newCsrfSecret())).toBe(false)
    expect(tokenMatches(`${a.slice(0, -1)}${a.endsWith('A') ? 'B' : 'A'}`, secret)).toBe(false)
    expect(tokenMatches(secret, secret)).toBe(false)
    expect(tokenMatches(null, secret)).toBe(false)
    expect(tokenMatches(a, undefined)).toBe(false)
  })

  it('checks Origin always and Referer over HTTPS', () => {
    const h = (x: Record<string, string>) => new Headers(x)
    expect(originProblem(h({ origin: 'http://a.test' }), 'http://a.test', false)).toBeNull()
    expect(originProblem(h({ origin: 'http://b.test' }), 'http://a.test', false)).toMatch(/Origin checking failed/)
    expect(originProblem(h({ origin: 'null' }), 'http://a.test', false)).toMatch(/opaque/)
    expect(originProblem(h({}), 'http://a.test', false)).toBeNull()
    expect(originProblem(h({}), 'https://a.test', true)).toMatch(/no Referer/)
    expect(originProblem(h({ referer: 'https://a.test/admin/' }), 'https://a.test', true)).toBeNull()
    expect(originProblem(h({ referer: 'https://a.test.evil/' }), 'https://a.test', true)).toMatch(/Referer checking failed/)
  })

  it('cookies are HttpOnly and SameSite=Lax, Secure when asked, and refuse odd names or values', () => {
    expect(serializeCookie('s', 'v', { path: '/admin', secure: true, maxAge: 10 })).toBe('s=v; Path=/admin; HttpOnly; SameSite=Lax; Secure; Max-Age=10')
    expect(() => serializeCookie('s;x', 'v', { path: '/', secure: false })).toThrow()
    expect(() => serializeCookie('s', 'v; Domain=evil', { path: '/', secure: false })).toThrow()
  })
})

describe('search terms', () => {
  it('splits on spaces and keeps quoted phrases together', () => {
    expect(searchTerms('red  car')).toEqual(['red', 'car'])
    expect(searchTerms('"red car" bike')).toEqual(['red car', 'bike'])
    expect(searchTerms("'it is' x")).toEqual(['it is', 'x'])
    expect(searchTerms('   ')).toEqual([])
  })
})

describe('register() checks its options at once (Django admin checks)', () => {
  const admin = () => new Admin({ registerAuthModels: false })

  it('names the unknown field in listDisplay, listFilter, searchFields, ordering and the form', () => {
    expect(() => admin().register(Post, { listDisplay: ['nope'] })).toThrow(/listDisplay item "nope": Post has no field or relation "nope"/)
    expect(() => admin().register(Post, { listDisplay: ['author__nope'] })).toThrow(/Author has no field or relation "nope"/)
    expect(() => admin().register(Post, { listFilter: ['missing'] })).toThrow(FieldError)
    expect(() => admin().register(Post, { searchFields: ['titel'] })).toThrow(FieldError)
    expect(() => admin().register(Post, { ordering: ['-nope'] })).toThrow(FieldError)
    expect(() => admin().register(Post, { fields: ['title', 'ghost'] })).toThrow(/neither a field of Post nor in readonlyFields/)
    expect(() => admin().register(Post, { readonlyFields: ['ghost'] })).toThrow(FieldError)
    expect(() => admin().register(Post, { dateHierarchy: 'title' })).toThrow(/must be a date or date-time field/)
    expect(() => admin().register(Post, { listDisplayLinks: ['author'] })).toThrow(/not in listDisplay/)
  })

  it('refuses many-valued columns, non-editable form fields and searches a field cannot do', () => {
    expect(() => admin().register(Post, { listDisplay: ['tags'] })).toThrow(/reaches many objects/)
    expect(() => admin().register(Post, { listDisplay: ['commentSet'] })).toThrow(FieldError)
    expect(() => admin().register(Post, { fields: ['title', 'pubDate'] })).toThrow(/not editable \(add it to readonlyFields\)/)
    expect(() => admin().register(Author, { searchFields: ['age'] })).toThrow(/only an exact search works; write '=age'/)
    expect(() => admin().register(Author, { searchFields: ['=age', '^name'] })).not.toThrow()
    expect(() => admin().register(Post, { searchFields: ['author'] })).toThrow(/must end at a field with values/)
  })

  it("'@' full-text search is refused with NotSupportedError while no 'search' lookup exists", () => {
    const e = (() => {
      try {
        admin().register(Post, { searchFields: ['@content'] })
      } catch (err) {
        return err
      }
      return null
    })()
    expect(e).toBeInstanceOf(NotSupportedError)
    expect((e as Error).message).toMatch(/full-text search/)
  })

  it('checks inlines, actions, autocomplete fields and numbers', () => {
    expect(() => admin().register(Post, { inlines: [{ model: Tag }] })).toThrow(/has no foreign key to Post/)
    expect(() => admin().register(Post, { inlines: [{ model: Comment, fkName: 'nope' }] })).toThrow(FieldError)
    expect(() => admin().register(Post, { inlines: [{ model: Comment, fields: ['post'] }] })).toThrow(/cannot edit its foreign key/)
    expect(() => admin().register(Post, { actions: [{ name: 'bad name', description: 'x', run: () => undefined }] })).toThrow(TypeMismatchError)
    expect(() => admin().register(Post, { autocompleteFields: ['title'] })).toThrow(/not a foreign key or many-to-many/)
    expect(() => admin().register(Post, { listPerPage: 0 })).toThrow(TypeMismatchError)
    expect(() => admin().register(Post, { listFilter: [{ title: 't', parameterName: 'q', lookups: () => [], queryset: (qs) => qs }] })).toThrow(/plain identifier/)
  })

  it('registering twice is AlreadyRegistered; a bad prefix is refused', () => {
    const a = admin().register(Specimen)
    expect(a.isRegistered(Specimen)).toBe(true)
    expect(() => a.register(Specimen)).toThrow(AlreadyRegistered)
    a.unregister(Specimen)
    expect(a.isRegistered(Specimen)).toBe(false)
    expect(() => new Admin({ prefix: 'admin"><script>' })).toThrow(TypeMismatchError)
    expect(() => admin().register({} as never)).toThrow(TypeMismatchError)
  })

  it('registers the user and group admins by default', () => {
    const a = new Admin()
    expect(a.registered().map((m) => m.meta.name)).toEqual(['AdminUser', 'AdminGroup'])
  })
})
