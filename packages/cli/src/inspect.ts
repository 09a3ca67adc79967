import { spawn } from 'node:child_process'
import { snakeCase } from '@strata/core'
import { RECORDER_TABLE, schemaEditorFor } from '@strata/migrations'
import type { ColumnInfo, ConstraintInfo } from '@strata/query'
import { connect } from '@strata/query'
import type { Command, CommandContext } from './commands.js'
import { UsageError } from './args.js'

const SKIP = new Set([RECORDER_TABLE, 'strata_migrations_lock'])

function pascal(table: string): string {
  return table
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('') || 'Model'
}

function camel(column: string): string {
  const p = pascal(column)
  const name = p[0]!.toLowerCase() + p.slice(1)
  return /^[A-Za-z]/.test(name) && name !== 'pk' ? name : `field${p}`
}

/** A field factory call for a column type; a type it does not know becomes text, with a comment. */
function fieldFor(col: ColumnInfo): { kind: string; options: Record<string, unknown>; note?: string } {
  const t = col.type.toLowerCase()
  const len = /\((\d+)\)/.exec(t)
  const prec = /\((\d+)\s*,\s*(\d+)\)/.exec(t)
  const auto = col.primaryKey && col.autoIncrement
  if (/^(bigint|int8|bigserial)\b/.test(t)) return { kind: auto ? 'bigAuto' : 'bigInteger', options: {} }
  if (/^(smallint|int2)\b/.test(t)) return { kind: 'smallInteger', options: {} }
  if (/^tinyint\(1\)|^bool(ean)?$/.test(t)) return { kind: 'boolean', options: {} }
  if (/unsigned/.test(t) && /int/.test(t) && !auto) return { kind: 'positiveInteger', options: {} }
  if (/^(int|integer|int4|mediumint|serial)\b/.test(t)) return { kind: auto ? 'auto' : 'integer', options: {} }
  if (/^(numeric|decimal)/.test(t) && prec) return { kind: 'decimal', options: { maxDigits: Number(prec[1]), decimalPlaces: Number(prec[2]) } }
  if (/^(real|double|float)/.test(t)) return { kind: 'float', options: {} }
  if (/^uuid$|^char\(36\)/.test(t)) return { kind: 'uuid', options: {} }
  if (/^(varchar|character varying|char|character|nvarchar)\b/.test(t) && len) return { kind: 'char', options: { maxLength: Number(len[1]) } }
  if (/^(text|longtext|mediumtext|tinytext|clob|character varying$|varchar$)/.test(t)) return { kind: 'text', options: {} }
  if (/^(datetime|timestamp)/.test(t)) return { kind: 'dateTime', options: {} }
  if (/^date$/.test(t)) return { kind: 'date', options: {} }
  if (/^time/.test(t)) return { kind: 'time', options: {} }
  if (/^interval/.test(t)) return { kind: 'duration', options: {} }
  if (/^jsonb?$/.test(t)) return { kind: 'json', options: {} }
  if (/^(blob|bytea|longblob|mediumblob|varbinary|binary)/.test(t)) return { kind: 'binary', options: {} }
  return { kind: 'text', options: {}, note: `the database type ${col.type} has no matching field; check it` }
}

function literal(v: unknown): string {
  return typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : String(v)
}

function options(o: Record<string, unknown>): string {
  const parts = Object.entries(o).map(([k, v]) => `${k}: ${literal(v)}`)
  return parts.length ? `{ ${parts.join(', ')} }` : ''
}

/** Model code for one table. */
export function modelSource(table: string, columns: readonly ColumnInfo[], constraints: readonly ConstraintInfo[]): string {
  const cls = pascal(table)
  const lines: string[] = []
  const single = (c: ConstraintInfo) => c.columns.length === 1
  for (const col of columns) {
    const fk = constraints.find((c) => c.foreignKey && single(c) && c.columns[0] === col.name)
    const unique = constraints.some((c) => c.unique && !c.primaryKey && single(c) && c.columns[0] === col.name)
    const indexed = constraints.some((c) => c.index && !c.unique && single(c) && c.columns[0] === col.name)
    if (col.primaryKey && col.name === 'id' && col.autoIncrement && /int/.test(col.type.toLowerCase()) && !/big|int8/.test(col.type.toLowerCase())) continue
    if (fk?.foreignKey) {
      const name = camel(col.name.replace(/_id$/i, '')) || camel(col.name)
      const o: Record<string, unknown> = { onDelete: 'DO_NOTHING' }
      if (`${snakeCase(name)}_id` !== col.name) o.dbColumn = col.name
      if (col.nullable) o.null = true
      if (unique) o.unique = true
      const target = fk.foreignKey.table === table ? "'self'" : `'${pascal(fk.foreignKey.table)}'`
      lines.push(`  ${name}: f.${unique ? 'oneToOne' : 'foreignKey'}(${target}, ${options(o)}),`)
      continue
    }
    const field = fieldFor(col)
    const name = camel(col.name)
    const o = { ...field.options }
    if (snakeCase(name) !== col.name) o.dbColumn = col.name
    if (col.primaryKey && field.kind !== 'auto' && field.kind !== 'bigAuto') o.primaryKey = true
    if (col.nullable && !col.primaryKey) o.null = true
    if (unique) o.unique = true
    if (indexed) o.dbIndex = true
    if (field.note) lines.push(`  // ${field.note}`)
    lines.push(`  ${name}: f.${field.kind}(${options(o)}),`)
  }
  const names = new Map(columns.map((c) => [c.name, camel(c.name.replace(/_id$/i, '')) || camel(c.name)]))
  const opts: string[] = []
  if (snakeCase(cls) !== table) opts.push(`dbTable: '${table}'`)
  const together = constraints.filter((c) => c.unique && !c.primaryKey && c.columns.length > 1).map((c) => `[${c.columns.map((n) => `'${names.get(n) ?? camel(n)}'`).join(', ')}]`)
  if (together.length) opts.push(`uniqueTogether: [${together.join(', ')}]`)
  const tail = opts.length ? `, { ${opts.join(', ')} }` : ''
  return `export class ${cls} extends model('${cls}', {\n${lines.join('\n')}\n}${tail}) {}\n`
}

/** `strata inspectdb`. */
export const inspectdbCommand: Command = {
  name: 'inspectdb',
  usage: 'strata inspectdb [TABLE...] [--database ALIAS]',
  summary: 'Print model code for the tables of an existing database.',
  options: [{ name: 'database', value: 'one', meta: 'alias', help: "The database alias from the config (default 'default')." }],
  async run(ctx: CommandContext) {
    const alias = ctx.args.values.get('database')?.[0] ?? 'default'
    const dialect = ctx.config.config.databases[alias]
    if (!dialect) throw new UsageError(`No database named ${JSON.stringify(alias)} in ${ctx.config.file}`)
    const db = await connect({ databases: { default: dialect }, models: [] })
    try {
      const editor = schemaEditorFor(db.engine())
      const all = (await editor.tableNames()).filter((t) => !SKIP.has(t))
      const wanted = ctx.args.positionals.length ? ctx.args.positionals : all
      for (const t of wanted) if (!all.includes(t)) throw new UsageError(`No table named ${JSON.stringify(t)}; tables: ${all.join(', ')}`)
      ctx.out.line('// Made by strata inspectdb from the database. Check every field (inspectdb cannot see')
      ctx.out.line('// onDelete rules, defaults or many-to-many fields), then list the models in strata.config.ts.')
      ctx.out.line("import { f, model } from '@strata/core'")
      for (const t of wanted) {
        ctx.out.line()
        ctx.out.write(modelSource(t, await editor.columns(t), await editor.constraints(t)))
      }
      return 0
    } finally {
      await db.close()
    }
  },
}

/** `strata dbshell`. */
export const dbshellCommand: Command = {
  name: 'dbshell',
  usage: 'strata dbshell [--database ALIAS]',
  summary: "Open the database's own command-line client (sqlite3, psql, mysql) on the configured database.",
  options: [{ name: 'database', value: 'one', meta: 'alias', help: "The database alias from the config (default 'default')." }],
  async run(ctx: CommandContext) {
    const alias = ctx.args.values.get('database')?.[0] ?? 'default'
    const dialect = ctx.config.config.databases[alias]
    if (!dialect) throw new UsageError(`No database named ${JSON.stringify(alias)} in ${ctx.config.file}`)
    const shell = dialect.shellCommand?.()
    if (!shell) throw new UsageError(`The ${dialect.name} dialect does not say how to open its shell`)
    return new Promise<number>((resolve) => {
      const child = spawn(shell.command, [...shell.args], { stdio: 'inherit', env: { ...ctx.out.io.env, ...shell.env }, cwd: ctx.out.io.cwd })
      child.on('error', (e) => {
        ctx.out.error(`Could not run ${shell.command}: ${e.message}. Is it installed and on PATH?`)
        resolve(1)
      })
      child.on('exit', (code) => resolve(code ?? 1))
    })
  },
}
