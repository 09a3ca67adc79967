import type { DatabaseSchemaEditor } from '@strata/query'
import { sql } from 'kysely'
import type { HistoricalModel } from './historical.js'
import { ProjectState } from './state.js'

/** The table that records applied migrations. */
export const RECORDER_TABLE = 'strata_migrations'

const STATE = new ProjectState([
  {
    name: 'StrataMigration',
    fields: [
      ['id', { kind: 'auto', options: { primaryKey: true } }],
      ['app', { kind: 'char', options: { maxLength: 255 } }],
      ['name', { kind: 'char', options: { maxLength: 255 } }],
      ['applied', { kind: 'dateTime', options: {} }],
    ],
    options: { dbTable: RECORDER_TABLE },
  },
])

/** One row of `strata_migrations`. */
export interface AppliedMigration {
  readonly name: string
  readonly applied: Date
}

/** Reads and writes `strata_migrations` (Django's `MigrationRecorder`). */
export class MigrationRecorder {
  readonly editor: DatabaseSchemaEditor
  readonly model: HistoricalModel
  readonly app: string

  constructor(editor: DatabaseSchemaEditor, app = 'app') {
    this.editor = editor
    this.model = STATE.render('StrataMigration')
    this.app = app
  }

  /** Whether the table exists. */
  async hasTable(): Promise<boolean> {
    return (await this.editor.tableNames()).includes(RECORDER_TABLE)
  }

  /** Creates the table if it is missing. */
  async ensureTable(): Promise<void> {
    if (!(await this.hasTable())) await this.editor.createModel(this.model)
  }

  /** The applied migrations, oldest first (none when the table does not exist). */
  async applied(): Promise<AppliedMigration[]> {
    if (!(await this.hasTable())) return []
    const ops = this.editor.engine.dialect.ops
    const appliedField = this.model.getField('applied')
    const r = await this.editor.engine.run(sql`select name, applied from ${sql.table(RECORDER_TABLE)} where app = ${this.app} order by id`)
    return r.rows.map((row) => ({ name: String(row.name), applied: ops.fromDriver(appliedField, row.applied) as Date }))
  }

  /** Records `name` as applied. */
  async recordApplied(name: string): Promise<void> {
    const ops = this.editor.engine.dialect.ops
    const at = ops.toDriver(this.model.getField('applied'), new Date())
    await this.editor.engine.run(sql`insert into ${sql.table(RECORDER_TABLE)} (app, name, applied) values (${this.app}, ${name}, ${at})`)
  }

  /** Forgets that `name` was applied. */
  async recordUnapplied(name: string): Promise<void> {
    await this.editor.engine.run(sql`delete from ${sql.table(RECORDER_TABLE)} where app = ${this.app} and name = ${name}`)
  }
}
