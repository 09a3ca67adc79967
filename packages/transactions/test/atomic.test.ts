import {
  ConnectionError,
  DatabaseError,
  SerializationFailure,
  TransactionManagementError,
  TypeMismatchError,
} from '@strata/core'
import { connect, type Database, sql } from '@strata/query'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  atomic,
  getRollback,
  inAtomicBlock,
  onCommit,
  setOnCommitErrorHandler,
  setRollback,
} from '../src/index.js'
import { type Recording, recordingDialect } from './recording-dialect.js'

let db: Database
let recording: Recording

beforeEach(async () => {
  const made = recordingDialect()
  recording = made.recording
  db = await connect({ databases: { default: made.dialect }, models: [] })
})

afterEach(async () => {
  setOnCommitErrorHandler(null)
  await db.close()
})

const query = (text: string) => db.raw(sql.raw(`select '${text}'`))
/** The statements run so far, savepoint names made stable (sp1, sp2, ... in order of appearance). */
function log(): string[] {
  const names = new Map<string, string>()
  return recording.statements.map((s) =>
    s.replace(/strata_sp_\d+/g, (n) => {
      if (!names.has(n)) names.set(n, `sp${names.size + 1}`)
      return names.get(n)!
    }),
  )
}

describe('atomic()', () => {
  it('commits when the function resolves and returns its value', async () => {
    expect(
      await atomic(async () => {
        await query('a')
        return 42
      }),
    ).toBe(42)
    expect(log()).toEqual(['begin', "select 'a'", 'commit'])
  })

  it('rolls back and rethrows the same error when the function throws', async () => {
    const boom = new Error('boom')
    await expect(
      atomic(async () => {
        await query('a')
        throw boom
      }),
    ).rejects.toBe(boom)
    expect(log()).toEqual(['begin', "select 'a'", 'rollback'])
  })

  it('a nested block is a savepoint: its failure rolls back only its own work', async () => {
    await atomic(async () => {
      await query('outer')
      await atomic(async () => {
        await query('inner')
        throw new Error('inner fails')
      }).catch(() => undefined)
      await atomic(async () => query('kept'))
    })
    expect(log()).toEqual([
      'begin',
      "select 'outer'",
      'savepoint sp1',
      "select 'inner'",
      'rollback to sp1',
      'release sp1',
      'savepoint sp2',
      "select 'kept'",
      'release sp2',
      'commit',
    ])
  })

  it('savepoint: false merges with the enclosing block: an error escaping it dooms the whole transaction', async () => {
    const inner = new Error('inner')
    const error = await atomic(async () => {
      await atomic(
        async () => {
          throw inner
        },
        { savepoint: false },
      ).catch(() => undefined)
      expect(getRollback()).toBe(true)
      await expect(query('after')).rejects.toBeInstanceOf(TransactionManagementError)
      return 'done'
    })
    // As Django: the doomed block is rolled back silently when it returns.
    expect(error).toBe('done')
    expect(log()).toEqual(['begin', 'rollback'])
  })

  it('a database error makes further queries in the block fail until it is left; a nested block contains it', async () => {
    await atomic(async () => {
      await expect(atomic(async () => query('fail:23505'))).rejects.toBeInstanceOf(DatabaseError)
      await query('still usable')
    })
    expect(log()).toContain('commit')
    const error = await atomic(async () => {
      await query('fail:23505').catch(() => undefined)
      const refused = await query('next').catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(TransactionManagementError)
      expect((refused as Error).message).toMatch(
        /You can't execute queries until the end of the 'atomic' block/,
      )
      await expect(db.kysely().selectNoFrom(sql`1`.as('one')).execute()).rejects.toBeInstanceOf(
        TransactionManagementError,
      )
      await expect(atomic(async () => undefined)).rejects.toBeInstanceOf(TransactionManagementError)
    }).catch((e: unknown) => e)
    // As Django: a block that caught the error and returned is rolled back silently.
    expect(error).toBeUndefined()
    expect(log().slice(-2)).toEqual(["select 'fail:23505'", 'rollback'])
  })

  it('setRollback(true) rolls the block back without an error; setRollback(false) clears the mark', async () => {
    expect(
      await atomic(async () => {
        setRollback(true)
        expect(getRollback()).toBe(true)
        await expect(query('refused')).rejects.toThrow(/marked for rollback/)
        return 'done'
      }),
    ).toBe('done')
    expect(log()).toEqual(['begin', 'rollback'])
    await atomic(async () => {
      setRollback(true)
      setRollback(false)
      await query('ok')
    })
    expect(log().slice(-3)).toEqual(['begin', "select 'ok'", 'commit'])
  })

  it('setRollback(true) in a nested block rolls back its savepoint only', async () => {
    await atomic(async () => {
      await atomic(async () => {
        await query('inner')
        setRollback(true)
      })
      expect(getRollback()).toBe(false)
    })
    expect(log()).toEqual([
      'begin',
      'savepoint sp1',
      "select 'inner'",
      'rollback to sp1',
      'release sp1',
      'commit',
    ])
  })

  it('setRollback(false) cannot undo a database error', async () => {
    await atomic(async () => {
      await query('fail:22001').catch(() => undefined)
      expect(() => setRollback(false)).toThrow(TransactionManagementError)
    }).catch(() => undefined)
  })

  it('durable blocks refuse to nest; isolation is for the outermost block', async () => {
    await atomic(async () => query('top'), { durable: true, isolation: 'serializable' })
    expect(log()).toEqual(['begin isolation level serializable', "select 'top'", 'commit'])
    await atomic(async () => {
      await expect(atomic(async () => undefined, { durable: true })).rejects.toThrow(
        'A durable atomic block cannot be nested within another atomic block.',
      )
      await expect(atomic(async () => undefined, { isolation: 'read committed' })).rejects.toBeInstanceOf(
        TransactionManagementError,
      )
    })
  })

  it('concurrent outermost blocks never share a connection; nested siblings take turns on theirs', async () => {
    await Promise.all([atomic(async () => query('a')), atomic(async () => query('b'))])
    const a = recording.connections[recording.statements.indexOf("select 'a'")]
    const b = recording.connections[recording.statements.indexOf("select 'b'")]
    expect(a).not.toBe(b)
    recording.statements.length = 0
    await atomic(async () => {
      await Promise.all([atomic(async () => query('one')), atomic(async () => query('two'))])
    })
    expect(log()).toEqual([
      'begin',
      'savepoint sp1',
      "select 'one'",
      'release sp1',
      'savepoint sp2',
      "select 'two'",
      'release sp2',
      'commit',
    ])
  })

  it('db.kysely() inside a block is the transaction; ending it by hand is refused', async () => {
    await atomic(async () => {
      await db.kysely().selectNoFrom(sql`'via kysely'`.as('v')).execute()
      expect(() => (db.kysely() as unknown as { commit(): unknown }).commit()).toThrow(
        TransactionManagementError,
      )
    })
    expect(log()).toEqual(['begin', `select 'via kysely' as "v"`, 'commit'])
    expect(inAtomicBlock()).toBe(false)
  })
})

describe('onCommit()', () => {
  it('runs callbacks after the commit, in order, before atomic() resolves', async () => {
    const seen: string[] = []
    await atomic(async () => {
      onCommit(() => void seen.push(`first after ${log().at(-1)}`))
      await atomic(async () => {
        onCommit(async () => void seen.push('second'))
      })
      onCommit(() => void seen.push('third'))
      expect(seen).toEqual([])
    })
    expect(seen).toEqual(['first after commit', 'second', 'third'])
  })

  it('drops callbacks on rollback, including those of a rolled-back savepoint', async () => {
    const seen: string[] = []
    await atomic(async () => {
      onCommit(() => void seen.push('kept'))
      await atomic(async () => {
        onCommit(() => void seen.push('dropped with the savepoint'))
        await atomic(async () => void onCommit(() => void seen.push('dropped, nested deeper')))
        throw new Error('inner')
      }).catch(() => undefined)
    })
    await atomic(async () => {
      onCommit(() => void seen.push('dropped with the transaction'))
      throw new Error('outer')
    }).catch(() => undefined)
    await atomic(async () => {
      onCommit(() => void seen.push('dropped by setRollback'))
      setRollback(true)
    })
    expect(seen).toEqual(['kept'])
  })

  it("a failing callback's error rejects atomic() after the commit and stops the later ones; robust ones are reported", async () => {
    const seen: string[] = []
    const reported: unknown[] = []
    setOnCommitErrorHandler((e) => reported.push(e))
    const boom = new Error('callback failed')
    await expect(
      atomic(async () => {
        onCommit(
          () => {
            throw new Error('robust failure')
          },
          { robust: true },
        )
        onCommit(() => void seen.push('after robust'))
        onCommit(() => {
          throw boom
        })
        onCommit(() => void seen.push('never'))
      }),
    ).rejects.toBe(boom)
    expect(log().at(-1)).toBe('commit')
    expect(seen).toEqual(['after robust'])
    expect(reported.map((e) => (e as Error).message)).toEqual(['robust failure'])
  })

  it('runs at once outside a block', async () => {
    const seen: string[] = []
    await onCommit(() => void seen.push('now'))
    expect(seen).toEqual(['now'])
    await expect(onCommit(() => Promise.reject(new Error('late')))).rejects.toThrow('late')
    await onCommit(() => Promise.reject(new Error('reported')), { robust: true })
  })
})

describe('retries', () => {
  it('re-runs the whole block on a serialization failure or a deadlock, then succeeds', async () => {
    let calls = 0
    const result = await atomic(
      async () => {
        calls++
        if (calls === 1) await query('fail:40001')
        if (calls === 2) await query('fail:40P01')
        return calls
      },
      { retries: 2 },
    )
    expect(result).toBe(3)
    expect(log().filter((s) => s === 'rollback')).toHaveLength(2)
  })

  it('gives up after `retries` attempts with the last error', async () => {
    let calls = 0
    await expect(
      atomic(
        async () => {
          calls++
          await query('fail:40001')
        },
        { retries: 2 },
      ),
    ).rejects.toBeInstanceOf(SerializationFailure)
    expect(calls).toBe(3)
  })

  it('retries a block that swallowed the failure (its TransactionManagementError has it as cause)', async () => {
    let calls = 0
    await atomic(
      async () => {
        calls++
        if (calls === 1) await query('fail:40001').catch(() => undefined)
      },
      { retries: 1 },
    )
    expect(calls).toBe(2)
  })

  it('never retries other errors, errors of onCommit callbacks, or nested blocks', async () => {
    let calls = 0
    await expect(
      atomic(
        async () => {
          calls++
          await query('fail:23505')
        },
        { retries: 3 },
      ),
    ).rejects.toBeInstanceOf(DatabaseError)
    expect(calls).toBe(1)
    calls = 0
    await expect(
      atomic(
        async () => {
          calls++
          onCommit(() => {
            throw new SerializationFailure('from a callback')
          })
        },
        { retries: 3 },
      ),
    ).rejects.toBeInstanceOf(SerializationFailure)
    expect(calls).toBe(1)
    calls = 0
    await expect(
      atomic(async () => {
        await atomic(
          async () => {
            calls++
            await query('fail:40001')
          },
          { retries: 3 },
        )
      }),
    ).rejects.toBeInstanceOf(SerializationFailure)
    expect(calls).toBe(1)
  })
})

describe('bad input', () => {
  it('refuses what is not a function, unknown options and values, with the reason', async () => {
    await expect(atomic(42 as never)).rejects.toThrow(TypeMismatchError)
    await expect(atomic(async () => undefined, { isolation: 'snapshot' as never })).rejects.toThrow(
      /unknown isolation level "snapshot"/,
    )
    await expect(
      atomic(async () => undefined, { isolation: "serializable'; drop table x; --" as never }),
    ).rejects.toThrow(TypeMismatchError)
    await expect(atomic(async () => undefined, { retries: -1 })).rejects.toThrow(
      /retries must be a whole number/,
    )
    await expect(atomic(async () => undefined, { retries: 1.5 })).rejects.toThrow(TypeMismatchError)
    await expect(atomic(async () => undefined, { savepoint: 'no' as never })).rejects.toThrow(
      TypeMismatchError,
    )
    await expect(atomic(async () => undefined, { isolaton: 'serializable' } as never)).rejects.toThrow(
      /unknown option "isolaton"/,
    )
    await expect(atomic(async () => undefined, null as never)).rejects.toThrow(TypeMismatchError)
    await expect(atomic(async () => undefined, { using: 'nope' })).rejects.toBeInstanceOf(ConnectionError)
    await expect(atomic(async () => undefined, { using: 7 as never })).rejects.toThrow(TypeMismatchError)
    expect(() => onCommit('x' as never)).toThrow("onCommit()'s callback must be a function")
    expect(() => onCommit(() => undefined, { robust: 'yes' as never })).toThrow(TypeMismatchError)
    expect(() => onCommit(() => undefined, { later: true } as never)).toThrow(/unknown option "later"/)
    expect(() => setRollback(true)).toThrow("The rollback flag doesn't work outside of an 'atomic' block.")
    expect(() => getRollback()).toThrow(TransactionManagementError)
    expect(() => setRollback('yes' as never)).toThrow(TypeMismatchError)
    expect(() => inAtomicBlock(3 as never)).toThrow(TypeMismatchError)
    expect(recording.statements).toEqual([])
  })
})
