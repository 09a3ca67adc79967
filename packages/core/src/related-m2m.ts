import { getEngine } from './engine.js'
import { TypeMismatchError } from './errors.js'
import { Q } from './expressions.js'
import { describe } from './fields/field.js'
import type { ForeignKey, ManyToManyField } from './fields/relation.js'
import type { Lookups } from './lookup-types.js'
import type { ModelMeta } from './meta.js'
import { classFor, ModelBase, STATE } from './model.js'
import { chunks } from './persistence.js'
import { clearPrefetchedRows } from './prefetch-cache.js'
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
  withPrefetched,
} from './related-base.js'
import { m2mChanged, type M2MAction } from './signals.js'
import type { CreateInput, FieldsOf, PkOf, UpdateInput } from './types.js'

/** Options of many-to-many `add()`, `set()`, `create()`, `getOrCreate()` and `updateOrCreate()`. */
export interface ThroughDefaultsOption {
  /**
   * Values for the extra fields of a `through` model's new rows (a value or a function called
   * once per call). Fields left out get their defaults.
   */
  throughDefaults?: Record<string, unknown>
}

/** Objects (or primary keys) for `add()`/`remove()`, optionally followed by options. */
export type ManyItems<M, O> = readonly (M | PkOf<M>)[] | readonly [...(M | PkOf<M>)[], O]

type Fk = ForeignKey<unknown, boolean, boolean>

/** The QuerySet methods of a many-to-many manager (`post.tags.filter(...)`). */
export interface ManyRelatedManager<M> extends Pick<QuerySet<M>, RelatedProxied> {}

/**
 * The manager of a many-to-many relation, from either side: `post.tags` (forward) and
 * `tag.posts` (reverse, by `relatedName` or `<model>Set`). Its QuerySets hold the related rows;
 * `add`, `remove`, `set` and `clear` change the join table's rows, accept instances or primary
 * keys, and send `m2mChanged`. A self relation that is symmetrical writes both directions.
 */
export class ManyRelatedManager<M> {
  /** The instance the manager is bound to. */
  readonly instance: ModelBase
  /** The many-to-many field (declared on the forward side). */
  readonly field: ManyToManyField<unknown>
  /** True on the side that does not declare the field (`tag.posts`); `reverse()` is the QuerySet method. */
  readonly reverseSide: boolean
  /** The model of the related objects. */
  readonly meta: ModelMeta
  /** The accessor's name (`tags`, `posts`), also the prefetch cache key. */
  readonly accessor: string
  readonly #source: Fk
  readonly #target: Fk
  readonly #symmetrical: boolean

  constructor(instance: ModelBase, field: ManyToManyField<unknown>, reverse: boolean, accessor: string) {
    this.instance = instance
    this.field = field
    this.reverseSide = reverse
    this.accessor = accessor
    this.meta = reverse ? field.sourceField.target : field.target
    this.#source = reverse ? field.targetField : field.sourceField
    this.#target = reverse ? field.sourceField : field.targetField
    this.#symmetrical = !reverse && field.symmetrical
    boundPk(instance, 'this many-to-many relationship')
  }

  get #pk(): unknown {
    return boundPk(this.instance, 'this many-to-many relationship')
  }

  #requireSaved(): void {
    boundPk(this.instance, 'this many-to-many relationship')
  }

  get #using(): string | undefined {
    return this.instance[STATE].db
  }

  #through<T = unknown>(): QuerySet<T> {
    return baseQuerySet<T>(this.field.through, this.#using)
  }

  /** The related rows as a QuerySet (from the prefetch cache when `prefetchRelated` filled it). */
  getQueryset(): QuerySet<M> {
    const ids = this.#through().filter({ [this.#source.attname]: this.#pk } as never).values(this.#target.name as never)
    const qs = baseQuerySet<M>(this.meta, this.#using).filter({ pk__in: ids } as never)
    return withPrefetched(this.instance, this.accessor, qs)
  }

  /** Every related row (a QuerySet; Django's `manager.all()`). */
  all(): QuerySet<M> {
    return this.getQueryset()
  }

  /**
   * Relates the objects (instances or primary keys) to the instance; pairs that exist already are
   * left alone. A trailing `{ throughDefaults }` fills extra fields of a `through` model.
   * @example await post.tags.add(ts, web.id)
   */
  async add(...args: ManyItems<M, ThroughDefaultsOption>): Promise<void> {
    const { items, options } = split<ThroughDefaultsOption>(args, ['throughDefaults'])
    this.#requireSaved()
    clearPrefetchedRows(this.instance, this.accessor)
    const defaults = resolveDefaults(options.throughDefaults)
    await this.#atomic(async () => {
      await this.#addItems(this.#source, this.#target, items, defaults)
      if (this.#symmetrical) await this.#addItems(this.#target, this.#source, items, defaults)
    })
  }

  /** Unrelates the objects (instances or primary keys); objects that were not related are ignored. */
  async remove(...items: readonly (M | PkOf<M>)[]): Promise<void> {
    this.#requireSaved()
    clearPrefetchedRows(this.instance, this.accessor)
    if (items.length === 0) return
    const ids = this.#targetIds(items, 'remove')
    await this.#atomic(async () => {
      await this.#send('preRemove', ids)
      for (const part of chunks([...ids.values()])) await this.#deleteRows(part)
      await this.#send('postRemove', ids)
    })
  }

  /** Unrelates every object. */
  async clear(): Promise<void> {
    this.#requireSaved()
    await this.#atomic(async () => {
      await this.#send('preClear', null)
      clearPrefetchedRows(this.instance, this.accessor)
      await this.#deleteRows(null)
      await this.#send('postClear', null)
    })
  }

  /**
   * Makes the related set exactly `objs` (a list or a QuerySet, evaluated first): removes what is
   * no longer there and adds what is new (or clears everything first with `clear: true`).
   */
  async set(objs: Iterable<M | PkOf<M>> | PromiseLike<readonly M[]>, options: ThroughDefaultsOption & { clear?: boolean } = {}): Promise<void> {
    const list = await evaluate<M | PkOf<M>>(objs)
    const extra = { throughDefaults: options.throughDefaults }
    await this.#atomic(async () => {
      if (options.clear) {
        await this.clear()
        if (list.length) await this.add(...list, extra)
        return
      }
      const have = new Map<string, unknown>()
      const current = (await this.#through().filter({ [this.#source.attname]: this.#pk } as never).valuesList(this.#target.attname as never, { flat: true } as never)) as unknown[]
      for (const v of current) have.set(pkKey(v), v)
      const fresh: (M | PkOf<M>)[] = []
      for (const obj of list) {
        const key = pkKey(this.#idOf(obj, 'set'))
        if (have.has(key)) have.delete(key)
        else fresh.push(obj)
      }
      if (have.size) await this.remove(...([...have.values()] as PkOf<M>[]))
      if (fresh.length) await this.add(...fresh, extra)
    })
  }

  /** Creates an object and relates it to the instance (`throughDefaults` fill a `through` model's row). */
  async create(data: CreateInput<FieldsOf<M>>, options: ThroughDefaultsOption = {}): Promise<M> {
    this.#requireSaved()
    return this.#atomic(async () => {
      const obj = await baseQuerySet<M>(this.meta, this.#using).create(data)
      await this.add(obj, options)
      return obj
    })
  }

  /** `getOrCreate` among the related rows; a created object is related to the instance. */
  async getOrCreate<const L extends object>(lookup: Lookups<M, L, {}>, options: { defaults?: UpdateInput<FieldsOf<M>> } & ThroughDefaultsOption = {}): Promise<[M, boolean]> {
    const qs = this.getQueryset()
    return this.#atomic(async () => {
      const [obj, created] = await qs.getOrCreate(lookup as never, { defaults: options.defaults })
      if (created) await this.add(obj, { throughDefaults: options.throughDefaults })
      return [obj, created] as [M, boolean]
    })
  }

  /** `updateOrCreate` among the related rows; a created object is related to the instance. */
  async updateOrCreate<const L extends object>(
    lookup: Lookups<M, L, {}>,
    options: { defaults?: UpdateInput<FieldsOf<M>>; createDefaults?: UpdateInput<FieldsOf<M>> } & ThroughDefaultsOption = {},
  ): Promise<[M, boolean]> {
    const qs = this.getQueryset()
    return this.#atomic(async () => {
      const [obj, created] = await qs.updateOrCreate(lookup as never, { defaults: options.defaults, createDefaults: options.createDefaults })
      if (created) await this.add(obj, { throughDefaults: options.throughDefaults })
      return [obj, created] as [M, boolean]
    })
  }

  #atomic<T>(fn: () => Promise<T>): Promise<T> {
    return getEngine(this.#using ?? 'default').atomic(fn)
  }

  /** The target primary keys of `items`, by comparable key. */
  #targetIds(items: readonly unknown[], what: string): Map<string, unknown> {
    const ids = new Map<string, unknown>()
    for (const obj of items) {
      const id = this.#idOf(obj, what)
      ids.set(pkKey(id), id)
    }
    return ids
  }

  /** The primary key of an instance or a key, refusing other models' instances, unsaved ones and non-keys. */
  #idOf(obj: unknown, what: string): unknown {
    if (obj instanceof ModelBase) {
      if (metaOf(obj) !== this.meta)
        throw new TypeMismatchError(`'${this.meta.name}' instance expected, got ${repr(obj)}`, { model: this.meta.name, field: this.field.name })
      const id = obj.pk
      if (id === null || id === undefined)
        throw new TypeMismatchError(`Cannot ${what} ${repr(obj)}: it has no primary key (save it first).`, { model: this.meta.name, field: this.field.name })
      return id
    }
    if (obj === null || obj === undefined || typeof obj === 'object' || typeof obj === 'function')
      throw new TypeMismatchError(`${what}() takes ${this.meta.name} instances or primary keys, got ${describe(obj)}`, { model: this.meta.name, field: this.field.name })
    return this.meta.pk.clean(obj)
  }

  async #addItems(source: Fk, target: Fk, items: readonly unknown[], defaults: Record<string, unknown>): Promise<void> {
    if (items.length === 0) return
    const ids = this.#targetIds(items, 'add')
    const pk = this.#pk
    // The mirror rows of a symmetrical relation are written without their own signal, as in Django.
    const signals = source === this.#source
    const missing = new Map(ids)
    for (const part of chunks([...ids.values()])) {
      const existing = (await this.#through()
        .filter({ [source.attname]: pk, [`${target.attname}__in`]: part } as never)
        .valuesList(target.attname as never, { flat: true } as never)) as unknown[]
      for (const v of existing) missing.delete(pkKey(v))
    }
    if (signals) await this.#send('preAdd', missing)
    if (missing.size) {
      const rows = [...missing.values()].map((id) => ({ ...defaults, [source.attname]: pk, [target.attname]: id }))
      await this.#through().bulkCreate(rows as never)
    }
    if (signals) await this.#send('postAdd', missing)
  }

  /** Deletes join rows of the instance (those to `ids` only, when given), both directions when symmetrical. */
  async #deleteRows(ids: readonly unknown[] | null): Promise<void> {
    const s = this.#source.attname
    const t = this.#target.attname
    const pk = this.#pk
    let cond = Q(ids === null ? { [s]: pk } : { [s]: pk, [`${t}__in`]: ids })
    if (this.#symmetrical) cond = cond.or(ids === null ? { [t]: pk } : { [t]: pk, [`${s}__in`]: ids })
    await this.#through().filter(cond as never).delete()
  }

  async #send(action: M2MAction, ids: Map<string, unknown> | null): Promise<void> {
    if (!m2mChanged.hasReceivers(this.field.through)) return
    await m2mChanged.send({
      sender: classFor(this.field.through),
      instance: this.instance,
      action,
      reverse: this.reverseSide,
      model: this.meta.cls,
      pkSet: ids === null ? null : new Set(ids.values()),
      using: this.#using ?? 'default',
    })
  }
}

proxyQuerySetMethods(ManyRelatedManager.prototype)

function split<O>(args: readonly unknown[], keys: readonly string[]): { items: unknown[]; options: O } {
  const last = args[args.length - 1]
  if (isOptions(last)) {
    const unknown = Object.keys(last as object).filter((k) => !keys.includes(k))
    if (unknown.length) throw new TypeMismatchError(`Unknown option(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}; expected ${keys.join(', ')}`)
    return { items: args.slice(0, -1), options: last as O }
  }
  return { items: [...args], options: {} as O }
}

function resolveDefaults(defaults: Record<string, unknown> | undefined): Record<string, unknown> {
  if (defaults === undefined) return {}
  if (typeof defaults !== 'object' || defaults === null || Array.isArray(defaults))
    throw new TypeMismatchError(`throughDefaults must be an object of field values, got ${describe(defaults)}`)
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(defaults)) out[k] = typeof v === 'function' ? (v as () => unknown)() : v
  return out
}
