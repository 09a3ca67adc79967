import { FieldError } from './errors.js'

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
    readonly children: readonly (Record<string, unknown> | QNode)[],
    readonly negated = false,
  ) {}

  /** Both this and `other` must hold. */
  and(...others: (Record<string, unknown> | QNode)[]): QNode {
    return new QNode('AND', [this, ...others])
  }

  /** Either this or `other` must hold. */
  or(...others: (Record<string, unknown> | QNode)[]): QNode {
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
export function Q(lookups: Record<string, unknown> | QNode = {}): QNode {
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
