/** The shared build: ESM and CJS with declarations, one entry per package unless told. */
export function config(overrides = {}) {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    treeshake: true,
    ...overrides,
  }
}
