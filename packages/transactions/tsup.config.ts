import { config } from '@strata/tsup-config'
import { defineConfig } from 'tsup'

export default defineConfig(config())
