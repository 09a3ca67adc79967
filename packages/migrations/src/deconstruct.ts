import {
  type ConstraintSpec,
  f,
  type Field,
  type FieldKind,
  type IndexSpec,
  type ManyToManyField,
  type ModelMeta,
  type RelatedField,
  snakeCase,
} from '@strata/core'
import { constraintName } from '@strata/query'
import { MigrationError } from './errors.js'
import { fingerprint } from './serialize.js'

/**
 * A field as migrations keep it: its kind, the model it points at (relations), and its options as
 * written. `f[kind](to, options)` makes the field again, and deconstructing that gives the same
 * definition (so `makemigrations` twice in a row finds nothing).
 */
export interface FieldDef {
  readonly kind: FieldKind
  /** The target model's name (relations only). */
  readonly to?: string
  readonly options: Readonly<Record<string, unknown>>
}

/** Model options that migrations track (`abstract` and `extends` are resolved away). */
export interface ModelStateOptions {
  readonly app?: string
  readonly dbTable?: string
  readonly ordering?: readonly string[]
  readonly uniqueTogether?: readonly (readonly string[])[]
  readonly indexes?: readonly IndexSpec[]
  readonly constraints?: readonly ConstraintSpec[]
  readonly verboseName?: string
  readonly verboseNamePlural?: string
  readonly getLatestBy?: string | readonly string[]
}

/** Options that change nothing in the database (an `alterModelOptions` is state only). */
export const STATE_ONLY_OPTIONS = ['ordering', 'verboseName', 'verboseNamePlural', 'getLatestBy', 'app'] as const

// Options that change nothing in a column; `validators` are functions migrations cannot keep.
const DROPPED_OPTIONS = new Set(['validators'])

/** The model name a relation target stands for (`'self'` is the declaring model). */
function targetName(field: RelatedField<unknown, boolean, boolean, 'foreignKey' | 'oneToOne' | 'manyToMany'>, owner: string): string {
  if (field.target) return field.target.name
  const to = field.to
  if (to === 'self') return owner
  if (typeof to === 'string') return to.split('.').pop()!
  if (typeof to === 'function' && !('meta' in to)) {
    const m = (to as () => { meta?: ModelMeta } | undefined)()
    if (m?.meta) return m.meta.name
  }
  if (typeof to === 'object' && to !== null && 'meta' in to) return to.meta.name
  throw new MigrationError(`${owner}.${field.name}: cannot tell which model the relation points at`, { model: owner, field: field.name })
}

/** A field's definition, with relation targets resolved to model names. */
export function deconstructField(field: Field, owner: string): FieldDef {
  const options: Record<string, unknown> = {}
  // Keys sorted: the same options written in another order are the same field.
  for (const [k, v] of Object.entries(field.options).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (v === undefined || DROPPED_OPTIONS.has(k)) continue
    options[k] = v
  }
  // By kind, not instanceof: fields from migration files may come from another copy of @strata/core.
  const relation = field.kind === 'foreignKey' || field.kind === 'oneToOne' || field.kind === 'manyToMany'
  if (field.kind === 'manyToMany' && options.through !== undefined) {
    options.through = (field as ManyToManyField<unknown>).through?.name ?? (typeof options.through === 'string' ? options.through.split('.').pop() : undefined)
    if (options.through === undefined) throw new MigrationError(`${owner}.${field.name}: cannot tell which model is the join model`, { model: owner, field: field.name })
  }
  if (relation) return { kind: field.kind, to: targetName(field as RelatedField<unknown, boolean, boolean, 'foreignKey'>, owner), options }
  return { kind: field.kind, options }
}

/** Makes a new, unattached field from its definition, through the `f` factories. */
export function fieldFromDef(def: FieldDef): Field {
  const factory = (f as unknown as Record<string, (...args: unknown[]) => Field>)[def.kind]
  if (!factory) throw new MigrationError(`Unknown field kind ${JSON.stringify(def.kind)}`)
  const options = { ...def.options }
  return def.to !== undefined ? factory(def.to, options) : factory(options)
}

/** A field definition taken from a field object written in a migration file (`f.char({ maxLength: 10 })`). */
export function defFromField(field: Field | FieldDef, owner: string): FieldDef {
  if (isFieldDef(field)) return field
  return deconstructField(field, owner)
}

function isFieldDef(value: unknown): value is FieldDef {
  return typeof value === 'object' && value !== null && 'kind' in value && 'options' in value && !('attname' in value)
}

/** Whether two field definitions are the same once written (a function default compares by its source). */
export function sameDef(a: FieldDef, b: FieldDef): boolean {
  return fingerprint(a) === fingerprint(b)
}

/** Whether a field definition has a column (not many-to-many). */
export function isConcrete(def: FieldDef): boolean {
  return def.kind !== 'manyToMany'
}

/** Whether a field definition is a relation. */
export function isRelation(def: FieldDef): boolean {
  return def.to !== undefined
}

/** The column a field definition gets (as `ModelMeta` names it). */
export function columnOf(name: string, def: FieldDef): string {
  const dbColumn = def.options.dbColumn
  if (typeof dbColumn === 'string') return dbColumn
  return def.kind === 'foreignKey' || def.kind === 'oneToOne' ? `${snakeCase(name)}_id` : snakeCase(name)
}

/** The table of a model from its name and options. */
export function tableOf(name: string, options: ModelStateOptions): string {
  return options.dbTable ?? snakeCase(name)
}

/** An index with its name filled in from the table, so that a later rename of the table does not change it. */
export function namedIndex(table: string, index: IndexSpec): IndexSpec {
  if (index.name) return index
  return { ...index, name: constraintName(table, index.fields.join('_').replace(/-/g, ''), 'idx') }
}

/** The migration state of a model defined in code. */
export function modelOptionsOf(meta: ModelMeta): ModelStateOptions {
  const o = meta.options
  const out: Record<string, unknown> = {}
  if (meta.app !== 'app') out.app = meta.app
  if (o.dbTable !== undefined) out.dbTable = o.dbTable
  if (o.ordering?.length) out.ordering = [...o.ordering]
  if (o.uniqueTogether?.length) out.uniqueTogether = o.uniqueTogether.map((g) => [...g])
  if (o.indexes?.length) out.indexes = o.indexes.map((i) => namedIndex(meta.dbTable, i))
  if (o.constraints?.length) out.constraints = [...o.constraints]
  if (o.verboseName !== undefined) out.verboseName = o.verboseName
  if (o.verboseNamePlural !== undefined) out.verboseNamePlural = o.verboseNamePlural
  if (o.getLatestBy !== undefined) out.getLatestBy = o.getLatestBy
  return out as ModelStateOptions
}

/** Whether a foreign-key definition is a one-to-one or many-to-one relation (a column). */
export function isForeignKeyDef(def: FieldDef): boolean {
  return def.kind === 'foreignKey' || def.kind === 'oneToOne'
}

