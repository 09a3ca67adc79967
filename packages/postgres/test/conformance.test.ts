import { runConformance } from '@strata/conformance'
import { sql } from '@strata/query'
import { describe, it } from 'vitest'
import { postgres } from '../src/index.js'
import { pgAvailable, testDatabase } from './pg-server.js'

const database = testDatabase('conformance')

if (await pgAvailable()) {
  runConformance({
    name: 'postgres',
    dialect: () => postgres({ connectionString: database.url }),
    limitedPool: (acquireTimeout) => ({
      dialect: postgres({ connectionString: database.url, max: 2, connectionTimeoutMillis: acquireTimeout }),
      size: 2,
    }),
    killSession: {
      sessionId: sql<{ id: unknown }>`select pg_backend_pid() as id`,
      kill: (id) => sql`select pg_terminate_backend(${Number(id)})`,
    },
    setup: () => database.create(),
    teardown: () => database.drop(),
  })
} else {
  describe.skip('conformance: postgres (server unreachable, see the message above)', () => {
    it('needs a PostgreSQL server', () => undefined)
  })
}
