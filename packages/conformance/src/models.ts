import { f, model } from '@strata/core'
import { RELATION_MODELS } from './relation-models.js'
import { LOADING_MODELS } from './loading-models.js'
import { JSON_MODELS } from './json-models.js'

/** API.md section 3: the blog. */
export class Author extends model('Author', {
  name: f.char({ maxLength: 100 }),
  email: f.email({ unique: true }),
  age: f.integer({ null: true }),
}) {}

export class Post extends model(
  'Post',
  {
    title: f.char({ maxLength: 100 }),
    content: f.text(),
    pubDate: f.dateTime({ autoNowAdd: true }),
    author: f.foreignKey('Author', { onDelete: 'CASCADE', relatedName: 'posts', null: true }),
    tags: f.manyToMany('Tag', { relatedName: 'posts' }),
    rating: f.decimal({ maxDigits: 4, decimalPlaces: 2, default: '0.00' }),
  },
  { ordering: ['-pubDate'] },
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
  { getLatestBy: 'pubDate' },
) {}

export class Tag extends model('Tag', { name: f.slug({ unique: true }) }) {}

/** A self reference: deleting a parent sets its children's `parent` to null. */
export class Category extends model('Category', {
  name: f.char({ maxLength: 50 }),
  parent: f.foreignKey('Category', { onDelete: 'SET_NULL', null: true, relatedName: 'children' }),
}) {}

/** Every scalar field kind, with nullable twins where a type matters. */
export class Sample extends model('Sample', {
  label: f.char({ maxLength: 20, default: '' }),
  body: f.text({ blank: true, default: '' }),
  count: f.integer({ null: true }),
  small: f.smallInteger({ default: 0 }),
  big: f.bigInteger({ null: true }),
  positive: f.positiveInteger({ default: 0 }),
  ratio: f.float({ null: true }),
  price: f.decimal({ maxDigits: 12, decimalPlaces: 2, null: true }),
  active: f.boolean({ default: false }),
  flag: f.boolean({ null: true }),
  day: f.date({ null: true }),
  at: f.dateTime({ null: true }),
  clock: f.time({ null: true }),
  span: f.duration({ null: true }),
  mail: f.email({ null: true }),
  site: f.url({ null: true }),
  slug: f.slug({ null: true }),
  token: f.uuid({ null: true }),
  data: f.json({ null: true }),
  blob: f.binary({ null: true }),
  size: f.char({
    maxLength: 1,
    choices: [
      ['S', 'Small'],
      ['L', 'Large'],
    ],
    default: 'S',
  }),
}) {}

/** PROTECT: a publisher with books cannot be deleted. */
export class Publisher extends model('Publisher', { name: f.char({ maxLength: 50 }) }) {}

export class Book extends model('Book', {
  title: f.char({ maxLength: 50 }),
  publisher: f.foreignKey('Publisher', { onDelete: 'PROTECT', relatedName: 'books' }),
}) {}

/** RESTRICT (Django's example): an album with songs cannot be deleted, unless its artist's cascade takes the songs too. */
export class Artist extends model('Artist', { name: f.char({ maxLength: 50 }) }) {}

export class Album extends model('Album', {
  title: f.char({ maxLength: 50 }),
  artist: f.foreignKey('Artist', { onDelete: 'CASCADE' }),
}) {}

export class Song extends model('Song', {
  title: f.char({ maxLength: 50 }),
  album: f.foreignKey('Album', { onDelete: 'RESTRICT' }),
  artist: f.foreignKey('Artist', { onDelete: 'CASCADE' }),
}) {}

/** DO_NOTHING without a database constraint: the row keeps pointing at the deleted key. */
export class Note extends model('Note', {
  text: f.char({ maxLength: 50 }),
  author: f.foreignKey('Author', { onDelete: 'DO_NOTHING', null: true, dbConstraint: false }),
}) {}

/** Every fixture model, in dependency order (parents first). */
export const MODELS = [
  Author,
  Tag,
  Post,
  Comment,
  Category,
  Sample,
  Publisher,
  Book,
  Artist,
  Album,
  Song,
  Note,
  ...RELATION_MODELS,
  ...LOADING_MODELS,
  ...JSON_MODELS,
] as const

declare module '@strata/core' {
  interface Models {
    Author: Author
    Post: Post
    Comment: Comment
    Tag: Tag
    Category: Category
    Sample: Sample
    Publisher: Publisher
    Book: Book
    Artist: Artist
    Album: Album
    Song: Song
    Note: Note
  }
}

export * from './relation-models.js'
export * from './loading-models.js'
export * from './json-models.js'
