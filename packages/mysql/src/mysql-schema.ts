import { type ConstraintSpec, type Field, type IndexSpec, NotSupportedError, OperationalError } from '@strata/core'
import { type ColumnInfo, type ConstraintInfo, DatabaseSchemaEditor, indexName, type SchemaModel } from '@strata/query'
import { type RawBuilder, sql } from 'kysely'

const LOCK_NAME = 'strata_migrations'
const LOCK_WAIT_SECONDS = 120

/**
 * MySQL/MariaDB DDL for migrations: `MODIFY COLUMN` for type and NULL changes, `DROP INDEX ... ON`,
 * `DROP FOREIGN KEY`, information_schema introspection, and `GET_LOCK` on a connection of its own
 * while `migrate` runs. DDL commits implicitly, so a failed migration reports what ran.
 */
export class MysqlSchemaEditor extends DatabaseSchemaEditor {
  override async tableNames(): Promise<string[]> {
    const r = await this.engine.run<{ name: string }>(sql`select table_name as name from information_schema.tables where table_schema = database() and table_type = 'BASE TABLE' order by table_name`)
    return r.rows.map((x) => x.name)
  }

  override async columns(table: string): Promise<ColumnInfo[]> {
    const r = await this.engine.run<{ name: string; type: string; nullable: string; ckey: string; extra: string }>(sql`
      select column_name as name, column_type as type, is_nullable as nullable, column_key as ckey, extra
      from information_schema.columns where table_schema = database() and table_name = ${table} order by ordinal_position`)
    return r.rows.map((c) => ({ name: c.name, type: String(c.type).toLowerCase(), nullable: c.nullable === 'YES', primaryKey: c.ckey === 'PRI', autoIncrement: /auto_increment/i.test(c.extra) }))
  }

  override async constraints(table: string): Promise<ConstraintInfo[]> {
    const stats = await this.engine.run<{ name: string; nonUnique: number | string; col: string }>(sql`
      select index_name as name, non_unique as nonUnique, column_name as col from information_schema.statistics
      where table_schema = database() and table_name = ${table} order by index_name, seq_in_index`)
    const fks = await this.engine.run<{ name: string; col: string; rtable: string; rcol: string }>(sql`
      select constraint_name as name, column_name as col, referenced_table_name as rtable, referenced_column_name as rcol
      from information_schema.key_column_usage
      where table_schema = database() and table_name = ${table} and referenced_table_name is not null order by constraint_name, ordinal_position`)
    // MariaDB lists checks with their table; MySQL 8 names them uniquely per schema, found through table_constraints.
    const checks = (await this.isMariaDb())
      ? await this.engine.run<{ name: string; clause: string; level?: string }>(sql`
          select constraint_name as name, check_clause as clause, level from information_schema.check_constraints
          where constraint_schema = database() and table_name = ${table} order by constraint_name`)
      : await this.engine.run<{ name: string; clause: string; level?: string }>(sql`
          select tc.constraint_name as name, cc.check_clause as clause from information_schema.table_constraints tc
          join information_schema.check_constraints cc on cc.constraint_schema = tc.constraint_schema and cc.constraint_name = tc.constraint_name
          where tc.table_schema = database() and tc.table_name = ${table} and tc.constraint_type = 'CHECK' order by tc.constraint_name`)
    const fkNames = new Set(fks.rows.map((f) => f.name))
    const byIndex = new Map<string, { unique: boolean; columns: string[] }>()
    for (const s of stats.rows) {
      const e = byIndex.get(s.name) ?? { unique: Number(s.nonUnique) === 0, columns: [] }
      e.columns.push(s.col)
      byIndex.set(s.name, e)
    }
    const out: ConstraintInfo[] = []
    for (const [name, e] of byIndex) {
      // InnoDB backs a foreign key with an index of the same name; dropping it alone is refused.
      if (fkNames.has(name) && !e.unique) continue
      out.push({ name, columns: e.columns, primaryKey: name === 'PRIMARY', unique: e.unique, index: true, check: false, foreignKey: null })
    }
    for (const f of fks.rows) out.push({ name: f.name, columns: [f.col], primaryKey: false, unique: false, index: false, check: false, foreignKey: { table: f.rtable, column: f.rcol } })
    // A check's columns are the quoted names in its clause (`pages` >= 0), so a column's own check can be found and dropped.
    for (const c of checks.rows) {
      const columns = [...new Set([...String(c.clause).matchAll(/`((?:[^`]|``)+)`/g)].map((m) => m[1]!.replace(/``/g, '`')))]
      out.push({ name: c.name, columns, primaryKey: false, unique: false, index: false, check: true, foreignKey: null })
      if (c.level === 'Column' && columns.length === 1) {
        const col = (await this.columns(table)).find((x) => x.name === columns[0])
        if (col) this.#columnChecks.set(`${table}.${c.name}`, col)
      }
    }
    return out
  }

  // MariaDB keeps a column's own CHECK in the column definition: it goes by redefining the column.
  readonly #columnChecks = new Map<string, ColumnInfo>()

  #mariaDb: Promise<boolean> | undefined

  /** Whether the server is MariaDB (its information_schema differs from MySQL's in places). */
  isMariaDb(): Promise<boolean> {
    this.#mariaDb ??= this.engine.run<{ v: string }>(sql`select version() as v`).then((r) => /mariadb/i.test(String(r.rows[0]?.v)))
    return this.#mariaDb
  }

  override async withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.engine.kysely.connection().execute(async (conn) => {
      const r = await sql<{ got: number | null }>`select get_lock(${LOCK_NAME}, ${LOCK_WAIT_SECONDS}) as got`.execute(conn)
      if (Number(r.rows[0]?.got) !== 1) throw new OperationalError(`Another migrate run held the lock ${LOCK_NAME} for more than ${LOCK_WAIT_SECONDS} s`)
      try {
        return await fn()
      } finally {
        await sql`select release_lock(${LOCK_NAME})`.execute(conn)
      }
    })
  }

  /** `MODIFY COLUMN` with a type and NULL (no unique, key or check: those stay as they are). */
  modifySql(model: SchemaModel, field: Field, nullable: boolean): RawBuilder<unknown> {
    const ops = this.engine.dialect.ops
    const auto = field.primaryKey ? ops.autoIncrement(field) : ''
    return sql`alter table ${sql.table(model.dbTable)} modify column ${sql.id(field.column)} ${sql.raw(ops.columnType(field))} ${sql.raw(nullable ? 'null' : 'not null')}${sql.raw(auto)}`
  }

  override async alterColumnType(model: SchemaModel, oldField: Field, newField: Field): Promise<void> {
    await this.execute(this.modifySql(model, newField, oldField.nullable))
  }

  override async setNullable(model: SchemaModel, field: Field, nullable: boolean): Promise<void> {
    await this.execute(this.modifySql(model, field, nullable))
  }

  override uniqueConstraintSql(model: SchemaModel, c: Extract<ConstraintSpec, { kind: 'unique' }>): RawBuilder<unknown> {
    if (c.condition !== undefined)
      throw new NotSupportedError(`${model.name}: the unique constraint ${c.name} has a condition; ${this.engine.dialect.features.gaps.partialIndexes ?? 'this database has no partial indexes'}`, { model: model.name })
    return super.uniqueConstraintSql(model, c)
  }

  /** `ALTER TABLE ... RENAME INDEX` (MySQL 5.7+, MariaDB 10.5.2+). */
  override async renameIndex(model: SchemaModel, from: IndexSpec, to: IndexSpec): Promise<void> {
    await this.execute(sql`alter table ${sql.table(model.dbTable)} rename index ${sql.id(indexName(model, from))} to ${sql.id(indexName(model, to))}`)
  }

  override dropIndexSql(table: string, name: string): RawBuilder<unknown> {
    return sql`drop index ${sql.id(name)} on ${sql.table(table)}`
  }

  override dropConstraintSql(table: string, name: string, kind: 'unique' | 'check' | 'foreignKey'): RawBuilder<unknown> {
    if (kind === 'foreignKey') return sql`alter table ${sql.table(table)} drop foreign key ${sql.id(name)}`
    if (kind === 'unique') return sql`alter table ${sql.table(table)} drop index ${sql.id(name)}`
    const col = kind === 'check' ? this.#columnChecks.get(`${table}.${name}`) : undefined
    if (col) return sql`alter table ${sql.table(table)} modify column ${sql.id(col.name)} ${sql.raw(col.type)} ${sql.raw(col.nullable ? 'null' : 'not null')}`
    return sql`alter table ${sql.table(table)} drop constraint ${sql.id(name)}`
  }
}

/** The `mysql` command on the configured database, for `strata dbshell` (the password travels in `MYSQL_PWD`). */
export function mysqlShell(o: { uri?: string; host?: string; port?: number; user?: string; password?: string; database?: string }): {
  command: string
  args: string[]
  env: Record<string, string>
} {
  const u = o.uri ? new URL(o.uri) : undefined
  const host = u?.hostname || o.host
  const port = u?.port || (o.port ? String(o.port) : '')
  const user = u ? decodeURIComponent(u.username) : o.user
  const password = u ? decodeURIComponent(u.password) : o.password
  const database = u ? decodeURIComponent(u.pathname.replace(/^\//, '')) : o.database
  const args: string[] = []
  if (host) args.push('-h', host)
  if (port) args.push('-P', port)
  if (user) args.push('-u', user)
  if (database) args.push(database)
  return { command: 'mysql', args, env: password ? { MYSQL_PWD: password } : {} }
}
