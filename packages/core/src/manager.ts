import type { ModelClassLike } from './meta.js'
import { initialState, QuerySet } from './queryset.js'

const PROXIED = [
  'all', 'filter', 'exclude', 'orderBy', 'reverse', 'slice', 'distinct', 'none', 'using', 'annotate', 'alias',
  'values', 'valuesList', 'iterator', 'get', 'first', 'last', 'count', 'exists', 'aggregate', 'update',
  'create', 'getOrCreate', 'updateOrCreate', 'bulkCreate', 'sql', 'latest', 'earliest', 'contains', 'inBulk',
  'bulkUpdate', 'explain', 'union', 'intersection', 'difference', 'dates', 'datetimes',
  'selectRelated', 'prefetchRelated', 'only', 'defer', 'selectForUpdate',
] as const

type Proxied = (typeof PROXIED)[number]

/** The QuerySet methods a manager offers, each starting from `getQueryset()`. */
export interface Manager<M> extends Pick<QuerySet<M>, Proxied> {}

/**
 * The entry point of queries on a model (`Post.objects`). Subclass it and override
 * `getQueryset()` for a custom default filter.
 */
export class Manager<M> {
  readonly model: ModelClassLike

  constructor(model: ModelClassLike) {
    this.model = model
  }

  /** The base QuerySet every manager method starts from. */
  getQueryset(): QuerySet<M> {
    this.model.meta.resolve()
    return new QuerySet<M>(initialState(this.model.meta))
  }
}

for (const name of PROXIED) {
  Object.defineProperty(Manager.prototype, name, {
    value: function (this: Manager<unknown>, ...args: unknown[]) {
      const qs = this.getQueryset() as unknown as Record<string, (...a: unknown[]) => unknown>
      return qs[name]!(...args)
    },
    writable: true,
    configurable: true,
  })
}
