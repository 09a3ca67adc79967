import {
  CheckViolation,
  DatabaseError,
  DataError,
  DeadlockDetected,
  ForeignKeyViolation,
  IntegrityError,
  NotNullViolation,
  NotSupportedError,
  OperationalError,
  SerializationFailure,
  StrataError,
  TransactionManagementError,
  UniqueViolation,
} from '@strata/core'

// Errors of the socket or of pg's pool, which carry a Node error code or no code at all.
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
])
const CONNECTION_MESSAGES =
  /connection terminated|timeout exceeded when trying to connect|not queryable|query read timeout|connection error|terminating connection/i

/** Whether an error ends the session (FATAL from the server, or a dead socket): its connection must not be reused. */
export function isConnectionLost(error: unknown): boolean {
  const e = error as { code?: unknown; severity?: unknown; message?: unknown } | null
  if (!e) return false
  if (e.severity === 'FATAL' || e.severity === 'PANIC') return true
  if (
    typeof e.code === 'string' &&
    (CONNECTION_CODES.has(e.code) || e.code.startsWith('08') || e.code.startsWith('57P'))
  )
    return true
  return typeof e.code !== 'string' && typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message)
}

/** The driver's message with its `detail` line (`Key (email)=(a@b.c) already exists.`). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const detail = (error as { detail?: unknown }).detail
  return typeof detail === 'string' && detail ? `${error.message} (${detail})` : error.message
}

/**
 * Maps a pg error to Strata's classes by its SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html),
 * keeping the driver's error as `cause`.
 */
export function mapPostgresError(error: unknown): Error {
  if (error instanceof StrataError) return error
  const code = (error as { code?: unknown } | null)?.code
  const message = describe(error)
  const cause = { cause: error }
  if (typeof code !== 'string') {
    if (error instanceof Error && CONNECTION_MESSAGES.test(error.message))
      return new OperationalError(message, cause)
    return error instanceof Error ? error : new DatabaseError(message, cause)
  }
  if (CONNECTION_CODES.has(code)) return new OperationalError(message, cause)
  switch (code) {
    case '23505':
      return new UniqueViolation(message, cause)
    case '23503':
      return new ForeignKeyViolation(message, cause)
    case '23502':
      return new NotNullViolation(message, cause)
    case '23514':
      return new CheckViolation(message, cause)
    case '40001':
      return new SerializationFailure(message, cause)
    case '40P01':
      return new DeadlockDetected(message, cause)
    case '25P02':
      return new TransactionManagementError(message, cause)
    case '0A000':
      return new NotSupportedError(message, cause)
    case '57014': // statement timeout or cancel
    case '55P03': // lock not available (NOWAIT)
    case '3D000': // the database does not exist
      return new OperationalError(message, cause)
  }
  switch (code.slice(0, 2)) {
    case '23':
      return new IntegrityError(message, cause)
    case '22':
      return new DataError(message, cause)
    case '08': // connection exception
    case '28': // invalid authorization
    case '40': // transaction rollback
    case '53': // insufficient resources
    case '57': // operator intervention (57P01 admin shutdown, ...)
    case '58': // system error
      return new OperationalError(message, cause)
  }
  if (/^[0-9A-Z]{5}$/.test(code)) return new DatabaseError(message, cause)
  return error instanceof Error ? error : new DatabaseError(message, cause)
}
