import { FieldError, MultipleObjectsReturned, ObjectDoesNotExist } from './errors.js'
import { Field } from './fields/field.js'
import { ForeignKey, ManyToManyField, RelatedField, resolveTarget } from './fields/relation.js'
import { IntegerField } from './fields/scalar.js'

/** A named index over columns (`indexes` model option). */
export interface IndexSpec {
  fields: readonly string[]
  name?: string
  unique?: boolean
}

/** A table constraint (`constraints` model option). */
export type ConstraintSpec =
  | { kind: 'unique'; name: string; fields: readonly string[]; condition?: unknown }
  | { kind: 'check'; name: string; check: unknown }

/** The third argument of `model()`. */
export interface ModelOptions {
  app?: string
  dbTable?: string
  ordering?: readonly string[]
  uniqueTogether?: readonly (readonly string[])[]
  indexes?: readonly IndexSpec[]
  constraints?: readonly ConstraintSpec[]
  abstract?: boolean
  extends?: { readonly meta: ModelMeta }
  verboseName?: string
  verboseNamePlural?: string
  getLatestBy?: string | readonly string[]
}

/** A relation seen from its target: `post.commentSet`, `filter({ comment__author })`. */
export interface ReverseRelation {
  /** The name used in lookups (`comment`). */
  queryName: string
  /** The accessor on instances (`commentSet`), or null if hidden. */
  accessor: string | null
  /** The relation field, declared on `model`. */
  field: RelatedField<unknown, boolean, boolean, 'foreignKey' | 'oneToOne' | 'manyToMany'>
  /** The model that declares the relation. */
  model: ModelMeta
  /** Whether it reaches many rows (false for one-to-one). */
  multiple: boolean
}

/** Converts `BlogEntry` or `pubDate` to `blog_entry` / `pub_date`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
}

/** A class that `model()` made (the base or a user subclass of it). */
export interface ModelClassLike {
  readonly meta: ModelMeta
  new (...args: never[]): object
}

const REGISTRY = new Map<string, ModelMeta>()
let generation = 0

/** Finds a registered model by name (`'Post'` or `'app.Post'`). */
export function getModel(name: string): ModelMeta | undefined {
  return REGISTRY.get(name) ?? REGISTRY.get(name.split('.').pop()!)
}

/** Every registered model, in definition order. */
export function allModels(): ModelMeta[] {
  return [...new Set(REGISTRY.values())].filter((m) => !m.abstract)
}

/** Everything Strata knows about a model: fields, table, options and relations. */
export class ModelMeta {
  readonly name: string
  readonly app: string
  readonly dbTable: string
  readonly abstract: boolean
  readonly options: ModelOptions
  /** Every field in declaration order, many-to-many included. */
  readonly fields: Field[] = []
  readonly #byName = new Map<string, Field>()
  /** The primary-key field. */
  readonly pk: Field
  /** The class instances are made from (the user's subclass once it is known). */
  cls!: ModelClassLike
  /** `Model.DoesNotExist`. */
  readonly DoesNotExist: typeof ObjectDoesNotExist
  /** `Model.MultipleObjectsReturned`. */
  readonly MultipleObjectsReturned: typeof MultipleObjectsReturned
  /** Whether this model is an auto-created many-to-many join table. */
  autoCreated = false
  #resolvedAt = -1
  #reverse = new Map<string, ReverseRelation>()

  constructor(name: string, fields: Record<string, Field>, options: ModelOptions = {}) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new FieldError(`Invalid model name ${JSON.stringify(name)}`)
    this.name = name
    this.options = options
    this.abstract = options.abstract === true
    const parent = options.extends?.meta
    this.app = options.app ?? parent?.options.app ?? 'app'
    this.dbTable = options.dbTable ?? snakeCase(name)
    const all: [string, Field][] = []
    if (parent) for (const pf of parent.fields) if (!(pf.primaryKey && pf.kind === 'auto' && pf.name === 'id')) all.push([pf.name, cloneField(pf)])
    all.push(...Object.entries(fields))
    if (!all.some(([, fl]) => fl.primaryKey)) all.unshift(['id', new IntegerField('auto', { primaryKey: true })])
    const pks = all.filter(([, fl]) => fl.primaryKey)
    if (pks.length > 1)
      throw new FieldError(`${name} has more than one primary key: ${pks.map(([n]) => n).join(', ')}`, { model: name })
    for (const [fieldName, field] of all) this.#add(fieldName, field)
    this.pk = pks[0]?.[1] ?? this.#byName.get('id')!
    const self = this
    this.DoesNotExist = class extends ObjectDoesNotExist {
      static override get name() {
        return `${self.name}.DoesNotExist`
      }
    }
    this.MultipleObjectsReturned = class extends MultipleObjectsReturned {
      static override get name() {
        return `${self.name}.MultipleObjectsReturned`
      }
    }
    if (!this.abstract) {
      REGISTRY.set(name, this)
      REGISTRY.set(`${this.app}.${name}`, this)
      generation++
    }
  }

  #add(name: string, field: Field): void {
    if (!(field instanceof Field)) throw new FieldError(`${this.name}.${name} is not a field (use f.char(), f.integer(), ...)`, { model: this.name })
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name) || name === 'pk' || name.includes('__'))
      throw new FieldError(`${this.name}: invalid field name ${JSON.stringify(name)} (letters and digits, not 'pk')`, { model: this.name })
    if (this.#byName.has(name)) throw new FieldError(`${this.name}.${name} is defined twice`, { model: this.name, field: name })
    if (field.modelName && field.modelName !== this.name) field = cloneField(field)
    field.name = name
    field.modelName = this.name
    const fk = field instanceof ForeignKey
    field.attname = fk ? `${name}Id` : name
    field.column = field.options.dbColumn ?? (fk ? `${snakeCase(name)}_id` : snakeCase(name))
    this.fields.push(field)
    this.#byName.set(name, field)
    if (fk) this.#byName.set(field.attname, field)
  }

  /** The field named `name` (or a foreign key's attname), or undefined. */
  field(name: string): Field | undefined {
    if (name === 'pk') return this.pk
    return this.#byName.get(name)
  }

  /** The field named `name`, or a `FieldError` listing the valid choices. */
  getField(name: string): Field {
    const f = this.field(name)
    if (!f)
      throw new FieldError(`${this.name} has no field named ${JSON.stringify(name)}. Choices are: ${this.fieldNames().join(', ')}`, {
        model: this.name,
        field: name,
      })
    return f
  }

  /** Fields with a column on this table, in declaration order. */
  get concreteFields(): Field[] {
    return this.fields.filter((f) => f.concrete)
  }

  /** Field names a user may write in lookups, reverse relations included. */
  fieldNames(): string[] {
    this.resolve()
    return [...this.fields.map((f) => f.name), ...this.#reverse.keys()].sort()
  }

  /** The reverse relation reached by `queryName` (`comment` on Post), if any. */
  reverse(queryName: string): ReverseRelation | undefined {
    this.resolve()
    return this.#reverse.get(queryName)
  }

  /** Every reverse relation pointing at this model. */
  reverseRelations(): ReverseRelation[] {
    this.resolve()
    return [...this.#reverse.values()]
  }

  /** Human names, for the admin and messages. */
  get verboseName(): string {
    return this.options.verboseName ?? snakeCase(this.name).replace(/_/g, ' ')
  }

  /** Plural human name. */
  get verboseNamePlural(): string {
    return this.options.verboseNamePlural ?? `${this.verboseName}s`
  }

  /** Default ordering (`ordering` option). */
  get ordering(): readonly string[] {
    return this.options.ordering ?? []
  }

  /** Resolves relation targets and reverse relations against the registry (cached). */
  resolve(): void {
    if (this.#resolvedAt === generation) return
    resolveAll()
  }

  /** Called by `resolveAll`; records a reverse relation, refusing clashes. */
  addReverse(rel: ReverseRelation): void {
    const existing = this.#reverse.get(rel.queryName)
    if (existing && (existing.field !== rel.field))
      throw new FieldError(
        `Reverse query name ${JSON.stringify(rel.queryName)} on ${this.name} clashes: ${existing.model.name}.${existing.field.name} and ${rel.model.name}.${rel.field.name}. Set relatedName on one of them.`,
        { model: rel.model.name, field: rel.field.name },
      )
    if (this.#byName.has(rel.queryName) && !this.autoCreated)
      throw new FieldError(
        `Reverse query name ${JSON.stringify(rel.queryName)} for ${rel.model.name}.${rel.field.name} clashes with field ${this.name}.${rel.queryName}. Set relatedName.`,
        { model: rel.model.name, field: rel.field.name },
      )
    this.#reverse.set(rel.queryName, rel)
  }

  /** Forgets reverse relations before a new resolution pass. */
  resetReverse(): void {
    this.#reverse = new Map()
    this.#resolvedAt = generation
  }
}

function cloneField(f: Field): Field {
  const copy = Object.create(Object.getPrototypeOf(f)) as Field
  Object.assign(copy, f)
  copy.name = ''
  copy.modelName = ''
  return copy
}

/** Resolves every registered model's relations; throws a clear error for unknown targets. */
export function resolveAll(): void {
  const metas = allModels()
  for (const m of metas) m.resetReverse()
  for (const m of metas) {
    for (const field of m.fields) {
      if (!(field instanceof RelatedField)) continue
      const target = resolveTarget(field.to, getModel)
      if (!target)
        throw new FieldError(
          `${m.name}.${field.name} points at ${typeof field.to === 'string' ? JSON.stringify(field.to) : 'a model'} which is not defined. Known models: ${metas.map((x) => x.name).join(', ')}`,
          { model: m.name, field: field.name },
        )
      field.target = target
      if (field instanceof ManyToManyField && !field.through) makeThrough(m, field)
    }
  }
  for (const m of allModels()) {
    for (const field of m.fields) {
      if (!(field instanceof RelatedField)) continue
      if (field.relatedAccessor === null && !(field.options as { relatedQueryName?: string }).relatedQueryName) continue
      if (field instanceof ManyToManyField && field.symmetrical && field.target === m) continue
      field.target.addReverse({
        queryName: field.relatedQueryName,
        accessor: field.relatedAccessor,
        field,
        model: m,
        multiple: field.kind !== 'oneToOne',
      })
    }
  }
}

function makeThrough(source: ModelMeta, field: ManyToManyField<unknown>): void {
  const target = field.target
  const self = source === target
  const from = self ? `from${source.name}` : lowerFirst(source.name)
  const to = self ? `to${target.name}` : lowerFirst(target.name)
  const name = `${source.name}${field.name[0]!.toUpperCase()}${field.name.slice(1)}`
  const through = new ModelMeta(
    name,
    {
      [from]: new ForeignKey('foreignKey', source.name, { onDelete: 'CASCADE', relatedName: '+' }),
      [to]: new ForeignKey('foreignKey', target.name, { onDelete: 'CASCADE', relatedName: '+' }),
    },
    { app: source.app, dbTable: field.options.dbTable ?? `${source.dbTable}_${snakeCase(field.name)}`, uniqueTogether: [[from, to]] },
  )
  through.autoCreated = true
  field.through = through
  field.sourceField = through.field(from) as ForeignKey<unknown, boolean, boolean>
  field.targetField = through.field(to) as ForeignKey<unknown, boolean, boolean>
  field.sourceField.target = source
  field.targetField.target = target
}

function lowerFirst(s: string): string {
  return s[0]!.toLowerCase() + s.slice(1)
}
