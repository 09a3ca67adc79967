import {
  DataError,
  type DecimalField,
  type Field,
  ForeignKey,
  NotSupportedError,
} from '@strata/core'
import { type DialectOperations, dateTimeText, type Fragment, readersByKind, YEAR_1_MS, YEAR_10000_MS } from '@strata/query'
import { sql } from 'kysely'
import { postgresJson } from './postgres-json.js'
import { unnestRows } from './postgres-unnest.js'

const pad = (n: number, w = 2) => String(n).padStart(w, '0')
const DAY = 86_400_000

function storageField(field: Field | undefined): Field | undefined {
  return field instanceof ForeignKey && field.target ? storageField(field.target.pk) : field
}

/** `Date` -> ISO 8601 in UTC; years outside 1..9999 are refused as on every dialect. */
export function formatTimestamp(d: Date): string {
  const t = d.getTime()
  if (!(t >= YEAR_1_MS && t < YEAR_10000_MS)) {
    const y = d.getUTCFullYear()
    throw new DataError(
      `The date ${Number.isNaN(t) ? 'Invalid Date' : `in year ${y}`} is out of range (years 1 to 9999)`,
    )
  }
  // `toISOString()`'s text, from digit tables (toISOString cost twice as much).
  return `${dateTimeText(d, 'T')}Z`
}

/** A timestamp string as PostgreSQL prints it (`2024-01-02 03:04:05.678+00`); no offset means UTC. */
function parseTimestamp(s: string): Date {
  let iso = s.replace(' ', 'T')
  if (/[+-]\d{2}$/.test(iso)) iso += ':00'
  else if (!/(Z|[+-]\d{2}:?\d{2}(:\d{2})?)$/.test(iso)) iso += iso.length === 10 ? 'T00:00:00Z' : 'Z'
  return new Date(iso)
}

/** A `date` as `'YYYY-MM-DD'`: pg's default parser gives a Date at local midnight, whose local parts are the date. */
function dateString(value: unknown): string {
  if (value instanceof Date)
    return `${pad(value.getFullYear(), 4)}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`
  return String(value).slice(0, 10)
}

const UNIT_MS: Record<string, number> = {
  year: 360 * DAY,
  mon: 30 * DAY,
  day: DAY,
  hour: 3_600_000,
  min: 60_000,
  sec: 1000,
}

/**
 * An `interval` in milliseconds, from its text (`1 day 02:03:04.5`, IntervalStyle `postgres`) or from
 * pg's default parsed object. A month counts 30 days and a year 12 months, as psycopg does.
 */
export function intervalToMs(value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, number | undefined>
    return (
      ((o.years ?? 0) * 12 + (o.months ?? 0)) * 30 * DAY +
      (o.days ?? 0) * DAY +
      (o.hours ?? 0) * 3_600_000 +
      (o.minutes ?? 0) * 60_000 +
      (o.seconds ?? 0) * 1000 +
      (o.milliseconds ?? 0)
    )
  }
  const text = String(value)
  let ms = 0
  for (const m of text.matchAll(/([+-]?\d+(?:\.\d+)?) (year|mon|day|hour|min|sec)s?/g))
    ms += Number(m[1]) * UNIT_MS[m[2]!]!
  const time = /([+-])?(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(text)
  if (time) {
    const t =
      Number(time[2]) * 3_600_000 + Number(time[3]) * 60_000 + Math.round(Number(time[4]) * 1_000_000) / 1000
    ms += time[1] === '-' ? -t : t
  }
  return ms
}

function toNumber(v: unknown): unknown {
  return typeof v === 'bigint' || typeof v === 'string' ? Number(v) : v
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER)

function safeNumber(v: bigint): number | bigint {
  return v <= MAX_SAFE && v >= MIN_SAFE ? Number(v) : v
}

/** A value read from PostgreSQL: never null (callers read null and undefined as null). */
type Reader = (value: unknown) => unknown

// One reader per kind, chosen once per field (a query's hydrator picks them when it is built).
const readUntyped: Reader = (v) => (typeof v === 'bigint' ? safeNumber(v) : v)
const readBoolean: Reader = (v) => (typeof v === 'boolean' ? v : v === 't' || v === 'true' || Number(v) === 1)
const readNumber: Reader = toNumber
const readBigInt: Reader = (v) =>
  typeof v === 'bigint' ? v : BigInt(typeof v === 'number' ? Math.trunc(v) : String(v).split('.')[0]!)
const readDateTime: Reader = (v) => (v instanceof Date ? v : parseTimestamp(String(v)))
const readDate: Reader = dateString
const readDuration: Reader = intervalToMs
const readJson: Reader = (v) => v
const readBinary: Reader = (v) => (v instanceof Uint8Array ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : v)
const readText: Reader = (v) => (typeof v === 'string' ? v : String(v))

/** How a non-null value of `field` read from PostgreSQL becomes its JavaScript value, chosen once per field. */
const readerFor = readersByKind({
  database: 'PostgreSQL',
  untyped: readUntyped,
  boolean: readBoolean,
  number: readNumber,
  bigint: readBigInt,
  dateTime: readDateTime,
  date: readDate,
  time: readText,
  duration: readDuration,
  json: readJson,
  binary: readBinary,
  text: readText,
  decimalText: (v) => String(v),
})

// Fields PostgreSQL stores as text; anything else is cast to text before LIKE, as Django does.
const TEXTUAL = new Set(['char', 'text', 'email', 'url', 'slug'])

const EXTRACT: Record<string, string> = {
  year: 'year',
  iso_year: 'isoyear',
  month: 'month',
  day: 'day',
  week: 'week',
  iso_week_day: 'isodow',
  quarter: 'quarter',
  hour: 'hour',
  minute: 'minute',
}

const TRUNC_UNITS = new Set(['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second'])

/** The EXPLAIN options PostgreSQL takes, by Strata's name (https://www.postgresql.org/docs/current/sql-explain.html). */
const PG_EXPLAIN_FLAGS: Readonly<Record<string, string>> = {
  analyze: 'analyze',
  verbose: 'verbose',
  costs: 'costs',
  buffers: 'buffers',
  settings: 'settings',
  summary: 'summary',
  timing: 'timing',
  wal: 'wal',
}

/** The EXPLAIN formats PostgreSQL takes. */
const PG_EXPLAIN_FORMATS: Readonly<Record<string, string>> = { text: 'text', json: 'json', xml: 'xml', yaml: 'yaml' }

/** PostgreSQL's spelling of values, lookups, transforms and DDL types. */
export const postgresOperations: DialectOperations = {
  json: postgresJson,

  toDriver(field, value) {
    if (value === null || value === undefined) return null
    const f = storageField(field)
    switch (f?.kind) {
      case 'boolean':
        return Boolean(value)
      case 'dateTime':
        return value instanceof Date ? formatTimestamp(value) : value
      case 'date':
        return value instanceof Date ? value.toISOString().slice(0, 10) : value
      case 'json':
        // Always JSON text: pg would turn a JS array into a PostgreSQL array literal.
        return JSON.stringify(value)
      case 'duration':
        return typeof value === 'number' ? `${value} milliseconds` : value
      case 'binary':
        return value instanceof Uint8Array
          ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
          : value
      default:
        if (value instanceof Date) return formatTimestamp(value)
        if (value instanceof Uint8Array && !Buffer.isBuffer(value))
          return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
        return value
    }
  },

  fromDriver(field, value) {
    return value === null || value === undefined ? null : readerFor(field)(value)
  },

  fromDriverFor(field) {
    return readerFor(field)
  },

  textLookup(lookup, lhs, value, field) {
    const kind = storageField(field)?.kind
    const text: Fragment = kind && TEXTUAL.has(kind) ? lhs : sql`(${lhs})::text`
    // The compiler escaped the value with `\`, which is PostgreSQL's default LIKE escape.
    switch (lookup) {
      case 'iexact':
        return sql`${text} ilike ${value}`
      case 'contains':
        return sql`${text} like ${`%${value}%`}`
      case 'icontains':
        return sql`${text} ilike ${`%${value}%`}`
      case 'startswith':
        return sql`${text} like ${`${value}%`}`
      case 'istartswith':
        return sql`${text} ilike ${`${value}%`}`
      case 'endswith':
        return sql`${text} like ${`%${value}`}`
      case 'iendswith':
        return sql`${text} ilike ${`%${value}`}`
      case 'regex':
        return sql`${text} ~ ${value}`
      case 'iregex':
        return sql`${text} ~* ${value}`
      default:
        throw new NotSupportedError(`PostgreSQL has no lookup '${lookup}'`)
    }
  },

  transform(name, lhs, kind): Fragment {
    // timestamptz is read in UTC whatever the session's TimeZone.
    const src: Fragment = kind === 'dateTime' ? sql`(${lhs} at time zone 'UTC')` : lhs
    switch (name) {
      case 'date':
        return kind === 'date' ? lhs : sql`(${src})::date`
      case 'time':
        return kind === 'time' ? lhs : sql`(${src})::time`
      case 'week_day':
        // Django's week_day: 1 = Sunday ... 7 = Saturday; DOW is 0 = Sunday.
        return sql`(extract(dow from ${src})::integer + 1)`
      case 'second':
        return sql`floor(extract(second from ${src}))::integer`
    }
    const part = EXTRACT[name]
    if (!part) throw new NotSupportedError(`PostgreSQL has no transform '${name}'`)
    return sql`extract(${sql.raw(part)} from ${src})::integer`
  },

  orderTerm(expr, descending, nulls) {
    const dir = descending ? sql`desc` : sql`asc`
    if (nulls.nullsFirst) return sql`${expr} ${dir} nulls first`
    if (nulls.nullsLast) return sql`${expr} ${dir} nulls last`
    return sql`${expr} ${dir}`
  },

  explain(query, spec) {
    // Keywords come from fixed maps, never from the caller's strings.
    const parts: string[] = []
    for (const [name, on] of Object.entries(spec.options)) {
      const keyword = PG_EXPLAIN_FLAGS[name]
      if (keyword) parts.push(`${keyword} ${on ? 'true' : 'false'}`)
    }
    const format = spec.format === undefined ? undefined : PG_EXPLAIN_FORMATS[spec.format]
    if (format) parts.push(`format ${format}`)
    return parts.length ? sql`explain (${sql.raw(parts.join(', '))}) ${query}` : sql`explain ${query}`
  },
  inArray(lhs, values) {
    // One array parameter instead of one per value: the protocol carries at most 65535. Its type follows lhs.
    return sql`${lhs} = any(${sql.val(values)})`
  },
  cursor: {
    declare(name, query) {
      return sql`declare ${sql.id(name)} no scroll cursor for ${query}`
    },
    fetch(name, count) {
      return sql`fetch forward ${sql.lit(Math.max(1, Math.trunc(count)))} from ${sql.id(name)}`
    },
    close(name) {
      return sql`close ${sql.id(name)}`
    },
  },
  valueExpression(param, field) {
    // A bare parameter is `unknown` to PostgreSQL, which makes a CASE of them text; booleans must stay booleans.
    return field?.kind === 'boolean' ? sql`cast(${param} as boolean)` : param
  },
  func(name, args, field, context) {
    switch (name) {
      case 'Cast': {
        const x = args[0]!
        switch (context?.option) {
          case 'decimal': {
            const { maxDigits, decimalPlaces } = field as DecimalField<boolean, boolean>
            if (!Number.isSafeInteger(maxDigits) || !Number.isSafeInteger(decimalPlaces)) throw new NotSupportedError('Cast() to a decimal needs integer maxDigits and decimalPlaces')
            return sql`cast(${x} as numeric(${sql.raw(String(maxDigits))}, ${sql.raw(String(decimalPlaces))}))`
          }
          case 'date':
            // In UTC whatever the session's time zone, like the date transforms.
            return context.argKinds[0] === 'dateTime' ? sql`cast((${x} at time zone 'UTC') as date)` : sql`cast(${x} as date)`
          case 'dateTime':
            return context.argKinds[0] === 'dateTime' ? x : sql`(cast(${x} as timestamp) at time zone 'UTC')`
        }
        const type = { integer: 'integer', float: 'double precision', text: 'text', boolean: 'boolean' }[context?.option ?? '']
        if (!type) throw new NotSupportedError(`PostgreSQL cannot cast to '${context?.option}'`)
        return sql`cast(${args[0]!} as ${sql.raw(type)})`
      }
      case 'Substr':
        return sql`substr(cast(${args[0]!} as text), ${sql.join(args.slice(1).map((a) => sql`cast(${a} as integer)`))})`
      case 'Replace':
        return sql`replace(cast(${args[0]!} as text), cast(${args[1]!} as text), cast(${args[2]!} as text))`
      case 'Mod':
        // mod() has no double precision form; numeric keeps integers and decimals exact.
        return sql`mod(cast(${args[0]!} as numeric), cast(${args[1]!} as numeric))`
      case 'Power':
        return sql`power(cast(${args[0]!} as double precision), cast(${args[1]!} as double precision))`
      case 'Trunc': {
        const [unit, output] = (context?.option ?? '').split(':')
        if (!unit || !TRUNC_UNITS.has(unit)) throw new NotSupportedError(`PostgreSQL cannot truncate to '${unit}'`)
        if (context?.argKinds[0] === 'date') return sql`cast(date_trunc(${sql.lit(unit)}, cast(${args[0]!} as timestamp)) as date)`
        // timestamptz is truncated in UTC whatever the session's TimeZone.
        const truncated = sql`date_trunc(${sql.lit(unit)}, ${args[0]!} at time zone 'UTC')`
        return output === 'date' ? sql`cast(${truncated} as date)` : sql`(${truncated} at time zone 'UTC')`
      }
      case 'Concat':
        // concat() skips nulls; its arguments are "any", so parameters need a type.
        return sql`concat(${sql.join(args.map((a) => sql`cast(${a} as text)`))})`
      case 'Length':
        return sql`char_length(${args[0]!})`
      case 'Round':
        // round(double precision, integer) does not exist.
        return args.length === 2 ? sql`round(cast(${args[0]!} as numeric), ${args[1]!})` : undefined
      default:
        return undefined
    }
  },

  random() {
    return sql`random()`
  },

  limitOffset(limit, offset) {
    if (limit === null && offset === 0) return sql``
    if (limit === null) return sql`offset ${offset}`
    return offset ? sql`limit ${sql.lit(limit)} offset ${offset}` : sql`limit ${sql.lit(limit)}`
  },

  columnType(field) {
    const f = storageField(field)!
    const max = (f.options as { maxLength?: number }).maxLength
    switch (f.kind) {
      case 'auto':
      case 'integer':
      case 'positiveInteger':
        return 'integer'
      case 'bigAuto':
      case 'bigInteger':
        return 'bigint'
      case 'smallInteger':
        return 'smallint'
      case 'float':
        return 'double precision'
      case 'decimal': {
        const d = f as DecimalField<boolean, boolean>
        return `numeric(${d.maxDigits}, ${d.decimalPlaces})`
      }
      case 'boolean':
        return 'boolean'
      case 'date':
        return 'date'
      case 'dateTime':
        return 'timestamp with time zone'
      case 'time':
        return 'time'
      case 'duration':
        return 'interval'
      case 'uuid':
        return 'uuid'
      case 'json':
        return 'jsonb'
      case 'binary':
        return 'bytea'
      case 'text':
        return 'text'
      default:
        return max ? `varchar(${max})` : 'text'
    }
  },

  autoIncrement(field) {
    return field.kind === 'auto' || field.kind === 'bigAuto' ? ' generated by default as identity' : ''
  },

  insertVerb() {
    return 'insert'
  },

  insertColumns(fields, columns) {
    return unnestRows(fields, columns, (f) => this.columnType(f))
  },

  insertSuffix(ignoreConflicts) {
    return ignoreConflicts ? 'on conflict do nothing' : ''
  },

  conflictUpdate(uniqueColumns, updateColumns) {
    const sets = updateColumns.map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`)
    return sql`on conflict (${sql.join(uniqueColumns.map((c) => sql.id(c)))}) do update set ${sql.join(sets)}`
  },
}
