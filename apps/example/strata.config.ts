// The `strata` command's configuration for the example: `pnpm strata makemigrations` here after a
// change to src/models.ts, then commit the new file in migrations/. The server applies them on start.
import { defineConfig } from '@strata/cli'
import { dialectFor, parseDatabaseUrl } from './src/db.js'
import { models } from './src/models.js'

export default defineConfig({
  databases: { default: await dialectFor(parseDatabaseUrl(process.env.DATABASE_URL)) },
  models: [...models],
  migrations: './migrations',
})
