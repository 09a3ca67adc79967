import { config } from '@strata/tsup-config'
import { defineConfig } from 'tsup'

export default defineConfig([config(), config({ entry: ['src/bin.ts'], format: ['esm'], dts: false, clean: false, banner: { js: '#!/usr/bin/env node' } })])
