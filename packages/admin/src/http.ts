import type { SafeHtml } from './html.js'

/** The response headers every admin page carries: no framing, no sniffing, no inline script. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
})

/** A request refused with a status and a message shown to the user (400, 403, 404, 405, 413, 415, 429). */
export class HttpError extends Error {
  readonly status: number

  constructor(status: number, message: string) {
    super(message)
    this.name = 'HttpError'
    this.status = status
  }
}

/** Options of a cookie the admin sets. */
export interface CookieOptions {
  path: string
  secure: boolean
  /** Seconds; 0 deletes the cookie; undefined makes a browser-session cookie. */
  maxAge?: number
}

/** A `Set-Cookie` value: always HttpOnly and SameSite=Lax, Secure behind HTTPS. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`Invalid cookie name ${JSON.stringify(name)}`)
  if (!/^[A-Za-z0-9_.~-]*$/.test(value)) throw new Error('Invalid cookie value')
  let out = `${name}=${value}; Path=${options.path || '/'}; HttpOnly; SameSite=Lax`
  if (options.secure) out += '; Secure'
  if (options.maxAge !== undefined) {
    out += `; Max-Age=${Math.max(0, Math.floor(options.maxAge))}`
    if (options.maxAge <= 0) out += '; Expires=Thu, 01 Jan 1970 00:00:00 GMT'
  }
  return out
}

/** The cookies of a request (the first value of each name wins). */
export function parseCookies(header: string | null): Map<string, string> {
  const out = new Map<string, string>()
  if (!header) return out
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    const name = part.slice(0, eq).trim()
    const value = part.slice(eq + 1).trim()
    if (!out.has(name)) out.set(name, value)
  }
  return out
}

/** Limits on request bodies. */
export interface BodyLimits {
  /** Bytes (default 2.5 MB, as Django's DATA_UPLOAD_MAX_MEMORY_SIZE). */
  maxBytes: number
  /** Form fields (default 1000, as DATA_UPLOAD_MAX_NUMBER_FIELDS). */
  maxFields: number
}

/** Reads a URL-encoded form body within the limits; anything else is a 4xx `HttpError`. */
export async function readForm(request: Request, limits: BodyLimits): Promise<URLSearchParams> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded')
    throw new HttpError(415, 'The admin accepts form posts (application/x-www-form-urlencoded) only.')
  const declared = Number(request.headers.get('content-length') ?? '0')
  if (declared > limits.maxBytes) throw new HttpError(413, 'The request body is too large.')
  let text = ''
  if (request.body) {
    const reader = request.body.getReader()
    const decoder = new TextDecoder('utf-8', { fatal: false })
    let size = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > limits.maxBytes) {
        await reader.cancel().catch(() => undefined)
        throw new HttpError(413, 'The request body is too large.')
      }
      text += decoder.decode(value, { stream: true })
    }
    text += decoder.decode()
  }
  const fields = text === '' ? 0 : text.split('&').length
  if (fields > limits.maxFields) throw new HttpError(400, `The form has more than ${limits.maxFields} fields.`)
  return new URLSearchParams(text)
}

/** An HTML response with the admin's security headers and no caching. */
export function htmlResponse(body: SafeHtml | string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(`<!doctype html>\n${String(body)}`, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS, ...headers },
  })
}

/** A 302 redirect (to a URL the admin built itself). */
export function redirect(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 302, headers: { location, 'cache-control': 'no-store', ...SECURITY_HEADERS, ...headers } })
}

/** A JSON response (for the autocomplete endpoint). */
export function jsonResponse(data: unknown, status = 200): Response {
  return new Response(JSON.stringify(data), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS },
  })
}

/** Builds a query string from pairs, leaving out empty values. */
export function queryString(params: Iterable<[string, string]>): string {
  const sp = new URLSearchParams()
  for (const [k, v] of params) if (v !== '') sp.append(k, v)
  const s = sp.toString()
  return s ? `?${s}` : ''
}
