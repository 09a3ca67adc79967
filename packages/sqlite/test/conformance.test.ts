import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runConformance } from '@strata/conformance'
import { sqlite } from '../src/index.js'

runConformance({
  name: 'sqlite :memory:',
  dialect: () => sqlite({ filename: ':memory:' }),
  // Another in-memory database: one connection, and busyTimeout is how long a query waits for it.
  limitedPool: (acquireTimeout) => ({
    dialect: sqlite({ filename: ':memory:', busyTimeout: acquireTimeout }),
    size: 1,
  }),
})

let dir = ''
runConformance({
  name: 'sqlite file (WAL)',
  setup: async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-conformance-'))
  },
  dialect: () => sqlite({ filename: join(dir, 'conformance.db') }),
  limitedPool: (acquireTimeout) => ({
    dialect: sqlite({ filename: join(dir, 'limited.db'), busyTimeout: acquireTimeout }),
    size: 1,
  }),
  teardown: async () => {
    rmSync(dir, { recursive: true, force: true })
  },
})
