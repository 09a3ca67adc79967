import { describe, expect, it } from 'vitest'
import { f, model, TypeMismatchError } from '../src/index.js'

const M = model('FieldHost', {
  i: f.integer(),
  s: f.smallInteger(),
  p: f.positiveInteger(),
  b: f.bigInteger(),
  fl: f.float(),
  d: f.decimal({ maxDigits: 6, decimalPlaces: 2 }),
  bo: f.boolean(),
  da: f.date(),
  dt: f.dateTime(),
  t: f.time(),
  u: f.uuid(),
  c: f.char({ maxLength: 10 }),
  j: f.json(),
  bin: f.binary(),
})
const field = (name: string) => M.meta.field(name)!

describe('field cleaning', () => {
  it('integers: accept integers and integer strings in range, refuse NaN, Infinity, fractions, out of range', () => {
    expect(field('i').clean(5)).toBe(5)
    expect(field('i').clean('42')).toBe(42)
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1.5, '1.5', 'abc', 2 ** 31, {}, [], true]) expect(() => field('i').clean(bad), String(bad)).toThrow(TypeMismatchError)
    expect(() => field('s').clean(40000)).toThrow(/-32768 to 32767/)
    expect(() => field('p').clean(-1)).toThrow(TypeMismatchError)
  })

  it('bigInteger: bigint in the 64-bit range, safe integers and digit strings', () => {
    expect(field('b').clean(2n ** 62n)).toBe(2n ** 62n)
    expect(field('b').clean(7)).toBe(7n)
    expect(field('b').clean('9007199254740993')).toBe(9007199254740993n)
    expect(() => field('b').clean(2n ** 63n)).toThrow(TypeMismatchError)
    expect(() => field('b').clean(2 ** 60)).toThrow(TypeMismatchError)
  })

  it('decimal: exact strings rounded half away from zero to decimalPlaces', () => {
    expect(field('d').clean('12.5')).toBe('12.50')
    expect(field('d').clean(3)).toBe('3.00')
    expect(field('d').clean('0.005')).toBe('0.01')
    expect(field('d').clean('-0.005')).toBe('-0.01')
    expect(field('d').clean('9.999')).toBe('10.00')
    expect(field('d').clean('-0.00')).toBe('0.00')
    for (const bad of ['1e5', 'abc', Number.NaN, '', {}]) expect(() => field('d').clean(bad)).toThrow(TypeMismatchError)
  })

  it('float: finite numbers only', () => {
    expect(field('fl').clean('1.25')).toBe(1.25)
    expect(() => field('fl').clean(Number.NaN)).toThrow(TypeMismatchError)
    expect(() => field('fl').clean(Number.NEGATIVE_INFINITY)).toThrow(TypeMismatchError)
  })

  it('boolean: booleans and the usual text spellings', () => {
    expect(field('bo').clean('true')).toBe(true)
    expect(field('bo').clean('0')).toBe(false)
    expect(() => field('bo').clean('yes please')).toThrow(TypeMismatchError)
  })

  it('dates and times: valid values only, instants in UTC', () => {
    expect(field('da').clean('2024-02-29')).toBe('2024-02-29')
    expect(field('da').clean(new Date('2024-03-01T23:00:00Z'))).toBe('2024-03-01')
    for (const bad of ['2023-02-29', '2024-13-01', '24-01-01', new Date('nope')]) expect(() => field('da').clean(bad)).toThrow(TypeMismatchError)
    expect((field('dt').clean('2024-01-02 03:04:05') as Date).toISOString()).toBe('2024-01-02T03:04:05.000Z')
    expect((field('dt').clean('2024-01-02T03:04:05+02:00') as Date).toISOString()).toBe('2024-01-02T01:04:05.000Z')
    expect(() => field('dt').clean(new Date(Number.NaN))).toThrow(/valid Date/)
    expect(() => field('dt').clean(1700000000000)).toThrow(TypeMismatchError)
    expect(field('t').clean('10:30')).toBe('10:30:00')
    expect(() => field('t').clean('25:00')).toThrow(TypeMismatchError)
  })

  it('uuid, char, json, binary', () => {
    expect(field('u').clean('6F9619FF8B86D011B42D00C04FC964FF')).toBe('6f9619ff-8b86-d011-b42d-00c04fc964ff')
    expect(() => field('u').clean('not-a-uuid')).toThrow(TypeMismatchError)
    expect(() => field('c').clean(5)).toThrow(TypeMismatchError)
    expect(() => field('c').clean('a\u0000b')).toThrow(/NUL/)
    expect(field('j').clean({ a: [1, 'x'] })).toEqual({ a: [1, 'x'] })
    expect(() => field('j').clean(() => 1)).toThrow(TypeMismatchError)
    expect(field('bin').clean(new Uint8Array([1]))).toEqual(new Uint8Array([1]))
    expect(() => field('bin').clean('bytes')).toThrow(TypeMismatchError)
  })

  it('name the model and the field in errors', () => {
    try {
      field('i').clean('x')
    } catch (e) {
      expect((e as Error).message).toBe('FieldHost.i expects an integer, got "x"')
      expect((e as TypeMismatchError).model).toBe('FieldHost')
      expect((e as TypeMismatchError).field).toBe('i')
    }
  })
})
