import { getEngine } from './engine.js'
import { FieldError, RelationNotLoaded, TypeMismatchError } from './errors.js'
import { describe } from './fields/field.js'
import { type ForeignKey, ManyToManyField } from './fields/relation.js'
import type { Lookups } from './lookup-types.js'
import { type ModelMeta, onResolved, type ReverseRelation } from './meta.js'
import { cacheRelation, ModelBase, STATE } from './model.js'
import { chunks } from './persistence.js'
import { clearPrefetchedRows, prefetchedRows } from './prefetch-cache.js'
import type { QuerySet } from './queryset.js'
import {
  baseQuerySet,
  boundPk,
  evaluate,
  isOptions,
  metaOf,
  pkKey,
  proxyQuerySetMethods,
  type RelatedProxied,
  repr,
  type Row,
  withPrefetched,
} from './related-base.js'
import { ManyRelatedManager } from './related-m2m.js'
import type { CreateInput, FieldsOf, UpdateInput } from './types.js'

// Related managers (Django's related_descriptors.py): `post.commentSet` (reverse foreign key),
// `post.tags` / `tag.posts` (many-to-many, in related-m2m.ts) and the reverse one-to-one
// attribute `place.restaurant`. A manager is made on each access, bound to its instance, and
// is QuerySet-like and lazy: `filter()` returns a QuerySet narrowed to the relation.

export { prefetchedRows }

/** Options of a reverse foreign-key manager's `add()`, `remove()`, `clear()` and `set()`. */
export interface BulkOption {
  /** true (default): one UPDATE, objects must be saved, no signals; false: `save()` each object. */
  bulk?: boolean
}

/** The QuerySet methods of a reverse foreign-key manager (`post.commentSet.filter(...)`). */
// biome-ignore lint/correctness/noUnusedVariables: K is used by the class this interface merges with
export interface RelatedManager<M, K extends string = never> extends Pick<QuerySet<M>, RelatedProxied> {}

/**
 * The manager on the reverse side of a foreign key: `post.commentSet` (or its `relatedName`).
 * Its QuerySets are narrowed to the instance's rows; `create()` sets the key; `add()` moves saved
 * objects to the instance. `remove()` and `clear()` exist only when the key is nullable
 * (`NullableRelatedManager`), as in Django. `K` is the foreign key's name (omitted from `create`).
 */
export class RelatedManager<M, K extends string = never> {
  /** The instance the manager is bound to (`post` in `post.commentSet`). */
  readonly instance: ModelBase
  /** The foreign key, declared on the related model, that points at the instance. */
  readonly field: ForeignKey<unknown, boolean, boolean>
  /** The related model (`Comment`). */
  readonly meta: ModelMeta
  /** The accessor's name (`commentSet`), also the prefetch cache key. */
  readonly accessor: string

  constructor(instance: ModelBase, rel: ReverseRelation) {
    this.instance = instance
    this.field = rel.field as ForeignKey<unknown, boolean, boolean>
    this.meta = rel.model
    this.accessor = rel.accessor ?? rel.queryName
    boundPk(instance, 'this relationship')
  }

  get #using(): string | undefined {
    return this.instance[STATE].db
  }

  get #pk(): unknown {
    return boundPk(this.instance, 'this relationship')
  }

  /** The related rows as a QuerySet (from the prefetch cache when `prefetchRelated` filled it). */
  getQueryset(): QuerySet<M> {
    const qs = baseQuerySet<M>(this.meta, this.#using).filter({ [this.field.attname]: this.#pk } as never)
    return withPrefetched(this.instance, this.accessor, qs)
  }

  /** Every related row (a QuerySet; Django's `manager.all()`). */
  all(): QuerySet<M> {
    return this.getQueryset()
  }

  /** Creates a related object with its foreign key set to the instance. */
  async create(data: Omit<CreateInput<FieldsOf<M>>, K | `${K}Id`>): Promise<M> {
    boundPk(this.instance, 'this relationship')
    clearPrefetchedRows(this.instance, this.accessor)
    return baseQuerySet<M>(this.meta, this.#using).create({ ...(data as object), [this.field.name]: this.instance } as never)
  }

  /** `getOrCreate` among the related rows; a created object gets the foreign key. */
  async getOrCreate<const L extends object>(lookup: Lookups<M, L, {}>, options: { defaults?: UpdateInput<FieldsOf<M>> } = {}): Promise<[M, boolean]> {
    boundPk(this.instance, 'this relationship')
    clearPrefetchedRows(this.instance, this.accessor)
    return baseQuerySet<M>(this.meta, this.#using).getOrCreate({ ...(lookup as object), [this.field.name]: this.instance } as never, options)
  }

  /** `updateOrCreate` among the related rows; a created object gets the foreign key. */
  async updateOrCreate<const L extends object>(
    lookup: Lookups<M, L, {}>,
    options: { defaults?: UpdateInput<FieldsOf<M>>; createDefaults?: UpdateInput<FieldsOf<M>> } = {},
  ): Promise<[M, boolean]> {
    boundPk(this.instance, 'this relationship')
    clearPrefetchedRows(this.instance, this.accessor)
    return baseQuerySet<M>(this.meta, this.#using).updateOrCreate({ ...(lookup as object), [this.field.name]: this.instance } as never, options)
  }

  /**
   * Points each object's foreign key at the instance. By default in one UPDATE (the objects must
   * be saved); with a trailing `{ bulk: false }` each object is saved (sending `preSave`/`postSave`).
   */
  async add(...args: readonly M[] | readonly [...M[], BulkOption]): Promise<void> {
    const { objs, bulk } = splitBulk(args)
    const pk = this.#pk
    clearPrefetchedRows(this.instance, this.accessor)
    const alias = this.#using ?? 'default'
    for (const obj of objs) this.#check(obj)
    if (bulk) {
      for (const obj of objs) {
        const st = (obj as ModelBase)[STATE]
        if (st.adding || (st.db ?? 'default') !== alias)
          throw new TypeMismatchError(`${repr(obj)} instance isn't saved. Use bulk: false or save the object first.`, { model: this.meta.name, field: this.field.name })
      }
      for (const obj of objs) (obj as Row)[this.field.name] = this.instance
      const pks = objs.map((o) => (o as ModelBase).pk)
      for (const part of chunks(pks)) await baseQuerySet(this.meta, this.#using).filter({ pk__in: part } as never).update({ [this.field.attname]: pk })
      return
    }
    await getEngine(alias).atomic(async () => {
      for (const obj of objs) {
        ;(obj as Row)[this.field.name] = this.instance
        await (obj as ModelBase).save({ using: alias })
      }
    })
  }

  /**
   * Makes the related set exactly `objs` (a list or a QuerySet, evaluated first). With a nullable
   * key, rows no longer in the set get null (or everything is cleared first with `clear: true`);
   * with a non-null key rows cannot leave the set, so this only adds, as in Django.
   */
  async set(objs: Iterable<M> | PromiseLike<readonly M[]>, options: BulkOption & { clear?: boolean } = {}): Promise<void> {
    const list = await evaluate(objs)
    const alias = this.#using ?? 'default'
    const bulk = options.bulk !== false
    const nullable = this as unknown as Partial<NullableRelatedManager<M, K>>
    if (!this.field.nullable || !nullable.remove || !nullable.clear) return this.add(...list, { bulk })
    const remove = nullable.remove.bind(this)
    const clear = nullable.clear.bind(this)
    await getEngine(alias).atomic(async () => {
      if (options.clear) {
        await clear({ bulk })
        await this.add(...list, { bulk })
        return
      }
      const old = (await baseQuerySet<M>(this.meta, this.#using).filter({ [this.field.attname]: this.#pk } as never)) as ModelBase[]
      const keep = new Set(list.map((o) => pkKey((o as ModelBase).pk)))
      const have = new Set(old.map((o) => pkKey(o.pk)))
      const gone = old.filter((o) => !keep.has(pkKey(o.pk)))
      const fresh = list.filter((o) => !have.has(pkKey((o as ModelBase).pk)))
      await remove(...(gone as M[]), { bulk })
      await this.add(...fresh, { bulk })
    })
  }

  #check(obj: unknown): void {
    if (!(obj instanceof ModelBase) || metaOf(obj) !== this.meta)
      throw new TypeMismatchError(`'${this.meta.name}' instance expected, got ${repr(obj)}`, { model: this.meta.name, field: this.field.name })
  }

  /** Internal (for `NullableRelatedManager`): checks objects are of the model and related to the instance. */
  protected checkRelated(objs: readonly unknown[]): unknown[] {
    const pk = this.#pk
    return objs.map((obj) => {
      this.#check(obj)
      const o = obj as Row
      if (pkKey(o[this.field.attname]) !== pkKey(pk)) throw new this.meta.DoesNotExist(`${repr(obj)} is not related to ${repr(this.instance)}.`, { model: this.meta.name })
      return o.pk
    })
  }

  /** Internal (for `NullableRelatedManager`): sets the key of `qs`'s rows (or of `objs`, saved one by one) to null. */
  protected async nullify(objs: readonly Row[] | null, pks: readonly unknown[] | null, bulk: boolean): Promise<void> {
    clearPrefetchedRows(this.instance, this.accessor)
    const alias = this.#using ?? 'default'
    const qs = baseQuerySet<M>(this.meta, this.#using)
    if (bulk) {
      if (pks === null) await qs.filter({ [this.field.attname]: this.#pk } as never).update({ [this.field.attname]: null })
      else for (const part of chunks(pks)) await qs.filter({ pk__in: part } as never).update({ [this.field.attname]: null })
      for (const o of objs ?? []) o[this.field.name] = null
      return
    }
    await getEngine(alias).atomic(async () => {
      const rows = objs ?? ((await qs.filter({ [this.field.attname]: this.#pk } as never)) as unknown as Row[])
      for (const o of rows) {
        o[this.field.name] = null
        await o.save({ updateFields: [this.field.name], using: alias })
      }
    })
  }
}

proxyQuerySetMethods(RelatedManager.prototype)

/** A reverse foreign-key manager whose key is nullable: it also has `remove()` and `clear()`. */
export class NullableRelatedManager<M, K extends string = never> extends RelatedManager<M, K> {
  /**
   * Sets the key of these related objects to null (one UPDATE, or `{ bulk: false }` to save each);
   * an object not related to the instance is a `DoesNotExist` error.
   */
  async remove(...args: readonly M[] | readonly [...M[], BulkOption]): Promise<void> {
    const { objs, bulk } = splitBulk(args)
    if (objs.length === 0) return
    const pks = this.checkRelated(objs)
    await this.nullify(objs as unknown as Row[], pks, bulk)
  }

  /** Sets the key of every related object to null (one UPDATE, or `{ bulk: false }` to save each). */
  async clear(options: BulkOption = {}): Promise<void> {
    await this.nullify(null, null, options.bulk !== false)
  }
}

/** Internal: splits trailing `{ bulk }` options from a list of objects. */
function splitBulk<M>(args: readonly unknown[]): { objs: M[]; bulk: boolean } {
  const last = args[args.length - 1]
  if (isOptions(last)) {
    const bulk = (last as BulkOption).bulk
    if (bulk !== undefined && typeof bulk !== 'boolean') throw new TypeMismatchError(`bulk must be a boolean, got ${describe(bulk)}`)
    return { objs: args.slice(0, -1) as M[], bulk: bulk !== false }
  }
  return { objs: [...args] as M[], bulk: true }
}

// ---- reverse one-to-one -------------------------------------------------------------------

/** Internal: the reverse one-to-one relation reached by `name` on `meta` (`place.restaurant`), if any. */
export function reverseOneToOne(meta: ModelMeta, name: string): ReverseRelation | undefined {
  const rel = meta.reverseAccessor(name)
  return rel && !rel.multiple ? rel : undefined
}

function defineReverseOneToOne(proto: object, meta: ModelMeta, rel: ReverseRelation): void {
  const name = rel.accessor!
  const field = rel.field as ForeignKey<unknown, boolean, boolean>
  Object.defineProperty(proto, name, {
    configurable: true,
    enumerable: false,
    get(this: ModelBase) {
      const cache = this[STATE].cache
      const missing = () => new rel.model.DoesNotExist(`${meta.name} has no ${name}.`, { model: rel.model.name })
      if (cache?.has(name)) {
        const v = cache.get(name)
        if (v === null || v === undefined) throw missing()
        return v
      }
      if (this.pk === null || this.pk === undefined) throw missing()
      throw new RelationNotLoaded(
        `${meta.name}.${name} is not loaded. Use selectRelated('${rel.queryName}') in the query, or await instance.load('${name}') first.`,
        { model: meta.name, field: name },
      )
    },
    set(this: ModelBase, value: unknown) {
      const cache = this[STATE].cache
      if (value === null || value === undefined) {
        const old = cache?.get(name) as Row | null | undefined
        if (old) old[field.name] = null
        cacheRelation(this, name, null)
        return
      }
      if (!(value instanceof ModelBase) || metaOf(value) !== rel.model)
        throw new TypeMismatchError(`Cannot assign ${repr(value)}: ${meta.name}.${name} must be a ${rel.model.name} instance.`, { model: meta.name, field: name })
      ;(value as Row)[field.name] = this
      cacheRelation(this, name, value)
    },
  })
}

// ---- accessors ------------------------------------------------------------------------------

let reserved: Set<string> | undefined
const INSTALLED = new WeakMap<object, Set<string>>()

/** The class `model()` made for `meta` (user subclasses inherit the accessors from it). */
function rootClass(meta: ModelMeta): { prototype: object } | undefined {
  let c: unknown = meta.cls
  while (typeof c === 'function') {
    if (Object.hasOwn(c, 'meta') && (c as unknown as { meta: unknown }).meta === meta) return c as { prototype: object }
    c = Object.getPrototypeOf(c)
  }
  return undefined
}

function forbidAssign(name: string, what: string): (value: unknown) => void {
  return () => {
    throw new TypeMismatchError(`Direct assignment to the ${what} is prohibited. Use ${name}.set() instead.`)
  }
}

/** Installs the reverse accessors of every model once the graph is resolved (refusing names taken by instance methods). */
function installAccessors(models: readonly ModelMeta[]): void {
  for (const meta of models) {
    if (meta.autoCreated) continue
    const root = rootClass(meta)
    if (!root) continue
    const proto = root.prototype
    for (const old of INSTALLED.get(proto) ?? []) delete (proto as Record<string, unknown>)[old]
    const names = new Set<string>()
    for (const rel of meta.reverseRelations()) {
      const name = rel.accessor
      if (name === null) continue
      reserved ??= new Set(Object.getOwnPropertyNames(ModelBase.prototype))
      if (reserved.has(name))
        throw new FieldError(`Reverse accessor ${JSON.stringify(name)} for ${rel.model.name}.${rel.field.name} clashes with the instance method ${meta.name}.${name}(). Set relatedName.`, {
          model: rel.model.name,
          field: rel.field.name,
        })
      names.add(name)
      if (rel.field instanceof ManyToManyField) {
        const field = rel.field
        Object.defineProperty(proto, name, {
          configurable: true,
          enumerable: false,
          get(this: ModelBase) {
            return new ManyRelatedManager(this, field, true, name)
          },
          set: forbidAssign(name, 'reverse side of a many-to-many set'),
        })
      } else if (!rel.multiple) defineReverseOneToOne(proto, meta, rel)
      else {
        const Cls = (rel.field as ForeignKey<unknown, boolean, boolean>).nullable ? NullableRelatedManager : RelatedManager
        Object.defineProperty(proto, name, {
          configurable: true,
          enumerable: false,
          get(this: ModelBase) {
            return new Cls(this, rel)
          },
          set: forbidAssign(name, 'reverse side of a related set'),
        })
      }
    }
    INSTALLED.set(proto, names)
  }
}

onResolved(installAccessors)

/** Internal: the manager for a forward many-to-many field (`post.tags`), made on each access. */
export function forwardManager(instance: ModelBase, field: ManyToManyField<unknown>): ManyRelatedManager<unknown> {
  metaOf(instance).resolve()
  return new ManyRelatedManager(instance, field, false, field.name)
}

/** Internal: what `instance.related(name)` returns: a reverse or many-to-many manager, or a reverse one-to-one object. */
export function relatedByName(instance: ModelBase, name: string): unknown {
  const meta = metaOf(instance)
  const field = meta.field(name)
  if (field instanceof ManyToManyField && field.name === name) return (instance as Row)[name]
  if (meta.reverseAccessor(name)) return (instance as Row)[name]
  const choices = [
    ...meta.fields.filter((f) => f instanceof ManyToManyField).map((f) => f.name),
    ...meta.reverseRelations().flatMap((r) => (r.accessor ? [r.accessor] : [])),
  ].sort()
  throw new FieldError(`${meta.name} has no related manager or reverse relation ${JSON.stringify(name)}. Choices are: ${choices.join(', ') || '(none)'}`, { model: meta.name, field: name })
}
