import { MigrationError } from './errors.js'
import { isOperation, type Operation } from './operations/index.js'

/** Marks a migration whatever copy of the package made it. */
const MIGRATION_BRAND: unique symbol = Symbol.for('strata.migrations.migration') as never

/** What a migration file's `migration({...})` declares. */
export interface MigrationSpec {
  /** Names of the migrations that must run first (`'0001_initial'`). */
  dependencies?: readonly string[]
  operations: readonly Operation[]
  /** A squashed migration: the names of the migrations it stands for. */
  replaces?: readonly string[]
  /** Run it in a transaction where the database allows (default true). */
  atomic?: boolean
  /** The first migration of a history (`--fake-initial` may skip it when its tables exist). Default: no dependencies. */
  initial?: boolean
}

/** A loaded migration: its spec plus the name taken from its file. */
export interface Migration {
  readonly [MIGRATION_BRAND]: true
  readonly dependencies: readonly string[]
  readonly operations: readonly Operation[]
  readonly replaces: readonly string[]
  readonly atomic: boolean
  readonly initial: boolean
}

/**
 * Declares a migration: the default export of each `migrations/NNNN_name.ts` file.
 * @example export default migration({ dependencies: ['0001_initial'], operations: [addField({ model: 'Post', name: 'rating', field: f.integer({ default: 0 }) })] })
 */
export function migration(spec: MigrationSpec): Migration {
  if (!spec || !Array.isArray(spec.operations)) throw new MigrationError('migration() needs { operations: [...] }')
  spec.operations.forEach((op, i) => {
    if (!isOperation(op)) throw new MigrationError(`migration(): operation ${i + 1} is not a migration operation (use createModel(), addField(), ...)`)
  })
  const deps = spec.dependencies ?? []
  if (!Array.isArray(deps) || !deps.every((d) => typeof d === 'string')) throw new MigrationError('migration(): dependencies must be migration names')
  return Object.freeze({
    [MIGRATION_BRAND]: true as const,
    dependencies: [...deps],
    operations: [...spec.operations],
    replaces: [...(spec.replaces ?? [])],
    atomic: spec.atomic !== false,
    initial: spec.initial ?? deps.length === 0,
  })
}

/** Whether a value is a migration (of any copy of this package). */
export function isMigration(value: unknown): value is Migration {
  return typeof value === 'object' && value !== null && (value as { [MIGRATION_BRAND]?: boolean })[MIGRATION_BRAND] === true
}
