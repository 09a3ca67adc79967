import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postJson, startTestServer, type TestServer } from './helpers.js'

/**
 * Query strings, paths and bodies are untrusted. Every refused request answers a JSON error
 * (400 unless said otherwise, never 500) and leaves every table exactly as it was.
 */
let server: TestServer
let before: unknown

beforeAll(async () => {
  server = await startTestServer()
  before = await server.snapshot()
})

afterAll(async () => {
  // Nothing any test below sent changed a row.
  expect(await server.snapshot()).toEqual(before)
  await server?.close()
})

async function expectRefused(
  path: string,
  init?: RequestInit,
  status = 400,
): Promise<{ error: string; [k: string]: unknown }> {
  const res = await server.request(path, init)
  expect(res.status, `${init?.method ?? 'GET'} ${path.slice(0, 120)}`).toBe(status)
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  expect(typeof res.body.error).toBe('string')
  expect(await server.snapshot()).toEqual(before)
  return res.body
}

describe('filters that are not allowed', () => {
  it('an unknown field names the allowed filters', async () => {
    const body = await expectRefused('/posts?foo=bar')
    expect(body.error).toMatch(/Unknown or disallowed filter "foo"/)
    expect(body.error).toContain('title__icontains')
    expect(body.error).toContain('pubDate__year')
    expect(body.allowedFilters).toContain('author__name')
  })

  it.each([
    'title__regex=.*',
    'title__foo=x',
    'title__icontains__exact=x',
    'pubDate__hour=3',
    'pubDate__year__in=2023',
    'author__email=ann@example.com',
    'author__email__icontains=example',
    'author__posts__title=x',
    'comment__author=Zoe',
    'tags__id=1',
    'rating__range=1,2',
    'author_id=1',
    'authorId=1',
    'pk=1',
    'Title=First%20Post',
    'title%20=First%20Post',
    '=1',
    'title__=x',
    '__title=x',
  ])('refuses ?%s', async (query) => {
    await expectRefused(`/posts?${query}`)
  })

  it.each([
    '__proto__=1',
    '__proto__[admin]=1',
    'constructor=1',
    'constructor__prototype=1',
    'prototype=1',
    'toString=1',
    'hasOwnProperty=1',
    'valueOf=x',
  ])('refuses prototype keys: ?%s', async (query) => {
    const body = await expectRefused(`/posts?${query}`)
    expect(body.error).toMatch(/Unknown or disallowed filter/)
  })

  it('refuses a repeated filter', async () => {
    await expectRefused('/posts?title=a&title=b')
    await expectRefused('/posts?limit=1&limit=2')
  })
})

describe('values that do not fit', () => {
  it.each([
    'pubDate__year=abc',
    'pubDate__year=2023.5',
    'pubDate__year=1e3',
    'pubDate__year=0',
    'pubDate__year=99999999999999999999',
    'pubDate__year=2023%20OR%201=1',
    'pubDate__month=13',
    'pubDate__day=',
    'pubDate__gte=yesterday',
    'pubDate__gte=2023-02-30',
    'pubDate__gte=2023-01-01T25:00',
    'pubDate__gte=2023-01-01T10:00:00%2B99:00',
    'rating__gte=4e3',
    'rating__gte=-1',
    'rating__gte=NaN',
    'rating__gte=Infinity',
    'rating=100',
    'author=abc',
    'author=0',
    'author=-1',
    'author=1.5',
    'author=2147483648',
    'author__isnull=maybe',
    'author__in=1,,2',
    'id__in=1)%20OR%20(1=1',
    'id=1;DROP%20TABLE%20post',
    `id__in=${Array.from({ length: 51 }, (_, i) => i + 1).join(',')}`,
    'limit=0',
    'limit=101',
    'limit=-5',
    'limit=ten',
    'offset=-1',
    'offset=1000001',
    'offset=1.5',
  ])('refuses ?%s', async (query) => {
    await expectRefused(`/posts?${query}`)
  })

  it('refuses huge values', async () => {
    await expectRefused(`/posts?title=${'a'.repeat(201)}`)
    await expectRefused(`/posts?title__icontains=${'%27%20OR%201=1%20--%20'.repeat(400)}`)
    await expectRefused(`/posts?content__icontains=${'x'.repeat(10_000)}`)
    await expectRefused(`/posts?author__name=${'é'.repeat(1000)}`)
    await expectRefused(`/posts?pubDate__year=${'9'.repeat(5000)}`)
  })
})

describe('SQL in values is only ever a value', () => {
  // A quote is a legal character in a title ("Don't panic"), so these are valid filters that
  // match nothing: the value is a bound parameter, never SQL.
  it.each([
    "title=' OR 1=1 --",
    "title__icontains=' OR '1'='1",
    'title=x"; DROP TABLE post; --',
    "author__name=Robert'); DROP TABLE author;--",
    'title__icontains=%',
    'title__icontains=_',
    'title__startswith=%25',
    'tags__name=python%27%20OR%201=1',
  ])('?%s matches nothing and changes nothing', async (query) => {
    const res = await server.request(`/posts?${query.replace(/ /g, '%20').replace(/#/g, '%23')}`)
    expect(res.status).toBe(200)
    expect(res.body.count).toBe(0)
    expect(res.body.results).toEqual([])
    expect(await server.snapshot()).toEqual(before)
  })
})

describe('ordering', () => {
  it.each([
    'content',
    '-content',
    'author__email',
    'author',
    '?',
    'pubDate;DROP TABLE post',
    '(select 1)',
    'title,title,title,title',
    '',
    'title,',
    '__proto__',
  ])('refuses ?ordering=%s', async (ordering) => {
    await expectRefused(`/posts?ordering=${encodeURIComponent(ordering)}`)
  })
})

describe('ids in the path', () => {
  it.each([
    'abc',
    '-1',
    '0',
    '1.5',
    '1e3',
    '99999999999',
    '2147483648',
    "1'%20OR%20'1'='1",
    '%00',
    '1;DROP%20TABLE%20post',
  ])('refuses /posts/%s', async (id) => {
    await expectRefused(`/posts/${id}`)
    await expectRefused(`/posts/${id}/comments`, postJson({ author: 'a', text: 'b' }))
  })
})

describe('comment bodies', () => {
  it('refuses invalid JSON, non-objects and unknown fields', async () => {
    await expectRefused('/posts/1/comments', postJson('{"author": "a", "text": '))
    await expectRefused('/posts/1/comments', postJson('[]'))
    await expectRefused('/posts/1/comments', postJson('"just a string"'))
    await expectRefused('/posts/1/comments', postJson('null'))
    const extra = await expectRefused('/posts/1/comments', postJson({ author: 'a', text: 'b', post: 2 }))
    expect(extra.error).toMatch(/Unknown field "post"/)
    await expectRefused('/posts/1/comments', postJson({ author: 'a', text: 'b', id: 1 }))
    await expectRefused('/posts/1/comments', postJson({ author: 'a', text: 'b', pubDate: '2000-01-01' }))
    await expectRefused(
      '/posts/1/comments',
      postJson('{"author": "a", "text": "b", "__proto__": {"admin": true}}'),
    )
    await expectRefused(
      '/posts/1/comments',
      postJson('{"author": "a", "text": "b", "constructor": {"prototype": {}}}'),
    )
  })

  it('refuses values of the wrong type, by field', async () => {
    const operator = await expectRefused('/posts/1/comments', postJson({ author: { $gt: '' }, text: 'x' }))
    expect(Object.keys(operator.errors as object)).toEqual(['author'])
    const numbers = await expectRefused('/posts/1/comments', postJson({ author: 42, text: ['a', 'b'] }))
    expect(Object.keys(numbers.errors as object).sort()).toEqual(['author', 'text'])
    await expectRefused('/posts/1/comments', postJson({ author: true, text: 'x' }))
  })

  it('refuses a body over 16 KB with 413 and a non-JSON body with 415', async () => {
    await expectRefused('/posts/1/comments', postJson({ author: 'a', text: 'x'.repeat(20_000) }), 413)
    await expectRefused(
      '/posts/1/comments',
      { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'author=a&text=b' },
      415,
    )
    await expectRefused(
      '/posts/1/comments',
      { method: 'POST', body: JSON.stringify({ author: 'a', text: 'b' }) },
      415,
    )
  })
})
