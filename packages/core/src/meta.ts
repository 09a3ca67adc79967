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
  /**
   * Keeps the model out of the global registry: it is registered in this scope and its relations
   * resolve among the scope's models (the historical models of a migration).
   */
  scope?: ModelScope
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

/** A foreign key seen from the model it points at, hidden ones and join-table keys included (for deletion). */
export interface IncomingRelation {
  /** The foreign key (or one-to-one), declared on `model`. */
  field: ForeignKey<unknown, boolean, boolean, 'foreignKey' | 'oneToOne'>
  /** The model that declares it. */
  model: ModelMeta
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

/**
 * A set of models kept apart from the global registry, whose relations resolve among themselves
 * (`model(name, fields, { scope })`): migrations build the models of a past state in one.
 */
export class ModelScope {
  readonly #models = new Map<string, ModelMeta>()
  /** Bumped when a model joins, so its models resolve again. */
  generation = 0

  /** Finds a model of this scope by name (`'Post'` or `'app.Post'`). */
  get(name: string): ModelMeta | undefined {
    return this.#models.get(name) ?? this.#models.get(name.split('.').pop()!)
  }

  /** Every model of this scope, in definition order. */
  all(): ModelMeta[] {
    return [...new Set(this.#models.values())].filter((m) => !m.abstract)
  }

  /** Adds a model (called by `ModelMeta`'s constructor). */
  add(meta: ModelMeta): void {
    this.#models.set(meta.name, meta)
    this.#models.set(`${meta.app}.${meta.name}`, meta)
    this.generation++
  }
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
  /**
   * Facts derived from the model and the relations between models, memoized by other modules
   * under keys of their own (filter keys and field names: resolve.ts; selectRelated and
   * prefetchRelated names); emptied whenever relations are resolved again.
   */
  readonly memo = new Map<string, unknown>()
  #concrete: readonly Field[] | undefined
  #resolvedAt = -1
  #reverse = new Map<string, ReverseRelation>()
  #accessors = new Map<string, ReverseRelation>()
  #incoming: IncomingRelation[] = []

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
    if (options.scope) {
      if (!this.abstract) options.scope.add(this)
    } else if (!this.abstract) {
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
    this.#concrete = undefined
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
  get concreteFields(): readonly Field[] {
    // Fields are only added while the model is built (`#add` forgets the list). Not frozen: V8
    // iterates frozen arrays on a slower path (save() was 10% slower).
    return (this.#concrete ??= this.fields.filter((f) => f.concrete))
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

  /** The reverse relation whose accessor on instances is `name` (`commentSet`), if any. */
  reverseAccessor(name: string): ReverseRelation | undefined {
    this.resolve()
    return this.#accessors.get(name)
  }

  /** Every foreign key pointing at this model, hidden ones (`relatedName: '+'`) and join-table keys included. */
  incomingRelations(): readonly IncomingRelation[] {
    this.resolve()
    return this.#incoming
  }

  /** Called by `resolveAll`; records a foreign key that points here. */
  addIncoming(rel: IncomingRelation): void {
    this.#incoming.push(rel)
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
    const scope = this.options.scope
    if (scope) {
      if (this.#resolvedAt !== scope.generation) resolveModels(() => scope.all(), (n) => scope.get(n), scope)
      return
    }
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
    if (rel.accessor !== null) {
      const other = this.#accessors.get(rel.accessor)
      if (other && other.field !== rel.field)
        throw new FieldError(
          `Reverse accessor ${JSON.stringify(rel.accessor)} on ${this.name} clashes: ${other.model.name}.${other.field.name} and ${rel.model.name}.${rel.field.name}. Set relatedName on one of them.`,
          { model: rel.model.name, field: rel.field.name },
        )
      if (this.#byName.has(rel.accessor))
        throw new FieldError(
          `Reverse accessor ${JSON.stringify(rel.accessor)} for ${rel.model.name}.${rel.field.name} clashes with field ${this.name}.${rel.accessor}. Set relatedName.`,
          { model: rel.model.name, field: rel.field.name },
        )
      this.#accessors.set(rel.accessor, rel)
    }
    this.#reverse.set(rel.queryName, rel)
  }

  /** Forgets reverse relations before a new resolution pass. */
  resetReverse(): void {
    this.memo.clear()
    this.#reverse = new Map()
    this.#accessors = new Map()
    this.#incoming = []
    this.#resolvedAt = this.options.scope ? this.options.scope.generation : generation
  }
}

function cloneField(f: Field): Field {
  const copy = Object.create(Object.getPrototypeOf(f)) as Field
  Object.assign(copy, f)
  copy.name = ''
  copy.modelName = ''
  return copy
}

const RESOLVE_HOOKS: ((models: readonly ModelMeta[]) => void)[] = []

/** Registers `fn` to run after every resolution of the model graph (related.ts installs accessors). */
export function onResolved(fn: (models: readonly ModelMeta[]) => void): void {
  RESOLVE_HOOKS.push(fn)
}

/** Resolves every registered model's relations; throws a clear error for unknown targets. */
export function resolveAll(): void {
  resolveModels(allModels, getModel)
}

/** Resolves the relations of the models `list()` gives, finding targets with `lookup`. */
function resolveModels(list: () => ModelMeta[], lookup: (name: string) => ModelMeta | undefined, scope?: ModelScope): void {
  const metas = list()
  for (const m of metas) m.resetReverse()
  for (const m of metas) {
    for (const field of m.fields) {
      if (!(field instanceof RelatedField)) continue
      const target = field.to === 'self' ? m : resolveTarget(field.to, lookup)
      if (!target)
        throw new FieldError(
          `${m.name}.${field.name} points at ${typeof field.to === 'string' ? JSON.stringify(field.to) : 'a model'} which is not defined. Known models: ${metas.map((x) => x.name).join(', ')}`,
          { model: m.name, field: field.name },
        )
      field.target = target
      if (field instanceof ManyToManyField) {
        if (field.customThrough) useThrough(m, field, lookup)
        else if (!field.through) makeThrough(m, field, scope)
      }
    }
  }
  const all = list()
  if (scope) for (const m of all) m.resetReverse()
  for (const m of all) {
    for (const field of m.fields) {
      if (field instanceof ForeignKey && field.target) field.target.addIncoming({ field, model: m })
      if (!(field instanceof RelatedField)) continue
      if (field.relatedAccessor === null && !(field.options as { relatedQueryName?: string }).relatedQueryName) continue
      if (field instanceof ManyToManyField && field.symmetrical) continue
      field.target.addReverse({
        queryName: field.relatedQueryName,
        accessor: field.relatedAccessor,
        field,
        model: m,
        multiple: field.kind !== 'oneToOne',
      })
    }
  }
  for (const hook of RESOLVE_HOOKS) hook(all)
}

function makeThrough(source: ModelMeta, field: ManyToManyField<unknown>, scope?: ModelScope): void {
  const target = field.target
  const self = source === target
  const from = self ? `from${source.name}` : lowerFirst(source.name)
  const to = self ? `to${target.name}` : lowerFirst(target.name)
  const name = `${source.name}${field.name[0]!.toUpperCase()}${field.name.slice(1)}`
  const dbConstraint = field.options.dbConstraint !== false
  const through = new ModelMeta(
    name,
    {
      [from]: new ForeignKey('foreignKey', source.name, { onDelete: 'CASCADE', relatedName: '+', dbConstraint }),
      [to]: new ForeignKey('foreignKey', target.name, { onDelete: 'CASCADE', relatedName: '+', dbConstraint }),
    },
    { app: source.app, dbTable: field.options.dbTable ?? `${source.dbTable}_${snakeCase(field.name)}`, uniqueTogether: [[from, to]], ...(scope ? { scope } : {}) },
  )
  through.autoCreated = true
  field.through = through
  field.sourceField = through.field(from) as ForeignKey<unknown, boolean, boolean>
  field.targetField = through.field(to) as ForeignKey<unknown, boolean, boolean>
  field.sourceField.target = source
  field.targetField.target = target
}

/** Checks a user-declared join model (`through`) and picks its two foreign keys, as Django does. */
function useThrough(source: ModelMeta, field: ManyToManyField<unknown>, lookup: (name: string) => ModelMeta | undefined): void {
  const label = `${source.name}.${field.name}`
  const err = (msg: string) => new FieldError(`${label}: ${msg}`, { model: source.name, field: field.name })
  const through = resolveTarget(field.options.through!, lookup)
  const written = field.options.through
  if (!through) throw err(`the join model ${typeof written === 'string' ? JSON.stringify(written) : 'given as through'} is not defined`)
  const target = field.target
  const fks = through.fields.filter((f): f is ForeignKey<unknown, boolean, boolean> => f instanceof ForeignKey)
  const pointsAt = (fk: ForeignKey<unknown, boolean, boolean>, m: ModelMeta) => (fk.to === 'self' ? through : resolveTarget(fk.to, lookup)) === m
  let src: ForeignKey<unknown, boolean, boolean> | undefined
  let dst: ForeignKey<unknown, boolean, boolean> | undefined
  const names = field.options.throughFields
  if (names !== undefined) {
    if (!Array.isArray(names) || names.length !== 2 || !names.every((n) => typeof n === 'string'))
      throw err('throughFields must be two field names of the join model: [toThisModel, toTarget]')
    const pick = (n: string, m: ModelMeta, side: string) => {
      const fk = fks.find((f) => f.name === n)
      if (!fk || !pointsAt(fk, m)) throw err(`throughFields: ${through.name}.${n} is not a foreign key to ${m.name} (the ${side} side)`)
      return fk
    }
    src = pick(names[0], source, 'source')
    dst = pick(names[1], target, 'target')
  } else if (source === target) {
    const own = fks.filter((fk) => pointsAt(fk, source))
    if (own.length !== 2)
      throw err(`the join model ${through.name} has ${own.length} foreign keys to ${source.name}; a self relation needs exactly two, or throughFields`)
    ;[src, dst] = own
  } else {
    const toSource = fks.filter((fk) => pointsAt(fk, source))
    const toTarget = fks.filter((fk) => pointsAt(fk, target))
    if (toSource.length === 0 || toTarget.length === 0)
      throw err(`the join model ${through.name} needs a foreign key to ${source.name} and one to ${target.name}`)
    if (toSource.length > 1 || toTarget.length > 1)
      throw err(`the join model ${through.name} has several foreign keys to ${toSource.length > 1 ? source.name : target.name}, which is ambiguous: set throughFields: [toThisModel, toTarget]`)
    src = toSource[0]
    dst = toTarget[0]
  }
  field.through = through
  field.sourceField = src!
  field.targetField = dst!
}

function lowerFirst(s: string): string {
  return s[0]!.toLowerCase() + s.slice(1)
}
