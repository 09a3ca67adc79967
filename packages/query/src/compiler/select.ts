import {
  type Condition,
  customLookup,
  exprField,
  type Field,
  type ForeignKey,
  type Hop,
  type ManyToManyField,
  type ModelMeta,
  NotSupportedError,
  pathOutputField,
  resolveFieldPath,
  resolveOrderName,
  type QueryState,
  type ResolveContext,
  type ResolvedExpr,
  type ResolvedPath,
  type ForUpdate,
  type RelatedSelection,
  type WhereNode,
} from '@strata/core'
import { type RawBuilder, sql } from 'kysely'
import { type DialectOperations, type Fragment, inArrayAbove, type StrataDialect } from '../dialect.js'
import { innerJoinKeys, NO_KEYS } from './inner-joins.js'
import { applySteps, customLookupSql, isJsonCondition, jsonCondition, likeEscape, sortExpressions } from './lookups.js'
import { collectParameters } from './parameters.js'
import { distinctOrder } from './distinct-order.js'
import { partitionNumber, partitionRows } from './partition-slice.js'

/** One selected output column and how to convert it back. */
export interface OutputColumn {
  readonly alias: string
  readonly key: string
  readonly field: Field | undefined
  /** The relation `selectRelated()` follows that the column belongs to; undefined for the query's own model. */
  readonly node?: RelatedSelection
}

const TRUE = sql<boolean>`1 = 1`
const FALSE = sql<boolean>`1 = 0`
/** Stands for a column in `conditionParams()`, where only the parameters matter. */
const COLUMN = sql.id('c')

/** Compiles one query level: its FROM, joins, WHERE, expressions. Subqueries get their own. */
export class QueryCompiler {
  readonly state: QueryState
  readonly dialect: StrataDialect
  readonly ops: DialectOperations
  readonly root: string
  readonly #joins: Fragment[] = []
  readonly #aliases = new Map<string, string>()
  readonly #prefix: string
  #counter = 0
  readonly #outer?: QueryCompiler
  readonly ctx: ResolveContext
  /** Columns of `selectRelated()` relations, which an aggregating query must also group by. */
  readonly relatedColumns: Fragment[] = []
  /** Join keys that a top-level condition needs a related row for: INNER joins (`innerJoinKeys`). */
  readonly #inner: ReadonlySet<string>
  /** `in` lists longer than this bind as one parameter (`ops.inArray`). */
  readonly #longList: number

  constructor(state: QueryState, dialect: StrataDialect, options: { root?: string; prefix?: string; outer?: QueryCompiler } = {}) {
    this.state = state
    this.dialect = dialect
    this.ops = dialect.ops
    this.#prefix = options.prefix ?? 't'
    this.root = options.root ?? `${this.#prefix}0`
    this.#outer = options.outer
    this.ctx = { annotations: state.annotations, call: state.calls }
    this.#inner = options.outer ? NO_KEYS : innerJoinKeys(state.where)
    this.#longList = inArrayAbove(dialect) ?? Number.POSITIVE_INFINITY
  }

  #newAlias(): string {
    this.#counter++
    return `${this.#prefix}${this.#counter}`
  }

  /** The FROM clause with every join added so far. */
  from(): Fragment {
    const table = this.state.meta.dbTable
    const base = this.root === table ? sql.table(table) : sql`${sql.table(table)} as ${sql.id(this.root)}`
    return this.#joins.length ? sql`${base} ${sql.join(this.#joins, sql` `)}` : base
  }

  /** Whether any join was added. */
  get hasJoins(): boolean {
    return this.#joins.length > 0
  }

  /** Joins along `hops` from `start`, reusing joins with the same key; returns the alias reached. */
  joinPath(hops: readonly Hop[], call: number, start = this.root, keyPrefix = ''): string {
    let alias = start
    let key = keyPrefix
    for (const hop of hops) {
      key += `/${hop.kind}:${hop.field.modelName}.${hop.field.name}${hop.multi ? `#${call}` : ''}`
      const existing = this.#aliases.get(key)
      if (existing) {
        alias = existing
        continue
      }
      alias = this.#addJoin(hop, alias, this.#inner.has(key) ? 'inner' : 'left')
      this.#aliases.set(key, alias)
    }
    return alias
  }

  /**
   * Joins a relation `selectRelated()` follows from the alias `from` (whose join key is `parentKey`):
   * INNER when the related row always exists, LEFT when it may not. A join of the same path made
   * for a filter is reused, as Django does.
   */
  joinRelated(node: RelatedSelection, from: string, parentKey: string): { alias: string; key: string } {
    const key = `${parentKey}/${node.hop.kind}:${node.hop.field.modelName}.${node.hop.field.name}`
    let alias = this.#aliases.get(key)
    if (!alias) {
      alias = this.#addJoin(node.hop, from, node.nullable && !this.#inner.has(key) ? 'left' : 'inner')
      this.#aliases.set(key, alias)
    }
    return { alias, key }
  }

  #addJoin(hop: Hop, from: string, type: 'left' | 'inner' = 'left'): string {
    const to = this.#newAlias()
    const t = (meta: ModelMeta, a: string) => sql`${sql.raw(type)} join ${sql.table(meta.dbTable)} as ${sql.id(a)}`
    const col = (a: string, c: string) => sql.ref(`${a}.${c}`)
    switch (hop.kind) {
      case 'forward': {
        const fk = hop.field as ForeignKey<unknown, boolean, boolean>
        this.#joins.push(sql`${t(hop.to, to)} on ${col(to, hop.to.pk.column)} = ${col(from, fk.column)}`)
        return to
      }
      case 'reverse': {
        const fk = hop.field as ForeignKey<unknown, boolean, boolean>
        this.#joins.push(sql`${t(hop.to, to)} on ${col(to, fk.column)} = ${col(from, hop.from.pk.column)}`)
        return to
      }
      case 'm2m':
      case 'm2mReverse': {
        const m2m = hop.field as ManyToManyField<unknown>
        const mid = to
        const end = this.#newAlias()
        const [near, far] = hop.kind === 'm2m' ? [m2m.sourceField, m2m.targetField] : [m2m.targetField, m2m.sourceField]
        this.#joins.push(sql`${t(m2m.through, mid)} on ${col(mid, near.column)} = ${col(from, hop.from.pk.column)}`)
        this.#joins.push(sql`${t(hop.to, end)} on ${col(end, hop.to.pk.column)} = ${col(mid, far.column)}`)
        return end
      }
    }
  }

  /** The column expression a path leads to, with transforms applied. */
  path(path: ResolvedPath): Fragment {
    if (path.annotation) {
      const expr = this.state.annotations.get(path.annotation)!
      return applySteps(this, this.expression(expr), pathOutputField({ ...path, keys: [], transforms: [] }, this.ctx), path)
    }
    const alias = this.joinPath(path.hops, path.call)
    return applySteps(this, sql.ref(`${alias}.${path.field!.column}`), path.field, path)
  }

  /** A bound parameter, converted for the driver as `field` says. */
  param(value: unknown, field: Field | undefined): Fragment {
    return sql.val(this.ops.toDriver(field, value))
  }

  /** Renders an expression. */
  expression(expr: ResolvedExpr): Fragment {
    switch (expr.type) {
      case 'col':
        return this.path(expr.path)
      case 'value': {
        const param = this.param(expr.value, expr.field)
        return this.ops.valueExpression ? this.ops.valueExpression(param, expr.field) : param
      }
      case 'op':
        return sql`(${this.expression(expr.lhs)} ${sql.raw(expr.op)} ${this.expression(expr.rhs)})`
      case 'outer': {
        if (!this.#outer) throw new NotSupportedError('OuterRef outside a subquery')
        const { expr: resolved } = { expr: this.#outer.resolveOuter(expr.name) }
        return resolved
      }
      case 'agg': {
        const fn = expr.fn
        // COUNT of a non-null column of the query's own table is COUNT(*), which lets the database
        // count from an index alone (its rows are never null-extended by a join).
        const star = fn === 'count' && !expr.distinct && !expr.filter && countsEveryRow(expr.arg)
        let arg: Fragment = expr.arg && !star ? this.expression(expr.arg) : sql`*`
        if (expr.filter) {
          const cond = this.where(expr.filter, false)
          arg = expr.arg ? sql`case when ${cond} then ${arg} else null end` : sql`case when ${cond} then 1 else null end`
        }
        let out: Fragment = expr.distinct ? sql`${sql.raw(fn)}(distinct ${arg})` : sql`${sql.raw(fn)}(${arg})`
        if (this.ops.castAggregate) out = this.ops.castAggregate(expr.fn, out, expr.field)
        if (expr.default !== null && expr.default !== undefined && expr.fn !== 'count')
          out = sql`coalesce(${out}, ${this.param(expr.default, expr.field)})`
        return out
      }
      case 'subquery': {
        const sub = new QueryCompiler(expr.state, this.dialect, { prefix: `${this.#prefix}s${this.#counter++}_`, outer: this })
        const q = sub.selectValues()
        return expr.exists ? sql`exists (${q})` : sql`(${q})`
      }
      case 'case': {
        const whens = expr.whens.map((w) => sql`when ${this.where(w.when, false)} then ${this.expression(w.then)}`)
        const otherwise = expr.otherwise ? sql` else ${this.expression(expr.otherwise)}` : sql``
        return sql`case ${sql.join(whens, sql` `)}${otherwise} end`
      }
      case 'func': {
        const args = expr.args.map((a) => this.expression(a))
        const context = { argKinds: expr.args.map((a) => exprField(a, this.ctx)?.kind), ...(expr.option !== undefined ? { option: expr.option } : {}) }
        const custom = this.ops.func?.(expr.name, args, expr.field, context)
        if (custom) return custom
        if (expr.name === 'ExpressionWrapper') return args[0]!
        switch (expr.name) {
          case 'Concat':
            return sql`concat(${sql.join(args.map((a) => sql`coalesce(${a}, '')`))})`
          case 'Now':
            return sql`current_timestamp`
          case 'Cast':
          case 'Trunc':
            throw new NotSupportedError(`The ${this.dialect.name} dialect does not spell ${expr.name}()`)
          default:
            return sql`${sql.raw(expr.name.toLowerCase())}(${sql.join(args)})`
        }
      }
    }
  }

  /** Resolves an OuterRef name against this (outer) query. */
  resolveOuter(name: string): Fragment {
    const { path } = resolveFieldPath(this.state.meta, name.split('__'), this.ctx)
    return this.path(path)
  }

  /** Renders a WHERE tree; `negated` tells conditions they sit under a NOT. */
  where(node: WhereNode, negated: boolean): RawBuilder<boolean> {
    if (node.type === 'cond') return this.condition(node, negated)
    const inner = negated !== node.negated
    const parts = node.children.map((c) => this.where(c, inner))
    let out: RawBuilder<boolean>
    if (parts.length === 0) out = node.connector === 'AND' ? TRUE : FALSE
    else if (parts.length === 1) out = parts[0]!
    else out = sql<boolean>`(${sql.join(parts, node.connector === 'AND' ? sql` and ` : sql` or `)})`
    return node.negated ? sql<boolean>`not (${out})` : out
  }

  /** Renders one condition. Under a NOT, multi-valued paths become EXISTS subqueries (Django's exclude). */
  condition(c: Condition, negated: boolean): RawBuilder<boolean> {
    if (c.path.expr) return this.expression(c.path.expr) as RawBuilder<boolean>
    const multiAt = c.path.hops.findIndex((h) => h.multi)
    if (negated && multiAt >= 0 && !c.path.annotation) return this.#existsCondition(c, multiAt)
    const field = pathOutputField(c.path, this.ctx)
    if (isJsonCondition(c, field)) return jsonCondition(this, c, field, negated)
    const lhs = this.path(c.path)
    const rendered = this.#lookup(c, lhs, field)
    const mayBeNull = c.lookup !== 'isnull' && (c.path.hops.length > 0 || c.path.field?.nullable === true || c.path.annotation !== undefined)
    return negated && mayBeNull ? sql<boolean>`(${rendered} and ${lhs} is not null)` : rendered
  }

  /**
   * The bound parameters the WHERE and HAVING of this state render, in the order of the SQL,
   * without rendering the rest of the query (for the compiled-query cache: `plans.ts`). Undefined
   * when a condition writes a value into the SQL text, so that the text depends on values.
   */
  conditionParams(): unknown[] | undefined {
    const { where, having } = this.#splitWhere()
    const out: unknown[] = []
    if (where && !this.#collectConditionParams(where, false, out)) return undefined
    if (having && !this.#collectConditionParams(having, false, out)) return undefined
    return out
  }

  #collectConditionParams(node: WhereNode, negated: boolean, out: unknown[]): boolean {
    if (node.type === 'tree') {
      const inner = negated !== node.negated
      for (const child of node.children) if (!this.#collectConditionParams(child, inner, out)) return false
      return true
    }
    const c = node
    const field = c.path.expr ? undefined : pathOutputField(c.path, this.ctx)
    const json = !c.path.expr && isJsonCondition(c, field)
    // Comparisons bind their values as `param()` does: converted, one parameter each (no fragment built).
    if (!c.path.expr && !c.isExpr && !json && !(negated && c.path.hops.some((h) => h.multi)) && !customLookup(field, c.lookup)) {
      switch (c.lookup) {
        case 'exact':
        case 'gt':
        case 'gte':
        case 'lt':
        case 'lte':
          out.push(this.ops.toDriver(field, c.value))
          return true
        case 'isnull':
          return true
        case 'range':
          for (const v of c.value as unknown[]) out.push(this.ops.toDriver(field, v))
          return true
        case 'in': {
          const list = c.value as unknown[]
          if (list.length > this.#longList) break
          for (const v of list) out.push(this.ops.toDriver(field, v))
          return true
        }
      }
    }
    // A condition on a column of the model itself renders its column without parameters; elsewhere
    // the whole condition is rendered, as where() does, and its joins are thrown away.
    const simple = !c.path.expr && c.path.hops.length === 0 && !c.path.annotation && !c.path.keys?.length && c.path.transforms.length === 0 && !json
    const fragment = simple ? this.#lookup(c, COLUMN, field) : this.condition(c, negated)
    return collectParameters(fragment.toOperationNode(), out)
  }

  #existsCondition(c: Condition, multiAt: number): RawBuilder<boolean> {
    const anchor = this.joinPath(c.path.hops.slice(0, multiAt), c.path.call)
    const hop = c.path.hops[multiAt]!
    const sub = new QueryCompiler({ ...this.state, meta: hop.to, annotations: new Map() }, this.dialect, {
      prefix: `${this.#prefix}x${this.#counter++}_`,
      outer: this,
    })
    const link = sub.#correlate(hop, anchor)
    const rest: ResolvedPath = { ...c.path, hops: c.path.hops.slice(multiAt + 1) }
    const last = rest.hops.length ? rest.hops[rest.hops.length - 1]!.to : hop.to
    const isPkNull = c.lookup === 'isnull' && rest.field === last.pk && rest.transforms.length === 0
    if (isPkNull && rest.hops.every((h) => !h.multi)) {
      sub.joinPath(rest.hops, c.path.call, sub.root)
      const q = sql`select 1 from ${sub.from()} where ${link}`
      return c.value === true ? sql<boolean>`not exists (${q})` : sql<boolean>`exists (${q})`
    }
    const inner = sub.condition({ ...c, path: rest }, false)
    return sql<boolean>`exists (select 1 from ${sub.from()} where ${link} and ${inner})`
  }

  /** The correlation between this subquery's root and the outer alias across `hop`. */
  #correlate(hop: Hop, outerAlias: string): Fragment {
    const col = (a: string, c: string) => sql.ref(`${a}.${c}`)
    if (hop.kind === 'reverse') return sql`${col(this.root, (hop.field as ForeignKey<unknown, boolean, boolean>).column)} = ${col(outerAlias, hop.from.pk.column)}`
    const m2m = hop.field as ManyToManyField<unknown>
    const [near, far] = hop.kind === 'm2m' ? [m2m.sourceField, m2m.targetField] : [m2m.targetField, m2m.sourceField]
    const mid = this.#newAlias()
    this.#joins.push(sql`inner join ${sql.table(m2m.through.dbTable)} as ${sql.id(mid)} on ${col(mid, far.column)} = ${col(this.root, hop.to.pk.column)}`)
    return sql`${col(mid, near.column)} = ${col(outerAlias, hop.from.pk.column)}`
  }

  #lookup(c: Condition, lhs: Fragment, field: Field | undefined): RawBuilder<boolean> {
    const custom = customLookupSql(this, c, lhs, field)
    if (custom) return custom
    const rhs = (v: unknown): Fragment => (c.isExpr ? this.expression(v as ResolvedExpr) : this.param(v, field))
    switch (c.lookup) {
      case 'exact':
        return this.ops.exact ? (this.ops.exact(lhs, rhs(c.value), field) as RawBuilder<boolean>) : sql<boolean>`${lhs} = ${rhs(c.value)}`
      case 'gt':
        return sql<boolean>`${lhs} > ${rhs(c.value)}`
      case 'gte':
        return sql<boolean>`${lhs} >= ${rhs(c.value)}`
      case 'lt':
        return sql<boolean>`${lhs} < ${rhs(c.value)}`
      case 'lte':
        return sql<boolean>`${lhs} <= ${rhs(c.value)}`
      case 'isnull':
        return c.value ? sql<boolean>`${lhs} is null` : sql<boolean>`${lhs} is not null`
      case 'range': {
        const [a, b] = c.value as unknown[]
        return sql<boolean>`${lhs} between ${rhs(a)} and ${rhs(b)}`
      }
      case 'in': {
        if (c.isExpr) return sql<boolean>`${lhs} in ${this.expression(c.value as ResolvedExpr)}`
        const list = c.value as unknown[]
        if (list.length === 0) return FALSE
        // Long lists bind one array parameter where the dialect can, to stay under the parameter limit.
        const asArray = list.length > this.#longList ? this.ops.inArray!(lhs, list.map((v) => this.ops.toDriver(field, v)), field) : undefined
        if (asArray) return asArray as RawBuilder<boolean>
        return sql<boolean>`${lhs} in (${sql.join(list.map((v) => this.param(v, field)))})`
      }
      default: {
        let value = c.value as string
        if (c.lookup !== 'regex' && c.lookup !== 'iregex') value = likeEscape(value)
        return this.ops.textLookup(c.lookup, lhs, value, field) as RawBuilder<boolean>
      }
    }
  }

  /** SELECT for `__in` subqueries and Subquery(): the values columns, or the primary key. */
  selectValues(): RawBuilder<unknown> {
    const s = this.state
    const cols = s.values
      ? s.values.map((v) => this.expression(v.expr))
      : [sql.ref(`${this.root}.${s.meta.pk.column}`)]
    if (s.values && s.values.length !== 1 && s.result !== 'instances')
      throw new NotSupportedError(`A subquery must select exactly one column; ${s.meta.name} selects ${s.values.length}`)
    // As Django, an unsliced subquery is not sorted: its order would change nothing (and under
    // DISTINCT would add the sort columns to what it selects).
    const noOrder = s.limit === null && s.offset === 0 && !s.distinctOn?.length && !s.forUpdate
    return this.select(cols.map((c, i) => sql`${c} as ${sql.id(`v${i}`)}`), { forSubquery: true, noOrder })
  }

  /** Builds the full SELECT around `columns`, with WHERE, GROUP BY, HAVING, ORDER BY and limits. */
  select(columns: Fragment[], options: { forSubquery?: boolean; noOrder?: boolean; groupBy?: Fragment[] | null; lock?: boolean } = {}): RawBuilder<unknown> {
    const s = this.state
    // First: a relation whose rows are locked is joined INNER where its keys are non-null (PostgreSQL
    // locks no outer-joined rows), and filters on it then reuse that join.
    const lock = options.lock && s.forUpdate && this.dialect.features.selectForUpdate ? s.forUpdate : null
    const lockOf = lock ? this.#lockAliases(lock) : []
    const { where, having } = this.#splitWhere()
    const whereSql = where ? this.where(where, false) : null
    const havingSql = having ? this.where(having, false) : null
    let order: Fragment[] = []
    const slice = s.partitionSlice
    // A slice per partition sorts inside its row number; the outer query keeps the slice (partition-slice.ts).
    if (slice) columns = [...columns, partitionNumber(this, slice)]
    // SELECT DISTINCT sorted by what it does not select selects that too (Django's extra select).
    else if (!options.noOrder) ({ columns, order } = s.distinct && !s.distinctOn?.length ? distinctOrder(this, columns) : { columns, order: this.orderBy() })
    const groupBy = options.groupBy === undefined ? this.groupBy(columns) : options.groupBy
    const parts: Fragment[] = [sql`select ${this.#distinct()}${sql.join(columns)} from ${this.from()}`]
    if (whereSql) parts.push(sql`where ${whereSql}`)
    if (groupBy?.length) parts.push(sql`group by ${sql.join(groupBy)}`)
    if (havingSql) parts.push(sql`having ${havingSql}`)
    if (order.length) parts.push(sql`order by ${sql.join(order)}`)
    if (!slice && (s.limit !== null || s.offset > 0)) parts.push(this.ops.limitOffset(s.limit, s.offset))
    if (lock) parts.push(this.#lockClause(lock, lockOf))
    const query = sql`${sql.join(parts, sql` `)}`
    return slice ? partitionRows(this, query, slice, options.noOrder === true) : query
  }

  /**
   * `for update [of ...] [nowait | skip locked]`. Without `of`, a query with joins locks the queried
   * model's rows where the database takes `OF` (every table it reads otherwise).
   */
  #lockClause(spec: ForUpdate, of: readonly string[]): Fragment {
    const aliases = of.length ? of : this.hasJoins && this.dialect.features.selectForUpdateOf ? [this.root] : []
    const ofSql = aliases.length ? sql` of ${sql.join(aliases.map((a) => sql.id(a)))}` : sql``
    return sql`for update${ofSql}${spec.nowait ? sql` nowait` : spec.skipLocked ? sql` skip locked` : sql``}`
  }

  /** Checks the lock options against the dialect's features and joins the `of` relations; returns their aliases. */
  #lockAliases(spec: ForUpdate): string[] {
    const f = this.dialect.features
    const refuse = (what: string, flag: string) =>
      new NotSupportedError(`selectForUpdate({ ${what} }) is not supported on ${this.dialect.name}${f.gaps[flag] ? `: ${f.gaps[flag]}` : ''}`, { model: this.state.meta.name })
    if (spec.nowait && !f.selectForUpdateNowait) throw refuse('nowait', 'selectForUpdateNowait')
    if (spec.skipLocked && !f.selectForUpdateSkipLocked) throw refuse('skipLocked', 'selectForUpdateSkipLocked')
    if (spec.of.length && !f.selectForUpdateOf) throw refuse('of', 'selectForUpdateOf')
    return [...new Set(spec.of.map((t) => this.#lockAlias(t.hops)))]
  }

  /** The alias of a forward relation path to lock, joined INNER while every key on the way is non-null. */
  #lockAlias(hops: readonly Hop[]): string {
    let alias = this.root
    let key = ''
    let inner = true
    for (const hop of hops) {
      key += `/${hop.kind}:${hop.field.modelName}.${hop.field.name}`
      inner = inner && !hop.field.nullable
      let next = this.#aliases.get(key)
      if (!next) {
        next = this.#addJoin(hop, alias, inner ? 'inner' : 'left')
        this.#aliases.set(key, next)
      }
      alias = next
    }
    return alias
  }

  /** `distinct `, or `distinct on (...) ` for `distinct(...fields)` where the database has it. */
  #distinct(): Fragment {
    const s = this.state
    if (s.distinctOn?.length) {
      const f = this.dialect.features
      if (!f.distinctOn) throw new NotSupportedError(`distinct(...fields) (DISTINCT ON) is not supported on ${this.dialect.name}${f.gaps.distinctOn ? `: ${f.gaps.distinctOn}` : ''}`, { model: s.meta.name })
      return sql`distinct on (${sql.join(s.distinctOn.map((e) => this.expression(e)))}) `
    }
    return s.distinct ? sql`distinct ` : sql``
  }

  /** Whether the query aggregates (an aggregate annotation is present). */
  get aggregates(): boolean {
    for (const [, e] of this.state.annotations) if (hasAggregate(e)) return true
    return false
  }

  /** GROUP BY terms: the values() columns, or every model column, when an aggregate is annotated. */
  groupBy(_columns: Fragment[]): Fragment[] | null {
    if (!this.aggregates) return null
    const s = this.state
    if (s.values && s.groupByValues && s.groupBy) return s.groupBy.map((e) => this.expression(e))
    if (s.values && s.groupByValues) {
      return s.values.filter((v) => !hasAggregate(v.expr) && !(v.expr.type === 'col' && v.expr.path.annotation && hasAggregate(s.annotations.get(v.expr.path.annotation)!))).map((v) => this.expression(v.expr))
    }
    const out: Fragment[] = s.meta.concreteFields.map((f) => sql.ref(`${this.root}.${f.column}`))
    out.push(...this.relatedColumns)
    for (const [name, e] of s.annotations) if (!hasAggregate(e) && !s.hidden.has(name)) out.push(this.expression(e))
    // Ordering by a joined column needs it grouped too (PostgreSQL insists); grouping by the primary key
    // already makes each group one row, so this never changes the result.
    for (const t of s.order ?? []) {
      if (t.expr === 'random' || hasAggregate(t.expr) || (t.expr.type === 'col' && (t.expr.path.hops.length === 0 || t.expr.path.annotation))) continue
      out.push(this.expression(t.expr))
    }
    return out
  }

  #splitWhere(): { where: WhereNode | null; having: WhereNode | null } {
    const w = this.state.where
    if (!w) return { where: null, having: null }
    if (!nodeHasAggregate(w)) return { where: w, having: null }
    if (w.type === 'tree' && w.connector === 'AND' && !w.negated) {
      const plain = w.children.filter((c) => !nodeHasAggregate(c))
      const agg = w.children.filter((c) => nodeHasAggregate(c))
      return {
        where: plain.length ? { type: 'tree', connector: 'AND', negated: false, children: plain } : null,
        having: { type: 'tree', connector: 'AND', negated: false, children: agg },
      }
    }
    return { where: null, having: w }
  }

  /** The ORDER BY terms (default ordering, reversal, nulls). */
  orderBy(): Fragment[] {
    return this.sortKeys().map((k) => this.sortTerm(k.expr, k))
  }

  /** One ORDER BY term: `expr` sorted as `key` says (a random key is `expr` itself). */
  sortTerm(expr: Fragment, key: SortKey): Fragment {
    return key.random ? expr : this.ops.orderTerm(expr, key.descending, key.nulls)
  }

  /** What the rows are sorted by, before directions are written: the ordering given, or the model's (reversed by `reverse()`). */
  sortKeys(): SortKey[] {
    const s = this.state
    let terms: { expr: ResolvedExpr | 'random'; descending: boolean; nulls: { nullsFirst?: boolean; nullsLast?: boolean } }[]
    if (s.order) terms = [...s.order]
    else if (s.groupByValues) terms = []
    else {
      terms = s.meta.ordering.map((name) => ({ ...resolveOrderName(s.meta, name, this.ctx), nulls: {} }))
    }
    return terms.flatMap((t): SortKey[] => {
      if (t.expr === 'random') return [{ expr: this.ops.random(), random: true, descending: false, nulls: {} }]
      const descending = s.reversed ? !t.descending : t.descending
      const nulls = s.reversed ? { nullsFirst: t.nulls.nullsLast, nullsLast: t.nulls.nullsFirst } : t.nulls
      return sortExpressions(this, t.expr).map((expr) => ({ expr, random: false, descending, nulls }))
    })
  }
}

/** One sort key of a query: the expression, and how it sorts. */
export interface SortKey {
  readonly expr: Fragment
  /** `orderBy('?')`: the dialect's random(), which takes no direction. */
  readonly random: boolean
  readonly descending: boolean
  readonly nulls: { readonly nullsFirst?: boolean; readonly nullsLast?: boolean }
}

/** Whether a COUNT argument is a non-null column of the base table, so that it counts every row. */
function countsEveryRow(arg: ResolvedExpr | null): boolean {
  if (arg === null || arg.type !== 'col') return false
  const p = arg.path
  return p.hops.length === 0 && p.field !== undefined && !p.field.nullable && p.field.kind !== 'manyToMany' && p.annotation === undefined && p.expr === undefined && (p.keys === undefined || p.keys.length === 0) && p.transforms.length === 0
}

/** Whether an expression contains an aggregate. */
export function hasAggregate(e: ResolvedExpr): boolean {
  if (e.type === 'agg') return true
  if (e.type === 'op') return hasAggregate(e.lhs) || hasAggregate(e.rhs)
  if (e.type === 'func') return e.args.some(hasAggregate)
  if (e.type === 'case') return e.whens.some((w) => nodeHasAggregate(w.when) || hasAggregate(w.then)) || (e.otherwise !== null && hasAggregate(e.otherwise))
  return false
}

/** Whether a WHERE node refers to an aggregate (so it belongs in HAVING). */
export function nodeHasAggregate(n: WhereNode): boolean {
  if (n.type === 'cond') return n.aggregate
  return n.children.some(nodeHasAggregate)
}
