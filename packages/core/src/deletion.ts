import { getEngine, } from './engine.js'
import { ProtectedError, RestrictedError, } from './errors.js'
import type { Field } from './fields/field.js'
import { ForeignKey, ManyToManyField } from './fields/relation.js'
import type { ModelMeta } from './meta.js'
import type { DeleteResult, } from './model.js'
import { chunks, querySet, type Row, } from './persistence.js'
import { QuerySet } from './queryset.js'
import type { QueryState } from './state.js'


async function pksOf(meta: ModelMeta, using: string | undefined, lookup: Record<string, unknown>): Promise<unknown[]> {
  return (await querySet(meta, using).filter(lookup as never).valuesList('pk' as never, { flat: true } as never)) as unknown[]
}

/** Deletes the rows of a query and everything `onDelete` says goes with them, atomically. */
export async function deleteQuery(state: QueryState): Promise<DeleteResult> {
  const meta = state.meta
  const engine = getEngine(state.using ?? 'default')
  meta.resolve()
  const simple = meta.reverseRelations().length === 0 && !meta.fields.some((f) => f instanceof ManyToManyField)
  if (simple && state.annotations.size === 0 && !state.distinct) {
    const n = await engine.delete(state)
    return { total: n, perModel: n ? { [meta.name]: n } : {} }
  }
  return engine.atomic(async () => {
    const rootQs = new QuerySet<unknown>({ ...state, order: [] })
    const rootPks = (await rootQs.valuesList('pk' as never, { flat: true } as never)) as unknown[]
    const plan: { meta: ModelMeta; pks: unknown[] }[] = []
    const updates: { meta: ModelMeta; field: Field; value: unknown; pks: unknown[] }[] = []
    const protectedObjs: { field: ForeignKey<unknown, boolean, boolean>; objs: unknown[] }[] = []
    const restricted: { field: ForeignKey<unknown, boolean, boolean>; meta: ModelMeta; objs: unknown[] }[] = []
    const seen = new Map<ModelMeta, Set<unknown>>()
    const throughDeletes: { meta: ModelMeta; field: string; pks: unknown[] }[] = []

    const collect = async (m: ModelMeta, pks: unknown[]): Promise<void> => {
      let set = seen.get(m)
      if (!set) seen.set(m, (set = new Set()))
      const fresh = pks.filter((p) => !set.has(p))
      if (fresh.length === 0) return
      for (const p of fresh) set.add(p)
      for (const f of m.fields) if (f instanceof ManyToManyField) throughDeletes.push({ meta: f.through, field: f.sourceField.name, pks: fresh })
      for (const rev of m.reverseRelations()) {
        if (rev.field instanceof ManyToManyField) {
          throughDeletes.push({ meta: rev.field.through, field: rev.field.targetField.name, pks: fresh })
          continue
        }
        const fk = rev.field as ForeignKey<unknown, boolean, boolean>
        for (const part of chunks(fresh)) {
          const lookup = { [`${fk.name}__in`]: part }
          switch (fk.onDelete) {
            case 'CASCADE':
              await collect(rev.model, await pksOf(rev.model, state.using, lookup))
              break
            case 'PROTECT': {
              const objs = (await querySet(rev.model, state.using).filter(lookup as never)) as unknown[]
              if (objs.length) protectedObjs.push({ field: fk, objs })
              break
            }
            case 'RESTRICT': {
              const objs = (await querySet(rev.model, state.using).filter(lookup as never)) as Row[]
              if (objs.length) restricted.push({ field: fk, meta: rev.model, objs })
              break
            }
            case 'SET_NULL':
            case 'SET_DEFAULT': {
              const pks2 = await pksOf(rev.model, state.using, lookup)
              if (pks2.length) updates.push({ meta: rev.model, field: fk, value: fk.onDelete === 'SET_NULL' ? null : fk.getDefault() ?? null, pks: pks2 })
              break
            }
            default:
              break
          }
        }
      }
      plan.push({ meta: m, pks: fresh })
    }

    await collect(meta, rootPks)
    if (protectedObjs.length) {
      const names = [...new Set(protectedObjs.map((p) => `'${p.field.modelName}.${p.field.name}'`))].join(', ')
      throw new ProtectedError(
        `Cannot delete some instances of model '${meta.name}' because they are referenced through protected foreign keys: ${names}.`,
        protectedObjs.flatMap((p) => p.objs),
        { model: meta.name },
      )
    }
    const blocking = restricted.flatMap((r) => r.objs.filter((o) => !seen.get(r.meta)?.has((o as Row).pk)).map((o) => ({ o, r })))
    if (blocking.length) {
      const names = [...new Set(blocking.map(({ r }) => `'${r.field.modelName}.${r.field.name}'`))].join(', ')
      throw new RestrictedError(
        `Cannot delete some instances of model '${meta.name}' because they are referenced through restricted foreign keys: ${names}.`,
        blocking.map(({ o }) => o),
        { model: meta.name },
      )
    }
    const perModel: Record<string, number> = {}
    let total = 0
    const count = (name: string, n: number) => {
      if (!n) return
      perModel[name] = (perModel[name] ?? 0) + n
      total += n
    }
    for (const u of updates) {
      for (const part of chunks(u.pks)) {
        const qs = querySet(u.meta, state.using).filter({ pk__in: part } as never)
        await engine.update(qs.state, [{ column: u.field.column, attname: u.field.attname, value: u.value }])
      }
    }
    for (const t of throughDeletes) {
      for (const part of chunks(t.pks)) count(t.meta.name, await engine.delete(querySet(t.meta, state.using).filter({ [`${t.field}__in`]: part } as never).state))
    }
    for (const step of referencingFirst(plan)) {
      for (const part of chunks(step.pks)) count(step.meta.name, await engine.delete(querySet(step.meta, state.using).filter({ pk__in: part } as never).state))
    }
    return { total, perModel }
  })
}

/**
 * Orders delete steps so that rows holding a foreign key go before the rows they point at: a
 * database that checks constraints at once (MySQL) refuses the other order. Stable; cycles keep their order.
 */
function referencingFirst<T extends { meta: ModelMeta }>(steps: readonly T[]): T[] {
  const pending = [...steps]
  const out: T[] = []
  const pointsAt = (from: ModelMeta, to: ModelMeta) => from !== to && from.concreteFields.some((f) => f instanceof ForeignKey && f.target === to)
  while (pending.length) {
    const i = pending.findIndex((s) => !pending.some((o) => pointsAt(o.meta, s.meta)))
    out.push(...pending.splice(Math.max(i , 0), 1))
  }
  return out
}
