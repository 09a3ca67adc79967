import { AdminLogEntry } from '../auth-models.js'
import type { RequestContext } from '../context.js'
import { describeChange } from '../history.js'
import { html, type SafeHtml } from '../html.js'
import { HttpError, htmlResponse } from '../http.js'
import { page } from '../layout.js'
import type { ModelAdmin } from '../model-admin.js'
import { capfirst, humanize } from '../paths.js'

async function countLabel(ctx: RequestContext, ma: ModelAdmin): Promise<string> {
  const n = await ma.queryset(ctx, ctx.site.config.using).slice(0, ma.countLimit + 1).count()
  return n > ma.countLimit ? `${ma.countLimit.toLocaleString('en-US')}+` : n.toLocaleString('en-US')
}

async function appTable(ctx: RequestContext, app: string, admins: readonly ModelAdmin[]): Promise<SafeHtml> {
  const rows: SafeHtml[] = []
  for (const ma of [...admins].sort((a, b) => a.namePlural.localeCompare(b.namePlural))) {
    const base = ctx.href(`/${ma.meta.app}/${ma.slug}/`)
    const canView = ma.has('view', ctx)
    const canChange = ma.has('change', ctx)
    rows.push(html`<tr class="model-${ma.slug}">
<th scope="row">${canView ? html`<a href="${base}">${capfirst(ma.namePlural)}</a>` : capfirst(ma.namePlural)}</th>
<td class="count">${canView ? await countLabel(ctx, ma) : ''}</td>
<td>${ma.has('add', ctx) ? html`<a href="${base}add/" class="addlink">Add</a>` : ''}</td>
<td>${canView ? html`<a href="${base}" class="${canChange ? 'changelink' : 'viewlink'}">${canChange ? 'Change' : 'View'}</a>` : ''}</td>
</tr>`)
  }
  return html`<div class="app-${app} module"><table>
<caption><a href="${ctx.href(`/${app}/`)}" class="section">${capfirst(humanize(app))}</a></caption>
<thead class="visually-hidden"><tr><th>Model</th><th>Rows</th><th>Add</th><th>Change</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
}

function byApp(ctx: RequestContext, only?: string): Map<string, ModelAdmin[]> {
  const apps = new Map<string, ModelAdmin[]>()
  for (const ma of ctx.site.registered()) {
    if (only && ma.meta.app !== only) continue
    if (!ma.hasModule(ctx)) continue
    apps.set(ma.meta.app, [...(apps.get(ma.meta.app) ?? []), ma])
  }
  return new Map([...apps].sort(([a], [b]) => a.localeCompare(b)))
}

async function recentActions(ctx: RequestContext): Promise<SafeHtml> {
  const entries = await AdminLogEntry.objects.using(ctx.site.config.using).filter({ user: ctx.user.pk }).slice(0, 10)
  const items = entries.map((e) => {
    const [app, model] = e.contentType.split('.')
    const ma = ctx.site.registered().find((m) => m.meta.app === app && m.slug === model)
    const cls = ['', 'addlink', 'changelink', 'deletelink'][e.actionFlag] ?? ''
    const link = ma && e.actionFlag !== 3 && e.objectId ? ctx.href(`/${app}/${model}/${encodeURIComponent(e.objectId)}/change/`) : null
    return html`<li class="${cls}">${link ? html`<a href="${link}">${e.objectRepr}</a>` : e.objectRepr}<br><span class="mini quiet">${ma ? capfirst(ma.meta.verboseName) : e.contentType} · ${describeChange(e)}</span></li>`
  })
  return html`<div class="module" id="recent-actions-module"><h2>Recent actions</h2><h3>My actions</h3>${
    items.length ? html`<ul class="actionlist">${items}</ul>` : html`<p>None available</p>`
  }</div>`
}

/** The admin home: every model the user may see, grouped by app, with row counts. */
export async function indexView(ctx: RequestContext): Promise<Response> {
  const apps = byApp(ctx)
  const tables: SafeHtml[] = []
  for (const [app, admins] of apps) tables.push(await appTable(ctx, app, admins))
  return htmlResponse(
    page(ctx, {
      title: ctx.site.config.indexTitle,
      bodyClass: 'dashboard',
      content: tables.length ? html`<div id="app-list">${tables}</div>` : html`<p>You don’t have permission to view or edit anything.</p>`,
      sidebar: await recentActions(ctx),
    }),
  )
}

/** One app's models (`/<app>/`). */
export async function appIndexView(ctx: RequestContext, app: string): Promise<Response> {
  const admins = byApp(ctx, app).get(app)
  if (!admins) throw new HttpError(404, `No app named ${JSON.stringify(app)} is visible to you.`)
  return htmlResponse(
    page(ctx, {
      title: `${capfirst(humanize(app))} administration`,
      breadcrumbs: [['Home', ctx.href('/')], [capfirst(humanize(app))]],
      bodyClass: 'app-index',
      content: await appTable(ctx, app, admins),
    }),
  )
}
