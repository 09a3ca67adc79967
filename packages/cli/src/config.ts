import { existsSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import type { ModelClassLike } from '@strata/core'
import type { StrataDialect } from '@strata/query'
import { importModule } from './load.js'

/** What `strata.config.ts` exports by default. */
export interface StrataConfig {
  /** Database aliases to dialects, as `connect()` takes them; `default` is used unless `--database` says otherwise. */
  databases: Record<string, StrataDialect>
  /** The model classes that migrations cover. */
  models: readonly ModelClassLike[]
  /** The migrations directory, relative to the config file (default `'./migrations'`). */
  migrations?: string
}

/** A loaded configuration, with absolute paths. */
export interface LoadedConfig {
  readonly config: StrataConfig
  /** The config file. */
  readonly file: string
  /** The migrations directory. */
  readonly migrationsDir: string
}

/**
 * Types a `strata.config.ts`; it returns its argument unchanged.
 * @example export default defineConfig({ databases: { default: sqlite({ filename: 'app.db' }) }, models: [Post, Tag] })
 */
export function defineConfig(config: StrataConfig): StrataConfig {
  return config
}

/** A configuration that cannot be used; the CLI prints the message and exits with code 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

const NAMES = ['strata.config.ts', 'strata.config.mts', 'strata.config.js', 'strata.config.mjs']

/** Finds the config file: `explicit`, else `strata.config.{ts,mts,js,mjs}` in `cwd` or a parent directory. */
export function findConfig(cwd: string, explicit?: string): string {
  if (explicit) {
    const file = isAbsolute(explicit) ? explicit : resolve(cwd, explicit)
    if (!existsSync(file)) throw new ConfigError(`No config file at ${file}`)
    return file
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const n of NAMES) if (existsSync(join(dir, n))) return join(dir, n)
    if (dirname(dir) === dir) break
  }
  throw new ConfigError(`No strata.config.ts found in ${resolve(cwd)} or its parents. Create one:\n\n  import { defineConfig } from '@strata/cli'\n  export default defineConfig({ databases: { default: sqlite({ filename: 'app.db' }) }, models: [Post] })\n`)
}

/** Loads and checks the config (TypeScript is loaded without a build step). */
export async function loadConfig(cwd: string, explicit?: string): Promise<LoadedConfig> {
  const file = findConfig(cwd, explicit)
  let mod: unknown
  try {
    mod = await importModule(file)
  } catch (e) {
    throw new ConfigError(`Could not load ${file}: ${e instanceof Error ? e.message : String(e)}`)
  }
  const config = ((mod as { default?: unknown }).default ?? mod) as StrataConfig
  if (typeof config !== 'object' || config === null) throw new ConfigError(`${file} must have a default export: defineConfig({ databases, models })`)
  if (typeof config.databases !== 'object' || config.databases === null || !config.databases.default)
    throw new ConfigError(`${file}: \`databases\` must name a 'default' database, e.g. { default: sqlite({ filename: 'app.db' }) }`)
  for (const [alias, d] of Object.entries(config.databases)) {
    if (typeof d !== 'object' || d === null || typeof (d as StrataDialect).createKyselyDialect !== 'function')
      throw new ConfigError(`${file}: databases.${alias} is not a dialect (use sqlite(), postgres() or mysql())`)
  }
  if (!Array.isArray(config.models)) throw new ConfigError(`${file}: \`models\` must be an array of model classes`)
  config.models.forEach((m, i) => {
    if (typeof m !== 'function' || !(m as ModelClassLike).meta) throw new ConfigError(`${file}: models[${i}] is not a model class made with model()`)
  })
  if (config.migrations !== undefined && typeof config.migrations !== 'string') throw new ConfigError(`${file}: \`migrations\` must be a directory path`)
  return { config, file, migrationsDir: resolve(dirname(file), config.migrations ?? './migrations') }
}
