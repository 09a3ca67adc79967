import { Admin, AdminUser, checkPassword, column, createSuperuser } from '@strata/admin'
import { Author, Comment, Post, Tag } from './models.js'

/** The demo login `pnpm start` creates when the database has no superuser yet. */
export const DEMO_ADMIN = { username: 'admin', password: 'strata-demo-admin' } as const

/** The blog's admin (API.md section 9), mounted by the server at /admin. */
export function createAdmin(): Admin {
  const admin = new Admin({ title: 'Blog admin', siteUrl: '/' })
  admin.register(Post, {
    listDisplay: ['title', 'author', 'pubDate', column<Post>({ name: 'rating', label: 'Rating', value: (p) => p.rating, ordering: 'rating' })],
    listFilter: ['pubDate', 'author', 'tags'],
    searchFields: ['title', 'content', 'author__name'],
    dateHierarchy: 'pubDate',
    ordering: ['-pubDate'],
    readonlyFields: ['pubDate'],
    inlines: [{ model: Comment, extra: 1 }],
    actions: ['delete_selected'],
    listPerPage: 50,
  })
  admin.register(Author, { listDisplay: ['name', 'email', 'age'], searchFields: ['name', 'email'], ordering: ['name'] })
  admin.register(Comment, { listDisplay: ['author', 'post', 'pubDate'], searchFields: ['author', 'text'], listFilter: ['pubDate'] })
  admin.register(Tag, { searchFields: ['name'], ordering: ['name'] })
  return admin
}

/** How to log in, for the start message. */
export interface AdminLogin {
  readonly username: string
  /** The demo password, when the demo account still has it (null: a superuser of your own). */
  readonly password: string | null
}

/**
 * Makes sure someone can log in: on a database without a superuser, creates `admin` with the demo
 * password (or `STRATA_ADMIN_PASSWORD`). `pnpm strata createsuperuser` makes a real one.
 */
export async function ensureAdminLogin(env: NodeJS.ProcessEnv = process.env): Promise<AdminLogin> {
  const existing = await AdminUser.objects.filter({ isSuperuser: true, isActive: true }).orderBy('pk').first()
  const password = env.STRATA_ADMIN_PASSWORD || DEMO_ADMIN.password
  if (!existing) {
    await createSuperuser({ username: DEMO_ADMIN.username, email: 'admin@example.com', password, validate: false })
    return { username: DEMO_ADMIN.username, password }
  }
  const demo = existing.username === DEMO_ADMIN.username && (await checkPassword(password, existing.password))
  return { username: existing.username, password: demo ? password : null }
}
