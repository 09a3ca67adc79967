import { ForeignKey, Q, type QNode, type QuerySet, StrataError } from '@strata/core'
import type { RequestContext } from './context.js'
import { applySimpleFilter, type ListFilter, makeFilter } from './filters.js'
import { HttpError } from './http.js'
import type { ModelAdmin, Obj } from './model-admin.js'
import type { SimpleListFilter } from './options.js'

/** The query parameters every change list understands. */
export const CHANGELIST_PARAMS = { search: 'q', order: 'o', page: 'p', all: 'all' } as const

/** Splits a search into terms; quoted phrases stay together (`"red car" bike` → `red car`, `bike`). */
export function searchTerms(q: string): string[] {
  const out: string[] = []
  for (const m of q.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const term = (m[1] ?? m[2] ?? m[3] ?? '').trim()
    if (term) out.push(term)
  }
  return out.slice(0, 20)
}

/** A sort applied by the `o` parameter: a column (1-based) and its direction. */
export interface SortSpec {
  readonly column: number
  readonly desc: boolean
}

/** One change list request: parameters checked, query built, counted and paginated. */
export class ChangeList {
  readonly ma: ModelAdmin
  readonly ctx: RequestContext
  /** The allowed parameters of this request. */
  readonly params: Map<string, string>
  readonly filters: readonly ListFilter[]
  readonly search: string
  readonly sorts: readonly SortSpec[]
  /** The filtered, searched and ordered query (no pagination). */
  queryset!: QuerySet<Obj>
  /** The query with the date-hierarchy parameters left out (to list its years, months, days). */
  hierarchyBase!: QuerySet<Obj>
  count = 0
  /** True when `count` stopped at the limit (there are more). */
  countCapped = false
  fullCount: number | null = null
  fullCountCapped = false
  page = 1
  showAll = false
  rows: Obj[] = []

  private constructor(ctx: RequestContext, ma: ModelAdmin, params: Map<string, string>, filters: ListFilter[], sorts: SortSpec[]) {
    this.ctx = ctx
    this.ma = ma
    this.params = params
    this.filters = filters
    this.search = params.get('q') ?? ''
    this.sorts = sorts
  }

  /** Reads the URL's parameters (unknown ones and bad values are a 400), then runs the queries. */
  static async load(ctx: RequestContext, ma: ModelAdmin, searchParams: URLSearchParams): Promise<ChangeList> {
    const filters = ma.filters.map((item) => makeFilter(ctx, ma.meta, item))
    const allowed = new Set<string>(Object.values(CHANGELIST_PARAMS))
    for (const f of filters) for (const p of f.params) allowed.add(p)
    if (ma.dateHierarchy) for (const part of ['year', 'month', 'day']) allowed.add(`${ma.dateHierarchy.path}__${part}`)
    const params = new Map<string, string>()
    for (const [k, v] of searchParams) {
      if (!allowed.has(k))
        throw new HttpError(400, `Unknown parameter ${JSON.stringify(k)} for this list. Filters and options allowed here: ${[...allowed].sort().join(', ')}.`)
      if (v.length > 1000) throw new HttpError(400, `The parameter ${k} is too long.`)
      params.set(k, v)
    }
    const cl = new ChangeList(ctx, ma, params, filters, parseOrder(ma, params.get('o')))
    await cl.#run()
    return cl
  }

  async #run(): Promise<void> {
    const ma = this.ma
    const using = this.ctx.site.config.using
    const base = ma.queryset(this.ctx, using)
    let qs = base
    let distinct = false
    for (let i = 0; i < this.filters.length; i++) {
      const f = this.filters[i]!
      const item = ma.filters[i]!
      if (typeof item !== 'string') {
        const raw = this.params.get((item as SimpleListFilter<Obj>).parameterName)
        if (raw !== undefined) qs = (await applySimpleFilter(this.ctx, item, qs, raw)).qs
        continue
      }
      const before = qs
      qs = f.apply(qs, this.params)
      if (qs !== before && f.multiValued) distinct = true
    }
    if (this.search) {
      const q = this.#searchQ()
      if (q === null) qs = qs.none()
      else {
        qs = qs.filter(q)
        if (ma.search.some((s) => s.path.multiValued)) distinct = true
      }
    }
    // Rows repeated by a many-valued path are folded with `pk IN (subquery)` rather than DISTINCT,
    // which PostgreSQL refuses with an ORDER BY on a column it does not select (Django does the same).
    if (distinct) qs = base.filter({ pk__in: qs.values('pk' as never) } as never)
    this.hierarchyBase = qs
    qs = this.#hierarchy(qs)
    qs = qs.orderBy(...this.ordering())
    this.queryset = qs
    const limit = ma.countLimit
    const n = await qs.slice(0, limit + 1).count()
    this.countCapped = n > limit
    this.count = Math.min(n, limit)
    const filtered = this.params.size > 0 && [...this.params.keys()].some((k) => k !== 'o' && k !== 'p' && k !== 'all')
    if (filtered && ma.options.showFullResultCount !== false) {
      const total = await base.slice(0, limit + 1).count()
      this.fullCountCapped = total > limit
      this.fullCount = Math.min(total, limit)
    }
    const pageRaw = this.params.get('p')
    if (pageRaw !== undefined && !/^\d{1,9}$/.test(pageRaw)) throw new HttpError(400, `Invalid page ${JSON.stringify(pageRaw)}.`)
    this.page = Math.max(1, Number(pageRaw ?? '1'))
    this.showAll = this.params.has('all') && !this.countCapped && this.count <= ma.listMaxShowAll
    const per = ma.listPerPage
    if (!this.countCapped) this.page = Math.min(this.page, this.numPages)
    let rows = this.showAll ? qs : qs.slice((this.page - 1) * per, this.page * per)
    const related = this.#selectRelated()
    if (related.length) rows = rows.selectRelated(...related)
    this.rows = await rows
  }

  /** Pages in all (when the count is exact). */
  get numPages(): number {
    return Math.max(1, Math.ceil(this.count / this.ma.listPerPage))
  }

  #searchQ(): QNode | null {
    let all: QNode | null = null
    for (const term of searchTerms(this.search)) {
      let oneOf: QNode | null = null
      for (const s of this.ma.search) {
        const field = s.path.field!
        try {
          if (s.lookup === 'exact') field.clean(term)
        } catch (e) {
          if (e instanceof StrataError) continue
          throw e
        }
        const q = Q({ [`${s.path.path}__${s.lookup}`]: term })
        oneOf = oneOf ? oneOf.or(q) : q
      }
      if (!oneOf) return null
      all = all ? all.and(oneOf) : oneOf
    }
    return all
  }

  #hierarchy(qs: QuerySet<Obj>): QuerySet<Obj> {
    const h = this.ma.dateHierarchy
    if (!h) return qs
    const parts = ['year', 'month', 'day'] as const
    const limits = { year: [1, 9999], month: [1, 12], day: [1, 31] }
    let seenAll = true
    for (const part of parts) {
      const name = `${h.path}__${part}`
      const raw = this.params.get(name)
      if (raw === undefined) {
        seenAll = false
        continue
      }
      if (!seenAll) throw new HttpError(400, `${name} needs the larger date parts before it.`)
      const [min, max] = limits[part]
      if (!/^\d{1,4}$/.test(raw) || Number(raw) < min! || Number(raw) > max!) throw new HttpError(400, `Invalid ${part} ${JSON.stringify(raw)}.`)
      qs = qs.filter({ [name]: Number(raw) } as never)
    }
    return qs
  }

  /** The `orderBy` arguments: clicked columns first, then the default ordering, then `-pk` for a stable order. */
  ordering(): string[] {
    const out: string[] = []
    const seen = new Set<string>()
    const add = (o: string) => {
      const name = o.replace(/^-/, '')
      if (seen.has(name)) return
      seen.add(name)
      out.push(o)
    }
    for (const s of this.sorts) {
      const field = this.ma.columns[s.column - 1]!.sortField!
      const desc = field.startsWith('-') !== s.desc
      add(`${desc ? '-' : ''}${field.replace(/^-/, '')}`)
    }
    for (const o of this.ma.ordering) if (o !== '?') add(o)
    if (!seen.has('pk') && !seen.has(this.ma.meta.pk.name)) add('-pk')
    return out
  }

  #selectRelated(): string[] {
    const setting = this.ma.options.listSelectRelated
    if (setting === false) return []
    if (Array.isArray(setting)) return [...setting]
    const out = new Set<string>()
    for (const c of this.ma.columns) {
      if (!c.path) continue
      for (const p of c.path.forward) out.add(p)
      if (c.path.field instanceof ForeignKey && !c.path.multiValued) out.add(c.path.path)
    }
    return [...out]
  }

  /** The list's URL with some parameters changed (null removes one); the page resets unless set. */
  url(changes: Readonly<Record<string, string | null>>): string {
    const sp = new URLSearchParams()
    const merged = new Map(this.params)
    if (!('p' in changes)) merged.delete('p')
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) merged.delete(k)
      else merged.set(k, v)
    }
    for (const [k, v] of merged) sp.append(k, v)
    const s = sp.toString()
    return s ? `?${s}` : '?'
  }

  /** The current query string (to come back to the same list). */
  get queryString(): string {
    const sp = new URLSearchParams([...this.params])
    const s = sp.toString()
    return s ? `?${s}` : ''
  }
}

function parseOrder(ma: ModelAdmin, raw: string | undefined): SortSpec[] {
  if (raw === undefined || raw === '') return []
  const out: SortSpec[] = []
  for (const part of raw.split('.')) {
    const m = /^(-?)(\d{1,3})$/.exec(part)
    const column = m ? Number(m[2]) : Number.NaN
    const col = ma.columns[column - 1]
    if (!m || !col) throw new HttpError(400, `Invalid ordering ${JSON.stringify(raw)}: use column numbers from 1 to ${ma.columns.length}, such as o=2.-1.`)
    if (!col.sortField) throw new HttpError(400, `The column ${JSON.stringify(col.label)} cannot be sorted.`)
    if (out.some((s) => s.column === column)) continue
    out.push({ column, desc: m[1] === '-' })
  }
  return out
}
