import type { CompiledSql } from '@strata/core'
import { type Database, DatabaseSchemaEditor, type KyselyEngine } from '@strata/query'
import { IrreversibleError, MigrationError, NodeNotFoundError } from './errors.js'
import type { MigrationGraph, PlanStep } from './graph.js'
import type { MigrationSet } from './loader.js'
import { CreateModel } from './operations/models.js'
import { AddField } from './operations/fields.js'
import type { Operation } from './operations/base.js'
import { MigrationRecorder } from './recorder.js'
import type { ProjectState } from './state.js'

/** The schema editor of a database: the dialect's own, or the standard-SQL one. */
export function schemaEditorFor(engine: KyselyEngine): DatabaseSchemaEditor {
  return engine.dialect.schemaEditor?.(engine) ?? new DatabaseSchemaEditor(engine)
}

/** What `migrate()` reports as it goes. */
export type MigrateEvent =
  | { readonly type: 'start'; readonly step: PlanStep }
  | { readonly type: 'done'; readonly step: PlanStep; readonly ms: number; readonly fake: boolean }

/** Options of `migrate()`. */
export interface MigrateOptions {
  /** A migration name (or a unique prefix such as `0002`), or `'zero'` to unapply everything. Default: every leaf. */
  target?: string
  /** Record (or forget) migrations without running their SQL. */
  fake?: boolean
  /** Record an initial migration as applied when its tables and columns exist already (a database made by `pushSchema`). */
  fakeInitial?: boolean
  /** Only compute the plan. */
  planOnly?: boolean
  /** The database alias (default `'default'`). */
  using?: string
  /** Called before and after each migration. */
  onProgress?: (event: MigrateEvent) => void
}

/** What `migrate()` did. */
export interface MigrateResult {
  readonly plan: readonly PlanStep[]
  /** Names applied (or unapplied, for backward steps), in order. */
  readonly done: readonly string[]
}

/** A migration failed; `ranOperations` lists what ran and stayed (databases without transactional DDL). */
export class MigrationFailed extends MigrationError {
  override readonly code: string = 'migration_failed'
  readonly migration: string
  readonly ranOperations: readonly string[]

  constructor(message: string, migration: string, ranOperations: readonly string[], cause: unknown) {
    super(message, { cause })
    this.migration = migration
    this.ranOperations = ranOperations
  }
}

/** Resolves a target (a name, a unique prefix, or `zero`) against the graph. */
export function resolveTarget(graph: MigrationGraph, target: string | undefined): string | undefined {
  if (target === undefined || target === 'zero') return target
  if (graph.nodes.has(target)) return target
  const matches = [...graph.nodes.keys()].filter((n) => n.startsWith(target))
  if (matches.length === 1) return matches[0]
  if (matches.length > 1) throw new NodeNotFoundError(`${JSON.stringify(target)} matches several migrations: ${matches.sort().join(', ')}`)
  throw new NodeNotFoundError(`No migration named ${JSON.stringify(target)}. Known migrations: ${graph.order().join(', ') || '(none)'}`)
}

/**
 * Applies (or unapplies, towards a target) the migrations the database lacks, under the database's
 * migration lock, each in its own transaction where DDL is transactional, recording each in
 * `strata_migrations`.
 * @example await migrate(db, await loadMigrations('migrations', jitiImport))
 */
export async function migrate(db: Database, set: MigrationSet, options: MigrateOptions = {}): Promise<MigrateResult> {
  const engine = db.engine(options.using)
  const editor = schemaEditorFor(engine)
  return editor.withMigrationLock(async () => {
    const recorder = new MigrationRecorder(editor)
    if (!options.planOnly) await recorder.ensureTable()
    const { graph, applied } = set.graph(new Set((await recorder.applied()).map((r) => r.name)))
    graph.checkConsistency(applied)
    graph.leaf()
    const plan = graph.plan(resolveTarget(graph, options.target), applied)
    if (options.planOnly) return { plan, done: [] }
    const done: string[] = []
    for (const step of plan) {
      options.onProgress?.({ type: 'start', step })
      const started = Date.now()
      let fake = options.fake === true
      if (!fake && options.fakeInitial && !step.backwards && step.migration.initial) fake = await softApplied(editor, graph, step.name)
      if (fake) await record(recorder, step)
      else await runStep(editor, recorder, graph, step)
      done.push(step.name)
      options.onProgress?.({ type: 'done', step, ms: Date.now() - started, fake })
    }
    return { plan, done }
  })
}

async function record(recorder: MigrationRecorder, step: PlanStep): Promise<void> {
  for (const name of [...step.migration.replaces, step.name]) {
    if (step.backwards) await recorder.recordUnapplied(name)
    else await recorder.recordApplied(name)
  }
}

/** Whether every table and column an initial migration creates exists already (Django's `detect_soft_applied`). */
async function softApplied(editor: DatabaseSchemaEditor, graph: MigrationGraph, name: string): Promise<boolean> {
  const tables = new Set(await editor.tableNames())
  let state = graph.stateBefore(name)
  let found = false
  for (const op of graph.nodes.get(name)!.operations) {
    const next = state.clone()
    op.stateForwards(next)
    if (op instanceof CreateModel) {
      if (!tables.has(next.tableOf(op.name))) return false
      found = true
    } else if (op instanceof AddField) {
      const model = next.render(op.model)
      const field = model.getField(op.name)
      if (field.concrete) {
        const cols = await editor.columns(model.dbTable)
        if (!cols.some((c) => c.name === field.column)) return false
      }
    } else if (!op.stateOnly) return false
    state = next
  }
  return found
}

/** The states before and after each operation of a migration. */
function statesOf(graph: MigrationGraph, name: string): ProjectState[] {
  const states = [graph.stateBefore(name)]
  for (const op of graph.nodes.get(name)!.operations) {
    const next = states[states.length - 1]!.clone()
    op.stateForwards(next)
    states.push(next)
  }
  return states
}

async function runStep(editor: DatabaseSchemaEditor, recorder: MigrationRecorder, graph: MigrationGraph, step: PlanStep): Promise<void> {
  const ops = step.migration.operations
  const states = statesOf(graph, step.name)
  if (step.backwards) {
    const bad = ops.find((op) => !op.reversible)
    if (bad) throw new IrreversibleError(`Migration ${step.name} cannot be unapplied: its operation "${bad.describe()}" is not reversible`)
  }
  const ran: string[] = []
  let current: Operation | undefined
  const body = async () => {
    if (!step.backwards) {
      for (const [i, op] of ops.entries()) {
        current = op
        await op.databaseForwards(editor, states[i]!, states[i + 1]!)
        ran.push(op.describe())
      }
    } else {
      for (let i = ops.length - 1; i >= 0; i--) {
        current = ops[i]
        await ops[i]!.databaseBackwards(editor, states[i + 1]!, states[i]!)
        ran.push(ops[i]!.describe())
      }
    }
    current = undefined
    await record(recorder, step)
  }
  const transactional = step.migration.atomic && editor.engine.dialect.features.transactionalDdl
  try {
    if (step.migration.atomic) await editor.runMigration(body)
    else await body()
  } catch (e) {
    const verb = step.backwards ? 'Unapplying' : 'Applying'
    const why = e instanceof Error ? e.message : String(e)
    const at = current ? ` at operation ${ops.indexOf(current) + 1} of ${ops.length} (${current.describe()})` : ' while recording it'
    let message = `${verb} ${step.name} failed${at}: ${why}.`
    if (transactional) message += ` The migration was rolled back and is not recorded; earlier migrations stay ${step.backwards ? 'unapplied' : 'applied'}.`
    else {
      const gap = editor.engine.dialect.features.gaps.transactionalDdl
      message += ran.length
        ? ` ${gap ?? 'This database does not run DDL in a transaction.'} These operations ran and stay: ${ran.map((d, i) => `${i + 1}. ${d}`).join('; ')}. The migration is not recorded as ${step.backwards ? 'unapplied' : 'applied'}: undo them by hand (or fix the migration) before running migrate again.`
        : ' No operation of it ran; it is not recorded.'
    }
    throw new MigrationFailed(message, step.name, ran, e)
  }
}

/** Options of `sqlMigrate()`. */
export interface SqlMigrateOptions {
  backwards?: boolean
  using?: string
}

/** The SQL a migration would run, without running it (`strata sqlmigrate`). Introspection queries do run. */
export async function sqlMigrate(db: Database, set: MigrationSet, name: string, options: SqlMigrateOptions = {}): Promise<CompiledSql[]> {
  const editor = schemaEditorFor(db.engine(options.using))
  const { graph } = set.graph(new Set())
  const target = resolveTarget(graph, name)!
  const states = statesOf(graph, target)
  const ops = graph.nodes.get(target)!.operations
  editor.collected = []
  if (options.backwards) {
    for (let i = ops.length - 1; i >= 0; i--) await ops[i]!.databaseBackwards(editor, states[i + 1]!, states[i]!)
  } else {
    for (const [i, op] of ops.entries()) await op.databaseForwards(editor, states[i]!, states[i + 1]!)
  }
  return editor.collected
}

/** One line of `showmigrations`. */
export interface MigrationStatus {
  readonly name: string
  readonly applied: boolean
  readonly appliedAt: Date | null
  /** For a squashed migration: how many of the migrations it replaces are applied. */
  readonly replaces: number
  /** The migrations it depends on. */
  readonly dependencies: readonly string[]
}

/** Every migration in order, with whether the database has applied it. */
export async function showMigrations(db: Database, set: MigrationSet, options: { using?: string } = {}): Promise<MigrationStatus[]> {
  const editor = schemaEditorFor(db.engine(options.using))
  const rows = await new MigrationRecorder(editor).applied()
  const at = new Map(rows.map((r) => [r.name, r.applied]))
  const { graph, applied } = set.graph(new Set(at.keys()))
  return graph.order().map((name) => ({
    name,
    applied: applied.has(name),
    appliedAt: at.get(name) ?? null,
    replaces: graph.nodes.get(name)!.replaces.length,
    dependencies: graph.parents(name),
  }))
}
