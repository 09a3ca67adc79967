/**
 * Prisma 7 with driver adapters (better-sqlite3, pg, mariadb): the generated client of
 * `generated/prisma-<db>` (made by prisma-generate.ts), no engine binary.
 */
import type { Target } from '../config.js'
import type { Contender } from '../contender.js'

/** The slice of the generated clients used here (the three are alike but typed per provider). */
interface Delegate {
  findUnique(args: object): Promise<unknown>
  findMany(args?: object): Promise<unknown[]>
  create(args: object): Promise<{ id: number }>
  createMany(args: object): Promise<unknown>
  update(args: object): Promise<unknown>
  groupBy(args: object): Promise<unknown[]>
}

interface Client {
  post: Delegate
  comment: Delegate
  $transaction<T>(fn: (tx: Client) => Promise<T>): Promise<T>
  $disconnect(): Promise<void>
}

type ClientClass = new (options: { adapter: unknown }) => Client

async function client(target: Target): Promise<Client> {
  switch (target.db) {
    case 'sqlite': {
      const { PrismaClient } = (await import('../../generated/prisma-sqlite/client/client.js')) as unknown as { PrismaClient: ClientClass }
      const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3')
      return new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: target.url }) })
    }
    case 'postgres': {
      const { PrismaClient } = (await import('../../generated/prisma-postgres/client/client.js')) as unknown as { PrismaClient: ClientClass }
      const { PrismaPg } = await import('@prisma/adapter-pg')
      return new PrismaClient({ adapter: new PrismaPg({ connectionString: target.url, max: 10 }) })
    }
    case 'mysql': {
      const { PrismaClient } = (await import('../../generated/prisma-mysql/client/client.js')) as unknown as { PrismaClient: ClientClass }
      const { PrismaMariaDb } = await import('@prisma/adapter-mariadb')
      const u = new URL(target.url)
      return new PrismaClient({
        adapter: new PrismaMariaDb({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1), connectionLimit: 10 }),
      })
    }
  }
}

/** Prisma on the target's database. */
export async function create(target: Target): Promise<Contender> {
  const prisma = await client(target)
  return {
    getPost: (id) => prisma.post.findUnique({ where: { id } }),
    titleSearch: (word) => prisma.post.findMany({ where: { title: { contains: word } }, orderBy: { pubDate: 'desc' }, take: 20 }),
    authorPrefix: (prefix) => prisma.post.findMany({ where: { author: { name: { startsWith: prefix } } }, orderBy: { id: 'asc' } }),
    postsWithAuthor: (start) => prisma.post.findMany({ where: { id: { gte: start } }, orderBy: { id: 'asc' }, take: 20, include: { author: true } }),
    postsWithComments: (start) => prisma.post.findMany({ where: { id: { gte: start } }, orderBy: { id: 'asc' }, take: 20, include: { comments: true } }),
    commentCounts: (ids) => prisma.comment.groupBy({ by: ['postId'], where: { postId: { in: ids } }, _count: { _all: true }, orderBy: { postId: 'asc' } }),
    async insertPost(p) {
      return (await prisma.post.create({ data: p })).id
    },
    bulkInsertComments: (rows) => prisma.comment.createMany({ data: rows }),
    updatePost: (id, title) => prisma.post.update({ where: { id }, data: { title } }),
    transaction: (p, comments) =>
      prisma.$transaction(async (tx) => {
        const post = await tx.post.create({ data: p })
        await tx.comment.createMany({ data: comments.map((c) => ({ ...c, postId: post.id })) })
        return post.id
      }),
    allPosts: () => prisma.post.findMany(),
    close: () => prisma.$disconnect(),
  }
}
