import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const app = fileURLToPath(new URL('..', import.meta.url))

function newest(dir: string): number {
  let t = 0
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    const s = statSync(p)
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs)
  }
  return t
}

/**
 * The script tests run the built `dist/demo.js` and `dist/server.js`. `pnpm test` at the root
 * builds first; when this package's tests run alone and dist is missing or older than src,
 * build it here (the same as `pnpm --filter @strata/example build`).
 */
export default function setup(): void {
  const outputs = ['dist/demo.js', 'dist/server.js'].map((p) => join(app, p))
  const built = outputs.every((p) => existsSync(p)) ? Math.min(...outputs.map((p) => statSync(p).mtimeMs)) : 0
  if (built > newest(join(app, 'src')) && built > statSync(join(app, 'tsup.config.ts')).mtimeMs) return
  execFileSync(join(app, 'node_modules/.bin/tsup'), { cwd: app, stdio: 'inherit' })
}
