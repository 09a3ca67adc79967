import { FieldError } from '../errors.js'
import type { FieldOptions } from './field.js'
import { ForeignKey, type ForeignKeyOptions, ManyToManyField, type ManyToManyOptions } from './relation.js'
import {
  BigIntegerField,
  BinaryField,
  BooleanField,
  CharField,
  type CharOptions,
  DateField,
  DateTimeField,
  type DateTimeOptions,
  DecimalField,
  type DecimalOptions,
  DurationField,
  FloatField,
  IntegerField,
  JsonField,
  TimeField,
  UuidField,
} from './scalar.js'

/** `true` when the options say `null: true`. */
export type NullFlag<O> = O extends { readonly null: true } ? true : false
/** `true` when a value may be omitted on create (a default, null allowed, or stamped). */
export type OptionalFlag<O> = O extends { readonly null: true }
  ? true
  : O extends { readonly default: unknown }
    ? true
    : O extends { readonly autoNow: true } | { readonly autoNowAdd: true }
      ? true
      : false

/**
 * A field as `f.*` returns it: the field class, plus its options as written in a phantom
 * `__options` (read by the types for `primaryKey`, `relatedName` and `relatedQueryName`). It is
 * not intersected into `options`, whose type stays the class's: that keeps the properties of each
 * field cheap to resolve when a model is defined.
 */
export type WithOptions<F, O> = F & { readonly __options: O }

function needs<O extends object>(kind: string, opts: O | undefined, key: string): O {
  if (!opts || (opts as Record<string, unknown>)[key] === undefined) throw new FieldError(`f.${kind}() needs the ${key} option`)
  return opts
}

/** Field factories: `f.char({ maxLength: 100 })`, `f.foreignKey('Author', { onDelete: 'CASCADE' })`. */
export const f = {
  /** An auto-incrementing 32-bit integer key. */
  auto<const O extends FieldOptions<number> = {}>(opts?: O): WithOptions<IntegerField<false, true, 'auto'>, O & { readonly primaryKey: true }> {
    return new IntegerField('auto', { primaryKey: true, ...opts }) as never
  },
  /** An auto-incrementing 64-bit integer key (`bigint`). */
  bigAuto<const O extends FieldOptions<bigint> = {}>(opts?: O): WithOptions<BigIntegerField<false, true, 'bigAuto'>, O & { readonly primaryKey: true }> {
    return new BigIntegerField('bigAuto', { primaryKey: true, ...opts }) as never
  },
  /** Text with a length limit (`maxLength` is required). */
  char<const O extends CharOptions & { maxLength: number }>(opts: O): WithOptions<CharField<NullFlag<O>, OptionalFlag<O>, 'char'>, O> {
    return new CharField('char', needs('char', opts, 'maxLength')) as never
  },
  /** Unlimited text. */
  text<const O extends FieldOptions<string> = {}>(opts?: O): WithOptions<CharField<NullFlag<O>, OptionalFlag<O>, 'text'>, O> {
    return new CharField('text', opts ?? {}) as never
  },
  /** An email address (maxLength 254 by default). */
  email<const O extends CharOptions = {}>(opts?: O): WithOptions<CharField<NullFlag<O>, OptionalFlag<O>, 'email'>, O> {
    return new CharField('email', { maxLength: 254, ...opts }) as never
  },
  /** A URL (maxLength 200 by default). */
  url<const O extends CharOptions = {}>(opts?: O): WithOptions<CharField<NullFlag<O>, OptionalFlag<O>, 'url'>, O> {
    return new CharField('url', { maxLength: 200, ...opts }) as never
  },
  /** A slug: letters, digits, `-` and `_` (maxLength 50, indexed). */
  slug<const O extends CharOptions = {}>(opts?: O): WithOptions<CharField<NullFlag<O>, OptionalFlag<O>, 'slug'>, O> {
    return new CharField('slug', { maxLength: 50, dbIndex: true, ...opts }) as never
  },
  /** A 32-bit integer. */
  integer<const O extends FieldOptions<number> = {}>(opts?: O): WithOptions<IntegerField<NullFlag<O>, OptionalFlag<O>, 'integer'>, O> {
    return new IntegerField('integer', opts ?? {}) as never
  },
  /** A 16-bit integer. */
  smallInteger<const O extends FieldOptions<number> = {}>(opts?: O): WithOptions<IntegerField<NullFlag<O>, OptionalFlag<O>, 'smallInteger'>, O> {
    return new IntegerField('smallInteger', opts ?? {}) as never
  },
  /** A 64-bit integer held as `bigint`. */
  bigInteger<const O extends FieldOptions<bigint> = {}>(opts?: O): WithOptions<BigIntegerField<NullFlag<O>, OptionalFlag<O>, 'bigInteger'>, O> {
    return new BigIntegerField('bigInteger', opts ?? {}) as never
  },
  /** A non-negative 32-bit integer. */
  positiveInteger<const O extends FieldOptions<number> = {}>(opts?: O): WithOptions<IntegerField<NullFlag<O>, OptionalFlag<O>, 'positiveInteger'>, O> {
    return new IntegerField('positiveInteger', opts ?? {}) as never
  },
  /** A double-precision float. */
  float<const O extends FieldOptions<number> = {}>(opts?: O): WithOptions<FloatField<NullFlag<O>, OptionalFlag<O>>, O> {
    return new FloatField('float', opts ?? {}) as never
  },
  /** An exact decimal held as a string (`maxDigits` and `decimalPlaces` are required). */
  decimal<const O extends DecimalOptions>(opts: O): WithOptions<DecimalField<NullFlag<O>, OptionalFlag<O>>, O> {
    needs('decimal', opts, 'maxDigits')
    needs('decimal', opts, 'decimalPlaces')
    if (!(opts.maxDigits >= 1 && opts.decimalPlaces >= 0 && opts.decimalPlaces <= opts.maxDigits))
      throw new FieldError('f.decimal(): need maxDigits >= 1 and 0 <= decimalPlaces <= maxDigits')
    return new DecimalField('decimal', opts) as never
  },
  /** A boolean. */
  boolean<const O extends FieldOptions<boolean> = {}>(opts?: O): WithOptions<BooleanField<NullFlag<O>, OptionalFlag<O>>, O> {
    return new BooleanField('boolean', opts ?? {}) as never
  },
  /** A calendar date as `'YYYY-MM-DD'`. */
  date<const O extends DateTimeOptions<string> = {}>(opts?: O): WithOptions<DateField<NullFlag<O>, OptionalFlag<O>>, O> {
    return new DateField('date', opts ?? {}) as never
  },
  /** An instant as a `Date`, stored in UTC. */
  dateTime<const O extends DateTimeOptions<Date> = {}>(opts?: O): WithOptions<DateTimeField<NullFlag<O>, OptionalFlag<O>>, O> {
    return new DateTimeField('dateTime', opts ?? {}) as never
  },
  /** A time of day as `'HH:MM:SS[.ffffff]'`. */
  time<const O extends FieldOptions<string> = {}>(opts?: O): WithOptions<TimeField<NullFlag<O>, OptionalFlag<O>>, O> {
    return new TimeField('time', opts ?? {}) as never
  },
  /** A duration in milliseconds. */
  duration<const O extends FieldOptions<number> = {}>(opts?: O): WithOptions<DurationField<NullFlag<O>, OptionalFlag<O>>, O> {
    return new DurationField('duration', opts ?? {}) as never
  },
  /** A UUID string. */
  uuid<const O extends FieldOptions<string> = {}>(opts?: O): WithOptions<UuidField<NullFlag<O>, OptionalFlag<O>>, O> {
    return new UuidField('uuid', opts ?? {}) as never
  },
  /** Any JSON value; `f.json<T>()` types it. */
  json<T = unknown, const O extends FieldOptions<T> = {}>(opts?: O): WithOptions<JsonField<T, NullFlag<O>, OptionalFlag<O>>, O> {
    return new JsonField('json', opts ?? {}) as never
  },
  /** Raw bytes as `Uint8Array`. */
  binary<const O extends FieldOptions<Uint8Array> & { maxLength?: number } = {}>(opts?: O): WithOptions<BinaryField<NullFlag<O>, OptionalFlag<O>>, O> {
    return new BinaryField('binary', { editable: false, ...opts }) as never
  },
  /** A many-to-one relation to a model name, class or thunk. */
  foreignKey<const T, const O extends ForeignKeyOptions>(to: T, opts: O): WithOptions<ForeignKey<T, NullFlag<O>, OptionalFlag<O>, 'foreignKey'>, O> {
    return new ForeignKey('foreignKey', to as never, opts) as never
  },
  /** A one-to-one relation (a unique foreign key with a single reverse object). */
  oneToOne<const T, const O extends ForeignKeyOptions>(to: T, opts: O): WithOptions<ForeignKey<T, NullFlag<O>, OptionalFlag<O>, 'oneToOne'>, O> {
    return new ForeignKey('oneToOne', to as never, { ...opts, unique: true }) as never
  },
  /** A many-to-many relation through an auto-created join table. */
  manyToMany<const T, const O extends ManyToManyOptions = {}>(to: T, opts?: O): WithOptions<ManyToManyField<T, 'manyToMany'>, O> {
    const o = opts ?? ({} as O)
    return new ManyToManyField('manyToMany', to as never, { symmetrical: to === 'self' || undefined, ...o } as never) as never
  },
}
