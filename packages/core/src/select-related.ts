import { FieldError, TypeMismatchError } from './errors.js'
import { describe } from './fields/field.js'
import { ForeignKey } from './fields/relation.js'
import type { ModelMeta, ReverseRelation } from './meta.js'
import type { Hop, RelatedSelection } from './state.js'

/** How deep `selectRelated()` without arguments follows non-null foreign keys (Django's `max_depth`). */
export const SELECT_RELATED_MAX_DEPTH = 5

/** A single-valued relation that `selectRelated()` can follow from a model. */
interface Candidate {
  readonly name: string
  readonly hop: Hop
  /** Whether the related row may be missing. */
  readonly optional: boolean
}

/** The reverse one-to-one relations of `meta` that have an accessor. */
function reverseOneToOnes(meta: ModelMeta): ReverseRelation[] {
  return meta.reverseRelations().filter((r) => !r.multiple && r.accessor !== null && r.field instanceof ForeignKey)
}

/** The relations `selectRelated()` accepts on `meta`: forward foreign keys and one-to-ones, reverse one-to-ones. */
function candidates(meta: ModelMeta): Candidate[] {
  meta.resolve()
  const out: Candidate[] = []
  for (const field of meta.fields) {
    if (!(field instanceof ForeignKey)) continue
    out.push({ name: field.name, hop: { kind: 'forward', from: meta, to: field.target, field, multi: false }, optional: field.nullable })
  }
  for (const rel of reverseOneToOnes(meta)) {
    out.push({ name: rel.accessor!, hop: { kind: 'reverse', from: meta, to: rel.model, field: rel.field, multi: false }, optional: true })
  }
  return out
}

function choicesOf(meta: ModelMeta): string {
  return candidates(meta).map((c) => c.name).join(', ') || '(none)'
}

/** Finds the relation `name` (an attribute name; a reverse one-to-one also by its query name) on `meta`, or throws Django's errors. */
function candidate(meta: ModelMeta, name: string, path: string): Candidate {
  const all = candidates(meta)
  const found = all.find((c) => c.name === name) ?? reverseOneToOnes(meta).filter((r) => r.queryName === name).map((r) => all.find((c) => c.name === r.accessor)!)[0]
  if (found) return found
  const field = meta.field(name)
  if (field && field.name === name && !field.isRelation)
    throw new FieldError(`Non-relational field given in selectRelated: '${name}'. Choices are: ${choicesOf(meta)}`, { model: meta.name, field: name })
  const multi = (field && field.name === name && field.isRelation) || meta.reverseRelations().some((r) => r.multiple && (r.accessor === name || r.queryName === name))
  throw new FieldError(
    `Invalid field name(s) given in selectRelated: '${name}'${path !== name ? ` (in '${path}')` : ''}. Choices are: ${choicesOf(meta)}${multi ? `. '${name}' is multi-valued: use prefetchRelated('${name}')` : ''}`,
    { model: meta.name, field: name },
  )
}

interface MutableNode {
  name: string
  hop: Hop
  nullable: boolean
  children: MutableNode[]
}

function thaw(nodes: readonly RelatedSelection[]): MutableNode[] {
  return nodes.map((n) => ({ name: n.name, hop: n.hop, nullable: n.nullable, children: thaw(n.children) }))
}

/**
 * Adds `paths` (`'post'`, `'post__author'`) to the tree of relations `selectRelated()` follows,
 * checking each name against the models: unknown, non-relational and multi-valued names are a
 * `FieldError` listing the choices, as Django's "Invalid field name(s) given in select_related".
 */
export function addSelectRelated(meta: ModelMeta, existing: readonly RelatedSelection[], paths: readonly unknown[]): RelatedSelection[] {
  // The tree of the same names on a fresh QuerySet is the same until the models resolve again (meta.memo).
  let key: string | undefined
  if (existing.length === 0 && paths.every((p) => typeof p === 'string')) {
    meta.resolve()
    key = `selectRelated\u0000${paths.join('\u0000')}`
    const known = meta.memo.get(key)
    if (known !== undefined) return known as RelatedSelection[]
  }
  const roots = thaw(existing)
  for (const path of paths) {
    if (typeof path !== 'string') throw new TypeMismatchError(`selectRelated() takes relation names (or null to clear), got ${describe(path)}`, { model: meta.name })
    const parts = path.split('__')
    if (parts.some((p) => p === '')) throw new FieldError(`Invalid field name(s) given in selectRelated: '${path}'. Choices are: ${choicesOf(meta)}`, { model: meta.name })
    let level = roots
    let current = meta
    let nullable = false
    for (const part of parts) {
      const c = candidate(current, part, path)
      nullable = nullable || c.optional
      let node = level.find((n) => n.name === c.name)
      if (!node) {
        node = { name: c.name, hop: c.hop, nullable, children: [] }
        level.push(node)
      }
      level = node.children
      current = c.hop.to
    }
  }
  if (key !== undefined) meta.memo.set(key, Object.freeze(roots))
  return roots
}

/** The tree `selectRelated()` without arguments follows: every non-null foreign key, recursively, to a fixed depth. */
export function allNonNullRelated(meta: ModelMeta, depth = SELECT_RELATED_MAX_DEPTH): RelatedSelection[] {
  if (depth <= 0) return []
  meta.resolve()
  const out: RelatedSelection[] = []
  for (const field of meta.fields) {
    if (!(field instanceof ForeignKey) || field.nullable) continue
    out.push({
      name: field.name,
      hop: { kind: 'forward', from: meta, to: field.target, field, multi: false },
      nullable: false,
      children: allNonNullRelated(field.target, depth - 1),
    })
  }
  return out
}

/** The paths of a tree (`['post', 'post__author']`), for messages and tests. */
export function relatedPaths(nodes: readonly RelatedSelection[], prefix = ''): string[] {
  return nodes.flatMap((n) => [`${prefix}${n.name}`, ...relatedPaths(n.children, `${prefix}${n.name}__`)])
}
