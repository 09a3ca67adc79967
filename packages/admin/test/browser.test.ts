// The admin in a real browser (Debian's Chromium driven by playwright-core): log in, add a post with
// an author and tags, find it by search and by filter, edit it, see a validation error, delete it
// through the confirmation page, and check that markup in a title shows as text. One browser for
// the whole file. STRATA_ADMIN_SCREENSHOTS=1 refreshes the README's screenshots in docs/.
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { action, column } from '../src/index.js'
import { availableTargets } from './support/databases.js'
import { Author, Comment, Post, Tag } from './support/models.js'
import { type AdminServer, startAdmin } from './support/server.js'

const CHROMIUM = process.env.STRATA_CHROMIUM ?? '/usr/bin/chromium'
const inCi = process.env.CI === 'true' || process.env.CI === '1'
const shots = process.env.STRATA_ADMIN_SCREENSHOTS === '1' ? resolve(__dirname, '../docs') : mkdtempSync(join(tmpdir(), 'strata-admin-shots-'))
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium) {
  if (inCi) throw new Error(`Chromium is not installed at ${CHROMIUM} (CI=true: .ci/run installs it)`)
  console.warn(`\n${'!'.repeat(100)}\n!! SKIPPING the admin browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium)\n${'!'.repeat(100)}\n`)
}
const [sqliteTarget] = await availableTargets()

describe.runIf(hasChromium)('the admin in Chromium', () => {
  let s: AdminServer
  let browser: Browser
  let page: Page
  const dialogs: string[] = []

  beforeAll(async () => {
    s = await startAdmin(sqliteTarget!, (admin) => {
      admin.register(Post, {
        listDisplay: ['title', 'author', 'status', 'featured', 'pubDate', column<Post>({ name: 'rating', label: 'Rating', value: (p) => p.rating, ordering: 'rating' })],
        listFilter: ['status', 'featured', 'pubDate', 'author', 'tags'],
        searchFields: ['title', '^author__name', 'tags__name'],
        dateHierarchy: 'pubDate',
        fieldsets: [{ fields: ['title', 'content', ['author', 'status'], 'tags'] }, { title: 'Publishing', fields: [['rating', 'featured'], 'pubDate'] }],
        readonlyFields: ['pubDate'],
        autocompleteFields: ['author'],
        inlines: [{ model: Comment, extra: 1 }],
        actions: ['delete_selected', action<Post>({ name: 'publish', description: 'Publish selected posts', run: async (qs) => `Published ${await qs.update({ status: 'published' })} posts.` })],
      })
      admin.register(Author, { listDisplay: ['name', 'email', 'age'], searchFields: ['name', 'email'] })
      admin.register(Tag, { searchFields: ['name'] })
      admin.register(Comment, { listDisplay: ['author', 'post', 'pubDate'] })
    })
    const ann = await Author.objects.create({ name: 'Ada Lovelace', email: 'ada@example.com', age: 36 })
    const bob = await Author.objects.create({ name: 'Charles Babbage', email: 'charles@example.com', age: 79 })
    await Author.objects.create({ name: 'Grace Hopper', email: 'grace@example.com', age: 85 })
    const ts = await Tag.objects.create({ name: 'typescript' })
    const orm = await Tag.objects.create({ name: 'orm' })
    await Tag.objects.create({ name: 'django' })
    const seed: [string, Author, string, boolean, string, Tag[]][] = [
      ['Notes on the Analytical Engine', ann, 'published', true, '4.80', [orm]],
      ['Lazy QuerySets explained', bob, 'published', false, '4.20', [ts, orm]],
      ['Why selectRelated matters', ann, 'draft', false, '3.50', [orm]],
      ['Migrations without fear', bob, 'published', true, '4.60', [ts]],
      ['A tour of lookups', ann, 'published', false, '3.90', [ts]],
    ]
    for (const [i, [title, author, status, featured, rating, tags]] of seed.entries()) {
      const p = await Post.objects.create({ title, author, status, featured, rating, content: `${title}.` })
      await p.tags.add(...tags)
      await Post.objects.filter({ pk: p.pk }).update({ pubDate: new Date(Date.UTC(2024, 2 + i, 3 + i, 9, 30)) })
      await Comment.objects.create({ post: p, author: 'reader', text: 'Thanks for this.' })
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] })
    page = await browser.newPage({ viewport: { width: 1280, height: 820 } })
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
  })

  afterAll(async () => {
    await browser?.close()
    await s?.close()
  })

  const url = (path: string) => `${s.origin}/admin${path}`
  const message = () => page.locator('.messagelist li').first().textContent()

  it('logs in through the form and lands on the index', async () => {
    await page.goto(url('/blog/post/'))
    expect(page.url()).toContain('/admin/login/?next=')
    await page.fill('#id_username', 'root')
    await page.fill('#id_password', 'wrong password')
    await page.click('button[type=submit]')
    await expect(page.locator('.errornote').textContent()).resolves.toContain('Please enter the correct username and password')
    await page.fill('#id_password', 'root-pass-123')
    await page.click('button[type=submit]')
    expect(new URL(page.url()).pathname).toBe('/admin/blog/post/')
    await expect(page.locator('h1').textContent()).resolves.toBe('Select post to change')
    await page.screenshot({ path: join(shots, 'changelist.png') })
  })

  it('selects rows with the header checkbox (the small script)', async () => {
    await page.check('#action-toggle')
    await expect(page.locator('.action-counter').textContent()).resolves.toBe('5 of 5 selected')
    await page.uncheck('#action-toggle')
    await expect(page.locator('.action-counter').textContent()).resolves.toBe('0 of 5 selected')
  })

  it('adds a post with an author (autocomplete) and tags', async () => {
    await page.click('a.addlink')
    expect(new URL(page.url()).pathname).toBe('/admin/blog/post/add/')
    await page.fill('#id_title', 'Strata admin in a browser')
    await page.fill('#id_content', 'Written by Playwright.')
    await page.fill('.field-author input.search', 'Grace')
    await page.locator('.field-author ul.suggestions li', { hasText: 'Grace Hopper' }).click()
    await expect(page.locator('.field-author .chip').textContent()).resolves.toBe('Grace Hopper')
    await page.selectOption('#id_status', 'published')
    await page.selectOption('#id_tags', [{ label: 'typescript' }, { label: 'django' }])
    await page.fill('#id_commentSet-0-author', 'first reader')
    await page.fill('#id_commentSet-0-text', 'Looks good.')
    await page.click('button[name=_save]')
    expect(new URL(page.url()).pathname).toBe('/admin/blog/post/')
    await expect(message()).resolves.toBe('The post “Strata admin in a browser” was added successfully.')
    const post = await Post.objects.get({ title: 'Strata admin in a browser' })
    expect((await Author.objects.get({ pk: post.authorId! })).name).toBe('Grace Hopper')
    expect((await post.tags.all()).map((t) => t.name).sort()).toEqual(['django', 'typescript'])
    expect(await Comment.objects.filter({ post: post.pk }).count()).toBe(1)
  })

  it('finds it by search and by filter', async () => {
    await page.fill('#searchbar', 'browser')
    await page.press('#searchbar', 'Enter')
    await expect(page.locator('#result_list tbody tr').count()).resolves.toBe(1)
    await expect(page.locator('#result_list tbody tr th a').textContent()).resolves.toBe('Strata admin in a browser')
    await page.click('text=clear search')
    await page.locator('#changelist-filter details', { hasText: 'By Author' }).locator('a', { hasText: 'Grace Hopper' }).click()
    expect(page.url()).toMatch(/author__id__exact=\d+/)
    await expect(page.locator('#result_list tbody tr').count()).resolves.toBe(1)
    await page.locator('#changelist-filter details', { hasText: 'By Tags' }).locator('a', { hasText: 'django' }).click()
    await expect(page.locator('#result_list tbody tr th a').textContent()).resolves.toBe('Strata admin in a browser')
  })

  it('edits it, keeping the list filters when coming back', async () => {
    await page.click('#result_list tbody tr th a')
    expect(page.url()).toContain('_changelist_filters=')
    await page.screenshot({ path: join(shots, 'changeform.png'), fullPage: true })
    await page.fill('#id_title', 'Strata admin, edited in a browser')
    await page.click('button[name=_save]')
    expect(page.url()).toMatch(/author__id__exact=\d+/)
    await expect(message()).resolves.toBe('The post “Strata admin, edited in a browser” was changed successfully.')
  })

  it('shows a validation error next to the field and keeps the data', async () => {
    await page.click('#result_list tbody tr th a')
    await page.fill('#id_title', '    ')
    await page.click('button[name=_continue]')
    await expect(page.locator('.errornote').textContent()).resolves.toBe('Please correct the error below.')
    await expect(page.locator('#id_title_errors').textContent()).resolves.toBe('This field is required.')
    await expect(page.locator('#id_title').getAttribute('aria-invalid')).resolves.toBe('true')
    expect(await Post.objects.filter({ title: 'Strata admin, edited in a browser' }).count()).toBe(1)
  })

  it('deletes it through the confirmation page, which lists its comment', async () => {
    await page.click('a.deletelink')
    await expect(page.locator('h1').textContent()).resolves.toBe('Are you sure?')
    await expect(page.locator('#content').textContent()).resolves.toContain('Comment: first reader: Looks good.')
    await page.click('button.deletelink-button')
    await expect(message()).resolves.toBe('The post “Strata admin, edited in a browser” was deleted successfully.')
    expect(await Post.objects.filter({ title__startswith: 'Strata admin' }).count()).toBe(0)
    expect(await Comment.objects.filter({ author: 'first reader' }).count()).toBe(0)
  })

  it('shows a title made of markup as text, and runs no script from it', async () => {
    const evil = '<img src=x onerror=alert(1)>'
    await Post.objects.create({ title: evil, author: await Author.objects.get({ name: 'Ada Lovelace' }) })
    await page.goto(url('/blog/post/'))
    await expect(page.locator('#result_list tbody tr th a', { hasText: evil }).textContent()).resolves.toBe(evil)
    await page.locator('#result_list tbody tr th a', { hasText: evil }).click()
    await expect(page.locator('#id_title').inputValue()).resolves.toBe(evil)
    await expect(page.locator('h1').textContent()).resolves.toBe(`Change post: ${evil}`)
    await expect(page.locator('img[src=x]').count()).resolves.toBe(0)
    await page.waitForTimeout(100)
    expect(dialogs).toEqual([])
  })
})
