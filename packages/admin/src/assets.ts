import { createHash } from 'node:crypto'
import { ADMIN_CSS } from './assets-css.js'
import { ADMIN_JS } from './assets-js.js'

/** A static file the handler serves itself. */
export interface Asset {
  readonly body: string
  readonly type: string
  /** A short content hash, used as `?v=` so that browsers may cache the file for a year. */
  readonly hash: string
}

function asset(body: string, type: string): Asset {
  return { body, type, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) }
}

/** The admin's static files by name (`/static/<name>` under the prefix). */
export const ASSETS: Readonly<Record<string, Asset>> = Object.freeze({
  'admin.css': asset(ADMIN_CSS, 'text/css; charset=utf-8'),
  'admin.js': asset(ADMIN_JS, 'text/javascript; charset=utf-8'),
})

/** Serves a static file: immutable caching when the `v` parameter is the current hash, an ETag otherwise. */
export function serveAsset(name: string, url: URL, request: Request): Response {
  const a = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined
  if (!a) return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' } })
  const etag = `"${a.hash}"`
  const cache = url.searchParams.get('v') === a.hash ? 'public, max-age=31536000, immutable' : 'public, max-age=300'
  const headers = { 'content-type': a.type, 'cache-control': cache, etag, 'x-content-type-options': 'nosniff' }
  if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers })
  return new Response(request.method === 'HEAD' ? null : a.body, { status: 200, headers })
}
