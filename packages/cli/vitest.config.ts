import { config } from '@strata/vitest-config'
import { defineConfig } from 'vitest/config'

// The tests run the real `strata` command against real databases: give them time.
export default defineConfig(config({ testTimeout: 120000 }))
