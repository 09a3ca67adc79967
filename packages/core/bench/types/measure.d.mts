/** What one `tsc --extendedDiagnostics` run reports. */
export interface TscStats {
  /** Check time, seconds. */
  check: number
  /** Total time, seconds. */
  total: number
  instantiations: number
  types: number
  memoryMB: number
}

/** Runs tsc once on a project (throws with the errors if it does not type-check). */
export function runTsc(project: string, extra?: string[]): TscStats

/** Emits @strata/core's declarations into `outDir` (default bench/types/.decl); returns the directory. */
export function emitDeclarations(outDir?: string): string
