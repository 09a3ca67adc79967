/** A command line option: a flag, or one that takes a value (possibly repeated). */
export interface OptionSpec {
  readonly name: string
  readonly value?: 'one' | 'many'
  readonly help: string
  /** Shown in help instead of `<value>`. */
  readonly meta?: string
}

/** Parsed arguments: positionals and options by name. */
export interface Parsed {
  readonly positionals: string[]
  readonly flags: Set<string>
  readonly values: Map<string, string[]>
}

/** A command line that does not fit the command; the CLI prints it with the usage and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** Parses `--name`, `--name value`, `--name=value` and positionals against the command's options. */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): Parsed {
  const byName = new Map(specs.map((s) => [s.name, s]))
  const parsed: Parsed = { positionals: [], flags: new Set(), values: new Map() }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      parsed.positionals.push(...argv.slice(i + 1))
      break
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg !== '-' && arg !== '-h') throw new UsageError(`Unknown option ${arg}`)
      if (arg === '-h') parsed.flags.add('help')
      else parsed.positionals.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = arg.slice(2, eq === -1 ? undefined : eq)
    const spec = byName.get(name)
    if (!spec) throw new UsageError(`Unknown option --${name}`)
    if (!spec.value) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`)
      parsed.flags.add(name)
      continue
    }
    let value: string | undefined = eq === -1 ? argv[++i] : arg.slice(eq + 1)
    if (value === undefined || (eq === -1 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`)
    const list = parsed.values.get(name) ?? []
    if (spec.value === 'one' && list.length) throw new UsageError(`--${name} is given twice`)
    list.push(value)
    parsed.values.set(name, list)
    value = undefined
  }
  return parsed
}
