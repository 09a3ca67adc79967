import { FieldError } from '@strata/core'
import type { DatabaseSchemaEditor, DB } from '@strata/query'
import { type Kysely, sql } from 'kysely'
import type { HistoricalModel } from './historical.js'
import type { ProjectState } from './state.js'

/** A row of a historical model: values by attribute name (`title`, `authorId`). */
export type HistoricalRow = Record<string, unknown>

/**
 * The rows of a model as it was at one migration: read and write them by field name, converted as
 * the fields of that time convert them.
 */
export interface HistoricalTable {
  /** The model as it was: table, fields, columns. */
  readonly model: HistoricalModel
  /** Every row (ordered by primary key). */
  all(): Promise<HistoricalRow[]>
  /** Inserts one row. */
  insert(values: HistoricalRow): Promise<void>
  /** Sets `values` on the row whose primary key is `pk`. */
  update(pk: unknown, values: HistoricalRow): Promise<void>
  /** Deletes the row whose primary key is `pk`. */
  delete(pk: unknown): Promise<void>
}

/** What a `runCode` function gets. */
export interface RunCodeContext {
  /** The models as they are at this migration (`models.get('Post').all()`). */
  readonly models: { get(name: string): HistoricalTable }
  /** Kysely on the migration's connection (its transaction where there is one). */
  readonly db: Kysely<DB>
  /** Kysely's `sql` tag, for raw statements with bound parameters. */
  readonly sql: typeof sql
  /** The schema editor, for DDL. */
  readonly schemaEditor: DatabaseSchemaEditor
}

/** Builds the context of a `runCode` step at `state`. */
export function runCodeContext(editor: DatabaseSchemaEditor, state: ProjectState): RunCodeContext {
  const engine = editor.engine
  const ops = engine.dialect.ops
  const table = (model: HistoricalModel): HistoricalTable => {
    const fieldOf = (key: string) => {
      const f = model.field(key)
      if (!f?.concrete) throw new FieldError(`${model.name} has no column field ${JSON.stringify(key)} at this migration`, { model: model.name, field: key })
      return f
    }
    const assignments = (values: HistoricalRow) =>
      Object.entries(values).map(([k, v]) => {
        const f = fieldOf(k)
        return { column: f.column, value: v === null ? null : ops.toDriver(f, f.clean(v)) }
      })
    const pkParam = (pk: unknown) => ops.toDriver(model.pk, model.pk.clean(pk))
    return {
      model,
      async all() {
        const cols = model.concreteFields
        const r = await engine.run(sql`select ${sql.join(cols.map((c) => sql.id(c.column)))} from ${sql.table(model.dbTable)} order by ${sql.id(model.pk.column)}`)
        return r.rows.map((row) => Object.fromEntries(cols.map((c) => [c.attname, row[c.column] === null ? null : ops.fromDriver(c, row[c.column])])))
      },
      async insert(values) {
        const a = assignments(values)
        await engine.run(sql`insert into ${sql.table(model.dbTable)} (${sql.join(a.map((x) => sql.id(x.column)))}) values (${sql.join(a.map((x) => x.value))})`)
      },
      async update(pk, values) {
        const a = assignments(values)
        if (a.length === 0) return
        await engine.run(sql`update ${sql.table(model.dbTable)} set ${sql.join(a.map((x) => sql`${sql.id(x.column)} = ${x.value}`))} where ${sql.id(model.pk.column)} = ${pkParam(pk)}`)
      },
      async delete(pk) {
        await engine.run(sql`delete from ${sql.table(model.dbTable)} where ${sql.id(model.pk.column)} = ${pkParam(pk)}`)
      },
    }
  }
  return {
    models: { get: (name: string) => table(state.render(name)) },
    db: engine.executor(),
    sql,
    schemaEditor: editor,
  }
}
