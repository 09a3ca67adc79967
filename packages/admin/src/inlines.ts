import { type Field, FieldError, ForeignKey, type ModelMeta, TypeMismatchError } from '@strata/core'
import type { RequestContext } from './context.js'
import { type BindResult, bindForm, buildForm, changedLabels, type FormSpec, markNew, type ObjectForm, unmarkNew } from './forms.js'
import { readRaw } from './form-fields.js'
import { HttpError } from './http.js'
import { isFormEditable, managerOf, type Obj } from './model-admin.js'
import type { InlineOptions } from './options.js'
import { capfirst } from './paths.js'
import { type PermissionAction, permissionName } from './permissions.js'

/** A change-message entry (stored as JSON in the history, as Django's). */
export type ChangeEntry =
  | { added: { name?: string; object?: string } }
  | { changed: { name?: string; object?: string; fields: string[] } }
  | { deleted: { name?: string; object?: string } }

/** Hard cap on inline forms per submission, whatever `maxNum` says. */
const ABSOLUTE_MAX = 1000

/** An inline, checked at registration: the model, its foreign key to the parent, its fields. */
export class InlineAdmin {
  readonly meta: ModelMeta
  readonly parent: ModelMeta
  readonly fk: ForeignKey<unknown, boolean, boolean, 'foreignKey' | 'oneToOne'>
  readonly prefix: string
  readonly editable: readonly string[]
  readonly readonly: ReadonlyMap<string, Field>
  readonly extra: number
  readonly minNum: number
  readonly maxNum: number
  readonly canDelete: boolean
  readonly style: 'tabular' | 'stacked'
  readonly title: string
  readonly showChangeLink: boolean

  constructor(parent: ModelMeta, options: InlineOptions) {
    if (!options || typeof options !== 'object' || !options.model?.meta)
      throw new TypeMismatchError(`admin.register(${parent.name}): inlines take { model, ... } with a model class`, { model: parent.name })
    const meta = options.model.meta
    meta.resolve()
    this.meta = meta
    this.parent = parent
    const fks = meta.fields.filter((f): f is ForeignKey<unknown, boolean, boolean, 'foreignKey' | 'oneToOne'> => f instanceof ForeignKey && f.target === parent)
    const fk = options.fkName ? fks.find((f) => f.name === options.fkName) : fks.length === 1 ? fks[0] : undefined
    if (!fk)
      throw new FieldError(
        options.fkName
          ? `admin.register(${parent.name}): inline ${meta.name} has no foreign key ${JSON.stringify(options.fkName)} to ${parent.name}`
          : fks.length === 0
            ? `admin.register(${parent.name}): inline ${meta.name} has no foreign key to ${parent.name}`
            : `admin.register(${parent.name}): inline ${meta.name} has several foreign keys to ${parent.name}; set fkName to one of ${fks.map((f) => f.name).join(', ')}`,
        { model: parent.name },
      )
    this.fk = fk
    this.prefix = fk.relatedAccessor ?? `${meta.name[0]!.toLowerCase()}${meta.name.slice(1)}Set`
    const readonly = new Map<string, Field>()
    for (const name of options.readonlyFields ?? []) readonly.set(name, meta.getField(name))
    this.readonly = readonly
    const names = options.fields ?? meta.fields.filter((f) => isFormEditable(f) && f !== fk && !readonly.has(f.name)).map((f) => f.name)
    for (const n of names) {
      const f = meta.getField(n)
      if (f === fk) throw new FieldError(`admin.register(${parent.name}): inline ${meta.name} cannot edit its foreign key to the parent (${n})`, { model: meta.name, field: n })
      if (!readonly.has(n) && !isFormEditable(f)) throw new FieldError(`admin.register(${parent.name}): inline ${meta.name}.${n} is not editable (add it to readonlyFields)`, { model: meta.name, field: n })
    }
    this.editable = names.filter((n) => !readonly.has(n))
    const int = (name: string, v: number | undefined, d: number) => {
      if (v === undefined) return d
      if (!Number.isInteger(v) || v < 0) throw new TypeMismatchError(`admin.register(${parent.name}): inline ${name} must be a non-negative integer`, { model: parent.name })
      return v
    }
    this.extra = int('extra', options.extra, 3)
    this.minNum = int('minNum', options.minNum, 0)
    this.maxNum = Math.min(int('maxNum', options.maxNum, ABSOLUTE_MAX), ABSOLUTE_MAX)
    this.canDelete = options.canDelete !== false
    this.style = options.style === 'stacked' ? 'stacked' : 'tabular'
    this.title = capfirst(options.verboseNamePlural ?? meta.verboseNamePlural)
    this.showChangeLink = options.showChangeLink === true
  }

  /** The form spec of row `i`. */
  spec(i: number | string): FormSpec {
    return { meta: this.meta, editable: this.editable, readonly: this.readonly, prefix: `${this.prefix}-${i}-`, autocomplete: new Set() }
  }

  /** Whether the user may do `action` on the inline's model. */
  may(ctx: RequestContext, action: PermissionAction): boolean {
    const admin = ctx.site.adminFor(this.meta)
    if (admin) return admin.has(action, ctx)
    if (action === 'view') return ctx.hasPerm(permissionName('view', this.meta)) || ctx.hasPerm(permissionName('change', this.meta))
    return ctx.hasPerm(permissionName(action, this.meta))
  }
}

/** One row of an inline formset. */
export interface InlineRow {
  /** The row's number in input names (`commentSet-<index>-text`). */
  readonly index: number
  obj: Obj
  form: ObjectForm
  readonly existing: boolean
  /** Shown read-only (no change permission, or view mode). */
  readonly locked: boolean
  deleted: boolean
  /** Filled in on a new row (an untouched extra row is skipped). */
  used: boolean
  bind: BindResult | null
}

/** An inline's rows and errors for one request. */
export interface InlineFormset {
  readonly inline: InlineAdmin
  readonly rows: InlineRow[]
  readonly errors: string[]
  readonly canAdd: boolean
  readonly canDelete: boolean
}

async function children(ctx: RequestContext, inline: InlineAdmin, parent: Obj | null): Promise<Obj[]> {
  if (!parent || parent.pk === null || parent.pk === undefined) return []
  const ordering = inline.meta.ordering.length ? inline.meta.ordering : ['pk']
  return managerOf(inline.meta)
    .using(ctx.site.config.using)
    .filter({ [inline.fk.attname]: parent.pk } as never)
    .orderBy(...ordering)
    .slice(0, inline.maxNum)
}

function newChild(inline: InlineAdmin): Obj {
  return markNew(new (inline.meta.cls as unknown as new () => Obj)())
}

/** Builds the formsets of the page's inlines the user may see, with their current rows and extra rows. */
export async function buildFormsets(ctx: RequestContext, inlines: readonly InlineAdmin[], parent: Obj | null, viewOnly: boolean): Promise<InlineFormset[]> {
  const out: InlineFormset[] = []
  for (const inline of inlines) {
    if (!inline.may(ctx, 'view')) continue
    const canChange = !viewOnly && inline.may(ctx, 'change')
    const canAdd = !viewOnly && inline.may(ctx, 'add')
    const rows: InlineRow[] = []
    for (const obj of await children(ctx, inline, parent))
      rows.push({ index: rows.length, obj, form: await buildForm(ctx, inline.spec(rows.length), obj, !canChange), existing: true, locked: !canChange, deleted: false, used: true, bind: null })
    if (canAdd)
      for (let i = 0; i < inline.extra && rows.length < inline.maxNum; i++) {
        const obj = newChild(inline)
        rows.push({ index: rows.length, obj, form: await buildForm(ctx, inline.spec(rows.length), obj, false), existing: false, locked: false, deleted: false, used: false, bind: null })
      }
    out.push({ inline, rows, errors: [], canAdd, canDelete: !viewOnly && inline.canDelete && inline.may(ctx, 'delete') })
  }
  return out
}

function managementNumber(data: URLSearchParams, name: string): number {
  const raw = data.get(name)
  if (raw === null || !/^\d{1,4}$/.test(raw)) throw new HttpError(400, `The inline form data is missing or has been tampered with (${name}).`)
  return Number(raw)
}

/**
 * Reads the submitted inline rows. Existing rows are matched by primary key among the parent's
 * own children only (a crafted id of another object is an error); rows the user may not change,
 * add or delete are left as they are whatever the POST says.
 */
export async function bindFormsets(ctx: RequestContext, inlines: readonly InlineAdmin[], parent: Obj | null, data: URLSearchParams): Promise<{ formsets: InlineFormset[]; valid: boolean }> {
  const formsets: InlineFormset[] = []
  let valid = true
  for (const inline of inlines) {
    if (!inline.may(ctx, 'view')) continue
    const canChange = inline.may(ctx, 'change')
    const canAdd = inline.may(ctx, 'add')
    const canDelete = inline.canDelete && inline.may(ctx, 'delete')
    const p = inline.prefix
    if (!data.has(`${p}-TOTAL_FORMS`)) {
      formsets.push(...(await buildFormsets(ctx, [inline], parent, false)))
      continue
    }
    const total = managementNumber(data, `${p}-TOTAL_FORMS`)
    const initial = managementNumber(data, `${p}-INITIAL_FORMS`)
    if (initial > total || total > ABSOLUTE_MAX) throw new HttpError(400, 'The inline form data is missing or has been tampered with.')
    const existing = new Map((await children(ctx, inline, parent)).map((o) => [String(o.pk), o]))
    const fs: InlineFormset = { inline, rows: [], errors: [], canAdd, canDelete }
    for (let i = 0; i < total; i++) {
      const spec = inline.spec(i)
      const id = data.get(`${p}-${i}-id`) ?? ''
      if (i < initial) {
        const obj = existing.get(id)
        if (!obj) {
          fs.errors.push('A related object on this form was not found among this object’s own; it may have been deleted. Reload the page.')
          valid = false
          continue
        }
        const form = await buildForm(ctx, spec, obj, !canChange)
        const row: InlineRow = { index: i, obj, form, existing: true, locked: !canChange, deleted: false, used: true, bind: null }
        if (canDelete && data.has(`${p}-${i}-DELETE`)) row.deleted = true
        else if (canChange) {
          row.bind = await bindForm(ctx, spec, form, data, obj)
          if (!row.bind.valid) valid = false
        }
        fs.rows.push(row)
        continue
      }
      if (!canAdd) continue
      const obj = newChild(inline)
      const form = await buildForm(ctx, spec, obj, false)
      // A default computed per call (a timestamp) differs at every render: it does not count as input.
      const touched = [...form.fields.values()].some((bf) => {
        if (typeof bf.field.options.default === 'function') return false
        const now = readRaw(bf, data)
        return JSON.stringify(now) !== JSON.stringify(bf.raw)
      })
      const row: InlineRow = { index: i, obj, form, existing: false, locked: false, deleted: false, used: touched, bind: null }
      if (touched && !data.has(`${p}-${i}-DELETE`)) {
        row.bind = await bindForm(ctx, spec, form, data, obj, [inline.fk.name])
        if (!row.bind.valid) valid = false
      } else row.used = false
      fs.rows.push(row)
    }
    const kept = fs.rows.filter((r) => !r.deleted && r.used).length
    if (kept < inline.minNum) fs.errors.push(`Please submit at least ${inline.minNum} ${inline.minNum === 1 ? inline.meta.verboseName : inline.meta.verboseNamePlural}.`)
    if (kept > inline.maxNum) fs.errors.push(`Please submit at most ${inline.maxNum} ${inline.maxNum === 1 ? inline.meta.verboseName : inline.meta.verboseNamePlural}.`)
    if (fs.errors.length) valid = false
    formsets.push(fs)
  }
  return { formsets, valid }
}

/** Saves the bound rows after the parent was saved (inside its transaction); returns history entries. */
export async function saveFormsets(formsets: readonly InlineFormset[], parent: Obj, using?: string): Promise<ChangeEntry[]> {
  const saveOptions = using ? { using } : {}
  const entries: ChangeEntry[] = []
  for (const fs of formsets) {
    const name = fs.inline.meta.verboseName
    for (const row of fs.rows) {
      if (row.deleted) {
        const repr = String(row.obj)
        await row.obj.delete()
        entries.push({ deleted: { name, object: repr } })
        continue
      }
      if (!row.bind || !row.used) continue
      if (!row.existing) {
        row.obj[fs.inline.fk.attname] = parent.pk
        await row.obj.save(saveOptions)
        unmarkNew(row.obj)
        for (const [field, ids] of row.bind.m2m) await (row.obj[field.name] as { set(v: unknown[]): Promise<void> }).set(ids)
        entries.push({ added: { name, object: String(row.obj) } })
        continue
      }
      if (row.bind.changed.length === 0) continue
      await row.obj.save()
      for (const [field, ids] of row.bind.m2m) await (row.obj[field.name] as { set(v: unknown[]): Promise<void> }).set(ids)
      entries.push({ changed: { name, object: String(row.obj), fields: changedLabels(fs.inline.meta, row.bind.changed) } })
    }
  }
  return entries
}
