import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from '@strata/query'
import { type RunningServer, startServer } from '../src/app.js'
import { Author, Comment, Post, Tag } from '../src/models.js'

/** A real server on a free port, over a fresh SQLite file in a temp directory, seeded. */
export interface TestServer {
  readonly url: string
  readonly app: RunningServer
  /** GET (or any method) relative to the server; parses the JSON body. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely, field by field
  request(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: any }>
  /** Every row of the blog, to check that a refused request changed nothing. */
  snapshot(): Promise<unknown>
  close(): Promise<void>
}

/**
 * `STRATA_EXAMPLE_TEST_DATABASE_URL=postgres://... pnpm test -- --no-file-parallelism` runs the
 * same tests on another database (its blog tables are dropped and recreated for each file).
 */
const serverUrl = process.env.STRATA_EXAMPLE_TEST_DATABASE_URL

export async function startTestServer(): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-example-'))
  const app = await startServer({
    port: 0,
    databaseUrl: serverUrl || join(dir, 'blog.db'),
    reset: Boolean(serverUrl),
    log: () => {},
  })
  const base = app.url
  return {
    url: base,
    app,
    async request(path, init) {
      const res = await fetch(new URL(path, base), init)
      const text = await res.text()
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {}
      return { status: res.status, headers: res.headers, body }
    },
    async snapshot() {
      return {
        authors: await Author.objects.orderBy('id').values(),
        posts: await Post.objects.orderBy('id').values(),
        comments: await Comment.objects.orderBy('id').values(),
        tags: await Tag.objects.orderBy('id').values(),
        postTags: await app.database.db.raw(
          sql`select post_id, tag_id from post_tags order by post_id, tag_id`,
        ),
      }
    },
    async close() {
      await app.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A JSON POST. */
export function postJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  }
}
