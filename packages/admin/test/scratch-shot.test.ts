import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { column } from '../src/index.js'
import { availableTargets } from './support/databases.js'
import { Author, Comment, Post, Tag } from './support/models.js'
import { type AdminServer, startAdmin } from './support/server.js'

const targets = await availableTargets()
describe('shots', () => {
  let s: AdminServer
  beforeAll(async () => {
    s = await startAdmin(targets[0]!, (admin) => {
      admin.register(Post, { listDisplay: ['title', 'author', 'status', 'featured', 'pubDate', column<Post>({ name: 'rating', label: 'Rating', value: (p) => p.rating, ordering: 'rating' })], listFilter: ['status', 'featured', 'pubDate', 'author', 'tags'], searchFields: ['title', '^author__name'], inlines: [{ model: Comment, extra: 1 }], dateHierarchy: 'pubDate',
        fieldsets: [{ fields: ['title', 'content', ['author', 'status'], 'tags'] }, { title: 'Details', fields: ['rating', 'featured', 'pubDate'], classes: ['collapse'] }], readonlyFields: ['pubDate'] })
      admin.register(Author, { listDisplay: ['name', 'email', 'age'], searchFields: ['name'] })
      admin.register(Tag)
      admin.register(Comment)
    })
    const a = await Author.objects.create({ name: 'Ann Lovelace', email: 'ann@example.com' })
    const b = await Author.objects.create({ name: 'Bob Babbage', email: 'bob@example.com' })
    const t = await Tag.objects.create({ name: 'typescript' })
    await Tag.objects.create({ name: 'django' })
    for (let i = 0; i < 12; i++) {
      const p = await Post.objects.create({ title: `Post number ${i} about ORMs`, author: i % 2 ? a : b, status: i % 3 ? 'published' : 'draft', featured: i % 4 === 0, rating: `${i % 5}.50` })
      await p.tags.add(t)
      await Comment.objects.create({ post: p, author: 'reader', text: 'Nice one' })
    }
  })
  afterAll(() => s?.close())
  it('shoots', async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] })
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.goto(`${s.origin}/admin/`)
    await page.screenshot({ path: '/tmp/adm/login.png' })
    await page.fill('#id_username', 'root')
    await page.fill('#id_password', 'root-pass-123')
    await page.click('button[type=submit]')
    await page.screenshot({ path: '/tmp/adm/index.png' })
    await page.goto(`${s.origin}/admin/blog/post/`)
    await page.screenshot({ path: '/tmp/adm/list.png', fullPage: true })
    await page.goto(`${s.origin}/admin/blog/post/1/change/`)
    await page.screenshot({ path: '/tmp/adm/form.png', fullPage: true })
    await page.goto(`${s.origin}/admin/blog/author/1/delete/`)
    await page.screenshot({ path: '/tmp/adm/delete.png', fullPage: true })
    await browser.close()
  })
})
