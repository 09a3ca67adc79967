import { type ColumnInfo, type ConstraintInfo, DatabaseSchemaEditor } from '@strata/query'
import { sql } from 'kysely'

// The key of the advisory lock that `migrate` holds (any fixed 64-bit number; scoped to the database).
const LOCK_KEY = 7_301_955_214_733_871n

/**
 * PostgreSQL's DDL for migrations: the standard `ALTER TABLE` forms of the base editor, catalog
 * introspection, and `pg_advisory_lock` on a connection of its own while `migrate` runs. DDL is
 * transactional, so each migration runs in one transaction.
 */
export class PostgresSchemaEditor extends DatabaseSchemaEditor {
  override async tableNames(): Promise<string[]> {
    const r = await this.engine.run<{ name: string }>(sql`select tablename as name from pg_tables where schemaname = current_schema() order by tablename`)
    return r.rows.map((x) => x.name)
  }

  override async columns(table: string): Promise<ColumnInfo[]> {
    const r = await this.engine.run<{ name: string; type: string; nullable: boolean; identity: boolean; pk: boolean }>(sql`
      select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, not a.attnotnull as nullable,
        (a.attidentity <> '' or coalesce(pg_get_expr(d.adbin, d.adrelid), '') like 'nextval(%') as identity,
        exists (select 1 from pg_index i where i.indrelid = a.attrelid and i.indisprimary and a.attnum = any(i.indkey)) as pk
      from pg_attribute a
      left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where a.attrelid = to_regclass(quote_ident(${table})) and a.attnum > 0 and not a.attisdropped
      order by a.attnum`)
    return r.rows.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, primaryKey: c.pk, autoIncrement: c.identity }))
  }

  override async constraints(table: string): Promise<ConstraintInfo[]> {
    const cons = await this.engine.run<{ name: string; type: string; columns: string[]; ftable: string | null; fcolumn: string | null }>(sql`
      select c.conname as name, c.contype as type,
        array(select a.attname from unnest(c.conkey) with ordinality k(n, ord) join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.ord)::text[] as columns,
        fc.relname as ftable,
        (select a.attname from pg_attribute a where a.attrelid = c.confrelid and a.attnum = c.confkey[1]) as fcolumn
      from pg_constraint c left join pg_class fc on fc.oid = c.confrelid
      where c.conrelid = to_regclass(quote_ident(${table}))
      order by c.conname`)
    const idx = await this.engine.run<{ name: string; unique: boolean; primary: boolean; columns: string[] }>(sql`
      select ic.relname as name, i.indisunique as unique, i.indisprimary as primary,
        array(select a.attname from unnest(i.indkey) with ordinality k(n, ord) join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.n order by k.ord)::text[] as columns
      from pg_index i join pg_class ic on ic.oid = i.indexrelid
      where i.indrelid = to_regclass(quote_ident(${table}))
        and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid and c.conrelid = i.indrelid)
      order by ic.relname`)
    const out: ConstraintInfo[] = cons.rows.map((c) => ({
      name: c.name,
      columns: c.columns,
      primaryKey: c.type === 'p',
      unique: c.type === 'p' || c.type === 'u',
      index: false,
      check: c.type === 'c',
      foreignKey: c.type === 'f' && c.ftable ? { table: c.ftable, column: c.fcolumn ?? '' } : null,
    }))
    for (const i of idx.rows) out.push({ name: i.name, columns: i.columns, primaryKey: i.primary, unique: i.unique, index: true, check: false, foreignKey: null })
    return out
  }

  override async withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    // A session lock on a connection of its own: the migrations run on others, in their transactions.
    return this.engine.kysely.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(${sql.raw(LOCK_KEY.toString())})`.execute(conn)
      try {
        return await fn()
      } finally {
        await sql`select pg_advisory_unlock(${sql.raw(LOCK_KEY.toString())})`.execute(conn)
      }
    })
  }
}

/** The `psql` command on the configured database, for `strata dbshell` (the password travels in `PGPASSWORD`). */
export function postgresShell(o: { connectionString?: string; host?: string; port?: number; user?: string; password?: string; database?: string }): {
  command: string
  args: string[]
  env: Record<string, string>
} {
  const env: Record<string, string> = {}
  if (o.host) env.PGHOST = o.host
  if (o.port) env.PGPORT = String(o.port)
  if (o.user) env.PGUSER = o.user
  if (o.password) env.PGPASSWORD = o.password
  if (o.database) env.PGDATABASE = o.database
  return { command: 'psql', args: o.connectionString ? [o.connectionString] : [], env }
}
