import type { RequestContext } from '../context.js'
import { type BoundField, renderErrors, renderWidget } from '../form-fields.js'
import type { ObjectForm, ReadonlyValue } from '../forms.js'
import { attrs, html, type SafeHtml } from '../html.js'
import type { InlineFormset, InlineRow } from '../inlines.js'
import type { NormalizedFieldset } from '../model-admin.js'

function fieldBox(bf: BoundField): SafeHtml {
  const label = bf.widget === 'checkbox' ? '' : html`<label for="id_${bf.name}"${attrs({ class: bf.required ? 'required' : null })}>${bf.label}:</label>`
  const checkbox = bf.widget === 'checkbox' ? html`<label for="id_${bf.name}" class="vCheckboxLabel">${bf.label}</label>` : ''
  return html`<div class="fieldBox field-${bf.name}${bf.errors.length ? ' errors' : ''}">${renderErrors(bf)}${label}${renderWidget(bf)}${checkbox}${
    bf.help ? html`<div class="help" id="id_${bf.name}_helptext">${bf.help}</div>` : ''
  }</div>`
}

function readonlyBox(name: string, r: ReadonlyValue): SafeHtml {
  return html`<div class="fieldBox field-${name} readonly-field"><label>${r.label}:</label><div class="readonly">${r.value}</div>${r.help ? html`<div class="help">${r.help}</div>` : ''}</div>`
}

/** The form's fieldsets, each line of fields side by side, errors next to their fields. */
export function renderFieldsets(form: ObjectForm, sets: readonly NormalizedFieldset[]): SafeHtml {
  return html`${sets.map((fs) => {
    const lines = fs.lines.map((line) => {
      const boxes = line.map((name) => {
        const bf = form.fields.get(name)
        if (bf) return fieldBox(bf)
        const r = form.readonly.get(name)
        return r ? readonlyBox(name, r) : html``
      })
      const errors = line.some((n) => (form.fields.get(n)?.errors.length ?? 0) > 0)
      return html`<div class="form-row${errors ? ' errors' : ''}${line.length > 1 ? ' multi' : ''}">${boxes}</div>`
    })
    const body = html`${fs.description ? html`<div class="description">${fs.description}</div>` : ''}${lines}`
    const cls = `module aligned ${fs.classes.join(' ')}`
    if (fs.classes.includes('collapse'))
      return html`<fieldset class="${cls}"><details><summary><h2>${fs.title ?? 'Show'}</h2></summary>${body}</details></fieldset>`
    return html`<fieldset class="${cls}">${fs.title ? html`<h2>${fs.title}</h2>` : ''}${body}</fieldset>`
  })}`
}

function rowHeader(fs: InlineFormset): SafeHtml {
  const first = fs.rows.find((r) => !r.locked) ?? fs.rows[0]
  const names = [...fs.inline.editable, ...fs.inline.readonly.keys()]
  return html`<tr><th class="original"></th>${names.map((n) => {
    const bf = first?.form.fields.get(n)
    const r = first?.form.readonly.get(n)
    const label = bf?.label ?? r?.label ?? n
    return html`<th${attrs({ class: bf?.required ? 'required' : null, scope: 'col' })}>${label}</th>`
  })}${fs.canDelete ? html`<th scope="col">Delete?</th>` : ''}</tr>`
}

function rowCells(ctx: RequestContext, fs: InlineFormset, row: InlineRow): SafeHtml {
  const p = `${fs.inline.prefix}-${row.index}`
  const names = [...fs.inline.editable, ...fs.inline.readonly.keys()]
  const admin = ctx.site.adminFor(fs.inline.meta)
  const link = row.existing && fs.inline.showChangeLink && admin?.has('view', ctx) ? ctx.href(`/${fs.inline.meta.app}/${admin.slug}/${encodeURIComponent(String(row.obj.pk))}/change/`) : null
  const original = row.existing
    ? html`<td class="original"><input type="hidden" name="${p}-id" value="${String(row.obj.pk)}"><span class="inline-repr">${String(row.obj)}</span>${link ? html` <a href="${link}" class="inlinechangelink">Change</a>` : ''}${
        row.form.nonFieldErrors.length ? html`<ul class="errorlist">${row.form.nonFieldErrors.map((e) => html`<li>${e}</li>`)}</ul>` : ''
      }</td>`
    : html`<td class="original">${row.form.nonFieldErrors.length ? html`<ul class="errorlist">${row.form.nonFieldErrors.map((e) => html`<li>${e}</li>`)}</ul>` : ''}</td>`
  const cells = names.map((n) => {
    const bf = row.form.fields.get(n)
    if (bf) return html`<td class="field-${n}${bf.errors.length ? ' errors' : ''}">${renderErrors(bf)}${renderWidget(bf)}</td>`
    const r = row.form.readonly.get(n)
    return html`<td class="field-${n} readonly">${r ? r.value : ''}</td>`
  })
  const del = fs.canDelete ? html`<td class="delete">${row.existing ? html`<input type="checkbox" name="${p}-DELETE" id="id_${p}-DELETE"${attrs({ checked: row.deleted, 'aria-label': 'Delete' })}>` : ''}</td>` : ''
  return html`<tr class="${row.existing ? 'has-original' : 'extra'}${row.deleted ? ' deleted' : ''}">${original}${cells}${del}</tr>`
}

function stackedRow(_ctx: RequestContext, fs: InlineFormset, row: InlineRow): SafeHtml {
  const p = `${fs.inline.prefix}-${row.index}`
  const names = [...fs.inline.editable, ...fs.inline.readonly.keys()]
  return html`<fieldset class="module aligned inline-related${row.existing ? ' has-original' : ''}">
<h3><b>${fs.inline.meta.verboseName}:</b> ${row.existing ? String(row.obj) : html`<span class="quiet">new</span>`}${
    row.existing && fs.canDelete ? html` <span class="delete"><input type="checkbox" name="${p}-DELETE" id="id_${p}-DELETE"${attrs({ checked: row.deleted })}> <label for="id_${p}-DELETE">Delete</label></span>` : ''
  }</h3>
${row.existing ? html`<input type="hidden" name="${p}-id" value="${String(row.obj.pk)}">` : ''}
${row.form.nonFieldErrors.length ? html`<ul class="errorlist">${row.form.nonFieldErrors.map((e) => html`<li>${e}</li>`)}</ul>` : ''}
${renderFieldsets(row.form, [{ title: null, lines: names.map((n) => [n]), classes: [], description: null }])}
</fieldset>`
}

/** Every inline formset with its management inputs (TOTAL_FORMS, INITIAL_FORMS). */
export function renderInlines(ctx: RequestContext, formsets: readonly InlineFormset[]): SafeHtml {
  return html`${formsets.map((fs) => {
    const p = fs.inline.prefix
    const total = fs.rows.reduce((m, r) => Math.max(m, r.index + 1), 0)
    const initial = fs.rows.filter((r) => r.existing).length
    const management = html`<input type="hidden" name="${p}-TOTAL_FORMS" value="${total}"><input type="hidden" name="${p}-INITIAL_FORMS" value="${initial}">`
    const errors = fs.errors.length ? html`<ul class="errorlist nonfield">${fs.errors.map((e) => html`<li>${e}</li>`)}</ul>` : ''
    const body =
      fs.inline.style === 'tabular'
        ? html`<div class="tabular-wrap"><table><thead>${rowHeader(fs)}</thead><tbody>${fs.rows.map((r) => rowCells(ctx, fs, r))}</tbody></table></div>`
        : html`${fs.rows.map((r) => stackedRow(ctx, fs, r))}`
    return html`<div class="inline-group ${fs.inline.style}" id="${p}-group"><h2>${fs.inline.title}</h2>${management}${errors}${body}</div>`
  })}`
}
