import { Field, type FieldKind, type FieldOptions } from './field.js'

const INT_RANGES: Record<string, readonly [number, number]> = {
  auto: [1, 2147483647],
  integer: [-2147483648, 2147483647],
  smallInteger: [-32768, 32767],
  positiveInteger: [0, 2147483647],
}
const BIG_MIN = -(2n ** 63n)
const BIG_MAX = 2n ** 63n - 1n

/** A 32-bit (or 16-bit) integer: `auto`, `integer`, `smallInteger`, `positiveInteger`. */
export class IntegerField<N extends boolean, O extends boolean, K extends FieldKind> extends Field<number, N, O, K> {
  override get dbGenerated(): boolean {
    return this.kind === 'auto'
  }

  protected override coerce(value: unknown): number {
    let n = value
    if (typeof n === 'string' && /^\s*[-+]?\d+\s*$/.test(n)) n = Number(n)
    if (typeof n === 'bigint' && n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER))
      n = Number(n)
    if (typeof n !== 'number' || !Number.isInteger(n)) this.mismatch(value, 'an integer')
    const [min, max] = INT_RANGES[this.kind] ?? INT_RANGES.integer!
    if (n < (this.kind === 'auto' ? -2147483648 : min) || n > max)
      this.mismatch(value, `an integer from ${min} to ${max}`)
    return n
  }
}

/** A 64-bit integer held as `bigint`: `bigInteger`, `bigAuto`. */
export class BigIntegerField<N extends boolean, O extends boolean, K extends FieldKind> extends Field<bigint, N, O, K> {
  override get dbGenerated(): boolean {
    return this.kind === 'bigAuto'
  }

  protected override coerce(value: unknown): bigint {
    let n: bigint | undefined
    if (typeof value === 'bigint') n = value
    else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value)
    else if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) n = BigInt(value.trim())
    if (n === undefined) this.mismatch(value, 'a bigint (or a safe integer)')
    if (n < BIG_MIN || n > BIG_MAX) this.mismatch(value, 'a 64-bit integer')
    return n
  }
}

/** A double-precision float. */
export class FloatField<N extends boolean, O extends boolean> extends Field<number, N, O, 'float'> {
  protected override coerce(value: unknown): number {
    let n = value
    if (typeof n === 'string' && n.trim() !== '') n = Number(n)
    if (typeof n !== 'number' || !Number.isFinite(n)) this.mismatch(value, 'a finite number')
    return n
  }
}

/** Options of `f.decimal`. */
export interface DecimalOptions extends FieldOptions<string> {
  maxDigits: number
  decimalPlaces: number
}

/** An exact decimal held as a string (`'12.50'`); never a binary float. */
export class DecimalField<N extends boolean, O extends boolean> extends Field<string, N, O, 'decimal'> {
  declare readonly options: DecimalOptions

  /** Total digits allowed. */
  get maxDigits(): number {
    return this.options.maxDigits
  }

  /** Digits after the point. */
  get decimalPlaces(): number {
    return this.options.decimalPlaces
  }

  protected override coerce(value: unknown): string {
    let s: string | undefined
    if (typeof value === 'string') s = value.trim()
    else if (typeof value === 'number' && Number.isFinite(value)) s = String(value)
    else if (typeof value === 'bigint') s = String(value)
    if (s === undefined || !/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(s)) this.mismatch(value, 'a decimal string such as "12.50"')
    return normalizeDecimal(s, this.decimalPlaces, (why) => this.mismatch(value, why))
  }
}

/**
 * Rounds a decimal string to `places` (half away from zero) and checks nothing else;
 * calls `fail` with a reason for an impossible input.
 */
export function normalizeDecimal(s: string, places: number, fail: (why: string) => never): string {
  let sign = ''
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = '-'
    s = s.slice(1)
  }
  let [int = '', frac = ''] = s.split('.')
  if (int === '') int = '0'
  if (frac.length > places) {
    const keep = frac.slice(0, places)
    const roundUp = frac.charCodeAt(places) >= 53 /* '5' */
    let digits = (int + keep).split('').map(Number)
    if (roundUp) {
      let i = digits.length - 1
      while (i >= 0) {
        if (digits[i]! < 9) {
          digits[i]!++
          break
        }
        digits[i] = 0
        i--
      }
      if (i < 0) digits = [1, ...digits]
    }
    const all = digits.join('')
    int = all.slice(0, all.length - places) || '0'
    frac = all.slice(all.length - places)
  } else frac = frac.padEnd(places, '0')
  int = int.replace(/^0+(?=\d)/, '')
  if (int.length > 1000) fail('a decimal of reasonable size')
  const out = places > 0 ? `${int}.${frac}` : int
  return /^0(\.0*)?$/.test(out) ? out : sign + out
}

/** A boolean; `'true'`/`'false'`/`'1'`/`'0'` are accepted from text input. */
export class BooleanField<N extends boolean, O extends boolean> extends Field<boolean, N, O, 'boolean'> {
  protected override coerce(value: unknown): boolean {
    if (typeof value === 'boolean') return value
    if (value === 1 || value === 'true' || value === '1' || value === 'True' || value === 't') return true
    if (value === 0 || value === 'false' || value === '0' || value === 'False' || value === 'f') return false
    this.mismatch(value, 'a boolean')
  }
}

/** Options of the text fields with a length limit. */
export interface CharOptions extends FieldOptions<string> {
  maxLength?: number
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const SLUG = /^[-a-zA-Z0-9_]+$/
const URL_RE = /^(https?|ftps?):\/\/[^\s/$.?#].[^\s]*$/i

/** Text: `char`, `text`, `email`, `url`, `slug`. */
export class CharField<N extends boolean, O extends boolean, K extends FieldKind> extends Field<string, N, O, K> {
  declare readonly options: CharOptions

  /** The length limit, if any. */
  get maxLength(): number | undefined {
    return this.options.maxLength
  }

  protected override coerce(value: unknown): string {
    if (typeof value !== 'string') this.mismatch(value, 'a string')
    if (value.includes('\u0000')) this.mismatch(value, 'a string without NUL characters')
    return value
  }

  override validate(value: unknown): string[] {
    const errors = super.validate(value)
    if (typeof value !== 'string' || value === '') return errors
    const max = this.maxLength
    if (max !== undefined && value.length > max)
      errors.push(`Ensure this value has at most ${max} characters (it has ${value.length}).`)
    if (this.kind === 'email' && !EMAIL.test(value)) errors.push('Enter a valid email address.')
    if (this.kind === 'slug' && !SLUG.test(value))
      errors.push('Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.')
    if (this.kind === 'url' && !URL_RE.test(value)) errors.push('Enter a valid URL.')
    return errors
  }
}

/** Checks a Date is real and within years 1 to 9999 (UTC), the range every database stores. */
function validDate(value: unknown): value is Date {
  if (!(value instanceof Date)) return false
  const y = value.getUTCFullYear()
  return !Number.isNaN(y) && y >= 1 && y <= 9999
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** A calendar date held as `'YYYY-MM-DD'`. */
export class DateField<N extends boolean, O extends boolean> extends Field<string, N, O, 'date'> {
  protected override coerce(value: unknown): string {
    if (validDate(value)) return value.toISOString().slice(0, 10)
    if (typeof value === 'string') {
      const m = ISO_DATE.exec(value)
      if (m) {
        const d = new Date(`${value}T00:00:00Z`)
        if (validDate(d) && d.toISOString().slice(0, 10) === value) return value
      }
    }
    this.mismatch(value, "a date ('YYYY-MM-DD' or a valid Date in years 1 to 9999)")
  }
}

/** Date and time options: `autoNow` stamps every save, `autoNowAdd` the first. */
export interface DateTimeOptions<T> extends FieldOptions<T> {
  autoNow?: boolean
  autoNowAdd?: boolean
}

/** An instant held as a `Date`, stored in UTC. */
export class DateTimeField<N extends boolean, O extends boolean> extends Field<Date, N, O, 'dateTime'> {
  declare readonly options: DateTimeOptions<Date>

  protected override coerce(value: unknown): Date {
    if (validDate(value)) return value
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
      const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(value) && value.length > 10
      const d = new Date(hasZone ? value : `${value.length === 10 ? `${value}T00:00:00` : value.replace(' ', 'T')}Z`)
      if (validDate(d)) return d
    }
    this.mismatch(value, 'a valid Date (or an ISO 8601 string) in years 1 to 9999')
  }

  override hasDefault(): boolean {
    return super.hasDefault() || this.options.autoNow === true || this.options.autoNowAdd === true
  }
}

/** A time of day held as `'HH:MM:SS[.ffffff]'`. */
export class TimeField<N extends boolean, O extends boolean> extends Field<string, N, O, 'time'> {
  protected override coerce(value: unknown): string {
    if (typeof value === 'string') {
      const m = /^(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?$/.exec(value)
      if (m && Number(m[1]) < 24 && Number(m[2]) < 60 && Number(m[3] ?? 0) < 60)
        return `${m[1]}:${m[2]}:${m[3] ?? '00'}${m[4] ?? ''}`
    }
    this.mismatch(value, "a time ('HH:MM[:SS[.ffffff]]')")
  }
}

/** A length of time in milliseconds. */
export class DurationField<N extends boolean, O extends boolean> extends Field<number, N, O, 'duration'> {
  protected override coerce(value: unknown): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.mismatch(value, 'a finite number of milliseconds')
    return value
  }
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i

/** A UUID held as a lowercase dashed string. */
export class UuidField<N extends boolean, O extends boolean> extends Field<string, N, O, 'uuid'> {
  protected override coerce(value: unknown): string {
    if (typeof value !== 'string' || !UUID_RE.test(value)) this.mismatch(value, 'a UUID string')
    const hex = value.replace(/-/g, '').toLowerCase()
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
  }
}

/** Any JSON value; `f.json<T>()` types it. */
export class JsonField<T, N extends boolean, O extends boolean> extends Field<T, N, O, 'json'> {
  protected override coerce(value: unknown): T {
    if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint' || value === undefined)
      this.mismatch(value, 'a JSON value')
    if (typeof value === 'number' && !Number.isFinite(value)) this.mismatch(value, 'a JSON value')
    return value as T
  }
}

/** Raw bytes held as `Uint8Array`. */
export class BinaryField<N extends boolean, O extends boolean> extends Field<Uint8Array, N, O, 'binary'> {
  protected override coerce(value: unknown): Uint8Array {
    if (!(value instanceof Uint8Array)) this.mismatch(value, 'a Uint8Array')
    return value
  }
}
