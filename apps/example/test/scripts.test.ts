import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

/** The built scripts, run as `pnpm demo` and `pnpm start` run them (test/global-setup.ts builds). */
const app = fileURLToPath(new URL('..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'strata-example-scripts-'))
const run = promisify(execFile)

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _, PORT: __, ...rest } = process.env
  return { ...rest, ...extra }
}

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('node dist/demo.js', () => {
  it('runs the walkthrough on a fresh SQLite file and ends with the two mission queries', async () => {
    const file = join(dir, 'demo.db')
    const once = await run(process.execPath, ['dist/demo.js'], {
      cwd: app,
      env: env({ DATABASE_URL: `sqlite:${file}` }),
    })
    // Fresh each time: a second run deletes the file and gives the same ids.
    const { stdout, stderr } = await run(process.execPath, ['dist/demo.js'], {
      cwd: app,
      env: env({ DATABASE_URL: `sqlite:${file}` }),
    })
    expect(stderr).toBe('')
    const stamps = (text: string) => text.replace(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g, '<now>')
    expect(stamps(stdout)).toBe(stamps(once.stdout))
    expect(stdout).toContain(`on SQLite ${file} (fresh)`)
    expect(stdout).toContain(
      "> const ann = await Author.objects.create({ name: 'Ann Lee', email: 'ann@example.com', age: 34 })",
    )
    expect(stdout).toContain('> await Post.objects.count()\n    6\n')

    const annotate = "> await Post.objects.annotate({ commentCount: Count('comment') })\n"
    const final =
      "> await Post.objects.filter({ pubDate__year: 2023 }).exclude({ title__icontains: 'django' })\n"
    const a = stdout.lastIndexOf(annotate)
    const b = stdout.lastIndexOf(final)
    expect(a).toBeGreaterThan(0)
    expect(b).toBeGreaterThan(a)
    const annotated = stdout.slice(a + annotate.length, b)
    expect(annotated).toContain('6 rows:')
    expect(annotated).toMatch(/Post #3 \{ title: 'Notes on SQLite'.*commentCount: 3 \}/)
    expect(annotated).toMatch(/Post #6 \{ title: 'Untitled draft'.*commentCount: 0 \}/)
    const last = stdout.slice(b + final.length)
    expect(last).toContain('2 rows:')
    expect(last).toMatch(/Post #3 \{ title: 'Notes on SQLite', pubDate: 2023-09-20 18:30/)
    expect(last).toMatch(/Post #1 \{ title: 'First Post', pubDate: 2023-03-14 09:00/)
    expect(last).not.toMatch(/Django/)
  })
})

describe('node dist/server.js', () => {
  it('prints its URL, serves the seeded blog, and stops on SIGTERM', async () => {
    const child: ChildProcess = spawn(process.execPath, ['dist/server.js'], {
      cwd: app,
      env: env({ PORT: '0', DATABASE_URL: join(dir, 'server.db') }),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed:\n${out}`)), 15_000)
        child.stdout!.on('data', () => {
          const m = /Listening on (http:\/\/\S+)/.exec(out)
          if (m) {
            clearTimeout(timer)
            resolve(m[1]!)
          }
        })
        child.on('exit', () => reject(new Error(`server exited:\n${out}`)))
      })
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
      expect(out).toContain('Seeded an empty database')
      const res = await fetch(`${url}posts?pubDate__year=2023&ordering=pubDate`)
      expect(res.status).toBe(200)
      const body = (await res.json()) as { results: { title: string }[] }
      expect(body.results.map((p) => p.title)).toEqual([
        'First Post',
        'A Tour of Django QuerySets',
        'Notes on SQLite',
      ])
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    expect(out).toContain('SIGTERM: closing the server and the database')
  })
})
