import { TypeMismatchError, ValidationError } from '../errors.js'

/** What each field kind holds, used by dialects for column types and conversions. */
export type FieldKind =
  | 'auto'
  | 'bigAuto'
  | 'char'
  | 'text'
  | 'integer'
  | 'smallInteger'
  | 'bigInteger'
  | 'positiveInteger'
  | 'float'
  | 'decimal'
  | 'boolean'
  | 'date'
  | 'dateTime'
  | 'time'
  | 'duration'
  | 'email'
  | 'url'
  | 'slug'
  | 'uuid'
  | 'json'
  | 'binary'
  | 'foreignKey'
  | 'oneToOne'
  | 'manyToMany'

/** A choice: a bare value or a `[value, label]` pair. */
export type Choice<T> = T | readonly [T, string]

/** A validator: throws a `ValidationError` or returns a message when the value is invalid. */
export type Validator<T> = { check(value: T): void | string }['check']

/** Options every field takes (API.md section 3). */
export interface FieldOptions<T = unknown> {
  null?: boolean
  blank?: boolean
  default?: T | (() => T)
  unique?: boolean
  dbIndex?: boolean
  choices?: readonly Choice<T>[]
  dbColumn?: string
  primaryKey?: boolean
  editable?: boolean
  validators?: readonly Validator<T>[]
  verboseName?: string
  helpText?: string
}

/** Marks a value as a Strata field whatever copy of the package made it. */
export const FIELD_BRAND: unique symbol = Symbol.for('strata.field') as never

/**
 * A field definition. The type parameters record the JavaScript type, nullability,
 * whether the field may be omitted on create, and its kind; they exist only for inference.
 */
export class Field<
  T = unknown,
  Null extends boolean = boolean,
  Optional extends boolean = boolean,
  K extends FieldKind = FieldKind,
> {
  declare readonly __type: T
  declare readonly __null: Null
  declare readonly __optional: Optional
  readonly [FIELD_BRAND] = true
  readonly kind: K
  readonly options: FieldOptions<T>
  /** The field's name on the model, set when the model is defined. */
  name = ''
  /** The attribute that holds the column value (`authorId` for a foreign key `author`). */
  attname = ''
  /** The column name in the database. */
  column = ''
  /** The name of the model that declares it. */
  modelName = ''

  constructor(kind: K, options: FieldOptions<T> = {}) {
    this.kind = kind
    this.options = options
  }

  /** Whether the column accepts NULL. */
  get nullable(): boolean {
    return this.options.null === true
  }

  /** Whether this is the primary key. */
  get primaryKey(): boolean {
    return this.options.primaryKey === true
  }

  /** Whether the field has a column on the model's own table. */
  get concrete(): boolean {
    return true
  }

  /** Whether the field is a relation to another model. */
  get isRelation(): boolean {
    return false
  }

  /** Whether a value is written by the database (auto-increment keys). */
  get dbGenerated(): boolean {
    return false
  }

  /** Whether the value was given explicitly or has a default. */
  hasDefault(): boolean {
    return this.options.default !== undefined
  }

  /** The value a new instance gets when none is given. */
  getDefault(): T | null | undefined {
    const d = this.options.default
    if (d !== undefined) return typeof d === 'function' ? (d as () => T)() : d
    if (this.dbGenerated) return null
    if (this.nullable) return null
    return undefined
  }

  /**
   * Turns a value given by user code into this field's JavaScript type, or throws
   * `TypeMismatchError`; `null` passes through (nullability is checked elsewhere).
   */
  clean(value: unknown): T | null {
    if (value === null) return null
    return this.coerce(value)
  }

  /** Kind-specific conversion; subclasses override. */
  protected coerce(value: unknown): T {
    return value as T
  }

  /** Raises a clear error for a value of the wrong type. */
  protected mismatch(value: unknown, expected: string): never {
    throw new TypeMismatchError(
      `${this.modelName}.${this.name} expects ${expected}, got ${describe(value)}`,
      { model: this.modelName, field: this.name },
    )
  }

  /** Field-level validation for `fullClean`: null, blank, choices, validators. */
  validate(value: unknown): string[] {
    const errors: string[] = []
    if (value === null || value === undefined) {
      if (!this.nullable && !this.dbGenerated) errors.push('This field cannot be null.')
      return errors
    }
    if (value === '' && this.options.blank !== true) errors.push('This field cannot be blank.')
    const choices = this.options.choices
    if (choices && value !== '' && !choices.some((c) => sameValue(choiceValue(c), value))) {
      errors.push(`Value ${JSON.stringify(value)} is not a valid choice.`)
    }
    for (const v of this.options.validators ?? []) {
      try {
        const message = v(value as T)
        if (typeof message === 'string') errors.push(message)
      } catch (e) {
        if (e instanceof ValidationError) errors.push(...Object.values(e.errors).flat())
        else errors.push(e instanceof Error ? e.message : String(e))
      }
    }
    return errors
  }

  /** A short description used in error messages (`CharField`). */
  describe(): string {
    return `${this.kind[0]!.toUpperCase()}${this.kind.slice(1)}Field`
  }
}

/** The value part of a choice. */
export function choiceValue<T>(c: Choice<T>): T {
  return Array.isArray(c) ? (c as readonly [T, string])[0] : (c as T)
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime()
  return a === b
}

/** Renders a value for an error message without dumping large objects. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value)
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : `Date(${value.toISOString()})`
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`
  return typeof value
}

/** Whether a value is a Strata field (works across duplicate package copies). */
export function isField(value: unknown): value is Field {
  return typeof value === 'object' && value !== null && (value as { [FIELD_BRAND]?: boolean })[FIELD_BRAND] === true
}
