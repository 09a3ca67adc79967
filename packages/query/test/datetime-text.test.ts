import { describe, expect, it } from 'vitest'
import { dateTimeFromText, dateTimeText } from '../src/datetime-text.js'

describe('datetime text', () => {
  it('writes UTC with milliseconds, as toISOString does, for years 0 to 9999', () => {
    for (const iso of ['0000-01-01T00:00:00.000Z', '0001-02-03T04:05:06.007Z', '0099-12-31T23:59:59.999Z', '1969-12-31T23:59:59.999Z', '2024-02-29T12:00:00.500Z', '9999-12-31T23:59:59.999Z']) {
      const d = new Date(iso)
      expect(`${dateTimeText(d, 'T')}Z`).toBe(d.toISOString())
      expect(dateTimeText(d, ' ')).toBe(d.toISOString().slice(0, 23).replace('T', ' '))
    }
  })

  it('reads what it writes, and microseconds cut to milliseconds, the same Date as the parser', () => {
    let seed = 7
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31)
    for (let i = 0; i < 20_000; i++) {
      // Any millisecond from year 0 to year 9999.
      const d = new Date(-62_167_219_200_000 + Math.floor((next() / 2 ** 31) * 315_569_520_000_000) + (next() % 1000))
      const text = dateTimeText(d, ' ')
      expect(dateTimeFromText(text)!.getTime()).toBe(d.getTime())
      expect(dateTimeFromText(`${text}999`)!.getTime()).toBe(d.getTime())
    }
    expect(dateTimeFromText('0004-02-29 00:00:00.000')!.toISOString()).toBe('0004-02-29T00:00:00.000Z')
    expect(dateTimeFromText('0099-12-31 23:59:59.999999')!.toISOString()).toBe('0099-12-31T23:59:59.999Z')
  })

  it('gives undefined for anything the Date parser would refuse or another form, so the caller parses it', () => {
    for (const s of ['2023-02-29 00:00:00.000', '2024-13-01 00:00:00.000', '2024-01-32 00:00:00.000', '2024-01-01 24:00:00.000', '2024-01-01 00:60:00.000', '2024-01-01 00:00:60.000', '2024-01-01T00:00:00.000', '2024-01-01 00:00:00', '2024-01-01', '2024-0a-01 00:00:00.000', '2024-01-01 00:00:00.00x', '2024-01-01 00:00:00.000abc', ''])
      expect(dateTimeFromText(s)).toBeUndefined()
  })
})
