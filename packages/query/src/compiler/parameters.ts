import type { OperationNode, RawNode, ValueNode } from 'kysely'

/** Node kinds that hold no value: identifiers, references and tables. */
const VALUE_FREE = new Set(['IdentifierNode', 'ReferenceNode', 'ColumnNode', 'TableNode', 'SchemableIdentifierNode'])

/**
 * Appends the bound values of a raw fragment's node tree to `out`, in the order the compiler emits
 * them; false when a value is written into the SQL (`sql.lit`) or a node kind is not known here.
 */
export function collectParameters(node: OperationNode, out: unknown[]): boolean {
  switch (node.kind) {
    case 'RawNode':
      for (const p of (node as RawNode).parameters) if (!collectParameters(p, out)) return false
      return true
    case 'ValueNode': {
      const v = node as ValueNode
      if (v.immediate) return false
      out.push(v.value)
      return true
    }
    default:
      return VALUE_FREE.has(node.kind)
  }
}
