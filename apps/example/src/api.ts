import type { IncomingMessage, ServerResponse } from 'node:http'
import { Count, F, FieldError, ObjectDoesNotExist, ValidationError } from '@strata/core'
import {
  BadRequest,
  describeFilters,
  echo,
  LIMITS,
  POST_ORDERINGS,
  parseId,
  parsePostQuery,
} from './filters.js'
import { type Author, Comment, Post, Tag } from './models.js'

/** A JSON error response with a status. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

/** The largest request body accepted (a comment). */
export const MAX_BODY_BYTES = 16 * 1024

const COMMENT_FIELDS = ['author', 'text'] as const

const ENDPOINTS = [
  { method: 'GET', path: '/', description: 'This list.' },
  {
    method: 'GET',
    path: '/posts',
    description: `Posts, newest first, with their author and comment count. Filters, ordering and pagination come from the query string (limit 1-${LIMITS.maxLimit}, default ${LIMITS.defaultLimit}).`,
    example:
      '/posts?title__icontains=strata&pubDate__year=2024&author__name=Bob%20Stone&ordering=-pubDate&limit=10&offset=0',
  },
  {
    method: 'GET',
    path: '/posts/:id',
    description: 'One post with its author, tags and comments.',
    example: '/posts/1',
  },
  {
    method: 'POST',
    path: '/posts/:id/comments',
    description:
      'Adds a comment. JSON body {"author": "...", "text": "..."}; validated with fullClean(), 400 with errors by field.',
    example: '/posts/1/comments',
  },
]

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = `${JSON.stringify(body, null, 2)}\n`
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(json)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  })
  res.end(json)
}

type AuthorRef = { id: number; name: string } | null

function authorRef(author: Author | null | undefined): AuthorRef {
  return author ? { id: author.id, name: author.name } : null
}

// ---- handlers ---------------------------------------------------------------------------

function index(): unknown {
  return {
    name: 'Strata example: the blog of API.md as a JSON API',
    endpoints: ENDPOINTS,
    postFilters: describeFilters(),
    postOrdering: POST_ORDERINGS.flatMap((o) => [o, `-${o}`]),
  }
}

async function listPosts(url: URL): Promise<unknown> {
  const query = parsePostQuery(url.searchParams)
  const base = query.conditions.length ? Post.objects.filter(...query.conditions) : Post.objects.all()
  const ordering = query.ordering.length ? query.ordering : ['-pubDate']
  // A unique last key keeps pages stable when the first keys tie.
  if (!ordering.some((o) => o === 'id' || o === '-id'))
    ordering.push(ordering[0]!.startsWith('-') ? '-id' : 'id')
  // NULLs (a post without author) sort last both ways, the same on every database.
  const terms = ordering.map((o) =>
    o.startsWith('-') ? F(o.slice(1)).desc({ nullsLast: true }) : F(o).asc({ nullsLast: true }),
  )
  // One query for the whole page: selectRelated('author') joins each post's author (no query per
  // row), and the comment count is grouped by the post and its author's columns.
  const posts = await base
    .selectRelated('author')
    .annotate({ commentCount: Count('comment', { distinct: true }) })
    .orderBy(...terms)
    .slice(query.offset, query.offset + query.limit)
  const count = await base.count()
  const page = (offset: number): string => {
    const params = new URLSearchParams(url.searchParams)
    params.set('offset', String(offset))
    params.set('limit', String(query.limit))
    return `/posts?${params.toString()}`
  }
  return {
    count,
    limit: query.limit,
    offset: query.offset,
    next: query.offset + query.limit < count ? page(query.offset + query.limit) : null,
    previous: query.offset > 0 ? page(Math.max(0, query.offset - query.limit)) : null,
    results: posts.map((p) => ({
      id: p.id,
      title: p.title,
      content: p.content,
      pubDate: p.pubDate,
      rating: p.rating,
      author: authorRef(p.author),
      commentCount: p.commentCount,
      url: `/posts/${p.id}`,
    })),
  }
}

async function getPost(id: number, posts = Post.objects.all()): Promise<Post> {
  try {
    return await posts.get({ id })
  } catch (e) {
    if (e instanceof ObjectDoesNotExist) throw new HttpError(404, `No post with id ${id}`)
    throw e
  }
}

async function postDetail(id: number): Promise<unknown> {
  // The author comes with the post (one JOIN); tags and comments are one query each.
  const post = await getPost(id, Post.objects.selectRelated('author'))
  const [tags, comments] = await Promise.all([
    Tag.objects.filter({ posts: post }).orderBy('name').valuesList('name', { flat: true }),
    Comment.objects.filter({ post }).orderBy('pubDate', 'id'),
  ])
  return {
    id: post.id,
    title: post.title,
    content: post.content,
    pubDate: post.pubDate,
    rating: post.rating,
    author: authorRef(post.author),
    tags,
    commentCount: comments.length,
    comments: comments.map(commentJson),
  }
}

function commentJson(c: Comment): unknown {
  return { id: c.id, postId: c.postId, author: c.author, text: c.text, pubDate: c.pubDate }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json')
    throw new HttpError(415, 'Send the comment as JSON (Content-Type: application/json)')
  const tooBig = () => new HttpError(413, `The body may be at most ${MAX_BODY_BYTES} bytes`)
  // Refused before reading; node discards the unread body, bounded by the request timeout.
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw tooBig()
  const chunks: Buffer[] = []
  let size = 0
  // Events rather than `for await`, which would destroy the socket (and the 413) on overflow.
  await new Promise<void>((resolve, reject) => {
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    req.on('end', resolve)
    req.on('error', reject)
  })
  if (size > MAX_BODY_BYTES) throw tooBig()
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new BadRequest('The body is not valid JSON')
  }
}

async function createComment(id: number, req: IncomingMessage): Promise<unknown> {
  const body = await readJson(req)
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequest('The body must be a JSON object such as {"author": "Ann", "text": "Nice post"}')
  const extra = Object.keys(body).filter((k) => !(COMMENT_FIELDS as readonly string[]).includes(k))
  if (extra.length)
    throw new BadRequest(
      `Unknown field ${echo(extra[0]!, 40)}. A comment takes: ${COMMENT_FIELDS.join(', ')}`,
      { allowedFields: COMMENT_FIELDS },
    )
  const post = await getPost(id)
  const data = body as Record<string, unknown>
  // Missing fields start blank so that fullClean() reports them by name; wrong types are
  // reported by fullClean() too (the constructor does not validate, as in Django).
  const comment = new Comment({
    post,
    author: (data.author ?? '') as string,
    text: (data.text ?? '') as string,
  })
  try {
    await comment.fullClean()
  } catch (e) {
    if (e instanceof ValidationError) throw new BadRequest('The comment is not valid', { errors: e.errors })
    throw e
  }
  await comment.save()
  return commentJson(comment)
}

// ---- routing ----------------------------------------------------------------------------

function allow(req: IncomingMessage, ...methods: string[]): void {
  if (!methods.includes(req.method ?? ''))
    throw new HttpError(405, `Use ${methods.join(' or ')} here`, {}, { allow: methods.join(', ') })
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost')
  const segments = url.pathname.split('/').filter(Boolean)
  if (segments.length === 0) {
    allow(req, 'GET')
    return send(res, 200, index())
  }
  if (segments[0] !== 'posts' || segments.length > 3 || (segments.length === 3 && segments[2] !== 'comments'))
    throw new HttpError(404, `Nothing at ${echo(url.pathname, 80)}; GET / lists the endpoints`)
  if (segments.length === 1) {
    allow(req, 'GET')
    return send(res, 200, await listPosts(url))
  }
  const id = parseId(segments[1]!)
  if (segments.length === 2) {
    allow(req, 'GET')
    return send(res, 200, await postDetail(id))
  }
  allow(req, 'POST')
  return send(res, 201, await createComment(id, req))
}

/** The request handler for `node:http`'s `createServer()`; needs `connect()` to have run. */
export function createApi(
  options: { log?: (line: string) => void } = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  return (req, res) => {
    route(req, res).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy()
        return
      }
      if (e instanceof HttpError) return send(res, e.status, { error: e.message, ...e.details }, e.headers)
      if (e instanceof BadRequest) return send(res, 400, { error: e.message, ...e.details })
      // The allow-list should stop bad names and values first; the ORM's own checks are the
      // second line of defence and still answer 400, never 500.
      if (e instanceof FieldError) return send(res, 400, { error: e.message })
      log(`${req.method} ${req.url}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
      send(res, 500, { error: 'Internal server error' })
    })
  }
}
