import { choiceValue, type Field, ForeignKey, ManyToManyField, StrataError } from '@strata/core'
import { formatDuration } from './display.js'
import { attrs, html, type SafeHtml } from './html.js'
import { fieldLabel, capfirst } from './paths.js'

/** How a field is edited. */
export type WidgetKind =
  | 'text'
  | 'email'
  | 'url'
  | 'textarea'
  | 'number'
  | 'checkbox'
  | 'nullboolean'
  | 'select'
  | 'date'
  | 'datetime'
  | 'time'
  | 'duration'
  | 'json'
  | 'fk'
  | 'fk-autocomplete'
  | 'm2m'
  | 'm2m-autocomplete'

/** A form field bound to its current input. */
export interface BoundField {
  /** The input's name (the model field's name, prefixed in inlines). */
  readonly name: string
  readonly field: Field
  readonly label: string
  readonly required: boolean
  /**
   * Whether the input carries the HTML `required` attribute: not in inline rows, where an extra row
   * left empty is skipped rather than refused (Django's formsets do the same).
   */
  requiredAttr: boolean
  readonly help: string | null
  readonly widget: WidgetKind
  /** The value as the input shows it (several for a multi-select). */
  raw: string | readonly string[]
  errors: string[]
  /** `[value, label]` choices of a select. */
  options: readonly (readonly [string, string])[]
  /** Labels of the current related objects, for autocomplete boxes. */
  selectedLabels: readonly (readonly [string, string])[]
  /** The autocomplete endpoint for this field. */
  autocompleteUrl: string | null
}

/** The outcome of reading one input. */
export type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string }

const REQUIRED = 'This field is required.'

/** Whether the form requires a value: Django's rule, `blank` not set (booleans never). */
export function isRequired(field: Field): boolean {
  if (field.kind === 'boolean') return false
  return (field.options as { blank?: boolean }).blank !== true
}

/** Picks the widget for a field. */
export function widgetFor(field: Field, autocomplete: boolean): WidgetKind {
  if (field instanceof ManyToManyField) return autocomplete ? 'm2m-autocomplete' : 'm2m'
  if (field instanceof ForeignKey) return autocomplete ? 'fk-autocomplete' : 'fk'
  if (field.options.choices) return 'select'
  switch (field.kind) {
    case 'text':
      return 'textarea'
    case 'email':
      return 'email'
    case 'url':
      return 'url'
    case 'integer':
    case 'smallInteger':
    case 'positiveInteger':
    case 'bigInteger':
    case 'float':
    case 'decimal':
      return 'number'
    case 'boolean':
      return field.nullable ? 'nullboolean' : 'checkbox'
    case 'date':
      return 'date'
    case 'dateTime':
      return 'datetime'
    case 'time':
      return 'time'
    case 'duration':
      return 'duration'
    case 'json':
      return 'json'
    default:
      return 'text'
  }
}

/** Makes an unbound form field with no value. */
export function makeField(name: string, field: Field, autocomplete: boolean): BoundField {
  return {
    name,
    field,
    label: capfirst(fieldLabel(field)),
    required: isRequired(field),
    requiredAttr: isRequired(field),
    help: field.options.helpText ?? null,
    widget: widgetFor(field, autocomplete),
    raw: field instanceof ManyToManyField ? [] : '',
    errors: [],
    options: (field.options.choices ?? []).map((c) => {
      const v = choiceValue(c)
      return [String(v), Array.isArray(c) ? String((c as unknown as readonly [unknown, string])[1]) : String(v)] as const
    }),
    selectedLabels: [],
    autocompleteUrl: null,
  }
}

/** A model value as the input shows it. */
export function toRaw(field: Field, value: unknown): string | string[] {
  if (field instanceof ManyToManyField) return Array.isArray(value) ? value.map(String) : []
  if (value === null || value === undefined) return ''
  if (field.kind === 'dateTime' && value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString().slice(0, 19)
  if (field.kind === 'duration' && typeof value === 'number') return formatDuration(value)
  if (field.kind === 'json') return JSON.stringify(value, null, 2)
  if (field.kind === 'boolean') return value === true ? 'true' : value === false ? 'false' : ''
  if (value instanceof Uint8Array) return ''
  return String(value)
}

/** Reads the submitted input of a field: `getAll` for multi-selects and checkboxes. */
export function readRaw(bf: BoundField, form: URLSearchParams): string | string[] {
  if (bf.widget === 'm2m') return form.getAll(bf.name)
  if (bf.widget === 'm2m-autocomplete')
    return (form.get(bf.name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
  if (bf.widget === 'checkbox') return form.has(bf.name) ? 'true' : 'false'
  return form.get(bf.name) ?? ''
}

function parseDuration(text: string): number | null {
  const m = /^(-)?(?:(\d+) days?,? )?(?:(\d+):)?(\d+):(\d+)(?:\.(\d{1,3}))?$/.exec(text) ?? /^(-)?()()()(\d+)(?:\.(\d{1,3}))?$/.exec(text)
  if (!m) return null
  const [, sign, d, h, min, s, frac] = m
  const ms = Number(d || 0) * 86_400_000 + Number(h || 0) * 3_600_000 + Number(min || 0) * 60_000 + Number(s || 0) * 1000 + Number((frac ?? '').padEnd(3, '0') || 0)
  return sign ? -ms : ms
}

function cleanWith(field: Field, value: unknown, message: string): Parsed {
  try {
    return { ok: true, value: field.clean(value) }
  } catch (e) {
    return { ok: false, error: e instanceof StrataError ? message : String(e) }
  }
}

/**
 * Turns a submitted value into the field's JavaScript value, or an error message for the user.
 * Relations come back as primary keys (checked against the database by the form).
 */
export function parseRaw(field: Field, raw: string | readonly string[]): Parsed {
  if (field instanceof ManyToManyField) {
    const values: unknown[] = []
    for (const r of Array.isArray(raw) ? raw : [raw]) {
      const p = cleanWith(field.target.pk, r, `“${r}” is not a valid value.`)
      if (!p.ok) return p
      values.push(p.value)
    }
    if (values.length === 0 && isRequired(field)) return { ok: false, error: REQUIRED }
    return { ok: true, value: values }
  }
  let text = typeof raw === 'string' ? raw : (raw[0] ?? '')
  if (field.kind !== 'text' && field.kind !== 'json') text = text.trim()
  else text = text.replace(/\r\n?/g, '\n')
  if (field.kind === 'boolean') {
    if (text === 'true') return { ok: true, value: true }
    if (text === 'false') return { ok: true, value: false }
    if (text === '' && field.nullable) return { ok: true, value: null }
    return field.nullable ? { ok: false, error: 'Select a valid choice.' } : { ok: true, value: false }
  }
  if (text.trim() === '') {
    if (isRequired(field)) return { ok: false, error: REQUIRED }
    const textual = ['char', 'text', 'email', 'url', 'slug'].includes(field.kind)
    return { ok: true, value: textual && !field.nullable ? '' : null }
  }
  if (field instanceof ForeignKey) return cleanWith(field.target.pk, text, 'Select a valid choice. That choice is not one of the available choices.')
  if (field.options.choices) {
    for (const c of field.options.choices) {
      const v = choiceValue(c)
      if (String(v) === text) return { ok: true, value: v }
    }
    return { ok: false, error: `Select a valid choice. ${text} is not one of the available choices.` }
  }
  switch (field.kind) {
    case 'integer':
    case 'smallInteger':
    case 'positiveInteger':
    case 'bigInteger':
      if (!/^[-+]?\d+$/.test(text)) return { ok: false, error: 'Enter a whole number.' }
      try {
        return { ok: true, value: field.clean(field.kind === 'bigInteger' ? BigInt(text) : Number(text)) }
      } catch (e) {
        return { ok: false, error: e instanceof StrataError ? `Enter a whole number in range (${e.message.replace(/^.* expects /, '').replace(/, got .*$/, '')}).` : String(e) }
      }
    case 'float':
      if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return { ok: false, error: 'Enter a number.' }
      return cleanWith(field, Number(text), 'Enter a number.')
    case 'decimal':
      if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(text)) return { ok: false, error: 'Enter a number.' }
      return cleanWith(field, text, 'Enter a number.')
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(text) ? cleanWith(field, text, 'Enter a valid date.') : { ok: false, error: 'Enter a valid date.' }
    case 'dateTime': {
      const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)$/.exec(text)
      if (!m) return { ok: false, error: 'Enter a valid date/time.' }
      return cleanWith(field, new Date(`${m[1]}T${m[2]}${m[3] ? '' : ':00'}Z`), 'Enter a valid date/time.')
    }
    case 'time':
      return cleanWith(field, text, 'Enter a valid time.')
    case 'duration': {
      const ms = parseDuration(text)
      return ms === null ? { ok: false, error: 'Enter a valid duration ([D days, ]HH:MM:SS).' } : { ok: true, value: ms }
    }
    case 'json':
      try {
        return { ok: true, value: JSON.parse(text) }
      } catch {
        return { ok: false, error: 'Enter a valid JSON.' }
      }
    case 'uuid':
      return cleanWith(field, text, 'Enter a valid UUID.')
    default:
      return cleanWith(field, text, 'Enter a valid value.')
  }
}

const INPUT_TYPES: Partial<Record<WidgetKind, string>> = { text: 'text', email: 'email', url: 'url', date: 'date', datetime: 'datetime-local', time: 'time', duration: 'text' }

/** The input element of a field (without label or errors). */
export function renderWidget(bf: BoundField, options: { disabled?: boolean } = {}): SafeHtml {
  const f = bf.field
  const id = `id_${bf.name}`
  const invalid = bf.errors.length > 0
  const common = { id, name: bf.name, 'aria-invalid': invalid ? 'true' : null, 'aria-describedby': invalid ? `${id}_errors` : null, disabled: options.disabled === true }
  const raw = typeof bf.raw === 'string' ? bf.raw : ''
  switch (bf.widget) {
    case 'textarea':
      return html`<textarea${attrs({ ...common, rows: 8, cols: 60, required: bf.requiredAttr })}>${raw}</textarea>`
    case 'json':
      return html`<textarea${attrs({ ...common, rows: 6, cols: 60, class: 'json', spellcheck: 'false' })}>${raw}</textarea>`
    case 'checkbox':
      return html`<input type="checkbox"${attrs({ ...common, value: 'on', checked: raw === 'true' })}>`
    case 'nullboolean':
      return html`<select${attrs(common)}>${[
        ['', 'Unknown'],
        ['true', 'Yes'],
        ['false', 'No'],
      ].map(([v, l]) => html`<option${attrs({ value: v, selected: raw === v })}>${l}</option>`)}</select>`
    case 'number': {
      const places = (f.options as { decimalPlaces?: number }).decimalPlaces
      const step = f.kind === 'float' ? 'any' : f.kind === 'decimal' ? (places ? `0.${'0'.repeat(places - 1)}1` : '1') : '1'
      const min = f.kind === 'positiveInteger' ? 0 : null
      return html`<input type="number"${attrs({ ...common, value: raw, step, min, required: bf.requiredAttr })}>`
    }
    case 'select':
    case 'fk':
      return html`<select${attrs({ ...common, required: bf.requiredAttr })}>${
        !bf.required || raw === '' ? html`<option value="">---------</option>` : ''
      }${bf.options.map(([v, l]) => html`<option${attrs({ value: v, selected: v === raw })}>${l}</option>`)}</select>`
    case 'm2m': {
      const selected = new Set(Array.isArray(bf.raw) ? bf.raw : [])
      return html`<select multiple${attrs({ ...common, size: Math.min(10, Math.max(4, bf.options.length)) })}>${bf.options.map(
        ([v, l]) => html`<option${attrs({ value: v, selected: selected.has(v) })}>${l}</option>`,
      )}</select><p class="help">Hold down Ctrl (or ⌘ on a Mac) to select more than one.</p>`
    }
    case 'fk-autocomplete':
    case 'm2m-autocomplete': {
      const multiple = bf.widget === 'm2m-autocomplete'
      const value = multiple ? (Array.isArray(bf.raw) ? bf.raw.join(',') : raw) : raw
      return html`<span class="autocomplete"${attrs({ 'data-url': bf.autocompleteUrl, 'data-multiple': multiple ? 'true' : null })}>
<input type="text"${attrs({ ...common, value, class: 'pk-input', inputmode: 'text', 'aria-label': `${bf.label} (${multiple ? 'comma-separated IDs' : 'ID'})` })}>
<span class="current">${bf.selectedLabels.map(([v, l]) => html`<span class="chip" data-value="${v}">${l}</span>`)}</span>
</span>`
    }
    default: {
      const maxLength = (f.options as { maxLength?: number }).maxLength
      const extra = bf.widget === 'datetime' || bf.widget === 'time' ? { step: 1 } : {}
      return html`<input${attrs({ type: INPUT_TYPES[bf.widget] ?? 'text', ...common, value: raw, maxlength: maxLength ?? null, required: bf.requiredAttr, ...extra })}>${
        bf.widget === 'datetime' ? html`<span class="tz">UTC</span>` : ''
      }`
    }
  }
}

/** Errors of a field as a list tied to its input. */
export function renderErrors(bf: BoundField): SafeHtml {
  if (bf.errors.length === 0) return html``
  return html`<ul class="errorlist" id="id_${bf.name}_errors">${bf.errors.map((e) => html`<li>${e}</li>`)}</ul>`
}
