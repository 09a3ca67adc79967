import * as persistence from './persistence.js'
import { deferredAttributes, loadAttribute, saveOptionsFor } from './deferred.js'
import { clearPrefetchedRows, loadRelation } from './loading.js'
import { getEngine } from './engine.js'
import { FieldError, RelationNotLoaded, TypeMismatchError, ValidationError, type MultipleObjectsReturned, type ObjectDoesNotExist } from './errors.js'
import { describe, type Field } from './fields/field.js'
import { ForeignKey, ManyToManyField, RelatedField } from './fields/relation.js'
import { CharField, DateTimeField } from './fields/scalar.js'
import { Manager } from './manager.js'
import { type ModelClassLike, ModelMeta, type ModelOptions } from './meta.js'
import type { QuerySet } from './queryset.js'
import { forwardManager, relatedByName } from './related.js'
import type { RelatedName, RelatedOf } from './related-types.js'
import type { CreateInput, FieldsShape, InstanceData, MODEL, ModelBrand, Models, PkType, ResolveSelf, RowData } from './types.js'

/** Per-instance bookkeeping, kept off the enumerable data. */
export interface InstanceState {
  /** True until the row is saved or when it was built in memory. */
  adding: boolean
  /** The database alias the row came from or was saved to. */
  db: string | undefined
  /** Loaded related objects by relation name. */
  cache: Map<string, unknown> | null
  /** Rows of multi-valued relations loaded by `prefetchRelated`, by attribute name (see prefetch-cache.ts). */
  prefetched?: Map<string, readonly unknown[]> | null
  /** Attribute names of columns not loaded (`defer()`/`only()`): reading one throws `FieldNotLoaded`. */
  deferred?: Set<string> | null
}

/** The symbol under which instance state is kept. */
export const STATE: unique symbol = Symbol.for('strata.instance-state') as never

/** A base whose constructor returns the object it is given, so that a subclass can add its private field to any object. */
class Stamp {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: the point of the class
    return target
  }
}

/**
 * Holds each instance's state in a private field: adding it costs a property write (defining a
 * non-enumerable property costs several times more, per row loaded), and like one it stays out
 * of `Object.keys`, spread, JSON and equality checks. `instance[STATE]` reads it.
 */
class StateSlot extends Stamp {
  #state: InstanceState

  constructor(target: object, state: InstanceState) {
    super(target)
    this.#state = state
  }

  /** The state of `target`, or undefined for an object that has none. */
  static read(target: object): InstanceState | undefined {
    return #state in target ? (target as StateSlot).#state : undefined
  }

  /** Gives `target` its state, or replaces it. */
  static write(target: object, state: InstanceState): void {
    if (#state in target) (target as StateSlot).#state = state
    else new StateSlot(target, state)
  }
}

/** The state of an instance: every member present from the start, so that all states share one shape. */
class State implements InstanceState {
  // Declared, not defined as class fields: the constructor's plain stores make the object.
  declare adding: boolean
  declare db: string | undefined
  declare cache: Map<string, unknown> | null
  declare prefetched: Map<string, readonly unknown[]> | null
  declare deferred: Set<string> | null

  constructor(adding: boolean, db: string | undefined) {
    this.adding = adding
    this.db = db
    this.cache = null
    this.prefetched = null
    this.deferred = null
  }
}

/**
 * Fresh state of an instance. Made by a constructor, not an object literal: V8 tracks where each
 * literal is allocated, and once most objects of one site outlive a young-generation collection
 * (a large list loaded and kept) it allocates that site's objects in the old generation from then
 * on, for the life of the process. Every instance's state would then be old, and the relations and
 * prefetched rows later written into it would be kept alive by it until a full collection.
 */
function newState(adding: boolean, db: string | undefined): InstanceState {
  return new State(adding, db)
}

/** Options of `save()`. */
export interface SaveOptions {
  /** Only these fields are written (an UPDATE). */
  updateFields?: readonly string[]
  using?: string
  forceInsert?: boolean
  forceUpdate?: boolean
}

/** The methods every model instance has. */
export interface ModelInstance<N extends string = string, F = unknown> {
  readonly [MODEL]: ModelBrand<N, F>
  /** The primary key, whatever the field is called. */
  pk: PkType<F>
  /** Inserts or updates the row. Does not validate (call `fullClean()` for that). */
  save(options?: SaveOptions): Promise<void>
  /** Deletes the row, following `onDelete` of every relation that points here. */
  delete(options?: { using?: string }): Promise<DeleteResult>
  /**
   * Reloads the loaded fields (or only `fields`, deferred ones included) from the database; a
   * prefetched relation named in `fields` is forgotten, to be loaded again.
   */
  refreshFromDb(options?: { fields?: readonly string[]; using?: string }): Promise<void>
  /** The attribute names of the columns `only()`/`defer()` left unloaded (Django's `get_deferred_fields()`). */
  getDeferredFields(): Set<string>
  /** Checks every field (type, null, blank, maxLength, choices, validators) without touching the database. */
  cleanFields(options?: { exclude?: readonly string[] }): void
  /** `cleanFields()` plus uniqueness checks against the database; throws `ValidationError`. */
  fullClean(options?: { exclude?: readonly string[]; validateUnique?: boolean }): Promise<void>
  /** Plain data: column attributes by name (columns left out by `only()`/`defer()` are omitted). */
  toJSON(): RowData<F>
  /** True for the same model and primary key (an unsaved instance equals only itself). */
  equals(other: unknown): boolean
  /**
   * Fetches a relation and caches it so that reading it no longer throws: the related object (or
   * null), or the array of a multi-valued relation (`'commentSet'`, `'tags'`), which its manager's
   * `all()` then answers without a query. A nested path (`'post__author'`) also loads the levels
   * after the first that are not loaded yet, one query per level, and resolves to the first level.
   */
  load<K extends string & keyof this>(name: K): Promise<LoadedValue<this[K]>>
  load(path: `${string}__${string}`): Promise<unknown>
  /**
   * A many-to-many manager (`'tags'`) or a reverse accessor (`'commentSet'`, a `relatedName`, a
   * reverse one-to-one such as `'restaurant'`), typed from the `Models` registry: the typed twin
   * of reading `post.commentSet`. An unknown name is a `FieldError`.
   */
  related<K extends RelatedName<N, F>>(name: K): RelatedOf<N, F, K>
}

/** What `load(name)` resolves to: the related object, or the rows of a manager (`post.commentSet` gives `Comment[]`). */
export type LoadedValue<V> = V extends { all(): PromiseLike<infer Rows> } ? Rows : V

/** The instance type of a model with name `N` and fields `F`. */
export type Instance<N extends string, F> = ModelInstance<N, F> & InstanceData<F>

/** The registered type for `N` (the user's class), or the base instance type. */
export type Resolved<N extends string, Fallback> = N extends keyof Models ? Models[N] : Fallback

/** The result of a delete: rows deleted in all, and by model name. */
export interface DeleteResult {
  total: number
  perModel: Record<string, number>
}

/** The class `model()` returns; extend it to add methods. */
export interface ModelClass<N extends string, F> {
  new (...args: {} extends CreateInput<F> ? [data?: CreateInput<F>] : [data: CreateInput<F>]): Instance<N, F>
  /** Metadata: fields, table, options and relations. */
  readonly meta: ModelMeta
  /** The default manager: `Post.objects.filter(...)`. */
  readonly objects: Manager<Resolved<N, Instance<N, F>>>
  /** Raised by `get()` when no row matches. */
  readonly DoesNotExist: typeof ObjectDoesNotExist
  /** Raised by `get()` when several rows match. */
  readonly MultipleObjectsReturned: typeof MultipleObjectsReturned
}

type AnyModel = ModelBase & Record<string, unknown>

/** What the constructor does with one field. */
interface FieldSlot {
  readonly field: Field
  readonly name: string
  readonly attname: string
  /** False for a many-to-many relation, which cannot be given on construction. */
  readonly concrete: boolean
  readonly foreignKey: boolean
  /** The value when neither the data nor a default gives one: '' for text, null otherwise. */
  readonly blank: '' | null
}

/** How the constructor fills an instance of a model: the fields in order, and the keys the data may hold. */
interface ConstructionPlan {
  readonly slots: readonly FieldSlot[]
  /** Attribute names of the columns, names of foreign keys, and the primary key's name. */
  readonly accepted: ReadonlySet<string>
}

const CONSTRUCTION_PLANS = new WeakMap<ModelMeta, ConstructionPlan>()

/** The construction plan of `meta`, worked out on first use (a model's fields do not change once it is defined). */
function constructionPlan(meta: ModelMeta): ConstructionPlan {
  let plan = CONSTRUCTION_PLANS.get(meta)
  if (plan === undefined) {
    const slots: FieldSlot[] = meta.fields.map((field) => ({
      field,
      name: field.name,
      attname: field.attname,
      concrete: field.concrete,
      foreignKey: field instanceof ForeignKey,
      blank: field instanceof CharField ? '' : null,
    }))
    const accepted = new Set<string>([meta.pk.name])
    for (const slot of slots) {
      if (!slot.concrete) continue
      accepted.add(slot.attname)
      if (slot.foreignKey) accepted.add(slot.name)
    }
    plan = { slots, accepted }
    CONSTRUCTION_PLANS.set(meta, plan)
  }
  return plan
}

const MANAGERS = new WeakMap<object, Manager<unknown>>()

/** The runtime base of every model class. */
export class ModelBase {
  static meta: ModelMeta

  /** The instance's bookkeeping (see `InstanceState`). */
  get [STATE](): InstanceState {
    return StateSlot.read(this)!
  }

  set [STATE](state: InstanceState) {
    StateSlot.write(this, state)
  }

  /** The default manager. */
  static get objects(): Manager<unknown> {
    const cls = this as unknown as ModelClassLike
    let m = MANAGERS.get(cls)
    if (!m) {
      adoptClass(cls)
      m = new Manager(cls)
      MANAGERS.set(cls, m)
    }
    return m
  }

  static get DoesNotExist(): typeof ObjectDoesNotExist {
    return this.meta.DoesNotExist
  }

  static get MultipleObjectsReturned(): typeof MultipleObjectsReturned {
    return this.meta.MultipleObjectsReturned
  }

  constructor(data: Record<string, unknown> = {}) {
    const meta = (this.constructor as typeof ModelBase).meta
    adoptClass(this.constructor as unknown as ModelClassLike)
    new StateSlot(this, newState(true, undefined))
    if (typeof data !== 'object' || data === null) throw new TypeMismatchError(`${meta.name}() expects an object of field values, got ${describe(data)}`, { model: meta.name })
    const self = this as unknown as AnyModel
    const plan = constructionPlan(meta)
    for (const slot of plan.slots) {
      if (!slot.concrete) {
        if (Object.hasOwn(data, slot.name)) throw new FieldError(`${meta.name}(): many-to-many ${slot.name} cannot be set on construction; use .${slot.name}.set() after saving`, { model: meta.name, field: slot.name })
        continue
      }
      if (slot.foreignKey && Object.hasOwn(data, slot.name)) {
        if (Object.hasOwn(data, slot.attname)) throw new FieldError(`${meta.name}(): give ${slot.name} or ${slot.attname}, not both`, { model: meta.name, field: slot.name })
        self[slot.attname] = null
        self[slot.name] = data[slot.name]
        continue
      }
      if (Object.hasOwn(data, slot.attname)) {
        self[slot.attname] = data[slot.attname]
      } else {
        const d = slot.field.getDefault()
        self[slot.attname] = d === undefined ? slot.blank : d
      }
    }
    for (const key of Object.keys(data)) {
      if (!plan.accepted.has(key))
        throw new FieldError(`${meta.name}() got an unexpected field ${JSON.stringify(key)}. Fields are: ${meta.fields.map((f) => f.name).join(', ')}`, {
          model: meta.name,
          field: key,
        })
    }
  }

  /** The primary key, whatever the field is called. */
  get pk(): unknown {
    return (this as unknown as AnyModel)[(this.constructor as typeof ModelBase).meta.pk.attname]
  }

  set pk(value: unknown) {
    ;(this as unknown as AnyModel)[(this.constructor as typeof ModelBase).meta.pk.attname] = value
  }

  /** Inserts or updates the row (see `ModelInstance.save`). */
  async save(options: SaveOptions = {}): Promise<void> {
    const { saveInstance } = persistence
    await saveInstance(this, saveOptionsFor(this, (this.constructor as typeof ModelBase).meta, options))
  }

  /** Deletes the row and what cascades from it. */
  async delete(options: { using?: string } = {}): Promise<DeleteResult> {
    const meta = (this.constructor as typeof ModelBase).meta
    if (this.pk === null || this.pk === undefined)
      throw new FieldError(`${meta.name} object can't be deleted because its ${meta.pk.name} attribute is not set`, { model: meta.name })
    const qs = (meta.cls as unknown as { objects: Manager<unknown> }).objects.using(options.using ?? this[STATE].db).filter({ pk: this.pk } as never)
    const result = await persistence.deleteQuery((qs as QuerySet<unknown>).state, { origin: this, instances: [this] })
    this.pk = null
    this[STATE].adding = true
    return result
  }

  /** Reloads fields from the database (see `ModelInstance.refreshFromDb`). */
  async refreshFromDb(options: { fields?: readonly string[]; using?: string } = {}): Promise<void> {
    const meta = (this.constructor as typeof ModelBase).meta
    const st = this[STATE]
    let names: string[] | undefined
    if (options.fields) {
      if (!Array.isArray(options.fields)) throw new TypeMismatchError(`refreshFromDb() fields must be an array of field names, got ${describe(options.fields)}`, { model: meta.name })
      if (options.fields.length === 0) return
      names = []
      for (const n of options.fields) {
        if (typeof n !== 'string') throw new TypeMismatchError(`refreshFromDb() takes field names, got ${describe(n)}`, { model: meta.name })
        if (n.includes('__')) throw new FieldError(`refreshFromDb() fields cannot contain lookups ("${n}")`, { model: meta.name })
        if (st.prefetched?.has(n)) {
          clearPrefetchedRows(this, n)
          continue
        }
        const f = meta.getField(n)
        if (!f.concrete) throw new FieldError(`${meta.name}.${n} has no column to reload`, { model: meta.name, field: n })
        names.push(f.name)
      }
      if (names.length === 0) return
    } else if (st.deferred?.size) {
      const deferred = st.deferred
      names = meta.concreteFields.filter((f) => !deferred.has(f.attname)).map((f) => f.name)
    }
    let qs = (meta.cls as unknown as { objects: Manager<unknown> }).objects.using(options.using ?? st.db).filter({ pk: this.pk } as never)
    if (names) qs = (qs as unknown as { only(...n: string[]): typeof qs }).only(...names)
    const fresh = (await qs.get()) as AnyModel
    for (const f of meta.concreteFields) {
      if (names && !f.primaryKey && !names.includes(f.name)) continue
      loadAttribute(this, f.attname, fresh[f.attname])
      if (f instanceof ForeignKey) st.cache?.delete(f.name)
    }
    if (!options.fields) {
      for (const rel of meta.reverseRelations()) if (!rel.multiple && rel.accessor) st.cache?.delete(rel.accessor)
      clearPrefetchedRows(this)
    }
    st.db = options.using ?? st.db
  }

  /** The attribute names of the columns not loaded (see `ModelInstance.getDeferredFields`). */
  getDeferredFields(): Set<string> {
    return deferredAttributes(this)
  }

  /** Field validation without the database. */
  cleanFields(options: { exclude?: readonly string[] } = {}): void {
    const meta = (this.constructor as typeof ModelBase).meta
    const errors: Record<string, string[]> = {}
    const self = this as unknown as AnyModel
    for (const field of meta.concreteFields) {
      if (options.exclude?.includes(field.name) || field.options.editable === false && field.dbGenerated || this[STATE].deferred?.has(field.attname)) continue
      let value = self[field.attname]
      if (field.dbGenerated && (value === null || value === undefined)) continue
      if (field instanceof DateTimeField && (field.options.autoNow || field.options.autoNowAdd) && value === null) continue
      const fieldErrors: string[] = []
      if (value !== null && value !== undefined && !(field instanceof RelatedField)) {
        try {
          value = field.clean(value)
        } catch (e) {
          fieldErrors.push(e instanceof Error ? e.message : String(e))
        }
      }
      if (fieldErrors.length === 0) fieldErrors.push(...field.validate(value))
      if (fieldErrors.length) errors[field.name] = fieldErrors
    }
    if (Object.keys(errors).length) throw new ValidationError(errors, { model: meta.name })
  }

  /** Field validation plus uniqueness against the database. */
  async fullClean(options: { exclude?: readonly string[]; validateUnique?: boolean } = {}): Promise<void> {
    const meta = (this.constructor as typeof ModelBase).meta
    let errors: Record<string, string[]> = {}
    try {
      this.cleanFields(options)
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e
      errors = { ...e.errors }
    }
    if (options.validateUnique !== false) {
      const { uniqueErrors } = persistence
      const deferred = meta.concreteFields.filter((f) => this[STATE].deferred?.has(f.attname)).map((f) => f.name)
      for (const [k, v] of Object.entries(await uniqueErrors(this, [...(options.exclude ?? []), ...deferred], Object.keys(errors)))) {
        errors[k] = [...(errors[k] ?? []), ...v]
      }
    }
    if (Object.keys(errors).length) throw new ValidationError(errors, { model: meta.name })
  }

  /** Plain data of the row's columns. */
  toJSON(): Record<string, unknown> {
    const meta = (this.constructor as typeof ModelBase).meta
    const out: Record<string, unknown> = {}
    const self = this as unknown as AnyModel
    const deferred = this[STATE].deferred
    for (const f of meta.fields) if (f.concrete && !deferred?.has(f.attname)) out[f.attname] = self[f.attname]
    return out
  }

  /** Same model and same saved primary key. */
  equals(other: unknown): boolean {
    if (other === this) return true
    if (!(other instanceof ModelBase)) return false
    const a = (this.constructor as typeof ModelBase).meta
    const b = (other.constructor as typeof ModelBase).meta
    return a === b && this.pk !== null && this.pk !== undefined && this.pk === other.pk
  }

  /** Fetches a relation (a nested path, a multi-valued one) and caches it (see `ModelInstance.load`). */
  async load(path: string): Promise<unknown> {
    return loadRelation(this, path)
  }

  /**
   * A reverse or many-to-many manager, or a reverse one-to-one object, by its accessor name: the
   * typed twin of `post.commentSet` / `post.tags` / `place.restaurant`.
   */
  related(name: string): unknown {
    return relatedByName(this, name)
  }

  /** `<Post: First Post>`, as in Django's repr. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const meta = (this.constructor as typeof ModelBase).meta
    const text = Object.hasOwn(this.constructor.prototype, 'toString') || this.toString !== ModelBase.prototype.toString ? this.toString() : `${meta.name} object (${String(this.pk)})`
    return `<${meta.name}: ${text}>`
  }

  toString(): string {
    const meta = (this.constructor as typeof ModelBase).meta
    return `${meta.name} object (${String(this.pk)})`
  }
}

/** Stores a loaded related object. */
export function cacheRelation(instance: ModelBase, name: string, value: unknown): void {
  const st = instance[STATE]
  if (!st.cache) st.cache = new Map()
  st.cache.set(name, value)
}

/**
 * Foreign keys loaded as missing although their key is set (a `Prefetch()` queryset that left the
 * row out), by instance: the key each was loaded for. Rare, so kept apart from the instance state.
 */
const absent = new WeakMap<ModelBase, Map<string, unknown>>()

/** Caches forward relation `name` of `instance` as loaded and missing for its key `key` (Django caches None). */
export function cacheAbsentRelation(instance: ModelBase, name: string, key: unknown): void {
  cacheRelation(instance, name, null)
  let names = absent.get(instance)
  if (names === undefined) absent.set(instance, (names = new Map()))
  names.set(name, key)
}

/** Whether forward relation `name` of `instance` was loaded as missing for key `key` (`cacheAbsentRelation`). */
export function isAbsentRelation(instance: ModelBase, name: string, key: unknown): boolean {
  const names = absent.get(instance)
  return names?.has(name) === true && names.get(name) === key
}

/** Records a user subclass as the class instances are made from. */
function adoptClass(cls: ModelClassLike): void {
  const meta = cls.meta
  if (!meta.cls || (meta.cls !== cls && Object.prototype.isPrototypeOf.call(meta.cls, cls))) meta.cls = cls
}

/** Builds an instance from database values (already converted to JS types) without defaults. */
export function hydrate(meta: ModelMeta, values: Record<string, unknown>, db: string | undefined): ModelBase {
  return Object.assign(instantiate(meta, db), values)
}

/**
 * An instance of a model loaded from database `db`, without attributes, defaults or checks: the
 * query layer's row hydrators write the converted column values into it one by one.
 */
export function instantiate(meta: ModelMeta, db: string | undefined): ModelBase {
  const obj = Object.create(meta.cls.prototype) as ModelBase
  new StateSlot(obj, newState(false, db))
  return obj
}

function defineRelationAccessors(cls: typeof ModelBase, meta: ModelMeta): void {
  for (const field of meta.fields) {
    if (field instanceof ManyToManyField) {
      const m2m = field
      Object.defineProperty(cls.prototype, field.name, {
        configurable: true,
        enumerable: false,
        get(this: ModelBase) {
          return forwardManager(this, m2m)
        },
        set() {
          throw new TypeMismatchError(`Direct assignment to the forward side of a many-to-many set is prohibited. Use ${m2m.name}.set() instead.`, { model: meta.name, field: m2m.name })
        },
      })
      continue
    }
    if (!(field instanceof ForeignKey)) continue
    const { name, attname } = field
    Object.defineProperty(cls.prototype, name, {
      configurable: true,
      enumerable: false,
      get(this: ModelBase & Record<string, unknown>) {
        const key = this[attname]
        const cache = this[STATE].cache
        if (cache?.has(name)) {
          const v = cache.get(name) as ModelBase | null
          if (v === null ? key === null || key === undefined : v.pk === key) return v
          // Loaded, and the row was not there (Django: None, or RelatedObjectDoesNotExist for a non-null key).
          if (v === null && isAbsentRelation(this, name, key)) {
            if (field.nullable) return null
            throw new field.target.DoesNotExist(`${meta.name} has no ${name}.`, { model: field.target.name, field: name })
          }
        }
        if (key === null || key === undefined) return null
        throw new RelationNotLoaded(
          `${meta.name}.${name} is not loaded. Use selectRelated('${name}') in the query, or await instance.load('${name}') first.`,
          { model: meta.name, field: name },
        )
      },
      set(this: ModelBase & Record<string, unknown>, value: unknown) {
        absent.get(this)?.delete(name)
        if (value === null || value === undefined) {
          this[attname] = null
          cacheRelation(this, name, null)
          return
        }
        if (!(value instanceof ModelBase))
          throw new TypeMismatchError(`${meta.name}.${name} must be a model instance or null, got ${describe(value)}`, { model: meta.name, field: name })
        meta.resolve()
        const vm = (value.constructor as typeof ModelBase).meta
        if (vm !== field.target) throw new TypeMismatchError(`${meta.name}.${name} must be a ${field.target.name} instance, got a ${vm.name}`, { model: meta.name, field: name })
        this[attname] = value.pk ?? null
        cacheRelation(this, name, value)
      },
    })
  }
}

/**
 * Defines a model: `class Post extends model('Post', { title: f.char({ maxLength: 100 }) }) {}`.
 * Add `declare module '@strata/core' { interface Models { Post: Post } }` so relations by name resolve.
 */
export function model<const N extends string, F extends FieldsShape>(name: N, fields: F, options: ModelOptions = {}): ModelClass<N, ResolveSelf<N, F>> {
  const meta = new ModelMeta(name, fields as unknown as Record<string, Field>, options)
  const parent = options.extends as unknown as typeof ModelBase | undefined
  const Base = parent && parent.prototype instanceof ModelBase ? parent : ModelBase
  const cls = { [name]: class extends Base {} }[name]! as typeof ModelBase
  Object.defineProperty(cls, 'meta', { value: meta, writable: false, enumerable: false })
  meta.cls = cls as unknown as ModelClassLike
  defineRelationAccessors(cls, meta)
  return cls as unknown as ModelClass<N, ResolveSelf<N, F>>
}

/** Makes a model class for metadata that was not defined with `model()` (join tables). */
export function classFor(meta: ModelMeta): ModelClassLike {
  if (meta.cls) return meta.cls
  const cls = { [meta.name]: class extends ModelBase {} }[meta.name]! as typeof ModelBase
  Object.defineProperty(cls, 'meta', { value: meta, writable: false, enumerable: false })
  meta.cls = cls as unknown as ModelClassLike
  defineRelationAccessors(cls, meta)
  return meta.cls
}

export { getEngine }
