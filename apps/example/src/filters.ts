import { Q, type QNode } from '@strata/core'

/**
 * Query-string filters are untrusted input. Only the names listed here are accepted, each with
 * its own value parser; the ORM then checks them again (FieldError) and binds every value as a
 * parameter. Nothing from the URL ever becomes an identifier.
 */

/** A 400 with a message safe to show to the client. */
export class BadRequest extends Error {
  readonly status = 400
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

/** Limits on what a query string may carry. */
export const LIMITS = {
  maxText: 200,
  maxListItems: 50,
  maxLimit: 100,
  defaultLimit: 20,
  maxOffset: 1_000_000,
  maxOrderingTerms: 3,
} as const

const MAX_INT = 2_147_483_647

/** Shortens user input before echoing it in an error message. */
export function echo(raw: string, max = 60): string {
  return JSON.stringify(raw.length > max ? `${raw.slice(0, max)}…` : raw)
}

type Parser = (raw: string, name: string) => unknown

const text: Parser = (raw, name) => {
  if (raw.length > LIMITS.maxText)
    throw new BadRequest(`${name} must be at most ${LIMITS.maxText} characters (got ${raw.length})`)
  return raw
}

function integer(min: number, max: number, what = 'an integer'): Parser {
  return (raw, name) => {
    if (!/^-?\d{1,10}$/.test(raw))
      throw new BadRequest(`${name} must be ${what} from ${min} to ${max}, got ${echo(raw)}`)
    const n = Number(raw)
    if (n < min || n > max)
      throw new BadRequest(`${name} must be ${what} from ${min} to ${max}, got ${echo(raw)}`)
    return n
  }
}

const id = integer(1, MAX_INT, 'an id')

const decimal: Parser = (raw, name) => {
  if (!/^\d{1,2}(\.\d{1,2})?$/.test(raw))
    throw new BadRequest(`${name} must be a decimal from 0 to 99.99 such as 4.5, got ${echo(raw)}`)
  return raw
}

const boolean: Parser = (raw, name) => {
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw new BadRequest(`${name} must be true or false, got ${echo(raw)}`)
}

const DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?)?$/

/** `2023-06-01`, `2023-06-01T12:00`, `2023-06-01T12:00:00Z`, `...+02:00`; no zone means UTC. */
const dateTime: Parser = (raw, name) => {
  const m = DATE_RE.exec(raw)
  const bad = () =>
    new BadRequest(`${name} must be a date (YYYY-MM-DD) or an ISO date and time, got ${echo(raw)}`)
  if (!m) throw bad()
  const [, y, mo, d, h = '0', mi = '0', s = '0', ms = '0', zone = 'Z'] = m
  const utc = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    Number(ms.padEnd(3, '0')),
  )
  const check = new Date(utc)
  // Rejects 2023-02-30, 25:00 and the like, which Date would silently roll over.
  if (
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    check.getUTCHours() !== Number(h) ||
    check.getUTCMinutes() !== Number(mi) ||
    check.getUTCSeconds() !== Number(s)
  )
    throw bad()
  let offset = 0
  if (zone !== 'Z') {
    const [zh, zm] = zone.slice(1).split(':').map(Number) as [number, number]
    if (zh > 14 || zm > 59) throw bad()
    offset = (zone.startsWith('-') ? -1 : 1) * (zh * 60 + zm) * 60_000
  }
  return new Date(utc - offset)
}

/** One filterable field (or transform) and the lookups allowed on it. */
interface FilterSpec {
  readonly field: string
  readonly lookups: readonly string[]
  readonly parse: Parser
  readonly help: string
}

const TEXT_LOOKUPS = [
  'exact',
  'iexact',
  'contains',
  'icontains',
  'startswith',
  'istartswith',
  'endswith',
  'iendswith',
] as const
const COMPARE = ['exact', 'gt', 'gte', 'lt', 'lte'] as const

/** What `GET /posts` may filter on. */
const POST_FILTERS: readonly FilterSpec[] = [
  { field: 'id', lookups: [...COMPARE, 'in'], parse: id, help: 'post id' },
  { field: 'title', lookups: TEXT_LOOKUPS, parse: text, help: `text, at most ${LIMITS.maxText} characters` },
  { field: 'content', lookups: ['contains', 'icontains'], parse: text, help: 'text' },
  {
    field: 'pubDate',
    lookups: ['gt', 'gte', 'lt', 'lte'],
    parse: dateTime,
    help: 'YYYY-MM-DD or ISO date-time (UTC unless a zone is given)',
  },
  { field: 'pubDate__year', lookups: COMPARE, parse: integer(1, 9999, 'a year'), help: 'year' },
  { field: 'pubDate__month', lookups: ['exact'], parse: integer(1, 12, 'a month'), help: 'month 1-12' },
  { field: 'pubDate__day', lookups: ['exact'], parse: integer(1, 31, 'a day'), help: 'day of month 1-31' },
  { field: 'rating', lookups: COMPARE, parse: decimal, help: 'decimal such as 4.5' },
  {
    field: 'author',
    lookups: ['exact', 'in', 'isnull'],
    parse: id,
    help: 'author id; isnull takes true/false',
  },
  {
    field: 'author__name',
    lookups: ['exact', 'iexact', 'icontains', 'istartswith'],
    parse: text,
    help: 'author name',
  },
  {
    field: 'tags__name',
    lookups: ['exact'],
    parse: text,
    help: 'tag slug',
  },
]

/** The orderings `GET /posts` accepts (each also with a leading `-`). */
export const POST_ORDERINGS = ['id', 'title', 'pubDate', 'rating', 'author__name', 'commentCount'] as const

interface Allowed {
  readonly spec: FilterSpec
  readonly lookup: string
}

function allowList(specs: readonly FilterSpec[]): Map<string, Allowed> {
  const map = new Map<string, Allowed>()
  for (const spec of specs)
    for (const lookup of spec.lookups)
      map.set(lookup === 'exact' ? spec.field : `${spec.field}__${lookup}`, { spec, lookup })
  return map
}

const POST_ALLOWED = allowList(POST_FILTERS)

/** Every accepted filter name, for error messages and `GET /`. */
export const POST_FILTER_NAMES: readonly string[] = [...POST_ALLOWED.keys()]

/** Filter names grouped by field, with what each takes. */
export function describeFilters(): Record<string, { names: string[]; value: string }> {
  const out: Record<string, { names: string[]; value: string }> = {}
  for (const spec of POST_FILTERS)
    out[spec.field] = {
      names: spec.lookups.map((l) => (l === 'exact' ? spec.field : `${spec.field}__${l}`)),
      value: spec.help,
    }
  return out
}

function parseValue(spec: FilterSpec, lookup: string, name: string, raw: string): unknown {
  if (lookup === 'isnull') return boolean(raw, name)
  if (lookup === 'in') {
    const items = raw.split(',')
    if (items.length > LIMITS.maxListItems)
      throw new BadRequest(`${name} takes at most ${LIMITS.maxListItems} comma-separated values`)
    return items.map((item) => spec.parse(item, name))
  }
  return spec.parse(raw, name)
}

/** The parsed query string of `GET /posts`. */
export interface PostQuery {
  conditions: QNode[]
  ordering: string[]
  limit: number
  offset: number
}

const RESERVED = new Set(['ordering', 'limit', 'offset'])

function unknownFilter(name: string): BadRequest {
  return new BadRequest(
    `Unknown or disallowed filter ${echo(name, 40)}. Allowed filters: ${POST_FILTER_NAMES.join(', ')}; and ordering, limit, offset.`,
    { allowedFilters: POST_FILTER_NAMES, allowedOrdering: POST_ORDERINGS.flatMap((o) => [o, `-${o}`]) },
  )
}

/** Reads filters, ordering and pagination from the query string; throws `BadRequest`. */
export function parsePostQuery(params: URLSearchParams): PostQuery {
  const conditions: QNode[] = []
  let ordering: string[] = []
  let limit: number = LIMITS.defaultLimit
  let offset = 0
  const seen = new Set<string>()
  for (const [name, raw] of params) {
    if (seen.has(name)) throw new BadRequest(`${echo(name, 40)} is given more than once`)
    seen.add(name)
    if (RESERVED.has(name)) {
      if (name === 'limit') limit = integer(1, LIMITS.maxLimit)(raw, 'limit') as number
      else if (name === 'offset') offset = integer(0, LIMITS.maxOffset)(raw, 'offset') as number
      else ordering = parseOrdering(raw)
      continue
    }
    const allowed = POST_ALLOWED.get(name)
    if (!allowed) throw unknownFilter(name)
    const value = parseValue(allowed.spec, allowed.lookup, name, raw)
    // `name` comes from the allow-list, never from the URL as such; Q() checks it again at run time.
    conditions.push(Q({ [name]: value }))
  }
  return { conditions, ordering, limit, offset }
}

function parseOrdering(raw: string): string[] {
  const terms = raw.split(',')
  const allowed = (POST_ORDERINGS as readonly string[]).flatMap((o) => [o, `-${o}`])
  if (terms.length > LIMITS.maxOrderingTerms)
    throw new BadRequest(`ordering takes at most ${LIMITS.maxOrderingTerms} comma-separated fields`)
  for (const term of terms)
    if (!allowed.includes(term))
      throw new BadRequest(`Unknown ordering ${echo(term, 40)}. Allowed: ${allowed.join(', ')}`, {
        allowedOrdering: allowed,
      })
  return terms
}

/** A post id from a URL path segment. */
export function parseId(raw: string, what = 'Post id'): number {
  return integer(1, MAX_INT, 'an integer')(raw, what) as number
}
