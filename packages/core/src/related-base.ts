import { TypeMismatchError } from './errors.js'
import { describe } from './fields/field.js'
import type { ModelMeta } from './meta.js'
import { classFor, ModelBase } from './model.js'
import { prefetchedRows } from './prefetch-cache.js'
import { QuerySet } from './queryset.js'
import { initialState, type QueryState } from './state.js'

// Helpers shared by the reverse foreign-key managers (related.ts) and the many-to-many managers
// (related-m2m.ts). Nothing here runs while modules load, so the import cycle through model.ts is safe.

/** Internal: the instance as a record of its attributes. */
export type Row = ModelBase & Record<string, unknown>

/** Internal: `<Post: First Post>`, as messages show instances. */
export function repr(obj: unknown): string {
  if (!(obj instanceof ModelBase)) return describe(obj)
  return `<${metaOf(obj).name}: ${String(obj)}>`
}

/** Internal: the metadata of an instance. */
export function metaOf(obj: ModelBase): ModelMeta {
  return (obj.constructor as unknown as { meta: ModelMeta }).meta
}

/** Internal: the primary key of the instance a manager is bound to, or Django's error for an unsaved one. */
export function boundPk(instance: ModelBase, what: string): unknown {
  const pk = instance.pk
  if (pk === null || pk === undefined) {
    const meta = metaOf(instance)
    throw new TypeMismatchError(`${repr(instance)} needs to have a value for field "${meta.pk.name}" before ${what} can be used.`, { model: meta.name })
  }
  return pk
}

/** Internal: a base QuerySet over `meta` on the instance's database. */
export function baseQuerySet<M>(meta: ModelMeta, using: string | undefined): QuerySet<M> {
  meta.resolve()
  classFor(meta)
  return new QuerySet<M>({ ...initialState(meta), using })
}

type PrefetchedClass = new <M>(state: QueryState, rows: readonly M[]) => QuerySet<M>
let Prefetched: PrefetchedClass | undefined

/**
 * A QuerySet answered from rows that `prefetchRelated` loaded: awaiting it, iterating it,
 * `count()` and `exists()` use them; any chained call (`filter`, `orderBy`...) builds a new
 * QuerySet that queries, as Django's prefetched managers do. Made on first use, so that this
 * module does not need QuerySet while the module graph is still loading.
 */
function prefetchedClass(): PrefetchedClass {
  Prefetched ??= class PrefetchedQuerySet<M> extends QuerySet<M> {
    readonly #rows: readonly M[]

    constructor(state: QueryState, rows: readonly M[]) {
      super(state)
      this.#rows = rows
    }

    override then<T1 = M[], T2 = never>(onfulfilled?: ((value: M[]) => T1 | PromiseLike<T1>) | null, onrejected?: ((reason: unknown) => T2 | PromiseLike<T2>) | null): Promise<T1 | T2> {
      return Promise.resolve([...this.#rows]).then(onfulfilled, onrejected)
    }

    override async *[Symbol.asyncIterator](): AsyncIterator<M> {
      yield* this.#rows
    }

    override async count(): Promise<number> {
      return this.#rows.length
    }

    override async exists(): Promise<boolean> {
      return this.#rows.length > 0
    }
  }
  return Prefetched
}

/** Internal: the relation's QuerySet, answered from the prefetch cache when `prefetchRelated` filled it. */
export function withPrefetched<M>(instance: ModelBase, name: string, qs: QuerySet<M>): QuerySet<M> {
  const rows = prefetchedRows(instance, name)
  if (!rows) return qs
  const Cls = prefetchedClass()
  return new Cls<M>(qs.state, rows as readonly M[])
}

/** The QuerySet methods a related manager offers, each starting from its `getQueryset()`. */
export const RELATED_PROXIED = [
  'filter', 'exclude', 'orderBy', 'reverse', 'slice', 'distinct', 'none', 'using', 'annotate', 'alias',
  'values', 'valuesList', 'iterator', 'get', 'first', 'last', 'count', 'exists', 'aggregate', 'update',
  'latest', 'earliest', 'contains', 'inBulk', 'sql', 'dates', 'datetimes', 'explain',
] as const

/** Internal: the proxied method names as a type. */
export type RelatedProxied = (typeof RELATED_PROXIED)[number]

/** Internal: defines the proxied QuerySet methods on a manager class's prototype. */
export function proxyQuerySetMethods(proto: object): void {
  for (const name of RELATED_PROXIED) {
    Object.defineProperty(proto, name, {
      value: function (this: { getQueryset(): unknown }, ...args: unknown[]) {
        const qs = this.getQueryset() as Record<string, (...a: unknown[]) => unknown>
        return qs[name]!(...args)
      },
      writable: true,
      configurable: true,
    })
  }
}

/** Internal: whether a trailing argument is an options object rather than an instance or a key. */
export function isOptions(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !(value instanceof ModelBase) && !Array.isArray(value) && !('isQuerySet' in value)
}

/** Internal: a list, a Set or a QuerySet (evaluated) as an array. */
export async function evaluate<T>(objs: Iterable<T> | PromiseLike<readonly T[]>): Promise<T[]> {
  if (objs === null || typeof objs !== 'object') throw new TypeMismatchError(`set() takes a list of objects or a QuerySet, got ${describe(objs)}`)
  if (typeof (objs as PromiseLike<unknown>).then === 'function') return [...(await (objs as PromiseLike<readonly T[]>))]
  if (typeof (objs as Iterable<T>)[Symbol.iterator] !== 'function') throw new TypeMismatchError(`set() takes a list of objects or a QuerySet, got ${describe(objs)}`)
  return [...(objs as Iterable<T>)]
}

/** Internal: a comparable key for a primary-key value (a number and a bigint of the same value are equal). */
export function pkKey(v: unknown): string {
  return typeof v === 'bigint' || typeof v === 'number' ? `n${v}` : `${typeof v}:${String(v)}`
}

