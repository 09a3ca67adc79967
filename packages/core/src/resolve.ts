import { FieldError, TypeMismatchError } from './errors.js'
import {
  Aggregate,
  CaseExpr,
  Combined,
  type Expression,
  FieldRef,
  isExpression,
  isQ,
  OuterRefExpr,
  type QNode,
  SubqueryExpr,
  ValueExpr,
} from './expressions.js'
import { FUNCTIONS, FuncExpr } from './functions.js'
import { describe, type Field, type FieldKind } from './fields/field.js'
import { ForeignKey, ManyToManyField, RelatedField } from './fields/relation.js'
import { DecimalField } from './fields/scalar.js'
import { customLookup, type LookupDefinition, registryVersion } from './custom-lookups.js'
import { cleanJsonCondition, isJsonValue, isLookupOn, jsonKey, lookupChoices, transformOutput } from './lookup-resolve.js'
import { isLookup, isTransform, LOOKUPS, type LookupArity } from './lookups.js'
import type { ModelMeta } from './meta.js'
import type { Condition, JsonPathStep, QueryState, ResolvedExpr, ResolvedPath, WhereNode } from './state.js'

import { exprField, kindLabel, noField, pseudoField, type ResolveContext, resolveFieldPath } from './resolve-path.js'

export { exprField, pathOutputField, pseudoField, type ResolveContext, resolveFieldPath } from './resolve-path.js'

/**
 * What a filter key resolves to apart from its value: the path (transforms and JSON keys
 * included), the lookup, and how the value is checked. Keys on the model's fields are memoized
 * per model, key and filter call (`ModelMeta.memo`, emptied when relations resolve again; custom
 * lookup registrations make older entries stale), so that a shape seen before is not walked again.
 */
interface LookupSpec {
  /** The key's first part: an annotation of that name takes the key over. */
  readonly first: string
  /** `registryVersion()` when resolved. */
  readonly version: number
  readonly path: ResolvedPath
  readonly lookup: string
  /** The field the lookup applies to (after transforms). */
  readonly field: Field | undefined
  readonly custom: LookupDefinition | undefined
  /** Whether the value is checked as JSON (`cleanJsonCondition`). */
  readonly json: boolean
  readonly arity: LookupArity | undefined
  /** Whether the path refers to an aggregate annotation. */
  readonly aggregate: boolean
}

/** Resolved filter keys by key and filter call, kept in `ModelMeta.memo` under `FILTERS`. */
type FilterMemo = Map<string, (LookupSpec | undefined)[]>
const FILTERS = '\u0000filters'

/** Filter calls (`ResolveContext.call`) whose keys are memoized; later calls resolve each time. */
const MEMO_CALLS = 8
/** Keys memoized per model before the memo starts over (keys built from data could grow it). */
const MEMO_KEYS = 1000

/** Resolves one `key: value` pair of a filter into a condition. */
export function resolveLookup(meta: ModelMeta, key: string, value: unknown, ctx: ResolveContext): Condition {
  // Kept first: a new model resolves the relations again (and empties the memo), or reports a broken one.
  meta.resolve()
  const known = (meta.memo.get(FILTERS) as FilterMemo | undefined)?.get(key)?.[ctx.call]
  const spec =
    known !== undefined && known.version === registryVersion() && (ctx.annotations.size === 0 || !ctx.annotations.has(known.first))
      ? known
      : lookupSpec(meta, key, ctx)
  return cleanCondition(meta, key, spec, value, ctx)
}

/** Resolves a filter key (throwing on bad names and lookups) and memoizes it when it names fields only. */
function lookupSpec(meta: ModelMeta, key: string, ctx: ResolveContext): LookupSpec {
  if (typeof key !== 'string' || key === '') throw new FieldError(`Empty lookup key on ${meta.name}`, { model: meta.name })
  const version = registryVersion()
  const parts = key.split('__')
  if (parts.some((p) => p === '')) throw new FieldError(`Malformed lookup ${JSON.stringify(key)} on ${meta.name}`, { model: meta.name })
  const { path, rest } = resolveFieldPath(meta, parts, ctx)
  const keys: JsonPathStep[] = []
  const transforms: string[] = []
  let field = path.annotation ? exprField(ctx.annotations.get(path.annotation)!, ctx) : path.field
  let lookup = 'exact'
  // Django's order: the last part is a lookup if it can be one, else a transform (or a JSON key) with `exact`.
  for (let j = 0; j < rest.length; j++) {
    const part = rest[j]!
    const json = isJsonValue(field, transforms)
    if (j === rest.length - 1 && isLookupOn(field, part, json)) {
      lookup = part
      break
    }
    const next = transformOutput(field, part)
    if (next) {
      transforms.push(part)
      field = next
      continue
    }
    if (json) {
      keys.push(jsonKey(part, key, meta))
      continue
    }
    if (field instanceof RelatedField && !isLookup(part) && !isTransform(part) && !customLookup(field, part))
      noField((field as RelatedField<unknown, boolean, boolean, 'foreignKey'>).target, part)
    const what = isTransform(part) || isLookup(part) || customLookup(field, part) ? 'lookup' : 'lookup or transform'
    throw new FieldError(
      `Unsupported ${what} '${part}' for ${kindLabel(path, field)} in ${JSON.stringify(key)} on ${meta.name}. Choices are: ${lookupChoices(field, json).join(', ')}`,
      { model: meta.name, field: path.field?.name ?? path.annotation },
    )
  }
  const full: ResolvedPath = { ...path, transforms, ...(keys.length ? { keys } : {}) }
  const annotationExpr = path.annotation ? ctx.annotations.get(path.annotation) : undefined
  const custom = customLookup(field, lookup)
  const spec: LookupSpec = {
    first: parts[0]!,
    version,
    path: full,
    lookup,
    field,
    custom,
    json: !custom && isJsonValue(field, transforms),
    arity: custom ? (custom.rhs ?? 'value') : LOOKUPS[lookup],
    aggregate: annotationExpr ? containsAggregate(annotationExpr, ctx) : false,
  }
  if (!path.annotation && ctx.call < MEMO_CALLS) {
    let memo = meta.memo.get(FILTERS) as FilterMemo | undefined
    if (memo === undefined) {
      memo = new Map()
      meta.memo.set(FILTERS, memo)
    }
    let byCall = memo.get(key)
    if (byCall === undefined) {
      if (memo.size >= MEMO_KEYS) memo.clear()
      byCall = []
      memo.set(key, byCall)
    }
    byCall[ctx.call] = spec
  }
  return spec
}

/** Whether an expression aggregates, through the annotations it uses unless `followAnnotations` is false. */
export function containsAggregate(expr: ResolvedExpr, ctx: ResolveContext, followAnnotations = true): boolean {
  if (expr.type === 'agg') return true
  if (expr.type === 'op') return containsAggregate(expr.lhs, ctx, followAnnotations) || containsAggregate(expr.rhs, ctx, followAnnotations)
  if (expr.type === 'func') return expr.args.some((a) => containsAggregate(a, ctx, followAnnotations))
  if (expr.type === 'case')
    return expr.whens.some((w) => whereHasAggregate(w.when) || containsAggregate(w.then, ctx, followAnnotations)) || (expr.otherwise !== null && containsAggregate(expr.otherwise, ctx, followAnnotations))
  if (expr.type === 'col' && expr.path.annotation && followAnnotations) return containsAggregate(ctx.annotations.get(expr.path.annotation)!, ctx)
  return false
}

function isQuerySetLike(v: unknown): v is { readonly state: QueryState } {
  return typeof v === 'object' && v !== null && 'state' in v && typeof (v as { state: unknown }).state === 'object' && (v as { isQuerySet?: unknown }).isQuerySet === true
}

function cleanCondition(meta: ModelMeta, key: string, spec: LookupSpec, value: unknown, ctx: ResolveContext): Condition {
  const { path, lookup, field, custom, arity, aggregate } = spec
  // The common case first: one scalar compared with a field (`id: 5`, `title__gt: 'a'`).
  if (arity === 'value' && !spec.json && (typeof value === 'number' || typeof value === 'string' || typeof value === 'bigint' || typeof value === 'boolean'))
    return { type: 'cond', path, lookup, value: field ? cleanValue(meta, key, path, field, value) : value, isExpr: false, aggregate }
  const bad = (expected: string): never => {
    throw new TypeMismatchError(`${filterLabel(meta, key)} expects ${expected}, got ${describe(value)}`, { model: meta.name, field: path.field?.name })
  }
  if (value === undefined) bad('a value (undefined is not allowed: omit the key instead)')
  if (isQ(value)) bad('a value, not a Q object')
  if (spec.json) return cleanJsonCondition(meta, path, lookup, value, ctx, aggregate, bad)
  if (isExpression(value)) {
    if (lookup === 'in' && value instanceof SubqueryExpr && !value.exists) {
      const expr = resolveExpression(meta, value, ctx)
      return { type: 'cond', path, lookup, value: expr, isExpr: true, aggregate }
    }
    if (arity !== 'value') bad(`a plain value for '${lookup}'`)
    const expr = resolveExpression(meta, value, ctx)
    return { type: 'cond', path, lookup, value: expr, isExpr: true, aggregate: aggregate || containsAggregate(expr, ctx) }
  }
  const clean = (v: unknown): unknown => {
    if (isExpression(v)) return resolveExpression(meta, v, ctx)
    if (v === undefined) bad('no undefined values')
    if (typeof v === 'object' && v !== null && !(v instanceof Date) && !(v instanceof Uint8Array) && !isModelInstance(v) && field?.kind !== 'json')
      bad('a scalar value, not an object or array')
    if (!field) return v
    if (isModelInstance(v) && !(field instanceof RelatedField)) {
      const m = (v as { constructor: { meta: ModelMeta } }).constructor.meta
      if (m.name !== field.modelName || field !== m.pk) bad(`a ${field.modelName} key, not a ${m.name} instance`)
      v = (v as { pk: unknown }).pk
      if (v === null || v === undefined) bad(`a saved ${m.name} (this one has no primary key)`)
    }
    return cleanValue(meta, key, path, field, v)
  }
  let out: unknown
  switch (arity) {
    case 'boolean':
      if (typeof value !== 'boolean') bad('true or false')
      out = value
      break
    case 'text':
      if (typeof value === 'number' || typeof value === 'bigint') out = String(value)
      else if (typeof value === 'string') out = value
      else bad('a string')
      break
    case 'list':
      if (isQuerySetLike(value)) {
        out = { type: 'subquery', state: value.state, exists: false } satisfies ResolvedExpr
        return { type: 'cond', path, lookup, value: out, isExpr: true, aggregate }
      }
      if (!Array.isArray(value)) bad('an array or a QuerySet')
      if ((value as unknown[]).length > 100000) bad('at most 100000 values')
      // As in Django, null never matches IN and is dropped from the list.
      out = (value as unknown[]).filter((v) => v !== null).map((v) => clean(v))
      if (custom && (out as unknown[]).length === 0) bad(`a non-empty array for '${lookup}'`)
      break
    case 'pair':
      if (!Array.isArray(value) || value.length !== 2) bad('a [low, high] pair')
      if ((value as unknown[]).some((v) => v === null)) bad('a [low, high] pair without null')
      out = (value as unknown[]).map(clean)
      break
    default:
      if (value === null) {
        if (lookup !== 'exact') bad(`a value ('${lookup}' does not accept null; use isnull)`)
        return { type: 'cond', path, lookup: 'isnull', value: true, isExpr: false, aggregate }
      }
      out = clean(value)
  }
  return { type: 'cond', path, lookup, value: out, isExpr: false, aggregate }
}

/** How messages name a filter key: `Post.filter("title__gt")`. */
function filterLabel(meta: ModelMeta, key: string): string {
  return `${meta.name}.filter(${JSON.stringify(key)})`
}

/** `field.clean(v)`, its type errors naming the filter key. */
function cleanValue(meta: ModelMeta, key: string, path: ResolvedPath, field: Field, v: unknown): unknown {
  try {
    return field.clean(v)
  } catch (e) {
    if (e instanceof TypeMismatchError) throw new TypeMismatchError(`${filterLabel(meta, key)}: ${e.message}`, { model: meta.name, field: path.field?.name, cause: e })
    throw e
  }
}

function isModelInstance(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { constructor?: { meta?: unknown } }).constructor?.meta === 'object'
}

/** Resolves a lookup object or Q tree into a WHERE tree. */
export function resolveWhere(meta: ModelMeta, input: Record<string, unknown> | QNode | Expression, ctx: ResolveContext): WhereNode {
  if (isQ(input)) {
    return {
      type: 'tree',
      connector: input.connector,
      negated: input.negated,
      children: input.children.map((c) => resolveWhere(meta, c, ctx)),
    }
  }
  if (isExpression(input)) return resolveBooleanExpression(meta, input, ctx)
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new TypeMismatchError(`${meta.name}.filter() expects an object of lookups or a Q, got ${describe(input)}`, { model: meta.name })
  const proto = Object.getPrototypeOf(input)
  if (proto !== Object.prototype && proto !== null)
    throw new TypeMismatchError(`${meta.name}.filter() expects a plain object of lookups, got ${describe(input)}`, { model: meta.name })
  const children: WhereNode[] = []
  for (const key of Object.keys(input)) children.push(resolveLookup(meta, key, (input as Record<string, unknown>)[key], ctx))
  return { type: 'tree', connector: 'AND', negated: false, children }
}

/** A boolean expression as a condition of its own: `filter(Exists(...))`, `filter(Q(Exists(...)).not())`. */
function resolveBooleanExpression(meta: ModelMeta, input: Expression, ctx: ResolveContext): Condition {
  const expr = resolveExpression(meta, input, ctx)
  const field = exprField(expr, ctx)
  if (field?.kind !== 'boolean')
    throw new TypeMismatchError(
      `${meta.name}.filter() takes lookups, Q objects or boolean expressions (Exists(), a boolean Case, ...); got ${input.kind}${field ? ` of ${field.describe()}` : ' of unknown type'}`,
      { model: meta.name },
    )
  return { type: 'cond', path: { hops: [], transforms: [], call: ctx.call, expr }, lookup: 'exact', value: true, isExpr: false, aggregate: containsAggregate(expr, ctx) }
}

/** Where field names (`F('x')`, ordering, `values()`) are memoized in `ModelMeta.memo`: apart from filter keys. */
const NAMES = '\u0000names'

/**
 * `resolveExpression(meta, F(name), ctx)`, memoized per model, name and filter call when the name
 * reaches a field (not an annotation), as filter keys are.
 */
export function resolveFieldName(meta: ModelMeta, name: string, ctx: ResolveContext): ResolvedExpr {
  meta.resolve()
  let names = meta.memo.get(NAMES) as Map<string, ({ readonly expr: ResolvedExpr; readonly first: string; readonly version: number } | undefined)[]> | undefined
  const known = names?.get(name)?.[ctx.call]
  if (known !== undefined && known.version === registryVersion() && (ctx.annotations.size === 0 || !ctx.annotations.has(known.first))) return known.expr
  const version = registryVersion()
  const expr = resolveExpression(meta, new FieldRef(name), ctx)
  if (expr.type === 'col' && !expr.path.annotation && ctx.call < MEMO_CALLS) {
    if (names === undefined) {
      names = new Map()
      meta.memo.set(NAMES, names)
    }
    let byCall = names.get(name)
    if (byCall === undefined) {
      if (names.size >= MEMO_KEYS) names.clear()
      byCall = []
      names.set(name, byCall)
    }
    byCall[ctx.call] = { expr, first: name.split('__')[0]!, version }
  }
  return expr
}

/** Resolves an expression (F, Value, arithmetic, aggregate, subquery) against a model. */
export function resolveExpression(meta: ModelMeta, expr: Expression | unknown, ctx: ResolveContext): ResolvedExpr {
  if (!isExpression(expr)) return { type: 'value', value: expr, field: valueField(expr) }
  if (expr instanceof FieldRef || expr.kind === 'F') {
    const name = (expr as FieldRef).name
    const { path, rest } = resolveFieldPath(meta, name.split('__'), ctx)
    let field = path.annotation ? exprField(ctx.annotations.get(path.annotation)!, ctx) : path.field
    const transforms: string[] = []
    const keys: JsonPathStep[] = []
    for (const part of rest) {
      const next = transformOutput(field, part)
      if (next) {
        transforms.push(part)
        field = next
      } else if (isJsonValue(field, transforms)) keys.push(jsonKey(part, name, meta))
      else throw new FieldError(`Cannot resolve ${JSON.stringify(name)} on ${meta.name}: '${part}' is not a transform of ${kindLabel(path, field)}`, { model: meta.name })
    }
    return { type: 'col', path: { ...path, transforms, ...(keys.length ? { keys } : {}) } }
  }
  if (expr instanceof OuterRefExpr || expr.kind === 'OuterRef') {
    // Built before the outer query exists: checked when the QuerySet is wrapped in Subquery()/Exists().
    const name = (expr as OuterRefExpr).name
    if (ctx.outer) resolveFieldPath(ctx.outer, name.split('__'), { annotations: new Map(), call: 0 }, false)
    return { type: 'outer', name }
  }
  if (expr instanceof ValueExpr || expr.kind === 'Value') {
    const v = (expr as ValueExpr).value
    return { type: 'value', value: v, field: valueField(v) }
  }
  if (expr instanceof Combined || expr.kind === 'Combined') {
    const c = expr as Combined
    return { type: 'op', op: c.op, lhs: resolveExpression(meta, c.lhs, ctx), rhs: resolveExpression(meta, c.rhs, ctx) }
  }
  if (expr instanceof Aggregate || expr.kind === 'Aggregate') {
    const a = expr as Aggregate
    let arg: ResolvedExpr | null = null
    if (!(a.fn === 'count' && (a.source === '*' || a.source === ''))) {
      arg = typeof a.source === 'string' ? resolveExpression(meta, new FieldRef(a.source), ctx) : resolveExpression(meta, a.source, ctx)
    }
    const nested = arg && containsAggregate(arg, ctx, ctx.aggregateOverAnnotations !== true)
    if (nested) throw new FieldError(`Cannot compute ${a.fn.toUpperCase()}() of an aggregate`, { model: meta.name })
    const source = arg ? exprField(arg, ctx) : undefined
    if (arg && (a.fn === 'sum' || a.fn === 'avg') && source && !NUMERIC.has(source.kind))
      throw new FieldError(`${a.fn.toUpperCase()}() needs a numeric field, not ${source.describe()}`, { model: meta.name })
    const field =
      a.fn === 'count'
        ? pseudoField('integer')
        : a.fn === 'avg'
          ? source?.kind === 'decimal'
            ? source
            : pseudoField('float')
          : source instanceof RelatedField
            ? (source as RelatedField<unknown, boolean, boolean, 'foreignKey'>).target.pk
            : source
    const filter = a.options.filter ? resolveWhere(meta, a.options.filter, ctx) : null
    return {
      type: 'agg',
      fn: a.fn,
      arg,
      distinct: a.options.distinct === true,
      filter,
      default: a.fn === 'count' ? (a.options.default ?? 0) : (a.options.default ?? null),
      ...(field ? { field } : {}),
    }
  }
  if (expr instanceof CaseExpr || expr.kind === 'Case') {
    const c = expr as CaseExpr
    return {
      type: 'case',
      whens: c.whens.map((w) => ({ when: resolveWhere(meta, w.condition, ctx), then: resolveExpression(meta, w.then, ctx) })),
      otherwise: c.otherwise ? resolveExpression(meta, c.otherwise, ctx) : null,
    }
  }
  if (expr instanceof SubqueryExpr || expr.kind === 'Subquery') {
    const sq = expr as SubqueryExpr
    const state = sq.queryset.state
    for (const name of outerRefs(state)) resolveFieldPath(meta, name.split('__'), ctx)
    if (!sq.exists && state.values && state.values.length !== 1)
      throw new FieldError(`Subquery() must select exactly one column; ${state.meta.name} selects ${state.values.length}`, { model: state.meta.name })
    return { type: 'subquery', state, exists: sq.exists }
  }
  if (expr instanceof FuncExpr || expr.kind === 'Func') {
    const fx = expr as FuncExpr
    const spec = FUNCTIONS[fx.name]
    const args = fx.args.map((a) => resolveExpression(meta, a, ctx))
    const first = args[0] ? exprField(args[0], ctx) : undefined
    let field: Field | undefined
    if (fx.name === 'Trunc') {
      const [unit, output] = (fx.option ?? '').split(':')
      const kind = first instanceof RelatedField ? undefined : first?.kind
      if (kind !== 'date' && kind !== 'dateTime')
        throw new FieldError(`Trunc() needs a date or datetime, not ${first ? first.describe() : 'an expression of unknown type'}`, { model: meta.name })
      if (kind === 'date' && (unit === 'hour' || unit === 'minute' || unit === 'second'))
        throw new FieldError(`Cannot truncate a date to '${unit}'`, { model: meta.name })
      field = pseudoField(output === 'date' ? 'date' : kind)
    } else if (fx.outputField) field = fx.outputField
    else if (spec.output === 'option') field = pseudoField(fx.option as FieldKind)
    else if (spec.output === 'first') field = first instanceof RelatedField ? (first as RelatedField<unknown, boolean, boolean, 'foreignKey'>).target.pk : first
    else field = pseudoField(spec.output)
    return { type: 'func', name: fx.name, args, ...(field ? { field } : {}), ...(fx.option !== undefined ? { option: fx.option } : {}) }
  }
  throw new FieldError(`Unsupported expression ${expr.kind}`)
}

function whereHasAggregate(node: WhereNode): boolean {
  return node.type === 'cond' ? node.aggregate : node.children.some(whereHasAggregate)
}

/** The OuterRef names a query uses at its own level (nested subqueries refer to their own outer query). */
function outerRefs(state: QueryState): string[] {
  const out: string[] = []
  const expr = (e: ResolvedExpr): void => {
    switch (e.type) {
      case 'outer':
        out.push(e.name)
        break
      case 'op':
        expr(e.lhs)
        expr(e.rhs)
        break
      case 'agg':
        if (e.arg) expr(e.arg)
        if (e.filter) where(e.filter)
        break
      case 'func':
        e.args.forEach(expr)
        break
      case 'case':
        for (const w of e.whens) {
          where(w.when)
          expr(w.then)
        }
        if (e.otherwise) expr(e.otherwise)
        break
    }
  }
  const where = (n: WhereNode): void => {
    if (n.type === 'tree') n.children.forEach(where)
    else if (n.path.expr) expr(n.path.expr)
    else if (n.isExpr) {
      if (Array.isArray(n.value)) {
        for (const v of n.value as ResolvedExpr[]) if (typeof v === 'object' && v !== null && 'type' in v) expr(v)
      }
      else expr(n.value as ResolvedExpr)
    }
  }
  if (state.where) where(state.where)
  for (const [, e] of state.annotations) expr(e)
  for (const v of state.values ?? []) expr(v.expr)
  for (const t of state.order ?? []) if (t.expr !== 'random') expr(t.expr)
  return out
}

const NUMERIC = new Set<FieldKind>(['integer', 'smallInteger', 'bigInteger', 'positiveInteger', 'float', 'decimal', 'auto', 'bigAuto', 'duration'])

function valueField(v: unknown): Field | undefined {
  if (typeof v === 'number') return pseudoField(Number.isInteger(v) ? 'integer' : 'float')
  if (typeof v === 'boolean') return pseudoField('boolean')
  if (typeof v === 'string') return pseudoField('text')
  return undefined
}

/** Turns `'-pubDate'`-style names into a resolved path and a direction. */
export function resolveOrderName(meta: ModelMeta, name: string, ctx: ResolveContext): { expr: ResolvedExpr; descending: boolean } {
  if (typeof name !== 'string' || name === '' || name === '-') throw new FieldError(`Invalid ordering ${describe(name)} on ${meta.name}`, { model: meta.name })
  const descending = name.startsWith('-')
  const bare = descending ? name.slice(1) : name
  const expr = resolveFieldName(meta, bare, ctx)
  if (expr.type === 'col' && !expr.path.annotation) {
    const f = expr.path.field
    if (f instanceof ManyToManyField) throw new FieldError(`Cannot order ${meta.name} by many-to-many ${bare}`, { model: meta.name })
    if (f instanceof ForeignKey && bare === f.name && f.target.ordering.length === 0) {
      return { expr, descending }
    }
  }
  return { expr, descending }
}

export { DecimalField }
