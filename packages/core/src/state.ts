import type { Field } from './fields/field.js'
import type { RelatedField } from './fields/relation.js'
import type { ModelMeta } from './meta.js'
import type { AggregateKind, NullsOrder } from './expressions.js'
import type { ForUpdate } from './select-for-update.js'

/** One relation step of a path. */
export interface Hop {
  /** forward: FK on `from`; reverse: FK on `to`; m2m / m2mReverse: through a join table. */
  readonly kind: 'forward' | 'reverse' | 'm2m' | 'm2mReverse'
  readonly from: ModelMeta
  readonly to: ModelMeta
  readonly field: RelatedField<unknown, boolean, boolean, 'foreignKey' | 'oneToOne' | 'manyToMany'>
  /** Whether the step can reach several rows (reverse FK, many-to-many). */
  readonly multi: boolean
}

/** One step of a JSON key path: an object key, or an array index (negative counts from the end). */
export type JsonPathStep = string | number

/** A checked field path: relation hops, the field reached, and transforms applied to it. */
export interface ResolvedPath {
  readonly hops: readonly Hop[]
  /** The field reached; for an annotation reference, undefined and `annotation` is set. */
  readonly field?: Field
  readonly annotation?: string
  /** A boolean expression used as a condition on its own (`filter(Exists(...))`): rendered as is. */
  readonly expr?: ResolvedExpr
  /** Keys and array indexes into a JSON value (`data__owner__name`, `data__items__0`), applied before `transforms`. */
  readonly keys?: readonly JsonPathStep[]
  readonly transforms: readonly string[]
  /** The filter call whose joins the path's multi-valued hops use. */
  readonly call: number
}

/** An expression with every name checked. */
export type ResolvedExpr =
  | { readonly type: 'col'; readonly path: ResolvedPath }
  | { readonly type: 'outer'; readonly name: string }
  | { readonly type: 'value'; readonly value: unknown; readonly field?: Field }
  | { readonly type: 'op'; readonly op: '+' | '-' | '*' | '/' | '%'; readonly lhs: ResolvedExpr; readonly rhs: ResolvedExpr }
  | {
      readonly type: 'agg'
      readonly fn: AggregateKind
      /** null means `COUNT(*)`. */
      readonly arg: ResolvedExpr | null
      readonly distinct: boolean
      readonly filter: WhereNode | null
      readonly default: unknown
      /** The field whose type the result has (for hydration), if any. */
      readonly field?: Field
    }
  | { readonly type: 'subquery'; readonly state: QueryState; readonly exists: boolean }
  | {
      readonly type: 'case'
      readonly whens: readonly { readonly when: WhereNode; readonly then: ResolvedExpr }[]
      /** The ELSE branch; null without a default. */
      readonly otherwise: ResolvedExpr | null
    }
  | {
      readonly type: 'func'
      /** The function's Strata name (`Lower`, `Concat`, ...); dialects may spell it differently. */
      readonly name: string
      readonly args: readonly ResolvedExpr[]
      /** The field whose type the result has, if known. */
      readonly field?: Field
      /** `Cast`: the target kind; `Trunc`: the unit, with `:date` when the result is a date. */
      readonly option?: string
    }

/** One checked condition: `path lookup value`. */
export interface Condition {
  readonly type: 'cond'
  readonly path: ResolvedPath
  readonly lookup: string
  /** The cleaned value: a JS value, a list, a pair, a boolean, a resolved expression or a subquery. */
  readonly value: unknown
  /** True when `value` is a `ResolvedExpr`. */
  readonly isExpr: boolean
  /** True when the path or value involves an aggregate (goes to HAVING). */
  readonly aggregate: boolean
}

/** A boolean tree of conditions. */
export interface WhereTree {
  readonly type: 'tree'
  readonly connector: 'AND' | 'OR'
  readonly negated: boolean
  readonly children: readonly WhereNode[]
}

/** A node of the WHERE tree. */
export type WhereNode = Condition | WhereTree

/** One ordering term. */
export interface OrderTerm {
  readonly expr: ResolvedExpr | 'random'
  readonly descending: boolean
  readonly nulls: NullsOrder
}

/** How rows come back. */
export type ResultKind = 'instances' | 'dicts' | 'tuples' | 'flat' | 'named'

/** A selected output column of `values()`: a path or an annotation. */
export interface SelectedValue {
  readonly key: string
  readonly expr: ResolvedExpr
}

/** The immutable description of a query that core hands to the query compiler. */
export interface QueryState {
  readonly meta: ModelMeta
  readonly where: WhereNode | null
  /** null: the model's default ordering; an empty list: no ordering. */
  readonly order: readonly OrderTerm[] | null
  readonly reversed: boolean
  readonly offset: number
  readonly limit: number | null
  readonly annotations: ReadonlyMap<string, ResolvedExpr>
  /** Annotation names that are not selected (`alias()`). */
  readonly hidden: ReadonlySet<string>
  /** `values()` columns; null selects the model's columns. */
  readonly values: readonly SelectedValue[] | null
  /** GROUP BY the `values()` columns: set when an aggregate is annotated after `values()`. */
  readonly groupByValues: boolean
  /** The GROUP BY terms fixed when an aggregate was annotated after `values()`; later `values()` calls keep them. */
  readonly groupBy: readonly ResolvedExpr[] | null
  readonly result: ResultKind
  readonly distinct: boolean
  readonly empty: boolean
  readonly using: string | undefined
  /** The number of filter calls so far; each call gets fresh joins for multi-valued paths. */
  readonly calls: number
  /**
   * Set by `union()`, `intersection()` and `difference()`: the rows are those of the combined
   * queries; only the ordering, limits and `values()` of this state apply to them.
   */
  readonly combinator?: Combinator
  /** `distinct(...fields)`: `DISTINCT ON` these expressions (where the database has it). */
  readonly distinctOn?: readonly ResolvedExpr[]
  /** `selectRelated(...)`: the single-valued relations loaded with JOINs, as a tree; null or absent: none. */
  readonly related?: readonly RelatedSelection[] | null
  /** Set when `related` came from `selectRelated()` without arguments (every non-null foreign key). */
  readonly relatedAll?: boolean
  /** `only(...)` / `defer(...)`: which columns are loaded; null or absent: all of them. */
  readonly loading?: DeferredLoading | null
  /** `prefetchRelated(...)`: lookups run after the rows are fetched, one query per level. */
  readonly prefetch?: readonly PrefetchSpec[]
  /** `selectForUpdate(...)`: lock the rows read (inside a transaction); null or absent: no locks. */
  readonly forUpdate?: ForUpdate | null
  /**
   * A slice taken per value of an expression rather than over all the rows (a sliced `Prefetch()`
   * queryset, taken per parent): the rows are numbered in the ordering within each value, and kept
   * from `offset` (exclusive) to `offset + limit`. Absent: none (`offset`/`limit` apply to all).
   */
  readonly partitionSlice?: PartitionSlice
}

/** `QueryState.partitionSlice`: the expression the rows are numbered by, and the slice kept of each. */
export interface PartitionSlice {
  readonly by: ResolvedExpr
  readonly offset: number
  /** null: every row from `offset` on. */
  readonly limit: number | null
}

/** A relation `selectRelated()` follows with a JOIN, and the relations it follows from there. */
export interface RelatedSelection {
  /** The attribute it fills on the parent instance: a foreign key's name, or a reverse one-to-one accessor. */
  readonly name: string
  /** `forward`: a foreign key or one-to-one on the parent; `reverse`: a one-to-one on the related model. */
  readonly hop: Hop
  /** Whether the related row may be missing (a nullable key, a reverse one-to-one, or below such a hop): a LEFT JOIN. */
  readonly nullable: boolean
  readonly children: readonly RelatedSelection[]
}

/** The field names given to `only()` (load these) or `defer()` (load all but these), paths included. */
export interface DeferredLoading {
  readonly names: readonly string[]
  readonly only: boolean
}

/** One `prefetchRelated()` lookup: a path of relation attributes, with an optional queryset and target attribute. */
export interface PrefetchSpec {
  /** The relation attributes to follow, joined by `__` (`'commentSet__post'`). */
  readonly path: string
  /** The QuerySet state the last level's rows come from (filters, ordering); undefined: the related model's default manager. */
  readonly queryset?: QueryState
  /** Store the last level's rows (an array, or an instance for a single-valued relation) on this attribute instead. */
  readonly toAttr?: string
}

/** A compound query: `UNION [ALL]`, `INTERSECT` or `EXCEPT` of `parts`, in order. */
export interface Combinator {
  readonly kind: 'union' | 'intersection' | 'difference'
  readonly all: boolean
  readonly parts: readonly QueryState[]
}

/** No annotations, shared by initial states (states are never changed in place: a change copies the map). */
const NO_ANNOTATIONS: ReadonlyMap<string, ResolvedExpr> = new Map()
const NO_NAMES: ReadonlySet<string> = new Set()

/** The initial state of a model's QuerySet. */
export function initialState(meta: ModelMeta): QueryState {
  return {
    meta,
    where: null,
    order: null,
    reversed: false,
    offset: 0,
    limit: null,
    annotations: NO_ANNOTATIONS,
    hidden: NO_NAMES,
    values: null,
    groupByValues: false,
    groupBy: null,
    result: 'instances',
    distinct: false,
    empty: false,
    using: undefined,
    calls: 0,
  }
}
