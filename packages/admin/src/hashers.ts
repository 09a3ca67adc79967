import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

// Passwords are stored as `scrypt$N$r$p$salt$hash` (salt and hash in base64). The cost
// parameters travel with each hash, so raising them later still verifies old hashes and
// `needsRehash` tells when to upgrade one at the next login. The default N=2^14, r=8, p=5 is one
// of OWASP's equivalent scrypt settings (the one Django uses too).

/** scrypt cost parameters. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two (default 16384). */
  N: number
  /** Block size (default 8). */
  r: number
  /** Parallelisation (default 5). */
  p: number
}

/** The default cost: N=2^14, r=8, p=5. */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 14, r: 8, p: 5 })

/** The prefix of a password that can never match (Django's `set_unusable_password`). */
export const UNUSABLE_PASSWORD_PREFIX = '!'

const KEY_LENGTH = 32

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const maxmem = 256 * params.N * params.r + 32 * 1024 * 1024
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N: params.N, r: params.r, p: params.p, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    )
  })
}

function checkParams(params: ScryptParams): void {
  const { N, r, p } = params
  if (!Number.isInteger(N) || N < 2 || (N & (N - 1)) !== 0 || N > 2 ** 20) throw new RangeError(`scrypt N must be a power of two up to 2^20, got ${N}`)
  if (!Number.isInteger(r) || r < 1 || r > 32) throw new RangeError(`scrypt r must be an integer from 1 to 32, got ${r}`)
  if (!Number.isInteger(p) || p < 1 || p > 16) throw new RangeError(`scrypt p must be an integer from 1 to 16, got ${p}`)
}

/**
 * Hashes a password with scrypt and a random salt.
 * @example user.password = await makePassword('correct horse battery staple')
 */
export async function makePassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  if (typeof password !== 'string') throw new TypeError('makePassword() takes a string')
  checkParams(params)
  const salt = randomBytes(16)
  const key = await derive(password, salt, params)
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`
}

/** The parts of a stored hash, or null when it is not one of ours (or unusable). */
function parse(encoded: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const parts = encoded.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])]
  try {
    checkParams({ N, r, p })
  } catch {
    return null
  }
  const salt = Buffer.from(parts[4]!, 'base64')
  const key = Buffer.from(parts[5]!, 'base64')
  if (salt.length < 8 || key.length !== KEY_LENGTH) return null
  return { params: { N, r, p }, salt, key }
}

/** Whether `encoded` is a usable password hash (not empty, not marked unusable). */
export function isPasswordUsable(encoded: string | null | undefined): boolean {
  return typeof encoded === 'string' && !encoded.startsWith(UNUSABLE_PASSWORD_PREFIX) && parse(encoded) !== null
}

/** A value for `password` that no input matches (for accounts that must not log in with a password). */
export function unusablePassword(): string {
  return UNUSABLE_PASSWORD_PREFIX + randomBytes(24).toString('base64url')
}

const DUMMY = { params: DEFAULT_SCRYPT, salt: Buffer.alloc(16, 7) }

/**
 * Checks a password against a stored hash in constant time. A missing or unusable hash still runs
 * one scrypt (with the default cost), so that a wrong username takes as long as a wrong password.
 * @example if (await checkPassword(form.password, user.password)) login(user)
 */
export async function checkPassword(password: string, encoded: string | null | undefined): Promise<boolean> {
  const parsed = typeof encoded === 'string' ? parse(encoded) : null
  if (typeof password !== 'string' || !parsed) {
    await derive(typeof password === 'string' ? password : '', DUMMY.salt, DUMMY.params)
    return false
  }
  const key = await derive(password, parsed.salt, parsed.params)
  return timingSafeEqual(key, parsed.key)
}

/** Whether a stored hash uses other parameters than `params` (rehash it at the next successful login). */
export function needsRehash(encoded: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const parsed = parse(encoded)
  return parsed !== null && (parsed.params.N !== params.N || parsed.params.r !== params.r || parsed.params.p !== params.p)
}
