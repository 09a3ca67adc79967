// Proof that a user can install only what they need: pack four packages, install the tarballs
// (and what they declare) into an empty project with npm, then run the blog example in ESM and
// CJS and type-check a TypeScript file against the published declarations.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const packages = ['core', 'query', 'migrations', 'sqlite']
const dir = mkdtempSync(join(tmpdir(), 'strata-pack-'))
const tarballs = join(dir, 'tarballs')
const project = join(dir, 'project')
mkdirSync(tarballs)
mkdirSync(project)
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' } })

let passed = 0
let failed = 0
function check(name, fn) {
  try {
    fn()
    passed++
    console.log(`ok - ${name}`)
  } catch (e) {
    failed++
    console.log(`not ok - ${name}\n${e.stdout ?? ''}${e.stderr ?? ''}${e.message}`)
  }
}

try {
  for (const p of packages) run('pnpm', ['pack', '--pack-destination', tarballs], join(root, 'packages', p))
  const files = readdirSync(tarballs)
  const tgz = (p) => `file:${join(tarballs, files.find((f) => f.startsWith(`strata-${p}-`)))}`
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'scratch',
      private: true,
      type: 'module',
      dependencies: {
        ...Object.fromEntries(packages.map((p) => [`@strata/${p}`, tgz(p)])),
        kysely: '^0.28.0',
        'better-sqlite3': '^12.0.0',
      },
      devDependencies: { typescript: '~5.9.3', '@types/node': '^20.0.0' },
    }),
  )
  writeFileSync(
    join(project, 'models.js'),
    `import { model, f } from '@strata/core'
export class Author extends model('Author', { name: f.char({ maxLength: 100 }), email: f.email({ unique: true }), age: f.integer({ null: true }) }) {}
export class Post extends model('Post', {
  title: f.char({ maxLength: 100 }), content: f.text(), pubDate: f.dateTime({ autoNowAdd: true }),
  author: f.foreignKey('Author', { onDelete: 'CASCADE', relatedName: 'posts', null: true }),
  tags: f.manyToMany('Tag', { relatedName: 'posts' }),
  rating: f.decimal({ maxDigits: 4, decimalPlaces: 2, default: '0.00' }),
}, { ordering: ['-pubDate'] }) { toString() { return this.title } }
export class Comment extends model('Comment', { post: f.foreignKey('Post', { onDelete: 'CASCADE' }), author: f.char({ maxLength: 50 }), text: f.text(), pubDate: f.dateTime({ autoNowAdd: true }) }) {}
export class Tag extends model('Tag', { name: f.slug({ unique: true }) }) {}
`,
  )
  writeFileSync(
    join(project, 'seed.js'),
    `import { Count } from '@strata/core'
import { connect } from '@strata/query'
import { pushSchema } from '@strata/migrations'
import { sqlite } from '@strata/sqlite'
import { Author, Post, Comment, Tag } from './models.js'
const db = await connect({ databases: { default: sqlite({ filename: 'blog.db' }) }, models: [Author, Post, Comment, Tag] })
await pushSchema(db)
const ann = await Author.objects.create({ name: 'Ann', email: 'ann@example.com' })
const post = await Post.objects.create({ title: 'First Post', content: 'This is my first blog post.', author: ann })
await Post.objects.create({ title: 'Learning Django', content: '...' })
await Post.objects.update({ pubDate: new Date('2023-03-01T12:00:00Z') })
await Comment.objects.create({ post, author: 'John', text: 'Great post!' })
await Comment.objects.create({ post, author: 'Jane', text: 'Thanks' })
const counts = (await Post.objects.annotate({ commentCount: Count('comment') }).orderBy('title')).map((p) => p.title + '=' + p.commentCount)
const filtered = (await Post.objects.filter({ pubDate__year: 2023 }).exclude({ title__icontains: 'django' })).map(String)
console.log(JSON.stringify({ counts, filtered }))
await db.close()
`,
  )
  writeFileSync(
    join(project, 'check.cjs'),
    `const core = require('@strata/core'); const query = require('@strata/query'); const sqlite = require('@strata/sqlite'); const mig = require('@strata/migrations')
if (typeof core.model !== 'function' || typeof query.connect !== 'function' || typeof sqlite.sqlite !== 'function' || typeof mig.pushSchema !== 'function') throw new Error('CJS exports missing')
console.log('cjs ok')
`,
  )
  writeFileSync(
    join(project, 'typed.ts'),
    `import { model, f, Count } from '@strata/core'
export class Author extends model('Author', { name: f.char({ maxLength: 100 }) }) {}
export class Post extends model('Post', { title: f.char({ maxLength: 100 }), author: f.foreignKey('Author', { onDelete: 'CASCADE', null: true }) }) {}
declare module '@strata/core' { interface Models { Author: Author; Post: Post } }
export async function titles(): Promise<string[]> {
  const rows = await Post.objects.filter({ author__name__istartswith: 'a' }).annotate({ n: Count('id') })
  const n: number = rows[0]!.n
  void n
  return rows.map((p) => p.title)
}
// @ts-expect-error unknown field
Post.objects.filter({ titel: 'x' })
`,
  )
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: false, types: ['node'] }, files: ['typed.ts'] }),
  )
  run('npm', ['install', '--no-package-lock', '--loglevel=error'], project)

  check('only the four packages and their declared dependencies are installed', () => {
    const installed = readdirSync(join(project, 'node_modules', '@strata')).sort()
    if (installed.join(',') !== 'core,migrations,query,sqlite') throw new Error(`installed @strata packages: ${installed}`)
  })
  check('the blog example runs from the tarballs (ESM)', () => {
    const out = JSON.parse(run('node', ['seed.js'], project).trim())
    const expected = JSON.stringify({ counts: ['First Post=2', 'Learning Django=0'], filtered: ['First Post'] })
    if (JSON.stringify(out) !== expected) throw new Error(`got ${JSON.stringify(out)}, expected ${expected}`)
  })
  check('the CommonJS builds load', () => {
    if (!run('node', ['check.cjs'], project).includes('cjs ok')) throw new Error('no output')
  })
  check('the published declarations type-check a user file (skipLibCheck off)', () => {
    run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], project)
  })
} catch (e) {
  failed++
  console.log(`not ok - packing and installing\n${e.stdout ?? ''}${e.stderr ?? ''}${e.message}`)
} finally {
  if (!process.env.STRATA_KEEP_PACK) rmSync(dir, { recursive: true, force: true })
  else console.log(`kept ${dir}`)
}
console.log(`pack-test: ${passed} passed, ${failed} failed`)
const reportDir = process.env.STRATA_REPORT_DIR
if (reportDir) writeFileSync(join(reportDir, 'pack-test.json'), JSON.stringify({ numPassedTests: passed, numFailedTests: failed }))
process.exit(failed ? 1 : 0)
