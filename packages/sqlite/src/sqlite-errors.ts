import {
  CheckViolation,
  DatabaseError,
  ForeignKeyViolation,
  IntegrityError,
  NotNullViolation,
  OperationalError,
  StrataError,
  UniqueViolation,
} from '@strata/core'

/** Maps a better-sqlite3 error to Strata's classes by its extended result code. */
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
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_INTERRUPT')
    return new OperationalError(message, { cause: error })
  return new DatabaseError(message, { cause: error })
}
