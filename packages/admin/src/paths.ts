import { type Field, FieldError, ForeignKey, ManyToManyField, type ModelMeta, RelatedField } from '@strata/core'

/** A field path (`author__name`) checked against the model graph. */
export interface AdminPath {
  /** The path as written. */
  readonly path: string
  /** The last field, or null when the path ends at a reverse relation. */
  readonly field: Field | null
  /** The model that holds the last field. */
  readonly owner: ModelMeta
  /** The model a relation at the end points to (foreign key, many-to-many, reverse). */
  readonly target: ModelMeta | null
  /** The forward single-valued relations walked, as names (`['author']`), for `selectRelated`. */
  readonly forward: readonly string[]
  /** Whether the path crosses a many-to-many or reverse foreign key (rows may repeat). */
  readonly multiValued: boolean
}

/** Resolves a path of field names and reverse query names; a clear `FieldError` names the bad part. */
export function resolvePath(meta: ModelMeta, path: string, what = 'path'): AdminPath {
  if (typeof path !== 'string' || path === '' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(path))
    throw new FieldError(`${meta.name}: invalid ${what} ${JSON.stringify(path)}`, { model: meta.name })
  const parts = path.split('__')
  let current = meta
  let field: Field | null = null
  let target: ModelMeta | null = null
  let multiValued = false
  let singleSoFar = true
  const forward: string[] = []
  parts.forEach((part, i) => {
    const last = i === parts.length - 1
    if (field && !(field instanceof RelatedField))
      throw new FieldError(`${meta.name}: ${what} ${JSON.stringify(path)}: ${current.name}.${field.name} is not a relation, so ${JSON.stringify(part)} cannot follow it`, {
        model: meta.name,
        field: path,
      })
    if (target) current = target
    current.resolve()
    const own = current.field(part)
    if (own && own.name === part || own && part === 'pk') {
      field = own
      target = own instanceof RelatedField ? own.target : null
      if (own instanceof ManyToManyField) multiValued = true
      if (own instanceof ForeignKey && !last && singleSoFar) forward.push(parts.slice(0, i + 1).join('__'))
      if (own instanceof ManyToManyField) singleSoFar = false
      return
    }
    const rev = current.reverse(part)
    if (rev) {
      field = null
      target = rev.model
      if (rev.multiple) multiValued = true
      singleSoFar = false
      return
    }
    throw new FieldError(`${meta.name}: ${what} ${JSON.stringify(path)}: ${current.name} has no field or relation ${JSON.stringify(part)}. Choices are: ${current.fieldNames().join(', ')}`, {
      model: meta.name,
      field: path,
    })
  })
  const last = field as Field | null
  return { path, field: last, owner: last ? ownerOf(meta, parts) : current, target, forward, multiValued }
}

function ownerOf(meta: ModelMeta, parts: readonly string[]): ModelMeta {
  let current = meta
  for (const part of parts.slice(0, -1)) {
    const f = current.field(part)
    if (f instanceof RelatedField) current = f.target
    else current = current.reverse(part)!.model
  }
  return current
}

/** Reads a single-valued path from a loaded instance (`post` + `author__name` → the author's name); undefined if not loaded. */
export function readPath(obj: unknown, path: AdminPath): unknown {
  const parts = path.path.split('__')
  let value: unknown = obj
  for (const part of parts) {
    if (value === null || value === undefined) return null
    try {
      value = (value as Record<string, unknown>)[part === 'pk' ? 'pk' : part]
    } catch {
      return undefined
    }
  }
  return value
}

/** Words of a camelCase or snake_case name, lowercased: `pubDate` → `pub date`. */
export function humanize(name: string): string {
  return name
    .replace(/__/g, ' ')
    .replace(/_/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .trim()
}

/** First letter upper case. */
export function capfirst(text: string): string {
  return text ? text[0]!.toUpperCase() + text.slice(1) : text
}

/** The label of a field: its `verboseName`, or its name in words. */
export function fieldLabel(field: Field): string {
  return field.options.verboseName ?? humanize(field.name)
}
