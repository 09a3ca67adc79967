import { type DecimalField, type Field, ForeignKey, NotSupportedError, normalizeDecimal } from '@strata/core'

/** Converts one non-null value a driver returned into its JavaScript value. */
export type ValueReader = (value: unknown) => unknown

/** A dialect's readers by storage kind, what `readersByKind` chooses from. */
export interface KindReaders {
  /** The database's name, for the error about a non-numeric decimal. */
  readonly database: string
  /** Values without a field (expressions without an output type). */
  readonly untyped: ValueReader
  readonly boolean: ValueReader
  /** Integers, floats, and any kind without a reader of its own. */
  readonly number: ValueReader
  readonly bigint: ValueReader
  readonly dateTime: ValueReader
  readonly date: ValueReader
  readonly time: ValueReader
  readonly duration: ValueReader
  readonly json: ValueReader
  readonly binary: ValueReader
  /** Text kinds: char, text, email, url, slug, uuid. */
  readonly text: ValueReader
  /** The decimal's digits as text from the driver's value, before they are normalised to the field's places. */
  readonly decimalText: (value: unknown, places: number) => string
}

/** The field whose column a field stores its value in (a foreign key stores its target's key). */
function storageField(field: Field | undefined): Field | undefined {
  return field instanceof ForeignKey && field.target ? storageField(field.target.pk) : field
}

/**
 * A dialect's `fromDriverFor`: the reader of a field, chosen once by its storage kind (a hydrator
 * asks once per column when its plan is built, so no value goes through a switch on kinds).
 */
export function readersByKind(readers: KindReaders): (field: Field | undefined) => ValueReader {
  const decimals = new Map<number, ValueReader>()
  const decimal = (places: number): ValueReader => {
    let read = decimals.get(places)
    if (read === undefined) {
      read = (v) => {
        const text = readers.decimalText(v, places)
        return normalizeDecimal(text, places, () => {
          throw new NotSupportedError(`${readers.database} returned a non-numeric decimal: ${text}`)
        })
      }
      decimals.set(places, read)
    }
    return read
  }
  return (field) => {
    const f = storageField(field)
    switch (f?.kind) {
      case undefined:
        return readers.untyped
      case 'boolean':
        return readers.boolean
      case 'bigAuto':
      case 'bigInteger':
        return readers.bigint
      case 'decimal':
        return decimal((f as DecimalField<boolean, boolean>).decimalPlaces)
      case 'dateTime':
        return readers.dateTime
      case 'date':
        return readers.date
      case 'time':
        return readers.time
      case 'duration':
        return readers.duration
      case 'json':
        return readers.json
      case 'binary':
        return readers.binary
      case 'char':
      case 'text':
      case 'email':
      case 'url':
      case 'slug':
      case 'uuid':
        return readers.text
      default:
        return readers.number
    }
  }
}
