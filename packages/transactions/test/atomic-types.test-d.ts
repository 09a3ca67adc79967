import { describe, expectTypeOf, it } from 'vitest'
import { atomic, onCommit } from '../src/index.js'

describe('atomic() types', () => {
  it('resolves to what the function returns, awaited (promises and thenables such as QuerySets)', () => {
    expectTypeOf(atomic(async () => 42)).resolves.toEqualTypeOf<number>()
    expectTypeOf(atomic(() => 'sync')).resolves.toEqualTypeOf<string>()
    const rows = { then: (resolve: (rows: { id: number }[]) => void) => resolve([]) }
    expectTypeOf(atomic(() => rows)).resolves.toEqualTypeOf<{ id: number }[]>()
    expectTypeOf(onCommit(() => undefined)).toEqualTypeOf<Promise<void>>()
  })

  it('checks the option names and values', () => {
    // @ts-expect-error: not an isolation level
    void atomic(async () => 1, { isolation: 'snapshot' })
    // @ts-expect-error: unknown option
    void atomic(async () => 1, { retry: 3 })
  })
})
