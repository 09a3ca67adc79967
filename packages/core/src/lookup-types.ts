import type { Aggregate, AggregateKind, Expression, FieldRef, SubqueryExpr } from './expressions.js'
import type { FieldKind } from './fields/field.js'
import type { FieldsOf, Models, NameOf, PkOf, RowData, Simplify, TargetInstance } from './types.js'

// Lookup keys are checked lazily: the keys of a call's argument are inferred
// from the literal, and each is parsed on `__` by the tail-recursive conditional types below
// (field -> relation or transform -> lookup), so no key space is ever enumerated and any depth
// works. A wrong key maps to an `Invalid<...>` message type, which tsc prints as the error.
// Each step looks the model's field map up once and passes it along: every type reference in
// these hot paths is an instantiation, paid per key of every call.

/** The message type a bad key or path is checked against: it reads as the error. */
export type Invalid<S extends string> = `⛔ ${S}`

type IsInvalid<T> = [T] extends [`⛔ ${string}`] ? true : false

type RelKind = 'foreignKey' | 'oneToOne' | 'manyToMany'
type FkKind = 'foreignKey' | 'oneToOne'

/** A transform's result: the kind (which decides what may follow) and the JavaScript type. */
interface Out<K extends FieldKind, T> {
  readonly kind: K
  readonly type: T
}

type DateKinds = 'date' | 'dateTime'
type IntTransforms = 'year' | 'iso_year' | 'month' | 'day' | 'week' | 'week_day' | 'iso_week_day' | 'quarter'
type TimeTransforms = 'hour' | 'minute' | 'second'

/** What transform `T` yields on a value of kind `K` (never when it does not apply). */
type TransformOf<K, T extends string> = T extends IntTransforms
  ? K extends DateKinds
    ? Out<'integer', number>
    : never
  : T extends TimeTransforms
    ? K extends 'dateTime' | 'time'
      ? Out<'integer', number>
      : never
    : T extends 'date'
      ? K extends 'dateTime'
        ? Out<'date', string>
        : never
      : T extends 'time'
        ? K extends 'dateTime'
          ? Out<'time', string>
          : never
        : CustomTransformOf<K, T>

// ---- custom lookups and transforms -----------------------------------------------------------

/**
 * Custom lookups, for the type checker (the runtime registration is `registerLookup`): augment it
 * with each name, the field kinds it is registered for and the value it takes.
 * @example declare module '@strata/core' { interface CustomLookups { ne: { kinds: 'char' | 'text'; value: string } } }
 */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by user code
export interface CustomLookups {}

/**
 * Custom transforms, for the type checker (the runtime registration is `registerTransform`): the
 * field kinds it applies to and the kind it yields.
 * @example declare module '@strata/core' { interface CustomTransforms { abs: { kinds: 'integer'; output: 'integer' } } }
 */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by user code
export interface CustomTransforms {}

/** The JavaScript type of a value of field kind `K` (what a transform with `output: K` yields). */
export type KindValue<K> = K extends 'bigInteger' | 'bigAuto'
  ? bigint
  : K extends 'auto' | 'integer' | 'smallInteger' | 'positiveInteger' | 'float' | 'duration'
    ? number
    : K extends 'boolean'
      ? boolean
      : K extends 'dateTime'
        ? Date
        : K extends 'binary'
          ? Uint8Array
          : K extends 'json'
            ? unknown
            : string

type CustomTransformOf<K, T extends string> = T extends keyof CustomTransforms
  ? CustomTransforms[T] extends { readonly kinds: infer Ks; readonly output: infer O }
    ? K extends Ks
      ? Out<O & FieldKind, KindValue<O>>
      : never
    : never
  : never

type CustomLookupValue<K, L extends string, Label extends string> = L extends keyof CustomLookups
  ? CustomLookups[L] extends { readonly kinds: infer Ks; readonly value: infer V }
    ? K extends Ks
      ? V | Expression
      : Invalid<`'${L}' is not a lookup of ${Label}`>
    : never
  : Invalid<`'${L}' is not a lookup of ${Label}`>

// ---- JSON values -----------------------------------------------------------------------------

/** A JSON value as JSON lookups take it (checked at run time: plain objects, arrays, strings, finite numbers, booleans, null). */
export type JsonValue = string | number | boolean | null | object

type JsonLookupName = 'has_key' | 'has_keys' | 'has_any_keys' | 'contained_by'

/** The value of a key on a JSON value: the last `__` segment decides (a lookup, else a key compared with `exact`). */
type JsonRest<R extends string> = R extends `${string}__${infer Rest}` ? JsonRest<Rest> : JsonLookupValue<R>

type JsonLookupValue<L extends string> = L extends 'has_key'
  ? string
  : L extends 'has_keys' | 'has_any_keys'
    ? readonly string[]
    : L extends 'contains' | 'contained_by'
      ? JsonValue
      : L extends TextLookup
        ? string
        : L extends 'gt' | 'gte' | 'lt' | 'lte'
          ? number | string
          : L extends 'isnull'
            ? boolean
            : L extends 'in'
              ? readonly JsonValue[]
              : L extends 'range'
                ? readonly [number | string, number | string]
                : JsonValue | Expression

type TextLookup =
  | 'iexact'
  | 'contains'
  | 'icontains'
  | 'startswith'
  | 'istartswith'
  | 'endswith'
  | 'iendswith'
  | 'regex'
  | 'iregex'
type CompareLookup = 'exact' | 'gt' | 'gte' | 'lt' | 'lte'

/** Something usable as the right-hand side of `__in`: a list or a QuerySet. */
export interface QuerySetLike {
  readonly isQuerySet: true
}

/** The value lookup `L` takes on a value of type `T` and kind `K` (text lookups take a string on any kind, as Django casts). */
type LookupValue<T, L extends string, Label extends string, K> = L extends CompareLookup
  ? T | Expression | (L extends 'exact' ? null : never)
  : L extends TextLookup
    ? string
    : L extends 'in'
      ? readonly T[] | QuerySetLike | SubqueryExpr
      : L extends 'range'
        ? readonly [T, T]
        : L extends 'isnull'
          ? boolean
          : CustomLookupValue<K, L, Label>

/** Parses what follows a value of kind `K` and type `T`: transforms, then one lookup. */
type ValueRest<K, T, R extends string, Label extends string> = R extends ''
  ? T | null | Expression
  : K extends 'json'
    ? JsonRest<R>
    : R extends `${infer H}__${infer Rest}`
      ? TransformThen<TransformOf<K, H>, Rest, `${Label}__${H}`, `'${H}' is not a transform of ${Label}`>
      : LookupOrTransform<TransformOf<K, R>, T, R, Label, K>

type TransformThen<X, Rest extends string, Label extends string, Err extends string> = [X] extends [never]
  ? Invalid<Err>
  : X extends Out<infer K2, infer T2>
    ? ValueRest<K2, T2, Rest, Label>
    : never

type LookupOrTransform<X, T, R extends string, Label extends string, K> = [X] extends [never]
  ? LookupValue<T, R, Label, K>
  : X extends Out<FieldKind, infer T2>
    ? T2 | Expression
    : never

type RelationLookup = 'exact' | 'in' | 'isnull' | 'gt' | 'gte' | 'lt' | 'lte'

/** After a relation to instances of `T`: its own lookups, or a path into the target. */
type RelRest<T, R extends string> = R extends ''
  ? T | PkOf<T> | null | Expression
  : R extends RelationLookup
    ? R extends 'in'
      ? readonly (T | PkOf<T>)[] | QuerySetLike | SubqueryExpr
      : R extends 'isnull'
        ? boolean
        : T | PkOf<T> | Expression | (R extends 'exact' ? null : never)
    : ParseKey<T, R, {}>

// ---- reverse relations ---------------------------------------------------------------------

/** `'id'` when the model has the implicit auto primary key, else never. */
type ImplicitId<M> = M extends { readonly id: unknown } ? 'id' : never

/** One relation field as seen from its target: `{ key: 'Post.comment'; source: 'Comment' }`. */
type Edge<S, F> = F extends { readonly kind: RelKind; readonly __type: infer T; readonly __options: infer O }
  ? F extends { readonly kind: 'manyToMany'; readonly __self: true; readonly __options: { readonly symmetrical?: true } }
    ? never // a symmetrical `'self'` many-to-many has no reverse side
    : { key: `${TargetName<T>}.${QueryName<O, S>}`; target: TargetName<T>; query: QueryName<O, S>; source: S }
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
  [S in keyof Models]: { [K in keyof FieldsOf<Models[S]>]: Edge<S, FieldsOf<Models[S]>[K]> }[keyof FieldsOf<
    Models[S]
  >]
}[keyof Models]

/**
 * Reverse relations, keyed `'<target model>.<query name>'` (`'Post.comment'`, `'Author.posts'`),
 * valued by the instance type of the model holding the relation. Built once per program from
 * `Models` in one pass over every relation field (a per-target pass would be quadratic in the
 * number of models); two relations with the same key merge into a union, a clash `connect()`
 * reports at run time.
 */
export type ReverseIndex = {
  [E in Edges as E['key']]: E['source'] extends keyof Models ? Models[E['source']] : never
}

/** The reverse query names of each model (`{ Post: 'comment'; Author: 'posts'; … }`), for completions. */
type ReverseNamesIndex = { [E in Edges as E['target']]: E['query'] }

// ---- filter() keys ---------------------------------------------------------------------------

/** The value type a lookup key accepts on model `M` (an `Invalid<...>` message when the key is wrong). */
export type ParseKey<M, K extends string, A> = K extends `${infer H}__${infer R}`
  ? H extends keyof A
    ? ValueRest<KindFor<NonNullable<A[H]>>, A[H], R, `annotation '${H}'`>
    : Step<M, FieldsOf<M>, NameOf<M>, H, R>
  : K extends keyof A
    ? ValueRest<KindFor<NonNullable<A[K]>>, A[K], '', `annotation '${K}'`>
    : Step<M, FieldsOf<M>, NameOf<M>, K, ''>

/** One step from model `M` (fields `F`, name `N`) through name `H`, with `R` left to parse. */
type Step<M, F, N extends string, H extends string, R extends string> = H extends keyof F
  ? F[H] extends { readonly kind: RelKind; readonly __type: infer T }
    ? RelRest<TargetInstance<T>, R>
    : F[H] extends { readonly kind: infer K; readonly __type: infer T }
      ? ValueRest<K, T, R, `${N}.${H}`>
      : never
  : H extends 'pk' | ImplicitId<M>
    ? ValueRest<PkKind<PkOf<M>>, PkOf<M>, R, `${N}.${H}`>
    : H extends `${infer B}Id`
      ? B extends keyof F
        ? F[B] extends { readonly kind: FkKind; readonly __type: infer T }
          ? ValueRest<PkKind<PkOf<TargetInstance<T>>>, PkOf<TargetInstance<T>>, R, `${N}.${H}`>
          : NoField<N, H>
        : ReverseStep<N, H, R>
      : ReverseStep<N, H, R>

type ReverseStep<
  N extends string,
  H extends string,
  R extends string,
> = `${N}.${H}` extends keyof ReverseIndex ? RelRest<ReverseIndex[`${N}.${H}`], R> : NoField<N, H>

/**
 * The message for an unknown name. Relations to, and reverse relations of, a model are only known
 * once it is registered in `Models`, so the message says so when it is not.
 */
type NoField<N extends string, H extends string> = Invalid<
  string extends N
    ? `'${H}' is looked up on a model not registered in Models: add declare module '@strata/core' { interface Models { … } }`
    : N extends keyof Models
      ? `${N} has no field '${H}'`
      : `${N} has no field '${H}' (reverse relations are only known between models registered in Models: declare module '@strata/core' { interface Models { ${N}: ${N} } })`
>

type PkKind<P> = P extends string ? 'char' : 'integer'

/** The field kind that decides the lookups of an annotation's value. */
type KindFor<T> = T extends number
  ? 'integer'
  : T extends string
    ? 'char'
    : T extends Date
      ? 'dateTime'
      : T extends boolean
        ? 'boolean'
        : 'json'

/** Checks each key of a filter object lazily (any depth, no key enumeration). */
export type Lookups<M, L, A = {}> = {
  [K in keyof L]: K extends string
    ? string extends K
      ? Invalid<'keys of a Record<string, …> cannot be checked: pass dynamic lookups as filter(Q(lookups))'>
      : ParseKey<M, K, A>
    : never
} & Suggestions<M, keyof L | '', A>

// ---- completions -----------------------------------------------------------------------------
// Optional `unknown` properties named after the keys one level below each key written so far
// (even a partial one, as the editor infers it from the literal being typed): `author__` offers
// `author__name`, `author__posts`, `author__in`…; `pubDate__` offers the lookups and transforms
// of a dateTime. They never make a key valid (the check above still applies to it).

/** Optional properties named after the keys one level below each key in `Keys`. */
export type Suggestions<M, Keys, A> = { [K in SuggestedKeys<M, Keys, A>]?: unknown }

type SuggestedKeys<M, Keys, A> = Keys extends string
  ? Prefix<Keys> extends infer P extends string
    ? P extends ''
      ? NamesOf<M> | (keyof A & string)
      : `${P}__${NamesAt<PositionOf<M, P, A>>}`
    : never
  : never

/** All but the last `__` segment of a key (`'author__na'` -> `'author'`). */
type Prefix<S extends string, Acc extends string = ''> = S extends `${infer H}__${infer R}`
  ? Prefix<R, Acc extends '' ? H : `${Acc}__${H}`>
  : Acc

/** What a path leads to: a model (its instances) or a value of some field kind. */
interface ModelAt<T> {
  readonly model: T
}
interface ValueAt<K> {
  readonly kind: K
}

type PositionOf<M, P extends string, A> = P extends `${infer H}__${infer R}`
  ? HopFrom<M, H, A> extends infer X
    ? X extends ModelAt<infer T>
      ? PositionOf<T, R, {}>
      : X extends ValueAt<infer K>
        ? TransformsFrom<K, R>
        : never
    : never
  : HopFrom<M, P, A>

type HopFrom<M, H extends string, A> = H extends keyof A
  ? ValueAt<KindFor<NonNullable<A[H]>>>
  : FieldsOf<M> extends infer F
    ? H extends keyof F
      ? F[H] extends { readonly kind: RelKind; readonly __type: infer T }
        ? ModelAt<TargetInstance<T>>
        : F[H] extends { readonly kind: infer K }
          ? ValueAt<K>
          : never
      : H extends 'pk' | ImplicitId<M> | `${string}Id`
        ? ValueAt<'integer'>
        : `${NameOf<M>}.${H}` extends keyof ReverseIndex
          ? ModelAt<ReverseIndex[`${NameOf<M>}.${H}`]>
          : never
    : never

type TransformsFrom<K, R extends string> = R extends `${infer H}__${infer Rest}`
  ? TransformOf<K, H> extends Out<infer K2, unknown>
    ? TransformsFrom<K2, Rest>
    : never
  : TransformOf<K, R> extends Out<infer K2, unknown>
    ? ValueAt<K2>
    : never

type NamesAt<X> =
  X extends ModelAt<infer T>
    ? NamesOf<T> | RelationLookup
    : X extends ValueAt<infer K>
      ?
          | CompareLookup
          | 'in'
          | 'range'
          | 'isnull'
          | (K extends TextKind ? TextLookup : never)
          | (K extends 'json' ? JsonLookupName | TextLookup : never)
          | TransformName<K>
      : never

/** Kinds holding text: text lookups are offered on these only (they are accepted on any kind, as Django casts). */
type TextKind = 'char' | 'text' | 'email' | 'url' | 'slug' | 'uuid'

/** The top-level key names of a model: fields, `...Id` keys, `pk`, `id` and reverse query names. */
type NamesOf<M> =
  FieldsOf<M> extends infer F
    ?
        | (keyof F & string)
        | { [K in keyof F]: F[K] extends { readonly kind: FkKind } ? `${K & string}Id` : never }[keyof F]
        | 'pk'
        | ImplicitId<M>
        | (NameOf<M> extends keyof ReverseNamesIndex ? ReverseNamesIndex[NameOf<M>] : never)
    : never

type TransformName<K> = K extends DateKinds
  ? IntTransforms | (K extends 'dateTime' ? TimeTransforms | 'date' | 'time' : never)
  : K extends 'time'
    ? TimeTransforms
    : never

// ---- values() paths --------------------------------------------------------------------------

/** Adds `null` when a hop may be missing (nullable or multi-valued), but keeps error messages bare. */
type OrNull<T, Missing> = Missing extends true ? (IsInvalid<T> extends true ? T : T | null) : T

/** Whether a hop through field `F` may yield no row (a nullable FK or a many-to-many). */
type MayBeMissing<F> = F extends { readonly kind: 'manyToMany' }
  ? true
  : F extends { readonly __null: true }
    ? true
    : false

/** The value type at a `values()` / `F()` / aggregate path (an `Invalid<...>` message when wrong). */
export type PathType<M, P extends string, A> = P extends keyof A ? A[P] : PathIn<M, FieldsOf<M>, NameOf<M>, P>

type PathIn<M, F, N extends string, P extends string> = P extends `${infer H}__${infer R}`
  ? H extends keyof F
    ? F[H] extends { readonly kind: RelKind; readonly __type: infer T }
      ? OrNull<PathType<TargetInstance<T>, R, {}>, MayBeMissing<F[H]>>
      : F[H] extends { readonly kind: infer K; readonly __null: infer Nul }
        ? TransformPath<K, R, `${N}.${H}`, Nul>
        : never
    : `${N}.${H}` extends keyof ReverseIndex
      ? OrNull<PathType<ReverseIndex[`${N}.${H}`], R, {}>, true>
      : H extends 'pk' | ImplicitId<M>
        ? TransformPath<PkKind<PkOf<M>>, R, `${N}.${H}`, false>
        : NoField<N, H>
  : P extends keyof F
    ? F[P] extends { readonly kind: RelKind; readonly __type: infer T }
      ? OrNull<PkOf<TargetInstance<T>>, MayBeMissing<F[P]>>
      : F[P] extends { readonly __type: infer T; readonly __null: infer Nul }
        ? T | (Nul extends true ? null : never)
        : never
    : P extends 'pk' | ImplicitId<M>
      ? PkOf<M>
      : P extends `${infer B}Id`
        ? B extends keyof F
          ? F[B] extends { readonly kind: FkKind }
            ? PathIn<M, F, N, B>
            : NoField<N, P>
          : NoField<N, P>
        : `${N}.${P}` extends keyof ReverseIndex
          ? PkOf<ReverseIndex[`${N}.${P}`]> | null
          : NoField<N, P>

/** Transforms on a column (`pubDate__year`, `pubDate__date__year`); `Nul` carries the column's nullability. */
type TransformPath<K, R extends string, Label extends string, Nul> = K extends 'json'
  ? unknown
  : R extends `${infer T1}__${infer T2}`
    ? PathTransformThen<TransformOf<K, T1>, T2, Label, Nul, T1>
    : PathTransformLeaf<TransformOf<K, R>, Label, Nul, R>

type PathTransformThen<X, Rest extends string, Label extends string, Nul, H extends string> = [X] extends [
  never,
]
  ? Invalid<`'${H}' is not a transform of ${Label}`>
  : X extends Out<infer K2, unknown>
    ? TransformPath<K2, Rest, Label, Nul>
    : never

type PathTransformLeaf<X, Label extends string, Nul, H extends string> = [X] extends [never]
  ? Invalid<`'${H}' is not a transform of ${Label}`>
  : X extends Out<FieldKind, infer T>
    ? T | (Nul extends true ? null : never)
    : never

/** Each path of `values(...)`, or the error message in its place. */
export type CheckPaths<M, P extends readonly string[], A> = {
  [I in keyof P]: IsInvalid<PathType<M, P[I] & string, A>> extends true ? PathType<M, P[I] & string, A> : P[I]
}

/** The row type of `values(...)`: one property per path; all columns (and annotations) when no path is given. */
export type ValuesRow<M, P extends readonly string[], A> = P extends readonly []
  ? Simplify<RowData<FieldsOf<M>> & A>
  : { -readonly [K in P[number]]: PathType<M, K, A> }

// ---- annotate() / aggregate() ---------------------------------------------------------------

type AggResult<K extends AggregateKind, T> = K extends 'count'
  ? number
  : K extends 'avg'
    ? T extends string
      ? string | null
      : number | null
    : K extends 'sum'
      ? T extends string
        ? string | null
        : T extends bigint
          ? bigint | null
          : number | null
      : T | null

/** The result type of one expression (`Count` -> number, `Max` -> the field's type | null, ...). */
export type ExprResult<M, E, A> =
  E extends Aggregate<infer K, infer P>
    ? string extends P
      ? K extends 'count'
        ? number
        : unknown
      : AggResult<K, NonNullable<PathType<M, P, A>>>
    : E extends FieldRef<infer P>
      ? PathType<M, P, A>
      : E extends Expression<infer T>
        ? T
        : never

/** Each expression of `aggregate(X)`, or the error message when its path is wrong. */
export type CheckAggregates<M, X, A> = { [K in keyof X]: CheckExpression<M, X[K], A> }

/** Each annotation, or the error message when its name clashes with a field or its path is wrong. */
export type CheckAnnotations<M, X, A> = {
  [K in keyof X]: K extends keyof FieldsOf<M> | 'pk' | ImplicitId<M> | ReverseName<M, K>
    ? Invalid<`The annotation '${K & string}' conflicts with a field on ${NameOf<M>}`>
    : K extends `${string}__${string}`
      ? Invalid<`Invalid annotation name '${K & string}'`>
      : CheckExpression<M, X[K], A>
}

/** `K` when it is a reverse query name of `M`, else never. */
type ReverseName<M, K> = `${NameOf<M>}.${K & string}` extends keyof ReverseIndex ? K : never

type CheckExpression<M, E, A> =
  E extends Aggregate<AggregateKind, infer P>
    ? string extends P
      ? E
      : P extends '*'
        ? E
        : IsInvalid<PathType<M, P, A>> extends true
          ? Invalid<`${NameOf<M>} has no path '${P}'`>
          : E
    : E extends FieldRef<infer P>
      ? IsInvalid<PathType<M, P, A>> extends true
        ? Invalid<`${NameOf<M>} has no path '${P}'`>
        : E
      : E

/**
 * The values `annotate(X)` adds to each row. Flattened with `Simplify`: a bare homomorphic
 * mapped type over `X` intersected into the row type made tsc run out of memory on code such as
 * `rows.map((p) => p.n)`.
 */
export type AnnotationResults<M, X, A> = Simplify<{ -readonly [K in keyof X]: ExprResult<M, X[K], A> }>

/** The tuple type of `valuesList(...)`. */
export type ValuesTuple<M, P extends readonly string[], A> = { -readonly [I in keyof P]: P[I] extends keyof ValuesRow<M, P, A> ? ValuesRow<M, P, A>[P[I]] : never }

/** The value type of `valuesList(field, { flat: true })`. */
export type FlatValue<M, P extends readonly string[], A> = P[number] extends keyof ValuesRow<M, P, A> ? ValuesRow<M, P, A>[P[number]] : never
