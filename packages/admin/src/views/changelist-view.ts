import { ChangeList } from '../changelist.js'
import type { RequestContext } from '../context.js'
import { displayField, displayValue } from '../display.js'
import { filterTitle } from '../filters.js'
import { attrs, html, type SafeHtml } from '../html.js'
import { htmlResponse } from '../http.js'
import { csrfInput, page } from '../layout.js'
import type { ListColumn, ModelAdmin, Obj } from '../model-admin.js'
import { capfirst, humanize, readPath } from '../paths.js'

/** The URL of an object's change page, with the list's filters kept when `preserve` is given. */
export function changeUrl(ctx: RequestContext, ma: ModelAdmin, pk: unknown, preserve = ''): string {
  const q = preserve ? `?${new URLSearchParams({ _changelist_filters: preserve.replace(/^\?/, '') })}` : ''
  return ctx.href(`/${ma.meta.app}/${ma.slug}/${encodeURIComponent(String(pk))}/change/${q}`)
}

/** The change list's URL. */
export function listUrl(ctx: RequestContext, ma: ModelAdmin, query = ''): string {
  return ctx.href(`/${ma.meta.app}/${ma.slug}/${query}`)
}

async function cell(ctx: RequestContext, cl: ChangeList, col: ListColumn, obj: Obj): Promise<SafeHtml | string> {
  const empty = cl.ma.options.emptyValueDisplay ?? ctx.site.config.emptyValueDisplay
  if (col.kind === 'str') return String(obj)
  if (col.kind === 'path') return displayField(col.path!.field, readPath(obj, col.path!), empty)
  const v = await col.custom!.value(obj)
  return displayValue(v, col.custom!.emptyValue ?? empty)
}

function headerCell(cl: ChangeList, col: ListColumn, index: number): SafeHtml {
  const n = index + 1
  if (!col.sortField) return html`<th scope="col" class="column-${col.key}"><span class="text">${col.label}</span></th>`
  const pos = cl.sorts.findIndex((s) => s.column === n)
  const current = pos >= 0 ? cl.sorts[pos]! : null
  const primary = pos === 0
  const first = `${primary && !current!.desc ? '-' : ''}${n}`
  const rest = cl.sorts.filter((s) => s.column !== n).map((s) => `${s.desc ? '-' : ''}${s.column}`)
  const href = cl.url({ o: [first, ...rest].join('.') })
  const cls = current ? `sorted ${current.desc ? 'descending' : 'ascending'}` : 'sortable'
  const sortLabel = current ? (current.desc ? 'sorted descending' : 'sorted ascending') : 'sort'
  return html`<th scope="col"${attrs({ class: `${cls} column-${col.key}`, 'aria-sort': current ? (current.desc ? 'descending' : 'ascending') : null })}><a href="${href}" title="${sortLabel}">${col.label}${
    current ? html` <span class="sort-mark">${current.desc ? '▼' : '▲'}${cl.sorts.length > 1 ? html`<sup>${pos + 1}</sup>` : ''}</span>` : ''
  }</a></th>`
}

function paginator(cl: ChangeList): SafeHtml {
  const ma = cl.ma
  const noun = cl.count === 1 && !cl.countCapped ? ma.meta.verboseName : ma.namePlural
  const total = cl.fullCount !== null ? html` (<a href="?">${cl.fullCountCapped ? `more than ${cl.fullCount.toLocaleString('en-US')}` : cl.fullCount.toLocaleString('en-US')} total</a>)` : ''
  const countText = cl.countCapped ? `More than ${cl.count.toLocaleString('en-US')} ${noun}` : `${cl.count.toLocaleString('en-US')} ${noun}`
  if (cl.showAll) return html`<p class="paginator">${countText}${total}</p>`
  const per = ma.listPerPage
  const links: SafeHtml[] = []
  const link = (p: number, label: string | number = p) =>
    p === cl.page ? html`<span class="this-page" aria-current="page">${label}</span> ` : html`<a href="${cl.url({ p: String(p) })}">${label}</a> `
  if (cl.countCapped) {
    if (cl.page > 1) links.push(link(cl.page - 1, '‹ Previous'))
    links.push(html`<span class="this-page">Page ${cl.page}</span> `)
    if (cl.rows.length === per) links.push(link(cl.page + 1, 'Next ›'))
  } else if (cl.numPages > 1) {
    const pages = cl.numPages
    const shown = new Set<number>()
    for (const p of [1, 2, pages - 1, pages]) if (p >= 1 && p <= pages) shown.add(p)
    for (let p = cl.page - 3; p <= cl.page + 3; p++) if (p >= 1 && p <= pages) shown.add(p)
    let last = 0
    for (const p of [...shown].sort((a, b) => a - b)) {
      if (p > last + 1) links.push(html`<span class="ellipsis">…</span> `)
      links.push(link(p))
      last = p
    }
  }
  const showAll = !cl.countCapped && cl.numPages > 1 && cl.count <= ma.listMaxShowAll ? html` <a href="${cl.url({ all: '' })}" class="showall">Show all</a>` : ''
  return html`<p class="paginator">${links}<span class="count">${countText}</span>${total}${showAll}</p>`
}

function searchBar(_ctx: RequestContext, cl: ChangeList): SafeHtml {
  if (cl.ma.search.length === 0) return html``
  const hidden = [...cl.params].filter(([k]) => k !== 'q' && k !== 'p')
  return html`<div id="toolbar"><form id="changelist-search" method="get" role="search">
<label for="searchbar" class="visually-hidden">Search</label>
<input type="search" size="40" name="q" value="${cl.search}" id="searchbar" placeholder="Search ${cl.ma.namePlural}">
<button type="submit">Search</button>
${cl.search ? html`<span class="small quiet">${cl.count.toLocaleString('en-US')}${cl.countCapped ? '+' : ''} result${cl.count === 1 ? '' : 's'} (<a href="${cl.url({ q: null })}">clear search</a>)</span>` : ''}
${hidden.map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
${cl.ma.options.searchHelpText ? html`<div class="help">${cl.ma.options.searchHelpText}</div>` : ''}
</form></div>`
}

async function dateHierarchy(cl: ChangeList): Promise<SafeHtml> {
  const h = cl.ma.dateHierarchy
  if (!h) return html``
  const [y, m, d] = ['year', 'month', 'day'].map((p) => cl.params.get(`${h.path}__${p}`))
  const k = (p: string) => `${h.path}__${p}`
  const clear = { [k('year')]: null, [k('month')]: null, [k('day')]: null }
  const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
  const items: SafeHtml[] = []
  const base = cl.hierarchyBase
  const field = h.path as never
  if (d) {
    items.push(html`<li class="date-back"><a href="${cl.url({ ...clear, [k('year')]: y!, [k('month')]: m! })}">‹ ${months[Number(m) - 1]} ${y}</a></li><li>${months[Number(m) - 1]} ${Number(d)}</li>`)
  } else if (m) {
    items.push(html`<li class="date-back"><a href="${cl.url({ ...clear, [k('year')]: y! })}">‹ ${y}</a></li>`)
    const days = (await base.filter({ [k('year')]: Number(y), [k('month')]: Number(m) } as never).dates(field, 'day')) as string[]
    for (const day of days) items.push(html`<li><a href="${cl.url({ ...clear, [k('year')]: y!, [k('month')]: m!, [k('day')]: String(Number(day.slice(8, 10))) })}">${months[Number(m) - 1]} ${Number(day.slice(8, 10))}</a></li>`)
  } else if (y) {
    items.push(html`<li class="date-back"><a href="${cl.url(clear)}">‹ All dates</a></li>`)
    const list = (await base.filter({ [k('year')]: Number(y) } as never).dates(field, 'month')) as string[]
    for (const month of list) items.push(html`<li><a href="${cl.url({ ...clear, [k('year')]: y, [k('month')]: String(Number(month.slice(5, 7))) })}">${months[Number(month.slice(5, 7)) - 1]} ${y}</a></li>`)
  } else {
    const years = (await base.dates(field, 'year')) as string[]
    for (const year of years) items.push(html`<li><a href="${cl.url({ ...clear, [k('year')]: year.slice(0, 4) })}">${year.slice(0, 4)}</a></li>`)
  }
  return html`<nav class="xfull"><ul class="date-hierarchy" aria-label="Dates">${items}</ul></nav>`
}

async function filterSidebar(cl: ChangeList): Promise<SafeHtml | null> {
  if (cl.filters.length === 0) return null
  const sections: SafeHtml[] = []
  for (const f of cl.filters) {
    const choices = await f.choices(cl.params)
    sections.push(html`<details open><summary>${filterTitle(f.title)}</summary><ul>${choices.map(
      (c) => html`<li${attrs({ class: c.selected ? 'selected' : null })}><a href="${cl.url(c.set)}"${attrs({ 'aria-current': c.selected ? 'true' : null })}>${c.label}</a></li>`,
    )}</ul></details>`)
  }
  const active = cl.filters.some((f) => f.params.some((p) => cl.params.has(p)))
  const clear: Record<string, null> = {}
  for (const f of cl.filters) for (const p of f.params) clear[p] = null
  return html`<div id="changelist-filter"><h2>Filter</h2>${active ? html`<p class="clear-filters"><a href="${cl.url(clear)}">✖ Clear all filters</a></p>` : ''}${sections}</div>`
}

/** The change list page: search, filters, date drill-down, sortable columns, actions, pagination. */
export async function changelistView(ctx: RequestContext, ma: ModelAdmin): Promise<Response> {
  const cl = await ChangeList.load(ctx, ma, ctx.url.searchParams)
  const canChange = ma.has('change', ctx)
  const actions = [...ma.actions.values()].filter((a) => (a.permissions ?? ['change']).every((p) => ma.has(p, ctx)))
  const preserve = ma.options.preserveFilters === false ? '' : cl.queryString
  const rows: SafeHtml[] = []
  for (const obj of cl.rows) {
    const cells: SafeHtml[] = []
    for (const col of ma.columns) {
      const value = await cell(ctx, cl, col, obj)
      const content = ma.links.has(col.key) ? html`<a href="${changeUrl(ctx, ma, obj.pk, preserve)}">${value}</a>` : value
      cells.push(ma.links.has(col.key) && cells.length === 0 ? html`<th scope="row" class="field-${col.key}">${content}</th>` : html`<td class="field-${col.key}">${content}</td>`)
    }
    rows.push(html`<tr>${actions.length ? html`<td class="action-checkbox"><input type="checkbox" name="_selected_action" value="${String(obj.pk)}" class="action-select" aria-label="Select ${String(obj)}"></td>` : ''}${cells}</tr>`)
  }
  const title = `Select ${ma.meta.verboseName} to ${canChange ? 'change' : 'view'}`
  const actionBar = actions.length
    ? html`<div class="actions"><label>Action: <select name="action" required><option value="" selected>---------</option>${actions.map(
        (a) => html`<option value="${a.name}">${a.description}</option>`,
      )}</select></label><button type="submit" class="button" name="index" value="0">Go</button>
<span class="action-counter" data-actions-icnt="${cl.rows.length}">0 of ${cl.rows.length} selected</span>
${cl.count > cl.rows.length || cl.countCapped ? html`<label class="select-across"><input type="checkbox" name="select_across" value="1"> Apply to all ${cl.countCapped ? `${cl.count.toLocaleString('en-US')}+` : cl.count.toLocaleString('en-US')} matching ${ma.namePlural}</label>` : ''}
</div>`
    : ''
  const table = cl.rows.length
    ? html`<div class="results"><table id="result_list"><thead><tr>${actions.length ? html`<th scope="col" class="action-checkbox-column"><input type="checkbox" id="action-toggle" aria-label="Select all objects on this page"></th>` : ''}${ma.columns.map((c, i) => headerCell(cl, c, i))}</tr></thead><tbody>${rows}</tbody></table></div>`
    : html`<p class="empty-results">${cl.search || cl.params.size ? `No ${ma.namePlural} match.` : `There are no ${ma.namePlural} yet.`}</p>`
  const content = html`<div id="changelist">
${ma.has('add', ctx) ? html`<ul class="object-tools"><li><a href="${ctx.href(`/${ma.meta.app}/${ma.slug}/add/${preserve ? `?${new URLSearchParams({ _changelist_filters: preserve.slice(1) })}` : ''}`)}" class="addlink">Add ${ma.meta.verboseName}</a></li></ul>` : ''}
${searchBar(ctx, cl)}
${await dateHierarchy(cl)}
<form id="changelist-form" method="post" action="${listUrl(ctx, ma, cl.queryString)}">
${csrfInput(ctx)}
${actionBar}
${table}
</form>
${paginator(cl)}
</div>`
  return htmlResponse(
    page(ctx, {
      title,
      breadcrumbs: [['Home', ctx.href('/')], [capfirst(humanize(ma.meta.app)), ctx.href(`/${ma.meta.app}/`)], [capfirst(ma.namePlural)]],
      content,
      sidebar: await filterSidebar(cl),
      bodyClass: `change-list model-${ma.slug}`,
    }),
  )
}
