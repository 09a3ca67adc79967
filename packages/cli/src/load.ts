import { pathToFileURL } from 'node:url'
import { loadMigrations, type MigrationSet } from '@strata/migrations'
import { register } from 'tsx/esm/api'

let registered = false

/**
 * Imports a module, TypeScript included, without a build step: tsx's loader is registered once in
 * Node's own module system, so the config, the models and the migrations share one copy of each
 * package with the CLI.
 */
export async function importModule(file: string): Promise<unknown> {
  if (!registered) {
    register()
    registered = true
  }
  return import(pathToFileURL(file).href)
}

/**
 * Loads the migration files of `dir` (`NNNN_name.ts`) with TypeScript support: what `strata migrate`
 * does, for applications that migrate on start.
 * @example await migrate(db, await loadProjectMigrations('migrations'))
 */
export function loadProjectMigrations(dir: string): Promise<MigrationSet> {
  return loadMigrations(dir, importModule)
}
