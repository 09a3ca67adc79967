import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'

/** Options of `admin.nodeHandler()`. */
export interface NodeHandlerOptions {
  /** Where the admin is mounted (default the Admin's `prefix`, '/admin'). */
  prefix?: string
}

/** A Node `http` request handler; also an Express/Connect middleware (it calls `next` outside the prefix). */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void

/** What the fetch handler needs to serve a Node request. */
export interface FetchLike {
  fetch(request: Request, info?: { clientAddress?: string }): Promise<Response>
}

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value
  return v?.split(',')[0]?.trim() || undefined
}

/** Builds a Fetch `Request` from a Node request (the body streams; an already-parsed Express body is re-encoded). */
export function toRequest(req: IncomingMessage, trustProxy: boolean): Request | null {
  const host = req.headers.host ?? 'localhost'
  if (!/^[A-Za-z0-9.\-_:[\]]{1,255}$/.test(host)) return null
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true
  const forwarded = trustProxy ? first(req.headers['x-forwarded-proto']) : undefined
  const proto = forwarded === 'https' || forwarded === 'http' ? forwarded : encrypted ? 'https' : 'http'
  const path = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/'
  let url: URL
  try {
    url = new URL(`${proto}://${host}${path.startsWith('/') ? path : `/${path}`}`)
  } catch {
    return null
  }
  const headers = new Headers()
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue
    headers.set(k, Array.isArray(v) ? v.join(', ') : v)
  }
  const method = req.method ?? 'GET'
  let body: string | ReadableStream<Uint8Array> | null = null
  if (method !== 'GET' && method !== 'HEAD') {
    const parsed = (req as IncomingMessage & { body?: unknown }).body
    if (req.readableEnded && parsed && typeof parsed === 'object' && !Buffer.isBuffer(parsed)) {
      const sp = new URLSearchParams()
      for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) for (const item of Array.isArray(v) ? v : [v]) sp.append(k, String(item))
      body = sp.toString()
      headers.delete('content-length')
    } else body = Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>
  }
  return new Request(url, { method, headers, body, ...(body ? { duplex: 'half' } : {}) } as RequestInit)
}

/** Writes a Fetch `Response` to a Node response (every `Set-Cookie` kept). */
export async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status
  const cookies = response.headers.getSetCookie()
  response.headers.forEach((value, key) => {
    if (key !== 'set-cookie') res.setHeader(key, value)
  })
  if (cookies.length) res.setHeader('set-cookie', cookies)
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : null
  res.end(body)
}

/** Adapts a fetch handler to Node's `http` (and to Express middleware). */
export function makeNodeHandler(target: FetchLike, prefix: () => string, trustProxy: boolean): NodeHandler {
  return (req, res, next) => {
    const path = ((req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/').split('?')[0]!
    const p = prefix()
    if (p && path !== p && !path.startsWith(`${p}/`)) {
      if (next) return next()
      res.statusCode = 404
      res.setHeader('content-type', 'text/plain; charset=utf-8')
      res.end('Not found')
      return
    }
    const request = toRequest(req, trustProxy)
    if (!request) {
      res.statusCode = 400
      res.setHeader('content-type', 'text/plain; charset=utf-8')
      res.end('Bad request')
      return
    }
    const clientAddress = (trustProxy ? first(req.headers['x-forwarded-for']) : undefined) ?? req.socket.remoteAddress
    target
      .fetch(request, clientAddress ? { clientAddress } : {})
      .then((response) => {
        // A body left unread (refused as too large, say) must not be taken for the next request.
        if (!req.complete) res.setHeader('connection', 'close')
        return writeResponse(res, response)
      })
      .catch((e: unknown) => {
        if (next) return next(e)
        if (!res.headersSent) res.statusCode = 500
        res.end()
      })
  }
}
