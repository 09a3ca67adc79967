import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postJson, startTestServer, type TestServer } from './helpers.js'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server?.close()
})

const ids = (body: { results: { id: number }[] }) => body.results.map((p) => p.id)

describe('GET /', () => {
  it('lists the endpoints and the allowed filters', async () => {
    const { status, headers, body } = await server.request('/')
    expect(status).toBe(200)
    expect(headers.get('content-type')).toMatch(/^application\/json/)
    expect(body.endpoints.map((e: { method: string; path: string }) => `${e.method} ${e.path}`)).toEqual([
      'GET /',
      'GET /posts',
      'GET /posts/:id',
      'POST /posts/:id/comments',
    ])
    expect(body.postFilters.title.names).toContain('title__icontains')
    expect(body.postOrdering).toContain('-pubDate')
  })
})

describe('GET /posts', () => {
  it('lists the seeded posts newest first, with author and comment count', async () => {
    const { status, body } = await server.request('/posts')
    expect(status).toBe(200)
    expect(body.count).toBe(6)
    expect(ids(body)).toEqual([6, 5, 4, 3, 2, 1])
    const notes = body.results.find((p: { id: number }) => p.id === 3)
    expect(notes).toMatchObject({
      title: 'Notes on SQLite',
      pubDate: '2023-09-20T18:30:00.000Z',
      rating: '3.75',
      author: { id: 2, name: 'Bob Stone' },
      commentCount: 3,
      url: '/posts/3',
    })
    expect(body.results.find((p: { id: number }) => p.id === 6).author).toBeNull()
  })

  it.each([
    ['pubDate__year=2023', [3, 2, 1]],
    ['pubDate__year__gte=2024', [6, 5, 4]],
    ['pubDate__month=6', [2]],
    ['pubDate__gte=2024-01-01', [6, 5, 4]],
    ['pubDate__lt=2023-06-01T12:00:00Z', [1]],
    ['pubDate__lt=2023-06-01T14:00:00%2B02:00', [1]],
    ['title__icontains=django', [5, 2]],
    ['title=First%20Post', [1]],
    ['title__istartswith=why', [4]],
    ['author__name=Ann%20Lee', [2, 1]],
    ['author__name__icontains=stone', [5, 3]],
    ['author=3', [4]],
    ['author__isnull=true', [6]],
    ['author__in=1,3', [4, 2, 1]],
    ['rating__gte=4', [4, 2, 1]],
    ['id__in=1,3', [3, 1]],
    ['tags__name=python', [5, 2]],
    ['content__icontains=utc', [3]],
    ['pubDate__year=2023&author__name=Ann%20Lee&title__icontains=tour', [2]],
    ['title__icontains=rust', []],
  ])('filters ?%s', async (query, expected) => {
    const { status, body } = await server.request(`/posts?${query}`)
    expect(status).toBe(200)
    expect(ids(body)).toEqual(expected)
    expect(body.count).toBe(expected.length)
  })

  it.each([
    ['title', [2, 1, 5, 3, 6, 4]],
    ['-rating', [4, 1, 2, 3, 5, 6]],
    ['pubDate', [1, 2, 3, 4, 5, 6]],
    ['-commentCount', [3, 2, 1, 4, 6, 5]],
    // A post without author comes last, both ways, on every database.
    ['author__name,-pubDate', [2, 1, 5, 3, 4, 6]],
    ['-author__name,pubDate', [4, 3, 5, 1, 2, 6]],
  ])('orders by ?ordering=%s', async (ordering, expected) => {
    const { status, body } = await server.request(`/posts?ordering=${ordering}`)
    expect(status).toBe(200)
    expect(ids(body)).toEqual(expected)
  })

  it('paginates with limit and offset, with next and previous links', async () => {
    const page = await server.request('/posts?limit=2&offset=2')
    expect(page.status).toBe(200)
    expect(page.body).toMatchObject({ count: 6, limit: 2, offset: 2 })
    expect(ids(page.body)).toEqual([4, 3])
    expect(page.body.next).toBe('/posts?limit=2&offset=4')
    expect(page.body.previous).toBe('/posts?limit=2&offset=0')
    const last = await server.request(page.body.next)
    expect(ids(last.body)).toEqual([2, 1])
    expect(last.body.next).toBeNull()
    const past = await server.request('/posts?offset=100')
    expect(past.body).toMatchObject({ count: 6, results: [], next: null })
    const filtered = await server.request('/posts?pubDate__year=2023&ordering=pubDate&limit=1&offset=1')
    expect(ids(filtered.body)).toEqual([2])
    expect(filtered.body.count).toBe(3)
    expect(filtered.body.next).toBe('/posts?pubDate__year=2023&ordering=pubDate&limit=1&offset=2')
  })

  it('sends two queries whatever the page size: the page (authors joined) and the count', async () => {
    for (const limit of [1, 6]) {
      const { queries } = await server.app.database.db.captureQueries(() => server.request(`/posts?limit=${limit}`))
      expect(queries).toHaveLength(2)
      expect(queries[0]!.sql.toLowerCase()).toContain('left join')
    }
  })

  it('defaults to 20 per page', async () => {
    const { body } = await server.request('/posts')
    expect(body.limit).toBe(20)
    expect(body.offset).toBe(0)
  })
})

describe('GET /posts/:id', () => {
  it('gives the post with its author, tags and comments', async () => {
    const { status, body } = await server.request('/posts/3')
    expect(status).toBe(200)
    expect(body).toMatchObject({
      id: 3,
      title: 'Notes on SQLite',
      content: 'WAL, foreign keys and UTC.',
      pubDate: '2023-09-20T18:30:00.000Z',
      rating: '3.75',
      author: { id: 2, name: 'Bob Stone' },
      tags: ['databases'],
      commentCount: 3,
    })
    expect(body.comments.map((c: { author: string; text: string }) => [c.author, c.text])).toEqual([
      ['Mary', 'WAL saved my app.'],
      ['Zoe', 'What about JSON columns?'],
      ['Bob Stone', 'Next post!'],
    ])
    expect(body.comments[0]).toMatchObject({ postId: 3 })
  })

  it('loads the author with the post: three queries (post and author, tags, comments)', async () => {
    const { queries } = await server.app.database.db.captureQueries(() => server.request('/posts/3'))
    expect(queries).toHaveLength(3)
  })

  it('gives a post without author, tags or comments', async () => {
    const { status, body } = await server.request('/posts/6')
    expect(status).toBe(200)
    expect(body).toMatchObject({ id: 6, author: null, tags: [], comments: [], commentCount: 0 })
  })

  it('answers 404 for an unknown id and an unknown path', async () => {
    const missing = await server.request('/posts/999')
    expect(missing.status).toBe(404)
    expect(missing.body.error).toMatch(/999/)
    expect((await server.request('/posts/999/comments', postJson({ author: 'a', text: 'b' }))).status).toBe(
      404,
    )
    expect((await server.request('/authors')).status).toBe(404)
    expect((await server.request('/posts/1/likes')).status).toBe(404)
  })

  it('answers 405 with Allow for other methods', async () => {
    const res = await server.request('/posts/1', { method: 'DELETE' })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET')
    expect((await server.request('/posts', postJson({}))).status).toBe(405)
    expect((await server.request('/posts/1/comments')).headers.get('allow')).toBe('POST')
  })
})

describe('POST /posts/:id/comments', () => {
  it('creates a comment', async () => {
    const { status, body } = await server.request(
      '/posts/4/comments',
      postJson({ author: 'Tester', text: 'Hello from the test' }),
    )
    expect(status).toBe(201)
    expect(body).toMatchObject({ postId: 4, author: 'Tester', text: 'Hello from the test' })
    expect(typeof body.id).toBe('number')
    expect(Number.isNaN(Date.parse(body.pubDate))).toBe(false)
    const detail = await server.request('/posts/4')
    expect(detail.body.comments.map((c: { id: number }) => c.id)).toContain(body.id)
    const list = await server.request('/posts?id=4')
    expect(list.body.results[0].commentCount).toBe(2)
  })

  it('validates with fullClean: 400 with errors by field, nothing saved', async () => {
    const before = await server.snapshot()
    const blank = await server.request('/posts/1/comments', postJson({ author: '', text: '' }))
    expect(blank.status).toBe(400)
    expect(Object.keys(blank.body.errors).sort()).toEqual(['author', 'text'])
    expect(blank.body.errors.author[0]).toMatch(/blank/)
    const missing = await server.request('/posts/1/comments', postJson({ text: 'no author' }))
    expect(missing.status).toBe(400)
    expect(Object.keys(missing.body.errors)).toEqual(['author'])
    const long = await server.request(
      '/posts/1/comments',
      postJson({ author: 'x'.repeat(51), text: 'too long a name' }),
    )
    expect(long.status).toBe(400)
    expect(long.body.errors.author[0]).toMatch(/at most 50 characters/)
    const nulls = await server.request('/posts/1/comments', postJson({ author: null, text: 'x' }))
    expect(nulls.status).toBe(400)
    expect(nulls.body.errors).toHaveProperty('author')
    expect(await server.snapshot()).toEqual(before)
  })
})
