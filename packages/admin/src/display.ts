import { choiceValue, type Field, RelatedField } from '@strata/core'
import { html, isSafeHtml, type SafeHtml } from './html.js'

/** `2024-05-01 14:03:05 UTC`: date-times are shown (and edited) in UTC. */
export function formatDateTime(d: Date): string {
  if (Number.isNaN(d.getTime())) return 'Invalid date'
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** Milliseconds as `[D days, ]HH:MM:SS[.mmm]`. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : ''
  let rest = Math.abs(ms)
  const days = Math.floor(rest / 86_400_000)
  rest -= days * 86_400_000
  const h = Math.floor(rest / 3_600_000)
  rest -= h * 3_600_000
  const m = Math.floor(rest / 60_000)
  rest -= m * 60_000
  const s = Math.floor(rest / 1000)
  const frac = Math.round(rest - s * 1000)
  const pad = (n: number) => String(n).padStart(2, '0')
  const time = `${pad(h)}:${pad(m)}:${pad(s)}${frac ? `.${String(frac).padStart(3, '0')}` : ''}`
  return `${sign}${days ? `${days} day${days === 1 ? '' : 's'}, ` : ''}${time}`
}

/** A yes/no/unknown icon (text for screen readers, a symbol for the eye). */
export function booleanIcon(value: boolean | null | undefined): SafeHtml {
  if (value === true) return html`<span class="bool yes" title="Yes" aria-label="Yes">✔</span>`
  if (value === false) return html`<span class="bool no" title="No" aria-label="No">✘</span>`
  return html`<span class="bool unknown" title="Unknown" aria-label="Unknown">?</span>`
}

/** The label of a choice value, or the value itself. */
export function choiceLabel(field: Field, value: unknown): string | undefined {
  for (const c of field.options.choices ?? []) {
    if (Array.isArray(c) && String(c[0]) === String(value)) return String(c[1])
    if (!Array.isArray(c) && String(choiceValue(c)) === String(value)) return String(c)
  }
  return undefined
}

/** Shows a field's value as text or safe HTML: choices by label, booleans as icons, dates in UTC. */
export function displayField(field: Field | null, value: unknown, empty: string): SafeHtml | string {
  if (value === null || value === undefined || value === '') return empty
  if (field?.options.choices) {
    const label = choiceLabel(field, value)
    if (label !== undefined) return label
  }
  if (field?.kind === 'boolean' || typeof value === 'boolean') return booleanIcon(value as boolean)
  if (field?.kind === 'duration' && typeof value === 'number') return formatDuration(value)
  if (field?.kind === 'json') return JSON.stringify(value)
  return displayValue(value, empty)
}

/** Shows any value: SafeHtml as is, dates in UTC, bytes by size, model instances by `toString()`. */
export function displayValue(value: unknown, empty: string): SafeHtml | string {
  if (value === null || value === undefined || value === '') return empty
  if (isSafeHtml(value)) return value
  if (value instanceof Date) return formatDateTime(value)
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`
  if (typeof value === 'boolean') return booleanIcon(value)
  if (Array.isArray(value)) return value.map((v) => String(displayValue(v, empty))).join(', ')
  if (typeof value === 'object' && value.constructor === Object) return JSON.stringify(value)
  return String(value)
}

/** Whether a field is a relation (foreign key, one-to-one or many-to-many). */
export function isRelation(field: Field | null): field is RelatedField<unknown, boolean, boolean, 'foreignKey' | 'oneToOne' | 'manyToMany'> {
  return field instanceof RelatedField
}
