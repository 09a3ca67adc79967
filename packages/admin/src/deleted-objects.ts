import { ForeignKey, type ModelMeta } from '@strata/core'
import type { RequestContext } from './context.js'
import { managerOf, type Obj } from './model-admin.js'
import { capfirst } from './paths.js'
import { permissionName } from './permissions.js'

// What deleting some objects will take with it, for the confirmation page. It follows the same
// rules as the deletion collector of @strata/core (packages/core/src/deletion.ts): CASCADE keys
// bring their rows along (recursively), PROTECT keys block, RESTRICT keys block unless the
// restricting row is deleted anyway, SET_NULL / SET_DEFAULT / DO_NOTHING keys leave rows in place.

/** One object in the tree: its label, a link when the user may open it, and what goes with it. */
export interface DeletedNode {
  readonly meta: ModelMeta
  readonly label: string
  readonly href: string | null
  readonly children: DeletedNode[]
}

/** The collected tree, counts by model, and what blocks the deletion. */
export interface DeletedObjects {
  readonly roots: DeletedNode[]
  /** `{ 'posts': 2, 'comments': 5 }` by verbose plural name. */
  readonly counts: Map<string, number>
  /** Models whose rows would go but the user may not delete (by verbose name). */
  readonly permsNeeded: Set<string>
  /** Objects that PROTECT or RESTRICT keys keep alive ("Post: First post"). */
  readonly protectedObjects: string[]
  /** Whether the tree was cut short (very large cascades). */
  readonly truncated: boolean
}

/** Rows listed per model at most; counting goes on. */
const MAX_NODES = 2000

function keyOf(meta: ModelMeta, pk: unknown): string {
  return `${meta.name}:${typeof pk}:${String(pk)}`
}

/** A model's name for people; a many-to-many join table is a "post-tag relationship", as in Django. */
function nameOf(m: ModelMeta): string {
  if (!m.autoCreated) return m.verboseName
  const ends = m.fields.filter((f): f is ForeignKey<unknown, boolean, boolean> => f instanceof ForeignKey).map((f) => f.target.verboseName)
  return ends.length === 2 ? `${ends[0]}-${ends[1]} relationship` : m.verboseName
}

/** Collects what deleting `objs` (of `meta`) deletes, as the user will be shown it. */
export async function collectDeleted(ctx: RequestContext, meta: ModelMeta, objs: readonly Obj[]): Promise<DeletedObjects> {
  const using = ctx.site.config.using
  const counts = new Map<string, number>()
  const permsNeeded = new Set<string>()
  const seen = new Set<string>()
  const restricted: { meta: ModelMeta; obj: Obj }[] = []
  const protectedObjects: string[] = []
  let nodes = 0
  let truncated = false

  const label = (m: ModelMeta, o: Obj) => `${capfirst(nameOf(m))}: ${String(o)}`
  const hrefFor = (m: ModelMeta, o: Obj) => {
    const admin = ctx.site.adminFor(m)
    if (!admin?.has('view', ctx, o)) return null
    return ctx.href(`/${m.app}/${admin.slug}/${encodeURIComponent(String(o.pk))}/change/`)
  }

  const visit = async (m: ModelMeta, rows: readonly Obj[], out: DeletedNode[]): Promise<void> => {
    const fresh = rows.filter((o) => !seen.has(keyOf(m, o.pk)))
    if (fresh.length === 0) return
    for (const o of fresh) seen.add(keyOf(m, o.pk))
    const plural = m.autoCreated ? `${nameOf(m)}s` : m.verboseNamePlural
    counts.set(plural, (counts.get(plural) ?? 0) + fresh.length)
    if (!m.autoCreated && !ctx.hasPerm(permissionName('delete', m))) {
      const admin = ctx.site.adminFor(m)
      if (!admin?.has('delete', ctx)) permsNeeded.add(m.verboseName)
    }
    const byPk = new Map<string, DeletedNode>()
    for (const o of fresh) {
      const node: DeletedNode = { meta: m, label: label(m, o), href: hrefFor(m, o), children: [] }
      byPk.set(String(o.pk), node)
      if (nodes++ < MAX_NODES) out.push(node)
      else truncated = true
    }
    for (const rel of m.incomingRelations()) {
      const fk = rel.field
      if (fk.onDelete === 'SET_NULL' || fk.onDelete === 'SET_DEFAULT' || fk.onDelete === 'DO_NOTHING') continue
      const pks = fresh.map((o) => o.pk)
      for (let i = 0; i < pks.length; i += 500) {
        const related = await managerOf(rel.model).using(using).filter({ [`${fk.attname}__in`]: pks.slice(i, i + 500) } as never)
        if (fk.onDelete === 'PROTECT') {
          for (const r of related) protectedObjects.push(label(rel.model, r))
          continue
        }
        if (fk.onDelete === 'RESTRICT') {
          for (const r of related) restricted.push({ meta: rel.model, obj: r })
          continue
        }
        const groups = new Map<string, Obj[]>()
        for (const r of related) {
          const parent = String(r[fk.attname])
          groups.set(parent, [...(groups.get(parent) ?? []), r])
        }
        for (const [parent, list] of groups) await visit(rel.model, list, byPk.get(parent)?.children ?? [])
      }
    }
  }

  const roots: DeletedNode[] = []
  await visit(meta, objs, roots)
  for (const r of restricted) if (!seen.has(keyOf(r.meta, r.obj.pk))) protectedObjects.push(label(r.meta, r.obj))
  return { roots, counts, permsNeeded, protectedObjects: [...new Set(protectedObjects)], truncated }
}
