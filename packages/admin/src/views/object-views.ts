import { ProtectedError, RestrictedError } from '@strata/core'
import { atomic } from '@strata/transactions'
import { AdminLogEntry } from '../auth-models.js'
import type { RequestContext } from '../context.js'
import { collectDeleted } from '../deleted-objects.js'
import { formatDateTime } from '../display.js'
import { contentType, DELETION, describeChange, logAction } from '../history.js'
import { html } from '../html.js'
import { HttpError, htmlResponse, redirect } from '../http.js'
import { csrfInput, page } from '../layout.js'
import type { ModelAdmin } from '../model-admin.js'
import { capfirst, humanize } from '../paths.js'
import { deletedSummary, deletedTree } from './actions.js'
import { changeUrl, listUrl } from './changelist-view.js'
import { getObject, missing, preservedFilters } from './changeform-view.js'

function crumbs(ctx: RequestContext, ma: ModelAdmin, objLabel: string, objHref: string, last: string): [string, string?][] {
  return [
    ['Home', ctx.href('/')],
    [capfirst(humanize(ma.meta.app)), ctx.href(`/${ma.meta.app}/`)],
    [capfirst(ma.namePlural), listUrl(ctx, ma, preservedFilters(ctx, ma))],
    [objLabel, objHref],
    [last],
  ]
}

/** The delete confirmation page (listing the cascade, or what blocks it), and the deletion on POST. */
export async function deleteView(ctx: RequestContext, ma: ModelAdmin, pkRaw: string): Promise<Response> {
  const obj = await getObject(ctx, ma, pkRaw)
  if (!obj) return missing(ctx, ma, pkRaw)
  if (!ma.has('delete', ctx, obj)) throw new HttpError(403, `You may not delete this ${ma.meta.verboseName}.`)
  const deleted = await collectDeleted(ctx, ma.meta, [obj])
  const blocked = deleted.permsNeeded.size > 0 || deleted.protectedObjects.length > 0
  const preserve = preservedFilters(ctx, ma)
  const label = String(obj)
  if (ctx.request.method === 'POST') {
    if (blocked) throw new HttpError(403, `This ${ma.meta.verboseName} cannot be deleted: see the confirmation page for why.`)
    try {
      await atomic(
        async () => {
          await logAction(ctx, ma.meta, obj, DELETION, [])
          if (ma.options.deleteModel) await ma.options.deleteModel(obj, ctx)
          else await obj.delete({ using: ctx.site.config.using })
        },
        { using: ctx.site.config.using },
      )
    } catch (e) {
      if (e instanceof ProtectedError || e instanceof RestrictedError) throw new HttpError(409, `Cannot delete ${label}: ${e.message}`)
      throw e
    }
    ctx.message(`The ${ma.meta.verboseName} “${label}” was deleted successfully.`)
    return redirect(ma.has('view', ctx) ? listUrl(ctx, ma, preserve) : ctx.href('/'))
  }
  const back = changeUrl(ctx, ma, obj.pk, preserve)
  const content = blocked
    ? html`${deleted.permsNeeded.size ? html`<p>Deleting the ${ma.meta.verboseName} “${label}” would result in deleting related objects, but your account doesn't have permission to delete the following types of objects:</p><ul>${[...deleted.permsNeeded].map((p) => html`<li>${p}</li>`)}</ul>` : ''}
${deleted.protectedObjects.length ? html`<p>Deleting the ${ma.meta.verboseName} “${label}” would require deleting the following protected related objects:</p><ul>${deleted.protectedObjects.map((p) => html`<li>${p}</li>`)}</ul>` : ''}
<p><a href="${back}" class="button cancel-link">Go back</a></p>`
    : html`<p>Are you sure you want to delete the ${ma.meta.verboseName} “${label}”? All of the following related items will be deleted:</p>
<h2>Summary</h2>${deletedSummary(deleted.counts)}
<h2>Objects</h2>${deletedTree(deleted.roots)}${deleted.truncated ? html`<p class="help">(List shortened.)</p>` : ''}
<form method="post" action="${ctx.url.pathname + ctx.url.search}">${csrfInput(ctx)}<input type="hidden" name="post" value="yes">
<div class="submit-row"><button type="submit" class="deletelink-button">Yes, I’m sure</button> <a href="${back}" class="button cancel-link">No, take me back</a></div>
</form>`
  return htmlResponse(
    page(ctx, {
      title: 'Are you sure?',
      breadcrumbs: crumbs(ctx, ma, label, back, 'Delete'),
      content,
      bodyClass: 'delete-confirmation',
    }),
  )
}

/** The history of one object: who changed what, newest first. */
export async function historyView(ctx: RequestContext, ma: ModelAdmin, pkRaw: string): Promise<Response> {
  const obj = await getObject(ctx, ma, pkRaw)
  if (!obj) return missing(ctx, ma, pkRaw)
  if (!ma.has('view', ctx, obj)) throw new HttpError(403, `You may not view this ${ma.meta.verboseName}.`)
  const entries = await AdminLogEntry.objects
    .using(ctx.site.config.using)
    .filter({ contentType: contentType(ma.meta), objectId: String(obj.pk) })
    .selectRelated('user')
    .slice(0, 500)
  const rows = entries.map(
    (e) => html`<tr><th scope="row">${formatDateTime(e.actionTime)}</th><td>${e.user.username}</td><td>${['', 'Added', 'Changed', 'Deleted'][e.actionFlag] ?? ''}</td><td>${describeChange(e)}</td></tr>`,
  )
  const label = String(obj)
  return htmlResponse(
    page(ctx, {
      title: `Change history: ${label}`,
      breadcrumbs: crumbs(ctx, ma, label, changeUrl(ctx, ma, obj.pk, preservedFilters(ctx, ma)), 'History'),
      content: rows.length
        ? html`<table id="change-history"><thead><tr><th scope="col">Date/time</th><th scope="col">User</th><th scope="col">Action</th><th scope="col">Change</th></tr></thead><tbody>${rows}</tbody></table>`
        : html`<p>This object doesn’t have a change history. It probably wasn’t added via this admin site.</p>`,
      bodyClass: 'object-history',
    }),
  )
}
