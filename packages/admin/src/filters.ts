import { choiceValue, type Field, ManyToManyField, type ModelMeta, type QuerySet, StrataError } from '@strata/core'
import type { RequestContext } from './context.js'
import { choiceLabel, displayValue } from './display.js'
import { HttpError } from './http.js'
import { managerOf, type Obj } from './model-admin.js'
import type { SimpleListFilter } from './options.js'
import { type AdminPath, capfirst, fieldLabel, humanize, resolvePath } from './paths.js'

/** A link in a filter's list of choices: what it sets (null removes a parameter) and whether it is current. */
export interface FilterChoice {
  readonly label: string
  readonly set: Readonly<Record<string, string | null>>
  readonly selected: boolean
}

/** A filter of the change list for one request. */
export interface ListFilter {
  readonly title: string
  /** The query parameters it owns (everything else is refused). */
  readonly params: readonly string[]
  /** Whether filtering through it may repeat rows (a many-valued path). */
  readonly multiValued: boolean
  /** Narrows the query by the current values; a bad value is a 400. */
  apply(qs: QuerySet<Obj>, values: ReadonlyMap<string, string>): QuerySet<Obj>
  /** The choices to show. */
  choices(values: ReadonlyMap<string, string>): Promise<FilterChoice[]>
}

/** How many related objects or distinct values a filter lists at most. */
export const FILTER_CHOICES_LIMIT = 100

function bad(param: string, value: string, why?: string): HttpError {
  return new HttpError(400, `Invalid value ${JSON.stringify(value)} for the filter parameter ${param}${why ? `: ${why}` : ''}.`)
}

/** Applies one lookup from the URL through the ORM, turning a refused value into a 400. */
function filterBy(qs: QuerySet<Obj>, param: string, value: unknown, raw: string): QuerySet<Obj> {
  try {
    return qs.filter({ [param]: value } as never)
  } catch (e) {
    if (e instanceof StrataError) throw bad(param, raw, e.message)
    throw e
  }
}

function isnullValue(param: string, raw: string): boolean {
  if (raw === 'True' || raw === '1' || raw === 'true') return true
  if (raw === 'False' || raw === '0' || raw === 'false') return false
  throw bad(param, raw, 'use True or False')
}

function current(values: ReadonlyMap<string, string>, params: readonly string[], set: Record<string, string | null>): boolean {
  return params.every((p) => (set[p] ?? null) === (values.get(p) ?? null))
}

type ChoiceList = [string, Record<string, string | null>][]

function fieldFilter(title: string, path: AdminPath, params: string[], valueParams: Record<string, (raw: string) => unknown>, choices: () => Promise<ChoiceList>): ListFilter {
  return {
    title,
    params,
    multiValued: path.multiValued,
    apply(qs, values) {
      for (const p of params) {
        const raw = values.get(p)
        if (raw === undefined) continue
        qs = filterBy(qs, p, valueParams[p]!(raw), raw)
      }
      return qs
    },
    async choices(values) {
      const list = await choices()
      return list.map(([label, set]) => {
        const full: Record<string, string | null> = {}
        for (const p of params) full[p] = set[p] ?? null
        return { label, set: full, selected: current(values, params, full) }
      })
    },
  }
}

function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10)
}

/** Builds the filter for a `listFilter` item of `meta`. */
export function makeFilter(ctx: RequestContext, meta: ModelMeta, item: string | SimpleListFilter<Obj>): ListFilter {
  if (typeof item !== 'string') return simpleFilter(ctx, item)
  const path = resolvePath(meta, item, 'listFilter item')
  const field = path.field
  const using = ctx.site.config.using
  const title = field ? fieldLabel(field) : humanize(item)
  const isnull = `${item}__isnull`
  if (path.target && (!field || field.isRelation)) {
    const target = path.target
    const exact = `${item}__${target.pk.name}__exact`
    const withEmpty = !field || field.nullable || field instanceof ManyToManyField
    const params = withEmpty ? [exact, isnull] : [exact]
    return fieldFilter(title, path, params, { [exact]: (r) => r, [isnull]: (r) => isnullValue(isnull, r) }, async () => {
      const admin = ctx.site.adminFor(target)
      const ordering = admin?.ordering.length ? admin.ordering : target.ordering.length ? target.ordering : ['pk']
      const objs = await managerOf(target).using(using).orderBy(...ordering).slice(0, FILTER_CHOICES_LIMIT)
      return [
        ['All', {}],
        ...objs.map((o): [string, Record<string, string>] => [String(o), { [exact]: String(o.pk) }]),
        ...(withEmpty ? [['(None)', { [isnull]: 'True' }] as [string, Record<string, string>]] : []),
      ]
    })
  }
  if (!field) throw new HttpError(500, 'unreachable')
  if (field.kind === 'boolean') {
    const exact = `${item}__exact`
    const params = field.nullable ? [exact, isnull] : [exact]
    return fieldFilter(title, path, params, { [exact]: (r) => booleanValue(exact, r), [isnull]: (r) => isnullValue(isnull, r) }, async () => [
      ['All', {}],
      ['Yes', { [exact]: '1' }],
      ['No', { [exact]: '0' }],
      ...(field.nullable ? [['Unknown', { [isnull]: 'True' }] as [string, Record<string, string>]] : []),
    ])
  }
  if (field.options.choices) {
    const exact = `${item}__exact`
    const params = field.nullable ? [exact, isnull] : [exact]
    return fieldFilter(title, path, params, { [exact]: (r) => choiceFor(field, exact, r), [isnull]: (r) => isnullValue(isnull, r) }, async () => [
      ['All', {}],
      ...(field.options.choices ?? []).map((c): [string, Record<string, string>] => [choiceLabel(field, choiceValue(c)) ?? String(choiceValue(c)), { [exact]: String(choiceValue(c)) }]),
      ...(field.nullable ? [['Empty', { [isnull]: 'True' }] as [string, Record<string, string>]] : []),
    ])
  }
  if (field.kind === 'date' || field.kind === 'dateTime') {
    const gte = `${item}__gte`
    const lt = `${item}__lt`
    const params = field.nullable ? [gte, lt, isnull] : [gte, lt]
    const day = (p: string) => (r: string) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(r)) throw bad(p, r, 'use YYYY-MM-DD')
      return r
    }
    return fieldFilter(title, path, params, { [gte]: day(gte), [lt]: day(lt), [isnull]: (r) => isnullValue(isnull, r) }, async () => {
      const now = new Date()
      const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
      const tomorrow = new Date(today.getTime() + 86_400_000)
      const month = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1))
      const nextMonth = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 1))
      const year = new Date(Date.UTC(today.getUTCFullYear(), 0, 1))
      const nextYear = new Date(Date.UTC(today.getUTCFullYear() + 1, 0, 1))
      return [
        ['Any date', {}],
        ['Today', { [gte]: utcDay(today), [lt]: utcDay(tomorrow) }],
        ['Past 7 days', { [gte]: utcDay(new Date(today.getTime() - 7 * 86_400_000)), [lt]: utcDay(tomorrow) }],
        ['This month', { [gte]: utcDay(month), [lt]: utcDay(nextMonth) }],
        ['This year', { [gte]: utcDay(year), [lt]: utcDay(nextYear) }],
        ...(field.nullable
          ? ([
              ['No date', { [isnull]: 'True' }],
              ['Has date', { [isnull]: 'False' }],
            ] as [string, Record<string, string>][])
          : []),
      ]
    })
  }
  const exact = `${item}__exact`
  const params = field.nullable ? [exact, isnull] : [exact]
  return fieldFilter(title, path, params, { [exact]: (r) => r, [isnull]: (r) => isnullValue(isnull, r) }, async () => {
    const values = (await managerOf(meta).using(using).valuesList(item as never, { flat: true } as never).distinct().orderBy(item).slice(0, FILTER_CHOICES_LIMIT)) as unknown[]
    const empty = ctx.site.config.emptyValueDisplay
    return [
      ['All', {}],
      ...values.filter((v) => v !== null).map((v): [string, Record<string, string>] => [String(displayValue(v, empty)), { [exact]: v instanceof Date ? v.toISOString() : String(v) }]),
      ...(field.nullable ? [['Empty', { [isnull]: 'True' }] as [string, Record<string, string>]] : []),
    ]
  })
}

function booleanValue(param: string, raw: string): boolean {
  if (raw === '1' || raw === 'True' || raw === 'true') return true
  if (raw === '0' || raw === 'False' || raw === 'false') return false
  throw bad(param, raw, 'use 1 or 0')
}

function choiceFor(field: Field, param: string, raw: string): unknown {
  for (const c of field.options.choices ?? []) if (String(choiceValue(c)) === raw) return choiceValue(c)
  throw bad(param, raw, 'not one of the choices')
}

function simpleFilter(ctx: RequestContext, spec: SimpleListFilter<Obj>): ListFilter {
  const param = spec.parameterName
  let cached: readonly (readonly [string, string])[] | null = null
  const lookups = async () => (cached ??= await spec.lookups(ctx))
  return {
    title: spec.title,
    params: [param],
    multiValued: false,
    apply(qs) {
      return qs
    },
    async choices(values) {
      const list = await lookups()
      return [
        { label: 'All', set: { [param]: null }, selected: !values.has(param) },
        ...list.map(([v, l]) => ({ label: l, set: { [param]: v }, selected: values.get(param) === v })),
      ]
    },
  }
}

/**
 * Applies a hand-written filter (async: its allowed values come from `lookups`). The QuerySet comes
 * back wrapped: a QuerySet is thenable, so a promise would run it.
 */
export async function applySimpleFilter(ctx: RequestContext, spec: SimpleListFilter<Obj>, qs: QuerySet<Obj>, raw: string): Promise<{ qs: QuerySet<Obj> }> {
  const allowed = (await spec.lookups(ctx)).map(([v]) => v)
  if (!allowed.includes(raw)) throw bad(spec.parameterName, raw, `choose one of ${allowed.join(', ')}`)
  return { qs: spec.queryset(qs, raw) }
}

/** The title shown above a filter. */
export function filterTitle(title: string): string {
  return `By ${capfirst(title)}`
}
