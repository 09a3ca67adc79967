/** TypeORM 0.3 with entity schemas (no decorators): repositories, find options, the query builder. */
import 'reflect-metadata'
import { DataSource, type DataSourceOptions, EntitySchema, Like, MoreThanOrEqual } from 'typeorm'
import type { Target } from '../config.js'
import type { Contender } from '../contender.js'
import { escapeLike } from './raw.js'

interface AuthorE {
  id: number
  name: string
  email: string
}

interface PostE {
  id: number
  title: string
  content: string
  pubDate: Date
  authorId: number
  author?: AuthorE
  comments?: CommentE[]
}

interface CommentE {
  id: number
  postId: number
  author: string
  text: string
  pubDate: Date
  post?: PostE
}

function entities(target: Target) {
  const date = target.db === 'postgres' ? ('timestamptz' as const) : ('datetime' as const)
  const precision = target.db === 'mysql' ? 6 : undefined
  const AuthorS = new EntitySchema<AuthorE>({
    name: 'Author',
    tableName: 'author',
    columns: { id: { type: Number, primary: true, generated: true }, name: { type: String }, email: { type: String } },
  })
  const PostS = new EntitySchema<PostE>({
    name: 'Post',
    tableName: 'post',
    columns: {
      id: { type: Number, primary: true, generated: true },
      title: { type: String },
      content: { type: 'text' },
      pubDate: { type: date, name: 'pub_date', precision },
      authorId: { type: Number, name: 'author_id' },
    },
    relations: {
      author: { type: 'many-to-one', target: 'Author', joinColumn: { name: 'author_id' } },
      comments: { type: 'one-to-many', target: 'Comment', inverseSide: 'post' },
    },
  })
  const CommentS = new EntitySchema<CommentE>({
    name: 'Comment',
    tableName: 'comment',
    columns: {
      id: { type: Number, primary: true, generated: true },
      postId: { type: Number, name: 'post_id' },
      author: { type: String },
      text: { type: 'text' },
      pubDate: { type: date, name: 'pub_date', precision },
    },
    relations: { post: { type: 'many-to-one', target: 'Post', joinColumn: { name: 'post_id' } } },
  })
  return { AuthorS, PostS, CommentS }
}

function options(target: Target, schemas: EntitySchema[]): DataSourceOptions {
  switch (target.db) {
    case 'sqlite':
      return { type: 'better-sqlite3', database: target.url, entities: schemas, enableWAL: true }
    case 'postgres':
      return { type: 'postgres', url: target.url, entities: schemas, poolSize: 10 }
    case 'mysql':
      return { type: 'mariadb', url: target.url, entities: schemas, timezone: 'Z', poolSize: 10 }
  }
}

/** TypeORM on the target's database. */
export async function create(target: Target): Promise<Contender> {
  const { AuthorS, PostS, CommentS } = entities(target)
  const ds = await new DataSource(options(target, [AuthorS, PostS, CommentS] as EntitySchema[])).initialize()
  const posts = ds.getRepository(PostS)
  const comments = ds.getRepository(CommentS)
  return {
    getPost: (id) => posts.findOneBy({ id }),
    titleSearch: (word) => posts.find({ where: { title: Like(`%${escapeLike(word)}%`) }, order: { pubDate: 'DESC' }, take: 20 }),
    authorPrefix: (prefix) => posts.find({ where: { author: { name: Like(`${escapeLike(prefix)}%`) } }, order: { id: 'ASC' } }),
    postsWithAuthor: (start) => posts.find({ where: { id: MoreThanOrEqual(start) }, order: { id: 'ASC' }, take: 20, relations: { author: true } }),
    postsWithComments: (start) => posts.find({ where: { id: MoreThanOrEqual(start) }, order: { id: 'ASC' }, take: 20, relations: { comments: true } }),
    commentCounts: (ids) =>
      comments
        .createQueryBuilder('c')
        .select('c.postId', 'postId')
        .addSelect('count(*)', 'n')
        .where('c.postId in (:...ids)', { ids })
        .groupBy('c.postId')
        .orderBy('c.postId')
        .getRawMany(),
    async insertPost(p) {
      return (await posts.save(posts.create(p))).id
    },
    bulkInsertComments: (rows) => comments.insert(rows.map((r) => ({ ...r }))),
    updatePost: (id, title) => posts.update(id, { title }),
    transaction: (p, list) =>
      ds.transaction(async (em) => {
        const post = await em.save(PostS, em.create(PostS, p))
        await em.insert(
          CommentS,
          list.map((c) => ({ ...c, postId: post.id })),
        )
        return post.id
      }),
    allPosts: () => posts.find(),
    close: () => ds.destroy(),
  }
}
