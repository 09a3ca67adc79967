import { type ModelBase, STATE } from './model.js'

// The seam between prefetchRelated() and related managers: prefetching stores, per parent
// instance, the rows of each multi-valued relation under the relation's attribute name
// (`commentSet`, `tags`, `posts`); a manager's `all()` (and `count()`/`exists()`) answers from
// them without a query, and a manager that changes the relation (add/remove/set/clear/create)
// clears them so the next `all()` queries again (Django's prefetch-cache invalidation).
// Single-valued relations (forward FK, one-to-one both ways) live in the instance's relation
// cache instead (`cacheRelation()`), which the attribute accessors read.

/**
 * The rows `prefetchRelated(name)` loaded for `instance`'s multi-valued relation `name` (its
 * attribute name, e.g. `'commentSet'` or `'tags'`), or undefined when it was not prefetched.
 * @example const comments = prefetchedRows(post, 'commentSet') ?? (await post.commentSet.all())
 */
export function prefetchedRows(instance: object, name: string): readonly unknown[] | undefined {
  return (instance as ModelBase)[STATE]?.prefetched?.get(name)
}

/** Stores the prefetched rows of relation `name` on `instance` (called by `prefetchRelated`). */
export function setPrefetchedRows(instance: object, name: string, rows: readonly unknown[]): void {
  const st = (instance as ModelBase)[STATE]
  if (!st.prefetched) st.prefetched = new Map()
  st.prefetched.set(name, rows)
}

/** Forgets the prefetched rows of relation `name` (every relation when omitted), e.g. after `add()`. */
export function clearPrefetchedRows(instance: object, name?: string): void {
  const st = (instance as ModelBase)[STATE]
  if (!st?.prefetched) return
  if (name === undefined) st.prefetched = null
  else st.prefetched.delete(name)
}
