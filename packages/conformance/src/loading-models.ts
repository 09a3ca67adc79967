import { f, model } from '@strata/core'

// Fixtures for selectRelated(), prefetchRelated(), only() and defer() beyond the blog models.

/** A one-to-one to the blog's Author: `biography.author` forward, `author.biography` reverse (an attribute). */
export class Biography extends model('Biography', {
  author: f.oneToOne('Author', { onDelete: 'CASCADE', relatedName: 'biography' }),
  summary: f.text(),
}) {}

/** The loading fixtures, in dependency order. */
export const LOADING_MODELS = [Biography] as const

declare module '@strata/core' {
  interface Models {
    Biography: Biography
  }
}
