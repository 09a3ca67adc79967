// A tiny HTML template helper: every interpolated value is escaped unless it is already `SafeHtml`
// (made by this module). Escaping is the default, so a stored `<script>` shows as text.

const SAFE: unique symbol = Symbol.for('strata.admin.safe-html') as never

/** A string of HTML that is known to be safe (built by `html`, `raw` or `join`). */
export class SafeHtml {
  readonly [SAFE] = true
  readonly value: string

  constructor(value: string) {
    this.value = value
  }

  /** The HTML text. */
  toString(): string {
    return this.value
  }
}

/** Whether a value is `SafeHtml` (whatever copy of the package made it). */
export function isSafeHtml(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && (value as { [SAFE]?: boolean })[SAFE] === true
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' }

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!)
}

/** Renders an interpolated value: arrays are joined, null/undefined/false render nothing. */
function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return ''
  if (isSafeHtml(value)) return value.value
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

/**
 * The HTML template tag: `html\`<p>${title}</p>\`` escapes `title`; nested `html` results and
 * arrays of them are inserted as they are.
 * @example html`<a href="${url}">${post.title}</a>`
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!
  return new SafeHtml(out)
}

/** Marks a string as safe HTML without escaping it; only for HTML the admin itself produced. */
export function raw(text: string): SafeHtml {
  return new SafeHtml(text)
}

/** Joins values (escaping the plain ones) with a separator. */
export function join(values: readonly unknown[], separator: unknown = ''): SafeHtml {
  return new SafeHtml(values.map(render).join(render(separator)))
}

/** Renders `attrs` as ` name="value"` pairs: `true` gives a bare attribute, false/null/undefined nothing. */
export function attrs(values: Readonly<Record<string, string | number | boolean | null | undefined>>): SafeHtml {
  let out = ''
  for (const [name, value] of Object.entries(values)) {
    if (!/^[a-zA-Z][a-zA-Z0-9-]*$/.test(name)) throw new Error(`Invalid attribute name ${JSON.stringify(name)}`)
    if (value === false || value === null || value === undefined) continue
    out += value === true ? ` ${name}` : ` ${name}="${escapeHtml(String(value))}"`
  }
  return new SafeHtml(out)
}
