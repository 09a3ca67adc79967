// A small HTTP client with a cookie jar, as a browser would send requests (Origin included).

/** A response, read. */
export interface Page {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** The Location header of a redirect. */
  readonly location: string | null
  readonly cookies: string[]
}

/** The CSRF token of the first form in a page. */
export function tokenOf(text: string): string {
  const m = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(text)
  if (!m) throw new Error('No CSRF token on the page')
  return m[1]!
}

/** Options of a POST. */
export interface PostOptions {
  /** The token to send (default: the last one seen); false sends none. */
  csrf?: string | false
  /** The Origin header (default the server's own; null sends none). */
  origin?: string | null
  headers?: Record<string, string>
  body?: string
}

/** Talks to one admin as one browser would. */
export class Client {
  readonly origin: string
  readonly jar = new Map<string, string>()
  lastToken: string | null = null

  constructor(origin: string) {
    this.origin = origin
  }

  #cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  async #send(path: string, init: RequestInit): Promise<Page> {
    const headers = new Headers(init.headers)
    if (this.jar.size) headers.set('cookie', this.#cookieHeader())
    const res = await fetch(`${this.origin}${path}`, { ...init, headers, redirect: 'manual' })
    const cookies = res.headers.getSetCookie()
    for (const c of cookies) {
      const [pair] = c.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq)
      const value = pair!.slice(eq + 1)
      if (/Max-Age=0/.test(c)) this.jar.delete(name)
      else this.jar.set(name, value)
    }
    const text = await res.text()
    const m = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(text)
    if (m) this.lastToken = m[1]!
    return { status: res.status, headers: res.headers, text, location: res.headers.get('location'), cookies }
  }

  /** GET a path under the origin. */
  get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.#send(path, { method: 'GET', headers })
  }

  /** POST a form; the CSRF token and Origin are added as a browser's form would send them. */
  post(path: string, fields: Record<string, string | readonly string[]> | URLSearchParams = {}, options: PostOptions = {}): Promise<Page> {
    const body = fields instanceof URLSearchParams ? new URLSearchParams(fields) : new URLSearchParams()
    if (!(fields instanceof URLSearchParams))
      for (const [k, v] of Object.entries(fields)) for (const item of typeof v === 'string' ? [v] : v) body.append(k, item)
    const token = options.csrf === undefined ? this.lastToken : options.csrf
    if (token && !body.has('csrfmiddlewaretoken')) body.set('csrfmiddlewaretoken', token)
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...options.headers }
    const origin = options.origin === undefined ? this.origin : options.origin
    if (origin !== null) headers.origin = origin
    return this.#send(path, { method: 'POST', headers, body: options.body ?? body.toString() })
  }

  /** Logs in through the login form; resolves to the response of the POST. */
  async login(username: string, password: string, next?: string): Promise<Page> {
    await this.get('/admin/login/')
    return this.post('/admin/login/', { username, password, ...(next ? { next } : {}) })
  }
}
