import type { FieldKind } from './fields/field.js'

/**
 * The registry of model types. Each model file adds one line so that relations and reverse
 * lookups resolve across files: `declare module '@strata/core' { interface Models { Post: Post } }`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by user code
export interface Models {}

/** The phantom key that carries a model's name and field definitions on its instances. */
export declare const MODEL: unique symbol

/** The type-level description of a model on its instances. */
export interface ModelBrand<N extends string = string, F = unknown> {
  readonly name: N
  readonly fields: F
}

/** The structural shape of a field definition, for constraints (never `any`). */
export interface FieldShape {
  readonly kind: FieldKind
  readonly __type: unknown
  readonly __null: boolean
  readonly __optional: boolean
}

/** A map of field names to field definitions, as passed to `model()`. */
export type FieldsShape = { readonly [name: string]: FieldShape }

/** Flattens an intersection for readable hovers. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {}

type RelationKind = 'foreignKey' | 'oneToOne'
type JsOf<F> = F extends { readonly __type: infer T } ? T : never
type NullOf<F> = F extends { readonly __null: true } ? null : never
type KindOf<F> = F extends { readonly kind: infer K } ? K : never

/** Resolves a relation target (name, class or thunk) to its instance type. */
export type TargetInstance<T> = T extends string
  ? T extends keyof Models
    ? Models[T]
    : AnyInstance
  : T extends () => infer C
    ? C extends abstract new (...args: never) => infer I
      ? I
      : AnyInstance
    : T extends abstract new (...args: never) => infer I
      ? I
      : AnyInstance

/** An instance of some model whose type is not known statically. */
export interface AnyInstance {
  readonly [MODEL]: ModelBrand<string, unknown>
  readonly pk: unknown
}

/** The primary key's type of an instance type. */
export type PkOf<I> = I extends { readonly pk: infer P } ? P : unknown

type ScalarKeys<F> = { [K in keyof F]: KindOf<F[K]> extends RelationKind | 'manyToMany' ? never : K }[keyof F]
type FkKeys<F> = { [K in keyof F]: KindOf<F[K]> extends RelationKind ? K : never }[keyof F]
type PkKey<F> = { [K in keyof F]: F[K] extends { readonly options: { readonly primaryKey: true } } ? K : never }[keyof F]

/** The primary key type of a field map (`number` for the implicit `id`). */
export type PkType<F> = [PkKey<F>] extends [never] ? number : JsOf<F[PkKey<F>]>

/** The data attributes of an instance: columns, foreign keys and their `...Id` attributes. */
export type InstanceData<F> = ([PkKey<F>] extends [never] ? { id: number } : unknown) & {
  -readonly [K in ScalarKeys<F>]: JsOf<F[K]> | NullOf<F[K]>
} & {
  -readonly [K in FkKeys<F> & string as `${K}Id`]: PkOf<TargetInstance<JsOf<F[K]>>> | NullOf<F[K]>
} & {
  -readonly [K in FkKeys<F>]: TargetInstance<JsOf<F[K]>> | NullOf<F[K]>
}

/** The plain data of a row (what `toJSON()` and `values()` without arguments give). */
export type RowData<F> = Simplify<
  ([PkKey<F>] extends [never] ? { id: number } : unknown) & {
    -readonly [K in ScalarKeys<F>]: JsOf<F[K]> | NullOf<F[K]>
  } & {
    -readonly [K in FkKeys<F> & string as `${K}Id`]: PkOf<TargetInstance<JsOf<F[K]>>> | NullOf<F[K]>
  }
>

type OptionalKeys<F> = { [K in keyof F]: F[K] extends { readonly __optional: true } ? K : never }[keyof F]
type RequiredScalarKeys<F> = Exclude<ScalarKeys<F>, OptionalKeys<F>>

/** What `new Model({...})` and `create({...})` accept: required fields must be given. */
export type CreateInput<F> = Simplify<
  { [K in RequiredScalarKeys<F>]: JsOf<F[K]> | NullOf<F[K]> } & {
    [K in Exclude<ScalarKeys<F>, RequiredScalarKeys<F>>]?: JsOf<F[K]> | NullOf<F[K]>
  } & { [K in FkKeys<F>]?: TargetInstance<JsOf<F[K]>> | NullOf<F[K]> } & {
    [K in FkKeys<F> & string as `${K}Id`]?: PkOf<TargetInstance<JsOf<F[K]>>> | NullOf<F[K]>
  } & ([PkKey<F>] extends [never] ? { id?: number } : unknown)
>

/** Attributes that may be written by `update()` and `defaults`. */
export type UpdateInput<F> = Partial<CreateInput<F>>

/** The field map of an instance type. */
export type FieldsOf<M> = M extends { readonly [MODEL]: ModelBrand<string, infer F> } ? F : never
/** The model name of an instance type. */
export type NameOf<M> = M extends { readonly [MODEL]: ModelBrand<infer N, unknown> } ? N : never
