/** Options of `generate()`; every one has a default. */
export interface GenerateOptions {
  /** Number of models (default 50). */
  models?: number | string
  /** Number of calls of each kind: filter, values, annotate (default 200). */
  calls?: number | string
  /** Output directory (default `bench/types/out-<models>`); emptied first. */
  out?: string
  /** `'decl'`: '@strata/core' is bench/types/.decl (emitted by measure.mjs); `'src'`: the package's sources; else a path to an index file. */
  core?: 'decl' | 'src' | (string & {})
  seed?: number
}

/** Variants: model definitions only, each kind of call alone, or everything (`all`). */
export type Variant = 'definitions' | 'filter' | 'values' | 'annotate' | 'all'

/** Writes the schema and calls; returns the directory and the tsconfig path of each variant. */
export function generate(options?: GenerateOptions): { dir: string; configs: Record<Variant, string> }
