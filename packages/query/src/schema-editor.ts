import { type ConstraintSpec, type Field, ForeignKey, type IndexSpec, ManyToManyField, NotSupportedError } from '@strata/core'
import { type RawBuilder, sql } from 'kysely'
import { constraintName, type SchemaModel, SchemaEditor } from './schema.js'

/** One column of a table, as the database describes it. */
export interface ColumnInfo {
  readonly name: string
  /** The column type as the database spells it (`varchar(100)`, `integer`, `timestamp with time zone`). */
  readonly type: string
  readonly nullable: boolean
  readonly primaryKey: boolean
  readonly autoIncrement: boolean
}

/** A constraint or index of a table, as the database describes it. */
export interface ConstraintInfo {
  readonly name: string
  readonly columns: readonly string[]
  readonly primaryKey: boolean
  readonly unique: boolean
  /** An index (as opposed to a table constraint). */
  readonly index: boolean
  readonly check: boolean
  /** The referenced table and column of a foreign key. */
  readonly foreignKey: { readonly table: string; readonly column: string } | null
}

/** Which constraints `constraintNames` looks for. */
export interface ConstraintFilter {
  primaryKey?: boolean
  unique?: boolean
  index?: boolean
  check?: boolean
  foreignKey?: boolean
  /** Names to leave out (indexes declared in the model's `indexes`). */
  exclude?: readonly string[]
}

/** A foreign-key column of another table (or a join table) that points at a primary key whose type changes. */
export interface RelatedColumn {
  readonly model: SchemaModel
  readonly oldField: Field
  readonly newField: Field
}

/** A value written into rows that exist when a column is added or made NOT NULL (a one-off default). */
export interface Fill {
  readonly value: unknown
}

/**
 * The DDL of migrations: create, delete, rename and alter tables, columns, indexes and constraints
 * (Django's `BaseDatabaseSchemaEditor`). Statements are standard SQL; a dialect package subclasses it
 * where its database differs (MySQL's `MODIFY`, SQLite's table rebuild) and implements introspection.
 */
export class DatabaseSchemaEditor extends SchemaEditor {
  // ---- introspection (dialects override) ----

  /** The names of the tables in the database (views excluded). */
  async tableNames(): Promise<string[]> {
    return (await this.engine.kysely.introspection.getTables()).map((t) => t.name).sort()
  }

  /** The columns of a table, in order. */
  async columns(table: string): Promise<ColumnInfo[]> {
    const t = (await this.engine.kysely.introspection.getTables()).find((x) => x.name === table)
    if (!t) throw new NotSupportedError(`No table named ${JSON.stringify(table)}`)
    return t.columns.map((c) => ({ name: c.name, type: c.dataType, nullable: c.isNullable, primaryKey: false, autoIncrement: c.isAutoIncrementing }))
  }

  /** The constraints and indexes of a table. */
  async constraints(table: string): Promise<ConstraintInfo[]> {
    throw new NotSupportedError(`${this.engine.dialect.name} does not describe the constraints of ${table}`)
  }

  /** Names of the constraints on exactly `columns` that match `filter` (Django's `_constraint_names`). */
  async constraintNames(table: string, columns: readonly string[], filter: ConstraintFilter): Promise<string[]> {
    const all = await this.constraints(table)
    return all
      .filter((c) => c.columns.length === columns.length && c.columns.every((col, i) => col === columns[i]))
      .filter((c) => filter.primaryKey === undefined || c.primaryKey === filter.primaryKey)
      .filter((c) => filter.unique === undefined || c.unique === filter.unique)
      .filter((c) => filter.index === undefined || c.index === filter.index)
      .filter((c) => filter.check === undefined || c.check === filter.check)
      .filter((c) => filter.foreignKey === undefined || (c.foreignKey !== null) === filter.foreignKey)
      .filter((c) => !filter.exclude?.includes(c.name))
      .map((c) => c.name)
  }

  // ---- running migrations ----

  /** Runs `fn` holding the database's migration lock, so that concurrent runs apply each migration once. Default: no lock. */
  async withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    return fn()
  }

  /** Runs one migration: in a transaction where the database makes DDL transactional. */
  async runMigration<T>(fn: () => Promise<T>): Promise<T> {
    return this.engine.dialect.features.transactionalDdl ? this.engine.atomic(fn) : fn()
  }

  // ---- models ----

  /** Creates a model's table, its foreign keys, indexes and constraints, and its many-to-many join tables. */
  async createModel(model: SchemaModel): Promise<void> {
    const inline = this.engine.dialect.features.inlineForeignKeys
    await this.execute(this.createTable(model, inline))
    // Indexes before foreign keys: MySQL then backs each key with its index instead of making one more.
    for (const s of this.indexes(model)) await this.execute(s)
    if (!inline) for (const s of this.foreignKeyConstraints(model)) await this.execute(s)
    for (const c of model.options.constraints ?? []) if (c.kind === 'unique') await this.execute(this.uniqueConstraintSql(model, c))
    for (const f of model.fields) if (f instanceof ManyToManyField && f.through.autoCreated) await this.createModel(f.through)
  }

  /** Drops a model's join tables, then its table. */
  async deleteModel(model: SchemaModel): Promise<void> {
    for (const f of model.fields) if (f instanceof ManyToManyField && f.through.autoCreated) await this.deleteModel(f.through)
    await this.execute(this.dropTable(model))
  }

  /** Renames a table (`ALTER TABLE ... RENAME TO`). */
  async renameTable(oldTable: string, newTable: string): Promise<void> {
    if (oldTable === newTable) return
    await this.execute(sql`alter table ${sql.table(oldTable)} rename to ${sql.table(newTable)}`)
  }

  // ---- fields ----

  /** Adds a field's column (or join table); rows that exist get `fill`, or the field's default, when it is NOT NULL. */
  async addField(model: SchemaModel, field: Field, fill?: Fill): Promise<void> {
    if (field instanceof ManyToManyField) {
      if (field.through.autoCreated) await this.createModel(field.through)
      return
    }
    const table = sql.table(model.dbTable)
    const value = fill ?? staticDefault(field)
    if (value !== undefined && value.value !== null) {
      // Add it nullable, fill the rows, then forbid NULL: the value travels as a bound parameter.
      await this.execute(sql`alter table ${table} add column ${this.columnDefinition(asNullable(field), false)}`)
      await this.execute(sql`update ${table} set ${sql.id(field.column)} = ${this.engine.dialect.ops.toDriver(field, value.value)}`)
      if (!field.nullable) await this.setNullable(model, field, false)
      if (isUnique(field)) await this.execute(this.uniqueFieldSql(model, field))
    } else {
      await this.execute(sql`alter table ${table} add column ${this.columnDefinition(field, false)}`)
    }
    await this.addFieldExtras(model, field)
  }

  /** Foreign-key constraint and index of a field that was just added or altered. */
  async addFieldExtras(model: SchemaModel, field: Field): Promise<void> {
    if (needsIndex(field)) await this.execute(this.fieldIndexSql(model, field))
    if (field instanceof ForeignKey && field.options.dbConstraint !== false) await this.execute(this.foreignKeySql(model, field))
  }

  /** Drops a field's column (or join table), with its foreign key first. */
  async removeField(model: SchemaModel, field: Field): Promise<void> {
    if (field instanceof ManyToManyField) {
      if (field.through.autoCreated) await this.deleteModel(field.through)
      return
    }
    if (field instanceof ForeignKey) await this.dropConstraints(model.dbTable, [field.column], { foreignKey: true })
    await this.execute(sql`alter table ${sql.table(model.dbTable)} drop column ${sql.id(field.column)}`)
  }

  /**
   * Changes a column to match `newField`: name, type, NULL, unique, index, foreign key and the
   * check of positive integers, in the order that keeps the data (Django's `_alter_field`).
   */
  async alterField(model: SchemaModel, oldField: Field, newField: Field, fill?: Fill, related: readonly RelatedColumn[] = []): Promise<void> {
    const oldM2m = oldField instanceof ManyToManyField
    const newM2m = newField instanceof ManyToManyField
    if (oldM2m || newM2m) return this.alterManyToMany(model, oldField, newField)
    if (oldField.primaryKey !== newField.primaryKey)
      throw new NotSupportedError(`${model.name}.${newField.name}: changing which field is the primary key is not supported; add a new model and copy the rows`, { model: model.name, field: newField.name })
    const table = model.dbTable
    const ops = this.engine.dialect.ops
    const oldFk = fkOf(oldField)
    const newFk = fkOf(newField)
    const typeChanged = ops.columnType(oldField) !== ops.columnType(newField)
    const fkChanged = !sameFk(oldFk, newFk) || (typeChanged && oldFk !== null)
    if (oldFk && fkChanged) await this.dropConstraints(table, [oldField.column], { foreignKey: true })
    // A primary key changing type takes the foreign-key columns pointing at it along (their constraints go and come back).
    const retype = typeChanged && oldField.primaryKey ? related.filter((r) => ops.columnType(r.oldField) !== ops.columnType(r.newField)) : []
    for (const r of retype) if (fkOf(r.oldField)) await this.dropConstraints(r.model.dbTable, [r.oldField.column], { foreignKey: true })
    const oldUnique = isUnique(oldField)
    const newUnique = isUnique(newField)
    if (oldUnique && !newUnique) await this.dropConstraints(table, [oldField.column], { unique: true, primaryKey: false })
    const declared = (model.options.indexes ?? []).map((i) => indexName(model, i))
    if (needsIndex(oldField) && (!needsIndex(newField) || typeChanged))
      await this.dropIndexes(model, [oldField.column], declared)
    if (oldField.kind === 'positiveInteger' && newField.kind !== 'positiveInteger') await this.dropConstraints(table, [oldField.column], { check: true })
    if (oldField.column !== newField.column) await this.renameColumn(model, oldField, newField)
    if (typeChanged) await this.alterColumnType(model, oldField, newField)
    for (const r of retype) await this.alterColumnType(r.model, r.oldField, r.newField)
    for (const r of retype) {
      const fk = fkOf(r.newField)
      if (fk && fk.options.dbConstraint !== false) await this.execute(this.foreignKeySql(r.model, fk))
    }
    if (oldField.nullable !== newField.nullable) {
      if (!newField.nullable) {
        const value = fill ?? staticDefault(newField)
        if (value !== undefined)
          await this.execute(sql`update ${sql.table(table)} set ${sql.id(newField.column)} = ${ops.toDriver(newField, value.value)} where ${sql.id(newField.column)} is null`)
      }
      await this.setNullable(model, newField, newField.nullable)
    }
    if (newUnique && !oldUnique) await this.execute(this.uniqueFieldSql(model, newField))
    if (needsIndex(newField) && (!needsIndex(oldField) || typeChanged)) await this.execute(this.fieldIndexSql(model, newField))
    if (newField.kind === 'positiveInteger' && oldField.kind !== 'positiveInteger')
      await this.execute(sql`alter table ${sql.table(table)} add constraint ${sql.id(constraintName(table, newField.column, 'check'))} check (${sql.id(newField.column)} >= 0)`)
    if (newFk && newFk.options.dbConstraint !== false && fkChanged) await this.execute(this.foreignKeySql(model, newFk))
  }

  /** A many-to-many field changed: its join table may have a new name. */
  async alterManyToMany(model: SchemaModel, oldField: Field, newField: Field): Promise<void> {
    if (!(oldField instanceof ManyToManyField) || !(newField instanceof ManyToManyField))
      throw new NotSupportedError(`${model.name}.${newField.name}: a field cannot become or stop being many-to-many; remove it and add a new one`, { model: model.name, field: newField.name })
    if (oldField.through.autoCreated && newField.through.autoCreated) await this.renameTable(oldField.through.dbTable, newField.through.dbTable)
  }

  /** `ALTER TABLE ... RENAME COLUMN`. */
  async renameColumn(model: SchemaModel, oldField: Field, newField: Field): Promise<void> {
    await this.execute(sql`alter table ${sql.table(model.dbTable)} rename column ${sql.id(oldField.column)} to ${sql.id(newField.column)}`)
  }

  /** Changes a column's type, converting the values (`USING col::type`). */
  async alterColumnType(model: SchemaModel, _oldField: Field, newField: Field): Promise<void> {
    const type = sql.raw(this.engine.dialect.ops.columnType(newField))
    await this.execute(sql`alter table ${sql.table(model.dbTable)} alter column ${sql.id(newField.column)} type ${type} using ${sql.id(newField.column)}::${type}`)
  }

  /** Allows or forbids NULL in a column. */
  async setNullable(model: SchemaModel, field: Field, nullable: boolean): Promise<void> {
    await this.execute(sql`alter table ${sql.table(model.dbTable)} alter column ${sql.id(field.column)} ${sql.raw(nullable ? 'drop not null' : 'set not null')}`)
  }

  // ---- indexes and constraints ----

  /** Creates one of the model's `indexes`. */
  async addIndex(model: SchemaModel, index: IndexSpec): Promise<void> {
    const cols = index.fields.map((n) => {
      const desc = n.startsWith('-')
      const col = model.getField(desc ? n.slice(1) : n).column
      return desc ? sql`${sql.id(col)} desc` : sql.id(col)
    })
    await this.execute(sql`create ${sql.raw(index.unique ? 'unique ' : '')}index ${sql.id(indexName(model, index))} on ${sql.table(model.dbTable)} (${sql.join(cols)})`)
  }

  /** Drops one of the model's `indexes`. */
  async removeIndex(model: SchemaModel, index: IndexSpec): Promise<void> {
    await this.execute(this.dropIndexSql(model.dbTable, indexName(model, index)))
  }

  /** Renames one of the model's `indexes` (`ALTER INDEX ... RENAME TO`). */
  async renameIndex(model: SchemaModel, from: IndexSpec, to: IndexSpec): Promise<void> {
    await this.execute(sql`alter index ${sql.id(indexName(model, from))} rename to ${sql.id(indexName(model, to))}`)
  }

  /** Adds a unique or check constraint. */
  async addConstraint(model: SchemaModel, constraint: ConstraintSpec): Promise<void> {
    if (constraint.kind === 'unique') return this.execute(this.uniqueConstraintSql(model, constraint))
    await this.execute(sql`alter table ${sql.table(model.dbTable)} add constraint ${sql.id(constraint.name)} check (${this.condition(model, constraint.check)})`)
  }

  /** Drops a unique or check constraint. */
  async removeConstraint(model: SchemaModel, constraint: ConstraintSpec): Promise<void> {
    if (constraint.kind === 'unique' && constraint.condition !== undefined) return this.execute(this.dropIndexSql(model.dbTable, constraint.name))
    await this.execute(this.dropConstraintSql(model.dbTable, constraint.name, constraint.kind))
  }

  /** Replaces the model's `uniqueTogether` groups. */
  async alterUniqueTogether(model: SchemaModel, oldGroups: readonly (readonly string[])[], newGroups: readonly (readonly string[])[]): Promise<void> {
    const key = (g: readonly string[]) => g.join('\u0000')
    const before = new Set(oldGroups.map(key))
    const after = new Set(newGroups.map(key))
    for (const g of oldGroups) {
      if (after.has(key(g))) continue
      await this.dropConstraints(model.dbTable, g.map((n) => model.getField(n).column), { unique: true, primaryKey: false })
    }
    for (const g of newGroups) {
      if (before.has(key(g))) continue
      const cols = g.map((n) => model.getField(n).column)
      await this.execute(sql`alter table ${sql.table(model.dbTable)} add constraint ${sql.id(constraintName(model.dbTable, cols.join('_'), 'uniq'))} unique (${sql.join(cols.map((c) => sql.id(c)))})`)
    }
  }

  // ---- SQL pieces (dialects override the ones their database spells differently) ----

  /** The unique constraint of one field, added after the column. */
  uniqueFieldSql(model: SchemaModel, field: Field): RawBuilder<unknown> {
    return sql`alter table ${sql.table(model.dbTable)} add constraint ${sql.id(constraintName(model.dbTable, field.column, 'uniq'))} unique (${sql.id(field.column)})`
  }

  /** A unique constraint: a table constraint, or a partial unique index when it has a `condition`. */
  uniqueConstraintSql(model: SchemaModel, c: Extract<ConstraintSpec, { kind: 'unique' }>): RawBuilder<unknown> {
    const cols = sql.join(c.fields.map((n) => sql.id(model.getField(n).column)))
    if (c.condition !== undefined) return sql`create unique index ${sql.id(c.name)} on ${sql.table(model.dbTable)} (${cols}) where ${this.condition(model, c.condition)}`
    return sql`alter table ${sql.table(model.dbTable)} add constraint ${sql.id(c.name)} unique (${cols})`
  }

  /** `DROP INDEX`. */
  dropIndexSql(_table: string, name: string): RawBuilder<unknown> {
    return sql`drop index ${sql.id(name)}`
  }

  /** `ALTER TABLE ... DROP CONSTRAINT`. */
  dropConstraintSql(table: string, name: string, _kind: 'unique' | 'check' | 'foreignKey'): RawBuilder<unknown> {
    return sql`alter table ${sql.table(table)} drop constraint ${sql.id(name)}`
  }

  /** The foreign-key constraint of a field. */
  foreignKeySql(model: SchemaModel, field: ForeignKey<unknown, boolean, boolean, 'foreignKey' | 'oneToOne'>): RawBuilder<unknown> {
    const deferrable = this.engine.dialect.features.deferrableForeignKeys ? ' deferrable initially deferred' : ''
    return sql`alter table ${sql.table(model.dbTable)} add constraint ${sql.id(constraintName(model.dbTable, field.column, 'fk'))} foreign key (${sql.id(field.column)}) references ${sql.table(field.target.dbTable)} (${sql.id(field.target.pk.column)})${sql.raw(deferrable)}`
  }

  /** The single-column index of a `dbIndex` field or a foreign key. */
  fieldIndexSql(model: SchemaModel, field: Field): RawBuilder<unknown> {
    return sql`create index ${sql.id(constraintName(model.dbTable, field.column, 'idx'))} on ${sql.table(model.dbTable)} (${sql.id(field.column)})`
  }

  /** Drops the constraints on `columns` that match `filter`, found by introspection. */
  async dropConstraints(table: string, columns: readonly string[], filter: ConstraintFilter): Promise<void> {
    const names = new Set(await this.constraintNames(table, columns, filter))
    for (const info of await this.constraints(table)) {
      if (!names.has(info.name)) continue
      const kind = info.foreignKey ? 'foreignKey' : info.check ? 'check' : 'unique'
      await this.execute(info.index && !info.foreignKey ? this.dropIndexSql(table, info.name) : this.dropConstraintSql(table, info.name, kind))
    }
  }

  /** Drops the plain (non-unique) indexes on `columns`, leaving the model's declared ones. */
  async dropIndexes(model: SchemaModel, columns: readonly string[], exclude: readonly string[]): Promise<void> {
    for (const name of await this.constraintNames(model.dbTable, columns, { index: true, unique: false, primaryKey: false, foreignKey: false, exclude }))
      await this.execute(this.dropIndexSql(model.dbTable, name))
  }
}

/** The name of an index of the `indexes` option: its own, or one derived from the table and fields. */
export function indexName(model: SchemaModel, index: IndexSpec): string {
  return index.name ?? constraintName(model.dbTable, index.fields.join('_').replace(/-/g, ''), 'idx')
}

/** Whether a field gets a single-column index of its own (`dbIndex`, or a foreign key that is not unique). */
export function needsIndex(field: Field): boolean {
  if (field.primaryKey || field.options.unique) return false
  return field.options.dbIndex === true || (field instanceof ForeignKey && field.options.dbIndex !== false)
}

function isUnique(field: Field): boolean {
  return field.options.unique === true && !field.primaryKey
}

function fkOf(field: Field): ForeignKey<unknown, boolean, boolean, 'foreignKey' | 'oneToOne'> | null {
  return field instanceof ForeignKey ? field : null
}

function sameFk(a: ForeignKey<unknown, boolean, boolean, 'foreignKey' | 'oneToOne'> | null, b: ForeignKey<unknown, boolean, boolean, 'foreignKey' | 'oneToOne'> | null): boolean {
  if (a === null || b === null) return a === b
  return a.target.dbTable === b.target.dbTable && a.target.pk.column === b.target.pk.column && (a.options.dbConstraint !== false) === (b.options.dbConstraint !== false)
}

/** A field's default as a fill for existing rows, when it has one (a function is called once; `autoNow` fields get now). */
export function staticDefault(field: Field): Fill | undefined {
  const d = field.options.default
  if (d === undefined) {
    const o = field.options as { autoNow?: boolean; autoNowAdd?: boolean }
    if (!o.autoNow && !o.autoNowAdd) return undefined
    const now = new Date()
    return { value: field.kind === 'date' ? now.toISOString().slice(0, 10) : now }
  }
  return { value: typeof d === 'function' ? (d as () => unknown)() : d }
}

/** A copy of a field that allows NULL (to add a column before filling it). */
export function asNullable(field: Field): Field {
  const copy = Object.create(Object.getPrototypeOf(field)) as Field
  Object.assign(copy, field)
  Object.defineProperty(copy, 'options', { value: { ...field.options, null: true, unique: false }, enumerable: true })
  return copy
}
