import { customLookup, type Field, type ModelMeta, pathOutputField, type QueryState, type ResolveContext, registryVersion, type WhereNode } from '@strata/core'
import { type CompiledQuery, type QueryId, RawNode, sql } from 'kysely'
import { isJsonCondition, likeEscape } from './compiler/lookups.js'
import { collectParameters } from './compiler/parameters.js'
import { QueryCompiler } from './compiler/select.js'
import { comparableState, sameShape, shapeKey } from './compiler/shape.js'
import { type DialectOperations, inArrayAbove, type StrataDialect } from './dialect.js'

// The compiled-query cache: a QuerySet shape (compiler/shape.ts) is compiled once, and later
// states of the same shape only render their conditions' parameters. A plan is trusted for new
// values after one check: the first time the shape comes back with other parameters, it is
// compiled again and must give the same SQL, or the shape is never cached again (its text
// depends on a value). The cache is bounded: the least recently used shape goes first.

/** How many shapes an engine keeps by default. */
export const PLAN_CACHE_SIZE = 500

/**
 * Set on compiled queries that come from a cache: a name for their SQL text that stays the same
 * for the life of the process, under which a driver may keep the statement prepared (PostgreSQL
 * named statements). Only the first `STATEMENT_NAMES` texts get one, so that what a server keeps
 * per connection stays bounded.
 */
export const STATEMENT_NAME: unique symbol = Symbol.for('strata.statementName')

/** How many SQL texts get a statement name in one process. */
export const STATEMENT_NAMES = 2000

const names = new Map<string, string>()

/** The statement name of a cached SQL text (undefined once `STATEMENT_NAMES` are given out). */
export function statementName(sql: string): string | undefined {
  let name = names.get(sql)
  if (name === undefined && names.size < STATEMENT_NAMES) {
    name = `strata_${names.size + 1}`
    names.set(sql, name)
  }
  return name
}

/** A compiled query that may carry its statement name. */
export type NamedQuery = CompiledQuery & { readonly [STATEMENT_NAME]?: string }

function named(sql: string, node: RawNode, parameters: readonly unknown[], queryId: QueryId, name: string | undefined): NamedQuery {
  return { sql, query: node, parameters, queryId, [STATEMENT_NAME]: name }
}

/** One cached SELECT: its SQL, and what the engine built for it (output columns, hydrator). */
export interface Plan<E> {
  readonly sql: string
  readonly node: RawNode
  readonly queryId: QueryId
  readonly paramCount: number
  readonly name: string | undefined
  /** What the engine keeps with the plan (its output columns and row hydrator). */
  readonly extra: E
  /** The parameters of the compile that made the plan. */
  readonly first: readonly unknown[]
  /** Set once the shape gave the same SQL with other parameters. */
  verified: boolean
  /**
   * The field each condition of the WHERE converts its values with, in the order of the SQL, when
   * every condition binds its values as they are (`readParams`); null: the compiler collects them.
   */
  readonly leaves: readonly (Field | undefined)[] | null
}

/** A cached shape: its plan, or null when its SQL depends on values; `used` orders evictions. */
interface Slot<E> {
  readonly key: string
  plan: Plan<E> | null
  used: number
  /** The state that made the plan, when simple enough to compare later states with (`sameShape`). */
  template: QueryState | null
  /** The `lead` key the plan was made with, and the custom lookup registrations then. */
  readonly lead: string | undefined
  readonly version: number
}

/** How many comparable shapes per model are tried by comparison before building a key. */
const RECENT = 8

/** A compiled SELECT and what the engine keeps with it. */
export interface Compiled<E> {
  readonly compiled: CompiledQuery
  readonly extra: E
}

/** Whether two parameter lists are equal (dates by time, arrays and bytes element by element). */
export function sameParameters(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false
  return true
}

function sameValue(x: unknown, y: unknown): boolean {
  if (Object.is(x, y)) return true
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false
  if (x instanceof Date && y instanceof Date) return x.getTime() === y.getTime()
  if (x instanceof Uint8Array && y instanceof Uint8Array) return x.length === y.length && x.every((b, i) => b === y[i])
  if (Array.isArray(x) && Array.isArray(y)) return sameParameters(x, y)
  return JSON.stringify(x) === JSON.stringify(y)
}

/** A bounded map of shapes to plans (or to "never cache this shape"), least recently used first out. */
export class PlanCache<E> {
  readonly #plans = new Map<string, Slot<E>>()
  /** Slots of simple shapes by model, most recent first, found by comparing states (`sameShape`). */
  #recent = new WeakMap<ModelMeta, Slot<E>[]>()
  readonly #size: number
  readonly #dialect: StrataDialect
  readonly #longList: number | undefined
  /** Bumped by every use of a slot: the slot with the smallest `used` is the least recently used. */
  #clock = 0
  /** Counters, for tests and the benchmark's notes. */
  readonly stats = { hits: 0, misses: 0, uncacheable: 0 }

  constructor(dialect: StrataDialect, size = PLAN_CACHE_SIZE) {
    this.#dialect = dialect
    this.#size = size
    this.#longList = inArrayAbove(dialect)
  }

  /** The number of shapes held. */
  get size(): number {
    return this.#plans.size
  }

  /**
   * The compiled query of `state`: from its plan when there is one, else from `compile` (which
   * builds the query and what the engine keeps with it), remembered for the next state of its shape.
   * `lead` describes what comes before the conditions in statements other than a SELECT (an
   * UPDATE's assignments): its part of the key and its parameters.
   */
  get(state: QueryState, compile: () => Compiled<E>, lead?: { readonly key: string; readonly params: readonly unknown[] }): Compiled<E> {
    let slot = this.#findRecent(state, lead?.key)
    let key: string
    if (slot !== undefined) key = slot.key
    else {
      const shape = shapeKey(state, this.#longList)
      if (shape === undefined) {
        this.stats.uncacheable++
        return compile()
      }
      key = lead ? `${lead.key}|${shape}` : shape
      slot = this.#plans.get(key)
      if (slot !== undefined && slot.plan !== null && slot.template === null && comparableState(state)) this.#list(slot, state)
    }
    if (slot !== undefined && slot.plan === null) {
      slot.used = ++this.#clock
      this.stats.uncacheable++
      return compile()
    }
    const plan = slot === undefined ? undefined : slot.plan!
    // A plan knows the fields its conditions convert with: their values are read without a compiler
    // (as they are on a miss, so that a dialect's own forms, such as an equality binding its value
    // twice, are read the same way when the plan is made and when it is used).
    const leaves = plan === undefined ? plainLeaves(state) : plan.leaves
    let conditions = leaves ? readParams(state.where, leaves, this.#dialect.ops, this.#longList) : undefined
    if (conditions === undefined) conditions = new QueryCompiler(state, this.#dialect).conditionParams()
    // The offset is the last parameter (`limitOffset`); a dialect that writes it otherwise gives a
    // plan whose parameters differ from the compiler's, which is then not kept.
    if (conditions !== undefined && state.offset > 0) conditions.push(state.offset)
    const params = conditions && lead ? [...lead.params, ...conditions] : conditions
    if (plan === undefined) {
      this.stats.misses++
      const fresh = compile()
      const made = params && sameParameters(params, fresh.compiled.parameters) ? this.#plan(fresh, params, leaves) : null
      this.#remember(key, made, made && comparableState(state) ? state : null, lead?.key)
      return fresh
    }
    slot!.used = ++this.#clock
    if (params && params.length === plan.paramCount && (plan.verified || sameParameters(params, plan.first))) {
      this.stats.hits++
      return { compiled: named(plan.sql, plan.node, params, plan.queryId, plan.name), extra: plan.extra }
    }
    this.stats.misses++
    const fresh = compile()
    if (params && fresh.compiled.sql === plan.sql && sameParameters(params, fresh.compiled.parameters)) plan.verified = true
    else this.#forget(slot!)
    return fresh
  }

  /** The slot of a recent simple shape that `state` has, if any (moved to the front of its model's list). */
  #findRecent(state: QueryState, lead: string | undefined): Slot<E> | undefined {
    const list = this.#recent.get(state.meta)
    if (list === undefined) return undefined
    const version = registryVersion()
    for (let i = 0; i < list.length; i++) {
      const slot = list[i]!
      if (slot.lead !== lead || slot.version !== version || !sameShape(slot.template!, state, this.#longList)) continue
      if (i > 0) {
        list.splice(i, 1)
        list.unshift(slot)
      }
      return slot
    }
    return undefined
  }

  /** Puts a slot first in its model's list of comparable shapes, with `template` to compare with. */
  #list(slot: Slot<E>, template: QueryState): void {
    slot.template = template
    let list = this.#recent.get(template.meta)
    if (list === undefined) {
      list = []
      this.#recent.set(template.meta, list)
    }
    list.unshift(slot)
    if (list.length > RECENT) list.pop()!.template = null
  }

  /** A shape whose SQL turned out to depend on values: never cached again, nor compared. */
  #forget(slot: Slot<E>): void {
    slot.plan = null
    this.#unlist(slot)
  }

  #unlist(slot: Slot<E>): void {
    if (slot.template === null) return
    const list = this.#recent.get(slot.template.meta)
    const at = list ? list.indexOf(slot) : -1
    if (at >= 0) list!.splice(at, 1)
    slot.template = null
  }

  /** Forgets every plan (after a schema change that renames what compiled SQL names, for instance). */
  clear(): void {
    this.#plans.clear()
    this.#recent = new WeakMap()
  }

  #plan(fresh: Compiled<E>, params: readonly unknown[], leaves: Plan<E>['leaves']): Plan<E> {
    const sql = fresh.compiled.sql
    return {
      sql,
      node: RawNode.createWithSql(sql),
      queryId: fresh.compiled.queryId,
      paramCount: params.length,
      name: statementName(sql),
      extra: fresh.extra,
      first: params,
      verified: false,
      leaves,
    }
  }

  #remember(key: string, plan: Plan<E> | null, template: QueryState | null, lead: string | undefined): void {
    const slot: Slot<E> = { key, plan, used: ++this.#clock, template: null, lead, version: registryVersion() }
    this.#plans.set(key, slot)
    if (template !== null) this.#list(slot, template)
    if (this.#plans.size <= this.#size) return
    // Only misses get here, and they compile: finding the least recently used slot costs less.
    let oldest: Slot<E> | undefined
    for (const s of this.#plans.values()) if (oldest === undefined || s.used < oldest.used) oldest = s
    this.#plans.delete(oldest!.key)
    this.#unlist(oldest!)
  }
}

/** The lookups a dialect renders with `textLookup`, whose parameter is the (LIKE-escaped) pattern. */
const TEXT_LOOKUPS: readonly string[] = ['iexact', 'contains', 'icontains', 'startswith', 'istartswith', 'endswith', 'iendswith', 'regex', 'iregex']

/** A column reference standing for a condition's left side when only its parameters are read. */
const LHS = sql.id('c')
const TEXT_LOOKUP_SET: ReadonlySet<string> = new Set(TEXT_LOOKUPS)

/** Lookups whose parameters are read without a compiler: the values as they are, or a text lookup's pattern. */
const PLAIN_LOOKUPS: ReadonlySet<string> = new Set(['exact', 'gt', 'gte', 'lt', 'lte', 'isnull', 'range', 'in', ...TEXT_LOOKUPS])

/**
 * The fields the WHERE conditions of `state` convert their values with, in order, when each one
 * binds its values as `QueryCompiler.conditionParams()` does without rendering (a comparison, a
 * range, an IN list (one parameter per value, or one array above the dialect's `inArrayAbove`), a
 * text lookup's pattern, isnull on a path without JSON keys, annotations, expressions, custom
 * lookups, aggregates or an EXISTS under a NOT); null otherwise. The same for every state of a shape.
 */
function plainLeaves(state: QueryState): (Field | undefined)[] | null {
  const out: (Field | undefined)[] = []
  if (state.where === null) return out
  const ctx: ResolveContext = { annotations: state.annotations, call: state.calls }
  const visit = (n: WhereNode, negated: boolean): boolean => {
    if (n.type === 'tree') {
      const inner = negated !== n.negated
      for (const c of n.children) if (!visit(c, inner)) return false
      return true
    }
    const p = n.path
    if (p.expr || n.isExpr || n.aggregate || p.annotation !== undefined || p.keys?.length || !PLAIN_LOOKUPS.has(n.lookup)) return false
    if (negated && p.hops.some((h) => h.multi)) return false
    const field = pathOutputField(p, ctx)
    if (isJsonCondition(n, field) || customLookup(field, n.lookup)) return false
    out.push(field)
    return true
  }
  return visit(state.where, false) ? out : null
}

/** The parameters of the WHERE of a state whose shape has `leaves` (`plainLeaves`), in order. */
function readParams(where: WhereNode | null, leaves: readonly (Field | undefined)[], ops: DialectOperations, longList = Number.POSITIVE_INFINITY): unknown[] | undefined {
  const out: unknown[] = []
  if (where === null) return out
  return readNode(where, leaves, ops, out, 0, longList) < 0 ? undefined : out
}

/** Appends the parameters of `node`, whose first condition is leaf `i`; the next leaf, or -1 when a list is bound as one array. */
function readNode(node: WhereNode, leaves: readonly (Field | undefined)[], ops: DialectOperations, out: unknown[], i: number, longList: number): number {
  if (node.type === 'tree') {
    for (const c of node.children) {
      i = readNode(c, leaves, ops, out, i, longList)
      if (i < 0) return -1
    }
    return i
  }
  const field = leaves[i]
  switch (node.lookup) {
    case 'isnull':
      break
    case 'in': {
      const list = node.value as unknown[]
      // A long list is one parameter, the array of its converted values (`ops.inArray`).
      if (list.length > longList) out.push(list.map((v) => ops.toDriver(field, v)))
      else for (const v of list) out.push(ops.toDriver(field, v))
      break
    }
    case 'range': {
      for (const v of node.value as unknown[]) out.push(ops.toDriver(field, v))
      break
    }
    case 'exact':
      // A dialect's own equality (MySQL compares text twice, as bytes too) may bind the value more than once.
      if (ops.exact !== undefined) {
        if (!collectParameters(ops.exact(LHS, sql.val(ops.toDriver(field, node.value)), field).toOperationNode(), out)) return -1
      } else out.push(ops.toDriver(field, node.value))
      break
    default:
      if (TEXT_LOOKUP_SET.has(node.lookup)) {
        // The pattern as the compiler renders it (compiler/select.ts `#lookup`): escaped for LIKE, then the dialect's own form.
        const value = node.lookup === 'regex' || node.lookup === 'iregex' ? (node.value as string) : likeEscape(node.value as string)
        if (!collectParameters(ops.textLookup(node.lookup, LHS, value, field).toOperationNode(), out)) return -1
      } else out.push(ops.toDriver(field, node.value))
  }
  return i + 1
}

/** SQL compiled for a key the engine builds itself (an INSERT's table, columns and row count). */
export interface CachedSql {
  readonly sql: string
  readonly node: RawNode
  readonly queryId: QueryId
  readonly name: string | undefined
}

/**
 * Compiled statements by a key that decides their whole text, with the parameters given apart
 * (INSERTs): bounded, least recently used first out.
 */
export class SqlCache {
  readonly #entries = new Map<string, CachedSql>()
  readonly #size: number

  constructor(size = PLAN_CACHE_SIZE) {
    this.#size = size
  }

  /**
   * `params` bound to the SQL cached under `key`, or to what `compile` builds (which must bind
   * exactly `params`, in order, to be cached).
   */
  get(key: string, params: readonly unknown[], compile: () => CompiledQuery): CompiledQuery {
    const known = this.#entries.get(key)
    if (known) {
      this.#entries.delete(key)
      this.#entries.set(key, known)
      return named(known.sql, known.node, params, known.queryId, known.name)
    }
    const compiled = compile()
    if (sameParameters(params, compiled.parameters)) {
      this.#entries.set(key, { sql: compiled.sql, node: RawNode.createWithSql(compiled.sql), queryId: compiled.queryId, name: statementName(compiled.sql) })
      if (this.#entries.size > this.#size) this.#entries.delete(this.#entries.keys().next().value!)
    }
    return compiled
  }
}
