import { type ConstraintSpec, type Field, ForeignKey, ForeignKeyViolation, type IndexSpec, ManyToManyField } from '@strata/core'
import {
  type ColumnInfo,
  type ConstraintInfo,
  DatabaseSchemaEditor,
  type Fill,
  needsIndex,
  type SchemaModel,
  staticDefault,
} from '@strata/query'
import { type RawBuilder, sql } from 'kysely'

/** How a rebuilt table is filled from the old one. */
interface Rebuild {
  /** The columns of the table as it is now. */
  readonly oldColumns: readonly string[]
  /** New column name -> old column name. */
  readonly renames?: ReadonlyMap<string, string>
  /** Values for new columns, or for NULLs of columns that become NOT NULL. */
  readonly fills?: ReadonlyMap<string, Fill>
}

const LOCK_TABLE = 'strata_migrations_lock'
const LOCK_WAIT_MS = 120_000

function isBusy(e: unknown): boolean {
  for (let x: unknown = e; x; x = (x as { cause?: unknown }).cause) {
    const code = (x as { code?: unknown }).code
    if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) return true
  }
  return false
}

/** What makes a column's definition; two fields with the same signature need no table rebuild. */
function signature(editor: DatabaseSchemaEditor, f: Field): string {
  const fk = f instanceof ForeignKey ? `${f.target.dbTable}.${f.target.pk.column}.${f.options.dbConstraint !== false}` : ''
  return [editor.engine.dialect.ops.columnType(f), f.nullable, f.primaryKey, f.options.unique === true, f.kind === 'positiveInteger', fk].join('|')
}

/** The columns of a model, as a table holds them. */
function columnsOf(model: SchemaModel): string[] {
  return model.concreteFields.map((f) => f.column)
}

/**
 * SQLite's DDL for migrations: what `ALTER TABLE` cannot do (types, NULL, unique, foreign keys,
 * checks, dropping columns) rebuilds the table: create the new one, copy the rows, drop the old,
 * rename, recreate the indexes (Django's `_remake_table`). Foreign-key checks are off while
 * migrations run and `PRAGMA foreign_key_check` runs before each migration is kept. The lock is a
 * write transaction around the whole run; each migration is a savepoint in it.
 */
export class SqliteSchemaEditor extends DatabaseSchemaEditor {
  override async tableNames(): Promise<string[]> {
    const r = await this.engine.run<{ name: string }>(sql`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`)
    return r.rows.map((x) => x.name)
  }

  override async columns(table: string): Promise<ColumnInfo[]> {
    const r = await this.engine.run<{ name: string; type: string; notnull: number | bigint; pk: number | bigint }>(sql`select name, type, "notnull", pk from pragma_table_info(${table})`)
    const ddl = await this.engine.run<{ sql: string }>(sql`select sql from sqlite_master where type = 'table' and name = ${table}`)
    const auto = /autoincrement/i.test(ddl.rows[0]?.sql ?? '')
    return r.rows.map((c) => ({ name: c.name, type: c.type.toLowerCase(), nullable: Number(c.notnull) === 0 && Number(c.pk) === 0, primaryKey: Number(c.pk) > 0, autoIncrement: auto && Number(c.pk) > 0 }))
  }

  override async constraints(table: string): Promise<ConstraintInfo[]> {
    const out: ConstraintInfo[] = []
    const cols = await this.columns(table)
    const pk = cols.filter((c) => c.primaryKey).map((c) => c.name)
    if (pk.length) out.push({ name: '__primary__', columns: pk, primaryKey: true, unique: true, index: false, check: false, foreignKey: null })
    const indexes = await this.engine.run<{ name: string; unique: number | bigint; origin: string }>(sql`select name, "unique", origin from pragma_index_list(${table})`)
    for (const idx of indexes.rows) {
      if (idx.origin === 'pk') continue
      const info = await this.engine.run<{ name: string | null }>(sql`select name from pragma_index_info(${idx.name}) order by seqno`)
      out.push({ name: idx.name, columns: info.rows.map((x) => x.name ?? ''), primaryKey: false, unique: Number(idx.unique) === 1, index: idx.origin === 'c', check: false, foreignKey: null })
    }
    const fks = await this.engine.run<{ id: number | bigint; table: string; from: string; to: string | null }>(sql`select id, "table", "from", "to" from pragma_foreign_key_list(${table}) order by id, seq`)
    for (const fk of fks.rows) out.push({ name: `__fk_${fk.from}`, columns: [fk.from], primaryKey: false, unique: false, index: false, check: false, foreignKey: { table: fk.table, column: fk.to ?? 'id' } })
    const ddl = await this.engine.run<{ sql: string }>(sql`select sql from sqlite_master where type = 'table' and name = ${table}`)
    for (const m of (ddl.rows[0]?.sql ?? '').matchAll(/constraint\s+"([^"]+)"\s+check/gi)) out.push({ name: m[1]!, columns: [], primaryKey: false, unique: false, index: false, check: true, foreignKey: null })
    return out
  }

  override async withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    // PRAGMA foreign_keys does nothing inside a transaction: set it before the lock's transaction begins.
    await this.engine.run(sql`pragma foreign_keys = off`)
    try {
      const deadline = Date.now() + LOCK_WAIT_MS
      for (let attempt = 0; ; attempt++) {
        let locked = false
        let failure: { error: unknown } | undefined
        try {
          const result = await this.engine.atomic(async () => {
            await this.engine.run(sql`create table if not exists ${sql.table(LOCK_TABLE)} (id integer primary key, locked_at text)`)
            await this.engine.run(sql`insert or replace into ${sql.table(LOCK_TABLE)} (id, locked_at) values (1, datetime('now'))`)
            locked = true
            try {
              return await fn()
            } catch (e) {
              // Keep what earlier migrations did: commit, then report the failure.
              failure = { error: e }
              return undefined
            }
          })
          if (failure) throw failure.error
          return result as T
        } catch (e) {
          if (locked || !isBusy(e) || Date.now() > deadline) throw e
          await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 500)))
        }
      }
    } finally {
      await this.engine.run(sql`pragma foreign_keys = on`)
    }
  }

  override async runMigration<T>(fn: () => Promise<T>): Promise<T> {
    return this.engine.atomic(async () => {
      const result = await fn()
      const bad = await this.engine.run<{ table: string; rowid: unknown; parent: string }>(sql`pragma foreign_key_check`)
      if (bad.rows.length) {
        const b = bad.rows[0]!
        throw new ForeignKeyViolation(`${bad.rows.length} row(s) point at rows that do not exist (first: table ${b.table}, rowid ${String(b.rowid)}, referencing ${b.parent})`)
      }
      return result
    })
  }

  // SQLite has no named unique constraints outside CREATE TABLE: a unique index does the same.
  override uniqueConstraintSql(model: SchemaModel, c: Extract<ConstraintSpec, { kind: 'unique' }>): RawBuilder<unknown> {
    const cols = sql.join(c.fields.map((n) => sql.id(model.getField(n).column)))
    const where = c.condition !== undefined ? sql` where ${this.condition(model, c.condition)}` : sql``
    return sql`create unique index ${sql.id(c.name)} on ${sql.table(model.dbTable)} (${cols})${where}`
  }

  override async addField(model: SchemaModel, field: Field, fill?: Fill): Promise<void> {
    if (field instanceof ManyToManyField) return super.addField(model, field, fill)
    const value = fill ?? staticDefault(field)
    const simple = field.nullable && !field.primaryKey && field.options.unique !== true && (value === undefined || value.value === null)
    if (simple) {
      await this.execute(sql`alter table ${sql.table(model.dbTable)} add column ${this.columnDefinition(field, true)}`)
      if (needsIndex(field)) await this.execute(this.fieldIndexSql(model, field))
      return
    }
    const oldColumns = columnsOf(model).filter((c) => c !== field.column)
    await this.rebuild(model, { oldColumns, fills: value ? new Map([[field.column, value]]) : undefined })
  }

  override async removeField(model: SchemaModel, field: Field): Promise<void> {
    if (field instanceof ManyToManyField) return super.removeField(model, field)
    await this.rebuild(model, { oldColumns: [...columnsOf(model), field.column] })
  }

  override async alterField(model: SchemaModel, oldField: Field, newField: Field, fill?: Fill): Promise<void> {
    if (oldField instanceof ManyToManyField || newField instanceof ManyToManyField) return super.alterField(model, oldField, newField, fill)
    if (signature(this, oldField) === signature(this, newField)) {
      if (oldField.column !== newField.column) await this.renameColumn(model, oldField, newField)
      const declared = (model.options.indexes ?? []).map((i) => i.name).filter((n): n is string => n !== undefined)
      if (needsIndex(oldField) && !needsIndex(newField)) await this.dropIndexes(model, [newField.column], declared)
      if (needsIndex(newField) && !needsIndex(oldField)) await this.execute(this.fieldIndexSql(model, newField))
      return
    }
    const oldColumns = columnsOf(model).map((c) => (c === newField.column ? oldField.column : c))
    const value = !newField.nullable ? (fill ?? staticDefault(newField)) : undefined
    await this.rebuild(model, {
      oldColumns,
      renames: new Map([[newField.column, oldField.column]]),
      fills: value && oldField.nullable ? new Map([[newField.column, value]]) : undefined,
    })
  }

  /** SQLite cannot rename an index: it is dropped and made again under the new name. */
  override async renameIndex(model: SchemaModel, from: IndexSpec, to: IndexSpec): Promise<void> {
    await this.removeIndex(model, from)
    await this.addIndex(model, to)
  }

  override async addConstraint(model: SchemaModel, constraint: ConstraintSpec): Promise<void> {
    if (constraint.kind === 'unique') return this.execute(this.uniqueConstraintSql(model, constraint))
    await this.rebuild(model, { oldColumns: columnsOf(model) })
  }

  override async removeConstraint(model: SchemaModel, constraint: ConstraintSpec): Promise<void> {
    if (constraint.kind === 'unique') return this.execute(this.dropIndexSql(model.dbTable, constraint.name))
    await this.rebuild(model, { oldColumns: columnsOf(model) })
  }

  override async alterUniqueTogether(model: SchemaModel): Promise<void> {
    await this.rebuild(model, { oldColumns: columnsOf(model) })
  }

  /**
   * Makes the table of `model` again with its rows: `new__<table>` from the model, `INSERT ...
   * SELECT` from the old table (renamed columns, one-off values), drop the old, rename the new,
   * recreate the indexes. Incoming foreign keys name the table, so they hold again after the rename.
   */
  async rebuild(model: SchemaModel, plan: Rebuild): Promise<void> {
    const table = model.dbTable
    const temp = `new__${table}`
    const shadow: SchemaModel = {
      name: model.name,
      dbTable: temp,
      pk: model.pk,
      fields: model.fields,
      concreteFields: model.concreteFields,
      options: model.options,
      autoCreated: model.autoCreated,
      getField: (n) => model.getField(n),
    }
    await this.execute(this.createTable(shadow, true))
    const old = new Set(plan.oldColumns)
    const ops = this.engine.dialect.ops
    const targets: RawBuilder<unknown>[] = []
    const sources: RawBuilder<unknown>[] = []
    for (const f of model.concreteFields) {
      const src = plan.renames?.get(f.column) ?? f.column
      const fill = plan.fills?.get(f.column)
      const value = fill === undefined ? undefined : sql`${ops.toDriver(f, fill.value)}`
      let expr: RawBuilder<unknown> | undefined
      if (old.has(src)) expr = value ? sql`coalesce(${sql.id(src)}, ${value})` : sql.id(src)
      else if (value) expr = value
      else {
        const d = staticDefault(f)
        if (d !== undefined) expr = sql`${ops.toDriver(f, d.value)}`
      }
      if (!expr) continue
      targets.push(sql.id(f.column))
      sources.push(expr)
    }
    if (targets.length) await this.execute(sql`insert into ${sql.table(temp)} (${sql.join(targets)}) select ${sql.join(sources)} from ${sql.table(table)}`)
    await this.execute(sql`drop table ${sql.table(table)}`)
    await this.execute(sql`alter table ${sql.table(temp)} rename to ${sql.table(table)}`)
    for (const s of this.indexes(model)) await this.execute(s)
    for (const c of model.options.constraints ?? []) if (c.kind === 'unique') await this.execute(this.uniqueConstraintSql(model, c))
  }
}

/** The `sqlite3` command on a database file, for `strata dbshell`. */
export function sqliteShell(filename: string | undefined): { command: string; args: string[] } {
  return { command: 'sqlite3', args: [filename ?? ':memory:'] }
}
