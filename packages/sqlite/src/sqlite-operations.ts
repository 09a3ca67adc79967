import { DataError, type DecimalField, type Field, type FieldKind, ForeignKey, NotSupportedError } from '@strata/core'
import { type DialectOperations, dateTimeFromText, dateTimeText, type Fragment, readersByKind, YEAR_1_MS, YEAR_10000_MS } from '@strata/query'
import { sql } from 'kysely'
import { sqliteJson } from './sqlite-json.js'

/** `Date` -> `'YYYY-MM-DD HH:MM:SS.mmm'` in UTC (sorts and compares as text). */
export function formatDateTime(d: Date): string {
  const t = d.getTime()
  if (!(t >= YEAR_1_MS && t < YEAR_10000_MS)) throw new RangeError(`year ${d.getUTCFullYear()} is out of range 1..9999`)
  return dateTimeText(d, ' ')
}

/** A value the compiler escaped for LIKE (`\\%`, `\\_`, `\\\\`) as a GLOB pattern matching it literally (`[*]`, `[?]`, `[[]`). */
function globLiteral(likeEscaped: string): string {
  return likeEscaped.replace(/\\([\s\S])/g, '$1').replace(/[*?[]/g, '[$&]')
}

/** The text Strata writes (`YYYY-MM-DD HH:MM:SS.mmm`, read without the parser), or any other form SQLite's date functions give. */
function parseDateTime(s: string): Date {
  return dateTimeFromText(s) ?? new Date(`${s.length === 10 ? `${s}T00:00:00` : s.replace(' ', 'T')}Z`)
}

function storageField(field: Field | undefined): Field | undefined {
  return field instanceof ForeignKey && field.target ? storageField(field.target.pk) : field
}

/** SQLite keeps NUMERIC values as 64-bit floats: exact to 15 significant digits, no more. */
const MAX_DECIMAL_DIGITS = 15

function checkDecimalPrecision(field: Field | undefined, value: string): string {
  const digits = value.replace(/^[-+]/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '')
  if (digits.length > MAX_DECIMAL_DIGITS)
    throw new DataError(
      `${field?.modelName ?? 'decimal'}.${field?.name ?? 'value'}: ${value} has ${digits.length} significant digits; SQLite stores decimals exactly only up to ${MAX_DECIMAL_DIGITS} (use PostgreSQL or MySQL for more)`,
      { model: field?.modelName, field: field?.name },
    )
  return value
}

function toNumber(v: unknown): unknown {
  return typeof v === 'bigint' ? Number(v) : v
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER)

/** A value read from SQLite: never null (callers read null and undefined as null). */
type Reader = (value: unknown) => unknown

// One reader per kind, chosen once per field (a query's hydrator picks them when it is built).
const readUntyped: Reader = (v) => (typeof v === 'bigint' && v <= MAX_SAFE && v >= MIN_SAFE ? Number(v) : v)
const readBoolean: Reader = (v) => Number(v) !== 0
const readNumber: Reader = toNumber
const readBigInt: Reader = (v) => (typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v))))
const readDateTime: Reader = (v) => (typeof v === 'string' ? parseDateTime(v) : new Date(Number(v)))
const readJson: Reader = (v) => (typeof v === 'string' ? JSON.parse(v) : v)
const readDuration: Reader = (v) => Number(v) / 1000
const readBinary: Reader = (v) => (v instanceof Uint8Array ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : v)
const readText: Reader = (v) => (typeof v === 'string' ? v : String(v))

/** How a non-null value of `field` read from SQLite becomes its JavaScript value, chosen once per field. */
const readerFor = readersByKind({
  database: 'SQLite',
  untyped: readUntyped,
  boolean: readBoolean,
  number: readNumber,
  bigint: readBigInt,
  dateTime: readDateTime,
  date: readText,
  time: readText,
  duration: readDuration,
  json: readJson,
  binary: readBinary,
  text: readText,
  decimalText: (v, places) => (typeof v === 'number' ? v.toFixed(Math.min(places, 100)) : String(v)),
})

const STRFTIME: Record<string, string> = {
  year: '%Y',
  iso_year: '%G',
  month: '%m',
  day: '%d',
  week: '%V',
  iso_week_day: '%u',
  hour: '%H',
  minute: '%M',
  second: '%S',
}

/** SQLite's spelling of values, lookups, transforms and DDL types. */
export const sqliteOperations: DialectOperations = {
  json: sqliteJson,

  toDriver(field, value) {
    if (value === null || value === undefined) return null
    const f = storageField(field)
    switch (f?.kind) {
      case 'boolean':
        return value ? 1 : 0
      case 'dateTime':
        return value instanceof Date ? formatDateTime(value) : value
      case 'json':
        return JSON.stringify(value)
      case 'decimal':
        return typeof value === 'string' ? checkDecimalPrecision(f, value) : value
      case 'duration':
        return typeof value === 'number' ? BigInt(Math.round(value * 1000)) : value
      case 'binary':
        return value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value
      default:
        if (typeof value === 'boolean') return value ? 1 : 0
        if (value instanceof Date) return formatDateTime(value)
        return value
    }
  },

  fromDriver(field, value) {
    return value === null || value === undefined ? null : readerFor(field)(value)
  },

  fromDriverFor(field) {
    return readerFor(field)
  },

  textLookup(lookup, lhs, value) {
    switch (lookup) {
      case 'iexact':
        return sql`strata_lower(${lhs}) like ${value.toLowerCase()} escape '\\'`
      // GLOB is case-sensitive by definition and, on a connection whose LIKE was made case-sensitive
      // (case_sensitive_like), about three times faster than LIKE per row; the pattern is the same text.
      case 'contains':
        return sql`${lhs} glob ${`*${globLiteral(value)}*`}`
      case 'icontains':
        return sql`strata_lower(${lhs}) like ${`%${value.toLowerCase()}%`} escape '\\'`
      case 'startswith':
        return sql`${lhs} glob ${`${globLiteral(value)}*`}`
      case 'istartswith':
        return sql`strata_lower(${lhs}) like ${`${value.toLowerCase()}%`} escape '\\'`
      case 'endswith':
        return sql`${lhs} glob ${`*${globLiteral(value)}`}`
      case 'iendswith':
        return sql`strata_lower(${lhs}) like ${`%${value.toLowerCase()}`} escape '\\'`
      case 'regex':
        return sql`strata_regexp(${lhs}, ${value}, 0)`
      case 'iregex':
        return sql`strata_regexp(${lhs}, ${value}, 1)`
      default:
        throw new NotSupportedError(`SQLite has no lookup '${lookup}'`)
    }
  },

  transform(name, lhs, _kind: FieldKind): Fragment {
    if (name === 'date') return sql`date(${lhs})`
    if (name === 'time') return sql`time(${lhs})`
    if (name === 'week_day') return sql`(cast(strftime('%w', ${lhs}) as integer) + 1)`
    if (name === 'quarter') return sql`((cast(strftime('%m', ${lhs}) as integer) + 2) / 3)`
    const fmt = STRFTIME[name]
    if (!fmt) throw new NotSupportedError(`SQLite has no transform '${name}'`)
    return sql`cast(strftime(${sql.lit(fmt)}, ${lhs}) as integer)`
  },

  orderTerm(expr, descending, nulls) {
    const dir = descending ? sql`desc` : sql`asc`
    if (nulls.nullsFirst) return sql`${expr} ${dir} nulls first`
    if (nulls.nullsLast) return sql`${expr} ${dir} nulls last`
    return sql`${expr} ${dir}`
  },

  explain(query) {
    // SQLite takes no format or option (features.explainFormats is ['text']).
    return sql`explain query plan ${query}`
  },
  inArray(lhs, values) {
    // One JSON parameter instead of one per value: SQLite binds at most 32766. Blobs cannot travel in JSON.
    const items: string[] = []
    for (const v of values) {
      if (v === null) items.push('null')
      else if (typeof v === 'bigint') items.push(v.toString())
      else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string') items.push(JSON.stringify(v))
      else return undefined
    }
    return sql`${lhs} in (select value from json_each(${`[${items.join(',')}]`}))`
  },
  func(name, args, field, context) {
    switch (name) {
      case 'ExpressionWrapper':
        // An expression has no column affinity: give a decimal one NUMERIC so that it compares with decimal text (Django does the same).
        return field?.kind === 'decimal' ? sql`cast(${args[0]!} as numeric)` : args[0]!
      case 'Cast': {
        const x = args[0]!
        switch (context?.option) {
          case 'decimal':
            // NUMERIC affinity; the value is rounded to the field's decimal places when read, as Django's converter does.
            return sql`cast(${x} as numeric)`
          case 'boolean':
            return sql`(cast(${x} as numeric) <> 0)`
          case 'date':
            return sql`date(${x})`
          case 'dateTime':
            // The stored text form of datetimes, so that the result compares with stored values.
            return sql`strftime('%Y-%m-%d %H:%M:%f', ${x})`
        }
        const type = { integer: 'integer', float: 'real', text: 'text' }[context?.option ?? '']
        if (!type) throw new NotSupportedError(`SQLite cannot cast to '${context?.option}'`)
        return sql`cast(${x} as ${sql.raw(type)})`
      }
      case 'Trunc': {
        const [unit, output] = (context?.option ?? '').split(':')
        const x = args[0]!
        const dateOnly = output === 'date' || context?.argKinds[0] === 'date'
        // Datetimes come out in the stored text form ('YYYY-MM-DD HH:MM:SS.fff') so that they compare with stored values.
        const midnight = dateOnly ? '' : ' 00:00:00.000'
        switch (unit) {
          case 'year':
            return sql`strftime(${sql.lit(`%Y-01-01${midnight}`)}, ${x})`
          case 'quarter':
            return sql`(strftime('%Y-', ${x}) || printf('%02d', ((cast(strftime('%m', ${x}) as integer) - 1) / 3) * 3 + 1) || ${sql.lit(`-01${midnight}`)})`
          case 'month':
            return sql`strftime(${sql.lit(`%Y-%m-01${midnight}`)}, ${x})`
          case 'week':
            // 'weekday 0' moves to the coming Sunday (or stays), 6 days before is that ISO week's Monday.
            return sql`strftime(${sql.lit(`%Y-%m-%d${midnight}`)}, ${x}, 'weekday 0', '-6 days')`
          case 'day':
            return sql`strftime(${sql.lit(`%Y-%m-%d${midnight}`)}, ${x})`
          case 'hour':
            return sql`strftime('%Y-%m-%d %H:00:00.000', ${x})`
          case 'minute':
            return sql`strftime('%Y-%m-%d %H:%M:00.000', ${x})`
          case 'second':
            return sql`strftime('%Y-%m-%d %H:%M:%S.000', ${x})`
          default:
            throw new NotSupportedError(`SQLite cannot truncate to '${unit}'`)
        }
      }
      case 'Concat':
        return sql`(${sql.join(args.map((a) => sql`coalesce(${a}, '')`), sql` || `)})`
      case 'Greatest':
        return sql`max(${sql.join(args)})`
      case 'Least':
        return sql`min(${sql.join(args)})`
      case 'Now':
        return sql`strftime('%Y-%m-%d %H:%M:%f', 'now')`
      default:
        return undefined
    }
  },

  random() {
    return sql`random()`
  },

  limitOffset(limit, offset) {
    if (limit === null && offset === 0) return sql``
    if (limit === null) return sql`limit -1 offset ${offset}`
    return offset ? sql`limit ${sql.lit(limit)} offset ${offset}` : sql`limit ${sql.lit(limit)}`
  },

  columnType(field) {
    const f = storageField(field)!
    const max = (f.options as { maxLength?: number }).maxLength
    switch (f.kind) {
      case 'auto':
      case 'bigAuto':
      case 'integer':
        return 'integer'
      case 'smallInteger':
        return 'smallint'
      case 'bigInteger':
        return 'bigint'
      case 'positiveInteger':
        return 'integer unsigned'
      case 'float':
        return 'real'
      case 'decimal': {
        const d = f as DecimalField<boolean, boolean>
        return `decimal(${d.maxDigits}, ${d.decimalPlaces})`
      }
      case 'boolean':
        return 'bool'
      case 'date':
        return 'date'
      case 'dateTime':
        return 'datetime'
      case 'time':
        return 'time'
      case 'duration':
        return 'bigint'
      case 'uuid':
        return 'char(36)'
      case 'json':
        return 'text'
      case 'binary':
        return 'blob'
      case 'text':
        return 'text'
      default:
        return max ? `varchar(${max})` : 'text'
    }
  },

  autoIncrement(field) {
    return field.kind === 'auto' || field.kind === 'bigAuto' ? ' autoincrement' : ''
  },

  insertVerb(ignoreConflicts) {
    return ignoreConflicts ? 'insert or ignore' : 'insert'
  },

  insertSuffix() {
    return ''
  },

  conflictUpdate(uniqueColumns, updateColumns) {
    const sets = updateColumns.map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`)
    return sql`on conflict (${sql.join(uniqueColumns.map((c) => sql.id(c)))}) do update set ${sql.join(sets)}`
  },
}
