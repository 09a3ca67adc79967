import { randomBytes, timingSafeEqual } from 'node:crypto'

// CSRF protection as Django does it by default: a random secret in an HttpOnly cookie, and in
// every form a token that is the secret masked with a fresh random pad (so that the page never
// carries the same bytes twice, against BREACH). A state-changing request must send both, and its
// Origin (or, over HTTPS without Origin, its Referer) must be the admin's own origin.

const SECRET_BYTES = 24

/** The name of the form field that carries the token. */
export const CSRF_FIELD = 'csrfmiddlewaretoken'

/** A new random secret for the cookie. */
export function newCsrfSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url')
}

/** Whether a cookie value looks like a secret we issued. */
export function validSecret(secret: string | undefined): secret is string {
  return typeof secret === 'string' && /^[A-Za-z0-9_-]{32}$/.test(secret)
}

/** The token to put in a form: a random pad and the secret XOR the pad. */
export function maskSecret(secret: string): string {
  const s = Buffer.from(secret, 'base64url')
  const pad = randomBytes(s.length)
  const masked = Buffer.alloc(s.length)
  for (let i = 0; i < s.length; i++) masked[i] = s[i]! ^ pad[i]!
  return `${pad.toString('base64url')}${masked.toString('base64url')}`
}

/** Whether a form token unmasks to the cookie's secret (constant time). */
export function tokenMatches(token: string | null, secret: string | undefined): boolean {
  if (!validSecret(secret) || typeof token !== 'string' || !/^[A-Za-z0-9_-]{64}$/.test(token)) return false
  const pad = Buffer.from(token.slice(0, 32), 'base64url')
  const masked = Buffer.from(token.slice(32), 'base64url')
  const s = Buffer.from(secret, 'base64url')
  if (pad.length !== s.length || masked.length !== s.length) return false
  const unmasked = Buffer.alloc(s.length)
  for (let i = 0; i < s.length; i++) unmasked[i] = masked[i]! ^ pad[i]!
  return timingSafeEqual(unmasked, s)
}

/**
 * Why a state-changing request fails the origin check, or null when it passes: a present Origin
 * must be ours; over HTTPS a request without Origin must carry a same-origin Referer.
 */
export function originProblem(headers: Headers, ownOrigin: string, secure: boolean): string | null {
  const origin = headers.get('origin')
  if (origin !== null && origin !== 'null') {
    return origin === ownOrigin ? null : `Origin checking failed: ${origin} does not match ${ownOrigin}.`
  }
  if (origin === 'null') return 'Origin checking failed: the request came from an opaque origin.'
  if (!secure) return null
  const referer = headers.get('referer')
  if (!referer) return 'Referer checking failed: no Referer.'
  try {
    if (new URL(referer).origin !== ownOrigin) return 'Referer checking failed: it does not match the admin origin.'
  } catch {
    return 'Referer checking failed: the Referer is malformed.'
  }
  return null
}
