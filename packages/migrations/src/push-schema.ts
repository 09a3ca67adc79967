import { type ModelClassLike, type ModelMeta, allModels, ForeignKey, ManyToManyField } from '@strata/core'
import type { Database } from '@strata/query'
import { schemaEditorFor } from './executor.js'

/** Options of `pushSchema()`. */
export interface PushSchemaOptions {
  /** The database alias (default `'default'`). */
  using?: string
  /** Drop and recreate tables that already exist (default false: existing tables are kept). */
  reset?: boolean
  /** The models to create (default: the models given to `connect()`, else every registered one). */
  models?: readonly ModelClassLike[]
}

/** Every model the database serves, with the join tables of many-to-many fields, in dependency order. */
export function modelsToCreate(models: readonly ModelMeta[]): ModelMeta[] {
  const set = new Set<ModelMeta>()
  for (const m of models) {
    if (m.abstract) continue
    m.resolve()
    set.add(m)
    for (const f of m.fields) if (f instanceof ManyToManyField) set.add(f.through)
  }
  const ordered: ModelMeta[] = []
  const visiting = new Set<ModelMeta>()
  const visit = (m: ModelMeta) => {
    if (ordered.includes(m) || visiting.has(m)) return
    visiting.add(m)
    for (const f of m.concreteFields) if (f instanceof ForeignKey && f.target !== m && set.has(f.target)) visit(f.target)
    visiting.delete(m)
    ordered.push(m)
  }
  for (const m of set) visit(m)
  return ordered
}

/**
 * Creates the tables, indexes and constraints of every registered model without migration files
 * (like Django's `migrate --run-syncdb`); tables that exist are left alone unless `reset` is set.
 */
export async function pushSchema(db: Database, options: PushSchemaOptions = {}): Promise<{ created: string[] }> {
  const engine = db.engine(options.using)
  const editor = schemaEditorFor(engine)
  const metas = modelsToCreate(options.models ? options.models.map((m) => m.meta) : db.models.length ? db.models : allModels())
  const existing = new Set((await engine.kysely.introspection.getTables()).map((t) => t.name))
  const inline = engine.dialect.features.inlineForeignKeys
  const created: string[] = []
  const uniqueSql = (m: ModelMeta) => (m.options.constraints ?? []).flatMap((c) => (c.kind === 'unique' ? [editor.uniqueConstraintSql(m, c)] : []))
  // Built before any DDL, so a constraint the database cannot make (NotSupportedError) changes nothing.
  for (const m of metas) uniqueSql(m)
  const run = async () => {
    if (options.reset) {
      for (const m of [...metas].reverse()) {
        if (!existing.has(m.dbTable)) continue
        await editor.execute(editor.dropTable(m))
        existing.delete(m.dbTable)
      }
    }
    const fresh = metas.filter((m) => !existing.has(m.dbTable))
    for (const m of fresh) {
      await editor.execute(editor.createTable(m, inline))
      created.push(m.dbTable)
    }
    // Indexes before foreign keys: MySQL then backs each key with its index instead of making one more.
    for (const m of fresh) for (const s of editor.indexes(m)) await editor.execute(s)
    if (!inline) for (const m of fresh) for (const s of editor.foreignKeyConstraints(m)) await editor.execute(s)
    for (const m of fresh) for (const s of uniqueSql(m)) await editor.execute(s)
  }
  if (engine.dialect.features.transactionalDdl) await engine.atomic(run)
  else await run()
  return { created }
}
