/**
 * `pnpm start`: the blog as a small JSON API on PORT (default 3000), over the database that
 * DATABASE_URL names (default: the SQLite file blog.db in the app directory), seeded on first
 * start. Stops cleanly on SIGINT and SIGTERM.
 */
import { startServer } from './app.js'

const log = (line: string) => process.stdout.write(`${line}\n`)

function readPort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 3000
  const port = Number(raw)
  if (!/^\d{1,5}$/.test(raw) || port > 65535)
    throw new Error(`PORT must be a number from 0 to 65535, got ${JSON.stringify(raw)}`)
  return port
}

async function main(): Promise<void> {
  const app = await startServer({
    port: readPort(process.env.PORT),
    host: process.env.HOST || '127.0.0.1',
    databaseUrl: process.env.DATABASE_URL,
    log,
  })
  log(`Strata example API on ${app.database.description}`)
  log(`Listening on ${app.url}`)
  log(`  curl ${app.url}posts`)
  log(`  curl '${app.url}posts?pubDate__year=2023&ordering=-pubDate'`)
  const { login } = app.admin
  log(
    login.password
      ? `Admin on ${app.admin.url} (log in as ${login.username} / ${login.password})`
      : `Admin on ${app.admin.url} (log in as ${login.username}; pnpm strata createsuperuser makes another)`,
  )
  log('Press Ctrl+C to stop.')
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal} again: exiting now`)
      process.exit(1)
    }
    stopping = true
    log(`${signal}: closing the server and the database`)
    app.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`error while closing: ${e instanceof Error ? e.message : String(e)}\n`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((e: unknown) => {
  process.stderr.write(`Could not start the example server: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
