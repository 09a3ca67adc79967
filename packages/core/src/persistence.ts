import { type Assignment, type Engine, getEngine } from './engine.js'
import { DataError, FieldError, IntegrityError, ObjectDoesNotExist, TypeMismatchError, DatabaseError } from './errors.js'
import { isExpression } from './expressions.js'
import { describe, type Field } from './fields/field.js'
import { ForeignKey, } from './fields/relation.js'
import { CharField, DateTimeField, DecimalField } from './fields/scalar.js'
import type { ModelMeta } from './meta.js'
import { classFor, type ModelBase, STATE, type SaveOptions } from './model.js'
import { initialState, QuerySet } from './queryset.js'
import { resolveExpression, type ResolveContext } from './resolve.js'
import type { ResolvedExpr } from './state.js'
import { postSave, preSave } from './signals.js'

const CHUNK = 500

/** Internal: splits a list into batches (deletion and bulk work). */
export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Internal: an instance seen as a record of its attributes. */
export type Row = ModelBase & Record<string, unknown>

/** Internal: shared by deletion.ts and bulk.ts. */
export function metaOf(inst: ModelBase): ModelMeta {
  return (inst.constructor as unknown as { meta: ModelMeta }).meta
}

/** Internal: shared by deletion.ts and bulk.ts. */
export function querySet(meta: ModelMeta, using?: string): QuerySet<unknown> {
  classFor(meta)
  return new QuerySet<unknown>({ ...initialState(meta), using })
}

/** Cleans one value for writing; wraps type errors with the model and field. */
export function cleanForWrite(meta: ModelMeta, field: Field, value: unknown): unknown {
  if (value === undefined) throw new TypeMismatchError(`${meta.name}.${field.name} is undefined; use null for no value`, { model: meta.name, field: field.name })
  if (value === null) return null
  const clean = field.clean(value)
  checkFits(meta, field, clean)
  return clean
}

/**
 * Refuses values that a database would truncate, round or store beyond the declared size, so that
 * every dialect fails the same way (`DataError`) instead of some silently changing the value.
 */
function checkFits(meta: ModelMeta, field: Field, value: unknown): void {
  if (field instanceof CharField && typeof value === 'string') {
    const max = field.maxLength
    // Databases count characters (code points), not UTF-16 units.
    if (max !== undefined && value.length > max) {
      let n = 0
      for (const _ of value) n++
      if (n > max) throw new DataError(`${meta.name}.${field.name}: the value has ${n} characters; at most ${max} fit`, { model: meta.name, field: field.name })
    }
  } else if (field instanceof DecimalField && typeof value === 'string') {
    const intDigits = value.replace(/^-/, '').split('.')[0]!.replace(/^0+/, '').length
    const allowed = field.maxDigits - field.decimalPlaces
    if (intDigits > allowed)
      throw new DataError(
        `${meta.name}.${field.name}: ${value} has ${intDigits} digits before the point; at most ${allowed} fit (maxDigits ${field.maxDigits}, decimalPlaces ${field.decimalPlaces})`,
        { model: meta.name, field: field.name },
      )
  }
}

/** Refuses to save an instance pointing at an unsaved object; refreshes keys of objects saved since. */
export function checkRelated(inst: Row, meta: ModelMeta): void {
  const cache = inst[STATE].cache
  if (!cache) return
  for (const field of meta.fields) {
    if (!(field instanceof ForeignKey) || !cache.has(field.name)) continue
    const obj = cache.get(field.name) as Row | null
    if (obj === null) continue
    if (obj.pk === null || obj.pk === undefined)
      throw new TypeMismatchError(`save() prohibited to prevent data loss due to unsaved related object '${field.name}'.`, { model: meta.name, field: field.name })
    if (inst[field.attname] === null || inst[field.attname] === undefined) inst[field.attname] = obj.pk
  }
}

/** The datetime fields of each model (the only ones `autoNow`/`autoNowAdd` stamp), found once. */
const DATETIME_FIELDS = new WeakMap<ModelMeta, readonly DateTimeField<boolean, boolean>[]>()

function dateTimeFields(meta: ModelMeta): readonly DateTimeField<boolean, boolean>[] {
  let list = DATETIME_FIELDS.get(meta)
  if (list === undefined) {
    list = meta.concreteFields.filter((f): f is DateTimeField<boolean, boolean> => f instanceof DateTimeField)
    DATETIME_FIELDS.set(meta, list)
  }
  return list
}

/** Internal: shared by deletion.ts and bulk.ts. */
export function stampDates(inst: Row, meta: ModelMeta, adding: boolean): string[] {
  const stamped: string[] = []
  const fields = dateTimeFields(meta)
  if (fields.length === 0) return stamped
  const now = new Date()
  for (const f of fields) {
    if (f.options.autoNow || (adding && f.options.autoNowAdd)) {
      inst[f.attname] = now
      stamped.push(f.name)
    }
  }
  return stamped
}

/** `instance.save()`: UPDATE when the row exists, INSERT otherwise. */
export async function saveInstance(instance: ModelBase, options: SaveOptions): Promise<void> {
  const inst = instance as Row
  const meta = metaOf(inst)
  const st = inst[STATE]
  const alias = options.using ?? st.db ?? 'default'
  const engine = getEngine(alias)
  if (options.forceInsert && options.forceUpdate) throw new TypeMismatchError('Cannot force both insert and updating in model saving.', { model: meta.name })
  checkRelated(inst, meta)
  let fields = meta.concreteFields
  if (options.updateFields) {
    if (options.updateFields.length === 0) return
    fields = options.updateFields.map((n) => {
      const f = meta.field(n)
      if (!f?.concrete) throw new FieldError(`The following fields do not exist in ${meta.name}, or are m2m fields: ${n}`, { model: meta.name, field: n })
      return f
    })
  }
  // Signals stay off the hot path: with no receiver connected, nothing is built or awaited.
  const signals = preSave.hasReceivers(meta) || postSave.hasReceivers(meta)
  const updateFields = options.updateFields ? [...options.updateFields] : null
  if (signals) await preSave.send({ sender: meta.cls, instance: inst, using: alias, updateFields })
  const created = await writeInstance(inst, meta, engine, alias, fields, options)
  if (signals) await postSave.send({ sender: meta.cls, instance: inst, using: alias, updateFields, created })
}

/** The UPDATE-or-INSERT of `save()`; resolves to true when it inserted. */
async function writeInstance(inst: Row, meta: ModelMeta, engine: Engine, alias: string, fields: readonly Field[], options: SaveOptions): Promise<boolean> {
  const st = inst[STATE]
  const pk = inst.pk
  const pkSet = pk !== null && pk !== undefined
  const skipUpdate = options.forceInsert || (st.adding && (meta.pk.hasDefault() || !pkSet))
  if (pkSet && !skipUpdate) {
    stampDates(inst, meta, false)
    const assignments: Assignment[] = []
    for (const f of fields) {
      if (f.primaryKey) continue
      const v = inst[f.attname]
      if (isExpression(v)) {
        const expr = resolveExpression(meta, v, { annotations: new Map(), call: 0 })
        if (hasJoin(expr)) throw new FieldError('Joined field references are not permitted in this query', { model: meta.name })
        assignments.push({ column: f.column, attname: f.attname, value: null, expr })
      } else assignments.push({ column: f.column, attname: f.attname, value: cleanForWrite(meta, f, v) })
    }
    const qs = querySet(meta, alias).filter({ pk } as never)
    const n = assignments.length ? await engine.update(qs.state, assignments) : (await qs.exists()) ? 1 : 0
    if (n > 0) {
      st.adding = false
      st.db = alias
      return false
    }
    if (options.forceUpdate) throw new DatabaseError('Forced update did not affect any rows.', { model: meta.name })
    if (options.updateFields) throw new DatabaseError('Save with updateFields did not affect any rows.', { model: meta.name })
  }
  stampDates(inst, meta, true)
  const row: Record<string, unknown> = {}
  for (const f of meta.concreteFields) {
    const v = inst[f.attname]
    if (f.dbGenerated && (v === null || v === undefined)) continue
    if (isExpression(v)) throw new TypeMismatchError(`${meta.name}.${f.name}: expressions cannot be inserted`, { model: meta.name, field: f.name })
    row[f.attname] = cleanForWrite(meta, f, v)
  }
  const [newPk] = await engine.insert(meta, [row])
  if (newPk !== undefined && newPk !== null && (inst.pk === null || inst.pk === undefined)) inst.pk = newPk
  for (const f of meta.concreteFields) if (row[f.attname] !== undefined && !f.dbGenerated) inst[f.attname] = row[f.attname]
  st.adding = false
  st.db = alias
  return true
}

function hasJoin(e: ResolvedExpr): boolean {
  if (e.type === 'col') return e.path.hops.length > 0
  if (e.type === 'op') return hasJoin(e.lhs) || hasJoin(e.rhs)
  return false
}

/** Checks `unique` fields and `uniqueTogether` against the database for `fullClean()`. */
export async function uniqueErrors(instance: ModelBase, exclude: readonly string[], failed: readonly string[]): Promise<Record<string, string[]>> {
  const inst = instance as Row
  const meta = metaOf(inst)
  const errors: Record<string, string[]> = {}
  const skip = new Set([...exclude, ...failed])
  const checks: { fields: Field[]; key: string }[] = []
  for (const f of meta.concreteFields) if ((f.options.unique || f.primaryKey) && !skip.has(f.name)) checks.push({ fields: [f], key: f.name })
  for (const group of meta.options.uniqueTogether ?? []) {
    const fs = group.map((n) => meta.getField(n))
    if (fs.some((f) => skip.has(f.name))) continue
    checks.push({ fields: fs, key: '__all__' })
  }
  for (const { fields, key } of checks) {
    const lookup: Record<string, unknown> = {}
    let usable = true
    for (const f of fields) {
      const v = inst[f.attname]
      if (v === null || v === undefined || (f.dbGenerated && inst[STATE].adding)) usable = false
      lookup[f.attname] = v
    }
    if (!usable) continue
    let qs = querySet(meta, inst[STATE].db).filter(lookup as never)
    if (!inst[STATE].adding && inst.pk !== null && inst.pk !== undefined) qs = qs.exclude({ pk: inst.pk } as never)
    if (await qs.exists()) {
      const label = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)
      const msg =
        fields.length === 1
          ? `${label(meta.verboseName)} with this ${label(fields[0]!.options.verboseName ?? fields[0]!.name)} already exists.`
          : `${label(meta.verboseName)} with this ${fields.map((f) => label(f.options.verboseName ?? f.name)).join(' and ')} already exists.`
      ;(errors[key] ??= []).push(msg)
    }
  }
  return errors
}

/** Checks `update({...})` input and turns it into column assignments. */
export function prepareUpdate(meta: ModelMeta, values: Record<string, unknown>, ctx: ResolveContext): Assignment[] {
  if (typeof values !== 'object' || values === null || Array.isArray(values))
    throw new TypeMismatchError(`update() expects an object of field values, got ${describe(values)}`, { model: meta.name })
  const out: Assignment[] = []
  for (const key of Object.keys(values)) {
    const field = meta.field(key)
    if (!field || key === 'pk' && false) {
      throw new FieldError(`${meta.name} has no field named ${JSON.stringify(key)}. Choices are: ${meta.concreteFields.map((f) => f.name).join(', ')}`, { model: meta.name, field: key })
    }
    if (!field.concrete) throw new FieldError(`Cannot update ${meta.name}.${key}: it is a many-to-many relation`, { model: meta.name, field: key })
    const v = values[key]
    if (isExpression(v)) {
      const expr = resolveExpression(meta, v, ctx)
      if (hasJoin(expr)) throw new FieldError('Joined field references are not permitted in this query', { model: meta.name, field: key })
      out.push({ column: field.column, attname: field.attname, value: null, expr })
      continue
    }
    let value: unknown
    try {
      value = cleanForWrite(meta, field, v)
    } catch (e) {
      if (e instanceof TypeMismatchError) throw new TypeMismatchError(`${meta.name}.update(): ${e.message}`, { model: meta.name, field: key, cause: e })
      throw e
    }
    if (value === null && !field.nullable) {
      // Let the database refuse it, as Django does, so the error class is the same everywhere.
    }
    out.push({ column: field.column, attname: field.attname, value })
  }
  return out
}


function creationParams(meta: ModelMeta, lookup: Record<string, unknown>, defaults: Record<string, unknown> | undefined): Record<string, unknown> {
  const params: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(lookup)) {
    if (k.includes('__')) continue
    params[k === 'pk' ? meta.pk.name : k] = v
  }
  const bad: string[] = []
  for (const [k, v] of Object.entries(defaults ?? {})) {
    const f = meta.field(k)
    if (!f || k === 'pk') bad.push(k)
    params[k] = typeof v === 'function' ? (v as () => unknown)() : v
  }
  if (bad.length) throw new FieldError(`Invalid field name(s) for model ${meta.name}: ${bad.map((b) => `'${b}'`).join(', ')}.`, { model: meta.name })
  return params
}

/** `getOrCreate`: get, or create inside a transaction; on a unique race, get again. */
export async function getOrCreate<M>(qs: QuerySet<M>, lookup: Record<string, unknown>, defaults?: Record<string, unknown>): Promise<[M, boolean]> {
  const meta = qs.meta
  const engine = getEngine(qs.state.using ?? 'default')
  try {
    return [await qs.get(lookup as never), false]
  } catch (e) {
    if (!(e instanceof ObjectDoesNotExist)) throw e
  }
  const params = creationParams(meta, lookup, defaults)
  try {
    const obj = await engine.atomic(() => qs.create(params as never))
    return [obj, true]
  } catch (e) {
    if (e instanceof IntegrityError) {
      try {
        return [await qs.get(lookup as never), false]
      } catch (e2) {
        if (!(e2 instanceof ObjectDoesNotExist)) throw e2
      }
    }
    throw e
  }
}

/** `updateOrCreate`: update the match with `defaults`, or create it with `createDefaults ?? defaults`. */
export async function updateOrCreate<M>(
  qs: QuerySet<M>,
  lookup: Record<string, unknown>,
  defaults?: Record<string, unknown>,
  createDefaults?: Record<string, unknown>,
): Promise<[M, boolean]> {
  const meta = qs.meta
  const engine = getEngine(qs.state.using ?? 'default')
  return engine.atomic(async () => {
    let obj: Row | undefined
    try {
      obj = (await qs.get(lookup as never)) as unknown as Row
    } catch (e) {
      if (!(e instanceof ObjectDoesNotExist)) throw e
    }
    if (!obj) {
      const [created, wasCreated] = await getOrCreate(qs, lookup, createDefaults ?? defaults)
      if (!wasCreated) return updateOrCreate(qs, lookup, defaults, createDefaults)
      return [created, true] as [M, boolean]
    }
    const values = creationParams(meta, {}, defaults)
    const updateFields: string[] = []
    for (const [k, v] of Object.entries(values)) {
      obj[k] = v
      updateFields.push(k)
    }
    for (const f of meta.concreteFields) if (f instanceof DateTimeField && f.options.autoNow) updateFields.push(f.name)
    if (updateFields.length) await saveInstance(obj, { updateFields, using: qs.state.using })
    return [obj as unknown as M, false] as [M, boolean]
  })
}

export { deleteQuery } from './deletion.js'
export { bulkCreate, bulkUpdate, type BulkCreateOptions } from './bulk.js'
