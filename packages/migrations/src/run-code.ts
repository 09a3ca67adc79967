import type { DatabaseSchemaEditor, DB } from '@strata/query'
import { type Kysely, sql } from 'kysely'
import { historicalClass, historicalClasses, type HistoricalModelClass } from './historical-classes.js'
import type { ProjectState } from './state.js'

/** The historical models of one migration, by name. */
export interface HistoricalModels {
  /** The model class `name` as it was at this migration (`models.get('Post').objects.filter(...)`); a `MigrationError` if there was none. */
  get(name: string): HistoricalModelClass
  /** The names of the models at this migration, sorted. */
  readonly names: readonly string[]
}

/** What a `runCode` function gets. */
export interface RunCodeContext {
  /** The models as they are at this migration: real model classes, not today's. */
  readonly models: HistoricalModels
  /** The database alias being migrated (the historical managers already use it). */
  readonly using: string
  /** Kysely on the migration's connection (its transaction where there is one). */
  readonly db: Kysely<DB>
  /** Kysely's `sql` tag, for raw statements with bound parameters. */
  readonly sql: typeof sql
  /** The schema editor, for DDL. */
  readonly schemaEditor: DatabaseSchemaEditor
}

/** Builds the context of a `runCode` step at `state` (the classes are made on the first `get`). */
export function runCodeContext(editor: DatabaseSchemaEditor, state: ProjectState): RunCodeContext {
  const engine = editor.engine
  let classes: Map<string, HistoricalModelClass> | undefined
  return {
    models: {
      get(name: string) {
        classes ??= historicalClasses(state, engine.alias)
        return historicalClass(classes, name)
      },
      get names() {
        return state.names
      },
    },
    using: engine.alias,
    db: engine.executor(),
    sql,
    schemaEditor: editor,
  }
}
