import { runConformance } from '@strata/conformance'
import { sql } from '@strata/query'
import { describe, it } from 'vitest'
import { mysql } from '../src/index.js'
import { scratchDatabase, serverAvailable } from './server.js'

const database = scratchDatabase()

if (await serverAvailable()) {
  runConformance({
    name: 'mysql',
    dialect: () => mysql({ uri: database.url }),
    limitedPool: (acquireTimeout) => ({
      dialect: mysql({ uri: database.url, connectionLimit: 2, acquireTimeout }),
      size: 2,
    }),
    killSession: {
      sessionId: sql<{ id: unknown }>`select connection_id() as id`,
      // KILL takes a literal number, not a bound parameter.
      kill: (id) => sql`kill ${sql.raw(String(Math.trunc(Number(id))))}`,
    },
    setup: () => database.create(),
    teardown: () => database.drop(),
  })
} else {
  describe.skip('conformance: mysql (server unreachable, see the message above)', () => {
    it('needs a MySQL or MariaDB server', () => undefined)
  })
}
