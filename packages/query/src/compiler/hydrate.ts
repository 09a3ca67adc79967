import { cacheAbsentRelation, cacheRelation, deferAttributes, instantiate, type ModelBase, type ModelMeta, type RelatedSelection, type ResultKind } from '@strata/core'
import type { DialectOperations } from '../dialect.js'
import type { OutputColumn } from './select.js'

/** How the columns of one model of a row become an instance: which columns, which fields were not loaded. */
interface InstancePlan {
  readonly meta: ModelMeta
  readonly indexes: number[]
  /** Attribute names of the model's columns the query left out (`only()`/`defer()`). */
  readonly deferred: string[]
  readonly node?: RelatedSelection
  /** The index of the primary key column (a null key means no related row). */
  pkIndex: number
  /** The name under which a related instance caches its parent: the other side of a one-to-one; null otherwise. */
  backName: string | null
  readonly children: InstancePlan[]
}

/** Where a related instance caches its parent: the field of a reverse one-to-one, the accessor of a forward one. */
function backNameOf(node: RelatedSelection): string | null {
  if (node.hop.kind === 'reverse') return node.hop.field.name
  const field = node.hop.field
  return field.kind === 'oneToOne' && field.relatedAccessor ? field.relatedAccessor : null
}

/** Groups the columns by the model they belong to: the query's own, then each relation `selectRelated()` follows. */
function planInstances(meta: ModelMeta, columns: readonly OutputColumn[]): InstancePlan {
  const plans = new Map<RelatedSelection | undefined, InstancePlan>()
  const planFor = (m: ModelMeta, node: RelatedSelection | undefined): InstancePlan => {
    let p = plans.get(node)
    if (!p) {
      p = { meta: m, indexes: [], deferred: [], pkIndex: -1, backName: node ? backNameOf(node) : null, children: [], ...(node ? { node } : {}) }
      plans.set(node, p)
    }
    return p
  }
  const root = planFor(meta, undefined)
  columns.forEach((c, i) => {
    const p = c.node ? planFor(c.node.hop.to, c.node) : root
    p.indexes.push(i)
    if (c.field === p.meta.pk && c.key === p.meta.pk.attname) p.pkIndex = i
  })
  const link = (parent: InstancePlan, nodes: readonly RelatedSelection[]) => {
    for (const n of nodes) {
      const p = plans.get(n)
      if (!p) continue
      parent.children.push(p)
      link(p, n.children)
    }
  }
  for (const p of plans.values()) {
    const loaded = new Set(p.indexes.map((i) => columns[i]!.key))
    p.deferred.push(...p.meta.concreteFields.filter((f) => !loaded.has(f.attname)).map((f) => f.attname))
  }
  const top = [...plans.keys()].filter((n): n is RelatedSelection => n !== undefined)
  link(root, top.filter((n) => !top.some((other) => other.children.includes(n))))
  return root
}

/** Turns one driver row (an object by column alias, or an array in column order) into an instance or a plain row. */
export type Hydrator = (row: Record<string, unknown>) => unknown

/** Converts a non-null value the driver returned (null and undefined are read as null before). */
type Reader = (value: unknown) => unknown

/** The conversion of each column, chosen once per query by its field (the dialect's `fromDriverFor`). */
function readersOf(columns: readonly OutputColumn[], ops: DialectOperations): Reader[] {
  return columns.map((c) => {
    const field = c.field
    return ops.fromDriverFor ? ops.fromDriverFor(field) : (value: unknown) => ops.fromDriver(field, value)
  })
}

/** Turns driver rows into instances or plain rows, converting each value by its field; `arrays` when rows come as arrays. */
export function makeHydrator(
  meta: ModelMeta,
  columns: readonly OutputColumn[],
  result: ResultKind,
  ops: DialectOperations,
  alias: string,
  arrays = false,
): Hydrator {
  const n = columns.length
  // Rows as arrays are read by position: the same code, with indexes for property names.
  const aliases: (string | number)[] = arrays ? columns.map((_, i) => i) : columns.map((c) => c.alias)
  const keys = columns.map((c) => c.key)
  const readers = readersOf(columns, ops)
  const convert = (row: Record<string, unknown>, i: number): unknown => {
    const v = row[aliases[i]!]
    return v === null || v === undefined ? null : readers[i]!(v)
  }
  const build = (p: InstancePlan, row: Record<string, unknown>): ModelBase => {
    const obj = instantiate(p.meta, alias)
    const target = obj as unknown as Record<string, unknown>
    const indexes = p.indexes
    for (let j = 0; j < indexes.length; j++) {
      const i = indexes[j]!
      const v = row[aliases[i]!]
      target[keys[i]!] = v === null || v === undefined ? null : readers[i]!(v)
    }
    if (p.deferred.length) deferAttributes(obj, p.meta, p.deferred)
    for (let c = 0; c < p.children.length; c++) attach(obj, p.children[c]!, row)
    return obj
  }
  // A related row, or null when the LEFT JOIN found none; both sides of a one-to-one know each other.
  const attach = (parent: ModelBase, p: InstancePlan, row: Record<string, unknown>) => {
    const node = p.node!
    const key = row[aliases[p.pkIndex]!]
    if (key === null || key === undefined) {
      // A key that is set but finds no row (a foreign key without a constraint): loaded as missing,
      // as Django caches None (null for a nullable key, DoesNotExist for another when read).
      const set = node.hop.kind === 'forward' ? (parent as unknown as Record<string, unknown>)[(node.hop.field as { attname: string }).attname] : undefined
      if (set === null || set === undefined) cacheRelation(parent, node.name, null)
      else cacheAbsentRelation(parent, node.name, set)
      return
    }
    const obj = build(p, row)
    cacheRelation(parent, node.name, obj)
    if (p.backName !== null) cacheRelation(obj, p.backName, parent)
  }
  switch (result) {
    case 'instances': {
      const plan = planInstances(meta, columns)
      // The common case, per row: one object, each column converted and written into it.
      if (plan.children.length === 0 && plan.deferred.length === 0)
        return (row) => {
          const obj = instantiate(meta, alias) as unknown as Record<string, unknown>
          for (let i = 0; i < n; i++) {
            const v = row[aliases[i]!]
            obj[keys[i]!] = v === null || v === undefined ? null : readers[i]!(v)
          }
          return obj
        }
      return (row) => build(plan, row)
    }
    case 'dicts':
    case 'named':
      return (row) => {
        const values: Record<string, unknown> = {}
        for (let i = 0; i < n; i++) values[keys[i]!] = convert(row, i)
        return values
      }
    case 'tuples':
      return (row) => {
        const values: unknown[] = new Array(n)
        for (let i = 0; i < n; i++) values[i] = convert(row, i)
        return values
      }
    case 'flat':
      return (row) => convert(row, 0)
  }
}
