import { type Condition, type Field, type OrderTerm, type QueryState, resolveOrderName, type ResolvedExpr, type WhereNode } from '@strata/core'
import { hasAggregate } from './compiler/select.js'

/** What paging needs from the engine: plain SELECTs and aggregates, each one ordinary query. */
export interface PageSource {
  select(state: QueryState): Promise<unknown[]>
  aggregate(state: QueryState, aggregates: ReadonlyMap<string, ResolvedExpr>): Promise<Record<string, unknown>>
}

/**
 * `iterator()` where no cursor can be held open while the loop body queries (SQLite's single
 * connection, a MySQL transaction): every step is one ordinary query of at most `chunkSize` rows,
 * so nothing stays open between rows and the loop body may read and write.
 *
 * - Unordered or ordered by primary key: keyset pages (`pk > last ORDER BY pk LIMIT n`), bounded
 *   by the largest key at the start, so rows inserted by the loop body do not prolong it.
 * - Another ordering (fields, expressions, `'?'`): the ordered keys are read first (one value per
 *   row is kept), then the rows `chunkSize` keys at a time. No row is skipped or repeated when
 *   the loop body changes the ordering columns; deleted rows are left out.
 * - `distinct()` and grouped `values()` (no key per row): LIMIT/OFFSET pages under an ordering
 *   made total. Combined queries (`union()`...) are read at once.
 */
export async function* streamPages(source: PageSource, state: QueryState, chunkSize: number): AsyncGenerator<unknown> {
  if (state.combinator) {
    yield* await source.select(state)
    return
  }
  const keyed = !state.distinct && !state.groupByValues && !state.distinctOn?.length && (state.values !== null || state.result === 'instances')
  if (!keyed) {
    yield* offsetPages(source, state, chunkSize)
    return
  }
  const order = effectiveOrder(state)
  const pkOrder = order.length === 0 || (order.length === 1 && isPk(state, order[0]!))
  yield* pkOrder ? keysetPages(source, state, chunkSize, order[0]) : keyListPages(source, state, chunkSize)
}

/** Keyset pages on the primary key. */
async function* keysetPages(source: PageSource, state: QueryState, chunkSize: number, term: OrderTerm | undefined): AsyncGenerator<unknown> {
  const pk = pkExpr(state)
  // Without an ordering, reverse() changes nothing (as in Django).
  const descending = term ? term.descending !== state.reversed : false
  const unsliced: QueryState = { ...state, order: [], reversed: false, limit: null, offset: 0 }
  let bound: unknown
  if (!descending) {
    const max = await source.aggregate(unsliced, new Map([['m', { type: 'agg', fn: 'max', arg: pk, distinct: false, filter: null, default: null, field: state.meta.pk } as ResolvedExpr]]))
    bound = max.m
    if (bound === null || bound === undefined) return
  }
  let remaining = state.limit
  let offset = state.offset
  let last: unknown
  for (;;) {
    const size = remaining === null ? chunkSize : Math.min(chunkSize, remaining)
    if (size <= 0) return
    const conditions: WhereNode[] = []
    if (bound !== undefined) conditions.push(pkCondition(state, 'lte', bound))
    if (last !== undefined) conditions.push(pkCondition(state, descending ? 'lt' : 'gt', last))
    const page = await selectWithKeys(source, { ...unsliced, where: and(state.where, conditions), order: [{ expr: pk, descending, nulls: {} }], offset, limit: size })
    for (const row of page.rows) yield row
    if (page.rows.length < size) return
    last = page.keys[page.keys.length - 1]
    offset = 0
    if (remaining !== null) remaining -= page.rows.length
  }
}

/** The ordered keys first, then the rows by key, `chunkSize` at a time, in the keys' order. */
async function* keyListPages(source: PageSource, state: QueryState, chunkSize: number): AsyncGenerator<unknown> {
  const order = totalOrder(state) ?? state.order ?? []
  const keys = await source.select({
    ...state,
    order,
    values: [{ key: 'pk', expr: pkExpr(state) }],
    result: 'flat',
    groupBy: null,
    related: null,
    relatedAll: false,
    loading: null,
    prefetch: [],
  })
  for (let i = 0; i < keys.length; i += chunkSize) {
    const chunk = keys.slice(i, i + chunkSize)
    const unique = [...new Map(chunk.map((k) => [keyOf(k), k])).values()]
    const page = await selectWithKeys(source, { ...state, where: and(state.where, [pkCondition(state, 'in', unique)]), order: [], reversed: false, limit: null, offset: 0 })
    const byKey = new Map<unknown, unknown[]>()
    page.rows.forEach((row, j) => {
      const k = keyOf(page.keys[j])
      const list = byKey.get(k)
      if (list) list.push(row)
      else byKey.set(k, [row])
    })
    for (const key of chunk) {
      const row = byKey.get(keyOf(key))?.shift()
      if (row !== undefined) yield row
    }
  }
}

/** LIMIT/OFFSET pages under an ordering made total, for rows that have no key of their own. */
async function* offsetPages(source: PageSource, state: QueryState, chunkSize: number): AsyncGenerator<unknown> {
  const order = totalOrder(state)
  if (!order) {
    yield* await source.select(state)
    return
  }
  let done = 0
  for (;;) {
    const size = state.limit === null ? chunkSize : Math.min(chunkSize, state.limit - done)
    if (size <= 0) return
    const page = await source.select({ ...state, order, offset: state.offset + done, limit: size })
    yield* page
    if (page.length < size) return
    done += page.length
  }
}

/** Runs `state` and returns its rows with each row's primary key (read from a hidden column for `values()`). */
async function selectWithKeys(source: PageSource, state: QueryState): Promise<{ rows: unknown[]; keys: unknown[] }> {
  if (state.result === 'instances' && state.values === null) {
    const rows = await source.select(state)
    return { rows, keys: rows.map((r) => (r as { pk?: unknown }).pk) }
  }
  const values = state.values ?? []
  const tuples = (await source.select({ ...state, values: [...values, { key: 'pk', expr: pkExpr(state) }], result: 'tuples' })) as unknown[][]
  const n = values.length
  const keys = tuples.map((t) => t[n])
  const rows = tuples.map((t): unknown => {
    switch (state.result) {
      case 'flat':
        return t[0]
      case 'tuples':
        return t.slice(0, n)
      default: {
        const row: Record<string, unknown> = {}
        values.forEach((v, i) => {
          row[v.key] = t[i]
        })
        return row
      }
    }
  })
  return { rows, keys }
}

/** The ordering the query runs with: its own, or the model's default (none for grouped `values()`). */
function effectiveOrder(state: QueryState): OrderTerm[] {
  if (state.order) return [...state.order]
  if (state.groupByValues) return []
  const ctx = { annotations: state.annotations, call: state.calls }
  return state.meta.ordering.map((name) => ({ ...resolveOrderName(state.meta, name, ctx), nulls: {} }))
}

/** The query's ordering with tie-breakers that make it total, or null when it cannot be (random order). */
export function totalOrder(state: QueryState): OrderTerm[] | null {
  const terms = effectiveOrder(state)
  if (terms.some((t) => t.expr === 'random')) return null
  if (state.values && (state.groupByValues || state.distinct)) {
    for (const v of state.values) if (!hasAggregate(v.expr) && !(v.expr.type === 'col' && v.expr.path.annotation && hasAggregate(state.annotations.get(v.expr.path.annotation)!))) terms.push({ expr: v.expr, descending: false, nulls: {} })
  } else {
    terms.push({ expr: pkExpr(state), descending: false, nulls: {} })
  }
  return terms
}

function pkExpr(state: QueryState): ResolvedExpr {
  return { type: 'col', path: { hops: [], field: state.meta.pk, transforms: [], call: 0 } }
}

function isPk(state: QueryState, term: OrderTerm): boolean {
  const e = term.expr
  return e !== 'random' && e.type === 'col' && e.path.hops.length === 0 && e.path.field === state.meta.pk && e.path.transforms.length === 0 && !e.path.annotation
}

function pkCondition(state: QueryState, lookup: 'gt' | 'lt' | 'lte' | 'in', value: unknown): Condition {
  const field: Field = state.meta.pk
  return { type: 'cond', path: { hops: [], field, transforms: [], call: 0 }, lookup, value, isExpr: false, aggregate: false }
}

function and(where: WhereNode | null, more: readonly WhereNode[]): WhereNode | null {
  const children = where ? [where, ...more] : [...more]
  if (children.length === 0) return null
  return children.length === 1 ? children[0]! : { type: 'tree', connector: 'AND', negated: false, children }
}

/** A Map key for a primary key value (keys that are objects, such as binary ones, by their text). */
function keyOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : value
}
