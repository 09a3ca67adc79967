// The blog the admin tests manage: API.md's models plus one of every field kind.
import { f, model } from '@strata/core'

export class Author extends model(
  'Author',
  {
    name: f.char({ maxLength: 100 }),
    email: f.email({ unique: true }),
    age: f.integer({ null: true, blank: true }),
  },
  { app: 'blog', ordering: ['name'] },
) {
  override toString(): string {
    return this.name
  }
}

export class Tag extends model('Tag', { name: f.slug({ unique: true }) }, { app: 'blog', ordering: ['name'] }) {
  override toString(): string {
    return this.name
  }
}

export class Post extends model(
  'Post',
  {
    title: f.char({ maxLength: 100 }),
    content: f.text({ blank: true, default: '' }),
    pubDate: f.dateTime({ autoNowAdd: true }),
    author: f.foreignKey('Author', { onDelete: 'CASCADE', relatedName: 'posts', null: true, blank: true }),
    tags: f.manyToMany('Tag', { relatedName: 'posts', blank: true }),
    rating: f.decimal({ maxDigits: 4, decimalPlaces: 2, default: '0.00' }),
    status: f.char({ maxLength: 10, choices: [['draft', 'Draft'], ['published', 'Published']], default: 'draft' }),
    featured: f.boolean({ default: false }),
  },
  { app: 'blog', ordering: ['-pubDate'] },
) {
  override toString(): string {
    return this.title
  }
}

export class Comment extends model(
  'Comment',
  {
    post: f.foreignKey('Post', { onDelete: 'CASCADE' }),
    author: f.char({ maxLength: 50 }),
    text: f.text(),
    pubDate: f.dateTime({ autoNowAdd: true }),
  },
  { app: 'blog' },
) {
  override toString(): string {
    return `${this.author}: ${this.text.slice(0, 20)}`
  }
}

/** An award keeps its author alive: deleting the author is refused (PROTECT). */
export class Award extends model(
  'Award',
  { name: f.char({ maxLength: 50 }), author: f.foreignKey('Author', { onDelete: 'PROTECT', relatedName: 'awards' }) },
  { app: 'blog' },
) {
  override toString(): string {
    return this.name
  }
}

/** One field of every kind, for the form round trip. */
export class Specimen extends model(
  'Specimen',
  {
    label: f.char({ maxLength: 40 }),
    body: f.text({ blank: true, default: '' }),
    count: f.integer({ default: 0 }),
    small: f.smallInteger({ null: true, blank: true }),
    big: f.bigInteger({ null: true, blank: true }),
    positive: f.positiveInteger({ default: 1 }),
    ratio: f.float({ null: true, blank: true }),
    price: f.decimal({ maxDigits: 8, decimalPlaces: 2, null: true, blank: true }),
    active: f.boolean({ default: true }),
    maybe: f.boolean({ null: true, blank: true }),
    day: f.date({ null: true, blank: true }),
    at: f.dateTime({ null: true, blank: true }),
    clock: f.time({ null: true, blank: true }),
    span: f.duration({ null: true, blank: true }),
    mail: f.email({ blank: true, default: '' }),
    link: f.url({ blank: true, default: '' }),
    slug: f.slug({ blank: true, default: '' }),
    token: f.uuid({ null: true, blank: true }),
    data: f.json({ null: true, blank: true }),
    level: f.integer({ choices: [[1, 'Low'], [2, 'High']], default: 1 }),
  },
  { app: 'lab' },
) {
  override toString(): string {
    return this.label
  }
}

/** Every test model, in `connect()` order. */
export const blogModels = [Author, Tag, Post, Comment, Award, Specimen] as const

declare module '@strata/core' {
  interface Models {
    Author: Author
    Tag: Tag
    Post: Post
    Comment: Comment
    Award: Award
    Specimen: Specimen
  }
}
