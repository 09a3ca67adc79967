import { FieldError, TypeMismatchError } from '../errors.js'
import type { ModelMeta } from '../meta.js'
import { Field, type FieldOptions, describe } from './field.js'

/** What happens to rows that point at a deleted row. */
export type OnDelete = 'CASCADE' | 'PROTECT' | 'RESTRICT' | 'SET_NULL' | 'SET_DEFAULT' | 'DO_NOTHING'

/** A relation target: a model name, a model class, or a thunk returning one. */
export type RelationTarget = string | (() => unknown) | { readonly meta: ModelMeta }

/** Options of `f.foreignKey` and `f.oneToOne`. */
export interface ForeignKeyOptions extends FieldOptions<unknown> {
  onDelete: OnDelete
  relatedName?: string
  relatedQueryName?: string
  dbConstraint?: boolean
}

/** Options of `f.manyToMany`. */
export interface ManyToManyOptions {
  relatedName?: string
  relatedQueryName?: string
  /** A join model declared by the user (with extra fields); it holds a foreign key to each side. */
  through?: RelationTarget
  /**
   * The join model's foreign keys `[toThisModel, toTarget]`, needed when it has several keys to
   * one side (Django's `through_fields`).
   */
  throughFields?: readonly [string, string]
  /**
   * Self relations only: adding a to b also adds b to a. Default true when the target is written
   * `'self'` (Django's rule), false otherwise.
   */
  symmetrical?: boolean
  /** `false`: no foreign-key constraints on the auto-created join table. */
  dbConstraint?: boolean
  dbTable?: string
  blank?: boolean
  verboseName?: string
  helpText?: string
  editable?: boolean
}

/** Resolves a relation target to model metadata; `lookup` finds registered models by name. */
export function resolveTarget(to: RelationTarget, lookup: (name: string) => ModelMeta | undefined): ModelMeta | undefined {
  if (typeof to === 'string') return lookup(to)
  if (typeof to === 'function' && !('meta' in to)) {
    const m = (to as () => unknown)()
    return (m as { meta?: ModelMeta } | undefined)?.meta
  }
  return (to as { meta: ModelMeta }).meta
}

/** Any relation field: a foreign key, a one-to-one or a many-to-many. */
export abstract class RelatedField<T, N extends boolean, O extends boolean, K extends 'foreignKey' | 'oneToOne' | 'manyToMany'> extends Field<
  T,
  N,
  O,
  K
> {
  /** The target as written. */
  readonly to: RelationTarget
  /** The target's metadata, set when the model graph is resolved. */
  target!: ModelMeta

  constructor(kind: K, to: RelationTarget, options: FieldOptions<T>) {
    super(kind, options)
    this.to = to
  }

  override get isRelation(): boolean {
    return true
  }

  /** The name used in reverse lookups (`comment__author`). */
  abstract get relatedQueryName(): string
  /** The accessor on the target's instances (`post.commentSet`), or null when hidden (`+`). */
  abstract get relatedAccessor(): string | null
}

/** A many-to-one relation; the column holds the target's primary key. */
export class ForeignKey<T, N extends boolean, O extends boolean, K extends 'foreignKey' | 'oneToOne' = 'foreignKey'> extends RelatedField<
  T,
  N,
  O,
  K
> {
  declare readonly options: ForeignKeyOptions & FieldOptions<T>

  constructor(kind: K, to: RelationTarget, options: ForeignKeyOptions) {
    super(kind, to, options as FieldOptions<T>)
    const valid = ['CASCADE', 'PROTECT', 'RESTRICT', 'SET_NULL', 'SET_DEFAULT', 'DO_NOTHING']
    if (!valid.includes(options?.onDelete))
      throw new FieldError(`onDelete must be one of ${valid.join(', ')} (got ${describe(options?.onDelete)})`)
    if (options.onDelete === 'SET_NULL' && options.null !== true)
      throw new FieldError("onDelete: 'SET_NULL' needs null: true")
  }

  override get relatedQueryName(): string {
    const { relatedQueryName, relatedName } = this.options
    return relatedQueryName ?? (relatedName && relatedName !== '+' ? relatedName : this.modelName.toLowerCase())
  }

  override get relatedAccessor(): string | null {
    const rn = this.options.relatedName
    if (rn === '+' || rn?.endsWith('+')) return null
    if (rn) return rn
    const lower = this.modelName[0]!.toLowerCase() + this.modelName.slice(1)
    return this.kind === 'oneToOne' ? lower : `${lower}Set`
  }

  /** The onDelete rule. */
  get onDelete(): OnDelete {
    return this.options.onDelete
  }

  /** Turns an instance or a key into the key stored in the column. */
  protected override coerce(value: unknown): T {
    if (typeof value === 'object' && value !== null && 'pk' in value && (value as { constructor: { meta?: ModelMeta } }).constructor.meta) {
      const meta = (value as { constructor: { meta: ModelMeta } }).constructor.meta
      if (this.target && meta !== this.target && meta.name !== this.target.name)
        throw new TypeMismatchError(
          `${this.modelName}.${this.name} must be a ${this.target.name} instance, got a ${meta.name}`,
          { model: this.modelName, field: this.name },
        )
      const pk = (value as { pk: unknown }).pk
      if (pk === null || pk === undefined)
        throw new TypeMismatchError(
          `${this.modelName}.${this.name}: the related ${meta.name} is not saved yet (it has no primary key)`,
          { model: this.modelName, field: this.name },
        )
      return pk as T
    }
    return this.target.pk.clean(value) as T
  }
}

/** A many-to-many relation through a join table. */
export class ManyToManyField<T, K extends 'manyToMany' = 'manyToMany'> extends RelatedField<T, false, true, K> {
  declare readonly options: ManyToManyOptions & FieldOptions<T>
  /** The join table's metadata, created when the graph is resolved. */
  through!: ModelMeta
  /** The join table's foreign key to the declaring model. */
  sourceField!: ForeignKey<unknown, boolean, boolean>
  /** The join table's foreign key to the target model. */
  targetField!: ForeignKey<unknown, boolean, boolean>

  override get concrete(): boolean {
    return false
  }

  override get relatedQueryName(): string {
    const { relatedQueryName, relatedName } = this.options
    return relatedQueryName ?? (relatedName && relatedName !== '+' ? relatedName : this.modelName.toLowerCase())
  }

  override get relatedAccessor(): string | null {
    const rn = this.options.relatedName
    if (rn === '+' || rn?.endsWith('+')) return null
    return rn ?? `${this.modelName[0]!.toLowerCase()}${this.modelName.slice(1)}Set`
  }

  /**
   * Whether adding a to b also adds b to a: every relation of a model to itself (written `'self'`, by
   * name or by thunk) unless `symmetrical: false` (API.md; Django defaults it only for `'self'`).
   */
  get symmetrical(): boolean {
    const self = this.to === 'self' || (this.target !== undefined && this.target.name === this.modelName)
    return self && (this.options.symmetrical ?? true)
  }

  /** Whether the join model was declared by the user (`through`) rather than auto-created. */
  get customThrough(): boolean {
    return this.options.through !== undefined
  }
}
