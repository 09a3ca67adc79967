// `strata createsuperuser`, run as a user runs it: in a project whose models include the admin's.
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { sql } from '@strata/query'
import { afterAll, describe, expect, it } from 'vitest'
import { Project, type Run, targets } from './scratch.js'

const MODELS = `
export { AdminPermission, AdminGroup, AdminUser, AdminSession, AdminLogEntry, AdminLoginAttempt } from '@strata/admin'

export class Note extends model('Note', { text: f.text() }) {}
`

const CLI = resolve(__dirname, '../dist/bin.js')

/** Runs `strata ...args` with `input` piped to stdin and extra environment. */
function runWith(p: Project, input: string, env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: p.dir, env: { ...process.env, NO_COLOR: '1', ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('exit', (code) => done({ code: code ?? 1, stdout, stderr }))
    child.stdin.end(input)
  })
}

const list = await targets()

describe.each(list)('strata createsuperuser on $name', (target) => {
  const projects: Project[] = []
  afterAll(async () => {
    for (const p of projects) await p.remove()
  })

  it('creates a superuser from flags and STRATA_SUPERUSER_PASSWORD, or by asking, with a scrypt hash', async () => {
    const p = new Project(target, 'superuser')
    projects.push(p)
    await p.init(MODELS)
    expect((await p.run('makemigrations')).code).toBe(0)
    expect((await p.run('migrate')).code).toBe(0)

    const missing = await runWith(p, '', {}, 'createsuperuser', '--username', 'admin', '--no-input')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('STRATA_SUPERUSER_PASSWORD')

    const weak = await runWith(p, '', { STRATA_SUPERUSER_PASSWORD: '123' }, 'createsuperuser', '--username', 'admin', '--no-input')
    expect(weak.code).toBe(1)
    expect(weak.stderr).toContain('too short')

    const made = await runWith(p, '', { STRATA_SUPERUSER_PASSWORD: 'a-long-passphrase' }, 'createsuperuser', '--username', 'admin', '--email', 'admin@example.com', '--no-input')
    expect(made.code, made.stderr).toBe(0)
    expect(made.stdout).toContain('Superuser "admin" created.')

    const again = await runWith(p, '', { STRATA_SUPERUSER_PASSWORD: 'a-long-passphrase' }, 'createsuperuser', '--username', 'admin', '--no-input')
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('already exists')

    const asked = await runWith(p, 'second\nsecond@example.com\nshort\nshort\nn\nanother-passphrase\nanother-passphrase\n', {}, 'createsuperuser')
    expect(asked.code, asked.stderr).toBe(0)
    expect(asked.stdout).toContain('Username: ')
    expect(asked.stdout).toContain('This password is too short.')
    expect(asked.stdout).toContain('Superuser "second" created.')

    const db = await p.connect()
    try {
      const rows = await db.raw<{ username: string; password: string; is_superuser: unknown; is_staff: unknown; email: string }>(
        sql`select username, password, is_superuser, is_staff, email from strata_auth_user order by username`,
      )
      expect(rows.map((r) => r.username)).toEqual(['admin', 'second'])
      for (const r of rows) {
        expect(r.password).toMatch(/^scrypt\$16384\$8\$5\$/)
        expect(Boolean(Number(r.is_superuser) || r.is_superuser === true)).toBe(true)
        expect(Boolean(Number(r.is_staff) || r.is_staff === true)).toBe(true)
      }
      expect(rows[0]!.email).toBe('admin@example.com')
    } finally {
      await db.close()
    }
  })
})
