/** Strata, as its README teaches: models, QuerySets, `atomic()`. */
import { Count, f, model, prefetchedRows } from '@strata/core'
import { connect, type Database, type StrataDialect } from '@strata/query'
import type { Target } from '../config.js'
import type { Contender } from '../contender.js'

class Author extends model('Author', {
  name: f.char({ maxLength: 100 }),
  email: f.email({ unique: true }),
}) {}

class Post extends model('Post', {
  title: f.char({ maxLength: 100 }),
  content: f.text(),
  pubDate: f.dateTime(),
  author: f.foreignKey(() => Author, { onDelete: 'CASCADE', relatedName: 'posts' }),
}) {}

class Comment extends model('Comment', {
  post: f.foreignKey(() => Post, { onDelete: 'CASCADE' }),
  author: f.char({ maxLength: 50 }),
  text: f.text(),
  pubDate: f.dateTime(),
}) {}

async function dialect(target: Target): Promise<StrataDialect> {
  switch (target.db) {
    case 'sqlite': {
      const { sqlite } = await import('@strata/sqlite')
      return sqlite({ filename: target.url })
    }
    case 'postgres': {
      const { postgres } = await import('@strata/postgres')
      return postgres({ connectionString: target.url, max: 10 })
    }
    case 'mysql': {
      const { mysql } = await import('@strata/mysql')
      return mysql({ uri: target.url, connectionLimit: 10 })
    }
  }
}

/** Strata on the target's database. */
export async function create(target: Target): Promise<Contender> {
  const db: Database = await connect({ databases: { default: await dialect(target) }, models: [Author, Post, Comment] })
  const { atomic } = await import('@strata/transactions')
  return {
    getPost: (id) => Post.objects.get({ id }),
    titleSearch: (word) => Post.objects.filter({ title__contains: word }).orderBy('-pubDate').slice(0, 20),
    authorPrefix: (prefix) => Post.objects.filter({ author__name__startswith: prefix }).orderBy('id'),
    postsWithAuthor: (start) => Post.objects.selectRelated('author').filter({ id__gte: start }).orderBy('id').slice(0, 20),
    postsWithComments: (start) => Post.objects.filter({ id__gte: start }).orderBy('id').slice(0, 20).prefetchRelated('commentSet'),
    commentCounts: (ids) => Comment.objects.filter({ post__in: ids }).values('post').annotate({ n: Count('id') }).orderBy('post'),
    async insertPost(p) {
      const post = await Post.objects.create({ title: p.title, content: p.content, pubDate: p.pubDate, authorId: p.authorId })
      return post.id
    },
    bulkInsertComments: (comments) => Comment.objects.bulkCreate(comments.map((c) => ({ postId: c.postId, author: c.author, text: c.text, pubDate: c.pubDate }))),
    updatePost: (id, title) => Post.objects.filter({ id }).update({ title }),
    transaction: (p, comments) =>
      atomic(async () => {
        const post = await Post.objects.create({ title: p.title, content: p.content, pubDate: p.pubDate, authorId: p.authorId })
        await Comment.objects.bulkCreate(comments.map((c) => ({ post, author: c.author, text: c.text, pubDate: c.pubDate })))
        return post.id
      }),
    allPosts: () => Post.objects.all(),
    commentsOf: (post) => prefetchedRows(post as object, 'commentSet') ?? [],
    close: () => db.close(),
  }
}
