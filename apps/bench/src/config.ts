/**
 * What the benchmark measures and on what data: the databases, the sizes of the seed, the ten
 * operations and the parameters each iteration uses. Every contender gets the same parameters.
 */

/** The databases a run covers. */
export type DbKind = 'sqlite' | 'postgres' | 'mysql'

/** Every database, in the order of the results table. */
export const DATABASES: readonly DbKind[] = ['sqlite', 'postgres', 'mysql']

/** Display names of the databases. */
export const DB_TITLES: Record<DbKind, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL', mysql: 'MySQL (MariaDB)' }

/** How much data a run seeds. */
export interface SeedSize {
  readonly authors: number
  readonly posts: number
  readonly comments: number
  readonly tags: number
  readonly links: number
}

/** The seed: 1,000 authors, 10,000 posts, 50,000 comments, 100 tags, 30,000 post-tag links. */
export const FULL_SEED: SeedSize = { authors: 1000, posts: 10_000, comments: 50_000, tags: 100, links: 30_000 }

/** The smoke run's seed: the same shape, a tenth of it. */
export const SMOKE_SEED: SeedSize = { authors: 100, posts: 1000, comments: 5000, tags: 100, links: 3000 }

/** Where one database of a run lives. */
export interface Target {
  readonly db: DbKind
  /** SQLite: the file; PostgreSQL and MySQL: a connection URL of the bench database. */
  readonly url: string
  readonly seed: SeedSize
}

/** The ten operations, in the order they run (reads first, so that no read sees what a write inserted). */
export const OPERATIONS = [
  'getPost',
  'titleSearch',
  'authorPrefix',
  'postsWithAuthor',
  'postsWithComments',
  'commentCounts',
  'insertPost',
  'bulkInsertComments',
  'updatePost',
  'transaction',
] as const

/** One of the ten operations. */
export type Operation = (typeof OPERATIONS)[number]

/** The operations that write (the runner resets the data after each). */
export const WRITE_OPERATIONS: ReadonlySet<Operation> = new Set<Operation>(['insertPost', 'bulkInsertComments', 'updatePost', 'transaction'])

/** What each operation does, as the results table says it. */
export const OPERATION_TITLES: Record<Operation, string> = {
  getPost: '1. get a post by primary key',
  titleSearch: '2. title contains a word, newest first, 20',
  authorPrefix: "3. posts whose author's name starts with a prefix",
  postsWithAuthor: '4. 20 posts with their author (JOIN)',
  postsWithComments: '5. 20 posts with all their comments (prefetch)',
  commentCounts: '6. comment counts for 100 posts (GROUP BY)',
  insertPost: '7. insert one post',
  bulkInsertComments: '8. bulk insert 1,000 comments',
  updatePost: '9. update one post by primary key',
  transaction: '10. transaction: a post and three comments',
}

/** Words that titles contain; none is a substring of another or of the rest of a title. */
export const WORDS = [
  'sqlite', 'postgres', 'mariadb', 'kysely', 'drizzle', 'prisma', 'typeorm', 'sequelize', 'mikro', 'django',
  'python', 'ruby', 'elixir', 'haskell', 'ocaml', 'golang', 'java', 'kotlin', 'scala', 'swift',
  'lambda', 'monad', 'functor', 'closure', 'iterator', 'cursor', 'index', 'btree', 'vacuum', 'wal',
  'latch', 'mutex', 'fiber', 'thread', 'socket', 'packet', 'schema', 'tuple', 'vector', 'matrix',
  'graph', 'heap', 'stack', 'queue', 'trie', 'bloom', 'hash', 'cache', 'shard', 'replica',
] as const

const CONSONANTS = 'BDFGKLMNPRSTVZ'
const VOWELS = 'aeiou'
const ENDS = 'lnrstx'

/** 100 distinct three-letter first names (no one is a prefix of another): `Bal`, `Ban`, ... */
export const FIRST_NAMES: readonly string[] = (() => {
  const out: string[] = []
  for (const c of CONSONANTS) for (const v of VOWELS) for (const e of ENDS) if (out.length < 100) out.push(`${c}${v}${e}`)
  return out
})()

/** Last names; an author is `First Last`. */
export const LAST_NAMES = ['Lovelace', 'Hopper', 'Knuth', 'Liskov', 'Ritchie', 'Thompson', 'Torvalds', 'Codd', 'Stonebraker', 'Hipp'] as const

/** The start of every seeded date: posts are one minute apart, comments one second. */
export const BASE_TIME = Date.UTC(2024, 0, 1, 0, 0, 0)

/** The seeded author `i` (1-based). */
export function authorRow(i: number): { id: number; name: string; email: string } {
  return { id: i, name: `${FIRST_NAMES[(i - 1) % FIRST_NAMES.length]} ${LAST_NAMES[Math.floor((i - 1) / FIRST_NAMES.length) % LAST_NAMES.length]}`, email: `author${i}@example.com` }
}

/** The seeded post `j` (1-based). */
export function postRow(j: number, seed: SeedSize): { id: number; title: string; content: string; pubDate: Date; authorId: number } {
  return {
    id: j,
    title: `Post ${j}: ${WORDS[j % WORDS.length]} with ${WORDS[(j * 7 + 3) % WORDS.length]}`,
    content: `The content of post ${j}. `.repeat(8),
    pubDate: new Date(BASE_TIME + j * 60_000),
    authorId: ((j * 37) % seed.authors) + 1,
  }
}

/** The seeded comment `k` (1-based). */
export function commentRow(k: number, seed: SeedSize): { id: number; postId: number; author: string; text: string; pubDate: Date } {
  return { id: k, postId: ((k - 1) % seed.posts) + 1, author: `reader${k % 200}`, text: `Comment ${k}: well said.`, pubDate: new Date(BASE_TIME + k * 1000) }
}

/** The seeded tag `t` (1-based). */
export function tagRow(t: number): { id: number; name: string } {
  return { id: t, name: `tag-${t}` }
}

/** The seeded post-tag link `l` (0-based): each post gets `links / posts` distinct tags. */
export function linkRow(l: number, seed: SeedSize): { postId: number; tagId: number } {
  const post = (l % seed.posts) + 1
  const r = Math.floor(l / seed.posts)
  return { postId: post, tagId: ((post * 3 + r) % seed.tags) + 1 }
}

/** Posts whose titles `updatePost` changes (the runner restores them after each process). */
export function updatedPostIds(seed: SeedSize): number[] {
  return Array.from({ length: 100 }, (_, i) => seed.posts - 99 + i)
}

/** A new post, as `insertPost` and `transaction` insert it. */
export interface NewPost {
  readonly title: string
  readonly content: string
  readonly pubDate: Date
  readonly authorId: number
}

/** A new comment, as `bulkInsertComments` and `transaction` insert it. */
export interface NewComment {
  readonly postId: number
  readonly author: string
  readonly text: string
  readonly pubDate: Date
}

/** The parameters of iteration `i` of each operation. */
export const params = {
  getPost: (i: number, s: SeedSize): number => ((i * 7919) % s.posts) + 1,
  titleSearch: (i: number): string => WORDS[i % WORDS.length]!,
  authorPrefix: (i: number): string => FIRST_NAMES[(i * 7) % FIRST_NAMES.length]!,
  /** The first id of a window of 20 posts. */
  postsWithAuthor: (i: number, s: SeedSize): number => ((i * 211) % (s.posts - 20)) + 1,
  postsWithComments: (i: number, s: SeedSize): number => ((i * 389) % (s.posts - 20)) + 1,
  /** 100 post ids. */
  commentCounts: (i: number, s: SeedSize): number[] => {
    const start = ((i * 97) % (s.posts - 200)) + 1
    return Array.from({ length: 100 }, (_, k) => start + k * 2)
  },
  insertPost: (i: number, s: SeedSize): NewPost => ({
    title: `A new post ${i}`,
    content: 'Written by the benchmark.',
    pubDate: new Date(BASE_TIME - 86_400_000 + (i % 86_400) * 1000),
    authorId: (i % s.authors) + 1,
  }),
  bulkInsertComments: (i: number, s: SeedSize): NewComment[] => {
    const postId = ((i * 13) % s.posts) + 1
    const at = new Date(BASE_TIME - 86_400_000)
    return Array.from({ length: 1000 }, (_, k) => ({ postId, author: 'bulk', text: `Bulk comment ${k} of batch ${i}`, pubDate: at }))
  },
  updatePost: (i: number, s: SeedSize): { id: number; title: string } => ({ id: s.posts - 99 + (i % 100), title: `Updated title ${i}` }),
  transaction: (i: number, s: SeedSize): { post: NewPost; comments: Omit<NewComment, 'postId'>[] } => ({
    post: { title: `Transaction post ${i}`, content: 'With three comments.', pubDate: new Date(BASE_TIME - 3_600_000), authorId: ((i * 3) % s.authors) + 1 },
    comments: [1, 2, 3].map((n) => ({ author: `tx${n}`, text: `Comment ${n} of transaction ${i}`, pubDate: new Date(BASE_TIME - 3_600_000 + n * 1000) })),
  }),
}
