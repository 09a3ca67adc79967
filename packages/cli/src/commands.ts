import { existsSync } from 'node:fs'
import { relative } from 'node:path'
import type { ModelMeta } from '@strata/core'
import {
  HintQuestioner,
  type MigrationSet,
  makeMergeMigration,
  makeMigrations,
  migrate,
  parseDefaultValue,
  type Questioner,
  QuestionError,
  saveMigration,
  showMigrations,
  squashMigrations,
  sqlMigrate,
} from '@strata/migrations'
import { connect, type Database } from '@strata/query'
import type { OptionSpec, Parsed } from './args.js'
import { UsageError } from './args.js'
import type { LoadedConfig } from './config.js'
import { loadProjectMigrations } from './load.js'
import type { Output } from './output.js'
import { TtyQuestioner } from './tty-questioner.js'

/** What a command gets. */
export interface CommandContext {
  readonly out: Output
  readonly args: Parsed
  readonly config: LoadedConfig
}

/** A `strata` subcommand. */
export interface Command {
  readonly name: string
  readonly usage: string
  readonly summary: string
  readonly options: readonly OptionSpec[]
  /** Runs it; resolves to the exit code. */
  run(ctx: CommandContext): Promise<number>
}

const DATABASE: OptionSpec = { name: 'database', value: 'one', meta: 'alias', help: "The database alias from the config (default 'default')." }

function models(ctx: CommandContext): ModelMeta[] {
  return ctx.config.config.models.map((m) => m.meta)
}

function migrations(ctx: CommandContext): Promise<MigrationSet> {
  return loadProjectMigrations(ctx.config.migrationsDir)
}

async function withDatabase<T>(ctx: CommandContext, fn: (db: Database, alias: string) => Promise<T>): Promise<T> {
  const alias = ctx.args.values.get('database')?.[0] ?? 'default'
  const { databases } = ctx.config.config
  if (!databases[alias]) throw new UsageError(`No database named ${JSON.stringify(alias)} in ${ctx.config.file}; configured: ${Object.keys(databases).join(', ')}`)
  const db = await connect({ databases: { default: databases[alias]! }, models: ctx.config.config.models })
  try {
    return await fn(db, 'default')
  } finally {
    await db.close()
  }
}

function questioner(ctx: CommandContext): Questioner & { close?(): void } {
  const defaults: Record<string, unknown> = {}
  for (const d of ctx.args.values.get('default') ?? []) {
    const eq = d.indexOf('=')
    if (eq <= 0 || !/^[A-Za-z_]\w*\.[A-Za-z]\w*$/.test(d.slice(0, eq))) throw new UsageError(`--default ${JSON.stringify(d)}: write Model.field=value (the value as JSON, or plain text)`)
    defaults[d.slice(0, eq)] = parseDefaultValue(d.slice(eq + 1))
  }
  const hints = { renames: ctx.args.values.get('rename') ?? [], defaults, yes: ctx.args.flags.has('yes') }
  const interactive = !ctx.args.flags.has('no-input') && ctx.out.io.in.isTTY === true && ctx.out.tty
  if (interactive) return new TtyQuestioner(ctx.out, hints)
  const q = new HintQuestioner(hints)
  q.warn = (m: string) => ctx.out.warn(m)
  return q
}

function rel(ctx: CommandContext, file: string): string {
  return relative(ctx.out.io.cwd, file) || file
}

/** `strata makemigrations`. */
export const makemigrationsCommand: Command = {
  name: 'makemigrations',
  usage: 'strata makemigrations [--name NAME] [--empty] [--merge] [--dry-run] [--check] [--no-input] [--yes] [--rename Model.old=Model.new] [--default Model.field=value]',
  summary: 'Write a new migration for the changes in the models.',
  options: [
    { name: 'name', value: 'one', help: 'The name after the number (default: made from the changes).' },
    { name: 'empty', help: 'Write a migration with no operations, to fill by hand (runSQL, runCode).' },
    { name: 'merge', help: 'When branches of the history conflict (several leaves), write a migration that depends on all of them.' },
    { name: 'dry-run', help: 'Show the migration without writing it.' },
    { name: 'check', help: 'Exit with code 1 if the models have changes without a migration; write nothing.' },
    { name: 'no-input', help: 'Ask nothing; a question no hint answers is an error (exit code 3).' },
    { name: 'yes', help: 'Answer yes to every rename question.' },
    { name: 'rename', value: 'many', meta: 'Old=New', help: 'A rename: Post.title=Post.headline (field) or Post=Article (model). Repeatable.' },
    { name: 'default', value: 'many', meta: 'Model.field=value', help: 'A one-off value for rows when a NOT NULL field is added. Repeatable.' },
  ],
  async run(ctx) {
    const { out, args } = ctx
    if (args.flags.has('merge')) return merge(ctx)
    const q = questioner(ctx)
    try {
      const made = await makeMigrations({
        set: await migrations(ctx),
        dir: ctx.config.migrationsDir,
        models: models(ctx),
        questioner: q,
        name: args.values.get('name')?.[0],
        empty: args.flags.has('empty'),
      })
      if (!made) {
        out.line('No changes detected.')
        return 0
      }
      const dry = args.flags.has('dry-run') || args.flags.has('check')
      out.line(out.title(dry ? 'Migrations (not written):' : 'Migrations:'))
      out.line(`  ${rel(ctx, made.file)}`)
      for (const op of made.operations) out.line(`    - ${op.describe()}`)
      if (args.flags.has('check')) return 1
      if (args.flags.has('dry-run')) {
        out.line()
        out.line(made.source)
        return 0
      }
      await saveMigration(made)
      return 0
    } finally {
      q.close?.()
    }
  },
}

/** `makemigrations --merge`: one migration depending on every leaf. */
async function merge(ctx: CommandContext): Promise<number> {
  const { out, args } = ctx
  const made = makeMergeMigration(await migrations(ctx), { name: args.values.get('name')?.[0], dir: ctx.config.migrationsDir })
  if (!made) {
    out.line('No conflicts detected to merge.')
    return 0
  }
  out.line(out.title('Merging branches:'))
  for (const [leaf, branch] of made.branches) {
    out.line(`  Branch ${leaf}`)
    for (const name of branch) out.line(`    - ${name}`)
  }
  const dry = args.flags.has('dry-run') || args.flags.has('check')
  out.line(`${dry ? 'Merge migration (not written)' : 'Created new merge migration'} ${rel(ctx, made.file)}`)
  if (args.flags.has('check')) return 1
  if (dry) {
    out.line()
    out.line(made.source)
    return 0
  }
  await saveMigration(made)
  return 0
}

/** `strata migrate`. */
export const migrateCommand: Command = {
  name: 'migrate',
  usage: 'strata migrate [target] [--fake] [--fake-initial] [--plan] [--check] [--database ALIAS]',
  summary: "Apply the migrations the database lacks, or go back to a target ('zero' unapplies all).",
  options: [
    { name: 'fake', help: 'Record the migrations as applied (or unapplied) without running their SQL.' },
    { name: 'fake-initial', help: 'Record an initial migration as applied when its tables exist already.' },
    { name: 'plan', help: 'Show what would run, and run nothing.' },
    { name: 'check', help: 'Run nothing; exit with code 1 if there are migrations to run (with --plan: show them too).' },
    DATABASE,
  ],
  async run(ctx) {
    const { out, args } = ctx
    if (args.positionals.length > 1) throw new UsageError('migrate takes at most one target')
    const set = await migrations(ctx)
    const target = args.positionals[0]
    return withDatabase(ctx, async (db) => {
      if (args.flags.has('check') && !args.flags.has('plan')) {
        const { plan } = await migrate(db, set, { target, planOnly: true })
        if (plan.length === 0) return 0
        out.line(`${plan.length} migration(s) to ${plan[0]!.backwards ? 'unapply' : 'apply'}: ${plan.map((s) => s.name).join(', ')}`)
        return 1
      }
      if (args.flags.has('plan')) {
        const { plan } = await migrate(db, set, { target, planOnly: true })
        out.line(out.title('Planned operations:'))
        if (plan.length === 0) out.line('  No planned migration operations.')
        for (const step of plan) {
          out.line(`${step.name}${step.backwards ? out.notice(' (unapply)') : ''}`)
          const ops = step.backwards ? [...step.migration.operations].reverse() : step.migration.operations
          for (const op of ops) out.line(`    ${step.backwards ? 'Undo ' : ''}${op.describe()}${op.reversible || !step.backwards ? '' : out.notice(' (IRREVERSIBLE)')}`)
        }
        return args.flags.has('check') && plan.length > 0 ? 1 : 0
      }
      out.line(out.title('Running migrations:'))
      let any = false
      await migrate(db, set, {
        target,
        fake: args.flags.has('fake'),
        fakeInitial: args.flags.has('fake-initial'),
        onProgress: (e) => {
          any = true
          if (e.type === 'start') out.write(`  ${e.step.backwards ? 'Unapplying' : 'Applying'} ${e.step.name}...`)
          else out.line(` ${out.ok(e.fake ? 'FAKED' : 'OK')}${out.dim(` (${e.ms} ms)`)}`)
        },
      }).catch((e: unknown) => {
        if (any) out.line(` ${out.notice('FAILED')}`)
        throw e
      })
      if (!any) out.line('  No migrations to apply.')
      await warnUnmigrated(ctx, set)
      return 0
    })
  },
}

/** Tells the user when the models have changes no migration holds (as Django's migrate does). */
async function warnUnmigrated(ctx: CommandContext, set: MigrationSet): Promise<void> {
  try {
    const made = await makeMigrations({ set, models: models(ctx), questioner: new HintQuestioner() })
    if (made) ctx.out.warn("Your models have changes that are not yet in a migration. Run 'strata makemigrations', then 'strata migrate'.")
  } catch (e) {
    if (e instanceof QuestionError) ctx.out.warn("Your models have changes that are not yet in a migration. Run 'strata makemigrations', then 'strata migrate'.")
  }
}

/** `strata showmigrations`. */
export const showmigrationsCommand: Command = {
  name: 'showmigrations',
  usage: 'strata showmigrations [--plan] [--database ALIAS]',
  summary: 'List the migrations, [X] where the database has applied them.',
  options: [{ name: 'plan', help: 'List them in the order migrate applies them, each with its dependencies.' }, DATABASE],
  async run(ctx) {
    const set = await migrations(ctx)
    const plan = ctx.args.flags.has('plan')
    return withDatabase(ctx, async (db) => {
      const list = await showMigrations(db, set)
      if (list.length === 0) ctx.out.line(`(no migrations in ${rel(ctx, ctx.config.migrationsDir)})`)
      for (const m of list) {
        const mark = m.applied ? ctx.out.ok('[X]') : '[ ]'
        const deps = plan && m.dependencies.length ? ctx.out.dim(` ... (${m.dependencies.join(', ')})`) : ''
        ctx.out.line(` ${mark} ${m.name}${m.replaces ? ctx.out.dim(` (squashes ${m.replaces})`) : ''}${deps}`)
      }
      return 0
    })
  },
}

/** `strata sqlmigrate`. */
export const sqlmigrateCommand: Command = {
  name: 'sqlmigrate',
  usage: 'strata sqlmigrate NAME [--backwards] [--database ALIAS]',
  summary: 'Print the SQL of a migration for the configured database, without running it.',
  options: [{ name: 'backwards', help: 'The SQL that unapplies it.' }, DATABASE],
  async run(ctx) {
    const name = ctx.args.positionals[0]
    if (!name || ctx.args.positionals.length > 1) throw new UsageError('sqlmigrate takes one migration name (or a unique prefix such as 0002)')
    const set = await migrations(ctx)
    return withDatabase(ctx, async (db) => {
      const statements = await sqlMigrate(db, set, name, { backwards: ctx.args.flags.has('backwards') })
      if (statements.length === 0) ctx.out.line('-- (no SQL: this migration changes only the state)')
      for (const s of statements) {
        const params = s.parameters.length ? `  -- parameters: ${JSON.stringify(s.parameters, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}` : ''
        ctx.out.line(`${s.sql.trim().startsWith('--') ? s.sql : `${s.sql};`}${params}`)
      }
      return 0
    })
  },
}

/** `strata squashmigrations`. */
export const squashmigrationsCommand: Command = {
  name: 'squashmigrations',
  usage: 'strata squashmigrations START END [--name NAME] [--dry-run]',
  summary: 'Squash a range of migrations into one that replaces them (checks for dependency cycles first).',
  options: [
    { name: 'name', value: 'one', help: 'The name of the squashed migration (default: START_squashed_END).' },
    { name: 'dry-run', help: 'Show the squashed migration without writing it.' },
    { name: 'no-input', help: 'Accepted for scripts; squashmigrations asks nothing.' },
  ],
  async run(ctx) {
    const [start, end] = ctx.args.positionals
    if (!start || !end || ctx.args.positionals.length > 2) throw new UsageError('squashmigrations takes the first and the last migration of the range, e.g. 0001 0004')
    const set = await migrations(ctx)
    const made = squashMigrations(set, start, end, { name: ctx.args.values.get('name')?.[0], dir: ctx.config.migrationsDir })
    if (existsSync(made.file)) throw new UsageError(`${rel(ctx, made.file)} exists already`)
    ctx.out.line(`Squashed ${made.replaces.length} migrations into ${made.operations.length} operation(s): ${rel(ctx, made.file)}`)
    for (const op of made.operations) ctx.out.line(`    - ${op.describe()}`)
    if (ctx.args.flags.has('dry-run')) {
      ctx.out.line()
      ctx.out.line(made.source)
      return 0
    }
    await saveMigration(made)
    ctx.out.line(`Keep the replaced files until every database has applied ${made.name} (or all of them); then delete them and this migration's \`replaces\`.`)
    return 0
  },
}
