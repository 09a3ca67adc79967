import { StrataError } from '@strata/core'

/** A migration could not be loaded, planned or applied; the message says which and why. */
export class MigrationError extends StrataError {
  override readonly code: string = 'migration_error'
}

/** A migration names a dependency (or a target) that does not exist. */
export class NodeNotFoundError extends MigrationError {
  override readonly code: string = 'migration_not_found'
}

/** The migrations depend on each other in a circle. */
export class CircularDependencyError extends MigrationError {
  override readonly code: string = 'migration_cycle'
}

/** A migration is recorded as applied while one of its dependencies is not. */
export class InconsistentMigrationHistory extends MigrationError {
  override readonly code: string = 'inconsistent_migration_history'
}

/** Several migrations are leaves of the graph: two branches were made independently. */
export class MigrationConflictError extends MigrationError {
  override readonly code: string = 'migration_conflict'
}

/** An operation cannot be reversed (a `runSQL`/`runCode` without a backward step). */
export class IrreversibleError extends MigrationError {
  override readonly code: string = 'irreversible_migration'
}

/** `makemigrations` needs an answer (a rename, a one-off default) and may not ask for it. */
export class QuestionError extends MigrationError {
  override readonly code: string = 'question_unanswered'
}
