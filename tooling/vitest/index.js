import { basename } from 'node:path'

/** The shared test settings: node environment, type tests in *.test-d.ts checked by tsc, JSON reports for CI. */
export function config(overrides = {}) {
  const reportDir = process.env.STRATA_REPORT_DIR
  const name = basename(process.cwd())
  return {
    test: {
      environment: 'node',
      include: ['test/**/*.test.ts'],
      typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
      testTimeout: 20000,
      hookTimeout: 60000,
      ...(reportDir ? { reporters: ['default', 'json'], outputFile: { json: `${reportDir}/${name}.json` } } : {}),
      ...overrides,
    },
  }
}
