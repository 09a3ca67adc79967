import { getEngine } from './engine.js'
import { FieldError, TypeMismatchError } from './errors.js'
import { describe } from './fields/field.js'
import { ForeignKey, ManyToManyField } from './fields/relation.js'
import type { ModelMeta } from './meta.js'
import { cacheAbsentRelation, cacheRelation, classFor, isAbsentRelation, type ModelBase, STATE } from './model.js'
import { clearPrefetchedRows, prefetchedRows, setPrefetchedRows } from './prefetch-cache.js'
import { QuerySet } from './queryset.js'
import type { Condition, Hop, PartitionSlice, PrefetchSpec, QueryState, ResolvedExpr, ResolvedPath, WhereNode } from './state.js'

export { clearPrefetchedRows, prefetchedRows, setPrefetchedRows }

// prefetchRelated(): after the rows of a QuerySet are fetched, each lookup loads its relations with
// one query per level (`IN` lists split to stay under the database's parameter limit) and joins them
// in memory. Single-valued relations go to the instance's relation cache (what `comment.post` reads),
// multi-valued ones to the prefetch cache (what `post.commentSet.all()` reads, see prefetch-cache.ts)
// or, with `toAttr`, to a plain attribute.

/** What a QuerySet argument of `Prefetch()` must be (structurally, so any copy of the package works). */
export interface PrefetchQuerySet {
  readonly isQuerySet: true
  readonly state: QueryState
}

/** A `prefetchRelated()` lookup with a custom queryset or a target attribute; made by `Prefetch()`. */
export class PrefetchLookup implements PrefetchSpec {
  readonly kind = 'Prefetch'
  readonly path: string
  readonly queryset?: QueryState
  readonly toAttr?: string

  constructor(path: string, options: { queryset?: PrefetchQuerySet; toAttr?: string } = {}) {
    if (typeof path !== 'string' || path === '') throw new TypeMismatchError(`Prefetch() takes a relation path, got ${describe(path)}`)
    if (typeof options !== 'object' || options === null) throw new TypeMismatchError(`Prefetch() options must be { queryset?, toAttr? }, got ${describe(options)}`)
    const { queryset, toAttr } = options
    this.path = path
    if (queryset !== undefined) {
      if (typeof queryset !== 'object' || queryset === null || queryset.isQuerySet !== true)
        throw new TypeMismatchError(`Prefetch('${path}') queryset must be a QuerySet, got ${describe(queryset)}`)
      if (queryset.state.values) throw new TypeMismatchError('Prefetch querysets cannot use values() or valuesList().', { model: queryset.state.meta.name })
      this.queryset = queryset.state
    }
    if (toAttr !== undefined) {
      if (typeof toAttr !== 'string' || !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(toAttr) || toAttr.includes('__'))
        throw new TypeMismatchError(`Prefetch('${path}') toAttr must be an attribute name, got ${describe(toAttr)}`)
      this.toAttr = toAttr
    }
  }

  /** Where the last level's rows end up, as a path (`'commentSet'`, or `'recent'` with `toAttr: 'recent'`). */
  get prefetchTo(): string {
    return prefetchTo(this)
  }
}

/**
 * A `prefetchRelated()` lookup with options: `queryset` filters or orders the related rows of the
 * last level, `toAttr` stores them (an array; the object or null for a single-valued relation) on
 * that attribute instead of the relation's cache.
 * @example Post.objects.prefetchRelated(Prefetch('commentSet', { queryset: Comment.objects.orderBy('-pubDate'), toAttr: 'latest' }))
 */
export function Prefetch<const P extends string>(path: P, options?: { queryset?: PrefetchQuerySet; toAttr?: string }): PrefetchLookup {
  return new PrefetchLookup(path, options)
}

/** Whether a value is a `Prefetch()` lookup, whatever copy of the package made it. */
export function isPrefetch(value: unknown): value is PrefetchLookup {
  return value instanceof PrefetchLookup || (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Prefetch' && typeof (value as { path?: unknown }).path === 'string')
}

function prefetchTo(spec: PrefetchSpec): string {
  if (!spec.toAttr) return spec.path
  const parts = spec.path.split('__')
  parts[parts.length - 1] = spec.toAttr
  return parts.join('__')
}

/** A relation that prefetching can follow, seen from the model that holds the attribute. */
interface Relation {
  /** `forward`: FK or one-to-one declared here; `reverseOne`/`reverseMany`: FK declared on `to`; `m2m` declared here, `m2mReverse` on `to`. */
  readonly kind: 'forward' | 'reverseOne' | 'reverseMany' | 'm2m' | 'm2mReverse'
  /** The attribute name (`post`, `biography`, `commentSet`, `tags`, `posts`). */
  readonly name: string
  readonly field: ForeignKey<unknown, boolean, boolean, 'foreignKey' | 'oneToOne'> | ManyToManyField<unknown>
  readonly from: ModelMeta
  readonly to: ModelMeta
  readonly single: boolean
}

/** The relation attribute `name` of `meta`, 'plain' for a field that is not one, or undefined. */
function relationOf(meta: ModelMeta, name: string): Relation | 'plain' | undefined {
  meta.resolve()
  const field = meta.field(name)
  if (field && field.name === name) {
    if (field instanceof ForeignKey) return { kind: 'forward', name, field, from: meta, to: field.target, single: true }
    if (field instanceof ManyToManyField) return { kind: 'm2m', name, field, from: meta, to: field.target, single: false }
    return 'plain'
  }
  if (field || name === 'pk') return 'plain'
  const rev = meta.reverseAccessor(name)
  if (!rev) return undefined
  if (rev.field instanceof ManyToManyField) return { kind: 'm2mReverse', name, field: rev.field, from: meta, to: rev.model, single: false }
  const fk = rev.field as ForeignKey<unknown, boolean, boolean, 'foreignKey' | 'oneToOne'>
  return { kind: rev.multiple ? 'reverseMany' : 'reverseOne', name, field: fk, from: meta, to: rev.model, single: !rev.multiple }
}

function relationChoices(meta: ModelMeta): string {
  const names = [
    ...meta.fields.filter((f) => f instanceof ForeignKey || f instanceof ManyToManyField).map((f) => f.name),
    ...meta.reverseRelations().flatMap((r) => (r.accessor ? [r.accessor] : [])),
  ]
  return names.sort().join(', ') || '(none)'
}

/**
 * Checks `lookups` (names or `Prefetch()` objects) against the models, as `prefetchRelated()` and
 * `load()` do before any query: unknown names, non-relations, a `toAttr` clashing with the model,
 * a queryset of the wrong model, or a lookup seen before with another queryset are errors.
 */
export function addPrefetch(meta: ModelMeta, existing: readonly PrefetchSpec[], lookups: readonly unknown[], method = 'prefetchRelated'): PrefetchSpec[] {
  // The lookups of the same names on a fresh QuerySet are the same until the models resolve again (meta.memo).
  let key: string | undefined
  if (existing.length === 0 && lookups.every((l) => typeof l === 'string')) {
    meta.resolve()
    key = `${method}\u0000${lookups.join('\u0000')}`
    const known = meta.memo.get(key)
    if (known !== undefined) return known as PrefetchSpec[]
  }
  const out = [...existing]
  // Every path a lookup fills (each level, toAttr included) and the model found there.
  const reached = new Map<string, ModelMeta>()
  const walk = (spec: PrefetchSpec, check: boolean) => {
    const parts = spec.path.split('__')
    let current = meta
    let prefix = ''
    parts.forEach((part, i) => {
      const last = i === parts.length - 1
      const here = `${prefix}${part}`
      const via = reached.get(here)
      const rel = relationOf(current, part)
      let next: ModelMeta
      if (rel === undefined && via) next = via
      else if (rel === undefined || part === '')
        throw new FieldError(`Cannot find '${part}' on ${current.name} object, '${spec.path}' is an invalid parameter to ${method}(). Relations are: ${relationChoices(current)}`, { model: current.name, field: part })
      else if (rel === 'plain')
        throw new FieldError(`'${parts.slice(0, i + 1).join('__')}' does not resolve to an item that supports prefetching - this is an invalid parameter to ${method}().`, { model: current.name, field: part })
      else next = rel.to
      if (check && last && spec.toAttr) {
        const t = spec.toAttr
        if (current.field(t) || current.reverse(t) || current.reverseRelations().some((r) => r.accessor === t) || t in (classFor(current).prototype as object))
          throw new FieldError(`toAttr=${t} conflicts with a field on the ${current.name} model.`, { model: current.name, field: t })
      }
      if (check && last && spec.queryset && spec.queryset.meta !== next)
        throw new TypeMismatchError(`Prefetch('${spec.path}') queryset is a ${spec.queryset.meta.name} QuerySet; it must be a ${next.name} QuerySet`, { model: current.name })
      // A slice is taken per parent of a multi-valued relation; a single-valued one filters the queryset by key (Django's TypeError).
      if (check && last && spec.queryset && isSliced(spec.queryset) && typeof rel === 'object' && rel.single)
        throw new TypeMismatchError(`Prefetch('${spec.path}'): Cannot filter a query once a slice has been taken (only a multi-valued relation takes a slice per parent).`, { model: next.name })
      reached.set(last && spec.toAttr ? `${prefix}${spec.toAttr}` : here, next)
      current = next
      prefix = `${here}__`
    })
  }
  for (const spec of existing) walk(spec, false)
  for (const lookup of lookups) {
    if (typeof lookup !== 'string' && !isPrefetch(lookup))
      throw new TypeMismatchError(`${method}() takes relation paths or Prefetch() objects (or null to clear), got ${describe(lookup)}`, { model: meta.name })
    const spec: PrefetchSpec = typeof lookup === 'string' ? { path: lookup } : (lookup as PrefetchSpec)
    if (spec.queryset && reached.has(prefetchTo(spec)))
      throw new FieldError(`'${prefetchTo(spec)}' lookup was already seen with a different queryset. You may need to adjust the ordering of your lookups.`, { model: meta.name })
    walk(spec, true)
    out.push(spec)
  }
  if (key !== undefined) meta.memo.set(key, Object.freeze(out))
  return out
}

function metaOf(obj: object): ModelMeta {
  return (obj.constructor as unknown as { meta: ModelMeta }).meta
}

function attr(obj: object, name: string): unknown {
  return (obj as Record<string, unknown>)[name]
}

/** Whether `obj` already holds relation `rel` (from selectRelated, load() or an earlier prefetch). */
function isLoaded(obj: object, rel: Relation, toAttr: string | undefined): boolean {
  if (toAttr) return Object.hasOwn(obj, toAttr)
  const st = (obj as ModelBase)[STATE]
  if (!rel.single) return st.prefetched?.has(rel.name) === true
  if (!st.cache?.has(rel.name)) return false
  if (rel.kind !== 'forward') return true
  const cached = st.cache.get(rel.name) as { pk: unknown } | null
  const key = attr(obj, rel.field.attname)
  return cached === null ? key === null || key === undefined || isAbsentRelation(obj as ModelBase, rel.name, key) : cached.pk === key
}

/** The related objects `obj` already holds for `rel`. */
function loadedValues(obj: object, rel: Relation, toAttr: string | undefined): object[] {
  const v = toAttr ? attr(obj, toAttr) : rel.single ? (obj as ModelBase)[STATE].cache?.get(rel.name) : prefetchedRows(obj, rel.name)
  if (Array.isArray(v)) return v as object[]
  return v === null || v === undefined ? [] : [v as object]
}

const KEY = '__strataPrefetchKey'

function keyOf(value: unknown): string {
  return String(value)
}

/**
 * Whether the SELECT of `s` binds no parameter of its own: no conditions, annotations, slices or
 * expressions, an ordering by plain columns. Such a state (a related model's default queryset,
 * usually) needs no compilation to count its parameters.
 */
function bindsNothing(s: QueryState): boolean {
  if (s.where !== null || s.annotations.size > 0 || s.values !== null || s.groupBy !== null || s.combinator || s.distinctOn?.length) return false
  if (s.limit !== null || s.offset !== 0 || s.empty) return false
  if (s.order === null) return s.meta.ordering.every((name) => !name.includes('__'))
  return s.order.every((t) => t.expr === 'random' || (t.expr.type === 'col' && t.expr.path.transforms.length === 0 && !t.expr.path.keys?.length && !t.expr.path.expr && !t.expr.path.annotation))
}

/** Runs `make(batch)` for the keys in batches that keep each query under the database's parameter limit. */
async function inBatches(base: QuerySet<unknown>, keys: readonly unknown[], make: (batch: readonly unknown[]) => QuerySet<unknown>): Promise<object[]> {
  if (keys.length === 0) return []
  const engine = getEngine(base.state.using ?? 'default')
  const used = bindsNothing(base.state) ? 0 : engine.compile(base.state).parameters.length
  const size = Math.max(1, (engine.maxQueryParams ?? 999) - used)
  if (keys.length <= size) return (await make(keys)) as object[]
  const rows: object[] = []
  for (let i = 0; i < keys.length; i += size) rows.push(...((await make(keys.slice(i, i + size))) as object[]))
  return rows
}

/** Whether a queryset is sliced (`qs.slice(...)`). */
function isSliced(s: QueryState): boolean {
  return s.limit !== null || s.offset > 0
}

/** `qs` with `slice` taken per value of `by` (a parent's key) instead of over all its rows. */
function slicedPer(qs: QuerySet<unknown>, by: ResolvedExpr, slice: Omit<PartitionSlice, 'by'>): QuerySet<unknown> {
  return new QuerySet<unknown>({ ...qs.state, partitionSlice: { by, offset: slice.offset, limit: slice.limit } })
}

/** The rows of a many-to-many relation for parents with keys `batch`, each carrying the parent's key under `KEY`. */
function throughJoin(base: QuerySet<unknown>, rel: Relation, batch: readonly unknown[]): QuerySet<unknown> {
  const s = base.state
  const call = s.calls + 1
  const field = rel.field as ManyToManyField<unknown>
  // From the related rows back to the parent, through the join table.
  const hop: Hop = { kind: rel.kind === 'm2m' ? 'm2mReverse' : 'm2m', from: rel.to, to: rel.from, field, multi: true }
  const path: ResolvedPath = { hops: [hop], field: rel.from.pk, transforms: [], call }
  const cond: Condition = { type: 'cond', path, lookup: 'in', value: batch.map((k) => rel.from.pk.clean(k)), isExpr: false, aggregate: false }
  const where: WhereNode = s.where ? { type: 'tree', connector: 'AND', negated: false, children: [s.where, cond] } : cond
  const annotations = new Map(s.annotations).set(KEY, { type: 'col', path })
  return new QuerySet<unknown>({ ...s, where, annotations, calls: call })
}

const NO_ROWS: readonly object[] = Object.freeze([])

/**
 * A new empty list for the rows prefetched for one instance. Copied from an empty array rather
 * than written as a literal: V8 records where each array literal is allocated, and once most
 * lists of one such site have outlived a young-generation collection (prefetched results kept in
 * a cache, say) it allocates that site's lists in the old generation for the rest of the process.
 * Each later list would then keep its rows, their state and their related objects alive until a
 * collection of the whole heap (measured on MariaDB: 134 to 150 µs of GC per prefetch of 20 posts
 * after 10,000 prefetched posts were kept, against 7 to 9 µs this way).
 */
function newList(): object[] {
  return NO_ROWS.slice()
}

/** Loads `rel` for `objs` (none of which holds it yet) and stores it on them; returns the related objects. */
async function fetchLevel(objs: readonly object[], rel: Relation, queryset: QueryState | undefined, toAttr: string | undefined, using: string | undefined): Promise<object[]> {
  // A sliced queryset is sliced per parent (Django 4.2): its rows numbered by parent key in its ordering.
  const slice = queryset && isSliced(queryset) ? { offset: queryset.offset, limit: queryset.limit } : undefined
  if (slice) queryset = { ...queryset!, offset: 0, limit: null }
  let base = queryset ? new QuerySet<unknown>(queryset) : ((classFor(rel.to) as unknown as { objects: { getQueryset(): QuerySet<unknown> } }).objects.getQueryset())
  if (base.state.using === undefined) base = base.using(using)
  const store = (obj: object, value: unknown) => {
    if (toAttr) (obj as Record<string, unknown>)[toAttr] = value
    else if (rel.single) cacheRelation(obj as ModelBase, rel.name, value)
    else setPrefetchedRows(obj, rel.name, value as object[])
  }
  // The distinct non-null values, by their key text.
  const unique = (values: readonly unknown[]): unknown[] => {
    const seen = new Set<string>()
    const out: unknown[] = []
    for (const v of values) {
      if (v === null || v === undefined) continue
      const k = keyOf(v)
      if (seen.has(k)) continue
      seen.add(k)
      out.push(v)
    }
    return out
  }
  if (rel.kind === 'forward') {
    const fk = rel.field as ForeignKey<unknown, boolean, boolean, 'foreignKey' | 'oneToOne'>
    const rows = await inBatches(base, unique(objs.map((o) => attr(o, fk.attname))), (b) => base.filter({ pk__in: b } as never))
    const byKey = new Map(rows.map((r) => [keyOf((r as ModelBase).pk), r]))
    const accessor = fk.kind === 'oneToOne' ? fk.relatedAccessor : null
    for (const o of objs) {
      const key = attr(o, fk.attname)
      const value = key === null || key === undefined ? null : (byKey.get(keyOf(key)) ?? null)
      // A key whose row the queryset left out is loaded as missing, not left unloaded (Django caches None).
      if (value === null && !toAttr && key !== null && key !== undefined) cacheAbsentRelation(o as ModelBase, rel.name, key)
      else store(o, value)
      if (value && accessor) cacheRelation(value as ModelBase, accessor, o)
    }
    return rows
  }
  const keys = unique(objs.map((o) => (o as ModelBase).pk))
  const groups = new Map<string, object[]>()
  const add = (key: unknown, row: object) => {
    const list = groups.get(keyOf(key))
    if (list) list.push(row)
    else {
      const fresh = newList()
      fresh.push(row)
      groups.set(keyOf(key), fresh)
    }
  }
  let rows: object[]
  if (rel.kind === 'm2m' || rel.kind === 'm2mReverse') {
    rows = await inBatches(base, keys, (b) => {
      const qs = throughJoin(base, rel, b)
      return slice ? slicedPer(qs, qs.state.annotations.get(KEY)!, slice) : qs
    })
    for (const r of rows) {
      add(attr(r, KEY), r)
      delete (r as Record<string, unknown>)[KEY]
    }
  } else {
    const fk = rel.field as ForeignKey<unknown, boolean, boolean, 'foreignKey' | 'oneToOne'>
    const by: ResolvedExpr = { type: 'col', path: { hops: [], field: fk, transforms: [], call: 0 } }
    rows = await inBatches(base, keys, (b) => {
      const qs = base.filter({ [`${fk.attname}__in`]: b } as never)
      return slice ? slicedPer(qs, by, slice) : qs
    })
    for (const r of rows) add(attr(r, fk.attname), r)
  }
  for (const o of objs) {
    const list = groups.get(keyOf((o as ModelBase).pk)) ?? newList()
    store(o, rel.single ? (list[0] ?? null) : list)
    // The children of a reverse relation know their parent without a query.
    if (rel.kind === 'reverseOne' || rel.kind === 'reverseMany') for (const child of list) cacheRelation(child as ModelBase, rel.field.name, o)
  }
  return rows
}

/** Follows each lookup level by level over `instances`, one query per level for the objects that do not hold it yet. */
async function runLookups(instances: readonly object[], specs: readonly PrefetchSpec[], using: string | undefined): Promise<void> {
  const done = new Map<string, readonly object[]>()
  for (let s = 0; s < specs.length; s++) {
    const spec = specs[s]!
    const parts = spec.path.split('__')
    let objs: readonly object[] = instances
    let prefix = ''
    for (let level = 0; level < parts.length && objs.length > 0; level++) {
      const last = level === parts.length - 1
      const toAttr = last ? spec.toAttr : undefined
      const part = parts[level]!
      const to = `${prefix}${toAttr ?? part}`
      prefix = `${prefix}${part}__`
      const known = done.get(to)
      if (known) {
        objs = known
        continue
      }
      const rel = relationOf(metaOf(objs[0]!), part)
      if (rel === undefined || rel === 'plain') break
      const fresh = objs.filter((o) => !isLoaded(o, rel, toAttr))
      const next = fresh.length ? await fetchLevel(fresh, rel, last ? spec.queryset : undefined, toAttr, using ?? (fresh[0] as ModelBase)[STATE].db) : []
      if (fresh.length !== objs.length) {
        const freshSet = new Set(fresh)
        for (const o of objs) if (!freshSet.has(o)) next.push(...loadedValues(o, rel, toAttr))
      }
      // The related objects, each once, are where the next level, a later lookup or a nested one starts.
      const nested = last && (spec.queryset?.prefetch?.length ?? 0) > 0
      if (last && !nested && s === specs.length - 1) break
      objs = [...new Set(next)]
      done.set(to, objs)
      if (nested) await runLookups(objs, spec.queryset!.prefetch!, using)
    }
  }
}

/** Runs a QuerySet's `prefetchRelated()` lookups on its fetched rows (nothing for plain rows or no rows). */
export async function runPrefetch(rows: readonly unknown[], state: QueryState): Promise<void> {
  if (!state.prefetch?.length || state.result !== 'instances' || state.values || rows.length === 0) return
  await runLookups(rows as object[], state.prefetch, state.using)
}

/** The rows a QuerySet's SELECT resolves to, once its `prefetchRelated()` lookups have run on them. */
export async function withPrefetches<T>(rows: Promise<T[]>, state: QueryState): Promise<T[]> {
  const list = await rows
  await runPrefetch(list, state)
  return list
}

/**
 * Prefetches `lookups` on instances you already have (Django's `prefetch_related_objects`): one
 * query per level for all of them. The instances must be of one model.
 * @example await prefetchRelatedObjects(posts, 'commentSet', Prefetch('tags', { toAttr: 'tagList' }))
 */
export async function prefetchRelatedObjects(instances: readonly object[], ...lookups: (string | PrefetchLookup)[]): Promise<void> {
  if (!Array.isArray(instances)) throw new TypeMismatchError(`prefetchRelatedObjects() takes an array of instances, got ${describe(instances)}`)
  if (instances.length === 0) return
  const meta = (instances[0] as { constructor?: { meta?: ModelMeta } }).constructor?.meta
  if (!meta || instances.some((o) => typeof o !== 'object' || o === null || (o.constructor as { meta?: unknown }).meta !== meta))
    throw new TypeMismatchError('prefetchRelatedObjects() takes instances of one model')
  await runLookups(instances, addPrefetch(meta, [], lookups, 'prefetchRelatedObjects'), undefined)
}

/**
 * `instance.load(path)`: fetches the relation named first in `path` again (and the levels after it
 * when not loaded yet), then returns it: the related object (or null), or the array of related
 * objects of a multi-valued relation.
 */
export async function loadRelation(instance: object, path: string): Promise<unknown> {
  const meta = metaOf(instance)
  if (typeof path !== 'string') throw new TypeMismatchError(`load() takes a relation path, got ${describe(path)}`, { model: meta.name })
  addPrefetch(meta, [], [path], 'load')
  const name = path.split('__')[0]!
  const rel = relationOf(meta, name) as Relation
  const st = (instance as ModelBase)[STATE]
  const pk = (instance as ModelBase).pk
  if (rel.kind !== 'forward' && (pk === null || pk === undefined))
    throw new TypeMismatchError(`${meta.name} instance needs to have a primary key value before ${name} can be loaded.`, { model: meta.name, field: name })
  if (rel.single) st.cache?.delete(name)
  else clearPrefetchedRows(instance, name)
  await runLookups([instance], [{ path }], st.db)
  if (!rel.single) return prefetchedRows(instance, name)
  const value = st.cache?.get(name) ?? null
  const key = rel.kind === 'forward' ? attr(instance, rel.field.attname) : null
  if (value === null && key !== null && key !== undefined) {
    st.cache?.delete(name)
    throw new rel.to.DoesNotExist(`${rel.to.name} matching query does not exist (${meta.name}.${name} points at ${String(key)}).`, { model: rel.to.name })
  }
  return value
}

/** `iterator()` after `prefetchRelated()`: the rows in chunks of `chunkSize`, each chunk prefetched before it is yielded (Django 5). */
export function prefetchInChunks(rows: AsyncIterable<unknown>, state: QueryState, chunkSize: number | null | undefined): AsyncIterable<unknown> {
  if (!state.prefetch?.length || state.result !== 'instances' || state.values) return rows
  return chunked(rows, state, chunkSize ?? 2000)
}

async function* chunked(rows: AsyncIterable<unknown>, state: QueryState, size: number): AsyncGenerator<unknown> {
  let chunk: unknown[] = []
  for await (const row of rows) {
    chunk.push(row)
    if (chunk.length < size) continue
    await runPrefetch(chunk, state)
    yield* chunk
    chunk = []
  }
  await runPrefetch(chunk, state)
  yield* chunk
}
