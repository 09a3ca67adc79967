import { customLookup, pathOutputField, type WhereNode } from '@strata/core'

/** No join keys. */
export const NO_KEYS: ReadonlySet<string> = new Set()

/** Lookups that are false or unknown (never true) when their column is NULL, as on a missing related row. */
const NULL_REJECTING = new Set(['exact', 'iexact', 'gt', 'gte', 'lt', 'lte', 'in', 'range', 'contains', 'icontains', 'startswith', 'istartswith', 'endswith', 'iendswith', 'regex', 'iregex'])

/**
 * The join keys (as `joinPath` builds them) of the relations a query can join INNER, as Django
 * does: those a condition ANDed at the top of the WHERE compares with a value that NULL never
 * matches. A row without the related row fails that condition, so an outer join would only add
 * rows the WHERE removes; the inner join lets the database start from the related table.
 */
export function innerJoinKeys(where: WhereNode | null): ReadonlySet<string> {
  if (!where) return NO_KEYS
  const out = new Set<string>()
  const visit = (n: WhereNode) => {
    if (n.type === 'tree') {
      if (n.connector === 'AND' && !n.negated) for (const c of n.children) visit(c)
      return
    }
    const p = n.path
    if (n.aggregate || n.isExpr || p.expr || p.annotation || p.hops.length === 0 || p.keys?.length || n.value === null) return
    if (!(NULL_REJECTING.has(n.lookup) || (n.lookup === 'isnull' && n.value === false))) return
    if (customLookup(pathOutputField(p, { annotations: new Map(), call: p.call }), n.lookup)) return
    let key = ''
    for (const hop of p.hops) {
      key += `/${hop.kind}:${hop.field.modelName}.${hop.field.name}${hop.multi ? `#${p.call}` : ''}`
      out.add(key)
    }
  }
  visit(where)
  return out
}
