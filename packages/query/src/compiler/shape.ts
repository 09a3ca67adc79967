import { type Condition, type Hop, type QueryState, type RelatedSelection, type ResolvedExpr, type ResolvedPath, registryVersion, type WhereNode } from '@strata/core'

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
    let key = `${registryVersion()}:${shapeId(state.meta)}:${state.result}:${state.reversed ? 'r' : ''}${state.distinct ? 'd' : ''}${state.groupByValues ? 'g' : ''}:${state.limit ?? ''}:${state.offset}`
    if (state.where) key += `;W${whereKey(state.where)}`
    if (state.order) key += `;O${state.order.length === 0 ? '' : state.order.map((t) => (t.expr === 'random' ? '?' : `${t.descending ? '-' : ''}${exprKey(t.expr)}${t.nulls.nullsFirst ? 'F' : ''}${t.nulls.nullsLast ? 'L' : ''}`)).join(',')}`
    if (state.annotations.size) key += `;A${[...state.annotations].map(([k, e]) => `${k}${state.hidden.has(k) ? '-' : ''}=${exprKey(e)}`).join(',')}`
    if (state.values) key += `;V${state.values.map((v) => `${v.key}=${exprKey(v.expr)}`).join(',')}`
    if (state.groupBy) key += `;G${state.groupBy.map(exprKey).join(',')}`
    if (state.distinctOn?.length) key += `;D${state.distinctOn.map(exprKey).join(',')}`
    if (state.related?.length) key += `;R${relatedKey(state.related)}`
    if (state.loading?.names.length) key += `;L${state.loading.only ? '+' : '-'}${state.loading.names.join(',')}`
    return key
  } catch (e) {
    if (e === NO_SHAPE) return undefined
    throw e
  }
}
