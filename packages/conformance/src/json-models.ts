import { f, model } from '@strata/core'

// Fixtures for JSON key paths and lookups (Django's tests/model_fields/test_jsonfield.py) and for
// custom lookups and transforms (tests/custom_lookups).

/** A nullable JSON document, with a self reference for key paths through relations. */
export class Doc extends model('Doc', {
  name: f.char({ maxLength: 50 }),
  data: f.json({ null: true }),
  parent: f.foreignKey('Doc', { onDelete: 'CASCADE', null: true, relatedName: 'children' }),
}) {}

/** Numbers and text for custom transforms and lookups. */
export class Measure extends model('Measure', {
  label: f.char({ maxLength: 50 }),
  code: f.slug({ null: true }),
  n: f.integer({ null: true }),
  step: f.smallInteger({ default: 1 }),
}) {}

/** The JSON and custom-lookup fixture models, in dependency order. */
export const JSON_MODELS = [Doc, Measure] as const

declare module '@strata/core' {
  interface Models {
    Doc: Doc
    Measure: Measure
  }
}
