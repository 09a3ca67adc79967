import { FieldError } from './errors.js'
import { Expression, FieldRef, isExpression, ValueExpr } from './expressions.js'
import { describe, type Field, type FieldKind, isField } from './fields/field.js'

/** The database functions Strata knows, with what their result is typed as. */
export const FUNCTIONS = {
  Lower: { min: 1, max: 1, output: 'text' },
  Upper: { min: 1, max: 1, output: 'text' },
  Length: { min: 1, max: 1, output: 'integer' },
  Concat: { min: 2, max: Infinity, output: 'text' },
  Coalesce: { min: 2, max: Infinity, output: 'first' },
  NullIf: { min: 2, max: 2, output: 'first' },
  Greatest: { min: 2, max: Infinity, output: 'first' },
  Least: { min: 2, max: Infinity, output: 'first' },
  Abs: { min: 1, max: 1, output: 'first' },
  Round: { min: 1, max: 2, output: 'first' },
  Ceil: { min: 1, max: 1, output: 'first' },
  Floor: { min: 1, max: 1, output: 'first' },
  Now: { min: 0, max: 0, output: 'dateTime' },
  Substr: { min: 2, max: 3, output: 'text' },
  Trim: { min: 1, max: 1, output: 'text' },
  LTrim: { min: 1, max: 1, output: 'text' },
  RTrim: { min: 1, max: 1, output: 'text' },
  Replace: { min: 3, max: 3, output: 'text' },
  Mod: { min: 2, max: 2, output: 'first' },
  Power: { min: 2, max: 2, output: 'float' },
  /** The output is the kind given to `Cast()`. */
  Cast: { min: 1, max: 1, output: 'option' },
  /** No SQL of its own: its argument, typed as the field given to `ExpressionWrapper()`. */
  ExpressionWrapper: { min: 1, max: 1, output: 'option' },
  /** The output is the source's kind (`dateTime` -> Date, `date` -> 'YYYY-MM-DD'), or `date` for `TruncDate`-style truncation. */
  Trunc: { min: 1, max: 1, output: 'option' },
} as const satisfies Record<string, { min: number; max: number; output: 'text' | 'integer' | 'float' | 'dateTime' | 'first' | 'option' }>

/** The field kinds `Cast()` converts to by name; `decimal` needs a field for its precision: `Cast(x, f.decimal({ ... }))`. */
export const CAST_KINDS = ['integer', 'float', 'text', 'char', 'boolean', 'date', 'dateTime'] as const
/** A field kind `Cast()` converts to: `'integer'`, `'float'`, `'text'` (or its alias `'char'`), `'boolean'`, `'date'`, `'dateTime'`. */
export type CastKind = (typeof CAST_KINDS)[number]

/** Field kinds a `Cast()` or `ExpressionWrapper()` output field may have, and the kind Cast renders for each. */
const CAST_FIELD_KINDS: Readonly<Partial<Record<FieldKind, string>>> = {
  integer: 'integer',
  smallInteger: 'integer',
  bigInteger: 'integer',
  positiveInteger: 'integer',
  float: 'float',
  decimal: 'decimal',
  char: 'text',
  text: 'text',
  email: 'text',
  url: 'text',
  slug: 'text',
  uuid: 'text',
  boolean: 'boolean',
  date: 'date',
  dateTime: 'dateTime',
}

/** The units `Trunc()` truncates to. */
export const TRUNC_KINDS = ['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second'] as const
/** A unit of `Trunc()`; `'week'` starts on Monday (ISO 8601). */
export type TruncKind = (typeof TRUNC_KINDS)[number]

/** The parts `Extract()` reads; the date and time transforms that give numbers. */
export const EXTRACT_KINDS = ['year', 'iso_year', 'quarter', 'month', 'week', 'day', 'week_day', 'iso_week_day', 'hour', 'minute', 'second'] as const
/** A part of a date or time for `Extract()`. */
export type ExtractKind = (typeof EXTRACT_KINDS)[number]

/** A function name of `FUNCTIONS`. */
export type FuncName = keyof typeof FUNCTIONS

/** An argument of a function: a field path (as `F`) or an expression (`Value(...)` for literals). */
export type FuncArg = string | Expression

/** A call of a database function; rendered by the query compiler, spelled by the dialect. */
export class FuncExpr<T = unknown> extends Expression<T> {
  readonly kind = 'Func'
  readonly args: readonly Expression[]
  constructor(
    readonly name: FuncName,
    args: readonly (FuncArg | number)[],
    /** `Cast`: the target kind; `Trunc`: the unit (and `:date` when the result is a date). */
    readonly option?: string,
    /** `Cast()` to a field and `ExpressionWrapper()`: the field whose type the result has. */
    readonly outputField?: Field,
  ) {
    super()
    const spec = FUNCTIONS[name]
    if (!spec) throw new FieldError(`Unknown function ${String(name)}`)
    if (args.length < spec.min || args.length > spec.max)
      throw new FieldError(`${name}() takes ${spec.min === spec.max ? spec.min : `${spec.min} to ${spec.max === Infinity ? 'any number of' : spec.max}`} arguments, got ${args.length}`)
    this.args = args.map((a, i) => {
      if (typeof a === 'string') return new FieldRef(a)
      if (isExpression(a)) return a
      if (((name === 'Round' && i === 1) || (name === 'Substr' && i > 0)) && typeof a === 'number' && Number.isInteger(a)) return new ValueExpr(a)
      throw new FieldError(`${name}() arguments must be field names or expressions (use Value() for literals)`)
    })
  }
}

/** Lowercases text. */
export function Lower(arg: FuncArg): FuncExpr<string | null> {
  return new FuncExpr('Lower', [arg])
}

/** Uppercases text. */
export function Upper(arg: FuncArg): FuncExpr<string | null> {
  return new FuncExpr('Upper', [arg])
}

/** The number of characters of text. */
export function Length(arg: FuncArg): FuncExpr<number | null> {
  return new FuncExpr('Length', [arg])
}

/** Joins texts; as in Django, a null part counts as the empty string. */
export function Concat(...args: FuncArg[]): FuncExpr<string> {
  return new FuncExpr('Concat', args)
}

/** The first argument that is not null. */
export function Coalesce(...args: FuncArg[]): FuncExpr<unknown> {
  return new FuncExpr('Coalesce', args)
}

/** Null when both arguments are equal, else the first. */
export function NullIf(a: FuncArg, b: FuncArg): FuncExpr<unknown> {
  return new FuncExpr('NullIf', [a, b])
}

/** The largest argument (null handling follows the database, as in Django). */
export function Greatest(...args: FuncArg[]): FuncExpr<unknown> {
  return new FuncExpr('Greatest', args)
}

/** The smallest argument (null handling follows the database, as in Django). */
export function Least(...args: FuncArg[]): FuncExpr<unknown> {
  return new FuncExpr('Least', args)
}

/** The absolute value. */
export function Abs(arg: FuncArg): FuncExpr<unknown> {
  return new FuncExpr('Abs', [arg])
}

/** Rounds to `places` decimal places (0 by default). */
export function Round(arg: FuncArg, places?: number): FuncExpr<unknown> {
  if (places !== undefined && (!Number.isInteger(places) || places < 0 || places > 30)) throw new FieldError('Round() places must be an integer from 0 to 30')
  return new FuncExpr('Round', places === undefined ? [arg] : [arg, places])
}

/** The smallest integer not below the value. */
export function Ceil(arg: FuncArg): FuncExpr<unknown> {
  return new FuncExpr('Ceil', [arg])
}

/** The largest integer not above the value. */
export function Floor(arg: FuncArg): FuncExpr<unknown> {
  return new FuncExpr('Floor', [arg])
}

/** The database's current date and time. */
export function Now(): FuncExpr<Date> {
  return new FuncExpr('Now', [])
}

/** Part of text: `length` characters (or the rest) from the 1-based position `pos`. */
export function Substr(arg: FuncArg, pos: number, length?: number): FuncExpr<string | null> {
  if (!Number.isInteger(pos) || pos < 1) throw new FieldError('Substr() pos must be an integer of 1 or more (positions start at 1)')
  if (length !== undefined && (!Number.isInteger(length) || length < 0)) throw new FieldError('Substr() length must be a non-negative integer')
  return new FuncExpr('Substr', length === undefined ? [arg, pos] : [arg, pos, length])
}

/** Removes leading and trailing spaces. */
export function Trim(arg: FuncArg): FuncExpr<string | null> {
  return new FuncExpr('Trim', [arg])
}

/** Removes leading spaces. */
export function LTrim(arg: FuncArg): FuncExpr<string | null> {
  return new FuncExpr('LTrim', [arg])
}

/** Removes trailing spaces. */
export function RTrim(arg: FuncArg): FuncExpr<string | null> {
  return new FuncExpr('RTrim', [arg])
}

/** Replaces every occurrence of `text` by `replacement` (the empty string by default); use `Value()` for literal text. */
export function Replace(arg: FuncArg, text: FuncArg, replacement?: FuncArg): FuncExpr<string | null> {
  return new FuncExpr('Replace', [arg, text, replacement ?? new ValueExpr('')])
}

/** The remainder of `a / b`, with the sign of `a`. */
export function Mod(a: FuncArg, b: FuncArg): FuncExpr<unknown> {
  return new FuncExpr('Mod', [a, b])
}

/** `base` raised to `exponent`, as a float. */
export function Power(base: FuncArg, exponent: FuncArg): FuncExpr<number | null> {
  return new FuncExpr('Power', [base, exponent])
}

type CastResult<K extends CastKind> = K extends 'integer' | 'float'
  ? number | null
  : K extends 'boolean'
    ? boolean | null
    : K extends 'dateTime'
      ? Date | null
      : string | null

function checkOutputField(fn: string, field: Field): string {
  const kind = isField(field) ? CAST_FIELD_KINDS[field.kind] : undefined
  if (!kind)
    throw new FieldError(`${fn}() takes a field of kind ${Object.keys(CAST_FIELD_KINDS).join(', ')} (such as f.decimal({ maxDigits: 10, decimalPlaces: 2 })), got ${isField(field) ? `a ${field.kind} field` : describe(field)}`)
  return kind
}

/**
 * Converts a value to another kind, as SQL CAST does: by name (`'integer'`, `'float'`, `'text'`/`'char'`,
 * `'boolean'`, `'date'`, `'dateTime'`) or to a field (`Cast('price', f.decimal({ maxDigits: 8, decimalPlaces: 2 }))`).
 */
export function Cast<K extends CastKind>(arg: FuncArg, kind: K): FuncExpr<CastResult<K>>
export function Cast<T>(arg: FuncArg, field: Field<T>): FuncExpr<T | null>
export function Cast(arg: FuncArg, kind: CastKind | Field): FuncExpr<unknown> {
  if (typeof kind === 'object' && kind !== null) return new FuncExpr('Cast', [arg], checkOutputField('Cast', kind), kind)
  if (!(CAST_KINDS as readonly string[]).includes(kind)) throw new FieldError(`Cast() kind must be one of ${CAST_KINDS.map((k) => `'${k}'`).join(', ')}, got ${JSON.stringify(kind)}`)
  return new FuncExpr('Cast', [arg], kind === 'char' ? 'text' : kind)
}

/**
 * Gives an expression the type of `field` without changing its SQL, as Django's `ExpressionWrapper`:
 * the result is converted as that field's values are (`ExpressionWrapper(F('price').mul(F('qty')), f.decimal({ ... }))`).
 */
export function ExpressionWrapper<T>(expr: FuncArg, field: Field<T>): FuncExpr<T | null> {
  if (!isExpression(expr) && typeof expr !== 'string') throw new FieldError(`ExpressionWrapper() wraps an expression or a field name, got ${describe(expr)}`)
  checkOutputField('ExpressionWrapper', field)
  return new FuncExpr('ExpressionWrapper', [expr], field.kind, field)
}

function checkPath(fn: string, arg: FuncArg): string {
  if (typeof arg === 'string') return arg
  if (arg instanceof FieldRef) return arg.name
  throw new FieldError(`${fn}() takes a field name or F(), got ${isExpression(arg) ? arg.kind : typeof arg}`)
}

/** A part of a date or datetime as a number (UTC), like the `__year`-style transforms: `Extract('pubDate', 'year')`. */
export function Extract(arg: FuncArg, kind: ExtractKind): Expression<number | null> {
  const path = checkPath('Extract', arg)
  if (!(EXTRACT_KINDS as readonly string[]).includes(kind)) throw new FieldError(`Extract() kind must be one of ${EXTRACT_KINDS.map((k) => `'${k}'`).join(', ')}, got ${JSON.stringify(kind)}`)
  return new FieldRef(`${path}__${kind}`) as Expression as Expression<number | null>
}

/** `Extract(arg, 'year')`. */
export const ExtractYear = (arg: FuncArg): Expression<number | null> => Extract(arg, 'year')
/** `Extract(arg, 'iso_year')`. */
export const ExtractIsoYear = (arg: FuncArg): Expression<number | null> => Extract(arg, 'iso_year')
/** `Extract(arg, 'quarter')`. */
export const ExtractQuarter = (arg: FuncArg): Expression<number | null> => Extract(arg, 'quarter')
/** `Extract(arg, 'month')`. */
export const ExtractMonth = (arg: FuncArg): Expression<number | null> => Extract(arg, 'month')
/** `Extract(arg, 'week')` (ISO 8601 week number). */
export const ExtractWeek = (arg: FuncArg): Expression<number | null> => Extract(arg, 'week')
/** `Extract(arg, 'day')`. */
export const ExtractDay = (arg: FuncArg): Expression<number | null> => Extract(arg, 'day')
/** `Extract(arg, 'week_day')` (1 = Sunday ... 7 = Saturday). */
export const ExtractWeekDay = (arg: FuncArg): Expression<number | null> => Extract(arg, 'week_day')
/** `Extract(arg, 'iso_week_day')` (1 = Monday ... 7 = Sunday). */
export const ExtractIsoWeekDay = (arg: FuncArg): Expression<number | null> => Extract(arg, 'iso_week_day')
/** `Extract(arg, 'hour')`. */
export const ExtractHour = (arg: FuncArg): Expression<number | null> => Extract(arg, 'hour')
/** `Extract(arg, 'minute')`. */
export const ExtractMinute = (arg: FuncArg): Expression<number | null> => Extract(arg, 'minute')
/** `Extract(arg, 'second')`. */
export const ExtractSecond = (arg: FuncArg): Expression<number | null> => Extract(arg, 'second')

/**
 * Truncates a date or datetime to the start of its `kind` (in UTC): a datetime stays a `Date`, a
 * date stays a `'YYYY-MM-DD'` string. `{ output: 'date' }` gives the truncated day as `'YYYY-MM-DD'`.
 */
export function Trunc(arg: FuncArg, kind: TruncKind, options: { output: 'date' }): FuncExpr<string | null>
export function Trunc(arg: FuncArg, kind: TruncKind): FuncExpr<Date | string | null>
export function Trunc(arg: FuncArg, kind: TruncKind, options: { output?: 'date' } = {}): FuncExpr<Date | string | null> {
  if (!(TRUNC_KINDS as readonly string[]).includes(kind)) throw new FieldError(`Trunc() kind must be one of ${TRUNC_KINDS.map((k) => `'${k}'`).join(', ')}, got ${JSON.stringify(kind)}`)
  if (options.output !== undefined && options.output !== 'date') throw new FieldError(`Trunc() output must be 'date' when given, got ${JSON.stringify(options.output)}`)
  if (options.output === 'date' && (kind === 'hour' || kind === 'minute' || kind === 'second')) throw new FieldError(`Trunc() to '${kind}' cannot give a date`)
  return new FuncExpr('Trunc', [arg], options.output === 'date' ? `${kind}:date` : kind)
}

/** `Trunc(arg, 'year')`. */
export const TruncYear = (arg: FuncArg): FuncExpr<Date | string | null> => Trunc(arg, 'year')
/** `Trunc(arg, 'quarter')`. */
export const TruncQuarter = (arg: FuncArg): FuncExpr<Date | string | null> => Trunc(arg, 'quarter')
/** `Trunc(arg, 'month')`. */
export const TruncMonth = (arg: FuncArg): FuncExpr<Date | string | null> => Trunc(arg, 'month')
/** `Trunc(arg, 'week')` (to Monday). */
export const TruncWeek = (arg: FuncArg): FuncExpr<Date | string | null> => Trunc(arg, 'week')
/** `Trunc(arg, 'day')`. */
export const TruncDay = (arg: FuncArg): FuncExpr<Date | string | null> => Trunc(arg, 'day')
/** `Trunc(arg, 'hour')`. */
export const TruncHour = (arg: FuncArg): FuncExpr<Date | string | null> => Trunc(arg, 'hour')
/** `Trunc(arg, 'minute')`. */
export const TruncMinute = (arg: FuncArg): FuncExpr<Date | string | null> => Trunc(arg, 'minute')
/** `Trunc(arg, 'second')`. */
export const TruncSecond = (arg: FuncArg): FuncExpr<Date | string | null> => Trunc(arg, 'second')

/** The UTC date of a datetime as `'YYYY-MM-DD'` (the `__date` transform). */
export function TruncDate(arg: FuncArg): Expression<string | null> {
  return new FieldRef(`${checkPath('TruncDate', arg)}__date`) as Expression as Expression<string | null>
}
