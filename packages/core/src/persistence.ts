import { getEngine, type Assignment, type UpdateConflicts } from './engine.js'
import { DataError, FieldError, IntegrityError, NotSupportedError, ObjectDoesNotExist, ProtectedError, RestrictedError, TypeMismatchError, DatabaseError } from './errors.js'
import { isExpression } from './expressions.js'
import { describe, type Field } from './fields/field.js'
import { ForeignKey, ManyToManyField } from './fields/relation.js'
import { CharField, DateTimeField, DecimalField } from './fields/scalar.js'
import type { ModelMeta } from './meta.js'
import { classFor, type DeleteResult, type ModelBase, STATE, type SaveOptions } from './model.js'
import { initialState, QuerySet } from './queryset.js'
import { resolveExpression, type ResolveContext } from './resolve.js'
import type { QueryState, ResolvedExpr } from './state.js'

type Row = ModelBase & Record<string, unknown>

function metaOf(inst: ModelBase): ModelMeta {
  return (inst.constructor as unknown as { meta: ModelMeta }).meta
}

function querySet(meta: ModelMeta, using?: string): QuerySet<unknown> {
  classFor(meta)
  return new QuerySet<unknown>({ ...initialState(meta), using })
}

/** Cleans one value for writing; wraps type errors with the model and field. */
function cleanForWrite(meta: ModelMeta, field: Field, value: unknown): unknown {
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
function checkRelated(inst: Row, meta: ModelMeta): void {
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

function stampDates(inst: Row, meta: ModelMeta, adding: boolean): string[] {
  const stamped: string[] = []
  const now = new Date()
  for (const f of meta.concreteFields) {
    if (!(f instanceof DateTimeField)) continue
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
      return
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

const CHUNK = 500

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

async function pksOf(meta: ModelMeta, using: string | undefined, lookup: Record<string, unknown>): Promise<unknown[]> {
  return (await querySet(meta, using).filter(lookup as never).valuesList('pk' as never, { flat: true } as never)) as unknown[]
}

/** Deletes the rows of a query and everything `onDelete` says goes with them, atomically. */
export async function deleteQuery(state: QueryState): Promise<DeleteResult> {
  const meta = state.meta
  const engine = getEngine(state.using ?? 'default')
  meta.resolve()
  const simple = meta.reverseRelations().length === 0 && !meta.fields.some((f) => f instanceof ManyToManyField)
  if (simple && state.annotations.size === 0 && !state.distinct) {
    const n = await engine.delete(state)
    return { total: n, perModel: n ? { [meta.name]: n } : {} }
  }
  return engine.atomic(async () => {
    const rootQs = new QuerySet<unknown>({ ...state, order: [] })
    const rootPks = (await rootQs.valuesList('pk' as never, { flat: true } as never)) as unknown[]
    const plan: { meta: ModelMeta; pks: unknown[] }[] = []
    const updates: { meta: ModelMeta; field: Field; value: unknown; pks: unknown[] }[] = []
    const protectedObjs: { field: ForeignKey<unknown, boolean, boolean>; objs: unknown[] }[] = []
    const restricted: { field: ForeignKey<unknown, boolean, boolean>; meta: ModelMeta; objs: unknown[] }[] = []
    const seen = new Map<ModelMeta, Set<unknown>>()
    const throughDeletes: { meta: ModelMeta; field: string; pks: unknown[] }[] = []

    const collect = async (m: ModelMeta, pks: unknown[]): Promise<void> => {
      let set = seen.get(m)
      if (!set) seen.set(m, (set = new Set()))
      const fresh = pks.filter((p) => !set.has(p))
      if (fresh.length === 0) return
      for (const p of fresh) set.add(p)
      for (const f of m.fields) if (f instanceof ManyToManyField) throughDeletes.push({ meta: f.through, field: f.sourceField.name, pks: fresh })
      for (const rev of m.reverseRelations()) {
        if (rev.field instanceof ManyToManyField) {
          throughDeletes.push({ meta: rev.field.through, field: rev.field.targetField.name, pks: fresh })
          continue
        }
        const fk = rev.field as ForeignKey<unknown, boolean, boolean>
        for (const part of chunks(fresh)) {
          const lookup = { [`${fk.name}__in`]: part }
          switch (fk.onDelete) {
            case 'CASCADE':
              await collect(rev.model, await pksOf(rev.model, state.using, lookup))
              break
            case 'PROTECT': {
              const objs = (await querySet(rev.model, state.using).filter(lookup as never)) as unknown[]
              if (objs.length) protectedObjs.push({ field: fk, objs })
              break
            }
            case 'RESTRICT': {
              const objs = (await querySet(rev.model, state.using).filter(lookup as never)) as Row[]
              if (objs.length) restricted.push({ field: fk, meta: rev.model, objs })
              break
            }
            case 'SET_NULL':
            case 'SET_DEFAULT': {
              const pks2 = await pksOf(rev.model, state.using, lookup)
              if (pks2.length) updates.push({ meta: rev.model, field: fk, value: fk.onDelete === 'SET_NULL' ? null : fk.getDefault() ?? null, pks: pks2 })
              break
            }
            default:
              break
          }
        }
      }
      plan.push({ meta: m, pks: fresh })
    }

    await collect(meta, rootPks)
    if (protectedObjs.length) {
      const names = [...new Set(protectedObjs.map((p) => `'${p.field.modelName}.${p.field.name}'`))].join(', ')
      throw new ProtectedError(
        `Cannot delete some instances of model '${meta.name}' because they are referenced through protected foreign keys: ${names}.`,
        protectedObjs.flatMap((p) => p.objs),
        { model: meta.name },
      )
    }
    const blocking = restricted.flatMap((r) => r.objs.filter((o) => !seen.get(r.meta)?.has((o as Row).pk)).map((o) => ({ o, r })))
    if (blocking.length) {
      const names = [...new Set(blocking.map(({ r }) => `'${r.field.modelName}.${r.field.name}'`))].join(', ')
      throw new RestrictedError(
        `Cannot delete some instances of model '${meta.name}' because they are referenced through restricted foreign keys: ${names}.`,
        blocking.map(({ o }) => o),
        { model: meta.name },
      )
    }
    const perModel: Record<string, number> = {}
    let total = 0
    const count = (name: string, n: number) => {
      if (!n) return
      perModel[name] = (perModel[name] ?? 0) + n
      total += n
    }
    for (const u of updates) {
      for (const part of chunks(u.pks)) {
        const qs = querySet(u.meta, state.using).filter({ pk__in: part } as never)
        await engine.update(qs.state, [{ column: u.field.column, attname: u.field.attname, value: u.value }])
      }
    }
    for (const t of throughDeletes) {
      for (const part of chunks(t.pks)) count(t.meta.name, await engine.delete(querySet(t.meta, state.using).filter({ [`${t.field}__in`]: part } as never).state))
    }
    for (const step of referencingFirst(plan)) {
      for (const part of chunks(step.pks)) count(step.meta.name, await engine.delete(querySet(step.meta, state.using).filter({ pk__in: part } as never).state))
    }
    return { total, perModel }
  })
}

/**
 * Orders delete steps so that rows holding a foreign key go before the rows they point at: a
 * database that checks constraints at once (MySQL) refuses the other order. Stable; cycles keep their order.
 */
function referencingFirst<T extends { meta: ModelMeta }>(steps: readonly T[]): T[] {
  const pending = [...steps]
  const out: T[] = []
  const pointsAt = (from: ModelMeta, to: ModelMeta) => from !== to && from.concreteFields.some((f) => f instanceof ForeignKey && f.target === to)
  while (pending.length) {
    const i = pending.findIndex((s) => !pending.some((o) => pointsAt(o.meta, s.meta)))
    out.push(...pending.splice(Math.max(i , 0), 1))
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
