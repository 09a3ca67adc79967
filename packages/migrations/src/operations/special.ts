import type { DatabaseSchemaEditor } from '@strata/query'
import { sql } from 'kysely'
import { IrreversibleError, MigrationError } from '../errors.js'
import { type RunCodeContext, runCodeContext } from '../run-code.js'
import { Code } from '../serialize.js'
import type { ProjectState } from '../state.js'
import { isOperation, Operation } from './base.js'

/** SQL for `runSQL`: one statement or several, run in order. */
export type SqlStatements = string | readonly string[]

function statements(value: SqlStatements): readonly string[] {
  return typeof value === 'string' ? (value.trim() === '' ? [] : [value]) : value
}

function checkSql(value: unknown, what: string): asserts value is SqlStatements {
  const ok = typeof value === 'string' || (Array.isArray(value) && value.every((s) => typeof s === 'string'))
  if (!ok) throw new MigrationError(`runSQL(): ${what} must be a string or an array of strings`)
}

/** Runs raw SQL; `backward` undoes it (`''` when nothing needs undoing; without it the operation is irreversible). */
export class RunSQL extends Operation {
  readonly type = 'runSQL'
  readonly forward: SqlStatements
  readonly backward: SqlStatements | undefined

  constructor(forward: SqlStatements, backward?: SqlStatements) {
    super()
    checkSql(forward, 'forward')
    if (backward !== undefined) checkSql(backward, 'backward')
    this.forward = forward
    this.backward = backward
  }

  override get reversible(): boolean {
    return this.backward !== undefined
  }

  stateForwards(): void {}

  async databaseForwards(editor: DatabaseSchemaEditor): Promise<void> {
    for (const s of statements(this.forward)) await editor.execute(sql.raw(s))
  }

  async databaseBackwards(editor: DatabaseSchemaEditor): Promise<void> {
    if (this.backward === undefined) throw new IrreversibleError('This runSQL has no backward SQL, so it cannot be unapplied')
    for (const s of statements(this.backward)) await editor.execute(sql.raw(s))
  }

  describe(): string {
    return 'Raw SQL operation'
  }

  get nameFragment(): null {
    return null
  }

  toCode(): Code {
    return new Code('runSQL', this.backward === undefined ? [this.forward] : [this.forward, this.backward])
  }

  referencesModel(): boolean {
    return true
  }
}

/** A data-migration step: gets the historical models of its migration, and the database. */
export type RunCodeFunction = (context: RunCodeContext) => Promise<void> | void

/** Runs code (a data migration) with the models as they are at this migration, not today's. */
export class RunCode extends Operation {
  readonly type = 'runCode'
  readonly forward: RunCodeFunction
  readonly backward: RunCodeFunction | undefined

  constructor(forward: RunCodeFunction, backward?: RunCodeFunction) {
    super()
    if (typeof forward !== 'function' || (backward !== undefined && typeof backward !== 'function'))
      throw new MigrationError('runCode(forward, backward?) takes functions: async ({ models, db }) => { ... }')
    this.forward = forward
    this.backward = backward
  }

  override get reversible(): boolean {
    return this.backward !== undefined
  }

  stateForwards(): void {}

  async databaseForwards(editor: DatabaseSchemaEditor, from: ProjectState): Promise<void> {
    if (editor.collected) {
      editor.collected.push({ sql: '-- (runCode: code, not SQL)', parameters: [] })
      return
    }
    await this.forward(runCodeContext(editor, from))
  }

  async databaseBackwards(editor: DatabaseSchemaEditor, from: ProjectState): Promise<void> {
    if (!this.backward) throw new IrreversibleError('This runCode has no backward function, so it cannot be unapplied')
    if (editor.collected) {
      editor.collected.push({ sql: '-- (runCode: code, not SQL)', parameters: [] })
      return
    }
    await this.backward(runCodeContext(editor, from))
  }

  describe(): string {
    return 'Run code'
  }

  get nameFragment(): null {
    return null
  }

  toCode(): Code {
    return new Code('runCode', this.backward === undefined ? [this.forward] : [this.forward, this.backward])
  }

  referencesModel(): boolean {
    return true
  }
}

/** A `runCode` backward step that does nothing (Django's `RunPython.noop`). */
export const noop: RunCodeFunction = async () => {}

/**
 * Operations whose state and database effects differ (Django's `SeparateDatabaseAndState`): the
 * state follows `stateOperations`, the database runs `databaseOperations`.
 */
export class SeparateDatabaseAndState extends Operation {
  readonly type = 'separateDatabaseAndState'
  readonly databaseOperations: readonly Operation[]
  readonly stateOperations: readonly Operation[]

  constructor(args: { databaseOperations?: readonly Operation[]; stateOperations?: readonly Operation[] }) {
    super()
    const db = args?.databaseOperations ?? []
    const st = args?.stateOperations ?? []
    if (!Array.isArray(db) || !Array.isArray(st) || ![...db, ...st].every((op) => isOperation(op)))
      throw new MigrationError('separateDatabaseAndState() takes { databaseOperations?: [...], stateOperations?: [...] }, lists of operations')
    this.databaseOperations = db
    this.stateOperations = st
  }

  override get reversible(): boolean {
    return this.databaseOperations.every((op) => op.reversible)
  }

  stateForwards(state: ProjectState): void {
    for (const op of this.stateOperations) op.stateForwards(state)
  }

  async databaseForwards(editor: DatabaseSchemaEditor, from: ProjectState): Promise<void> {
    let state = from
    for (const op of this.databaseOperations) {
      const next = state.clone()
      op.stateForwards(next)
      await op.databaseForwards(editor, state, next)
      state = next
    }
  }

  async databaseBackwards(editor: DatabaseSchemaEditor, _from: ProjectState, to: ProjectState): Promise<void> {
    // The database operations ran from the state before this one: rebuild those states, then undo in reverse.
    const states = [to]
    for (const op of this.databaseOperations) {
      const next = states[states.length - 1]!.clone()
      op.stateForwards(next)
      states.push(next)
    }
    for (let i = this.databaseOperations.length - 1; i >= 0; i--) await this.databaseOperations[i]!.databaseBackwards(editor, states[i + 1]!, states[i]!)
  }

  describe(): string {
    return 'Custom state/database change combination'
  }

  get nameFragment(): null {
    return null
  }

  toCode(): Code {
    const args: Record<string, unknown> = {}
    if (this.databaseOperations.length) args.databaseOperations = this.databaseOperations.map((op) => op.toCode())
    if (this.stateOperations.length) args.stateOperations = this.stateOperations.map((op) => op.toCode())
    return new Code('separateDatabaseAndState', [args])
  }

  referencesModel(name: string): boolean {
    return [...this.databaseOperations, ...this.stateOperations].some((op) => op.referencesModel(name))
  }
}
