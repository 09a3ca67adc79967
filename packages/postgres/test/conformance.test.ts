import { runConformance } from '@strata/conformance'
import { describe, it } from 'vitest'
import { postgres } from '../src/index.js'
import { pgAvailable, testDatabase } from './pg-server.js'

const database = testDatabase('conformance')

if (await pgAvailable()) {
  runConformance({
    name: 'postgres',
    dialect: () => postgres({ connectionString: database.url }),
    setup: () => database.create(),
    teardown: () => database.drop(),
  })
} else {
  describe.skip('conformance: postgres (server unreachable, see the message above)', () => {
    it('needs a PostgreSQL server', () => undefined)
  })
}
