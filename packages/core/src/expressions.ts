import { FieldError } from './errors.js'
import type { QueryState } from './state.js'

const EXPR_BRAND: unique symbol = Symbol.for('strata.expression') as never

/** The base of every query expression; `T` is its result type, for inference only. */
export abstract class Expression<T = unknown> {
  declare readonly __result: T
  readonly [EXPR_BRAND] = true
  abstract readonly kind: string

  /** Adds (`F('views').add(1)`). */
  add(other: unknown): Combined {
    return new Combined('+', this, toExpression(other))
  }

  /** Subtracts. */
  sub(other: unknown): Combined {
    return new Combined('-', this, toExpression(other))
  }

  /** Multiplies. */
  mul(other: unknown): Combined {
    return new Combined('*', this, toExpression(other))
  }

  /** Divides. */
  div(other: unknown): Combined {
    return new Combined('/', this, toExpression(other))
  }

  /** Remainder of a division. */
  mod(other: unknown): Combined {
    return new Combined('%', this, toExpression(other))
  }

  /** Ascending order for `orderBy`. */
  asc(options: NullsOrder = {}): OrderBy {
    return new OrderBy(this, false, options)
  }

  /** Descending order for `orderBy`. */
  desc(options: NullsOrder = {}): OrderBy {
    return new OrderBy(this, true, options)
  }
}

/** Where NULLs go in an ordering. */
export interface NullsOrder {
  nullsFirst?: boolean
  nullsLast?: boolean
}

/** Whether a value is a Strata expression. */
export function isExpression(value: unknown): value is Expression {
  return typeof value === 'object' && value !== null && (value as { [EXPR_BRAND]?: boolean })[EXPR_BRAND] === true
}

/** Wraps plain values as `Value`, leaves expressions as they are. */
export function toExpression(value: unknown): Expression {
  return isExpression(value) ? value : new ValueExpr(value)
}

/** A reference to a field of the current row, `F('views')`, or through relations. */
export class FieldRef<P extends string = string> extends Expression {
  readonly kind = 'F'
  constructor(readonly name: P) {
    super()
    if (typeof name !== 'string' || name === '') throw new FieldError('F() needs a field name')
  }
}

/** A reference to the outer query's row inside `Subquery`/`Exists`. */
export class OuterRefExpr<P extends string = string> extends Expression {
  readonly kind = 'OuterRef'
  constructor(readonly name: P) {
    super()
  }
}

/** A literal value, bound as a parameter. */
export class ValueExpr<T = unknown> extends Expression<T> {
  readonly kind = 'Value'
  constructor(readonly value: T) {
    super()
  }
}

/** Two expressions joined by an arithmetic operator. */
export class Combined extends Expression<number> {
  readonly kind = 'Combined'
  constructor(
    readonly op: '+' | '-' | '*' | '/' | '%',
    readonly lhs: Expression,
    readonly rhs: Expression,
  ) {
    super()
  }
}

/** An ordering term made by `.asc()` / `.desc()`. */
export class OrderBy {
  readonly kind = 'OrderBy'
  constructor(
    readonly expression: Expression,
    readonly descending: boolean,
    readonly nulls: NullsOrder,
  ) {
    if (nulls.nullsFirst && nulls.nullsLast) throw new FieldError('nullsFirst and nullsLast are mutually exclusive')
  }
}

/** The aggregate functions. */
export type AggregateKind = 'count' | 'sum' | 'avg' | 'min' | 'max'

/** Options every aggregate takes. */
export interface AggregateOptions {
  distinct?: boolean
  /** Only rows matching this filter count (a lookup object or a `Q`). */
  filter?: Record<string, unknown> | QNode
  /** The result when no row matched, instead of null. */
  default?: unknown
}

/** An aggregate over a path or expression (`Count('comment')`, `Max('pubDate')`). */
export class Aggregate<K extends AggregateKind = AggregateKind, P extends string = string> extends Expression {
  readonly kind = 'Aggregate'
  constructor(
    readonly fn: K,
    readonly source: P | Expression,
    readonly options: AggregateOptions = {},
  ) {
    super()
    if (typeof source !== 'string' && !isExpression(source))
      throw new FieldError(`${fn.toUpperCase()}() needs a field path or an expression`)
    if (options.distinct && fn !== 'count' && fn !== 'sum' && fn !== 'avg')
      throw new FieldError(`${fn.toUpperCase()}() does not take distinct`)
  }
}

/** A tree of lookups joined by AND/OR, possibly negated; build with `Q()`. */
export class QNode {
  readonly kind = 'Q'
  constructor(
    readonly connector: 'AND' | 'OR',
    readonly children: readonly (Record<string, unknown> | QNode | Expression<boolean | null>)[],
    readonly negated = false,
  ) {}

  /** Both this and `other` must hold. */
  and(...others: (Record<string, unknown> | QNode | Expression<boolean | null>)[]): QNode {
    return new QNode('AND', [this, ...others])
  }

  /** Either this or `other` must hold. */
  or(...others: (Record<string, unknown> | QNode | Expression<boolean | null>)[]): QNode {
    return new QNode('OR', [this, ...others])
  }

  /** The negation of this. */
  not(): QNode {
    return new QNode(this.connector, this.children, !this.negated)
  }
}

/** Whether a value is a Q object. */
export function isQ(value: unknown): value is QNode {
  return value instanceof QNode || (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Q' && 'connector' in value)
}

/**
 * Wraps lookups so that they can be combined with `and`, `or` and `not`. Keys are checked
 * at run time against the model when the Q is used: the entry point for dynamic filters.
 */
export function Q(lookups: Record<string, unknown> | QNode | Expression<boolean | null> = {}): QNode {
  return new QNode('AND', [lookups])
}

/** A reference to a field of the current row, for filters, updates and annotations. */
export function F<const P extends string>(name: P): FieldRef<P> {
  return new FieldRef(name)
}

/** A reference to the enclosing query's row from inside a subquery. */
export function OuterRef<const P extends string>(name: P): OuterRefExpr<P> {
  return new OuterRefExpr(name)
}

/** A literal value in an expression. */
export function Value<T>(value: T): ValueExpr<T> {
  return new ValueExpr(value)
}

/** Counts rows (or distinct values with `{ distinct: true }`); never null. */
export function Count<const P extends string>(path: P | Expression, options?: AggregateOptions): Aggregate<'count', P> {
  return new Aggregate('count', path, options)
}

/** Sums a numeric path; null over no rows unless `default` is given. */
export function Sum<const P extends string>(path: P | Expression, options?: AggregateOptions): Aggregate<'sum', P> {
  return new Aggregate('sum', path, options)
}

/** Averages a numeric path. */
export function Avg<const P extends string>(path: P | Expression, options?: AggregateOptions): Aggregate<'avg', P> {
  return new Aggregate('avg', path, options)
}

/** The smallest value of a path. */
export function Min<const P extends string>(path: P | Expression, options?: AggregateOptions): Aggregate<'min', P> {
  return new Aggregate('min', path, options)
}

/** The largest value of a path. */
export function Max<const P extends string>(path: P | Expression, options?: AggregateOptions): Aggregate<'max', P> {
  return new Aggregate('max', path, options)
}

/** One branch of `Case`: a condition (lookups or a Q) and the result when it holds. */
export class WhenExpr<T = unknown> {
  readonly kind = 'When'
  constructor(
    readonly condition: Record<string, unknown> | QNode,
    readonly then: Expression<T>,
  ) {}
}

/** A conditional expression: the first `When` that holds gives the result, else `default` (null without it). */
export class CaseExpr<T = unknown> extends Expression<T | null> {
  readonly kind = 'Case'
  constructor(
    readonly whens: readonly WhenExpr<T>[],
    readonly otherwise: Expression<T> | null,
  ) {
    super()
  }
}

/** A branch of `Case`: `When({ rating__gte: 4 }, { then: Value('good') })`; `then` may be a plain value. */
export function When<T>(condition: Record<string, unknown> | QNode, result: { then: T | Expression<T> }): WhenExpr<T> {
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition))
    throw new FieldError('When() needs an object of lookups or a Q as its condition')
  if (!isQ(condition) && Object.keys(condition).length === 0) throw new FieldError('When() needs at least one lookup')
  if (typeof result !== 'object' || result === null || !('then' in result)) throw new FieldError('When() needs { then }')
  return new WhenExpr(condition, toExpression(result.then) as Expression<T>)
}

/** `Case(When(...), When(...), { default })`: SQL `CASE WHEN ... THEN ... ELSE ... END`. */
export function Case<T>(...args: [WhenExpr<T>, ...(WhenExpr<T> | { default: T | Expression<T> })[]]): CaseExpr<T> {
  const whens: WhenExpr<T>[] = []
  let otherwise: Expression<T> | null = null
  args.forEach((a, i) => {
    if (a instanceof WhenExpr) {
      if (otherwise) throw new FieldError('Case(): the { default } must come last')
      whens.push(a)
    } else if (typeof a === 'object' && a !== null && 'default' in a && i === args.length - 1) {
      otherwise = toExpression(a.default) as Expression<T>
    } else throw new FieldError('Case() takes When() branches and an optional last { default }')
  })
  if (whens.length === 0) throw new FieldError('Case() needs at least one When()')
  return new CaseExpr(whens, otherwise)
}

/** What `Subquery()` and `Exists()` accept: a QuerySet (structurally, to keep this module free of it). */
export interface SubqueryInput {
  readonly isQuerySet: true
  readonly state: QueryState
}

/** A QuerySet used as an expression: its single column (`Subquery`) or whether it has rows (`Exists`). */
export class SubqueryExpr<T = unknown> extends Expression<T> {
  readonly kind = 'Subquery'
  constructor(
    readonly queryset: SubqueryInput,
    readonly exists: boolean,
  ) {
    super()
    if (typeof queryset !== 'object' || queryset === null || (queryset as { isQuerySet?: unknown }).isQuerySet !== true)
      throw new FieldError(`${exists ? 'Exists' : 'Subquery'}() needs a QuerySet`)
  }
}

/** A QuerySet as a value: `Subquery(Comment.objects.filter({ post: OuterRef('pk') }).values('text').slice(0, 1))`. */
export function Subquery(queryset: SubqueryInput): SubqueryExpr<unknown> {
  return new SubqueryExpr(queryset, false)
}

/** Whether a QuerySet has rows: `Exists(Comment.objects.filter({ post: OuterRef('pk') }))`. */
export function Exists(queryset: SubqueryInput): SubqueryExpr<boolean> {
  return new SubqueryExpr<boolean>(queryset, true)
}
