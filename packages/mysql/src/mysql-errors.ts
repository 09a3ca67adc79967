import {
  CheckViolation,
  DatabaseError,
  DataError,
  DeadlockDetected,
  ForeignKeyViolation,
  IntegrityError,
  NotNullViolation,
  OperationalError,
  SerializationFailure,
  StrataError,
  UniqueViolation,
} from '@strata/core'

// Client-side failures of mysql2 (no server errno): the connection is gone or never came.
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'POOL_CLOSED',
])

/**
 * Maps a mysql2 error to Strata's classes by its server error number (`errno`), keeping it as `cause`.
 * Numbers: https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html and
 * https://mariadb.com/kb/en/mariadb-error-code-reference/.
 */
export function mapMysqlError(error: unknown): Error {
  if (error instanceof StrataError) return error
  const e = error as { errno?: unknown; code?: unknown; fatal?: unknown } | null
  const message = error instanceof Error ? error.message : String(error)
  const errno = typeof e?.errno === 'number' ? e.errno : undefined
  switch (errno) {
    case 1062: // ER_DUP_ENTRY
    case 1586: // ER_DUP_ENTRY_WITH_KEY_NAME
    case 1169: // ER_DUP_UNIQUE
    case 1557: // ER_FOREIGN_DUPLICATE_KEY
      return new UniqueViolation(message, { cause: error })
    case 1216: // ER_NO_REFERENCED_ROW (old servers)
    case 1217: // ER_ROW_IS_REFERENCED (old servers)
    case 1451: // ER_ROW_IS_REFERENCED_2
    case 1452: // ER_NO_REFERENCED_ROW_2
      return new ForeignKeyViolation(message, { cause: error })
    case 1048: // ER_BAD_NULL_ERROR
    case 1364: // ER_NO_DEFAULT_FOR_FIELD
      return new NotNullViolation(message, { cause: error })
    case 3819: // ER_CHECK_CONSTRAINT_VIOLATED (MySQL 8.0.16+)
    case 4025: // ER_CONSTRAINT_FAILED (MariaDB)
      return new CheckViolation(message, { cause: error })
    case 1213: // ER_LOCK_DEADLOCK
      return new DeadlockDetected(message, { cause: error })
    case 1020: // ER_CHECKREAD: MariaDB's innodb_snapshot_isolation refused a write
      return new SerializationFailure(message, { cause: error })
    case 1205: // ER_LOCK_WAIT_TIMEOUT
    case 3024: // ER_QUERY_TIMEOUT (MySQL max_execution_time)
    case 1969: // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
    case 1317: // ER_QUERY_INTERRUPTED
    case 3572: // ER_LOCK_NOWAIT (MySQL NOWAIT)
    case 1040: // ER_CON_COUNT_ERROR
    case 1053: // ER_SERVER_SHUTDOWN
    case 1927: // ER_CONNECTION_KILLED (MariaDB)
    case 2002: // CR_CONNECTION_ERROR
    case 2003: // CR_CONN_HOST_ERROR
    case 2006: // CR_SERVER_GONE_ERROR
    case 2013: // CR_SERVER_LOST
    case 4031: // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8.0.24+)
      return new OperationalError(message, { cause: error })
    case 1264: // ER_WARN_DATA_OUT_OF_RANGE
    case 1265: // WARN_DATA_TRUNCATED
    case 1292: // ER_TRUNCATED_WRONG_VALUE (bad date, datetime or number)
    case 1366: // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
    case 1365: // ER_DIVISION_BY_ZERO
    case 1367: // ER_ILLEGAL_VALUE_FOR_TYPE
    case 1406: // ER_DATA_TOO_LONG
    case 1690: // ER_DATA_OUT_OF_RANGE (BIGINT arithmetic)
    case 3140: // ER_INVALID_JSON_TEXT (MySQL)
    case 4038: // ER_JSON_SYNTAX (MariaDB)
      return new DataError(message, { cause: error })
  }
  if (typeof e?.code === 'string' && CONNECTION_CODES.has(e.code))
    return new OperationalError(message, { cause: error })
  if (e?.fatal === true) return new OperationalError(message, { cause: error })
  if (errno === undefined)
    return error instanceof Error ? error : new DatabaseError(message, { cause: error })
  // Any other server error: a constraint family we do not know by number stays an IntegrityError.
  if ((e as { sqlState?: unknown }).sqlState === '23000') return new IntegrityError(message, { cause: error })
  return new DatabaseError(message, { cause: error })
}
