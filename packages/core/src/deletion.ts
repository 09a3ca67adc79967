import { getEngine } from './engine.js'
import { ProtectedError, RestrictedError } from './errors.js'
import { ForeignKey } from './fields/relation.js'
import type { ModelMeta } from './meta.js'
import { type DeleteResult, type ModelBase, STATE } from './model.js'
import { batchSizeFor } from './batching.js'
import { chunks, querySet, type Row } from './persistence.js'
import { QuerySet } from './queryset.js'
import { postDelete, preDelete } from './signals.js'
import type { QueryState } from './state.js'

// The deletion collector (Django's django/db/models/deletion.py). Starting from the rows of a
// query, it follows every foreign key that points at them (hidden ones and join-table keys
// included) and applies each key's onDelete. Rows are loaded only where something needs them:
// instances for models with delete receivers (signals) and for PROTECT/RESTRICT reports,
// primary keys for models whose rows have dependants of their own; a model that nothing points
// at (except DO_NOTHING keys) and that has no receivers is deleted in bulk by its key to the
// parent, without loading anything (Django's fast delete). It all runs in one transaction.

type Fk = ForeignKey<unknown, boolean, boolean, 'foreignKey' | 'oneToOne'>

/** Options of `deleteQuery()`. */
export interface DeleteOptions {
  /** What `delete()` was called on (an instance or a QuerySet), passed to delete signals. */
  origin?: unknown
  /** The root rows as instances (`instance.delete()`), so receivers get the caller's object. */
  instances?: readonly ModelBase[]
}

/** One batch of rows of one model to delete, with the instances when receivers need them. */
interface Step {
  meta: ModelMeta
  pks: unknown[]
  instances: Row[] | null
}

function keyOf(v: unknown): string {
  return typeof v === 'bigint' || typeof v === 'number' ? `n${v}` : `${typeof v}:${String(v)}`
}

/** Whether delete receivers are connected for `meta` (auto-created join tables send none, as in Django). */
function hasReceivers(meta: ModelMeta): boolean {
  return !meta.autoCreated && (preDelete.hasReceivers(meta) || postDelete.hasReceivers(meta))
}

/** Whether rows of `meta` can be deleted in bulk without loading them: nothing depends on them and nobody listens. */
function canFastDelete(meta: ModelMeta): boolean {
  return !hasReceivers(meta) && meta.incomingRelations().every((r) => r.field.onDelete === 'DO_NOTHING')
}

/** Deletes the rows of a query and everything `onDelete` says goes with them, atomically. */
export async function deleteQuery(state: QueryState, options: DeleteOptions = {}): Promise<DeleteResult> {
  const meta = state.meta
  const using = state.using
  const alias = using ?? 'default'
  const engine = getEngine(alias)
  // Key lists per statement, sized to the database's parameter limit (room left for the query's own).
  const batch = batchSizeFor(engine, 1, 64)
  meta.resolve()
  if (canFastDelete(meta) && state.annotations.size === 0 && !state.distinct) {
    const n = await engine.delete(state)
    return { total: n, perModel: n ? { [meta.name]: n } : {} }
  }
  const deleted: Row[] = []
  const result = await engine.atomic(async () => {
    const steps: Step[] = []
    const fast: { meta: ModelMeta; field: Fk; pks: unknown[] }[] = []
    const updates: { meta: ModelMeta; field: Fk; value: unknown; pks: unknown[] }[] = []
    const protectedObjs: { field: Fk; objs: Row[] }[] = []
    const restricted: { field: Fk; objs: Row[] }[] = []
    const seen = new Map<ModelMeta, Set<string>>()

    const load = async (m: ModelMeta, lookup: Record<string, unknown>, instances: boolean): Promise<Row[] | unknown[]> => {
      const qs = querySet(m, using).filter(lookup as never)
      if (instances) return (await qs) as Row[]
      return (await qs.valuesList('pk' as never, { flat: true } as never)) as unknown[]
    }

    const collect = async (m: ModelMeta, rows: readonly unknown[], instances: boolean): Promise<void> => {
      let set = seen.get(m)
      if (!set) seen.set(m, (set = new Set()))
      const freshRows = rows.filter((r) => !set.has(keyOf(instances ? (r as Row).pk : r)))
      if (freshRows.length === 0) return
      const pks = freshRows.map((r) => (instances ? (r as Row).pk : r))
      for (const p of pks) set.add(keyOf(p))
      for (const rel of m.incomingRelations()) {
        const fk = rel.field
        for (const part of chunks(pks, batch)) {
          const lookup = { [`${fk.attname}__in`]: part }
          switch (fk.onDelete) {
            case 'CASCADE':
              if (canFastDelete(rel.model)) fast.push({ meta: rel.model, field: fk, pks: part })
              else {
                const withInstances = hasReceivers(rel.model)
                await collect(rel.model, await load(rel.model, lookup, withInstances), withInstances)
              }
              break
            case 'PROTECT': {
              const objs = (await load(rel.model, lookup, true)) as Row[]
              if (objs.length) protectedObjs.push({ field: fk, objs })
              break
            }
            case 'RESTRICT': {
              const objs = (await load(rel.model, lookup, true)) as Row[]
              if (objs.length) restricted.push({ field: fk, objs })
              break
            }
            case 'SET_NULL':
            case 'SET_DEFAULT': {
              const ids = (await load(rel.model, lookup, false)) as unknown[]
              if (ids.length) updates.push({ meta: rel.model, field: fk, value: fk.onDelete === 'SET_NULL' ? null : (fk.getDefault() ?? null), pks: ids })
              break
            }
            default:
              break
          }
        }
      }
      steps.push({ meta: m, pks, instances: instances ? (freshRows as Row[]) : null })
    }

    if (options.instances) await collect(meta, options.instances, true)
    else {
      const rootQs = new QuerySet<unknown>({ ...state, order: [] })
      if (hasReceivers(meta)) await collect(meta, (await rootQs) as Row[], true)
      else await collect(meta, (await rootQs.valuesList('pk' as never, { flat: true } as never)) as unknown[], false)
    }

    if (protectedObjs.length) {
      const names = [...new Set(protectedObjs.map((p) => `'${p.field.modelName}.${p.field.name}'`))].join(', ')
      throw new ProtectedError(
        `Cannot delete some instances of model '${meta.name}' because they are referenced through protected foreign keys: ${names}.`,
        protectedObjs.flatMap((p) => p.objs),
        { model: meta.name },
      )
    }
    // RESTRICT (Django's rule): a restricting row does not block when it is itself being deleted,
    // collected through a CASCADE path or deleted in bulk by its key to a row being deleted.
    const deletedBy = (o: Row, m: ModelMeta) =>
      seen.get(m)?.has(keyOf(o.pk)) || fast.some((f) => f.meta === m && f.pks.some((p) => keyOf(p) === keyOf(o[f.field.attname])))
    const blocking = restricted.flatMap((r) => r.objs.filter((o) => !deletedBy(o, metaOfRow(o))).map((o) => ({ o, r })))
    if (blocking.length) {
      const names = [...new Set(blocking.map(({ r }) => `'${r.field.modelName}.${r.field.name}'`))].join(', ')
      throw new RestrictedError(
        `Cannot delete some instances of model '${meta.name}' because they are referenced through restricted foreign keys: ${names}.`,
        blocking.map(({ o }) => o),
        { model: meta.name },
      )
    }

    const ordered = referencingFirst(steps)
    const signal = { using: alias, origin: options.origin }
    for (const step of ordered) {
      if (!step.instances || !preDelete.hasReceivers(step.meta)) continue
      for (const obj of step.instances) await preDelete.send({ sender: step.meta.cls, instance: obj, ...signal })
    }
    const perModel: Record<string, number> = {}
    let total = 0
    const count = (name: string, n: number) => {
      if (!n) return
      perModel[name] = (perModel[name] ?? 0) + n
      total += n
    }
    for (const f of fast) count(f.meta.name, await engine.delete(querySet(f.meta, using).filter({ [`${f.field.attname}__in`]: f.pks } as never).state))
    for (const u of updates) {
      for (const part of chunks(u.pks, batch)) {
        const qs = querySet(u.meta, using).filter({ pk__in: part } as never)
        await engine.update(qs.state, [{ column: u.field.column, attname: u.field.attname, value: u.value }])
      }
    }
    for (const step of ordered) {
      for (const part of chunks(step.pks, batch)) count(step.meta.name, await engine.delete(querySet(step.meta, using).filter({ pk__in: part } as never).state))
      if (!step.instances || !postDelete.hasReceivers(step.meta)) continue
      for (const obj of step.instances) await postDelete.send({ sender: step.meta.cls, instance: obj, ...signal })
    }
    for (const step of ordered) deleted.push(...(step.instances ?? []))
    return { total, perModel }
  })
  // As Django, the deleted instances lose their primary key, once the transaction has committed.
  for (const obj of deleted) {
    obj.pk = null
    obj[STATE].adding = true
  }
  return result
}

function metaOfRow(o: Row): ModelMeta {
  return (o.constructor as unknown as { meta: ModelMeta }).meta
}

/**
 * Orders delete steps so that rows holding a foreign key go before the rows they point at
 * (children first, as Django's collector): a database that checks constraints at once (MySQL)
 * refuses the other order. Stable, so the batches of a self-referencing model keep the order
 * they were collected in (children after parents, reversed by the recursion). Cycles keep their order.
 */
function referencingFirst<T extends { meta: ModelMeta }>(steps: readonly T[]): T[] {
  const pending = [...steps]
  const out: T[] = []
  const pointsAt = (from: ModelMeta, to: ModelMeta) => from !== to && from.concreteFields.some((f) => f instanceof ForeignKey && f.target === to)
  while (pending.length) {
    const i = pending.findIndex((s) => !pending.some((o) => pointsAt(o.meta, s.meta)))
    out.push(...pending.splice(Math.max(i, 0), 1))
  }
  return out
}
