/**
 * MikroORM 6 with entity schemas (no decorators): a forked EntityManager per operation (its
 * documented per-request pattern), `find` with `populate`, unit of work with `flush()`.
 */
import type { SqlEntityManager } from '@mikro-orm/better-sqlite'
import { type Collection, type EntityManager, EntitySchema, type MikroORM, type Options, type Ref, raw } from '@mikro-orm/core'
import type { Target } from '../config.js'
import type { Contender } from '../contender.js'
import { escapeLike } from './raw.js'

class AuthorE {
  id!: number
  name!: string
  email!: string
}

class PostE {
  id!: number
  title!: string
  content!: string
  pubDate!: Date
  author!: Ref<AuthorE> | AuthorE
  comments!: Collection<CommentE>
}

class CommentE {
  id!: number
  post!: Ref<PostE> | PostE
  author!: string
  text!: string
  pubDate!: Date
}

function schemas(target: Target) {
  const date = target.db === 'postgres' ? 'timestamptz' : target.db === 'mysql' ? 'datetime(6)' : 'datetime'
  const AuthorS = new EntitySchema<AuthorE>({
    class: AuthorE,
    tableName: 'author',
    properties: { id: { type: 'integer', primary: true }, name: { type: 'string' }, email: { type: 'string' } },
  })
  const PostS = new EntitySchema<PostE>({
    class: PostE,
    tableName: 'post',
    properties: {
      id: { type: 'integer', primary: true },
      title: { type: 'string' },
      content: { type: 'text' },
      pubDate: { type: 'Date', columnType: date, fieldName: 'pub_date' },
      author: { kind: 'm:1', entity: () => AuthorE, fieldName: 'author_id' },
      comments: { kind: '1:m', entity: () => CommentE, mappedBy: 'post' },
    },
  })
  const CommentS = new EntitySchema<CommentE>({
    class: CommentE,
    tableName: 'comment',
    properties: {
      id: { type: 'integer', primary: true },
      post: { kind: 'm:1', entity: () => PostE, fieldName: 'post_id' },
      author: { type: 'string' },
      text: { type: 'text' },
      pubDate: { type: 'Date', columnType: date, fieldName: 'pub_date' },
    },
  })
  return [AuthorS, PostS, CommentS]
}

async function init(target: Target): Promise<MikroORM> {
  const common: Partial<Options> = { entities: schemas(target), discovery: { warnWhenNoEntities: false }, debug: false, allowGlobalContext: false }
  switch (target.db) {
    case 'sqlite': {
      const { MikroORM, BetterSqliteDriver } = await import('@mikro-orm/better-sqlite')
      return MikroORM.init({ ...common, driver: BetterSqliteDriver, dbName: target.url })
    }
    case 'postgres': {
      const { MikroORM, PostgreSqlDriver } = await import('@mikro-orm/postgresql')
      return MikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: target.url, pool: { max: 10 } })
    }
    case 'mysql': {
      const { MikroORM, MariaDbDriver } = await import('@mikro-orm/mariadb')
      return MikroORM.init({ ...common, driver: MariaDbDriver, clientUrl: target.url, timezone: '+00:00', pool: { max: 10 } })
    }
  }
}

/** MikroORM on the target's database. */
export async function create(target: Target): Promise<Contender> {
  const orm = await init(target)
  const fork = (): EntityManager => orm.em.fork()
  return {
    getPost: (id) => fork().findOneOrFail(PostE, { id }),
    titleSearch: (word) => fork().find(PostE, { title: { $like: `%${escapeLike(word)}%` } }, { orderBy: { pubDate: 'desc' }, limit: 20 }),
    authorPrefix: (prefix) => fork().find(PostE, { author: { name: { $like: `${escapeLike(prefix)}%` } } }, { orderBy: { id: 'asc' } }),
    postsWithAuthor: (start) => fork().find(PostE, { id: { $gte: start } }, { orderBy: { id: 'asc' }, limit: 20, populate: ['author'] }),
    postsWithComments: (start) => fork().find(PostE, { id: { $gte: start } }, { orderBy: { id: 'asc' }, limit: 20, populate: ['comments'] }),
    commentCounts: (ids) =>
      (fork() as SqlEntityManager)
        .createQueryBuilder(CommentE, 'c')
        .select(['c.post', raw('count(*) as n')])
        .where({ post: { $in: [...ids] } })
        .groupBy('c.post')
        .orderBy({ post: 'asc' })
        .execute('all', false),
    async insertPost(p) {
      const em = fork()
      const post = em.create(PostE, { title: p.title, content: p.content, pubDate: p.pubDate, author: p.authorId })
      await em.flush()
      return post.id
    },
    async bulkInsertComments(rows) {
      const em = fork()
      for (const r of rows) em.create(CommentE, { post: r.postId, author: r.author, text: r.text, pubDate: r.pubDate })
      await em.flush()
    },
    updatePost: (id, title) => fork().nativeUpdate(PostE, { id }, { title }),
    transaction: (p, comments) =>
      fork().transactional(async (em) => {
        const post = em.create(PostE, { title: p.title, content: p.content, pubDate: p.pubDate, author: p.authorId })
        for (const c of comments) em.create(CommentE, { post, author: c.author, text: c.text, pubDate: c.pubDate })
        await em.flush()
        return post.id
      }),
    allPosts: () => fork().find(PostE, {}),
    commentsOf: (post) => (post as PostE).comments.getItems(),
    close: () => orm.close(true),
  }
}
