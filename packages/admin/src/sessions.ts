import { createHash, randomBytes } from 'node:crypto'
import { AdminSession } from './auth-models.js'

/** A feedback message shown once on the next page (Django's messages framework). */
export interface FlashMessage {
  level: 'success' | 'info' | 'warning' | 'error'
  text: string
}

/** What a session holds. */
export interface SessionData {
  /** The logged-in user's primary key. */
  userId?: unknown
  /** A digest of the user's password hash at login: changing the password ends other sessions. */
  authHash?: string
  /** Messages waiting to be shown. */
  messages?: FlashMessage[]
}

/** A loaded session: its cookie token, data and whether the data changed. */
export interface Session {
  readonly token: string
  data: SessionData
  expires: Date
  modified: boolean
}

/** The database key of a cookie token: its SHA-256, so that reading the table opens no session. */
export function sessionKey(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** A digest of a password hash, stored in the session to notice a password change. */
export function authHash(passwordHash: string): string {
  return createHash('sha256').update(`strata-admin-session:${passwordHash}`).digest('base64url')
}

/** Loads the session a cookie token names, or null when it is unknown or expired. */
export async function loadSession(token: string | undefined, using: string | undefined): Promise<Session | null> {
  if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null
  const row = await AdminSession.objects.using(using).filter({ key: sessionKey(token), expireDate__gt: new Date() }).first()
  if (!row) return null
  const data = typeof row.data === 'object' && row.data !== null && !Array.isArray(row.data) ? (row.data as SessionData) : {}
  return { token, data, expires: row.expireDate, modified: false }
}

/** Creates a session with a fresh random token, valid for `ageSeconds`. */
export async function createSession(data: SessionData, ageSeconds: number, using: string | undefined): Promise<Session> {
  const token = randomBytes(32).toString('base64url')
  const expires = new Date(Date.now() + ageSeconds * 1000)
  await AdminSession.objects.using(using).create({ key: sessionKey(token), data: data as Record<string, unknown>, expireDate: expires })
  return { token, data, expires, modified: false }
}

/** Writes a session's data back when it changed. */
export async function saveSession(session: Session, using: string | undefined): Promise<void> {
  if (!session.modified) return
  await AdminSession.objects
    .using(using)
    .filter({ key: sessionKey(session.token) })
    .update({ data: session.data as Record<string, unknown> })
  session.modified = false
}

/** Deletes a session (logout, or rotation at login). */
export async function deleteSession(token: string, using: string | undefined): Promise<void> {
  await AdminSession.objects.using(using).filter({ key: sessionKey(token) }).delete()
}

/** Deletes every expired session (run now and then, at login). */
export async function clearExpiredSessions(using: string | undefined): Promise<number> {
  const r = await AdminSession.objects.using(using).filter({ expireDate__lte: new Date() }).delete()
  return r.total
}
