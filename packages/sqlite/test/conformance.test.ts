import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runConformance } from '@strata/conformance'
import { sqlite } from '../src/index.js'

runConformance({ name: 'sqlite :memory:', dialect: () => sqlite({ filename: ':memory:' }) })

let dir = ''
runConformance({
  name: 'sqlite file (WAL)',
  setup: async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-conformance-'))
  },
  dialect: () => sqlite({ filename: join(dir, 'conformance.db') }),
  teardown: async () => {
    rmSync(dir, { recursive: true, force: true })
  },
})
