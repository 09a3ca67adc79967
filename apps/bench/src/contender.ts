import type { NewComment, NewPost, Target } from './config.js'

/**
 * One contender: the ten operations written the way its documentation teaches, returning what
 * it returns (instances, entities or plain rows). The worker normalises the results before it
 * compares them; the timed loop only awaits them.
 */
export interface Contender {
  /** 1. A post by primary key. */
  getPost(id: number): PromiseLike<unknown>
  /** 2. Posts whose title contains `word`, newest first, 20. */
  titleSearch(word: string): PromiseLike<readonly unknown[]>
  /** 3. Posts whose author's name starts with `prefix`, by id. */
  authorPrefix(prefix: string): PromiseLike<readonly unknown[]>
  /** 4. The 20 posts from id `start` on, each with its author loaded by a JOIN. */
  postsWithAuthor(start: number): PromiseLike<readonly unknown[]>
  /** 5. The 20 posts from id `start` on, each with all its comments (a second query). */
  postsWithComments(start: number): PromiseLike<readonly unknown[]>
  /** 6. `{ postId, n }` for each of `postIds` that has comments, by post id. */
  commentCounts(postIds: readonly number[]): PromiseLike<readonly unknown[]>
  /** 7. Inserts a post; resolves to its id. */
  insertPost(post: NewPost): PromiseLike<unknown>
  /** 8. Inserts 1,000 comments. */
  bulkInsertComments(comments: readonly NewComment[]): PromiseLike<unknown>
  /** 9. Sets the title of the post `id`. */
  updatePost(id: number, title: string): PromiseLike<unknown>
  /** 10. Inserts a post and three comments in one transaction; resolves to the post's id. */
  transaction(post: NewPost, comments: readonly Omit<NewComment, 'postId'>[]): PromiseLike<unknown>
  /** Every post (the memory measurement loads them ten times over and keeps them). */
  allPosts(): PromiseLike<readonly unknown[]>
  /** The comments operation 5 loaded for a post (default: its `comments` property). */
  commentsOf?(post: unknown): readonly unknown[]
  /** Closes the connections. */
  close(): Promise<void>
}

/** A contender module: `export const create: CreateContender`. */
export type CreateContender = (target: Target) => Promise<Contender>

/** The contenders, in the order of the results table. */
export const CONTENDERS = ['raw', 'strata', 'kysely', 'drizzle', 'prisma', 'typeorm', 'sequelize', 'mikroorm'] as const

/** One contender's name. */
export type ContenderName = (typeof CONTENDERS)[number]

/** Display names. */
export const CONTENDER_TITLES: Record<ContenderName, string> = {
  raw: 'raw driver',
  strata: 'Strata',
  kysely: 'Kysely',
  drizzle: 'Drizzle',
  prisma: 'Prisma 7',
  typeorm: 'TypeORM',
  sequelize: 'Sequelize',
  mikroorm: 'MikroORM',
}

/** Loads a contender's module (only the one asked for, so that a process holds one ORM). */
export async function loadContender(name: ContenderName): Promise<CreateContender> {
  const mod = (await import(`./contenders/${name}.js`)) as { create: CreateContender }
  return mod.create
}
