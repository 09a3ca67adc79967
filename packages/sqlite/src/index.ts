export { prepareSqliteConnection, sqlite, sqliteFeatures, type SqliteOptions } from './sqlite-dialect.js'
export { mapSqliteError } from './sqlite-errors.js'
export { formatDateTime, sqliteOperations } from './sqlite-operations.js'
export { SqliteSchemaEditor } from './sqlite-schema.js'
