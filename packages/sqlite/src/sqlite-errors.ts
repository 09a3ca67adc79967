import {
  CheckViolation,
  DatabaseError,
  DataError,
  ForeignKeyViolation,
  IntegrityError,
  NotNullViolation,
  OperationalError,
  StrataError,
  UniqueViolation,
} from '@strata/core'

/** Codes of a database that cannot be written or reached now (locks, read-only, I/O, disk full). */
const OPERATIONAL = /^SQLITE_(BUSY|LOCKED|READONLY|IOERR|FULL|CANTOPEN|INTERRUPT|PERM|PROTOCOL)(_|$)/

/** Maps a better-sqlite3 error to Strata's classes by its extended result code (https://sqlite.org/rescode.html). */
export function mapSqliteError(error: unknown): Error {
  if (error instanceof StrataError) return error
  const code = (error as { code?: unknown })?.code
  const message = error instanceof Error ? error.message : String(error)
  if (typeof code !== 'string') return error instanceof Error ? error : new DatabaseError(message, { cause: error })
  switch (code) {
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
      return new UniqueViolation(message, { cause: error })
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
      return new ForeignKeyViolation(message, { cause: error })
    case 'SQLITE_CONSTRAINT_NOTNULL':
      return new NotNullViolation(message, { cause: error })
    case 'SQLITE_CONSTRAINT_CHECK':
      return new CheckViolation(message, { cause: error })
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) return new IntegrityError(message, { cause: error })
  if (OPERATIONAL.test(code)) return new OperationalError(message, { cause: error })
  // A value that does not fit: a text rowid, a string or blob over SQLITE_MAX_LENGTH, a 64-bit overflow in sum().
  if (code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG' || (code === 'SQLITE_ERROR' && message === 'integer overflow'))
    return new DataError(message, { cause: error })
  return new DatabaseError(message, { cause: error })
}
