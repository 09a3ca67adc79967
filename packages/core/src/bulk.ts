import { getEngine, type UpdateConflicts } from './engine.js'
import { FieldError, NotSupportedError, TypeMismatchError } from './errors.js'
import { isExpression } from './expressions.js'
import { describe, type Field } from './fields/field.js'
import { ManyToManyField } from './fields/relation.js'
import type { ModelMeta } from './meta.js'
import { classFor, STATE } from './model.js'
import { checkRelated, chunks, cleanForWrite, type Row, stampDates } from './persistence.js'
import type { QuerySet } from './queryset.js'

/** The options of `bulkCreate()`. */
export interface BulkCreateOptions {
  readonly batchSize?: number
  readonly ignoreConflicts?: boolean
  readonly updateConflicts?: boolean
  readonly uniqueFields?: readonly string[]
  readonly updateFields?: readonly string[]
}

/** Checks a list of field names for `bulkCreate()`'s upsert options (Django's `_check_bulk_create_options`). */
function conflictFields(meta: ModelMeta, names: unknown, option: string): Field[] {
  if (!Array.isArray(names)) throw new TypeMismatchError(`bulkCreate() ${option} must be an array of field names, got ${describe(names)}`, { model: meta.name })
  const fields: Field[] = []
  for (const name of names) {
    if (typeof name !== 'string') throw new TypeMismatchError(`bulkCreate() ${option} takes field names, got ${describe(name)}`, { model: meta.name })
    const field = name === 'pk' ? meta.pk : meta.getField(name)
    if (!field.concrete || field instanceof ManyToManyField)
      throw new FieldError(`bulkCreate() can only be used with concrete fields in ${option}: ${meta.name}.${name} is not one.`, { model: meta.name, field: name })
    if (!fields.includes(field)) fields.push(field)
  }
  return fields
}

function checkBulkCreateOptions(meta: ModelMeta, options: BulkCreateOptions, engine: ReturnType<typeof getEngine>): UpdateConflicts | undefined {
  const { ignoreConflicts, updateConflicts, uniqueFields, updateFields } = options
  for (const [name, v] of [['ignoreConflicts', ignoreConflicts], ['updateConflicts', updateConflicts]] as const)
    if (v !== undefined && typeof v !== 'boolean') throw new TypeMismatchError(`bulkCreate() ${name} must be a boolean, got ${describe(v)}`, { model: meta.name })
  if (ignoreConflicts && updateConflicts) throw new TypeMismatchError('bulkCreate(): ignoreConflicts and updateConflicts are mutually exclusive.', { model: meta.name })
  if (!updateConflicts) {
    if (uniqueFields !== undefined || updateFields !== undefined)
      throw new TypeMismatchError('bulkCreate(): uniqueFields and updateFields are only used with updateConflicts: true.', { model: meta.name })
    return undefined
  }
  const upsert = engine.upsert
  if (!upsert?.supported)
    throw new NotSupportedError(`This database does not support updating conflicts${upsert?.reason ? `: ${upsert.reason}` : '.'}`, { model: meta.name })
  if (updateFields === undefined || (Array.isArray(updateFields) && updateFields.length === 0))
    throw new TypeMismatchError('bulkCreate(): fields that will be updated when a row insertion fails on conflicts must be provided (updateFields).', { model: meta.name })
  const update = conflictFields(meta, updateFields, 'updateFields')
  for (const f of update) if (f.primaryKey) throw new FieldError('bulkCreate() cannot be used with primary keys in updateFields.', { model: meta.name, field: f.name })
  const hasUnique = uniqueFields !== undefined && !(Array.isArray(uniqueFields) && uniqueFields.length === 0)
  if (hasUnique && !upsert.withTarget)
    throw new NotSupportedError('This database does not support updating conflicts with specifying unique fields that can trigger the upsert (any unique key triggers it).', { model: meta.name })
  if (!hasUnique && upsert.withTarget) throw new TypeMismatchError('bulkCreate(): unique fields that can trigger the upsert must be provided (uniqueFields).', { model: meta.name })
  const unique = hasUnique ? conflictFields(meta, uniqueFields, 'uniqueFields') : []
  return { uniqueColumns: unique.map((f) => f.column), updateColumns: update.map((f) => f.column) }
}

/** `bulkCreate`: batched INSERTs in one transaction; keys set when the database returns them. */
export async function bulkCreate(
  meta: ModelMeta,
  objects: readonly unknown[],
  options: BulkCreateOptions,
  using: string | undefined,
): Promise<unknown[]> {
  if (!Array.isArray(objects)) throw new TypeMismatchError(`bulkCreate() expects an array, got ${describe(objects)}`, { model: meta.name })
  if (typeof options !== 'object' || options === null) throw new TypeMismatchError(`bulkCreate() options must be an object, got ${describe(options)}`, { model: meta.name })
  const batchSize = options.batchSize ?? 500
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new TypeMismatchError('bulkCreate() batchSize must be a positive integer', { model: meta.name })
  if (objects.length === 0) return []
  const alias = using ?? 'default'
  const engine = getEngine(alias)
  const updateConflicts = checkBulkCreateOptions(meta, options, engine)
  classFor(meta)
  const Cls = meta.cls as unknown as new (d?: Record<string, unknown>) => Row
  const instances = objects.map((o) => {
    if (o instanceof (Cls as unknown as abstract new () => object)) return o as Row
    if (typeof o === 'object' && o !== null && (o as { constructor?: { meta?: unknown } }).constructor?.meta)
      throw new TypeMismatchError(`bulkCreate() on ${meta.name} got an instance of another model`, { model: meta.name })
    return new Cls(o as Record<string, unknown>)
  })
  if (instances.length === 0) return []
  const rows = instances.map((inst) => {
    checkRelated(inst, meta)
    stampDates(inst, meta, true)
    const row: Record<string, unknown> = {}
    for (const f of meta.concreteFields) {
      const v = inst[f.attname]
      if (f.dbGenerated && (v === null || v === undefined)) continue
      row[f.attname] = cleanForWrite(meta, f, v)
    }
    return row
  })
  await engine.atomic(async () => {
    for (let i = 0; i < rows.length; i += batchSize) {
      const batch = rows.slice(i, i + batchSize)
      const pks = await engine.insert(meta, batch, { ignoreConflicts: options.ignoreConflicts, updateConflicts })
      batch.forEach((_, j) => {
        const inst = instances[i + j]!
        const pk = pks[j]
        if ((inst.pk === null || inst.pk === undefined) && pk !== undefined && pk !== null) inst.pk = pk
        if (!options.ignoreConflicts || pk !== undefined) {
          inst[STATE].adding = false
          inst[STATE].db = alias
        }
      })
    }
  })
  return instances
}

/**
 * `bulkUpdate`: checks every field and value first, then one `UPDATE ... CASE WHEN pk = ...` per
 * batch (per-row updates where the engine has no bulk form), all in one transaction.
 */
export async function bulkUpdate(qs: QuerySet<unknown>, objects: readonly unknown[], fieldNames: readonly string[], options: { batchSize?: number }): Promise<number> {
  const meta = qs.meta
  if (!Array.isArray(objects)) throw new TypeMismatchError(`bulkUpdate() expects an array of objects, got ${describe(objects)}`, { model: meta.name })
  if (!Array.isArray(fieldNames)) throw new TypeMismatchError(`bulkUpdate() expects an array of field names, got ${describe(fieldNames)}`, { model: meta.name })
  if (typeof options !== 'object' || options === null) throw new TypeMismatchError(`bulkUpdate() options must be an object, got ${describe(options)}`, { model: meta.name })
  const { batchSize } = options
  if (batchSize !== undefined && (!Number.isSafeInteger(batchSize) || batchSize < 1))
    throw new TypeMismatchError('bulkUpdate() batchSize must be a positive integer', { model: meta.name })
  if (fieldNames.length === 0) throw new TypeMismatchError('Field names must be given to bulkUpdate().', { model: meta.name })
  const fields: Field[] = []
  for (const name of fieldNames) {
    if (typeof name !== 'string') throw new TypeMismatchError(`bulkUpdate() takes field names, got ${describe(name)}`, { model: meta.name })
    const field = meta.getField(name)
    if (!field.concrete) throw new FieldError(`bulkUpdate() can only be used with concrete fields: ${meta.name}.${name} is not one.`, { model: meta.name, field: name })
    if (field.primaryKey) throw new FieldError('bulkUpdate() cannot be used with primary key fields.', { model: meta.name, field: name })
    if (!fields.includes(field)) fields.push(field)
  }
  classFor(meta)
  const Cls = meta.cls as unknown as abstract new () => object
  const rows = objects.map((o) => {
    if (!(o instanceof Cls)) throw new TypeMismatchError(`bulkUpdate() on ${meta.name} takes ${meta.name} instances, got ${describe(o)}`, { model: meta.name })
    const inst = o as Row
    if (inst.pk === null || inst.pk === undefined) throw new TypeMismatchError('All bulkUpdate() objects must have a primary key set.', { model: meta.name })
    checkRelated(inst, meta)
    const values = fields.map((f) => {
      const v = inst[f.attname]
      if (isExpression(v)) throw new TypeMismatchError(`bulkUpdate(): ${meta.name}.${f.name} holds an expression; use update() for expressions`, { model: meta.name, field: f.name })
      return cleanForWrite(meta, f, v)
    })
    return { pk: inst.pk, values }
  })
  if (rows.length === 0) return 0
  const engine = getEngine(qs.state.using ?? 'default')
  const base = qs.sql().parameters.length
  // Per row: the key in the IN list, and a key and a value in each field's CASE.
  const perRow = 2 * fields.length + 1
  const fit = Math.max(1, Math.floor(((engine.maxQueryParams ?? 999) - base) / perRow))
  const size = Math.min(batchSize ?? fit, fit)
  const batches = chunks(rows, size)
  return engine.atomic(async () => {
    let total = 0
    for (const batch of batches) {
      const state = qs.filter({ pk__in: batch.map((r) => r.pk) } as never).state
      if (engine.bulkUpdate) {
        total += await engine.bulkUpdate(state, fields, batch)
        continue
      }
      for (const r of batch) {
        const one = qs.filter({ pk: r.pk } as never).state
        total += await engine.update(one, fields.map((f, i) => ({ column: f.column, attname: f.attname, value: r.values[i] })))
      }
    }
    return total
  })
}

