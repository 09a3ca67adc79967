import type { Aggregate, AggregateKind, Expression, FieldRef } from './expressions.js'
import type { FieldKind } from './fields/field.js'
import type { FieldsOf, Models, NameOf, PkOf, TargetInstance } from './types.js'

/** The message type a bad key or path is checked against: it reads as the error. */
export type Invalid<S extends string> = `⛔ ${S}`

type JsOf<F> = F extends { readonly __type: infer T } ? T : never
type KindOf<F> = F extends { readonly kind: infer K } ? K : never
type Nullable<F> = F extends { readonly __null: true } ? true : false

/** A stand-in field for annotation values and transform results. */
interface Pseudo<T, K extends FieldKind, N extends boolean = false> {
  readonly kind: K
  readonly __type: T
  readonly __null: N
}

type DateKinds = 'date' | 'dateTime'
type IntTransforms = 'year' | 'iso_year' | 'month' | 'day' | 'week' | 'week_day' | 'iso_week_day' | 'quarter'
type TimeTransforms = 'hour' | 'minute' | 'second'

type TransformOf<K, T extends string> = T extends IntTransforms
  ? K extends DateKinds
    ? Pseudo<number, 'integer'>
    : never
  : T extends TimeTransforms
    ? K extends 'dateTime' | 'time'
      ? Pseudo<number, 'integer'>
      : never
    : T extends 'date'
      ? K extends 'dateTime'
        ? Pseudo<string, 'date'>
        : never
      : T extends 'time'
        ? K extends 'dateTime'
          ? Pseudo<string, 'time'>
          : never
        : never

type TextLookup = 'iexact' | 'contains' | 'icontains' | 'startswith' | 'istartswith' | 'endswith' | 'iendswith' | 'regex' | 'iregex'
type CompareLookup = 'exact' | 'gt' | 'gte' | 'lt' | 'lte'

/** Something usable as the right-hand side of `__in`: a list or a QuerySet. */
export interface QuerySetLike {
  readonly isQuerySet: true
}

type LookupValue<T, L extends string, Label extends string> = L extends CompareLookup
  ? T | Expression | (L extends 'exact' ? null : never)
  : L extends TextLookup
    ? string
    : L extends 'in'
      ? readonly T[] | QuerySetLike
      : L extends 'range'
        ? readonly [T, T]
        : L extends 'isnull'
          ? boolean
          : Invalid<`'${L}' is not a lookup of ${Label}`>

/** Parses what follows a field: transforms, then one lookup. */
type FieldRest<F, R extends string, Label extends string> = R extends ''
  ? JsOf<F> | null | Expression
  : R extends `${infer H}__${infer T}`
    ? [TransformOf<KindOf<F>, H>] extends [never]
      ? Invalid<`'${H}' is not a transform of ${Label}`>
      : FieldRest<TransformOf<KindOf<F>, H>, T, `${Label}__${H}`>
    : [TransformOf<KindOf<F>, R>] extends [never]
      ? LookupValue<JsOf<F>, R, Label>
      : JsOf<TransformOf<KindOf<F>, R>> | Expression

type RelationLookup = 'exact' | 'in' | 'isnull' | 'gt' | 'gte' | 'lt' | 'lte'
type RelValue<T> = T | PkOf<T>

/** After a relation: its own lookups, or a path into the target. */
type RelRest<T, R extends string, A> = R extends ''
  ? RelValue<T> | null
  : R extends RelationLookup
    ? R extends 'in'
      ? readonly RelValue<T>[] | QuerySetLike
      : R extends 'isnull'
        ? boolean
        : RelValue<T> | (R extends 'exact' ? null : never)
    : ParseKey<T, R, {}>

/** The reverse relations of `M` by query name (`{}` when nothing points at it, never `keyof never`). */
type Reverse<M> = NameOf<M> extends keyof ReverseIndex ? ReverseIndex[NameOf<M>] : {}

/** `'id'` when the model has the implicit auto primary key, else never. */
type ImplicitId<M> = M extends { readonly id: unknown } ? 'id' : never

type Edge<S, K, F> = F extends { readonly kind: 'foreignKey' | 'oneToOne' | 'manyToMany'; readonly __type: infer T; readonly options: infer O }
  ? { target: TargetName<T>; query: QueryName<O, S>; source: S }
  : never

type TargetName<T> = T extends string ? T : NameOf<TargetInstance<T>>
type QueryName<O, S> = O extends { readonly relatedQueryName: infer Q extends string }
  ? Q
  : O extends { readonly relatedName: infer R extends string }
    ? R extends `${string}+`
      ? never
      : R
    : Lowercase<S & string>

type Edges = {
  [S in keyof Models]: { [K in keyof FieldsOf<Models[S]>]: Edge<S, K, FieldsOf<Models[S]>[K]> }[keyof FieldsOf<Models[S]>]
}[keyof Models]

/** Reverse relations by target model name, then by query name: built once from `Models`. */
export type ReverseIndex = {
  [E in Edges as E['target']]: { [X in Edges as X extends { target: E['target'] } ? X['query'] : never]: X['source'] extends keyof Models ? Models[X['source']] : never }
}

type StepField<M, H extends string, R extends string, A> = H extends keyof A
  ? FieldRest<Pseudo<A[H], KindFor<A[H]>>, R, `annotation '${H}'`>
  : H extends 'pk'
    ? FieldRest<PkPseudo<M>, R, `${NameOf<M>}.pk`>
    : H extends keyof FieldsOf<M>
      ? FieldsOf<M>[H] extends { readonly kind: 'foreignKey' | 'oneToOne' | 'manyToMany'; readonly __type: infer T }
        ? RelRest<TargetInstance<T>, R, A>
        : FieldRest<FieldsOf<M>[H], R, `${NameOf<M>}.${H}`>
      : H extends ImplicitId<M>
        ? FieldRest<PkPseudo<M>, R, `${NameOf<M>}.id`>
        : H extends `${infer B}Id`
        ? B extends keyof FieldsOf<M>
          ? FieldsOf<M>[B] extends { readonly kind: 'foreignKey' | 'oneToOne'; readonly __type: infer T }
            ? FieldRest<PkPseudo<TargetInstance<T>>, R, `${NameOf<M>}.${H}`>
            : Invalid<`${NameOf<M>} has no field '${H}'`>
          : ReverseStep<M, H, R>
        : ReverseStep<M, H, R>

type ReverseStep<M, H extends string, R extends string> = H extends keyof Reverse<M>
  ? RelRest<Reverse<M>[H], R, {}>
  : Invalid<`${NameOf<M>} has no field '${H}'`>

type PkPseudo<M> = Pseudo<PkOf<M>, PkOf<M> extends string ? 'char' : 'integer'>

type KindFor<T> = T extends number ? 'integer' : T extends string ? 'char' : T extends Date ? 'dateTime' : T extends boolean ? 'boolean' : 'json'

/** The value type a lookup key accepts on model `M` (an `Invalid<...>` message when the key is wrong). */
export type ParseKey<M, K extends string, A> = K extends `${infer H}__${infer R}` ? StepField<M, H, R, A> : StepField<M, K, '', A>

/** Checks each key of a filter object lazily (any depth, no key enumeration). */
export type Lookups<M, L, A = {}> = { [K in keyof L]: K extends string ? ParseKey<M, K, A> : never }

// ---- values() ------------------------------------------------------------------------------

type RelField = { readonly kind: 'foreignKey' | 'oneToOne' | 'manyToMany'; readonly __type: unknown }

/** Adds `null` when a hop may be missing (nullable or multi-valued), but keeps error messages bare. */
type OrNull<T, N> = N extends true ? (IsInvalid<T> extends true ? T : T | null) : T

/** Whether a hop through field `F` may yield no row (a nullable FK or a many-to-many). */
type MayBeMissing<F> = F extends { readonly kind: 'manyToMany' } ? true : Nullable<F>

/** The value type at a `values()` / `F()` / aggregate path (an `Invalid<...>` message when wrong). */
type PathType<M, P extends string, A> = P extends keyof A
  ? A[P]
  : P extends `${infer H}__${infer R}`
    ? H extends keyof FieldsOf<M>
      ? FieldsOf<M>[H] extends RelField
        ? OrNull<PathType<TargetInstance<JsOf<FieldsOf<M>[H]>>, R, {}>, MayBeMissing<FieldsOf<M>[H]>>
        : TransformPath<FieldsOf<M>[H], R, M, H>
      : H extends keyof Reverse<M>
        ? OrNull<PathType<Reverse<M>[H], R, {}>, true>
        : H extends 'pk' | ImplicitId<M>
          ? TransformPath<PkPseudo<M>, R, M, H>
          : Invalid<`${NameOf<M>} has no field '${H}'`>
    : P extends 'pk' | ImplicitId<M>
      ? PkOf<M>
      : P extends keyof FieldsOf<M>
        ? FieldsOf<M>[P] extends RelField
          ? OrNull<PkOf<TargetInstance<JsOf<FieldsOf<M>[P]>>>, MayBeMissing<FieldsOf<M>[P]>>
          : JsOf<FieldsOf<M>[P]> | (Nullable<FieldsOf<M>[P]> extends true ? null : never)
        : P extends `${infer B}Id`
          ? B extends keyof FieldsOf<M>
            ? FieldsOf<M>[B] extends { readonly kind: 'foreignKey' | 'oneToOne' }
              ? PathType<M, B, A>
              : Invalid<`${NameOf<M>} has no field '${P}'`>
            : Invalid<`${NameOf<M>} has no field '${P}'`>
          : P extends keyof Reverse<M>
            ? PkOf<Reverse<M>[P]> | null
            : Invalid<`${NameOf<M>} has no field '${P}'`>

type TransformPath<F, R extends string, M, H extends string> = R extends `${infer T1}__${infer T2}`
  ? [TransformOf<KindOf<F>, T1>] extends [never]
    ? Invalid<`'${T1}' is not a transform of ${NameOf<M>}.${H}`>
    : TransformPath<TransformOf<KindOf<F>, T1>, T2, M, H>
  : [TransformOf<KindOf<F>, R>] extends [never]
    ? Invalid<`'${R}' is not a transform of ${NameOf<M>}.${H}`>
    : JsOf<TransformOf<KindOf<F>, R>> | (Nullable<F> extends true ? null : never)

type IsInvalid<T> = [T] extends [`⛔ ${string}`] ? true : false

/** Each path of `values(...)`, or the error message in its place. */
export type CheckPaths<M, P extends readonly string[], A> = { [I in keyof P]: IsInvalid<PathType<M, P[I] & string, A>> extends true ? PathType<M, P[I] & string, A> : P[I] }

/** The row type of `values(...)`; all columns when no path is given. */
export type ValuesRow<M, P extends readonly string[], A> = P extends readonly []
  ? { -readonly [K in keyof M as K extends string ? (M[K] extends (...a: never) => unknown ? never : IsColumn<M, K>) : never]: M[K] }
  : { -readonly [K in P[number]]: PathType<M, K, A> }

type IsColumn<M, K extends string> = K extends keyof FieldsOf<M>
  ? FieldsOf<M>[K] extends { readonly kind: 'foreignKey' | 'oneToOne' | 'manyToMany' }
    ? never
    : K
  : K extends 'pk'
    ? never
    : K

// ---- annotate() / aggregate() ---------------------------------------------------------------

type AggResult<M, K extends AggregateKind, P extends string, A> = K extends 'count'
  ? number
  : K extends 'avg'
    ? NonNullable<PathType<M, P, A>> extends string
      ? string | null
      : number | null
    : K extends 'sum'
      ? NonNullable<PathType<M, P, A>> extends string
        ? string | null
        : NonNullable<PathType<M, P, A>> extends bigint
          ? bigint | null
          : number | null
      : NonNullable<PathType<M, P, A>> | null

/** The result type of one expression. */
export type ExprResult<M, E, A> = E extends Aggregate<infer K, infer P>
  ? AggResult<M, K, P, A>
  : E extends FieldRef<infer P>
    ? PathType<M, P, A>
    : E extends Expression<infer T>
      ? T
      : never

/** Each annotation, or the error message when its path is wrong. */
export type CheckAnnotations<M, X, A> = {
  [K in keyof X]: X[K] extends Aggregate<AggregateKind, infer P>
    ? string extends P
      ? X[K]
      : P extends '*'
        ? X[K]
        : IsInvalid<PathType<M, P, A>> extends true
          ? Invalid<`${NameOf<M>} has no path '${P}'`>
          : X[K]
    : X[K] extends FieldRef<infer P>
      ? IsInvalid<PathType<M, P, A>> extends true
        ? Invalid<`${NameOf<M>} has no path '${P}'`>
        : X[K]
      : X[K]
}

/** The values `annotate(X)` adds to each row. */
export type AnnotationResults<M, X, A> = { -readonly [K in keyof X]: ExprResult<M, X[K], A> }
