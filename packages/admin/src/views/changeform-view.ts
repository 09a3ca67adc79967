import { IntegrityError, StrataError } from '@strata/core'
import { atomic } from '@strata/transactions'
import type { RequestContext } from '../context.js'
import { bindForm, buildForm, changedLabels, type FormSpec, markNew, type ObjectForm, unmarkNew } from '../forms.js'
import { ADDITION, CHANGE, logAction } from '../history.js'
import { html, type SafeHtml } from '../html.js'
import { HttpError, htmlResponse, redirect } from '../http.js'
import { bindFormsets, buildFormsets, type ChangeEntry, type InlineAdmin, type InlineFormset, saveFormsets } from '../inlines.js'
import { csrfInput, page } from '../layout.js'
import type { ModelAdmin, Obj } from '../model-admin.js'
import { capfirst, humanize } from '../paths.js'
import { changeUrl, listUrl } from './changelist-view.js'
import { renderFieldsets, renderInlines } from './form-render.js'

/** The registered admin's inlines (set by the site at registration). */
export const INLINES = new WeakMap<ModelAdmin, readonly InlineAdmin[]>()

/** Loads the object a URL names through the admin's queryset, or null (also for a key of the wrong type). */
export async function getObject(ctx: RequestContext, ma: ModelAdmin, raw: string): Promise<Obj | null> {
  let pk: unknown
  try {
    pk = ma.meta.pk.clean(raw)
  } catch (e) {
    if (e instanceof StrataError) return null
    throw e
  }
  return ma.queryset(ctx, ctx.site.config.using).filter({ pk } as never).first()
}

/** Django's answer to a missing object: back to the index with a warning. */
export function missing(ctx: RequestContext, ma: ModelAdmin, raw: string): Response {
  ctx.message(`${capfirst(ma.meta.verboseName)} with ID “${raw}” doesn’t exist. Perhaps it was deleted?`, 'warning')
  return redirect(ctx.href('/'))
}

/** The filters of the list the user came from (`_changelist_filters`), as a query string. */
export function preservedFilters(ctx: RequestContext, ma: ModelAdmin): string {
  if (ma.options.preserveFilters === false) return ''
  const raw = ctx.url.searchParams.get('_changelist_filters') ?? ''
  if (raw.length > 2000) return ''
  const sp = new URLSearchParams(raw)
  const s = sp.toString()
  return s ? `?${s}` : ''
}

function crumbs(ctx: RequestContext, ma: ModelAdmin, last: string): [string, string?][] {
  return [
    ['Home', ctx.href('/')],
    [capfirst(humanize(ma.meta.app)), ctx.href(`/${ma.meta.app}/`)],
    [capfirst(ma.namePlural), listUrl(ctx, ma, preservedFilters(ctx, ma))],
    [last],
  ]
}

function formSpec(ma: ModelAdmin): FormSpec {
  return { meta: ma.meta, editable: ma.editableNames(), readonly: ma.readonly, prefix: '', autocomplete: ma.autocomplete }
}

interface RenderArgs {
  ma: ModelAdmin
  obj: Obj | null
  form: ObjectForm
  formsets: readonly InlineFormset[]
  viewOnly: boolean
  status?: number
}

function render(ctx: RequestContext, args: RenderArgs): Response {
  const { ma, obj, form, formsets, viewOnly } = args
  const adding = obj === null
  const title = adding ? `Add ${ma.meta.verboseName}` : `${viewOnly ? 'View' : 'Change'} ${ma.meta.verboseName}`
  const errorCount = [...form.fields.values()].filter((b) => b.errors.length).length + form.nonFieldErrors.length
  const inlineErrors = formsets.some((fs) => fs.errors.length || fs.rows.some((r) => r.form.nonFieldErrors.length || [...r.form.fields.values()].some((b) => b.errors.length)))
  const preserve = preservedFilters(ctx, ma)
  const tools = !adding
    ? html`<ul class="object-tools"><li><a href="${ctx.href(`/${ma.meta.app}/${ma.slug}/${encodeURIComponent(String(obj.pk))}/history/`)}" class="historylink">History</a></li></ul>`
    : ''
  const buttons: SafeHtml = viewOnly
    ? html`<div class="submit-row"><a href="${listUrl(ctx, ma, preserve)}" class="closelink">Close</a></div>`
    : html`<div class="submit-row">
<button type="submit" class="default" name="_save" value="1">Save</button>
${ma.has('add', ctx) ? html`<button type="submit" name="_addanother" value="1">Save and add another</button>` : ''}
<button type="submit" name="_continue" value="1">Save and continue editing</button>
${!adding && ma.has('delete', ctx, obj) ? html`<a href="${ctx.href(`/${ma.meta.app}/${ma.slug}/${encodeURIComponent(String(obj.pk))}/delete/${preserve}`)}" class="deletelink">Delete</a>` : ''}
</div>`
  const action = ctx.url.pathname + ctx.url.search
  const body = html`${tools}
<form method="post" action="${action}" id="${ma.slug}_form" ${viewOnly ? '' : html`class="change-form"`}>
${csrfInput(ctx)}
${errorCount || inlineErrors ? html`<p class="errornote" role="alert">${errorCount === 1 && !inlineErrors ? 'Please correct the error below.' : 'Please correct the errors below.'}</p>` : ''}
${form.nonFieldErrors.length ? html`<ul class="errorlist nonfield">${form.nonFieldErrors.map((e) => html`<li>${e}</li>`)}</ul>` : ''}
${renderFieldsets(form, ma.fieldsets)}
${renderInlines(ctx, formsets)}
${buttons}
</form>`
  return htmlResponse(
    page(ctx, {
      title,
      heading: adding ? title : `${title}: ${String(obj)}`,
      breadcrumbs: crumbs(ctx, ma, adding ? title : String(obj)),
      content: body,
      bodyClass: `change-form model-${ma.slug}`,
    }),
    args.status ?? 200,
  )
}

/** The add form (`pkRaw` null), the change form, or the read-only view form for users with only the view permission. */
export async function changeformView(ctx: RequestContext, ma: ModelAdmin, pkRaw: string | null): Promise<Response> {
  const using = ctx.site.config.using
  const adding = pkRaw === null
  let obj: Obj
  if (adding) {
    if (!ma.has('add', ctx)) throw new HttpError(403, `You may not add ${ma.namePlural}.`)
    obj = markNew(new (ma.meta.cls as unknown as new () => Obj)())
  } else {
    const found = await getObject(ctx, ma, pkRaw)
    if (!found) return missing(ctx, ma, pkRaw)
    if (!ma.has('view', ctx, found)) throw new HttpError(403, `You may not view this ${ma.meta.verboseName}.`)
    obj = found
  }
  const viewOnly = !adding && !ma.has('change', ctx, obj)
  const spec = formSpec(ma)
  const inlines = INLINES.get(ma) ?? []
  const form = await buildForm(ctx, spec, obj, viewOnly)
  if (ctx.request.method !== 'POST') {
    const formsets = await buildFormsets(ctx, inlines, adding ? null : obj, viewOnly)
    return render(ctx, { ma, obj: adding ? null : obj, form, formsets, viewOnly })
  }
  if (viewOnly) throw new HttpError(403, `You may not change this ${ma.meta.verboseName}.`)
  const data = ctx.form!
  const bound = await bindForm(ctx, spec, form, data, obj)
  const { formsets, valid } = await bindFormsets(ctx, inlines, adding ? null : obj, data)
  if (!bound.valid || !valid) return render(ctx, { ma, obj: adding ? null : obj, form, formsets, viewOnly })
  try {
    await atomic(
      async () => {
        if (ma.options.saveModel) await ma.options.saveModel(obj, { user: ctx.user, hasPerm: (p) => ctx.hasPerm(p), message: (t, l) => ctx.message(t, l), change: !adding })
        else await obj.save(adding && using ? { using } : {})
        unmarkNew(obj)
        for (const [field, ids] of bound.m2m) await (obj[field.name] as { set(v: unknown[]): Promise<void> }).set(ids)
        const inlineEntries = await saveFormsets(formsets, obj, using)
        const entries: ChangeEntry[] = adding
          ? [{ added: {} }, ...inlineEntries]
          : [...(bound.changed.length ? [{ changed: { fields: changedLabels(ma.meta, bound.changed) } }] : []), ...inlineEntries]
        await logAction(ctx, ma.meta, obj, adding ? ADDITION : CHANGE, entries)
      },
      { using },
    )
  } catch (e) {
    if (!(e instanceof IntegrityError)) throw e
    if (adding) {
      markNew(obj)
      obj.pk = null
    }
    form.nonFieldErrors.push(`The database refused this change: ${e.message}`)
    return render(ctx, { ma, obj: adding ? null : obj, form, formsets, viewOnly })
  }
  const preserve = preservedFilters(ctx, ma)
  if (data.has('_continue')) {
    ctx.message(`The ${ma.meta.verboseName} “${String(obj)}” was ${adding ? 'added' : 'changed'} successfully. You may edit it again below.`)
    return redirect(changeUrl(ctx, ma, obj.pk, preserve))
  }
  if (data.has('_addanother') && ma.has('add', ctx)) {
    ctx.message(`The ${ma.meta.verboseName} “${String(obj)}” was ${adding ? 'added' : 'changed'} successfully. You may add another ${ma.meta.verboseName} below.`)
    return redirect(ctx.href(`/${ma.meta.app}/${ma.slug}/add/${preserve ? `?${new URLSearchParams({ _changelist_filters: preserve.slice(1) })}` : ''}`))
  }
  ctx.message(`The ${ma.meta.verboseName} “${String(obj)}” was ${adding ? 'added' : 'changed'} successfully.`)
  return redirect(ma.has('view', ctx) ? listUrl(ctx, ma, preserve) : ctx.href('/'))
}
