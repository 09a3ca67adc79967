import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type AdminLogin, createAdmin, ensureAdminLogin } from './admin-site.js'
import { createApi } from './api.js'
import { type BlogDatabase, openDatabase } from './db.js'
import { isEmpty, seedBlog } from './seed.js'

/** Options of `startServer()`. */
export interface ServerOptions {
  /** 0 picks a free port. Default 3000. */
  port?: number
  /** Default 127.0.0.1 (HOST=0.0.0.0 to listen on every interface). */
  host?: string
  /** As `DATABASE_URL`; unset means the SQLite file `defaultFile`. */
  databaseUrl?: string | undefined
  /** The SQLite file used when `databaseUrl` is unset (default `blog.db` in the app directory). */
  defaultFile?: string
  /** Drop and recreate the blog's tables first (tests on a server database). */
  reset?: boolean
  /** Seed the blog when its tables are empty (default true). */
  seed?: boolean
  log?: (line: string) => void
}

/** A started server. */
export interface RunningServer {
  /** `http://127.0.0.1:3000/` */
  readonly url: string
  readonly server: Server
  readonly database: BlogDatabase
  /** Whether this start seeded the database. */
  readonly seeded: boolean
  /** The admin's URL (`http://127.0.0.1:3000/admin/`) and who can log in. */
  readonly admin: { readonly url: string; readonly login: AdminLogin }
  /** Stops accepting requests, ends open connections and closes the database. */
  close(): Promise<void>
}

/** Opens the database, seeds it on first start, and serves the JSON API. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.log ?? (() => {})
  const database = await openDatabase({
    url: options.databaseUrl,
    reset: options.reset ?? false,
    ...(options.defaultFile ? { defaultFile: options.defaultFile } : {}),
  })

  let seeded = false
  let login: AdminLogin
  try {
    if (options.seed !== false && (await isEmpty())) {
      // One transaction: a failed seed leaves no half-filled blog behind.
      await database.db.engine().atomic(() => seedBlog(database.db))
      seeded = true
      log(`Seeded an empty database: ${database.description}`)
    }
    login = await ensureAdminLogin()
  } catch (e) {
    await database.db.close().catch(() => undefined)
    throw e
  }
  const api = createApi({ log })
  // The admin answers under /admin; everything else goes to the JSON API.
  const admin = createAdmin().nodeHandler({ prefix: '/admin' })
  const server = createServer((req, res) => admin(req, res, () => api(req, res)))
  server.keepAliveTimeout = 5_000
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (e) {
    await database.db.close().catch(() => undefined)
    throw e
  }
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  let closing: Promise<void> | null = null
  return {
    url: `http://${host}:${address.port}/`,
    server,
    database,
    seeded,
    admin: { url: `http://${host}:${address.port}/admin/`, login },
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeAllConnections()
        await closed
        await database.db.close()
      })()
      return closing
    },
  }
}
