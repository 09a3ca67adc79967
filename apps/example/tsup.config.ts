import { defineConfig } from 'tsup'

/**
 * The app is not a library: two runnable entries, ESM only, no declarations. The optional
 * dialect packages are loaded at run time by `src/db.ts` only when DATABASE_URL asks for them,
 * so they stay external even when they are not installed.
 */
export default defineConfig({
  entry: ['src/server.ts', 'src/demo.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: false,
  clean: true,
  sourcemap: true,
  splitting: true,
  external: ['@strata/postgres', '@strata/mysql', 'pg', 'mysql2'],
})
