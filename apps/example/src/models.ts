import { adminModels } from '@strata/admin'
import { f, model } from '@strata/core'

/** The blog of API.md section 3: authors write posts, readers comment, posts carry tags. */

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

export class Comment extends model('Comment', {
  post: f.foreignKey('Post', { onDelete: 'CASCADE' }),
  author: f.char({ maxLength: 50 }),
  text: f.text(),
  pubDate: f.dateTime({ autoNowAdd: true }),
}) {}

export class Tag extends model('Tag', { name: f.slug({ unique: true }) }) {}

/** Every model of the app, in the order `connect()` takes them; the admin's users, groups, sessions and history too. */
export const models = [Author, Post, Comment, Tag, ...adminModels] as const

// Lets relations given by name ('Post', 'Author', 'Tag') resolve to these classes in types.
declare module '@strata/core' {
  interface Models {
    Author: Author
    Post: Post
    Comment: Comment
    Tag: Tag
  }
}
