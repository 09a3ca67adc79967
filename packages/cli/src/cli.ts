import { QuestionError, MigrationError } from '@strata/migrations'
import { StrataError } from '@strata/core'
import { type OptionSpec, parseArgs, UsageError } from './args.js'
import { type Command, makemigrationsCommand, migrateCommand, showmigrationsCommand, sqlmigrateCommand, squashmigrationsCommand } from './commands.js'
import { ConfigError, loadConfig } from './config.js'
import { createsuperuserCommand } from './createsuperuser.js'
import { dbshellCommand, inspectdbCommand } from './inspect.js'
import { type Io, Output } from './output.js'
import { QuitError } from './tty-questioner.js'

/** Every subcommand, in the order `strata --help` lists them. */
export const COMMANDS: readonly Command[] = [
  makemigrationsCommand,
  migrateCommand,
  showmigrationsCommand,
  sqlmigrateCommand,
  squashmigrationsCommand,
  inspectdbCommand,
  dbshellCommand,
  createsuperuserCommand,
]

/** Exit codes: 0 done, 1 failed (or `--check` found changes), 2 bad usage or config, 3 a question needed input. */
export const EXIT = { ok: 0, failed: 1, usage: 2, question: 3 } as const

const GLOBAL: readonly OptionSpec[] = [
  { name: 'config', value: 'one', meta: 'file', help: 'The config file (default: strata.config.ts here or in a parent directory).' },
  { name: 'help', help: 'Show this help.' },
]

function mainHelp(out: Output): void {
  out.line(`${out.title('strata')}: migrations for Strata models.`)
  out.line()
  out.line('Usage: strata <command> [options]   (strata <command> --help for its options)')
  out.line()
  for (const c of COMMANDS) out.line(`  ${c.name.padEnd(17)}${c.summary}`)
  out.line()
  out.line('Configuration comes from strata.config.ts: export default defineConfig({ databases, models, migrations }).')
}

function commandHelp(out: Output, c: Command): void {
  out.line(`${out.title(c.usage)}`)
  out.line()
  out.line(c.summary)
  out.line()
  for (const o of [...c.options, ...GLOBAL]) {
    const flag = `--${o.name}${o.value ? ` ${o.meta ?? o.name.toUpperCase()}` : ''}`
    out.line(`  ${flag.padEnd(30)}${o.help}`)
  }
}

/**
 * Runs the `strata` command line and resolves to its exit code (the `strata` binary calls it).
 * @example process.exitCode = await main(process.argv.slice(2))
 */
export async function main(argv: readonly string[], io: Io = { out: process.stdout, err: process.stderr, in: process.stdin, cwd: process.cwd(), env: process.env }): Promise<number> {
  const out = new Output(io)
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    mainHelp(out)
    return name ? EXIT.ok : EXIT.usage
  }
  const command = COMMANDS.find((c) => c.name === name)
  if (!command) {
    out.error(`Unknown command ${JSON.stringify(name)}. Commands: ${COMMANDS.map((c) => c.name).join(', ')}`)
    return EXIT.usage
  }
  try {
    const args = parseArgs(rest, [...command.options, ...GLOBAL])
    if (args.flags.has('help')) {
      commandHelp(out, command)
      return EXIT.ok
    }
    const config = await loadConfig(io.cwd, args.values.get('config')?.[0])
    return await command.run({ out, args, config })
  } catch (e) {
    if (e instanceof UsageError) {
      out.error(`${e.message}\nUsage: ${command.usage}`)
      return EXIT.usage
    }
    if (e instanceof ConfigError) {
      out.error(e.message)
      return EXIT.usage
    }
    if (e instanceof QuestionError) {
      out.error(e.message)
      return EXIT.question
    }
    if (e instanceof QuitError) {
      out.error(e.message)
      return EXIT.question
    }
    if (e instanceof MigrationError || e instanceof StrataError) {
      out.error(`${e.name}: ${e.message}`)
      const cause = (e as { cause?: unknown }).cause
      if (cause instanceof Error && io.env.STRATA_DEBUG) out.error(String(cause.stack))
      return EXIT.failed
    }
    out.error(`Error: ${e instanceof Error ? (io.env.STRATA_DEBUG ? e.stack : e.message) : String(e)}`)
    return EXIT.failed
  }
}
