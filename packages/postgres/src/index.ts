export {
  type PostgresOptions,
  type PostgresSslOptions,
  postgres,
  postgresFeatures,
  postgresPoolConfig,
  postgresTypes,
} from './postgres-dialect.js'
export { mapPostgresError } from './postgres-errors.js'
export { formatTimestamp, intervalToMs, postgresOperations } from './postgres-operations.js'
export { PostgresSchemaEditor } from './postgres-schema.js'
