// Starts the admin over a real database on an ephemeral port, as an application would mount it.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pushSchema } from '@strata/migrations'
import { connect, type Database } from '@strata/query'
import { Admin, type AdminOptions, adminModels, createSuperuser, type ScryptParams } from '../../src/index.js'
import type { Target } from './databases.js'
import { blogModels } from './models.js'

/** A cheap scrypt cost for tests (the default cost is tested once, on its own). */
export const FAST_HASHER: ScryptParams = { N: 1024, r: 8, p: 1 }

/** A running admin: its URL, database and site. */
export interface AdminServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string
  readonly db: Database
  readonly admin: Admin
  readonly server: Server
  close(): Promise<void>
}

/** Creates the database, the tables, a superuser `root`/`root-pass-123`, and serves the admin under /admin. */
export async function startAdmin(target: Target, configure: (admin: Admin) => void, options: AdminOptions = {}): Promise<AdminServer> {
  await target.create()
  const db = await connect({ databases: { default: target.dialect() }, models: [...blogModels, ...adminModels] })
  await pushSchema(db)
  const admin = new Admin({ title: 'Blog admin', passwordHasher: FAST_HASHER, onError: (e: unknown) => {
      if (process.env.ADMIN_DEBUG) console.error(e)
    }, ...options } as AdminOptions)
  configure(admin)
  await createSuperuser({ username: 'root', email: 'root@example.com', password: 'root-pass-123', hasher: FAST_HASHER })
  const server = createServer(admin.nodeHandler({ prefix: '/admin' }))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    db,
    admin,
    server,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await db.close()
      await target.drop()
    },
  }
}
