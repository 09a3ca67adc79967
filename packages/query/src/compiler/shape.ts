import { type Condition, type Hop, type OrderTerm, type QueryState, type RelatedSelection, type ResolvedExpr, type ResolvedPath, registryVersion, type WhereNode } from '@strata/core'

// The shape of a QuerySet: everything that decides the SQL text, and none of the values that
// become bound parameters. Two states with the same shape compile to the same SQL; only their
// parameters differ. Values appear in a shape as a tag of what decides how they are rendered
// (null or not, a boolean's value, a list's length), never as themselves. States this module
// cannot describe (combinators, subqueries, row locks) have no shape and are compiled each time.

/** Stable small numbers for metadata objects (models, fields), so that shapes are short strings. */
const ids = new WeakMap<object, number>()
let nextId = 1

/** A small number standing for a metadata object (a model, a field) in keys. */
export function shapeId(o: object): number {
  let id = ids.get(o)
  if (id === undefined) {
    id = nextId++
    ids.set(o, id)
  }
  return id
}

/** Thrown inside the walk when a part has no shape; caught by `shapeKey`. */
class NoShape extends Error {}
const NO_SHAPE = new NoShape()

/** How a value is rendered depends on these only: its kind, a boolean's value, a list's length. */
export function valueShape(v: unknown): string {
  if (v === null) return 'n'
  if (v === undefined) return 'u'
  switch (typeof v) {
    case 'boolean':
      return v ? 't' : 'f'
    case 'number':
      return 'N'
    case 'string':
      return 'S'
    case 'bigint':
      return 'B'
    case 'object':
      if (v instanceof Date) return 'D'
      if (Array.isArray(v)) return `A${v.length}`
      return 'O'
    default:
      throw NO_SHAPE
  }
}

function hopKey(h: Hop): string {
  return `${h.kind[0]}${shapeId(h.field)}${h.multi ? 'm' : ''}`
}

/** Keys of paths already described: resolved filter keys share their path objects (core memoizes them). */
const pathKeys = new WeakMap<ResolvedPath, string>()

function pathKey(p: ResolvedPath): string {
  let k = pathKeys.get(p)
  if (k === undefined) {
    k = describePath(p)
    pathKeys.set(p, k)
  }
  return k
}

function describePath(p: ResolvedPath): string {
  let k = p.hops.map(hopKey).join('.')
  k += p.field ? `:${shapeId(p.field)}` : p.annotation !== undefined ? `@${p.annotation}` : ''
  if (p.expr) k += `{${exprKey(p.expr)}}`
  if (p.keys?.length) k += `[${JSON.stringify(p.keys)}]`
  if (p.transforms.length) k += `|${p.transforms.join('|')}`
  return `${k}#${p.call}`
}

function exprKey(e: ResolvedExpr): string {
  switch (e.type) {
    case 'col':
      return pathKey(e.path)
    case 'outer':
      return `^${e.name}`
    case 'value':
      return `$${valueShape(e.value)}${e.field ? shapeId(e.field) : ''}`
    case 'op':
      return `(${exprKey(e.lhs)}${e.op}${exprKey(e.rhs)})`
    case 'agg':
      return `${e.fn}${e.distinct ? 'D' : ''}(${e.arg ? exprKey(e.arg) : '*'}${e.filter ? `?${whereKey(e.filter)}` : ''}${e.default === null || e.default === undefined ? '' : `=${valueShape(e.default)}`})`
    case 'case':
      return `case(${e.whens.map((w) => `${whereKey(w.when)}>${exprKey(w.then)}`).join(',')}${e.otherwise ? `:${exprKey(e.otherwise)}` : ''})`
    case 'func':
      return `${e.name}${e.option === undefined ? '' : `/${e.option}`}(${e.args.map(exprKey).join(',')})`
    case 'subquery':
      throw NO_SHAPE
  }
}

/** From this length an `in` list may be bound as one array parameter (set per `shapeKey` call). */
let longList = Number.POSITIVE_INFINITY

function conditionKey(c: Condition): string {
  let value: string
  if (c.isExpr) value = `{${exprKey(c.value as ResolvedExpr)}}`
  // A long list's SQL does not depend on its length where the dialect binds it as one array.
  else if (c.lookup === 'in' && Array.isArray(c.value) && c.value.length > longList) value = 'A*'
  else value = valueShape(c.value)
  return `${pathKey(c.path)}~${c.lookup}${c.aggregate ? '!' : ''}=${value}`
}

function whereKey(n: WhereNode): string {
  if (n.type === 'cond') return conditionKey(n)
  let k = `${n.negated ? '!' : ''}${n.connector === 'AND' ? '&' : '|'}(`
  const children = n.children
  for (let i = 0; i < children.length; i++) k += i === 0 ? whereKey(children[i]!) : `,${whereKey(children[i]!)}`
  return `${k})`
}

function relatedKey(nodes: readonly RelatedSelection[]): string {
  return nodes.map((n) => `${n.name}${hopKey(n.hop)}${n.nullable ? '?' : ''}(${relatedKey(n.children)})`).join(',')
}

/**
 * Whether `k` is a QueryState property this module knows: a state carrying another (a feature
 * added since) has no shape until it is described here, rather than a shape that ignores it.
 */
function known(k: string): boolean {
  switch (k) {
    case 'meta': case 'where': case 'order': case 'reversed': case 'offset': case 'limit': case 'annotations': case 'hidden':
    case 'values': case 'groupByValues': case 'groupBy': case 'result': case 'distinct': case 'empty': case 'using': case 'calls':
    case 'combinator': case 'distinctOn': case 'related': case 'relatedAll': case 'loading': case 'prefetch': case 'forUpdate':
    case 'partitionSlice':
      return true
    default:
      return false
  }
}

/**
 * The shape of a SELECT over `state`, or undefined when it has none. `longInArrays` is the
 * length from which an `in` list is bound as one array parameter (so that longer lists share a
 * shape), or undefined where the dialect binds each element.
 */
export function shapeKey(state: QueryState, longInArrays: number | undefined): string | undefined {
  if (state.combinator || state.forUpdate || state.empty) return undefined
  for (const k in state) if (!known(k) && (state as unknown as Record<string, unknown>)[k] != null) return undefined
  longList = longInArrays ?? Number.POSITIVE_INFINITY
  try {
    // Custom lookups and transforms render SQL from their callbacks: a registration change is a new shape.
    let key = `${registryVersion()}:${shapeId(state.meta)}:${state.result}:${state.reversed ? 'r' : ''}${state.distinct ? 'd' : ''}${state.groupByValues ? 'g' : ''}:${state.limit ?? ''}:${state.offset > 0 ? 'O' : ''}`
    if (state.where) key += `;W${whereKey(state.where)}`
    if (state.order) key += `;O${state.order.length === 0 ? '' : state.order.map((t) => (t.expr === 'random' ? '?' : `${t.descending ? '-' : ''}${exprKey(t.expr)}${t.nulls.nullsFirst ? 'F' : ''}${t.nulls.nullsLast ? 'L' : ''}`)).join(',')}`
    if (state.annotations.size) key += `;A${[...state.annotations].map(([k, e]) => `${k}${state.hidden.has(k) ? '-' : ''}=${exprKey(e)}`).join(',')}`
    if (state.values) key += `;V${state.values.map((v) => `${v.key}=${exprKey(v.expr)}`).join(',')}`
    if (state.groupBy) key += `;G${state.groupBy.map(exprKey).join(',')}`
    if (state.distinctOn?.length) key += `;D${state.distinctOn.map(exprKey).join(',')}`
    if (state.related?.length) key += `;R${relatedKey(state.related)}`
    if (state.loading?.names.length) key += `;L${state.loading.only ? '+' : '-'}${state.loading.names.join(',')}`
    // Its bounds are written into the SQL.
    const slice = state.partitionSlice
    if (slice) key += `;P${exprKey(slice.by)}[${slice.offset}:${slice.limit ?? ''}]`
    return key
  } catch (e) {
    if (e === NO_SHAPE) return undefined
    throw e
  }
}

// Comparing states instead of keys: a state is compared with the state that made a plan, which
// costs less than building and hashing its key. Only states of a known make are compared (no
// DISTINCT ON, selectRelated, only/defer, sliced prefetch partitions, CASE or subqueries in
// expressions, expressions in conditions); two states that compare equal here have equal keys,
// so the comparison may only miss, never mistake.

/** Whether `state` is simple enough for `sameShape` (its key is what `shapeKey` gives). */
export function comparableState(state: QueryState): boolean {
  if (state.combinator || state.forUpdate || state.empty) return false
  if (state.distinctOn?.length || state.related?.length || state.loading?.names.length || state.partitionSlice) return false
  for (const k in state) if (!known(k) && (state as unknown as Record<string, unknown>)[k] != null) return false
  if (state.order) for (const t of state.order) if (t.expr !== 'random' && !comparableExpr(t.expr)) return false
  for (const e of state.annotations.values()) if (!comparableExpr(e)) return false
  if (state.values) for (const v of state.values) if (!comparableExpr(v.expr)) return false
  if (state.groupBy) for (const e of state.groupBy) if (!comparableExpr(e)) return false
  return state.where === null || comparableWhere(state.where)
}

/** Whether `sameExpr` can compare `e` (columns, values, operators, aggregates and functions of those). */
function comparableExpr(e: ResolvedExpr): boolean {
  switch (e.type) {
    case 'col':
      return comparablePath(e.path)
    case 'value':
      return true
    case 'op':
      return comparableExpr(e.lhs) && comparableExpr(e.rhs)
    case 'agg':
      return (e.arg === null || comparableExpr(e.arg)) && (e.filter === null || comparableWhere(e.filter))
    case 'func':
      return e.args.every(comparableExpr)
    default:
      return false
  }
}

function comparablePath(p: ResolvedPath): boolean {
  return p.expr === undefined && !p.keys?.length
}

function comparableWhere(n: WhereNode): boolean {
  if (n.type === 'tree') return n.children.every(comparableWhere)
  return !n.isExpr && comparablePath(n.path)
}

/**
 * Whether `state` has the shape of `template`, a state `comparableState` accepted; `longInArrays`
 * as for `shapeKey`. False whenever in doubt (then the key decides).
 */
export function sameShape(template: QueryState, state: QueryState, longInArrays: number | undefined): boolean {
  if (
    template.meta !== state.meta ||
    template.result !== state.result ||
    template.reversed !== state.reversed ||
    template.distinct !== state.distinct ||
    template.groupByValues !== state.groupByValues ||
    template.limit !== state.limit ||
    template.offset > 0 !== state.offset > 0
  )
    return false
  if (state.combinator || state.forUpdate || state.empty) return false
  if (state.distinctOn?.length || state.related?.length || state.loading?.names.length || state.partitionSlice) return false
  const longList = longInArrays ?? Number.POSITIVE_INFINITY
  if (!sameOrder(template.order, state.order)) return false
  if (template.where === null || state.where === null ? template.where !== state.where : !sameWhere(template.where, state.where, longList)) return false
  if (!sameAnnotations(template, state, longList)) return false
  if (!sameExprList(template.values, state.values, longList)) return false
  if (template.groupBy !== state.groupBy && (template.groupBy === null || state.groupBy === null || !sameExprs(template.groupBy, state.groupBy, longList))) return false
  for (const k in state) if (!known(k) && (state as unknown as Record<string, unknown>)[k] != null) return false
  return true
}

/** Whether both states annotate the same names, in the same order, hidden alike, with expressions of one shape. */
function sameAnnotations(a: QueryState, b: QueryState, longList: number): boolean {
  if (a.annotations.size !== b.annotations.size) return false
  if (a.annotations.size === 0) return true
  const other = b.annotations.entries()
  for (const [name, expr] of a.annotations) {
    const next = other.next().value!
    if (next[0] !== name || a.hidden.has(name) !== b.hidden.has(name) || !sameExpr(expr, next[1], longList)) return false
  }
  return true
}

/** Whether two `values()` selections name the same keys with expressions of one shape. */
function sameExprList(a: QueryState['values'], b: QueryState['values'], longList: number): boolean {
  if (a === b) return true
  if (!a || !b || a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i]!.key !== b[i]!.key || !sameExpr(a[i]!.expr, b[i]!.expr, longList)) return false
  return true
}

function sameExprs(a: readonly ResolvedExpr[], b: readonly ResolvedExpr[], longList: number): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!sameExpr(a[i]!, b[i]!, longList)) return false
  return true
}

/** Whether `exprKey` gives both the same key (false where in doubt: CASE, subqueries, outer references). */
function sameExpr(a: ResolvedExpr, b: ResolvedExpr, longList: number): boolean {
  switch (a.type) {
    case 'col':
      return b.type === 'col' && samePath(a.path, b.path)
    case 'value':
      return b.type === 'value' && a.field === b.field && sameValueShape(a.value, b.value)
    case 'op':
      return b.type === 'op' && a.op === b.op && sameExpr(a.lhs, b.lhs, longList) && sameExpr(a.rhs, b.rhs, longList)
    case 'agg':
      return (
        b.type === 'agg' &&
        a.fn === b.fn &&
        Boolean(a.distinct) === Boolean(b.distinct) &&
        (a.arg ? Boolean(b.arg) && sameExpr(a.arg, b.arg!, longList) : !b.arg) &&
        (a.filter ? Boolean(b.filter) && sameWhere(a.filter, b.filter!, longList) : !b.filter) &&
        (a.default === null || a.default === undefined ? b.default === null || b.default === undefined : sameValueShape(a.default, b.default))
      )
    case 'func':
      return b.type === 'func' && a.name === b.name && a.option === b.option && sameExprs(a.args, b.args, longList)
    default:
      return false
  }
}

function sameOrder(a: readonly OrderTerm[] | null, b: readonly OrderTerm[] | null): boolean {
  if (a === b) return true
  if (a === null || b === null || a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!
    const y = b[i]!
    if (x.descending !== y.descending || x.nulls.nullsFirst !== y.nulls.nullsFirst || x.nulls.nullsLast !== y.nulls.nullsLast) return false
    if (x.expr === 'random' || y.expr === 'random') {
      if (x.expr !== y.expr) return false
    } else if (x.expr.type !== 'col' || y.expr.type !== 'col' || !samePath(x.expr.path, y.expr.path)) return false
  }
  return true
}

function samePath(a: ResolvedPath, b: ResolvedPath): boolean {
  if (a === b) return true
  if (a.field !== b.field || a.call !== b.call || a.expr !== undefined || b.expr !== undefined || a.annotation !== b.annotation) return false
  if (a.keys?.length || b.keys?.length) return false
  if (a.hops.length !== b.hops.length || a.transforms.length !== b.transforms.length) return false
  for (let i = 0; i < a.hops.length; i++) {
    const x = a.hops[i]!
    const y = b.hops[i]!
    if (x.field !== y.field || x.kind !== y.kind || x.multi !== y.multi) return false
  }
  for (let i = 0; i < a.transforms.length; i++) if (a.transforms[i] !== b.transforms[i]) return false
  return true
}

function sameWhere(a: WhereNode, b: WhereNode, longList: number): boolean {
  if (a.type === 'tree') {
    if (b.type !== 'tree' || a.connector !== b.connector || a.negated !== b.negated || a.children.length !== b.children.length) return false
    for (let i = 0; i < a.children.length; i++) if (!sameWhere(a.children[i]!, b.children[i]!, longList)) return false
    return true
  }
  if (b.type !== 'cond' || b.isExpr || a.lookup !== b.lookup || a.aggregate !== b.aggregate || !samePath(a.path, b.path)) return false
  const x = a.value
  const y = b.value
  // As conditionKey: a long IN list's shape does not depend on its length.
  if (b.lookup === 'in' && Array.isArray(x) && Array.isArray(y) && x.length > longList) return y.length > longList
  return sameValueShape(x, y)
}

/** Whether `valueShape` gives the same tag for both (false where it has none). */
function sameValueShape(x: unknown, y: unknown): boolean {
  if (x === null || y === null || x === undefined || y === undefined) return x === y
  const t = typeof x
  if (t !== typeof y) return false
  switch (t) {
    case 'boolean':
      return x === y
    case 'number':
    case 'string':
    case 'bigint':
      return true
    case 'object':
      if (x instanceof Date) return y instanceof Date
      if (Array.isArray(x)) return Array.isArray(y) && x.length === y.length
      return !(y instanceof Date) && !Array.isArray(y)
    default:
      return false
  }
}
