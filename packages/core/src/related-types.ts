import type { NullableRelatedManager, RelatedManager } from './related.js'
import type { ManyRelatedManager } from './related-m2m.js'
import type { FieldsOf, Models, NameOf, TargetInstance } from './types.js'

// Types of related managers seen from the target of a relation (`post.related('commentSet')`).
// Reverse relations are declared on the other model, so they come from the `Models` registry,
// as reverse lookups do (lookup-types.ts): one pass over every relation field builds an index
// keyed `'<target>.<accessor>'`. It is only evaluated where `related()` is called: putting the
// accessors on the instance type itself would make every model's type depend on every other
// model's while TypeScript resolves the class (TS2506), and cost each model definition.

type RelKind = 'foreignKey' | 'oneToOne' | 'manyToMany'

type TargetName<T, S> = T extends 'self' ? S : T extends string ? T : NameOf<TargetInstance<T>>

/** The accessor name Strata gives a reverse relation: `relatedName`, else `<model>Set` (`<model>` for one-to-one). */
type AccessorName<O, S extends string, K> = O extends { readonly relatedName: infer R extends string }
  ? R extends `${string}+`
    ? never
    : R
  : K extends 'oneToOne'
    ? Uncapitalize<S>
    : `${Uncapitalize<S>}Set`

/** A symmetrical many-to-many (`'self'` unless `symmetrical: false`, or `symmetrical: true`) has no reverse accessor. */
type Symmetrical<K, T, S, O, F> = K extends 'manyToMany'
  ? TargetName<T, S> extends S
    ? O extends { readonly symmetrical: infer B extends boolean }
      ? B
      : F extends { readonly __self: true }
        ? true
        : false
    : false
  : false

/** What the target's accessor gives: a manager (nullable key: with remove/clear), or the object of a one-to-one. */
type AccessorValue<K, S extends keyof Models, Name extends string, F> = K extends 'manyToMany'
  ? ManyRelatedManager<Models[S]>
  : K extends 'oneToOne'
    ? Models[S]
    : F extends { readonly __null: true }
      ? NullableRelatedManager<Models[S], Name>
      : RelatedManager<Models[S], Name>

type AccessorEdge<S extends keyof Models & string, Name extends string, F> = F extends {
  readonly kind: infer K extends RelKind
  readonly __type: infer T
  readonly __options: infer O
}
  ? Symmetrical<K, T, S, O, F> extends true
    ? never
    : { key: `${TargetName<T, S>}.${AccessorName<O, S, K>}`; value: AccessorValue<K, S, Name, F> }
  : never

type AccessorEdges = {
  [S in keyof Models & string]: {
    [Name in keyof FieldsOf<Models[S]> & string]: AccessorEdge<S, Name, FieldsOf<Models[S]>[Name]>
  }[keyof FieldsOf<Models[S]> & string]
}[keyof Models & string]

/**
 * Reverse accessors of every registered model, keyed `'<target model>.<accessor>'`
 * (`'Post.commentSet'`, `'Author.posts'`, `'Place.restaurant'`), valued by what the accessor gives.
 */
export type ReverseAccessorIndex = { [E in AccessorEdges as E['key']]: E['value'] }

type ForwardManyNames<F> = { [K in keyof F]: F[K] extends { readonly kind: 'manyToMany' } ? K : never }[keyof F] & string

type ReverseNames<N extends string> = keyof ReverseAccessorIndex extends infer Key ? (Key extends `${N}.${infer A}` ? A : never) : never

/** The names `instance.related(name)` takes on model `N` (fields `F`): many-to-many fields and reverse accessors. */
export type RelatedName<N extends string, F> = ForwardManyNames<F> | ReverseNames<N>

/** What `instance.related(name)` returns on model `N` (fields `F`). */
export type RelatedOf<N extends string, F, K> = K extends keyof F
  ? F[K] extends { readonly kind: 'manyToMany'; readonly __type: infer T }
    ? ManyRelatedManager<T extends 'self' ? (N extends keyof Models ? Models[N] : TargetInstance<T>) : TargetInstance<T>>
    : never
  : `${N}.${K & string}` extends keyof ReverseAccessorIndex
    ? ReverseAccessorIndex[`${N}.${K & string}`]
    : never
