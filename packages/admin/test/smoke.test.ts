import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from './support/client.js'
import { availableTargets } from './support/databases.js'
import { Author, Comment, Post, Tag } from './support/models.js'
import { type AdminServer, startAdmin } from './support/server.js'

const targets = await availableTargets()

describe.each(targets.slice(0, 1))('smoke on $name', (target) => {
  let s: AdminServer
  beforeAll(async () => {
    s = await startAdmin(target, (admin) => {
      admin.register(Post, { listDisplay: ['title', 'author', 'pubDate'], listFilter: ['pubDate', 'author', 'status', 'featured', 'tags'], searchFields: ['title', 'author__name'], inlines: [{ model: Comment, extra: 1 }], dateHierarchy: 'pubDate' })
      admin.register(Author, { searchFields: ['name'] })
      admin.register(Tag)
      admin.register(Comment)
    })
    const a = await Author.objects.create({ name: 'Ann', email: 'ann@example.com' })
    const p = await Post.objects.create({ title: 'First <b>post</b>', author: a })
    await Comment.objects.create({ post: p, author: 'x', text: 'hi' })
  })
  afterAll(() => s?.close())
  it('works', async () => {
    const c = new Client(s.origin)
    let r = await c.get('/admin/')
    expect(r.status).toBe(302)
    r = await c.login('root', 'root-pass-123')
    expect(r.status, r.text).toBe(302)
    for (const path of ['/admin/', '/admin/blog/post/', '/admin/blog/post/?q=first', '/admin/blog/post/add/', '/admin/blog/post/1/change/', '/admin/blog/post/1/delete/', '/admin/blog/post/1/history/', '/admin/auth/adminuser/', '/admin/auth/adminuser/1/change/', '/admin/blog/post/?pubDate__year=2025']) {
      r = await c.get(path)
      if (r.status !== 200) console.log(path, r.status, r.text.slice(0, 3000))
      expect(r.status).toBe(200)
    }
    console.log(r.text.slice(0, 200))
  })
})
