// Password rules in the spirit of Django's default validators: a minimum length, not entirely
// numeric, not one of the most common passwords, not close to the username or email.

const COMMON = new Set([
  'password', 'password1', 'password123', '12345678', '123456789', '1234567890', 'qwertyuiop', 'qwerty123',
  'iloveyou', 'sunshine', 'princess', 'football', 'baseball', 'welcome1', 'letmein1', 'admin123', 'administrator',
  'passw0rd', 'trustno1', 'superman', 'starwars', 'whatever', 'abcdefgh', 'abc12345', 'changeme', 'internet',
])

/** What `validatePassword` compares against. */
export interface PasswordContext {
  username?: string | null
  email?: string | null
}

/** The minimum length a password must have. */
export const MIN_PASSWORD_LENGTH = 8

/**
 * The reasons a password is too weak (empty when it is acceptable).
 * @example const problems = validatePassword('hunter2', { username: 'ann' })
 */
export function validatePassword(password: string, context: PasswordContext = {}): string[] {
  const problems: string[] = []
  if (typeof password !== 'string' || password.length === 0) return ['This field cannot be blank.']
  if (password.length < MIN_PASSWORD_LENGTH)
    problems.push(`This password is too short. It must contain at least ${MIN_PASSWORD_LENGTH} characters.`)
  if (/^\d+$/.test(password)) problems.push('This password is entirely numeric.')
  if (COMMON.has(password.toLowerCase())) problems.push('This password is too common.')
  const lower = password.toLowerCase()
  for (const [label, value] of [['username', context.username], ['email address', context.email]] as const) {
    if (!value) continue
    const parts = [value.toLowerCase(), ...value.toLowerCase().split(/[\W_]+/).filter((p) => p.length >= 4)]
    if (parts.some((p) => p.length > 0 && (lower === p || lower.includes(p) && p.length * 2 >= lower.length))) {
      problems.push(`The password is too similar to the ${label}.`)
      break
    }
  }
  return problems
}
