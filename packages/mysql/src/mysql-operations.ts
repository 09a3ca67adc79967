import {
  type DecimalField,
  type Field,
  type FieldKind,
  ForeignKey,
  NotSupportedError,
} from '@strata/core'
import { type DialectOperations, dateTimeFromText, dateTimeText, type ExplainSpec, type Fragment, readersByKind, YEAR_0_MS, YEAR_10000_MS } from '@strata/query'
import { sql } from 'kysely'
import { mysqlJson } from './mysql-json.js'

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

/**
 * `Date` -> `'YYYY-MM-DD HH:MM:SS.mmm'` in UTC, the text a DATETIME(6) column takes. A year outside
 * 1..9999 is formatted as is, so that the server refuses it (strict mode: error 1292, a `DataError`).
 */
export function formatDateTime(d: Date): string {
  const t = d.getTime()
  if (t >= YEAR_0_MS && t < YEAR_10000_MS) return dateTimeText(d, ' ')
  const y = d.getUTCFullYear()
  const year = y < 0 ? `-${pad(-y, 4)}` : pad(y, 4)
  return `${year}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
}

/**
 * DATETIME(6) text, UTC (the session's time_zone is +00:00), to a `Date`: JavaScript keeps
 * milliseconds (the microseconds are cut, not rounded); another form goes to the parser.
 */
function parseDateTime(s: string): Date {
  return dateTimeFromText(s) ?? new Date(`${s.length === 10 ? `${s}T00:00:00` : s.slice(0, 23).replace(' ', 'T')}Z`)
}

function storageField(field: Field | undefined): Field | undefined {
  return field instanceof ForeignKey && field.target ? storageField(field.target.pk) : field
}

const TEXT_KINDS = new Set<FieldKind>(['char', 'text', 'email', 'url', 'slug', 'uuid'])
const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/

/**
 * A decimal bound as an unquoted exact-value literal (`12.50`, not `'12.50'`): MySQL compares a
 * DECIMAL column with a quoted string as two doubles, which is not exact past 15 digits.
 * mysql2 writes it through `toSqlString` when it formats the query.
 */
export class DecimalLiteral {
  readonly text: string
  constructor(text: string) {
    if (!DECIMAL_TEXT.test(text)) throw new NotSupportedError(`Not a decimal: ${JSON.stringify(text)}`)
    this.text = text
  }
  toSqlString(): string {
    return this.text
  }
  toString(): string {
    return this.text
  }
  toJSON(): string {
    return this.text
  }
}

// The binary collation that compares code points; case and accents matter (trailing spaces are
// PAD SPACE here, which `exact` settles with a byte comparison).
const BIN = sql.raw('utf8mb4_bin')

/** What `time(6)` gives back, without the fraction when it is zero: `'10:30:00'`, `'10:30:00.25'`. */
function trimTime(s: string): string {
  const dot = s.indexOf('.')
  if (dot < 0) return s
  const frac = s.slice(dot + 1).replace(/0+$/, '')
  return frac ? `${s.slice(0, dot)}.${frac}` : s.slice(0, dot)
}

function toNumber(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v)
  return v
}

/** A value read from MySQL: never null (callers read null and undefined as null). */
type Reader = (value: unknown) => unknown

// One reader per kind, chosen once per field (a query's hydrator picks them when it is built).
const readUntyped: Reader = (v) => v
const readBoolean: Reader = (v) => Number(v) !== 0
const readNumber: Reader = toNumber
const readBigInt: Reader = (v) =>
  typeof v === 'bigint' ? v : BigInt(typeof v === 'number' ? Math.trunc(v) : String(v).split('.')[0]!)
const readDateTime: Reader = (v) =>
  typeof v === 'string' ? parseDateTime(v) : v instanceof Date ? v : parseDateTime(String(v))
const readDate: Reader = (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10))
const readTime: Reader = (v) => trimTime(String(v))
// MariaDB stores JSON as LONGTEXT; the driver hands every JSON value over as text (see the dialect's typeCast).
const readJson: Reader = (v) =>
  typeof v === 'string' ? JSON.parse(v) : Buffer.isBuffer(v) ? JSON.parse(v.toString('utf8')) : v
const readDuration: Reader = (v) => Number(v) / 1000
const readBinary: Reader = (v) => (v instanceof Uint8Array ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : v)
const readText: Reader = (v) => (typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : String(v))

/** How a non-null value of `field` read from MySQL becomes its JavaScript value, chosen once per field. */
const readerFor = readersByKind({
  database: 'MySQL',
  untyped: readUntyped,
  boolean: readBoolean,
  number: readNumber,
  bigint: readBigInt,
  dateTime: readDateTime,
  date: readDate,
  time: readTime,
  duration: readDuration,
  json: readJson,
  binary: readBinary,
  text: readText,
  decimalText: (v, places) => (typeof v === 'number' ? v.toFixed(Math.min(places, 100)) : String(v)),
})

/** The EXPLAIN formats MySQL and MariaDB take, by Strata's name (`text` is the plain table). */
const MYSQL_EXPLAIN_FORMATS: Readonly<Record<string, string>> = { json: 'json', tree: 'tree' }

/**
 * EXPLAIN on MySQL or MariaDB. `analyze` runs the query: MariaDB spells it `ANALYZE [FORMAT=JSON]`,
 * MySQL `EXPLAIN ANALYZE`, which prints the tree format only.
 * https://mariadb.com/kb/en/analyze-statement/ https://dev.mysql.com/doc/refman/8.0/en/explain.html
 */
export function mysqlExplain(query: Fragment, spec: ExplainSpec, mariadb: boolean): Fragment {
  const format = spec.format === undefined ? undefined : MYSQL_EXPLAIN_FORMATS[spec.format]
  if (spec.options.analyze) {
    if (mariadb) return format ? sql`analyze format=${sql.raw(format)} ${query}` : sql`analyze ${query}`
    if (format && format !== 'tree') throw new NotSupportedError(`explain(): MySQL prints EXPLAIN ANALYZE in the tree format only, not ${format}`)
    return sql`explain analyze ${query}`
  }
  return format ? sql`explain format=${sql.raw(format)} ${query}` : sql`explain ${query}`
}

/** MySQL's and MariaDB's spelling of values, lookups, transforms and DDL types. */
export const mysqlOperations: DialectOperations = {
  json: mysqlJson,

  toDriver(field, value) {
    if (value === null || value === undefined) return null
    const f = storageField(field)
    switch (f?.kind) {
      case 'boolean':
        return value ? 1 : 0
      case 'dateTime':
        return value instanceof Date ? formatDateTime(value) : value
      case 'decimal':
        return typeof value === 'string' && DECIMAL_TEXT.test(value) ? new DecimalLiteral(value) : value
      case 'json':
        return JSON.stringify(value)
      case 'duration':
        return typeof value === 'number' ? BigInt(Math.round(value * 1000)) : value
      case 'binary':
        return value instanceof Uint8Array
          ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
          : value
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

  exact(lhs, rhs, field) {
    if (!field || !TEXT_KINDS.has(storageField(field)!.kind)) return sql`${lhs} = ${rhs}`
    // The first comparison can use an index in the column's collation; the second makes it exact
    // whatever that collation is (case, accents, trailing spaces), by comparing bytes.
    return sql`(${lhs} = ${rhs} and cast(${lhs} as binary) = cast(${rhs} as binary))`
  },

  textLookup(lookup, lhs, value) {
    // LIKE's escape character is `\` by default, as the compiler escapes; a binary collation makes
    // the case-sensitive lookups exact, LOWER() on both sides makes the others Unicode-aware.
    switch (lookup) {
      case 'iexact':
        return sql`lower(${lhs}) like lower(${value}) collate ${BIN}`
      case 'contains':
        return sql`${lhs} like ${`%${value}%`} collate ${BIN}`
      case 'icontains':
        return sql`lower(${lhs}) like lower(${`%${value}%`}) collate ${BIN}`
      case 'startswith':
        return sql`${lhs} like ${`${value}%`} collate ${BIN}`
      case 'istartswith':
        return sql`lower(${lhs}) like lower(${`${value}%`}) collate ${BIN}`
      case 'endswith':
        return sql`${lhs} like ${`%${value}`} collate ${BIN}`
      case 'iendswith':
        return sql`lower(${lhs}) like lower(${`%${value}`}) collate ${BIN}`
      case 'regex':
        // REGEXP follows the collation: binary makes it case-sensitive on MySQL 8 (ICU) and MariaDB (PCRE).
        return sql`${lhs} regexp ${value} collate ${BIN}`
      case 'iregex':
        // Lowercasing the pattern would change `\\D` into `\\d`: a case-insensitive collation instead.
        return sql`${lhs} regexp ${value} collate utf8mb4_general_ci`
      default:
        throw new NotSupportedError(`MySQL has no lookup '${lookup}'`)
    }
  },

  transform(name, lhs, _kind: FieldKind): Fragment {
    // Datetimes are stored as UTC text and the session time zone is +00:00, so these are UTC.
    switch (name) {
      case 'year':
        return sql`year(${lhs})`
      case 'iso_year':
        return sql`(yearweek(${lhs}, 3) div 100)`
      case 'month':
        return sql`month(${lhs})`
      case 'day':
        return sql`dayofmonth(${lhs})`
      case 'week':
        return sql`week(${lhs}, 3)`
      case 'week_day':
        return sql`dayofweek(${lhs})`
      case 'iso_week_day':
        return sql`(weekday(${lhs}) + 1)`
      case 'quarter':
        return sql`quarter(${lhs})`
      case 'hour':
        return sql`hour(${lhs})`
      case 'minute':
        return sql`minute(${lhs})`
      case 'second':
        return sql`second(${lhs})`
      case 'date':
        return sql`cast(${lhs} as date)`
      case 'time':
        return sql`cast(${lhs} as time(6))`
      default:
        throw new NotSupportedError(`MySQL has no transform '${name}'`)
    }
  },

  orderTerm(expr, descending, nulls) {
    const dir = descending ? sql`desc` : sql`asc`
    // MySQL has no NULLS FIRST/LAST; NULL sorts first ascending and last descending, so only the
    // other two cases need a leading `x is null` term.
    if (nulls.nullsFirst && descending) return sql`(${expr} is null) desc, ${expr} ${dir}`
    if (nulls.nullsLast && !descending) return sql`(${expr} is null) asc, ${expr} ${dir}`
    return sql`${expr} ${dir}`
  },

  explain(query, spec) {
    // mysql() replaces this with the server's flavour once it is known; MariaDB's spelling by default.
    return mysqlExplain(query, spec, true)
  },
  func(name, args, field, context) {
    switch (name) {
      case 'Cast': {
        const x = args[0]!
        switch (context?.option) {
          case 'decimal': {
            const { maxDigits, decimalPlaces } = field as DecimalField<boolean, boolean>
            if (!Number.isSafeInteger(maxDigits) || !Number.isSafeInteger(decimalPlaces)) throw new NotSupportedError('Cast() to a decimal needs integer maxDigits and decimalPlaces')
            return sql`cast(${x} as decimal(${sql.raw(String(maxDigits))}, ${sql.raw(String(decimalPlaces))}))`
          }
          case 'boolean':
            return sql`(${x} <> 0)`
          case 'date':
            return sql`cast(${x} as date)`
          case 'dateTime':
            return sql`cast(${x} as datetime(6))`
          case 'integer':
            return sql`cast(${x} as signed)`
          case 'float':
            // CAST(... AS DOUBLE) is missing from older MySQL and MariaDB; adding a double zero converts everywhere.
            return sql`(${x} + 0e0)`
          case 'text':
            return sql`cast(${x} as char)`
          default:
            throw new NotSupportedError(`MySQL cannot cast to '${context?.option}'`)
        }
      }
      case 'Trunc': {
        const [unit, output] = (context?.option ?? '').split(':')
        const x = args[0]!
        const dateOnly = output === 'date' || context?.argKinds[0] === 'date'
        const midnight = dateOnly ? '' : ' 00:00:00'
        // Datetimes are UTC text in a +00:00 session: formatting them truncates in UTC. The text is cast
        // back so that it compares as a date or datetime, not as a string.
        let text: Fragment
        switch (unit) {
          case 'year':
            text = sql`date_format(${x}, ${sql.lit(`%Y-01-01${midnight}`)})`
            break
          case 'quarter':
            text = sql`concat(lpad(year(${x}), 4, '0'), '-', lpad((quarter(${x}) - 1) * 3 + 1, 2, '0'), ${sql.lit(`-01${midnight}`)})`
            break
          case 'month':
            text = sql`date_format(${x}, ${sql.lit(`%Y-%m-01${midnight}`)})`
            break
          case 'week':
            text = sql`date_format(date_sub(${x}, interval weekday(${x}) day), ${sql.lit(`%Y-%m-%d${midnight}`)})`
            break
          case 'day':
            text = sql`date_format(${x}, ${sql.lit(`%Y-%m-%d${midnight}`)})`
            break
          case 'hour':
            text = sql`date_format(${x}, '%Y-%m-%d %H:00:00')`
            break
          case 'minute':
            text = sql`date_format(${x}, '%Y-%m-%d %H:%i:00')`
            break
          case 'second':
            text = sql`date_format(${x}, '%Y-%m-%d %H:%i:%s')`
            break
          default:
            throw new NotSupportedError(`MySQL cannot truncate to '${unit}'`)
        }
        return dateOnly ? sql`cast(${text} as date)` : sql`cast(${text} as datetime(6))`
      }
      case 'Concat':
        // concat_ws() skips nulls, where concat() would return null.
        return sql`concat_ws('', ${sql.join(args)})`
      case 'Length':
        // length() counts bytes.
        return sql`char_length(${args[0]!})`
      case 'Now':
        return sql`current_timestamp(6)`
      default:
        return undefined
    }
  },

  random() {
    return sql`rand()`
  },

  limitOffset(limit, offset) {
    if (limit === null && offset === 0) return sql``
    // MySQL has no OFFSET without LIMIT; its manual gives the largest BIGINT UNSIGNED for "all rows".
    if (limit === null) return sql`limit 18446744073709551615 offset ${offset}`
    return offset ? sql`limit ${sql.lit(limit)} offset ${offset}` : sql`limit ${sql.lit(limit)}`
  },

  columnType(field) {
    const f = storageField(field)!
    const max = (f.options as { maxLength?: number }).maxLength
    const text = (type: string) => `${type} character set utf8mb4 collate utf8mb4_bin`
    switch (f.kind) {
      case 'auto':
      case 'integer':
      case 'positiveInteger':
        return 'int'
      case 'bigAuto':
      case 'bigInteger':
      case 'duration':
        return 'bigint'
      case 'smallInteger':
        return 'smallint'
      case 'float':
        return 'double'
      case 'decimal': {
        const d = f as DecimalField<boolean, boolean>
        return `decimal(${d.maxDigits}, ${d.decimalPlaces})`
      }
      case 'boolean':
        return 'tinyint(1)'
      case 'date':
        return 'date'
      case 'dateTime':
        return 'datetime(6)'
      case 'time':
        return 'time(6)'
      case 'uuid':
        return text('char(36)')
      case 'json':
        return 'json'
      case 'binary':
        return max ? `varbinary(${max})` : 'longblob'
      case 'text':
        return text('longtext')
      default:
        return text(max ? `varchar(${max})` : 'longtext')
    }
  },

  autoIncrement(field) {
    return field.kind === 'auto' || field.kind === 'bigAuto' ? ' auto_increment' : ''
  },

  insertVerb() {
    return 'insert'
  },

  insertSuffix(ignoreConflicts, meta) {
    // Not INSERT IGNORE: IGNORE also turns data errors (a truncated string) into warnings. A no-op
    // update on a duplicate key skips exactly the conflicting rows, like ON CONFLICT DO NOTHING.
    if (!ignoreConflicts) return ''
    if (!meta) throw new NotSupportedError('MySQL needs the model to ignore conflicts on insert')
    const col = `\`${meta.pk.column.replace(/`/g, '``')}\``
    return `on duplicate key update ${col} = ${col}`
  },

  conflictUpdate(_uniqueColumns, updateColumns) {
    // Any unique key triggers ON DUPLICATE KEY UPDATE; VALUES(col) is the row proposed (MariaDB and MySQL).
    return sql`on duplicate key update ${sql.join(updateColumns.map((c) => sql`${sql.id(c)} = values(${sql.id(c)})`))}`
  },
}
