import { runConformance } from '@strata/conformance'
import { describe, it } from 'vitest'
import { mysql } from '../src/index.js'
import { scratchDatabase, serverAvailable } from './server.js'

const database = scratchDatabase()

if (await serverAvailable()) {
  runConformance({
    name: 'mysql',
    dialect: () => mysql({ uri: database.url }),
    setup: () => database.create(),
    teardown: () => database.drop(),
  })
} else {
  describe.skip('conformance: mysql (server unreachable, see the message above)', () => {
    it('needs a MySQL or MariaDB server', () => undefined)
  })
}
