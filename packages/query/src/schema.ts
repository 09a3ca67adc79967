import { type CompiledSql, type Field, ForeignKey, type ModelOptions, NotSupportedError } from '@strata/core'
import { type RawBuilder, sql } from 'kysely'
import type { KyselyEngine } from './engine.js'
import { renderCondition } from './schema-condition.js'

/**
 * What the schema editor reads of a model: today's `ModelMeta`, or a historical model that
 * migrations rebuild from their operations (same names, so `ModelMeta` fits as is).
 */
export interface SchemaModel {
  readonly name: string
  readonly dbTable: string
  readonly pk: Field
  /** Every field, many-to-many included. */
  readonly fields: readonly Field[]
  /** Fields with a column on this table. */
  readonly concreteFields: readonly Field[]
  readonly options: Pick<ModelOptions, 'uniqueTogether' | 'indexes' | 'constraints'>
  /** Whether this is an auto-created many-to-many join table. */
  readonly autoCreated?: boolean
  getField(name: string): Field
}

/** Builds and runs DDL for models through the dialect's column types (Django's schema editor). */
export class SchemaEditor {
  readonly engine: KyselyEngine
  /** When set, `execute` compiles statements into this list instead of running them (`sqlmigrate`). */
  collected: CompiledSql[] | null = null

  constructor(engine: KyselyEngine) {
    this.engine = engine
  }

  /** The column definition of a field, constraints included. */
  columnDefinition(field: Field, inlineForeignKey: boolean): RawBuilder<unknown> {
    const ops = this.engine.dialect.ops
    const parts: RawBuilder<unknown>[] = [sql`${sql.id(field.column)} ${sql.raw(ops.columnType(field))}`]
    parts.push(field.nullable && !field.primaryKey ? sql`null` : sql`not null`)
    if (field.primaryKey) parts.push(sql`primary key${sql.raw(ops.autoIncrement(field))}`)
    else if (field.options.unique) parts.push(sql`unique`)
    if (field.kind === 'positiveInteger') parts.push(sql`check (${sql.id(field.column)} >= 0)`)
    if (inlineForeignKey && field instanceof ForeignKey && field.options.dbConstraint !== false) {
      parts.push(sql`references ${sql.table(field.target.dbTable)} (${sql.id(field.target.pk.column)})${sql.raw(this.engine.dialect.features.deferrableForeignKeys ? ' deferrable initially deferred' : '')}`)
    }
    return sql.join(parts, sql` `)
  }

  /** CREATE TABLE for a model (foreign keys inline when the dialect wants them so). */
  createTable(meta: SchemaModel, inlineForeignKeys: boolean): RawBuilder<unknown> {
    const cols = meta.concreteFields.map((f) => this.columnDefinition(f, inlineForeignKeys))
    for (const group of meta.options.uniqueTogether ?? []) {
      cols.push(sql`unique (${sql.join(group.map((n) => sql.id(meta.getField(n).column)))})`)
    }
    for (const c of meta.options.constraints ?? []) {
      if (c.kind === 'check') cols.push(sql`constraint ${sql.id(c.name)} check (${this.condition(meta, c.check)})`)
    }
    return sql`create table ${sql.table(meta.dbTable)} (${sql.join(cols)})`
  }

  /** ALTER TABLE statements adding each foreign-key constraint of a model. */
  foreignKeyConstraints(meta: SchemaModel): RawBuilder<unknown>[] {
    return meta.concreteFields
      .filter((f): f is ForeignKey<unknown, boolean, boolean> => f instanceof ForeignKey && f.options.dbConstraint !== false)
      .map(
        (f) =>
          sql`alter table ${sql.table(meta.dbTable)} add constraint ${sql.id(constraintName(meta.dbTable, f.column, 'fk'))} foreign key (${sql.id(f.column)}) references ${sql.table(f.target.dbTable)} (${sql.id(f.target.pk.column)})${sql.raw(this.engine.dialect.features.deferrableForeignKeys ? ' deferrable initially deferred' : '')}`,
      )
  }

  /** CREATE INDEX statements: `dbIndex` fields, foreign keys and the model's `indexes`. */
  indexes(meta: SchemaModel): RawBuilder<unknown>[] {
    const out: RawBuilder<unknown>[] = []
    for (const f of meta.concreteFields) {
      if (f.primaryKey || f.options.unique) continue
      if (f.options.dbIndex || (f instanceof ForeignKey && f.options.dbIndex !== false)) {
        out.push(sql`create index ${sql.id(constraintName(meta.dbTable, f.column, 'idx'))} on ${sql.table(meta.dbTable)} (${sql.id(f.column)})`)
      }
    }
    for (const idx of meta.options.indexes ?? []) {
      const cols = idx.fields.map((n) => {
        const desc = n.startsWith('-')
        const col = meta.getField(desc ? n.slice(1) : n).column
        return desc ? sql`${sql.id(col)} desc` : sql.id(col)
      })
      const name = idx.name ?? constraintName(meta.dbTable, idx.fields.join('_').replace(/-/g, ''), 'idx')
      out.push(sql`create ${sql.raw(idx.unique ? 'unique ' : '')}index ${sql.id(name)} on ${sql.table(meta.dbTable)} (${sql.join(cols)})`)
    }
    return out
  }

  /** DROP TABLE for a model (constraints pointing at it must be gone first, or the dialect cascades). */
  dropTable(meta: SchemaModel): RawBuilder<unknown> {
    return sql`drop table ${sql.table(meta.dbTable)}${sql.raw(this.engine.dialect.features.dropTableCascade ? ' cascade' : '')}`
  }

  /** A constraint condition (lookups or a `Q` over the model's fields) rendered with literal values. */
  condition(meta: SchemaModel, condition: unknown): RawBuilder<unknown> {
    return renderCondition(meta, condition, (field, value) => this.literal(field, value))
  }

  /** A value as an SQL literal (DDL takes no bound parameters). */
  literal(field: Field, value: unknown): RawBuilder<unknown> {
    const v = value === null ? null : this.engine.dialect.ops.toDriver(field, value)
    if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return sql.lit(v)
    if (typeof v === 'bigint') return sql.raw(v.toString())
    if (v instanceof Date) return sql.lit(v.toISOString())
    throw new NotSupportedError(`${field.modelName}.${field.name}: this value cannot be written into a constraint`, { model: field.modelName, field: field.name })
  }

  /** Runs one DDL statement (or collects its SQL when `collected` is set). */
  async execute(statement: RawBuilder<unknown>): Promise<void> {
    if (this.collected) {
      const { sql: text, parameters } = statement.compile(this.engine.kysely)
      this.collected.push({ sql: text, parameters })
      return
    }
    await this.engine.run(statement)
  }
}

/** A deterministic constraint or index name that fits every database's identifier limit. */
export function constraintName(table: string, suffix: string, kind: string): string {
  const name = `${table}_${suffix}_${kind}`
  if (name.length <= 60) return name
  let h = 0
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0
  return `${name.slice(0, 50)}_${h.toString(16).padStart(8, '0')}`
}
