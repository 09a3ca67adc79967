import { type QuerySet, StrataError } from '@strata/core'
import { atomic } from '@strata/transactions'
import { ChangeList } from '../changelist.js'
import type { RequestContext } from '../context.js'
import { collectDeleted, type DeletedNode } from '../deleted-objects.js'
import { DELETION, logAction } from '../history.js'
import { html, type SafeHtml } from '../html.js'
import { HttpError, htmlResponse, redirect } from '../http.js'
import { csrfInput, page } from '../layout.js'
import { type ModelAdmin, managerOf, type Obj } from '../model-admin.js'
import { capfirst, humanize } from '../paths.js'
import { listUrl } from './changelist-view.js'

/** Most objects one action may touch when picked one by one. */
const MAX_SELECTED = 10_000

/** Renders the tree of what a deletion takes along. */
export function deletedTree(nodes: readonly DeletedNode[]): SafeHtml {
  if (nodes.length === 0) return html``
  return html`<ul>${nodes.map((n) => html`<li>${n.href ? html`<a href="${n.href}">${n.label}</a>` : n.label}${deletedTree(n.children)}</li>`)}</ul>`
}

/** The summary list ("Posts: 2, Comments: 5"). */
export function deletedSummary(counts: ReadonlyMap<string, number>): SafeHtml {
  return html`<ul class="summary">${[...counts].map(([name, n]) => html`<li>${capfirst(name)}: ${n}</li>`)}</ul>`
}

/** Handles a POST to the change list: runs the chosen action on the selected objects. */
export async function changelistAction(ctx: RequestContext, ma: ModelAdmin): Promise<Response> {
  const form = ctx.form!
  const back = listUrl(ctx, ma, ctx.url.search)
  const name = form.get('action') ?? ''
  if (name === '') {
    ctx.message('No action selected.', 'warning')
    return redirect(back)
  }
  const action = ma.actions.get(name)
  if (!action) throw new HttpError(400, `Unknown action ${JSON.stringify(name)}.`)
  if (!(action.permissions ?? ['change']).every((p) => ma.has(p, ctx))) throw new HttpError(403, 'You may not run this action.')
  const across = form.get('select_across') === '1'
  const selected = form.getAll('_selected_action')
  if (!across && selected.length === 0) {
    ctx.message('Items must be selected in order to perform actions on them. No items have been changed.', 'warning')
    return redirect(back)
  }
  if (selected.length > MAX_SELECTED) throw new HttpError(400, `Select at most ${MAX_SELECTED} objects at once.`)
  const ids = selected.map((s) => {
    try {
      return ma.meta.pk.clean(s)
    } catch (e) {
      if (e instanceof StrataError) throw new HttpError(400, `Invalid selection ${JSON.stringify(s)}.`)
      throw e
    }
  })
  const cl = await ChangeList.load(ctx, ma, ctx.url.searchParams)
  const qs = across ? cl.queryset : cl.queryset.filter({ pk__in: ids } as never)
  if (name === 'delete_selected') return deleteSelected(ctx, ma, qs, form, back)
  const result = await action.run(qs, ctx)
  if (typeof result === 'string' && result) ctx.message(result)
  return redirect(back)
}

async function deleteSelected(ctx: RequestContext, ma: ModelAdmin, qs: QuerySet<Obj>, form: URLSearchParams, back: string): Promise<Response> {
  const objs = await qs.slice(0, MAX_SELECTED + 1)
  if (objs.length > MAX_SELECTED) throw new HttpError(400, `Delete at most ${MAX_SELECTED} objects at once.`)
  if (objs.length === 0) {
    ctx.message('Items must be selected in order to perform actions on them. No items have been changed.', 'warning')
    return redirect(back)
  }
  const deleted = await collectDeleted(ctx, ma.meta, objs)
  const blocked = deleted.permsNeeded.size > 0 || deleted.protectedObjects.length > 0
  if (form.get('post') === 'yes') {
    if (blocked) throw new HttpError(403, 'These objects cannot be deleted: see the confirmation page for why.')
    const n = objs.length
    await atomic(
      async () => {
        for (const obj of objs) {
          await logAction(ctx, ma.meta, obj, DELETION, [])
          if (ma.options.deleteModel) await ma.options.deleteModel(obj, ctx)
        }
        if (!ma.options.deleteModel)
          await managerOf(ma.meta).using(ctx.site.config.using).filter({ pk__in: objs.map((o) => o.pk) } as never).delete()
      },
      { using: ctx.site.config.using },
    )
    ctx.message(`Successfully deleted ${n} ${n === 1 ? ma.meta.verboseName : ma.namePlural}.`)
    return redirect(back)
  }
  const noun = objs.length === 1 ? ma.meta.verboseName : ma.namePlural
  const content = blocked
    ? html`${deleted.permsNeeded.size ? html`<p>Deleting the selected ${noun} would delete related objects, but your account doesn't have permission to delete the following types of objects:</p><ul>${[...deleted.permsNeeded].map((p) => html`<li>${p}</li>`)}</ul>` : ''}
${deleted.protectedObjects.length ? html`<p>Deleting the selected ${noun} would require deleting the following protected related objects:</p><ul>${deleted.protectedObjects.map((p) => html`<li>${p}</li>`)}</ul>` : ''}
<p><a href="${back}" class="button cancel-link">Go back</a></p>`
    : html`<p>Are you sure you want to delete the selected ${noun}? All of the following objects and their related items will be deleted:</p>
<h2>Summary</h2>${deletedSummary(deleted.counts)}
<h2>Objects</h2>${deletedTree(deleted.roots)}${deleted.truncated ? html`<p class="help">(List shortened.)</p>` : ''}
<form method="post" action="${back}">${csrfInput(ctx)}
${objs.map((o) => html`<input type="hidden" name="_selected_action" value="${String(o.pk)}">`)}
<input type="hidden" name="action" value="delete_selected"><input type="hidden" name="post" value="yes">
<div class="submit-row"><button type="submit" class="deletelink-button">Yes, I’m sure</button> <a href="${back}" class="button cancel-link">No, take me back</a></div>
</form>`
  return htmlResponse(
    page(ctx, {
      title: 'Are you sure?',
      breadcrumbs: [['Home', ctx.href('/')], [capfirst(humanize(ma.meta.app)), ctx.href(`/${ma.meta.app}/`)], [capfirst(ma.namePlural), back], ['Delete multiple objects']],
      content,
      bodyClass: 'delete-confirmation delete-selected-confirmation',
    }),
  )
}
