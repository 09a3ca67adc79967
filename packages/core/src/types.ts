import type { FieldKind } from './fields/field.js'
import type { ManyRelatedManager } from './related-m2m.js'

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
// The helpers below read a field's phantom properties in one conditional each and walk a field
// map in one key-remapped pass: model definitions are checked for every model of a program (and
// on every keystroke, for reverse relations), so they must stay cheap to infer.
type NullOf<F> = F extends { readonly __null: true } ? null : never

/** Resolves a relation target (name, class or thunk) to its instance type. */
export type TargetInstance<T> = T extends string
  ? T extends keyof Models
    ? Models[T]
    : AnyInstance
  : T extends () => infer C
    ? C extends abstract new (
        ...args: never
      ) => infer I
      ? I
      : AnyInstance
    : T extends abstract new (
          ...args: never
        ) => infer I
      ? I
      : AnyInstance

/** An instance of some model whose type is not known statically. */
export interface AnyInstance {
  readonly [MODEL]: ModelBrand<string, unknown>
  readonly pk: unknown
}

/** The primary key's type of an instance type. */
export type PkOf<I> = I extends { readonly pk: infer P } ? P : unknown

/** The field declared `primaryKey: true` (`auto()` and `bigAuto()` are), or never. */
type PkField<F> = Extract<F[keyof F], { readonly __options: { readonly primaryKey: true } }>

/** The primary key type of a field map (`number` for the implicit `id`). */
export type PkType<F> = [PkField<F>] extends [never]
  ? number
  : PkField<F> extends { readonly __type: infer T }
    ? T
    : never

/** `{ id: number }` when no field is the primary key (the implicit auto `id`). */
type ImplicitIdData<F> = [PkField<F>] extends [never] ? { id: number } : unknown

/** The value of a scalar field, or the related instance of a foreign key (`| null` when nullable). */
type AttrValue<F> = F extends { readonly kind: RelationKind; readonly __type: infer T }
  ? TargetInstance<T> | NullOf<F>
  : F extends { readonly __type: infer T }
    ? T | NullOf<F>
    : never

/** The key attribute of a foreign key (`authorId`): the target's primary key type. */
type KeyValue<F> = F extends { readonly __type: infer T } ? PkOf<TargetInstance<T>> | NullOf<F> : never

/** The `...Id` attributes of the foreign keys of `F`. */
type KeyAttrs<F> = {
  -readonly [K in keyof F as F[K] extends { readonly kind: RelationKind }
    ? `${K & string}Id`
    : never]: KeyValue<F[K]>
}

/**
 * The data attributes of an instance: columns, foreign keys and their `...Id` attributes, and
 * many-to-many managers (`post.tags`), in one mapped type (a second one for the managers cost
 * every model definition about 190 instantiations more).
 */
export type InstanceData<F> = ImplicitIdData<F> & {
  -readonly [K in keyof F]: F[K] extends { readonly kind: 'manyToMany'; readonly __type: infer T } ? ManyRelatedManager<TargetInstance<T>> : AttrValue<F[K]>
} & KeyAttrs<F>

/**
 * A field map whose `'self'` relation targets name the model itself (`f.manyToMany('self')` in
 * `Person` reads as `'Person'`, marked `__self` for the symmetrical default), so they resolve
 * through `Models` like any other name. One conditional for a model without self relations.
 */
export type ResolveSelf<N extends string, F> = [Extract<F[keyof F], { readonly __type: 'self' }>] extends [never]
  ? F
  : { readonly [K in keyof F]: F[K] extends { readonly __type: 'self' } ? Omit<F[K], '__type'> & { readonly __type: N; readonly __self: true } : F[K] }

/** The plain data of a row (what `toJSON()` and `values()` without arguments give). */
export type RowData<F> = Simplify<
  ImplicitIdData<F> & {
    -readonly [K in keyof F as F[K] extends { readonly kind: RelationKind | 'manyToMany' }
      ? never
      : K]: AttrValue<F[K]>
  } & KeyAttrs<F>
>

/** What `new Model({...})` and `create({...})` accept: required fields must be given. */
export type CreateInput<F> = Simplify<
  {
    -readonly [K in keyof F as F[K] extends
      | { readonly kind: RelationKind | 'manyToMany' }
      | { readonly __optional: true }
      ? never
      : K]: AttrValue<F[K]>
  } & {
    -readonly [K in keyof F as F[K] extends { readonly kind: 'manyToMany' }
      ? never
      : F[K] extends { readonly kind: RelationKind } | { readonly __optional: true }
        ? K
        : never]?: AttrValue<F[K]>
  } & Partial<KeyAttrs<F>> &
    ([PkField<F>] extends [never] ? { id?: number } : unknown)
>

/** Attributes that may be written by `update()` and `defaults`. */
export type UpdateInput<F> = Partial<CreateInput<F>>

/** The field map of an instance type. */
export type FieldsOf<M> = M extends { readonly [MODEL]: ModelBrand<string, infer F> } ? F : never
/** The model name of an instance type. */
export type NameOf<M> = M extends { readonly [MODEL]: ModelBrand<infer N, unknown> } ? N : never

/** The names of a model's own fields of some kinds (`dates('pubDate', ...)`); relation paths are written `a__b`. */
export type FieldNamesOfKind<M, K extends FieldKind> = Extract<
  { [N in keyof FieldsOf<M>]: FieldsOf<M>[N] extends { readonly kind: K } ? N : never }[keyof FieldsOf<M>],
  string
>
