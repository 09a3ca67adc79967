import { F, Q } from '@strata/core'
import { AdminLoginAttempt } from './auth-models.js'

/** How failed logins are throttled. */
export interface ThrottlePolicy {
  /** Failures for one username within the window that lock it (default 5). */
  maxFailures: number
  /** Failures from one client address within the window that lock it (default 20). */
  maxFailuresPerAddress: number
  /** Seconds over which failures are counted (default 900). */
  windowSeconds: number
  /** Seconds a locked username or address waits (default 900). */
  lockoutSeconds: number
}

/** The default policy: 5 failures per username (20 per address) in 15 minutes lock for 15 minutes. */
export const DEFAULT_THROTTLE: Readonly<ThrottlePolicy> = Object.freeze({
  maxFailures: 5,
  maxFailuresPerAddress: 20,
  windowSeconds: 900,
  lockoutSeconds: 900,
})

/** The throttle keys of a login attempt: the username (case-insensitive) and the client address. */
export function throttleKeys(username: string, address: string | undefined): { key: string; limit: 'user' | 'address' }[] {
  const keys: { key: string; limit: 'user' | 'address' }[] = [{ key: `user:${username.trim().toLowerCase().slice(0, 150)}`, limit: 'user' }]
  if (address) keys.push({ key: `addr:${address.slice(0, 100)}`, limit: 'address' })
  return keys
}

/** When the latest lock on any of the keys ends, or null when none is locked. */
export async function lockedUntil(keys: readonly string[], using: string | undefined): Promise<Date | null> {
  const now = new Date()
  const rows = await AdminLoginAttempt.objects.using(using).filter({ key__in: [...keys], lockedUntil__gt: now })
  let until: Date | null = null
  for (const r of rows) if (r.lockedUntil && (!until || r.lockedUntil > until)) until = r.lockedUntil
  return until
}

/** Counts one failure against each key (atomically in SQL) and locks the keys that reach their limit. */
export async function recordFailure(
  keys: readonly { key: string; limit: 'user' | 'address' }[],
  policy: ThrottlePolicy,
  using: string | undefined,
): Promise<void> {
  const objects = AdminLoginAttempt.objects.using(using)
  for (const { key, limit } of keys) {
    const now = new Date()
    const [row, created] = await objects.getOrCreate({ key }, { defaults: { failures: 1, firstFailure: now } })
    if (!created) {
      if (row.firstFailure.getTime() < now.getTime() - policy.windowSeconds * 1000)
        await objects.filter({ key }).update({ failures: 1, firstFailure: now, lockedUntil: null })
      else await objects.filter({ key }).update({ failures: F('failures').add(1) })
    }
    const fresh = await objects.get({ key })
    const max = limit === 'user' ? policy.maxFailures : policy.maxFailuresPerAddress
    if (fresh.failures >= max && !(fresh.lockedUntil && fresh.lockedUntil > now))
      await objects.filter({ key }).update({ lockedUntil: new Date(now.getTime() + policy.lockoutSeconds * 1000) })
  }
}

/** Forgets the failures of the keys (after a successful login). */
export async function clearFailures(keys: readonly string[], using: string | undefined): Promise<void> {
  await AdminLoginAttempt.objects.using(using).filter({ key__in: [...keys] }).delete()
}

/** Deletes counters whose window has passed and that lock nothing any more (run now and then). */
export async function clearStaleFailures(policy: ThrottlePolicy, using: string | undefined): Promise<number> {
  const now = Date.now()
  const r = await AdminLoginAttempt.objects
    .using(using)
    .filter({ firstFailure__lt: new Date(now - policy.windowSeconds * 1000) })
    .filter(Q({ lockedUntil__isnull: true }).or({ lockedUntil__lt: new Date(now) }))
    .delete()
  return r.total
}
