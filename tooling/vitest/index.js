/** The shared test settings: node environment, type tests in *.test-d.ts checked by tsc. */
export function config(overrides = {}) {
  return {
    test: {
      environment: 'node',
      include: ['test/**/*.test.ts'],
      typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
      testTimeout: 20000,
      hookTimeout: 30000,
      ...overrides,
    },
  }
}
