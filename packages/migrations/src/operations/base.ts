import { snakeCase } from '@strata/core'
import type { DatabaseSchemaEditor } from '@strata/query'
import type { FieldDef } from '../deconstruct.js'
import { MigrationError } from '../errors.js'
import { Code } from '../serialize.js'
import type { ProjectState } from '../state.js'

/** Marks an operation whatever copy of the package made it (migration files import their own). */
export const OPERATION_BRAND: unique symbol = Symbol.for('strata.migrations.operation') as never

/**
 * One step of a migration (Django's `Operation`): how it changes the project state, the SQL it
 * runs forwards and backwards, how it reads in messages, and how the writer spells it.
 */
export abstract class Operation {
  readonly [OPERATION_BRAND] = true
  /** The factory that makes it (`createModel`), as written in migration files. */
  abstract readonly type: string
  /** Whether `databaseBackwards` can undo it. */
  get reversible(): boolean {
    return true
  }
  /** Whether it changes only the state (no SQL), such as `alterModelOptions`. */
  get stateOnly(): boolean {
    return false
  }

  /** Applies the change to `state` (a copy the caller owns). */
  abstract stateForwards(state: ProjectState): void
  /** Runs the SQL that takes the database from `from` to `to`. */
  abstract databaseForwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void>
  /** Runs the SQL that undoes it: `from` is the state after the operation, `to` the state before. */
  abstract databaseBackwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void>
  /** A sentence for `migrate --plan` and `showmigrations` (`Create model Post`). */
  abstract describe(): string
  /** The part of an automatic migration name it contributes (`post_title`), or null. */
  abstract get nameFragment(): string | null
  /** The factory call that makes it again, for the writer. */
  abstract toCode(): Code
  /** Whether it concerns the model `name` (for ordering and the optimizer). */
  abstract referencesModel(name: string): boolean
  /** Whether it concerns the field `field` of `model`. */
  referencesField(model: string, field: string): boolean {
    void field
    return this.referencesModel(model)
  }
}

/** Whether a value is a migration operation (of any copy of this package). */
export function isOperation(value: unknown): value is Operation {
  return typeof value === 'object' && value !== null && (value as { [OPERATION_BRAND]?: boolean })[OPERATION_BRAND] === true
}

/** Refuses a model name that `model()` would refuse. */
export function checkModelName(op: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new MigrationError(`${op}: invalid model name ${JSON.stringify(name)} (letters, digits and _)`)
}

/** Refuses a field name that `model()` would refuse. */
export function checkFieldName(op: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(name) || name === 'pk')
    throw new MigrationError(`${op}: invalid field name ${JSON.stringify(name)} (letters and digits, not 'pk')`)
}

/** `BlogPost` -> `blog_post`, for migration names. */
export function fragment(name: string): string {
  return snakeCase(name)
}

// Options the `f` factories add by themselves, left out of migration files for readability.
const IMPLIED: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  auto: { primaryKey: true },
  bigAuto: { primaryKey: true },
  email: { maxLength: 254 },
  url: { maxLength: 200 },
  slug: { maxLength: 50, dbIndex: true },
  binary: { editable: false },
  oneToOne: { unique: true },
}

/** The `f.*(...)` call that makes a field definition again. */
export function fieldCode(def: FieldDef): Code {
  const implied = IMPLIED[def.kind] ?? {}
  const options: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(def.options)) if (v !== undefined && implied[k] !== v) options[k] = v
  const args: unknown[] = def.to !== undefined ? [def.to] : []
  if (Object.keys(options).length || def.to !== undefined) args.push(options)
  return new Code(`f.${def.kind}`, args)
}
