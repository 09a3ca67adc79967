import { FieldError } from './errors.js'
import { Expression, FieldRef, isExpression, ValueExpr } from './expressions.js'

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
} as const satisfies Record<string, { min: number; max: number; output: 'text' | 'integer' | 'dateTime' | 'first' }>

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
  ) {
    super()
    const spec = FUNCTIONS[name]
    if (!spec) throw new FieldError(`Unknown function ${String(name)}`)
    if (args.length < spec.min || args.length > spec.max)
      throw new FieldError(`${name}() takes ${spec.min === spec.max ? spec.min : `${spec.min} to ${spec.max === Infinity ? 'any number of' : spec.max}`} arguments, got ${args.length}`)
    this.args = args.map((a, i) => {
      if (typeof a === 'string') return new FieldRef(a)
      if (isExpression(a)) return a
      if (name === 'Round' && i === 1 && typeof a === 'number' && Number.isInteger(a)) return new ValueExpr(a)
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
