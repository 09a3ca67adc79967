/**
 * `pnpm demo`: the blog walkthrough on a fresh database, printing each line of code and its
 * result. SQLite file `demo.db` in the app directory by default (deleted first, so `pnpm start`'s
 * `blog.db` is left alone); `DATABASE_URL` picks another database, whose blog tables are dropped
 * and recreated.
 */
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Avg, Count, F, Max, Min, Q, Sum } from '@strata/core'
import { describeTarget, openDatabase, parseDatabaseUrl } from './db.js'
import { Author, Comment, Post, Tag } from './models.js'
import { seedBlog } from './seed.js'
import { printer, type Reporter, show } from './steps.js'

const DEMO_FILE = fileURLToPath(new URL('../demo.db', import.meta.url))

/** The queries of the walkthrough, on the seeded blog. */
async function explore(report: Reporter, seeded: Awaited<ReturnType<typeof seedBlog>>): Promise<void> {
  const { ann } = seeded.authors
  const { first } = seeded.posts

  report.section('Fetching')
  await show(report, 'await Post.objects.count()', () => Post.objects.count())
  report.note("Post's default ordering is ['-pubDate']: newest first")
  await show(report, 'await Post.objects.all()', () => Post.objects.all())
  await show(report, "await Post.objects.get({ title: 'First Post' })", () =>
    Post.objects.get({ title: 'First Post' }),
  )
  await show(report, "await Post.objects.orderBy('pubDate').first()", () =>
    Post.objects.orderBy('pubDate').first(),
  )
  await show(report, "await Post.objects.filter({ title: 'No such post' }).first()", () =>
    Post.objects.filter({ title: 'No such post' }).first(),
  )

  report.section('filter and exclude')
  await show(report, 'await Post.objects.filter({ author: ann })', () => Post.objects.filter({ author: ann }))
  await show(report, "await Post.objects.filter({ pubDate__gte: new Date('2024-01-01') })", () =>
    Post.objects.filter({ pubDate__gte: new Date('2024-01-01') }),
  )
  await show(report, "await Post.objects.exclude({ title__icontains: 'django' })", () =>
    Post.objects.exclude({ title__icontains: 'django' }),
  )
  await show(
    report,
    "await Post.objects.filter({ author__isnull: false }).exclude({ author__name__startswith: 'Ann' })",
    () => Post.objects.filter({ author__isnull: false }).exclude({ author__name__startswith: 'Ann' }),
  )

  report.section('Lookups')
  await show(report, 'await Post.objects.filter({ pubDate__year: 2024 })', () =>
    Post.objects.filter({ pubDate__year: 2024 }),
  )
  await show(report, 'await Post.objects.filter({ pubDate__year: 2023, pubDate__month__gte: 6 })', () =>
    Post.objects.filter({ pubDate__year: 2023, pubDate__month__gte: 6 }),
  )
  await show(report, "await Post.objects.filter({ title__in: ['First Post', 'Why TypeScript?'] })", () =>
    Post.objects.filter({ title__in: ['First Post', 'Why TypeScript?'] }),
  )
  await show(report, "await Post.objects.filter({ rating__range: ['3.50', '4.50'] })", () =>
    Post.objects.filter({ rating__range: ['3.50', '4.50'] }),
  )
  await show(report, 'await Post.objects.filter({ author__isnull: true })', () =>
    Post.objects.filter({ author__isnull: true }),
  )
  await show(report, "await Post.objects.filter({ author__name__istartswith: 'b' })", () =>
    Post.objects.filter({ author__name__istartswith: 'b' }),
  )
  report.note('a reverse path: posts that Zoe commented on')
  await show(report, "await Post.objects.filter({ comment__author: 'Zoe' })", () =>
    Post.objects.filter({ comment__author: 'Zoe' }),
  )
  report.note("many-to-many, both ways (Tag's side is the relatedName 'posts'), and a QuerySet as __in")
  await show(report, "await Post.objects.filter({ tags__name: 'python' })", () =>
    Post.objects.filter({ tags__name: 'python' }),
  )
  await show(
    report,
    "await Tag.objects.filter({ posts__title: 'A Tour of Django QuerySets' }).orderBy('name').valuesList('name', { flat: true })",
    () =>
      Tag.objects
        .filter({ posts__title: 'A Tour of Django QuerySets' })
        .orderBy('name')
        .valuesList('name', { flat: true }),
  )
  await show(
    report,
    "await Post.objects.filter({ id__in: Tag.objects.filter({ name: 'typescript' }).values('posts') })",
    () => Post.objects.filter({ id__in: Tag.objects.filter({ name: 'typescript' }).values('posts') }),
  )

  report.section('Q objects')
  await show(
    report,
    "await Post.objects.filter(Q({ title__startswith: 'Why' }).or({ author__name: 'Bob Stone' }))",
    () => Post.objects.filter(Q({ title__startswith: 'Why' }).or({ author__name: 'Bob Stone' })),
  )
  await show(
    report,
    "await Post.objects.filter(Q({ rating__gte: '4.00' }).and(Q({ pubDate__year: 2024 }).not()))",
    () => Post.objects.filter(Q({ rating__gte: '4.00' }).and(Q({ pubDate__year: 2024 }).not())),
  )

  report.section('F expressions')
  report.note("comments written by the post's own author (F follows the path post -> author -> name)")
  await show(report, "await Comment.objects.filter({ author: F('post__author__name') })", () =>
    Comment.objects.filter({ author: F('post__author__name') }),
  )
  report.note('an atomic UPDATE ... SET age = age + 1 in SQL')
  await show(
    report,
    "await Author.objects.filter({ name: 'Ann Lee' }).update({ age: F('age').add(1) })",
    () => Author.objects.filter({ name: 'Ann Lee' }).update({ age: F('age').add(1) }),
  )
  await show(report, 'await ann.refreshFromDb(); ann.age', async () => {
    await ann.refreshFromDb()
    return ann.age
  })

  report.section('Counting')
  await show(report, 'await Comment.objects.filter({ post: first }).count()', () =>
    Comment.objects.filter({ post: first }).count(),
  )
  await show(report, 'await Post.objects.filter({ pubDate__year: 2024 }).count()', () =>
    Post.objects.filter({ pubDate__year: 2024 }).count(),
  )
  await show(report, "await Post.objects.filter({ title__icontains: 'rust' }).exists()", () =>
    Post.objects.filter({ title__icontains: 'rust' }).exists(),
  )
  await show(report, "await Tag.objects.getOrCreate({ name: 'python' })", () =>
    Tag.objects.getOrCreate({ name: 'python' }),
  )

  report.section('values and valuesList')
  await show(
    report,
    "await Post.objects.filter({ pubDate__year: 2023 }).values('title', 'author__name')",
    () => Post.objects.filter({ pubDate__year: 2023 }).values('title', 'author__name'),
  )
  await show(report, "await Post.objects.orderBy('title').valuesList('title', { flat: true })", () =>
    Post.objects.orderBy('title').valuesList('title', { flat: true }),
  )
  report.note(
    'values() then annotate() groups by the values (GROUP BY author name); NULL last on every database',
  )
  await show(
    report,
    "await Post.objects.values('author__name').annotate({ n: Count('id') }).orderBy('-n', F('author__name').asc({ nullsLast: true }))",
    () =>
      Post.objects
        .values('author__name')
        .annotate({ n: Count('id') })
        .orderBy('-n', F('author__name').asc({ nullsLast: true })),
  )

  report.section('Aggregates')
  await show(report, "await Comment.objects.aggregate({ n: Count('id'), first: Min('pubDate') })", () =>
    Comment.objects.aggregate({ n: Count('id'), first: Min('pubDate') }),
  )
  report.note('decimals stay exact strings')
  await show(
    report,
    "await Post.objects.aggregate({ average: Avg('rating'), best: Max('rating'), total: Sum('rating') })",
    () => Post.objects.aggregate({ average: Avg('rating'), best: Max('rating'), total: Sum('rating') }),
  )
  await show(
    report,
    "await Post.objects.annotate({ commentCount: Count('comment') }).filter({ commentCount__gte: 2 })",
    () => Post.objects.annotate({ commentCount: Count('comment') }).filter({ commentCount__gte: 2 }),
  )

  report.section('The two queries of the mission')
  const annotated = Post.objects.annotate({ commentCount: Count('comment') })
  await show(report, "await Post.objects.annotate({ commentCount: Count('comment') })", () => annotated)
  report.note(`SQL: ${annotated.sql().sql.trim()}`)
  const q = Post.objects.filter({ pubDate__year: 2023 }).exclude({ title__icontains: 'django' })
  await show(
    report,
    "await Post.objects.filter({ pubDate__year: 2023 }).exclude({ title__icontains: 'django' })",
    () => q,
  )
  const compiled = q.sql()
  report.note(`SQL: ${compiled.sql.trim()}`)
  report.note(`parameters: ${JSON.stringify(compiled.parameters)}`)
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL
  const target = parseDatabaseUrl(url, DEMO_FILE)
  if (target.kind === 'sqlite' && target.filename !== ':memory:') {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(target.filename + suffix, { force: true })
  }
  const log = (line: string) => process.stdout.write(`${line}\n`)
  log(`Strata demo: the blog of API.md, on ${describeTarget(target)} (fresh)`)
  const { db } = await openDatabase({ url, defaultFile: DEMO_FILE, reset: target.kind !== 'sqlite' })
  try {
    const report = printer(log)
    const seeded = await seedBlog(db, report)
    await explore(report, seeded)
    log('')
    log('Done. `pnpm start` serves this blog as a JSON API.')
  } finally {
    await db.close()
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
  process.exitCode = 1
})
