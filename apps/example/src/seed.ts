import type { Database } from '@strata/query'
import { Author, Comment, Post, Tag } from './models.js'
import { type Reporter, silent, step } from './steps.js'

/** What the seed made, by the names the walkthrough uses. */
export interface Seeded {
  authors: { ann: Author; bob: Author; cleo: Author }
  posts: { first: Post; djangoTour: Post; sqliteNotes: Post; whyTs: Post; djangoToStrata: Post; draft: Post }
  tags: { python: Tag; typescript: Tag; databases: Tag; tutorial: Tag }
}

/** Whether the blog's tables hold no row yet (the server seeds only then). */
export async function isEmpty(): Promise<boolean> {
  const [authors, posts, tags] = await Promise.all([
    Author.objects.count(),
    Post.objects.count(),
    Tag.objects.count(),
  ])
  return authors + posts + tags === 0
}

/** Links a post to tags through its many-to-many manager (`post.tags.add(...)`). */
async function addTags(report: Reporter, post: Post, postVar: string, tags: readonly [Tag, string][]): Promise<void> {
  await step(report, `await ${postVar}.tags.add(${tags.map(([, v]) => v).join(', ')})`, () =>
    post.tags.add(...tags.map(([t]) => t)),
  )
}

/**
 * Fills the blog: three authors, six posts (three dated 2023, three 2024, one without author),
 * eight comments and four tags. Each step is reported with the line of code it runs.
 */
export async function seedBlog(_db: Database, report: Reporter = silent): Promise<Seeded> {
  report.section('Authors')
  const ann = await step(
    report,
    "const ann = await Author.objects.create({ name: 'Ann Lee', email: 'ann@example.com', age: 34 })",
    () => Author.objects.create({ name: 'Ann Lee', email: 'ann@example.com', age: 34 }),
  )
  const bob = await step(
    report,
    "const bob = await Author.objects.create({ name: 'Bob Stone', email: 'bob@example.com', age: 41 })",
    () => Author.objects.create({ name: 'Bob Stone', email: 'bob@example.com', age: 41 }),
  )
  const cleo = await step(
    report,
    "const cleo = await Author.objects.create({ name: 'Cleo Park', email: 'cleo@example.com' })",
    () => Author.objects.create({ name: 'Cleo Park', email: 'cleo@example.com' }),
  )

  report.section('Posts')
  const first = await step(
    report,
    "const first = await Post.objects.create({ title: 'First Post', content: 'This is my first blog post.', author: ann, rating: '4.50' })",
    () =>
      Post.objects.create({
        title: 'First Post',
        content: 'This is my first blog post.',
        author: ann,
        rating: '4.50',
      }),
  )
  const djangoTour = await step(
    report,
    "const djangoTour = await Post.objects.create({ title: 'A Tour of Django QuerySets', content: 'Filters, lookups and annotations.', author: ann, rating: '4.00' })",
    () =>
      Post.objects.create({
        title: 'A Tour of Django QuerySets',
        content: 'Filters, lookups and annotations.',
        author: ann,
        rating: '4.00',
      }),
  )
  const sqliteNotes = await step(
    report,
    "const sqliteNotes = await Post.objects.create({ title: 'Notes on SQLite', content: 'WAL, foreign keys and UTC.', author: bob, rating: '3.75' })",
    () =>
      Post.objects.create({
        title: 'Notes on SQLite',
        content: 'WAL, foreign keys and UTC.',
        author: bob,
        rating: '3.75',
      }),
  )
  const whyTs = await step(
    report,
    "const whyTs = await Post.objects.create({ title: 'Why TypeScript?', content: 'Types that follow your models.', author: cleo, rating: '4.80' })",
    () =>
      Post.objects.create({
        title: 'Why TypeScript?',
        content: 'Types that follow your models.',
        author: cleo,
        rating: '4.80',
      }),
  )
  const djangoToStrata = await step(
    report,
    "const djangoToStrata = await Post.objects.create({ title: 'From Django to Strata', content: 'Porting a blog to TypeScript.', author: bob, rating: '3.20' })",
    () =>
      Post.objects.create({
        title: 'From Django to Strata',
        content: 'Porting a blog to TypeScript.',
        author: bob,
        rating: '3.20',
      }),
  )
  const draft = await step(
    report,
    "const draft = await Post.objects.create({ title: 'Untitled draft', content: 'Nobody has claimed this one yet.' })",
    () => Post.objects.create({ title: 'Untitled draft', content: 'Nobody has claimed this one yet.' }),
  )

  report.section('Publication dates')
  report.note(
    'pubDate has autoNowAdd, so create() stamped it with the current time; backdate the posts with update():',
  )
  const dates: [Post, string, string][] = [
    [first, 'first', '2023-03-14T09:00:00Z'],
    [djangoTour, 'djangoTour', '2023-06-01T12:00:00Z'],
    [sqliteNotes, 'sqliteNotes', '2023-09-20T18:30:00Z'],
    [whyTs, 'whyTs', '2024-01-10T08:00:00Z'],
    [djangoToStrata, 'djangoToStrata', '2024-04-02T10:15:00Z'],
    [draft, 'draft', '2024-07-07T07:07:00Z'],
  ]
  for (const [post, name, iso] of dates) {
    await step(
      report,
      `await Post.objects.filter({ id: ${name}.id }).update({ pubDate: new Date('${iso}') })`,
      () => Post.objects.filter({ id: post.id }).update({ pubDate: new Date(iso) }),
    )
    post.pubDate = new Date(iso)
  }

  report.section('Comments')
  const comments: [Post, string, string, string][] = [
    [first, 'first', 'John', 'Great post!'],
    [first, 'first', 'Mary', 'Welcome to blogging.'],
    [djangoTour, 'djangoTour', 'John', 'Very clear, thanks.'],
    [djangoTour, 'djangoTour', 'Ann Lee', 'Glad it helped!'],
    [sqliteNotes, 'sqliteNotes', 'Mary', 'WAL saved my app.'],
    [sqliteNotes, 'sqliteNotes', 'Zoe', 'What about JSON columns?'],
    [sqliteNotes, 'sqliteNotes', 'Bob Stone', 'Next post!'],
    [whyTs, 'whyTs', 'Zoe', 'Strongly agree.'],
  ]
  for (const [post, name, author, text] of comments) {
    await step(
      report,
      `await Comment.objects.create({ post: ${name}, author: '${author}', text: '${text}' })`,
      () => Comment.objects.create({ post, author, text }),
    )
  }

  report.section('Tags')
  const python = await step(report, "const python = await Tag.objects.create({ name: 'python' })", () =>
    Tag.objects.create({ name: 'python' }),
  )
  const typescript = await step(
    report,
    "const typescript = await Tag.objects.create({ name: 'typescript' })",
    () => Tag.objects.create({ name: 'typescript' }),
  )
  const databases = await step(
    report,
    "const databases = await Tag.objects.create({ name: 'databases' })",
    () => Tag.objects.create({ name: 'databases' }),
  )
  const tutorial = await step(report, "const tutorial = await Tag.objects.create({ name: 'tutorial' })", () =>
    Tag.objects.create({ name: 'tutorial' }),
  )
  await addTags(report, first, 'first', [[tutorial, 'tutorial']])
  await addTags(report, djangoTour, 'djangoTour', [
    [python, 'python'],
    [databases, 'databases'],
    [tutorial, 'tutorial'],
  ])
  await addTags(report, sqliteNotes, 'sqliteNotes', [[databases, 'databases']])
  await addTags(report, whyTs, 'whyTs', [[typescript, 'typescript']])
  await addTags(report, djangoToStrata, 'djangoToStrata', [
    [python, 'python'],
    [typescript, 'typescript'],
  ])

  return {
    authors: { ann, bob, cleo },
    posts: { first, djangoTour, sqliteNotes, whyTs, djangoToStrata, draft },
    tags: { python, typescript, databases, tutorial },
  }
}
