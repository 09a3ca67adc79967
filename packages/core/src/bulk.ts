import { batchSizeFor, paramLimit } from './batching.js'
import { type BulkUpdateRow, type Engine, getEngine, type UpdateConflicts } from './engine.js'
import { FieldError, NotSupportedError, TypeMismatchError } from './errors.js'
import { isExpression } from './expressions.js'
import { describe, type Field } from './fields/field.js'
import { ManyToManyField } from './fields/relation.js'
import { DateTimeField } from './fields/scalar.js'
import type { ModelMeta } from './meta.js'
import { classFor, STATE } from './model.js'
import { checkRelated, cleanForWrite, type Row, stampDates } from './persistence.js'
import type { QuerySet } from './queryset.js'
import { resolveExpression } from './resolve.js'
import type { ResolvedExpr, WhereNode } from './state.js'

/**
 * The options of `bulkCreate()`, over the model's field names `N`. `batchSize` caps the rows per
 * INSERT; batches are also kept under the database's parameter (and packet) limits.
 */
export interface BulkCreateOptions<N extends string = string> {
  readonly batchSize?: number
  readonly ignoreConflicts?: boolean
  readonly updateConflicts?: boolean
  readonly uniqueFields?: readonly (N | 'pk')[]
  readonly updateFields?: readonly N[]
}

/** A generous estimate of the bytes a value takes inline in SQL text (quoted, escaped, UTF-8). */
function inlineBytes(value: unknown): number {
  if (value === null || value === undefined) return 4
  if (typeof value === 'string') return 3 * value.length + 2
  if (value instanceof Uint8Array) return 2 * value.byteLength + 3
  if (value instanceof Date) return 32
  if (typeof value === 'object') return 3 * JSON.stringify(value).length + 2
  return 24
}

/** Splits `rows` into batches of at most `size` rows and, where `maxBytes` is set, about that many bytes of values. */
function batches<T extends Record<string, unknown>>(rows: readonly T[], size: number, maxBytes: number | undefined): T[][] {
  const out: T[][] = []
  let batch: T[] = []
  let bytes = 0
  // Room for the statement around the values.
  const budget = maxBytes === undefined ? Number.POSITIVE_INFINITY : Math.max(1024, maxBytes - 64 * 1024)
  for (const row of rows) {
    let rowBytes = 4
    if (maxBytes !== undefined) for (const v of Object.values(row)) rowBytes += inlineBytes(v) + 2
    if (batch.length > 0 && (batch.length >= size || bytes + rowBytes > budget)) {
      out.push(batch)
      batch = []
      bytes = 0
    }
    batch.push(row)
    bytes += rowBytes
  }
  if (batch.length) out.push(batch)
  return out
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
  const { batchSize } = options
  if (batchSize !== undefined && (!Number.isSafeInteger(batchSize) || batchSize < 1))
    throw new TypeMismatchError(`bulkCreate() batchSize must be a positive integer, got ${describe(batchSize)}`, { model: meta.name })
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
  const fields = meta.concreteFields
  // Only models with autoNow/autoNowAdd datetimes have something to stamp.
  const stamps = fields.some((f) => f instanceof DateTimeField && (f.options.autoNow || f.options.autoNowAdd))
  const rows = instances.map((inst) => {
    checkRelated(inst, meta)
    if (stamps) stampDates(inst, meta, true)
    const row: Record<string, unknown> = {}
    for (const f of fields) {
      const v = inst[f.attname]
      if (f.dbGenerated && (v === null || v === undefined)) continue
      row[f.attname] = cleanForWrite(meta, f, v)
    }
    return row
  })
  // Each row binds one parameter per column; rows without a generated key bind all of them.
  const size = batchSizeFor(engine, fields.length, 0, batchSize)
  const parts = batches(rows, size, engine.maxQueryBytes)
  // One INSERT is atomic by itself; several run in a transaction, without a savepoint when nested (as Django).
  const atomically = (fn: () => Promise<void>) => (parts.length === 1 ? fn() : engine.atomic(fn, { savepoint: false }))
  await atomically(async () => {
    let i = 0
    for (const batch of parts) {
      const pks = await engine.insert(meta, batch, { ignoreConflicts: options.ignoreConflicts, updateConflicts })
      const start = i
      i += batch.length
      batch.forEach((_, j) => {
        const inst = instances[start + j]!
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

/** Refuses what an UPDATE cannot use (Django's rules): joined references, aggregates, outer references. */
function checkUpdateExpr(meta: ModelMeta, field: Field, e: ResolvedExpr): void {
  const fail = (what: string) => {
    throw new FieldError(`bulkUpdate(): ${meta.name}.${field.name}: ${what}`, { model: meta.name, field: field.name })
  }
  const where = (w: WhereNode): void => {
    if (w.type === 'tree') {
      for (const c of w.children) where(c)
      return
    }
    if (w.path.hops.length > 0) fail('Joined field references are not permitted in this query')
    if (w.path.expr) checkUpdateExpr(meta, field, w.path.expr)
    if (w.isExpr) checkUpdateExpr(meta, field, w.value as ResolvedExpr)
  }
  switch (e.type) {
    case 'col':
      if (e.path.hops.length > 0) fail('Joined field references are not permitted in this query')
      if (e.path.annotation) fail('annotations cannot be referenced in this query')
      return
    case 'outer':
      fail('OuterRef() only makes sense inside a subquery')
      return
    case 'agg':
      fail('Aggregate functions are not allowed in this query')
      return
    case 'op':
      checkUpdateExpr(meta, field, e.lhs)
      checkUpdateExpr(meta, field, e.rhs)
      return
    case 'func':
      for (const a of e.args) checkUpdateExpr(meta, field, a)
      return
    case 'case':
      for (const w of e.whens) {
        where(w.when)
        checkUpdateExpr(meta, field, w.then)
      }
      if (e.otherwise) checkUpdateExpr(meta, field, e.otherwise)
      return
    default:
      return
  }
}

/** How many parameters an expression binds (generously: a dialect may bind a few more for a function). */
function paramsOf(engine: Engine, e: ResolvedExpr): number {
  const where = (w: WhereNode): number => {
    if (w.type === 'tree') return w.children.reduce((n, c) => n + where(c), 0)
    const value = w.isExpr ? paramsOf(engine, w.value as ResolvedExpr) : Array.isArray(w.value) ? w.value.length : 1
    return value + (w.path.expr ? paramsOf(engine, w.path.expr) : 0) + 1
  }
  switch (e.type) {
    case 'value':
      return 1
    case 'op':
      return paramsOf(engine, e.lhs) + paramsOf(engine, e.rhs)
    case 'func':
      return e.args.reduce((n, a) => n + paramsOf(engine, a), 2)
    case 'case':
      return e.whens.reduce((n, w) => n + where(w.when) + paramsOf(engine, w.then), e.otherwise ? paramsOf(engine, e.otherwise) : 0) + 2
    case 'subquery':
      return engine.compile(e.state).parameters.length
    default:
      return 0
  }
}

/**
 * Rows per `bulkUpdate()` statement when no `batchSize` is given: each field's CASE has one branch
 * per row and is evaluated for every row updated, so a statement's cost grows with the square of
 * its rows (21,000 rows took PostgreSQL over 20 s, 1,000-row batches a fraction of it).
 */
export const BULK_UPDATE_DEFAULT_ROWS = 1000

/**
 * `bulkUpdate`: checks every field and value first, then one `UPDATE ... CASE WHEN pk = ...` per
 * batch (per-row updates where the engine has no bulk form), all in one transaction. An attribute
 * may hold an expression (`obj.n = F('n').add(1)`), resolved against the model without joins.
 * Batches hold as many objects as the parameter limit allows, at most `batchSize` (default 1000).
 */
export async function bulkUpdate(qs: QuerySet<unknown>, objects: readonly unknown[], fieldNames: readonly string[], options: { batchSize?: number }): Promise<number> {
  const meta = qs.meta
  if (!Array.isArray(objects)) throw new TypeMismatchError(`bulkUpdate() expects an array of objects, got ${describe(objects)}`, { model: meta.name })
  if (!Array.isArray(fieldNames)) throw new TypeMismatchError(`bulkUpdate() expects an array of field names, got ${describe(fieldNames)}`, { model: meta.name })
  if (typeof options !== 'object' || options === null) throw new TypeMismatchError(`bulkUpdate() options must be an object, got ${describe(options)}`, { model: meta.name })
  const { batchSize } = options
  if (batchSize !== undefined && (!Number.isSafeInteger(batchSize) || batchSize < 1))
    throw new TypeMismatchError(`bulkUpdate() batchSize must be a positive integer, got ${describe(batchSize)}`, { model: meta.name })
  if (fieldNames.length === 0) throw new TypeMismatchError('Field names must be given to bulkUpdate().', { model: meta.name })
  const fields: Field[] = []
  for (const name of fieldNames) {
    if (typeof name !== 'string') throw new TypeMismatchError(`bulkUpdate() takes field names, got ${describe(name)}`, { model: meta.name })
    const field = meta.getField(name)
    if (!field.concrete || field instanceof ManyToManyField)
      throw new FieldError(`bulkUpdate() can only be used with concrete fields: ${meta.name}.${name} is not one.`, { model: meta.name, field: name })
    if (field.primaryKey) throw new FieldError('bulkUpdate() cannot be used with primary key fields.', { model: meta.name, field: name })
    if (!fields.includes(field)) fields.push(field)
  }
  classFor(meta)
  const engine = getEngine(qs.state.using ?? 'default')
  const Cls = meta.cls as unknown as abstract new () => object
  const ctx = { annotations: new Map<string, ResolvedExpr>(), call: 0 }
  // Per row: its key in the IN list, then per field a key in the CASE and the value's parameters.
  const sizes: number[] = []
  const rows: BulkUpdateRow[] = objects.map((o) => {
    if (!(o instanceof Cls)) throw new TypeMismatchError(`bulkUpdate() on ${meta.name} takes ${meta.name} instances, got ${describe(o)}`, { model: meta.name })
    const inst = o as Row
    if (inst.pk === null || inst.pk === undefined) throw new TypeMismatchError('All bulkUpdate() objects must have a primary key set.', { model: meta.name })
    checkRelated(inst, meta)
    let params = 1
    let exprs: (ResolvedExpr | undefined)[] | undefined
    const values = fields.map((f, i) => {
      const v = inst[f.attname]
      if (isExpression(v)) {
        const expr = resolveExpression(meta, v, ctx)
        checkUpdateExpr(meta, f, expr)
        exprs ??= new Array<ResolvedExpr | undefined>(fields.length).fill(undefined)
        exprs[i] = expr
        params += 1 + paramsOf(engine, expr)
        return null
      }
      params += 2
      return cleanForWrite(meta, f, v)
    })
    sizes.push(params)
    return exprs ? { pk: inst.pk, values, exprs } : { pk: inst.pk, values }
  })
  if (rows.length === 0) return 0
  const budget = Math.max(1, paramLimit(engine) - qs.sql().parameters.length)
  const parts: BulkUpdateRow[][] = []
  let batch: BulkUpdateRow[] = []
  let used = 0
  rows.forEach((row, i) => {
    const n = sizes[i]!
    if (batch.length > 0 && (used + n > budget || batch.length >= (batchSize ?? BULK_UPDATE_DEFAULT_ROWS))) {
      parts.push(batch)
      batch = []
      used = 0
    }
    batch.push(row)
    used += n
  })
  parts.push(batch)
  return engine.atomic(async () => {
    let total = 0
    for (const part of parts) {
      const state = qs.filter({ pk__in: part.map((r) => r.pk) } as never).state
      if (engine.bulkUpdate) {
        total += await engine.bulkUpdate(state, fields, part)
        continue
      }
      for (const r of part) {
        const one = qs.filter({ pk: r.pk } as never).state
        total += await engine.update(one, fields.map((f, i) => ({ column: f.column, attname: f.attname, value: r.values[i], expr: r.exprs?.[i] })))
      }
    }
    return total
  })
}
