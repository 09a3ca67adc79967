import { config } from '@strata/vitest-config'
import { defineConfig } from 'vitest/config'

export default defineConfig(config())
