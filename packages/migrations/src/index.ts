export { modelsToCreate, pushSchema, type PushSchemaOptions } from './push-schema.js'
export {
  CircularDependencyError,
  InconsistentMigrationHistory,
  IrreversibleError,
  MigrationConflictError,
  MigrationError,
  NodeNotFoundError,
  QuestionError,
} from './errors.js'
export {
  columnOf,
  deconstructField,
  type FieldDef,
  fieldFromDef,
  type ModelStateOptions,
  sameDef,
  tableOf,
} from './deconstruct.js'
export { fieldOfState, type ModelState, ProjectState } from './state.js'
export { HistoricalModel } from './historical.js'
export * from './operations/index.js'
export { isMigration, type Migration, migration, type MigrationSpec } from './migration.js'
export { MigrationGraph, type PlanStep } from './graph.js'
export { loadMigrations, MIGRATION_FILE, MigrationSet, type ModuleImporter } from './loader.js'
export { type AppliedMigration, MigrationRecorder, RECORDER_TABLE } from './recorder.js'
export {
  type MigrateEvent,
  migrate,
  MigrationFailed,
  type MigrateOptions,
  type MigrateResult,
  type MigrationStatus,
  resolveTarget,
  schemaEditorFor,
  showMigrations,
  sqlMigrate,
  type SqlMigrateOptions,
} from './executor.js'
export type { HistoricalModels, RunCodeContext } from './run-code.js'
export { type HistoricalInstance, type HistoricalModelClass, historicalClasses } from './historical-classes.js'
export { Code, fingerprint, quote, toSource } from './serialize.js'
export { Autodetector, suggestName } from './autodetector.js'
export { HintQuestioner, parseDefaultValue, parseRenames, type QuestionHints, type Questioner } from './questioner.js'
export { type MigrationSource, writeMigration } from './writer.js'
export { optimize } from './optimizer.js'
export { makeMergeMigration, makeMigrations, type MakeMigrationsOptions, type MergeMigration, type NewMigration, saveMigration, squashMigrations } from './makemigrations.js'
