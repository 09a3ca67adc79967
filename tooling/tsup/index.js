/** The shared build: ESM and CJS with declarations, one entry per package unless told. */
export function config(overrides = {}) {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    // Files are overwritten in place, so that a rebuild never leaves a moment without dist (parallel runs import it).
    clean: false,
    sourcemap: true,
    target: 'node20',
    treeshake: true,
    ...overrides,
  }
}
