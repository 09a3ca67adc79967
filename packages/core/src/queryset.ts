import { type Engine, getEngine, type CompiledSql } from './engine.js'
import { FieldError, NotSupportedError, TypeMismatchError } from './errors.js'
import { FieldRef, isExpression, OrderBy, type QNode, type Expression } from './expressions.js'
import { Trunc } from './functions.js'
import { describe } from './fields/field.js'
import { ForeignKey, ManyToManyField } from './fields/relation.js'
import type { ModelMeta } from './meta.js'
import type { DeleteResult } from './model.js'
import { containsAggregate, resolveExpression, resolveFieldName, resolveFieldPath, resolveOrderName, resolveWhere, type ResolveContext } from './resolve.js'
import type { OrderTerm, QueryState, ResolvedExpr, ResultKind, SelectedValue, WhereNode } from './state.js'
import type { AnnotationResults, CheckAggregates, CheckAnnotations, CheckPaths, FlatValue, Lookups, ValuesRow, ValuesTuple } from './lookup-types.js'
import type { RowData, FieldsOf, FieldNamesOfKind, UpdateInput, CreateInput } from './types.js'
import * as ops from './persistence.js'
import * as extras from './queryset-extras.js'
import { type CheckRelated, loadingChanges, prefetchChanges, selectRelatedChanges } from './loading-methods.js'
import { type PrefetchLookup, prefetchInChunks, withPrefetches } from './loading.js'
import { type ExplainOptions, explainState } from './explain.js'
import { type IteratorOptions, iterateState } from './iterator.js'
import { initialState } from './state.js'
import { forUpdateChanges, type SelectForUpdateOptions } from './select-for-update.js'

export { initialState }

/** Django's cap on rows fetched by `get()` to report "more than 20". */
const MAX_GET_RESULTS = 21

/** An empty ordering, shared (states are never changed in place). */
const NO_ORDER: readonly OrderTerm[] = []


/** A lookup object or a Q, as `filter()` takes. */
export type FilterInput = Record<string, unknown> | QNode | BooleanExpression

/** A boolean expression usable as a filter on its own: `filter(Exists(qs))`. */
export type BooleanExpression = Expression<boolean> | Expression<boolean | null>

/**
 * A lazy, immutable query over a model. `M` is the instance type (for lookups), `R` the row
 * type it yields, `A` the annotations added so far. Awaiting it runs the query once and caches
 * the rows. Variance is declared (`in out M`, `out R`, `in out A`), not measured: measuring it
 * made TypeScript compare every member's lookup types structurally, about 7,500 instantiations
 * per registered model, the first time two different QuerySet types were related in a program.
 */
export class QuerySet<in out M, out R = M, in out A = {}> implements PromiseLike<R[]>, AsyncIterable<R> {
  /** Marks QuerySets for `__in` subqueries across package copies. */
  readonly isQuerySet = true
  readonly #state: QueryState
  #cache: R[] | null = null
  #pending: Promise<R[]> | null = null

  constructor(state: QueryState) {
    this.#state = state
  }

  /** The immutable query description (for the compiler and tools). */
  get state(): QueryState {
    return this.#state
  }

  /** The model's metadata. */
  get meta(): ModelMeta {
    return this.#state.meta
  }

  #clone<R2 = R, A2 = A>(changes: Partial<QueryState>): QuerySet<M, R2, A2> {
    return new QuerySet<M, R2, A2>({ ...this.#state, ...changes })
  }

  #ctx(call = this.#state.calls): ResolveContext {
    return { annotations: this.#state.annotations, call }
  }

  #checkNotSliced(what: string): void {
    if (this.#state.limit !== null || this.#state.offset > 0) throw new TypeMismatchError(`Cannot ${what} a query once a slice has been taken.`, { model: this.meta.name })
  }

  /** Django allows only ordering, slicing, values() and counting after a combinator. */
  #checkNotCombined(what: string): void {
    const c = this.#state.combinator
    if (c) throw new NotSupportedError(`Calling QuerySet.${what} after ${c.kind}() is not supported.`, { model: this.meta.name })
  }

  get #engine(): Engine {
    return getEngine(this.#state.using ?? 'default')
  }

  // ---- chainable -------------------------------------------------------------------------

  /** A copy of this QuerySet (fresh cache). */
  all(): QuerySet<M, R, A> {
    return this.#clone({})
  }

  /**
   * Keeps rows matching every lookup (and every Q given): `filter({ title__icontains: 'x' })`,
   * `filter(Q({ a: 1 }).or({ b: 2 }), Q(...))`. One signature, so that a wrong key is reported on
   * the key itself; `L` is inferred from the argument as written (a `QNode` passes through).
   */
  filter<const L extends object = {}>(lookups?: L extends QNode | BooleanExpression ? L : NoInfer<Lookups<M, L, A>>, ...more: (QNode | BooleanExpression)[]): QuerySet<M, R, A>
  filter(...conditions: unknown[]): QuerySet<M, R, A> {
    this.#checkNotCombined('filter()')
    return this.#addWhere(conditions as FilterInput[], false)
  }

  /** Drops rows matching all the lookups (and every Q given); typed as `filter`. */
  exclude<const L extends object = {}>(lookups?: L extends QNode | BooleanExpression ? L : NoInfer<Lookups<M, L, A>>, ...more: (QNode | BooleanExpression)[]): QuerySet<M, R, A>
  exclude(...conditions: unknown[]): QuerySet<M, R, A> {
    this.#checkNotCombined('exclude()')
    return this.#addWhere(conditions as FilterInput[], true)
  }

  #addWhere(conditions: readonly FilterInput[], negate: boolean): QuerySet<M, R, A> {
    return this.#clone(this.#whereChanges(conditions, negate))
  }

  /** The state changes of `filter(...conditions)` (`exclude` when `negate`): the new WHERE tree and call count. */
  #whereChanges(conditions: readonly FilterInput[], negate: boolean): { where: WhereNode; calls: number } {
    this.#checkNotSliced('filter')
    const call = this.#state.calls + 1
    const ctx = this.#ctx(call)
    let node: WhereNode
    if (conditions.length === 1) node = resolveWhere(this.meta, conditions[0]!, ctx)
    else node = { type: 'tree', connector: 'AND', negated: false, children: conditions.map((c) => resolveWhere(this.meta, c, ctx)) }
    if (negate) node = { type: 'tree', connector: 'AND', negated: true, children: [node] }
    const where: WhereNode = this.#state.where ? { type: 'tree', connector: 'AND', negated: false, children: [this.#state.where, node] } : node
    return { where, calls: call }
  }

  /** Replaces the ordering: `'-pubDate'`, `'author__name'`, `'?'`, or `F('x').desc()`. */
  orderBy(...fields: (string | OrderBy | Expression)[]): QuerySet<M, R, A> {
    this.#checkNotSliced('reorder')
    const ctx = this.#ctx()
    const order: OrderTerm[] = fields.map((f) => {
      if (f === '?') return { expr: 'random', descending: false, nulls: {} }
      if (typeof f === 'string') {
        const { expr, descending } = resolveOrderName(this.meta, f, ctx)
        return { expr, descending, nulls: {} }
      }
      if (f instanceof OrderBy) return { expr: resolveExpression(this.meta, f.expression, ctx), descending: f.descending, nulls: f.nulls }
      if (isExpression(f)) return { expr: resolveExpression(this.meta, f, ctx), descending: false, nulls: {} }
      throw new TypeMismatchError(`orderBy() takes field names or expressions, got ${describe(f)}`, { model: this.meta.name })
    })
    return this.#clone({ order, reversed: false })
  }

  /** Flips the ordering (the model's default ordering included). */
  reverse(): QuerySet<M, R, A> {
    this.#checkNotSliced('reverse')
    return this.#clone({ reversed: !this.#state.reversed })
  }

  /** Rows `start` (inclusive) to `end` (exclusive), like `qs[start:end]`. */
  slice(start: number, end?: number): QuerySet<M, R, A> {
    if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < 0)))
      throw new TypeMismatchError('slice() takes non-negative integers (negative indexing is not supported)', { model: this.meta.name })
    const s = this.#state
    const offset = s.offset + start
    let limit: number | null = end === undefined ? (s.limit === null ? null : Math.max(0, s.limit - start)) : Math.max(0, end - start)
    if (s.limit !== null && limit !== null) limit = Math.min(limit, Math.max(0, s.limit - start))
    return this.#clone({ offset, limit })
  }

  /**
   * Removes duplicate rows (`SELECT DISTINCT`); with fields, keeps one row per distinct value of
   * them (`DISTINCT ON`, PostgreSQL only: elsewhere evaluating it is a `NotSupportedError`). As in
   * Django, the ordering should start with the same fields.
   */
  distinct<const P extends readonly string[]>(...fields: P extends CheckPaths<M, P, A> ? P : NoInfer<CheckPaths<M, P, A>>): QuerySet<M, R, A>
  distinct(...fields: unknown[]): QuerySet<M, R, A> {
    this.#checkNotCombined('distinct()')
    if (fields.length === 0) return this.#clone({ distinct: true })
    if (this.#state.limit !== null || this.#state.offset > 0) throw new TypeMismatchError('Cannot create distinct fields once a slice has been taken.', { model: this.meta.name })
    const ctx = this.#ctx()
    const distinctOn = fields.map((name) => {
      if (typeof name !== 'string') throw new TypeMismatchError(`distinct() takes field names, got ${describe(name)}`, { model: this.meta.name })
      return resolveExpression(this.meta, new FieldRef(name), ctx)
    })
    return this.#clone({ distinct: true, distinctOn })
  }

  /**
   * The rows of this QuerySet or `other` (`UNION`; `{ all: true }` keeps duplicates). Both must be
   * of the same model, or select the same number of `values()` columns. Afterwards only
   * `orderBy`, `slice`, `values`/`valuesList`, `count`, `exists` and `get()` without filters work.
   */
  union<M2, A2>(other: QuerySet<M2, R, A2>, options: { all?: boolean } = {}): QuerySet<M, R, A> {
    if (typeof options !== 'object' || options === null || (options.all !== undefined && typeof options.all !== 'boolean'))
      throw new TypeMismatchError(`union() options must be { all?: boolean }, got ${describe(options)}`, { model: this.meta.name })
    return this.#combine('union', other, options.all === true)
  }

  /** The rows in both this QuerySet and `other` (`INTERSECT`); as `union()` otherwise. */
  intersection<M2, A2>(other: QuerySet<M2, R, A2>): QuerySet<M, R, A> {
    return this.#combine('intersection', other, false)
  }

  /** The rows of this QuerySet that are not in `other` (`EXCEPT`); as `union()` otherwise. */
  difference<M2, A2>(other: QuerySet<M2, R, A2>): QuerySet<M, R, A> {
    return this.#combine('difference', other, false)
  }

  #combine(kind: 'union' | 'intersection' | 'difference', other: unknown, all: boolean): QuerySet<M, R, A> {
    return this.#clone(extras.combineStates(this.#state, other, kind, all))
  }

  /** A QuerySet that matches nothing and never queries. */
  none(): QuerySet<M, R, A> {
    return this.#clone({ empty: true })
  }

  /** Runs on the database configured under `alias`. */
  using(alias: string | undefined): QuerySet<M, R, A> {
    return this.#clone({ using: alias })
  }

  /** Locks the rows it returns until the transaction ends (`FOR UPDATE`); evaluate it inside `atomic()`. */
  selectForUpdate(options: SelectForUpdateOptions = {}): QuerySet<M, R, A> {
    this.#checkNotCombined('selectForUpdate()')
    return this.#clone(forUpdateChanges(this.#state, options))
  }

  /** Loads foreign keys and one-to-ones with JOINs in the same query (`'post__author'`); none: every non-null key; `null` clears. */
  selectRelated<const P extends readonly (string | null)[]>(...paths: P extends readonly [null] ? P : P extends CheckRelated<M, P> ? P : NoInfer<CheckRelated<M, P>>): QuerySet<M, R, A>
  selectRelated(...paths: unknown[]): QuerySet<M, R, A> {
    return this.#clone(selectRelatedChanges(this.#state, paths))
  }

  /** Loads relations with one extra query per level after the rows (`'commentSet'`, `'tags__posts'`, `Prefetch(...)`); `null` clears. */
  prefetchRelated(...lookups: readonly (string | PrefetchLookup | null)[]): QuerySet<M, R, A> {
    return this.#clone(prefetchChanges(this.#state, lookups))
  }

  /** Loads only these columns (and the primary key); reading another throws `FieldNotLoaded`. */
  only<const P extends readonly string[]>(...fields: P extends CheckPaths<M, P, {}> ? P : NoInfer<CheckPaths<M, P, {}>>): QuerySet<M, R, A> {
    return this.#clone(loadingChanges(this.#state, fields, true))
  }

  /** Leaves these columns out of the query (`null` clears); reading one throws `FieldNotLoaded`. */
  defer<const P extends readonly (string | null)[]>(...fields: P extends readonly [null] ? P : P extends readonly string[] ? (P extends CheckPaths<M, P, {}> ? P : NoInfer<CheckPaths<M, P, {}>>) : never): QuerySet<M, R, A> {
    return this.#clone(loadingChanges(this.#state, fields, false))
  }

  /**
   * Adds computed values to each row (`Count('comment')` groups by the row). The result types go
   * through `AnnotationResults`, which flattens them: an inline homomorphic mapped type here made
   * tsc (and declaration emit) run out of memory on code such as `rows.map((p) => p.n)`. The
   * parameter (`X extends Check<X> ? X : NoInfer<Check<X>>`, as in `filter`, `aggregate` and
   * `values`) infers `X` from the argument as written and shows the check's message types only
   * when it fails: inferring `X` back through the check (a reverse-mapped type) cost far more, and
   * grew with the number of models.
   */
  annotate<const X extends Record<string, Expression>>(annotations: X extends CheckAnnotations<M, X, A> ? X : NoInfer<CheckAnnotations<M, X, A>>): QuerySet<M, R & AnnotationResults<M, X, A>, A & AnnotationResults<M, X, A>> {
    return this.#annotate(annotations as Record<string, Expression>, false)
  }

  /** Like `annotate()`, but the values are only usable in filters and ordering, not returned. */
  alias<const X extends Record<string, Expression>>(annotations: X extends CheckAnnotations<M, X, A> ? X : NoInfer<CheckAnnotations<M, X, A>>): QuerySet<M, R, A & AnnotationResults<M, X, A>> {
    return this.#annotate(annotations as Record<string, Expression>, true)
  }

  #annotate<R2, A2>(annotations: Record<string, Expression>, hidden: boolean): QuerySet<M, R2, A2> {
    this.#checkNotCombined(hidden ? 'alias()' : 'annotate()')
    if (typeof annotations !== 'object' || annotations === null) throw new TypeMismatchError('annotate() takes an object of expressions', { model: this.meta.name })
    const map = new Map(this.#state.annotations)
    const hiddenSet = new Set(this.#state.hidden)
    const call = this.#state.calls + 1
    let groupByValues = this.#state.groupByValues
    let groupBy = this.#state.groupBy
    let values = this.#state.values
    for (const name of Object.keys(annotations)) {
      const expr = annotations[name]
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || name.includes('__')) throw new FieldError(`Invalid annotation name ${JSON.stringify(name)}`, { model: this.meta.name })
      if (this.meta.field(name) || this.meta.reverse(name)) throw new FieldError(`The annotation ${JSON.stringify(name)} conflicts with a field on ${this.meta.name}`, { model: this.meta.name, field: name })
      if (!isExpression(expr)) throw new TypeMismatchError(`annotate(): ${name} must be an expression (F, Value, Count, ...), got ${describe(expr)}`, { model: this.meta.name })
      const resolved = resolveExpression(this.meta, expr, { annotations: map, call })
      map.set(name, resolved)
      if (hidden) hiddenSet.add(name)
      else hiddenSet.delete(name)
      if (resolved.type === 'agg' && values) {
        groupByValues = true
        groupBy ??= values.filter((v) => !(v.expr.type === 'agg' || (v.expr.type === 'col' && v.expr.path.annotation && map.get(v.expr.path.annotation)?.type === 'agg'))).map((v) => v.expr)
      }
      if (values && !hidden) values = [...values, { key: name, expr: { type: 'col', path: { hops: [], annotation: name, transforms: [], call } } }]
    }
    return this.#clone({ annotations: map, hidden: hiddenSet, calls: call, groupByValues, groupBy, values })
  }

  /** Rows as plain objects of the given paths (all columns when none is given). */
  values<const P extends readonly string[]>(...fields: P extends CheckPaths<M, P, A> ? P : NoInfer<CheckPaths<M, P, A>>): QuerySet<M, ValuesRow<M, P, A>, A> {
    return this.#values(fields as readonly string[], 'dicts')
  }

  /** Rows as tuples; `{ flat: true }` with one field gives bare values, `{ named: true }` objects. */
  valuesList<const P extends readonly string[]>(...fields: CheckPaths<M, P, A>): QuerySet<M, ValuesTuple<M, P, A>, A>
  valuesList<const P extends readonly [string]>(...args: [...fields: CheckPaths<M, P, A>, options: { flat: true }]): QuerySet<M, FlatValue<M, P, A>, A>
  valuesList<const P extends readonly string[]>(...args: [...fields: CheckPaths<M, P, A>, options: { named: true }]): QuerySet<M, ValuesRow<M, P, A>, A>
  valuesList(...args: unknown[]): QuerySet<M, unknown, A> {
    const { fields, kind } = extras.valuesListArgs(this.meta, args)
    return this.#values(fields as string[], kind)
  }

  #values<R2>(fields: readonly string[], result: ResultKind): QuerySet<M, R2, A> {
    const ctx = this.#ctx()
    const s = this.#state
    let selected: SelectedValue[]
    if (fields.length === 0) {
      selected = this.meta.concreteFields.map((f) => ({ key: f.attname, expr: { type: 'col', path: { hops: [], field: f, transforms: [], call: 0 } } }))
      for (const [name] of s.annotations) if (!s.hidden.has(name)) selected.push({ key: name, expr: { type: 'col', path: { hops: [], annotation: name, transforms: [], call: 0 } } })
    } else {
      selected = fields.map((name) => {
        if (typeof name !== 'string') throw new TypeMismatchError(`values() takes field names, got ${describe(name)}`, { model: this.meta.name })
        const expr = resolveFieldName(this.meta, name, ctx)
        return { key: name, expr }
      })
    }
    // values().annotate(Count(...)).values(...) keeps grouping (Django): the GROUP BY follows the new non-aggregate columns.
    // prefetchRelated() lookups stay, as in Django: they do not run on plain rows, but iterator() still asks for a chunkSize.
    return this.#clone({ values: selected, result, groupByValues: s.groupByValues, related: null, relatedAll: false, loading: null })
  }

  /**
   * The distinct dates, as `'YYYY-MM-DD'` strings truncated to `kind` (in UTC), of a date or datetime
   * field over the rows, without nulls, ordered `'ASC'` (default) or `'DESC'`, as Django's `dates()`.
   */
  dates(field: FieldNamesOfKind<M, 'date' | 'dateTime'> | `${string}__${string}`, kind: 'year' | 'month' | 'week' | 'day', order: 'ASC' | 'DESC' = 'ASC'): QuerySet<M, string, A> {
    extras.checkDateArgs(this.state, 'dates', field, ['date', 'dateTime'], kind, ['year', 'month', 'week', 'day'], order)
    return this.#distinctDates(field, Trunc(field, kind, { output: 'date' }), order)
  }

  /**
   * The distinct datetimes, as `Date`s truncated to `kind` (in UTC), of a datetime field over the
   * rows, without nulls, ordered `'ASC'` (default) or `'DESC'`, as Django's `datetimes()`.
   */
  datetimes(
    field: FieldNamesOfKind<M, 'dateTime'> | `${string}__${string}`,
    kind: 'year' | 'month' | 'week' | 'day' | 'hour' | 'minute' | 'second',
    order: 'ASC' | 'DESC' = 'ASC',
  ): QuerySet<M, Date, A> {
    extras.checkDateArgs(this.state, 'datetimes', field, ['dateTime'], kind, ['year', 'month', 'week', 'day', 'hour', 'minute', 'second'], order)
    return this.#distinctDates(field, Trunc(field, kind), order)
  }

  #distinctDates<R2>(field: string, expr: Expression, order: 'ASC' | 'DESC'): QuerySet<M, R2, A> {
    const name = 'strataDateValue'
    const annotated = this.#annotate<R, A>({ [name]: expr }, false).filter({ [`${field}__isnull`]: false } as never)
    return annotated.#values<R2>([name], 'flat').#clone<R2, A>({ distinct: true }).orderBy(order === 'DESC' ? `-${name}` : name) as QuerySet<M, R2, A>
  }

  // ---- evaluation --------------------------------------------------------------------------

  /** Runs the query (once) and resolves to the rows. */
  then<T1 = R[], T2 = never>(onfulfilled?: ((value: R[]) => T1 | PromiseLike<T1>) | null, onrejected?: ((reason: unknown) => T2 | PromiseLike<T2>) | null): Promise<T1 | T2> {
    return this.#fetch().then(onfulfilled, onrejected)
  }

  /** The rows of a fresh SELECT (prefetches included), without the cache. */
  #select(): Promise<R[]> {
    const state = this.#state
    if (state.empty) return Promise.resolve([])
    const rows = this.#engine.select(state) as Promise<R[]>
    return state.prefetch?.length ? withPrefetches(rows, state) : rows
  }

  #fetch(): Promise<R[]> {
    if (this.#cache) return Promise.resolve(this.#cache)
    if (!this.#pending) {
      this.#pending = this.#select().then(
        (rows) => {
          this.#cache = rows
          this.#pending = null
          return rows
        },
        (e) => {
          this.#pending = null
          throw e
        },
      )
    }
    return this.#pending
  }

  /** Iterates the rows, filling the cache (as `for row in qs` in Django). */
  async *[Symbol.asyncIterator](): AsyncIterator<R> {
    for (const row of await this.#fetch()) yield row
  }

  /**
   * Streams the rows without filling the cache, `chunkSize` (default 2000) at a time; the loop body
   * may run other queries. Options are checked at the call (`TypeMismatchError`).
   */
  iterator(options?: IteratorOptions): AsyncGenerator<R> {
    return prefetchInChunks(iterateState(this.#state, options), this.#state, options?.chunkSize) as AsyncGenerator<R>
  }

  /** The single row matching the lookups; throws `DoesNotExist` or `MultipleObjectsReturned`. */
  get<const L extends object = {}>(lookups?: L extends QNode ? L : NoInfer<Lookups<M, L, A>>, ...more: QNode[]): Promise<R>
  async get(...input: (FilterInput | undefined)[]): Promise<R> {
    const conditions = input.includes(undefined) ? input.filter((c): c is FilterInput => c !== undefined) : (input as FilterInput[])
    if (conditions.length) this.#checkNotCombined('get(...) with filters')
    // One clone for the filters and the limit; a clone's rows need no cache (nothing else sees it).
    const where = conditions.length ? this.#whereChanges(conditions, false) : undefined
    const unsliced = this.#state.limit === null && this.#state.offset === 0
    // (Changes written out: spreading `where` here made V8 copy the state on a slow path, 2 µs a call.)
    const rows = await (unsliced
      ? this.#clone(where ? { where: where.where, calls: where.calls, order: NO_ORDER, limit: MAX_GET_RESULTS } : { order: NO_ORDER, limit: MAX_GET_RESULTS }).#select()
      : where
        ? this.#clone(where).#select()
        : this.#fetch())
    if (rows.length === 1) return rows[0]!
    const meta = this.meta
    if (rows.length === 0) throw new meta.DoesNotExist(`${meta.name} matching query does not exist.`, { model: meta.name })
    throw new meta.MultipleObjectsReturned(
      `get() returned more than one ${meta.name} -- it returned ${rows.length >= MAX_GET_RESULTS ? `more than ${MAX_GET_RESULTS - 1}` : rows.length}!`,
      { model: meta.name },
    )
  }

  /** The first row by the ordering (by primary key if none), or null. */
  async first(): Promise<R | null> {
    if (this.#cache) return this.#cache[0] ?? null
    let qs: QuerySet<M, R, A> = this
    if (!this.#isOrdered()) qs = this.#clone({ order: [{ expr: this.#pkExpr(), descending: false, nulls: {} }] })
    const rows = await qs.slice(0, 1)
    return rows[0] ?? null
  }

  /** The last row by the ordering (by primary key if none), or null. */
  async last(): Promise<R | null> {
    let qs: QuerySet<M, R, A> = this.#isOrdered() ? this.reverse() : this.#clone({ order: [{ expr: this.#pkExpr(), descending: true, nulls: {} }] })
    if (this.#state.limit !== null || this.#state.offset > 0) {
      const all = await this
      return all[all.length - 1] ?? null
    }
    qs = qs.slice(0, 1)
    const rows = await qs
    return rows[0] ?? null
  }

  #pkExpr(): ResolvedExpr {
    return { type: 'col', path: { hops: [], field: this.meta.pk, transforms: [], call: 0 } }
  }

  #isOrdered(): boolean {
    const s = this.#state
    return s.order ? s.order.length > 0 : this.meta.ordering.length > 0 && !s.groupByValues
  }

  /** Whether the QuerySet has an ordering (explicit or the model's). */
  get ordered(): boolean {
    return this.#isOrdered()
  }

  /** The number of rows (from the cache if the QuerySet was evaluated). */
  async count(): Promise<number> {
    if (this.#cache) return this.#cache.length
    if (this.#state.empty) return 0
    return this.#engine.count(this.#state)
  }

  /** Whether there is at least one row. */
  async exists(): Promise<boolean> {
    if (this.#cache) return this.#cache.length > 0
    if (this.#state.empty) return false
    return this.#engine.exists(this.#state)
  }

  /** Computes aggregates over the rows: `{ n: Count('id') }` resolves to `{ n: 7 }`. */
  async aggregate<const X extends Record<string, Expression>>(aggregates: X extends CheckAggregates<M, X, A> ? X : NoInfer<CheckAggregates<M, X, A>>): Promise<AnnotationResults<M, X, A>> {
    this.#checkNotCombined('aggregate()')
    if (this.#state.distinctOn?.length) throw new NotSupportedError('aggregate() + distinct(fields) not implemented.', { model: this.meta.name })
    const map = new Map<string, ResolvedExpr>()
    const ctx: ResolveContext = { ...this.#ctx(this.#state.calls + 1), aggregateOverAnnotations: true }
    const input = aggregates as Record<string, Expression>
    if (typeof input !== 'object' || input === null || Object.keys(input).length === 0) throw new TypeMismatchError('aggregate() needs at least one aggregate', { model: this.meta.name })
    for (const name of Object.keys(input)) {
      const e = input[name]
      if (!isExpression(e)) throw new TypeMismatchError(`aggregate(): ${name} must be an aggregate expression, got ${describe(e)}`, { model: this.meta.name })
      const r = resolveExpression(this.meta, e, ctx)
      if (!containsAggregate(r, ctx, false)) throw new TypeMismatchError(`aggregate(): ${name} is not an aggregate expression`, { model: this.meta.name })
      map.set(name, r)
    }
    if (this.#state.empty) {
      const out: Record<string, unknown> = {}
      for (const [k, v] of map) out[k] = v.type === 'agg' ? v.default : null
      return out as AnnotationResults<M, X, A>
    }
    return (await this.#engine.aggregate(this.#state, map)) as AnnotationResults<M, X, A>
  }

  /** Updates every matching row in one statement; returns the number of rows. */
  async update(values: UpdateInput<FieldsOf<M>> | Record<string, unknown>): Promise<number> {
    this.#checkNotCombined('update()')
    this.#checkNotSliced('update')
    if (this.#state.empty) return 0
    const assignments = ops.prepareUpdate(this.meta, values as Record<string, unknown>, this.#ctx())
    if (assignments.length === 0) return 0
    return this.#engine.update(this.#state, assignments)
  }

  /** Deletes the matching rows, following `onDelete`; returns counts by model. */
  async delete(): Promise<DeleteResult> {
    this.#checkNotCombined('delete()')
    this.#checkNotSliced('delete')
    if (this.#state.values) throw new TypeMismatchError('Cannot call delete() after values()', { model: this.meta.name })
    if (this.#state.empty) return { total: 0, perModel: {} }
    return ops.deleteQuery(this.#state, { origin: this })
  }

  /** Creates and saves one object. */
  async create(data: CreateInput<FieldsOf<M>>): Promise<M> {
    const inst = new (this.meta.cls as unknown as new (d: unknown) => M)(data)
    await (inst as unknown as { save(o: object): Promise<void> }).save({ forceInsert: true, using: this.#state.using })
    return inst
  }

  /** Fetches the object matching `lookup`, or creates it with `defaults`; resolves to `[obj, created]`. */
  async getOrCreate<const L extends object>(lookup: Lookups<M, L, A>, options: { defaults?: UpdateInput<FieldsOf<M>> } = {}): Promise<[M, boolean]> {
    return ops.getOrCreate(this as unknown as QuerySet<M>, lookup as Record<string, unknown>, options.defaults as Record<string, unknown> | undefined)
  }

  /** Updates the object matching `lookup` with `defaults`, or creates it (`createDefaults` when creating). */
  async updateOrCreate<const L extends object>(
    lookup: Lookups<M, L, A>,
    options: { defaults?: UpdateInput<FieldsOf<M>>; createDefaults?: UpdateInput<FieldsOf<M>> } = {},
  ): Promise<[M, boolean]> {
    return ops.updateOrCreate(this as unknown as QuerySet<M>, lookup as Record<string, unknown>, options.defaults as Record<string, unknown>, options.createDefaults as Record<string, unknown>)
  }

  /**
   * Inserts many objects in few statements; sets primary keys when the database returns them.
   * `updateConflicts` makes it an upsert: a row conflicting on `uniqueFields` (required where the
   * database takes them, refused where any unique key triggers it) gets `updateFields` instead.
   */
  async bulkCreate(objects: readonly (M | CreateInput<FieldsOf<M>>)[], options: ops.BulkCreateOptions<Extract<keyof FieldsOf<M>, string>> = {}): Promise<M[]> {
    return ops.bulkCreate(this.meta, objects as readonly unknown[], options, this.#state.using) as Promise<M[]>
  }

  /**
   * The object that comes last by `fields` (Meta `getLatestBy` when none is given; `'-field'`
   * reverses); throws `DoesNotExist` when there is no row.
   */
  latest(...fields: string[]): Promise<R> {
    return extras.earliestOf(this, fields, true, 'latest')
  }

  /** The object that comes first by `fields` (Meta `getLatestBy` when none is given). */
  earliest(...fields: string[]): Promise<R> {
    return extras.earliestOf(this, fields, false, 'earliest')
  }

  /**
   * Whether `instance` is one of the rows (answered from the cache when the QuerySet was
   * evaluated). Refuses unsaved instances and instances of another model.
   */
  async contains(instance: M): Promise<boolean> {
    this.#checkNotCombined('contains()')
    const pk = extras.containsKey(this.#state, instance)
    const has = (rows: readonly R[]) => rows.some((r) => extras.samePk((r as { pk?: unknown }).pk, pk))
    if (this.#cache) return has(this.#cache)
    if (this.#state.empty) return false
    if (this.#state.limit !== null || this.#state.offset > 0) return has(await this.#fetch())
    return this.#addWhere([{ pk }], false).exists()
  }

  /**
   * The objects whose `fieldName` (default the primary key; it must be unique) is in `ids`, as a
   * `Map` from that value to the object; every object when `ids` is omitted. An empty list gives
   * an empty map without a query; long lists are split to respect the database's parameter limit.
   */
  async inBulk(ids?: readonly unknown[] | null, options: { fieldName?: string } = {}): Promise<Map<unknown, R>> {
    this.#checkNotCombined('inBulk()')
    return extras.inBulkOf(this, ids, options)
  }

  /** Saves `fields` of saved `objects` (values or expressions such as `F('n').add(1)`) in batched `UPDATE ... CASE`s, in one transaction; resolves to the rows matched. */
  async bulkUpdate(objects: readonly M[], fields: readonly Extract<keyof FieldsOf<M>, string>[], options: { batchSize?: number } = {}): Promise<number> {
    this.#checkNotCombined('bulkUpdate()')
    this.#checkNotSliced('update')
    return ops.bulkUpdate(this as unknown as QuerySet<unknown>, objects as readonly unknown[], fields as readonly string[], options)
  }

  /** The database's plan for this QuerySet, as text: `explain({ format: 'json', analyze: true })` where the database takes them. */
  explain(options?: ExplainOptions): Promise<string> {
    return explainState(this.#state, options)
  }

  /** The SQL this QuerySet runs, with its parameters, without running it. */
  sql(): CompiledSql {
    return this.#engine.compile(this.#state)
  }

  /** A readable description for debugging. */
  toString(): string {
    return `<QuerySet ${this.meta.name}>`
  }
}


export type { RowData }
export { resolveFieldPath, ForeignKey, ManyToManyField }
