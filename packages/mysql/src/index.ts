export {
  MYSQL_SQL_MODE,
  type MysqlOptions,
  type MysqlServerInfo,
  mysql,
  mysqlFeatures,
  mysqlTypeCast,
  sessionSql,
} from './mysql-dialect.js'
export { mapMysqlError } from './mysql-errors.js'
export { DecimalLiteral, formatDateTime, mysqlOperations } from './mysql-operations.js'
export { MysqlSchemaEditor } from './mysql-schema.js'
