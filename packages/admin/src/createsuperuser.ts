import { ValidationError } from '@strata/core'
import { AdminUser } from './auth-models.js'
import { DEFAULT_SCRYPT, makePassword, type ScryptParams } from './hashers.js'
import { validatePassword } from './password-validation.js'

/** Options of `createSuperuser()`. */
export interface CreateSuperuserOptions {
  username: string
  password: string
  email?: string
  /** The database alias (default 'default'). */
  using?: string
  /** scrypt cost (default the admin's). */
  hasher?: ScryptParams
  /** Check the password rules (default true). */
  validate?: boolean
}

/**
 * Creates a user who may log in to the admin and has every permission.
 * @example await createSuperuser({ username: 'admin', email: 'a@example.com', password: process.env.PW! })
 */
export async function createSuperuser(options: CreateSuperuserOptions): Promise<AdminUser> {
  const username = String(options.username ?? '').trim()
  const email = String(options.email ?? '').trim()
  const errors: Record<string, string[]> = {}
  const user = new AdminUser({ username, email, password: '', isStaff: true, isSuperuser: true, isActive: true })
  try {
    await user.fullClean({ exclude: ['password', 'lastLogin', 'dateJoined'] })
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e
    Object.assign(errors, e.errors)
  }
  if (typeof options.password !== 'string' || options.password === '') errors.password = ['This field cannot be blank.']
  else if (options.validate !== false) {
    const problems = validatePassword(options.password, { username, email })
    if (problems.length) errors.password = problems
  }
  if (Object.keys(errors).length) throw new ValidationError(errors, { model: 'AdminUser' })
  user.password = await makePassword(options.password, options.hasher ?? DEFAULT_SCRYPT)
  await user.save(options.using ? { using: options.using } : {})
  return user
}

/** A problem the `createsuperuser` command reports (exit code 1), or a missing answer without a terminal. */
export class CommandError extends Error {
  override readonly name = 'CommandError'
}

/** What the command reads and writes. */
export interface CommandStreams {
  readonly input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown }
  readonly output: NodeJS.WritableStream
  readonly env: Readonly<Record<string, string | undefined>>
}

/** Options of the `createsuperuser` command. */
export interface CreateSuperuserCommandOptions {
  username?: string
  email?: string
  /** Ask nothing: the password comes from `STRATA_SUPERUSER_PASSWORD`. */
  noInput: boolean
  using?: string
}

/** Reads lines from a stream one at a time (also when several arrive in one chunk). */
function lineReader(input: NodeJS.ReadableStream): { next(): Promise<string | null>; close(): void } {
  const lines: string[] = []
  const waiting: ((line: string | null) => void)[] = []
  let buffer = ''
  let ended = false
  const onData = (chunk: Buffer | string) => {
    buffer += chunk.toString()
    let i = buffer.search(/\r?\n|\r/)
    while (i >= 0) {
      const line = buffer.slice(0, i)
      buffer = buffer.slice(buffer[i] === '\r' && buffer[i + 1] === '\n' ? i + 2 : i + 1)
      const w = waiting.shift()
      if (w) w(line)
      else lines.push(line)
      i = buffer.search(/\r?\n|\r/)
    }
  }
  const onEnd = () => {
    ended = true
    if (buffer) {
      const w = waiting.shift()
      if (w) w(buffer)
      else lines.push(buffer)
      buffer = ''
    }
    for (const w of waiting.splice(0)) w(null)
  }
  input.on('data', onData)
  input.on('end', onEnd)
  input.resume()
  return {
    next: () => (lines.length ? Promise.resolve(lines.shift()!) : ended ? Promise.resolve(null) : new Promise((r) => waiting.push(r))),
    close: () => {
      input.off('data', onData)
      input.off('end', onEnd)
      input.pause()
    },
  }
}

/** Reads a password on a terminal without echoing it. */
function readHidden(io: CommandStreams, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = io.input
    io.output.write(prompt)
    input.setRawMode?.(true)
    let value = ''
    const done = (err?: Error) => {
      input.setRawMode?.(false)
      input.off('data', onData)
      input.pause()
      io.output.write('\n')
      if (err) reject(err)
      else resolve(value)
    }
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return done()
        if (ch === '\u0003') return done(new CommandError('Operation cancelled.'))
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1)
        else value += ch
      }
    }
    input.on('data', onData)
    input.resume()
  })
}

/**
 * The `createsuperuser` command: asks for a username, email and password on a terminal, or with
 * `noInput` takes them from the options and `STRATA_SUPERUSER_PASSWORD` (also
 * `STRATA_SUPERUSER_USERNAME`, `STRATA_SUPERUSER_EMAIL`). Resolves to the new user.
 * @example await runCreateSuperuser({ noInput: true, username: 'admin' }, { input: process.stdin, output: process.stdout, env: process.env })
 */
export async function runCreateSuperuser(options: CreateSuperuserCommandOptions, io: CommandStreams): Promise<AdminUser> {
  const env = io.env
  let username = options.username ?? env.STRATA_SUPERUSER_USERNAME ?? ''
  let email = options.email ?? env.STRATA_SUPERUSER_EMAIL ?? ''
  if (options.noInput) {
    const password = env.STRATA_SUPERUSER_PASSWORD ?? ''
    if (!username) throw new CommandError('You must use --username with --no-input (or set STRATA_SUPERUSER_USERNAME).')
    if (!password) throw new CommandError('Set STRATA_SUPERUSER_PASSWORD to the password when using --no-input.')
    return reportErrors(() => createSuperuser({ username, email, password, ...(options.using ? { using: options.using } : {}) }))
  }
  const tty = io.input.isTTY === true
  const lines = tty ? null : lineReader(io.input)
  const ask = async (prompt: string): Promise<string> => {
    if (lines) {
      io.output.write(prompt)
      const line = await lines.next()
      if (line === null) throw new CommandError('No more input: use --no-input with STRATA_SUPERUSER_PASSWORD in scripts.')
      return line
    }
    const rl = lineReader(io.input)
    io.output.write(prompt)
    const line = await rl.next()
    rl.close()
    if (line === null) throw new CommandError('Input ended.')
    return line
  }
  const secret = (prompt: string) => (tty ? readHidden(io, prompt) : ask(prompt))
  try {
    while (!username.trim()) {
      username = (await ask('Username: ')).trim()
      if (username && (await AdminUser.objects.using(options.using).filter({ username }).exists())) {
        io.output.write('Error: That username is already taken.\n')
        username = ''
      }
    }
    if (options.email === undefined) email = (await ask('Email address: ')).trim()
    for (;;) {
      const p1 = await secret('Password: ')
      const p2 = await secret('Password (again): ')
      if (p1 !== p2) {
        io.output.write("Error: Your passwords didn't match.\n")
        continue
      }
      if (p1 === '') {
        io.output.write("Error: Blank passwords aren't allowed.\n")
        continue
      }
      const problems = validatePassword(p1, { username, email })
      let validate = true
      if (problems.length) {
        io.output.write(`${problems.join('\n')}\n`)
        const answer = (await ask('Bypass password validation and create user anyway? [y/N]: ')).trim().toLowerCase()
        if (answer !== 'y' && answer !== 'yes') continue
        validate = false
      }
      return await reportErrors(() => createSuperuser({ username, email, password: p1, validate, ...(options.using ? { using: options.using } : {}) }))
    }
  } finally {
    lines?.close()
  }
}

async function reportErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    if (e instanceof ValidationError)
      throw new CommandError(
        Object.entries(e.errors)
          .map(([k, v]) => `${k}: ${v.join(' ')}`)
          .join('\n'),
      )
    throw e
  }
}
