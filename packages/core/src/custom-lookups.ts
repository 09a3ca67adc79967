import { FieldError, TypeMismatchError } from './errors.js'
import { describe, Field, type FieldKind } from './fields/field.js'
import { isBuiltinName } from './lookups.js'

// Custom lookups and transforms (Django's `register_lookup`). Core keeps the registry and the
// checks; the SQL comes from the user's callback, which the query compiler calls with its own
// template tag, so that core needs no SQL builder.

/** A class of fields (`CharField`, `IntegerField`, `Field`, or a subclass of your own); registrations apply to its subclasses. */
export type FieldClass = abstract new (...args: never[]) => Field

/** A SQL fragment the compiler made: a column, a transform, a bound parameter (at run time a Kysely `RawBuilder`). */
export interface SqlFragment {
  toOperationNode(): unknown
}

/**
 * The compiler's SQL template tag (Kysely's `sql`): an interpolated fragment is inlined, any other
 * interpolated value is bound as a parameter.
 * @example sql`abs(${lhs})`
 */
export interface SqlTag {
  (strings: TemplateStringsArray, ...values: unknown[]): SqlFragment
  /** Fragments (inlined) or values (bound) joined with `, `, or with `separator`. */
  join(items: readonly unknown[], separator?: SqlFragment): SqlFragment
  /** A bound parameter. */
  val(value: unknown): SqlFragment
  /** Trusted SQL text, inserted as is: never pass it user input. */
  raw(text: string): SqlFragment
}

/** What a custom transform's `sql` callback gets. */
export interface TransformContext {
  /** The value transformed: a column, an expression or the previous transform, rendered. */
  readonly lhs: SqlFragment
  /** The field (or the previous transform's output) the value has. */
  readonly field: Field | undefined
  /** The compiler's template tag. */
  readonly sql: SqlTag
  /** The dialect's name (`'sqlite'`, `'postgres'`, `'mysql'`), for SQL that differs by database. */
  readonly dialect: string
}

/** What a custom lookup's `sql` callback gets. */
export interface LookupContext extends TransformContext {
  /** The right-hand side, rendered: a bound parameter or an expression; for `rhs: 'list'`, the values joined with `, `. */
  readonly rhs: SqlFragment
  /** The checked right-hand value as JavaScript (undefined when it is an expression such as `F()`). */
  readonly value: unknown
}

/** What the right-hand side of a custom lookup takes. */
export type CustomLookupRhs = 'value' | 'text' | 'list' | 'boolean'

/** A lookup to register on a field class: `registerLookup(CharField, { name: 'ne', sql: ... })`. */
export interface LookupDefinition {
  /** Its name in keys (`title__ne`): letters, digits and single underscores. */
  readonly name: string
  /**
   * What it compares with (default `'value'`): `'value'` one value of the field's type (or an
   * expression), `'text'` a string, `'list'` a non-empty array of field values, `'boolean'` true or false.
   */
  readonly rhs?: CustomLookupRhs
  /** Allows the name of a built-in lookup or transform (`exact`, `year`, `has_key`...), which this then replaces on the class. */
  readonly override?: boolean
  /** Renders the condition. */
  sql(context: LookupContext): SqlFragment
}

/** A transform to register on a field class: `registerTransform(IntegerField, { name: 'abs', output: 'integer', sql: ... })`. */
export interface TransformDefinition {
  /** Its name in keys (`n__abs__gte`): letters, digits and single underscores. */
  readonly name: string
  /** The field kind of its result, which decides the lookups and transforms that may follow (default: the input field's own). */
  readonly output?: FieldKind
  /** Allows the name of a built-in lookup or transform, which this then replaces on the class. */
  readonly override?: boolean
  /** Renders the transformed value. */
  sql(context: TransformContext): SqlFragment
}

interface Registrations {
  readonly lookups: Map<string, LookupDefinition>
  readonly transforms: Map<string, TransformDefinition>
}

const REGISTRY = new WeakMap<object, Registrations>()
/** Bumped by every registration change, so that SQL compiled under older registrations is not reused. */
let version = 0

/** A number that changes whenever a lookup or transform is registered or removed (for compiled-query caches). */
export function registryVersion(): number {
  return version
}
const NAME = /^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*$/
const RHS: ReadonlySet<string> = new Set<CustomLookupRhs>(['value', 'text', 'list', 'boolean'])

function checkClass(cls: unknown, what: string): asserts cls is FieldClass {
  if (typeof cls !== 'function' || !(cls === Field || cls.prototype instanceof Field))
    throw new TypeMismatchError(
      `${what}() takes a field class (CharField, IntegerField, Field, ...) first, got ${describe(cls)}`,
    )
}

function checkDefinition(cls: FieldClass, def: LookupDefinition | TransformDefinition, what: string): void {
  if (typeof def !== 'object' || def === null)
    throw new TypeMismatchError(`${what}() takes a definition object, got ${describe(def)}`)
  const name = def.name
  if (typeof name !== 'string' || !NAME.test(name))
    throw new FieldError(
      `${what}(${cls.name}): ${describe(name)} is not a valid name (letters, digits and single underscores, starting with a letter)`,
    )
  if (typeof def.sql !== 'function')
    throw new TypeMismatchError(
      `${what}(${cls.name}, '${name}'): sql must be a function, got ${describe(def.sql)}`,
    )
  if (isBuiltinName(name) && def.override !== true)
    throw new FieldError(
      `${what}(${cls.name}, '${name}'): '${name}' is a built-in lookup or transform; pass override: true to replace it on ${cls.name}`,
    )
  if (name === 'pk') throw new FieldError(`${what}(${cls.name}, 'pk'): 'pk' is reserved`)
  const own = REGISTRY.get(cls)
  if (own && (own.lookups.has(name) || own.transforms.has(name)) && def.override !== true)
    throw new FieldError(
      `${what}(${cls.name}, '${name}'): '${name}' is already registered on ${cls.name}; pass override: true to replace it`,
    )
}

function registrations(cls: FieldClass): Registrations {
  let r = REGISTRY.get(cls)
  if (!r) {
    r = { lookups: new Map(), transforms: new Map() }
    REGISTRY.set(cls, r)
  }
  return r
}

/**
 * Registers a lookup on a field class and its subclasses (Django's `register_lookup`). The name
 * then works in `filter`/`exclude`/`Q`, also after transforms; on other fields it is unknown.
 * @example registerLookup(CharField, { name: 'ne', sql: ({ lhs, rhs, sql }) => sql`${lhs} <> ${rhs}` })
 */
export function registerLookup(cls: FieldClass, def: LookupDefinition): void {
  checkClass(cls, 'registerLookup')
  checkDefinition(cls, def, 'registerLookup')
  if (def.rhs !== undefined && !RHS.has(def.rhs))
    throw new TypeMismatchError(
      `registerLookup(${cls.name}, '${def.name}'): rhs must be 'value', 'text', 'list' or 'boolean', got ${describe(def.rhs)}`,
    )
  const r = registrations(cls)
  r.transforms.delete(def.name)
  r.lookups.set(def.name, Object.freeze({ ...def }))
  version++
}

/**
 * Registers a transform on a field class and its subclasses: `n__abs`, chainable with lookups and
 * transforms of its output kind (`n__abs__gte: 3`), usable in `F()`, `values()` and `orderBy()`.
 * @example registerTransform(IntegerField, { name: 'abs', output: 'integer', sql: ({ lhs, sql }) => sql`abs(${lhs})` })
 */
export function registerTransform(cls: FieldClass, def: TransformDefinition): void {
  checkClass(cls, 'registerTransform')
  checkDefinition(cls, def, 'registerTransform')
  if (
    def.output !== undefined &&
    (typeof def.output !== 'string' ||
      def.output === 'foreignKey' ||
      def.output === 'oneToOne' ||
      def.output === 'manyToMany')
  )
    throw new TypeMismatchError(
      `registerTransform(${cls.name}, '${def.name}'): output must be a scalar field kind, got ${describe(def.output)}`,
    )
  const r = registrations(cls)
  r.lookups.delete(def.name)
  r.transforms.set(def.name, Object.freeze({ ...def }))
  version++
}

/** Removes a lookup registered on exactly this class; returns whether there was one. */
export function unregisterLookup(cls: FieldClass, name: string): boolean {
  version++
  return REGISTRY.get(cls)?.lookups.delete(name) ?? false
}

/** Removes a transform registered on exactly this class; returns whether there was one. */
export function unregisterTransform(cls: FieldClass, name: string): boolean {
  version++
  return REGISTRY.get(cls)?.transforms.delete(name) ?? false
}

/** The classes of a field from its own up to `Field`: registrations on the nearest one win. */
function* classChain(field: Field): Generator<object> {
  for (
    let proto = Object.getPrototypeOf(field) as object | null;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    const ctor = (proto as { constructor?: unknown }).constructor
    if (typeof ctor === 'function') yield ctor
  }
}

/** The custom lookup `name` registered on the field's class or a parent class, if any. */
export function customLookup(field: Field | undefined, name: string): LookupDefinition | undefined {
  if (!field) return undefined
  for (const cls of classChain(field)) {
    const r = REGISTRY.get(cls)
    if (r?.transforms.has(name)) return undefined
    const def = r?.lookups.get(name)
    if (def) return def
  }
  return undefined
}

/** The custom transform `name` registered on the field's class or a parent class, if any. */
export function customTransform(field: Field | undefined, name: string): TransformDefinition | undefined {
  if (!field) return undefined
  for (const cls of classChain(field)) {
    const r = REGISTRY.get(cls)
    if (r?.lookups.has(name)) return undefined
    const def = r?.transforms.get(name)
    if (def) return def
  }
  return undefined
}

/** The names of the custom lookups and transforms a field has, for error messages. */
export function customNames(field: Field | undefined): { lookups: string[]; transforms: string[] } {
  const lookups = new Set<string>()
  const transforms = new Set<string>()
  if (field) {
    for (const cls of classChain(field)) {
      const r = REGISTRY.get(cls)
      if (!r) continue
      for (const n of r.lookups.keys()) if (!transforms.has(n)) lookups.add(n)
      for (const n of r.transforms.keys()) if (!lookups.has(n)) transforms.add(n)
    }
  }
  return { lookups: [...lookups], transforms: [...transforms] }
}
