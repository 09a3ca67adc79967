import { FieldError, FieldNotLoaded, TypeMismatchError } from './errors.js'
import { describe, type Field } from './fields/field.js'
import { ForeignKey, ManyToManyField } from './fields/relation.js'
import type { ModelMeta } from './meta.js'
import { type ModelBase, STATE, type SaveOptions } from './model.js'
import type { DeferredLoading, QueryState, RelatedSelection } from './state.js'

// only() and defer(): which columns a query loads. The names given (paths through single-valued
// relations included, `'author__name'`) become a mask per model of the query: the root and each
// relation selectRelated() follows. Reading a column that was not loaded throws FieldNotLoaded
// (Django's fetch mode RAISE): Strata never queries behind your back.

/** The columns loaded for one model of a query, and the masks of the relations below it. */
export interface LoadMask {
  /** Attribute names loaded (the primary key always is); null: every column. */
  readonly fields: ReadonlySet<string> | null
  readonly children: ReadonlyMap<string, LoadMask>
  /** Reverse one-to-one names the mask allows to traverse (`only('biography')`) or forbids (`defer('biography')`). */
  readonly reverse: ReadonlySet<string>
}

interface MaskNode {
  named: Set<string>
  reverse: Set<string>
  children: Map<string, { meta: ModelMeta; node: MaskNode }>
}

function newNode(): MaskNode {
  return { named: new Set(), reverse: new Set(), children: new Map() }
}

/** Checks `names` (only()/defer() arguments) against the model and resolves them into a tree of named attributes. */
function nameTree(meta: ModelMeta, names: readonly string[], method: 'only' | 'defer'): MaskNode {
  const root = newNode()
  for (const name of names) {
    const parts = name.split('__')
    if (parts.some((p) => p === '')) throw new FieldError(`${method}(): invalid field name ${JSON.stringify(name)} on ${meta.name}`, { model: meta.name })
    let node = root
    let current = meta
    parts.forEach((part, i) => {
      current.resolve()
      const last = i === parts.length - 1
      const field = current.field(part)
      if (field) {
        if (field instanceof ManyToManyField)
          throw new FieldError(`${method}(): ${current.name}.${part} is a many-to-many relation: it has no column to load or defer`, { model: current.name, field: part })
        if (last) {
          node.named.add(field.attname)
          return
        }
        if (!(field instanceof ForeignKey) || field.attname === part)
          throw new FieldError(`${method}(): ${current.name}.${part} is not a relation, so '${name}' cannot go through it`, { model: current.name, field: part })
        // Going through a relation loads its key with only(); with defer() it stays loaded.
        if (method === 'only') node.named.add(field.attname)
        const child = node.children.get(field.name) ?? { meta: field.target, node: newNode() }
        node.children.set(field.name, child)
        node = child.node
        current = field.target
        return
      }
      const rev = current.reverseRelations().find((r) => r.accessor === part || r.queryName === part)
      if (rev && !rev.multiple && rev.accessor) {
        node.reverse.add(rev.accessor)
        if (last) return
        const child = node.children.get(rev.accessor) ?? { meta: rev.model, node: newNode() }
        node.children.set(rev.accessor, child)
        node = child.node
        current = rev.model
        return
      }
      if (rev) throw new FieldError(`${method}(): ${current.name}.${part} is a multi-valued relation: it has no column to load or defer`, { model: current.name, field: part })
      current.getField(part)
    })
  }
  return root
}

function toMask(meta: ModelMeta, node: MaskNode, only: boolean, mentioned: boolean): LoadMask {
  const children = new Map<string, LoadMask>()
  for (const [name, child] of node.children) children.set(name, toMask(child.meta, child.node, only, child.node.named.size > 0))
  let fields: Set<string> | null = null
  if (only && mentioned) {
    fields = new Set([meta.pk.attname, ...node.named])
  } else if (!only && node.named.size > 0) {
    fields = new Set(meta.concreteFields.map((f) => f.attname).filter((a) => a === meta.pk.attname || !node.named.has(a)))
  }
  return { fields, children, reverse: node.reverse }
}

/** The loading mask of a query's root model (null when every column is loaded). */
export function loadMask(meta: ModelMeta, loading: DeferredLoading | null | undefined): LoadMask | null {
  // only() without names (or with only names deferred before) loads everything, as in Django.
  if (!loading || loading.names.length === 0) return null
  return toMask(meta, nameTree(meta, loading.names, loading.only ? 'only' : 'defer'), loading.only, true)
}

/** The concrete fields a mask loads, in declaration order. */
export function maskedFields(meta: ModelMeta, mask: LoadMask | null | undefined): readonly Field[] {
  const fields = mask?.fields
  return fields ? meta.concreteFields.filter((f) => fields.has(f.attname)) : meta.concreteFields
}

/** The mask of a relation below `mask`, with the key back to the parent kept for a reverse one-to-one. */
export function childMask(mask: LoadMask | null | undefined, node: RelatedSelection): LoadMask | null {
  const child = mask?.children.get(node.name) ?? null
  if (!child?.fields || node.hop.kind !== 'reverse') return child
  return { ...child, fields: new Set([...child.fields, node.hop.field.attname]) }
}

/**
 * Refuses a relation that `selectRelated()` follows while `only()`/`defer()` leaves its key out
 * (Django: "cannot be both deferred and traversed using select_related at the same time").
 */
export function checkLoading(state: QueryState): void {
  if (!state.loading) return
  const mask = loadMask(state.meta, state.loading)
  const walk = (meta: ModelMeta, m: LoadMask | null, nodes: readonly RelatedSelection[]) => {
    for (const n of nodes) {
      const blocked =
        n.hop.kind === 'forward'
          ? m !== null && m.fields !== null && !m.fields.has(n.hop.field.attname)
          : m !== null && (state.loading!.only ? m.fields !== null && !m.reverse.has(n.name) : m.reverse.has(n.name) && !m.children.get(n.name)?.fields)
      if (blocked)
        throw new FieldError(`Field ${meta.name}.${n.name} cannot be both deferred and traversed using selectRelated at the same time.`, { model: meta.name, field: n.name })
      walk(n.hop.to, childMask(m, n), n.children)
    }
  }
  walk(state.meta, mask, state.related ?? [])
}

/**
 * The loading after `only(...names)` or `defer(...names)` on top of `current`, with Django's rules:
 * `defer` adds to a deferred set and removes from an `only` set; `only` replaces an `only` set and
 * drops names already deferred. Names are checked at once (`FieldError`).
 */
export function nextLoading(meta: ModelMeta, current: DeferredLoading | null | undefined, names: readonly unknown[], only: boolean): DeferredLoading | null {
  const method = only ? 'only' : 'defer'
  for (const n of names) if (typeof n !== 'string') throw new TypeMismatchError(`${method}() takes field names${only ? '' : ' (or null to clear)'}, got ${describe(n)}`, { model: meta.name })
  const given = [...new Set(names as string[])].map((n) => (n === 'pk' ? meta.pk.name : n))
  nameTree(meta, given, method)
  if (only) {
    const deferred = current && !current.only ? new Set(current.names) : new Set<string>()
    return { names: given.filter((n) => !deferred.has(n)), only: true }
  }
  if (given.length === 0) return current ?? null
  if (!current) return { names: given, only: false }
  if (!current.only) return { names: [...new Set([...current.names, ...given])], only: false }
  const left = current.names.filter((n) => !given.includes(n))
  if (left.length) return { names: left, only: true }
  const rest = given.filter((n) => !current.names.includes(n))
  return rest.length ? { names: rest, only: false } : null
}

/** Marks columns of `instance` as not loaded: reading one throws `FieldNotLoaded`, assigning one loads it. */
export function deferAttributes(instance: object, meta: ModelMeta, attnames: readonly string[]): void {
  if (attnames.length === 0) return
  const st = (instance as ModelBase)[STATE]
  const deferred = st.deferred ?? new Set<string>()
  st.deferred = deferred
  for (const attname of attnames) {
    deferred.add(attname)
    const field = meta.concreteFields.find((f) => f.attname === attname)
    const name = field?.name ?? attname
    Object.defineProperty(instance, attname, {
      configurable: true,
      enumerable: false,
      get() {
        throw new FieldNotLoaded(
          `${meta.name}.${name} was deferred (only()/defer()) and is not loaded. Load it with await instance.refreshFromDb({ fields: ['${name}'] }), or leave it out of defer()/only().`,
          { model: meta.name, field: name },
        )
      },
      set(value: unknown) {
        loadAttribute(instance, attname, value)
      },
    })
  }
}

/** Sets a column value on `instance`, making it loaded if it was deferred. */
export function loadAttribute(instance: object, attname: string, value: unknown): void {
  const st = (instance as ModelBase)[STATE]
  if (st.deferred?.has(attname)) {
    st.deferred.delete(attname)
    Object.defineProperty(instance, attname, { value, writable: true, enumerable: true, configurable: true })
  } else {
    ;(instance as Record<string, unknown>)[attname] = value
  }
}

/** The attribute names of the columns `instance` did not load (Django's `get_deferred_fields()`). */
export function deferredAttributes(instance: object): Set<string> {
  return new Set((instance as ModelBase)[STATE]?.deferred ?? [])
}

/**
 * Django's rule for saving an instance with deferred columns to its own database: only the loaded
 * columns are written (an UPDATE of those fields), so the deferred ones keep their stored values.
 */
export function saveOptionsFor(instance: object, meta: ModelMeta, options: SaveOptions): SaveOptions {
  const st = (instance as ModelBase)[STATE]
  if (!st.deferred?.size || options.updateFields || options.forceInsert || (options.using !== undefined && options.using !== st.db)) return options
  const loaded = meta.concreteFields.filter((f) => !f.primaryKey && !st.deferred!.has(f.attname)).map((f) => f.name)
  return loaded.length ? { ...options, updateFields: loaded } : options
}
