import { childMask, exprField, type Field, type LoadMask, loadMask, maskedFields, type RelatedSelection } from '@strata/core'
import { sql } from 'kysely'
import type { Fragment } from '../dialect.js'
import type { QueryCompiler } from './select.js'

/** A column of a model query before it gets its output alias. */
export interface ModelColumn {
  readonly fragment: Fragment
  readonly key: string
  readonly field: Field | undefined
  readonly node?: RelatedSelection
}

/**
 * The columns of a query that yields instances: the model's loaded columns (all, or what
 * `only()`/`defer()` leave), its shown annotations, then the loaded columns of every relation
 * `selectRelated()` follows, each joined (INNER or LEFT) from its parent's alias.
 */
export function modelColumns(c: QueryCompiler): ModelColumn[] {
  const s = c.state
  const mask = loadMask(s.meta, s.loading)
  const out: ModelColumn[] = maskedFields(s.meta, mask).map((f) => ({ fragment: sql.ref(`${c.root}.${f.column}`), key: f.attname, field: f }))
  for (const [name, e] of s.annotations) if (!s.hidden.has(name)) out.push({ fragment: c.expression(e), key: name, field: exprField(e, c.ctx) })
  if (s.related?.length) relatedColumns(c, s.related, mask, c.root, '', out)
  return out
}

function relatedColumns(c: QueryCompiler, nodes: readonly RelatedSelection[], mask: LoadMask | null, from: string, parentKey: string, out: ModelColumn[]): void {
  for (const node of nodes) {
    const { alias, key } = c.joinRelated(node, from, parentKey)
    const m = childMask(mask, node)
    for (const f of maskedFields(node.hop.to, m)) {
      const fragment = sql.ref(`${alias}.${f.column}`)
      c.relatedColumns.push(fragment)
      out.push({ fragment, key: f.attname, field: f, node })
    }
    relatedColumns(c, node.children, m, alias, key, out)
  }
}
