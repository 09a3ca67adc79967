import { type ExplainRequest, NotSupportedError } from '@strata/core'
import type { ExplainSpec, StrataDialect } from './dialect.js'

/**
 * Checks an `explain()` request (names already known to core) against what the database takes
 * (`features.explainFormats`, `features.explainOptions`): anything else is a `NotSupportedError`
 * naming what it does take. Only names from these allow-lists reach the dialect.
 */
export function explainSpec(dialect: StrataDialect, request: ExplainRequest, model: string): ExplainSpec {
  const formats = dialect.features.explainFormats ?? []
  const flags = dialect.features.explainOptions ?? []
  const format = request.format
  if (format !== undefined && !formats.includes(format))
    throw new NotSupportedError(
      `explain(): ${dialect.name} does not support the ${format} format; ${formats.length ? `it takes ${formats.join(', ')}` : 'it takes no format'}`,
      { model },
    )
  const options: Record<string, boolean> = {}
  for (const [name, value] of Object.entries(request.options)) {
    if (value === undefined) continue
    if (!flags.includes(name))
      throw new NotSupportedError(`explain(): ${dialect.name} does not support the ${name} option; ${flags.length ? `it takes ${flags.join(', ')}` : 'it takes no options'}`, { model })
    options[name] = value
  }
  return format === undefined ? { options } : { format, options }
}
