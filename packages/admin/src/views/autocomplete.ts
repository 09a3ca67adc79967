import { ForeignKey, ManyToManyField, type ModelMeta, Q, type QNode, StrataError } from '@strata/core'
import { searchTerms } from '../changelist.js'
import type { RequestContext } from '../context.js'
import { HttpError, jsonResponse } from '../http.js'
import type { InlineAdmin } from '../inlines.js'
import { managerOf } from '../model-admin.js'
import { permissionName } from '../permissions.js'
import { INLINES } from './changeform-view.js'

const PAGE_SIZE = 20

function sourceModel(ctx: RequestContext, app: string, model: string): ModelMeta | undefined {
  for (const ma of ctx.site.registered()) {
    if (ma.meta.app === app && ma.slug === model && ma.has('view', ctx)) return ma.meta
    const inline = (INLINES.get(ma) ?? []).find((i: InlineAdmin) => i.meta.app === app && i.meta.name.toLowerCase() === model)
    if (inline && ma.has('view', ctx)) return inline.meta
  }
  return undefined
}

/**
 * The JSON behind autocomplete boxes: `?app=&model=&field=&term=&page=` names the form field
 * (`blog`, `post`, `author`); results come from the target model's admin, searched through its
 * `searchFields` (or by primary key), only for users who may view that model.
 */
export async function autocompleteView(ctx: RequestContext): Promise<Response> {
  const sp = ctx.url.searchParams
  for (const k of sp.keys()) if (!['app', 'model', 'field', 'term', 'page'].includes(k)) throw new HttpError(400, `Unknown parameter ${JSON.stringify(k)}.`)
  const source = sourceModel(ctx, sp.get('app') ?? '', sp.get('model') ?? '')
  if (!source) throw new HttpError(404, 'No such model in the admin.')
  const field = source.field(sp.get('field') ?? '')
  if (!(field instanceof ForeignKey || field instanceof ManyToManyField) || field.name !== sp.get('field')) throw new HttpError(404, 'No such relation field.')
  const target = field.target
  const targetAdmin = ctx.site.adminFor(target)
  const mayView = targetAdmin ? targetAdmin.has('view', ctx) : ctx.hasPerm(permissionName('view', target)) || ctx.hasPerm(permissionName('change', target))
  if (!mayView) throw new HttpError(403, `You may not view ${target.verboseNamePlural}.`)
  const pageRaw = sp.get('page') ?? '1'
  if (!/^\d{1,6}$/.test(pageRaw) || Number(pageRaw) < 1) throw new HttpError(400, 'Invalid page.')
  const page = Number(pageRaw)
  const term = (sp.get('term') ?? '').slice(0, 200)
  let qs = targetAdmin ? targetAdmin.queryset(ctx, ctx.site.config.using) : managerOf(target).using(ctx.site.config.using).all()
  let where: QNode | null = null
  for (const word of searchTerms(term)) {
    let oneOf: QNode | null = null
    for (const s of targetAdmin?.search ?? []) {
      try {
        if (s.lookup === 'exact') s.path.field!.clean(word)
      } catch (e) {
        if (e instanceof StrataError) continue
        throw e
      }
      const q = Q({ [`${s.path.path}__${s.lookup}`]: word })
      oneOf = oneOf ? oneOf.or(q) : q
    }
    try {
      const q = Q({ pk: target.pk.clean(word) })
      oneOf = oneOf ? oneOf.or(q) : q
    } catch (e) {
      if (!(e instanceof StrataError)) throw e
    }
    if (!oneOf) return jsonResponse({ results: [], pagination: { more: false } })
    where = where ? where.and(oneOf) : oneOf
  }
  if (where) {
    const filtered = qs.filter(where)
    qs = targetAdmin?.search.some((s) => s.path.multiValued) ? qs.filter({ pk__in: filtered.values('pk' as never) } as never) : filtered
  }
  const ordering = targetAdmin?.ordering.length ? targetAdmin.ordering : target.ordering.length ? target.ordering : ['pk']
  const rows = await qs.orderBy(...ordering, 'pk').slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1)
  return jsonResponse({
    results: rows.slice(0, PAGE_SIZE).map((o) => ({ id: String(o.pk), text: String(o) })),
    pagination: { more: rows.length > PAGE_SIZE },
  })
}
