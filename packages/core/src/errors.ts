/** Options every Strata error takes: what it concerns and what caused it. */
export interface StrataErrorOptions {
  model?: string
  field?: string
  cause?: unknown
}

/** The base of every error Strata throws; `code` is stable and safe to branch on. */
export class StrataError extends Error {
  readonly code: string = 'strata_error'
  readonly model?: string
  readonly field?: string

  constructor(message: string, options: StrataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    if (options.model !== undefined) this.model = options.model
    if (options.field !== undefined) this.field = options.field
  }
}

/** A query that should have found one row found none (`Model.DoesNotExist` subclasses it). */
export class ObjectDoesNotExist extends StrataError {
  override readonly code: string = 'does_not_exist'
}

/** A query that should have found one row found several. */
export class MultipleObjectsReturned extends StrataError {
  override readonly code: string = 'multiple_objects_returned'
}

/** An unknown field, lookup, transform or path; raised before any SQL is built. */
export class FieldError extends StrataError {
  override readonly code: string = 'field_error'
}

/** A value of the wrong type or shape for a field or lookup (NaN, an object for a scalar...). */
export class TypeMismatchError extends FieldError {
  override readonly code: string = 'invalid_value'
}

/** Validation failures by field name; `__all__` holds errors that concern no single field. */
export class ValidationError extends StrataError {
  override readonly code: string = 'validation_error'
  readonly errors: Record<string, string[]>

  constructor(errors: Record<string, string[]> | string, options: StrataErrorOptions = {}) {
    const byField = typeof errors === 'string' ? { __all__: [errors] } : errors
    const lines = Object.entries(byField).map(([k, v]) => `${k}: ${v.join(' ')}`)
    super(`${options.model ? `${options.model}: ` : ''}${lines.join('; ')}`, options)
    this.errors = byField
  }
}

/** The database refused an operation or something went wrong talking to it. */
export class DatabaseError extends StrataError {
  override readonly code: string = 'database_error'
}

/** A constraint of the database was violated. */
export class IntegrityError extends DatabaseError {
  override readonly code: string = 'integrity_error'
}

/** A unique or primary-key constraint was violated. */
export class UniqueViolation extends IntegrityError {
  override readonly code: string = 'unique_violation'
}

/** A foreign-key constraint was violated. */
export class ForeignKeyViolation extends IntegrityError {
  override readonly code: string = 'foreign_key_violation'
}

/** NULL was written to a NOT NULL column. */
export class NotNullViolation extends IntegrityError {
  override readonly code: string = 'not_null_violation'
}

/** A CHECK constraint was violated. */
export class CheckViolation extends IntegrityError {
  override readonly code: string = 'check_violation'
}

/** A delete was blocked by `onDelete: 'PROTECT'`; `protectedObjects` are the blockers. */
export class ProtectedError extends IntegrityError {
  override readonly code: string = 'protected'
  readonly protectedObjects: unknown[]

  constructor(message: string, protectedObjects: unknown[], options: StrataErrorOptions = {}) {
    super(message, options)
    this.protectedObjects = protectedObjects
  }
}

/** A delete was blocked by `onDelete: 'RESTRICT'`; `restrictedObjects` are the blockers. */
export class RestrictedError extends IntegrityError {
  override readonly code: string = 'restricted'
  readonly restrictedObjects: unknown[]

  constructor(message: string, restrictedObjects: unknown[], options: StrataErrorOptions = {}) {
    super(message, options)
    this.restrictedObjects = restrictedObjects
  }
}

/** Connection lost, timeout, lock not available: the operation may succeed if retried. */
export class OperationalError extends DatabaseError {
  override readonly code: string = 'operational_error'
}

/** A serializable transaction could not be serialized and was rolled back; retrying may succeed. */
export class SerializationFailure extends OperationalError {
  override readonly code: string = 'serialization_failure'
}

/** The database broke a deadlock by rolling this transaction back; retrying may succeed. */
export class DeadlockDetected extends OperationalError {
  override readonly code: string = 'deadlock_detected'
}

/** A value the database refuses for its column: too long, out of range, malformed. */
export class DataError extends DatabaseError {
  override readonly code: string = 'data_error'
}

/** A transaction was used wrongly (a query after an error inside `atomic`, for example). */
export class TransactionManagementError extends DatabaseError {
  override readonly code: string = 'transaction_management_error'
}

/** The database or dialect cannot do what was asked; the message says what and why. */
export class NotSupportedError extends DatabaseError {
  override readonly code: string = 'not_supported'
}

/** A relation attribute was read before it was loaded. */
export class RelationNotLoaded extends StrataError {
  override readonly code: string = 'relation_not_loaded'
}

/**
 * A column left out by `only()` or `defer()` was read. Strata never queries behind your back:
 * load it with `refreshFromDb({ fields: [...] })`, or leave it out of `defer()`/`only()`.
 */
export class FieldNotLoaded extends StrataError {
  override readonly code: string = 'field_not_loaded'
}

/** The ORM was used before `connect()` or with a database alias that is not configured. */
export class ConnectionError extends StrataError {
  override readonly code: string = 'connection_error'
}
