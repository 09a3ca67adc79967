// The admin of the example, as a user meets it: `pnpm start` prints where it is and how to log in,
// and the printed login works in the form; the JSON API keeps answering next to it.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const app = fileURLToPath(new URL('..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'strata-example-admin-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Cookies and the last CSRF token, as a browser keeps them. */
class Browser {
  readonly jar = new Map<string, string>()
  token = ''

  async go(url: string, init: RequestInit = {}): Promise<Response & { text: string }> {
    const headers = new Headers(init.headers)
    headers.set('cookie', [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '))
    const res = await fetch(url, { ...init, headers, redirect: 'manual' })
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const eq = pair!.indexOf('=')
      this.jar.set(pair!.slice(0, eq), pair!.slice(eq + 1))
    }
    const text = await res.text()
    this.token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(text)?.[1] ?? this.token
    return Object.assign(res, { text })
  }

  post(url: string, fields: Record<string, string>): Promise<Response & { text: string }> {
    const body = new URLSearchParams({ ...fields, csrfmiddlewaretoken: this.token })
    return this.go(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(url).origin } })
  }
}

describe('the example admin at /admin', () => {
  it('is announced on start with a login that works', async () => {
    const child: ChildProcess = spawn(process.execPath, ['dist/server.js'], {
      cwd: app,
      env: { ...process.env, PORT: '0', DATABASE_URL: join(dir, 'admin.db'), STRATA_ADMIN_PASSWORD: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      const [, url, user, password] = await new Promise<RegExpExecArray>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no admin line printed:\n${out}`)), 20_000)
        child.stdout!.on('data', () => {
          const m = /Admin on (http:\/\/\S+\/admin\/) \(log in as (\S+) \/ (\S+)\)/.exec(out)
          if (m) {
            clearTimeout(timer)
            resolve(m)
          }
        })
        child.on('exit', () => reject(new Error(`server exited:\n${out}`)))
      })
      const b = new Browser()
      const first = await b.go(url!)
      expect(first.status).toBe(302)
      expect(first.headers.get('location')).toBe('/admin/login/?next=%2Fadmin%2F')
      await b.go(new URL('/admin/login/', url).href)
      const login = await b.post(new URL('/admin/login/', url).href, { username: user!, password: password! })
      expect(login.status).toBe(302)
      const index = await b.go(url!)
      expect(index.status).toBe(200)
      for (const name of ['Posts', 'Authors', 'Comments', 'Tags', 'Users', 'Groups']) expect(index.text).toContain(`>${name}</a>`)
      const posts = await b.go(new URL('/admin/app/post/?q=sqlite', url).href)
      expect(posts.text).toContain('Notes on SQLite')
      const api = await fetch(new URL('/posts?limit=1', url))
      expect(api.status).toBe(200)
      expect(((await api.json()) as { results: unknown[] }).results).toHaveLength(1)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
  })
})
