import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generate } from '../bench/types/generate.mjs'
import { emitDeclarations, runTsc } from '../bench/types/measure.mjs'

// A guard on what Strata's types cost the checker (see "Type-check cost" in the README):
// instantiations are deterministic for a given TypeScript version, unlike times. Measured with
// TypeScript 5.9.3 on the generated 50-model schema with 200 filter, 200 values and 200
// annotate().filter() calls, against core's emitted declarations (as users see the package).
const MEASURED_INSTANTIATIONS = 400_279
const MEASURED_TYPES = 68_585

describe('type-check cost', () => {
  it('a 50-model schema with 600 typed calls type-checks within twice the measured instantiations', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-type-perf-'))
    try {
      const decl = emitDeclarations(join(dir, 'decl'))
      const { configs } = generate({ models: 50, out: join(dir, 'schema'), core: join(decl, 'index.d.ts') })
      // runTsc throws with tsc's errors if any generated call fails to type-check.
      const stats = runTsc(configs.all)
      expect(stats.instantiations).toBeLessThan(2 * MEASURED_INSTANTIATIONS)
      expect(stats.types).toBeLessThan(2 * MEASURED_TYPES)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 180_000)
})
