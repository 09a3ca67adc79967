import { config } from '@strata/vitest-config'
import { defineConfig } from 'vitest/config'

// The HTTP suites start servers and the browser suite a Chromium: one file at a time keeps the
// two cores of a CI machine from timing out under load.
export default defineConfig(config({ fileParallelism: false, testTimeout: 60000 }))
