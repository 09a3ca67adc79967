import { type Field, ForeignKey, ManyToManyField, type ModelMeta, ValidationError } from '@strata/core'
import type { RequestContext } from './context.js'
import { displayField, displayValue } from './display.js'
import { type BoundField, makeField, parseRaw, readRaw, toRaw } from './form-fields.js'
import type { SafeHtml } from './html.js'
import { managerOf, type NormalizedFieldset, type Obj } from './model-admin.js'
import type { DisplayColumn } from './options.js'
import { capfirst, fieldLabel, humanize } from './paths.js'

/** A read-only value on a form. */
export interface ReadonlyValue {
  readonly label: string
  readonly help: string | null
  readonly value: SafeHtml | string
}

/** The fields of one object's form (the main form or an inline row). */
export interface ObjectForm {
  /** Editable fields by model field name. */
  readonly fields: Map<string, BoundField>
  /** Read-only fields by name. */
  readonly readonly: Map<string, ReadonlyValue>
  nonFieldErrors: string[]
}

/** What a form is made of: the model, the names to edit, the read-only items, the input prefix. */
export interface FormSpec {
  readonly meta: ModelMeta
  readonly editable: readonly string[]
  readonly readonly: ReadonlyMap<string, DisplayColumn<Obj> | Field>
  /** Prepended to input names (`commentSet-0-`) in inlines. */
  readonly prefix: string
  readonly autocomplete: ReadonlySet<string>
}

/** The values of many-to-many fields, read from the database. */
export async function m2mValues(obj: Obj, field: ManyToManyField<unknown>): Promise<unknown[]> {
  const manager = obj[field.name] as { valuesList(name: string, options: { flat: true }): PromiseLike<unknown[]> }
  return [...(await manager.valuesList('pk', { flat: true }))]
}

async function relatedOptions(ctx: RequestContext, bf: BoundField, spec: FormSpec, fieldName: string): Promise<void> {
  const field = bf.field as ForeignKey<unknown, boolean, boolean> | ManyToManyField<unknown>
  const target = field.target
  const site = ctx.site
  const using = site.config.using
  const threshold = site.config.autocompleteThreshold
  const targetAdmin = site.adminFor(target)
  const manager = managerOf(target).using(using)
  const wantAuto = spec.autocomplete.has(fieldName) || (await manager.all().slice(0, threshold + 1).count()) > threshold
  const selected = Array.isArray(bf.raw) ? bf.raw : bf.raw === '' ? [] : [bf.raw as string]
  const ordering = targetAdmin?.ordering.length ? targetAdmin.ordering : target.ordering.length ? target.ordering : ['pk']
  if (wantAuto) {
    const m2m = field instanceof ManyToManyField
    Object.assign(bf, {
      widget: m2m ? 'm2m-autocomplete' : 'fk-autocomplete',
      autocompleteUrl: ctx.href(`/autocomplete/?app=${encodeURIComponent(spec.meta.app)}&model=${encodeURIComponent(spec.meta.name.toLowerCase())}&field=${encodeURIComponent(fieldName)}`),
    })
    const pks = []
    for (const s of selected) {
      const p = parseRaw(field instanceof ManyToManyField ? field : field, field instanceof ManyToManyField ? [s] : s)
      if (p.ok) pks.push(...(Array.isArray(p.value) ? p.value : [p.value]))
    }
    const objs = pks.length ? await manager.filter({ pk__in: pks } as never) : []
    bf.selectedLabels = objs.map((o) => [String(o.pk), String(o)] as const)
    return
  }
  const objs = await manager.orderBy(...ordering)
  bf.options = objs.map((o) => [String(o.pk), String(o)] as const)
}

/** The value of a read-only item for an object (or a placeholder on the add form). */
async function readonlyValue(item: DisplayColumn<Obj> | Field, obj: Obj | null, empty: string): Promise<ReadonlyValue> {
  if ('value' in item && typeof item.value === 'function') {
    const col = item as DisplayColumn<Obj>
    const v = obj ? await col.value(obj) : null
    return { label: capfirst(col.label ?? humanize(col.name)), help: null, value: displayValue(v, col.emptyValue ?? empty) }
  }
  const field = item as Field
  let v: unknown = null
  if (obj) {
    if (field instanceof ManyToManyField) {
      const m = obj[field.name] as { all(): PromiseLike<unknown[]> }
      v = (await m.all()).map(String).join(', ')
    } else if (field instanceof ForeignKey) {
      const key = obj[field.attname]
      v = key === null || key === undefined ? null : await managerOf(field.target).filter({ pk: key } as never).first()
    } else v = obj[field.attname]
  }
  return { label: capfirst(fieldLabel(field)), help: field.options.helpText ?? null, value: field instanceof ForeignKey ? displayValue(v, empty) : displayField(field, v, empty) }
}

/**
 * Builds the form of an object (or of a new one when `obj` is null) with its current values;
 * `viewOnly` shows every field read-only.
 */
export async function buildForm(ctx: RequestContext, spec: FormSpec, obj: Obj | null, viewOnly: boolean): Promise<ObjectForm> {
  const empty = ctx.site.config.emptyValueDisplay
  const fields = new Map<string, BoundField>()
  const readonly = new Map<string, ReadonlyValue>()
  for (const [name, item] of spec.readonly) readonly.set(name, await readonlyValue(item, obj, empty))
  for (const name of spec.editable) {
    const field = spec.meta.getField(name)
    if (viewOnly) {
      readonly.set(name, await readonlyValue(field, obj, empty))
      continue
    }
    const bf = makeField(`${spec.prefix}${name}`, field, false)
    if (spec.prefix) bf.requiredAttr = false
    if (obj && !obj[Symbol.for('strata.admin.new') as never]) {
      bf.raw = field instanceof ManyToManyField ? toRaw(field, await m2mValues(obj, field)) : toRaw(field, obj[field.attname])
    } else {
      const d = field instanceof ManyToManyField ? undefined : field.getDefault()
      bf.raw = d === undefined || d === null ? bf.raw : toRaw(field, d)
    }
    if (field instanceof ForeignKey || field instanceof ManyToManyField) await relatedOptions(ctx, bf, spec, name)
    fields.set(name, bf)
  }
  return { fields, readonly, nonFieldErrors: [] }
}

/** The result of binding submitted data to a form. */
export interface BindResult {
  readonly valid: boolean
  /** Names of the fields whose value changed. */
  readonly changed: readonly string[]
  /** Many-to-many values to set after saving. */
  readonly m2m: ReadonlyMap<ManyToManyField<unknown>, unknown[]>
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime()
  if (Array.isArray(a) && Array.isArray(b)) return a.map(String).sort().join('\u0000') === b.map(String).sort().join('\u0000')
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) return JSON.stringify(a) === JSON.stringify(b)
  return a === b || (a === null && b === undefined) || (a === undefined && b === null)
}

/**
 * Reads the submitted fields into `obj` (only the editable fields of the form: anything else in
 * the POST is ignored), checks relations exist, and runs `fullClean` on those fields; errors land
 * on the bound fields. `validateFk` leaves out a foreign key set later (an inline's parent).
 */
export async function bindForm(ctx: RequestContext, spec: FormSpec, form: ObjectForm, data: URLSearchParams, obj: Obj, skip: readonly string[] = []): Promise<BindResult> {
  const using = ctx.site.config.using
  const changed: string[] = []
  const failed = new Set<string>()
  const m2m = new Map<ManyToManyField<unknown>, unknown[]>()
  const isNew = obj[Symbol.for('strata.admin.new') as never] === true
  for (const [name, bf] of form.fields) {
    const field = bf.field
    bf.raw = readRaw(bf, data)
    bf.errors = []
    const parsed = parseRaw(field, bf.raw)
    if (!parsed.ok) {
      bf.errors.push(parsed.error)
      failed.add(name)
      continue
    }
    let value = parsed.value
    if (field instanceof ForeignKey && value !== null) {
      const exists = await managerOf(field.target).using(using).filter({ pk: value } as never).exists()
      if (!exists) {
        bf.errors.push('Select a valid choice. That choice is not one of the available choices.')
        failed.add(name)
        continue
      }
    }
    if (field instanceof ManyToManyField) {
      const ids = [...new Map((value as unknown[]).map((v) => [String(v), v])).values()]
      const found = ids.length ? await managerOf(field.target).using(using).filter({ pk__in: ids } as never).count() : 0
      if (found !== ids.length) {
        bf.errors.push('Select a valid choice. One of the values is not one of the available choices.')
        failed.add(name)
        continue
      }
      const before = isNew ? [] : await m2mValues(obj, field)
      if (!sameValue(before, ids)) changed.push(name)
      m2m.set(field, ids)
      continue
    }
    if (field instanceof ForeignKey) value = value === null ? null : value
    const before = obj[field.attname]
    if (!sameValue(before, value)) changed.push(name)
    obj[field.attname] = value
  }
  const onForm = new Set([...form.fields.keys()].filter((n) => !failed.has(n)))
  const exclude = spec.meta.fields.filter((f) => !onForm.has(f.name) || skip.includes(f.name)).map((f) => f.name)
  try {
    await obj.fullClean({ exclude })
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e
    for (const [key, messages] of Object.entries(e.errors)) {
      const bf = form.fields.get(key)
      if (bf) bf.errors.push(...messages)
      else form.nonFieldErrors.push(...messages.map((m) => (key === '__all__' ? m : `${capfirst(humanize(key))}: ${m}`)))
    }
  }
  const valid = form.nonFieldErrors.length === 0 && [...form.fields.values()].every((bf) => bf.errors.length === 0)
  return { valid, changed, m2m }
}

/** Marks an unsaved instance, so that forms show its defaults rather than its empty values. */
export function markNew(obj: Obj): Obj {
  Object.defineProperty(obj, Symbol.for('strata.admin.new'), { value: true, enumerable: false, configurable: true })
  return obj
}

/** Removes the unsaved mark once saved. */
export function unmarkNew(obj: Obj): void {
  delete (obj as unknown as Record<symbol, unknown>)[Symbol.for('strata.admin.new')]
}

/** Labels of changed fields, for the history (`["Title", "Tags"]`). */
export function changedLabels(meta: ModelMeta, names: readonly string[]): string[] {
  return names.map((n) => capfirst(fieldLabel(meta.getField(n))))
}

/** Flattens fieldsets into the names they show, in order. */
export function fieldsetNames(sets: readonly NormalizedFieldset[]): string[] {
  return sets.flatMap((s) => s.lines.flat())
}
