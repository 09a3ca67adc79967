import { type Field, type ForeignKey, ManyToManyField } from '@strata/core'
import type { DatabaseSchemaEditor } from '@strata/query'
import { defFromField, type FieldDef, type ModelStateOptions, STATE_ONLY_OPTIONS } from '../deconstruct.js'
import { MigrationError } from '../errors.js'
import { Code } from '../serialize.js'
import type { ModelState, ProjectState } from '../state.js'
import { checkFieldName, checkModelName, fieldCode, fragment, Operation } from './base.js'

/** What `createModel()` takes. */
export interface CreateModelArgs {
  name: string
  /** Fields in order: `f.*` objects (or definitions). */
  fields: Readonly<Record<string, Field | FieldDef>>
  options?: ModelStateOptions
}

/** Creates a model's table (and its many-to-many join tables). */
export class CreateModel extends Operation {
  readonly type = 'createModel'
  readonly name: string
  readonly fields: readonly (readonly [string, FieldDef])[]
  readonly options: ModelStateOptions

  constructor(args: CreateModelArgs) {
    super()
    if (typeof args?.name !== 'string' || !args.fields) throw new MigrationError('createModel() needs { name, fields }')
    checkModelName('createModel', args.name)
    for (const n of Object.keys(args.fields)) checkFieldName(`createModel ${args.name}`, n)
    this.name = args.name
    this.fields = Object.entries(args.fields).map(([n, fl]) => [n, defFromField(fl, args.name)] as const)
    this.options = args.options ?? {}
  }

  stateForwards(state: ProjectState): void {
    if (state.has(this.name)) throw new MigrationError(`createModel: ${this.name} already exists at this point of the migrations`, { model: this.name })
    state.set({ name: this.name, fields: this.fields, options: this.options })
  }

  async databaseForwards(editor: DatabaseSchemaEditor, _from: ProjectState, to: ProjectState): Promise<void> {
    await editor.createModel(to.render(this.name))
  }

  async databaseBackwards(editor: DatabaseSchemaEditor, from: ProjectState): Promise<void> {
    await editor.deleteModel(from.render(this.name))
  }

  describe(): string {
    return `Create model ${this.name}`
  }

  get nameFragment(): string {
    return fragment(this.name)
  }

  toCode(): Code {
    const fields: Record<string, Code> = {}
    for (const [n, def] of this.fields) fields[n] = fieldCode(def)
    return new Code('createModel', [{ name: this.name, fields, options: Object.keys(this.options).length ? this.options : undefined }])
  }

  referencesModel(name: string): boolean {
    return this.name === name || this.fields.some(([, d]) => d.to === name || d.options.through === name)
  }
}

/** Drops a model's table (and its join tables). */
export class DeleteModel extends Operation {
  readonly type = 'deleteModel'
  readonly name: string

  constructor(args: { name: string }) {
    super()
    if (typeof args?.name !== 'string') throw new MigrationError('deleteModel() needs { name }')
    this.name = args.name
  }

  stateForwards(state: ProjectState): void {
    state.delete(this.name)
  }

  async databaseForwards(editor: DatabaseSchemaEditor, from: ProjectState): Promise<void> {
    await editor.deleteModel(from.render(this.name))
  }

  async databaseBackwards(editor: DatabaseSchemaEditor, _from: ProjectState, to: ProjectState): Promise<void> {
    await editor.createModel(to.render(this.name))
  }

  describe(): string {
    return `Delete model ${this.name}`
  }

  get nameFragment(): string {
    return `delete_${fragment(this.name)}`
  }

  toCode(): Code {
    return new Code('deleteModel', [{ name: this.name }])
  }

  referencesModel(name: string): boolean {
    return this.name === name
  }
}

/** Points every relation at `newName` instead of `oldName`. */
function repoint(state: ProjectState, oldName: string, newName: string): void {
  for (const m of state.models) {
    let changed = false
    const fields = m.fields.map(([n, d]) => {
      if (d.to !== oldName && d.options.through !== oldName) return [n, d] as const
      changed = true
      const options = d.options.through === oldName ? { ...d.options, through: newName } : d.options
      return [n, { ...d, to: d.to === oldName ? newName : d.to, options }] as const
    })
    if (changed) state.set({ ...m, fields })
  }
}

/**
 * Renames the join tables (and their key columns) of the many-to-many fields whose names follow a
 * renamed model or table; `renamed` maps new model names to old ones.
 */
async function alterJoinTables(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState, renamed: ReadonlyMap<string, string>): Promise<void> {
  for (const m of to.models) {
    const oldName = renamed.get(m.name) ?? m.name
    if (!from.has(oldName)) continue
    for (const [fieldName, def] of m.fields) {
      if (def.kind !== 'manyToMany' || def.options.through !== undefined) continue
      const oldModel = from.render(oldName)
      const oldField = oldModel.field(fieldName)
      const newField = to.render(m.name).getField(fieldName)
      if (!(oldField instanceof ManyToManyField) || !(newField instanceof ManyToManyField)) continue
      const oldThrough = oldField.through
      const newThrough = newField.through
      await editor.renameTable(oldThrough.dbTable, newThrough.dbTable)
      for (const side of ['sourceField', 'targetField'] as const) {
        const a = oldField[side]
        const b = newField[side]
        if (a.column !== b.column) await editor.alterField(newThrough, a as ForeignKey<unknown, boolean, boolean>, b as ForeignKey<unknown, boolean, boolean>)
      }
    }
  }
}

/** Renames a model: its table (when not set by `dbTable`), the relations that point at it, its join tables. */
export class RenameModel extends Operation {
  readonly type = 'renameModel'
  readonly oldName: string
  readonly newName: string

  constructor(args: { oldName: string; newName: string }) {
    super()
    if (typeof args?.oldName !== 'string' || typeof args.newName !== 'string') throw new MigrationError('renameModel() needs { oldName, newName }')
    checkModelName('renameModel', args.newName)
    this.oldName = args.oldName
    this.newName = args.newName
  }

  stateForwards(state: ProjectState): void {
    const m = state.get(this.oldName)
    if (state.has(this.newName)) throw new MigrationError(`renameModel: ${this.newName} already exists`, { model: this.newName })
    state.delete(this.oldName)
    state.set({ ...m, name: this.newName })
    repoint(state, this.oldName, this.newName)
  }

  async databaseForwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void> {
    await this.#move(editor, from, to, this.oldName, this.newName)
  }

  async databaseBackwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void> {
    await this.#move(editor, from, to, this.newName, this.oldName)
  }

  async #move(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState, a: string, b: string): Promise<void> {
    await editor.renameTable(from.tableOf(a), to.tableOf(b))
    await alterJoinTables(editor, from, to, new Map([[b, a]]))
  }

  describe(): string {
    return `Rename model ${this.oldName} to ${this.newName}`
  }

  get nameFragment(): string {
    return `rename_${fragment(this.oldName)}_${fragment(this.newName)}`
  }

  toCode(): Code {
    return new Code('renameModel', [{ oldName: this.oldName, newName: this.newName }])
  }

  referencesModel(name: string): boolean {
    return name === this.oldName || name === this.newName
  }
}

/** Changes a model's `dbTable` (renaming the table and the join tables named after it). */
export class AlterModelTable extends Operation {
  readonly type = 'alterModelTable'
  readonly name: string
  readonly table: string | null

  constructor(args: { name: string; table: string | null }) {
    super()
    if (typeof args?.name !== 'string' || (args.table !== null && typeof args.table !== 'string')) throw new MigrationError('alterModelTable() needs { name, table } (table null for the default)')
    this.name = args.name
    this.table = args.table
  }

  stateForwards(state: ProjectState): void {
    const m = state.get(this.name)
    const { dbTable: _, ...rest } = m.options
    state.set({ ...m, options: this.table === null ? rest : { ...rest, dbTable: this.table } })
  }

  async databaseForwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void> {
    await editor.renameTable(from.tableOf(this.name), to.tableOf(this.name))
    await alterJoinTables(editor, from, to, new Map())
  }

  async databaseBackwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void> {
    await this.databaseForwards(editor, from, to)
  }

  describe(): string {
    return `Rename table for ${this.name} to ${this.table ?? '(default)'}`
  }

  get nameFragment(): string {
    return `alter_${fragment(this.name)}_table`
  }

  toCode(): Code {
    return new Code('alterModelTable', [{ name: this.name, table: this.table }])
  }

  referencesModel(name: string): boolean {
    return name === this.name
  }
}

/** Changes options that need no SQL: `ordering`, `verboseName`, `verboseNamePlural`, `getLatestBy`, `app`. */
export class AlterModelOptions extends Operation {
  readonly type = 'alterModelOptions'
  readonly name: string
  readonly options: ModelStateOptions

  constructor(args: { name: string; options: ModelStateOptions }) {
    super()
    if (typeof args?.name !== 'string' || typeof args.options !== 'object') throw new MigrationError('alterModelOptions() needs { name, options }')
    this.name = args.name
    this.options = args.options
  }

  override get stateOnly(): boolean {
    return true
  }

  stateForwards(state: ProjectState): void {
    const m: ModelState = state.get(this.name)
    const options: Record<string, unknown> = { ...m.options }
    for (const k of STATE_ONLY_OPTIONS) delete options[k]
    for (const k of STATE_ONLY_OPTIONS) if (this.options[k] !== undefined) options[k] = this.options[k]
    state.set({ ...m, options })
  }

  async databaseForwards(): Promise<void> {}

  async databaseBackwards(): Promise<void> {}

  describe(): string {
    return `Change Meta options on ${this.name}`
  }

  get nameFragment(): string {
    return `alter_${fragment(this.name)}_options`
  }

  toCode(): Code {
    return new Code('alterModelOptions', [{ name: this.name, options: this.options }])
  }

  referencesModel(name: string): boolean {
    return name === this.name
  }
}

/** Replaces a model's `uniqueTogether` groups. */
export class AlterUniqueTogether extends Operation {
  readonly type = 'alterUniqueTogether'
  readonly name: string
  readonly uniqueTogether: readonly (readonly string[])[]

  constructor(args: { name: string; uniqueTogether: readonly (readonly string[])[] }) {
    super()
    if (typeof args?.name !== 'string' || !Array.isArray(args.uniqueTogether)) throw new MigrationError('alterUniqueTogether() needs { name, uniqueTogether }')
    this.name = args.name
    this.uniqueTogether = args.uniqueTogether
  }

  stateForwards(state: ProjectState): void {
    const m = state.get(this.name)
    const { uniqueTogether: _, ...rest } = m.options
    state.set({ ...m, options: this.uniqueTogether.length ? { ...rest, uniqueTogether: this.uniqueTogether } : rest })
  }

  async databaseForwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void> {
    await editor.alterUniqueTogether(to.render(this.name), from.get(this.name).options.uniqueTogether ?? [], to.get(this.name).options.uniqueTogether ?? [])
  }

  async databaseBackwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void> {
    await this.databaseForwards(editor, from, to)
  }

  describe(): string {
    return `Alter uniqueTogether for ${this.name} (${this.uniqueTogether.length} constraint(s))`
  }

  get nameFragment(): string {
    return `alter_${fragment(this.name)}_unique_together`
  }

  toCode(): Code {
    return new Code('alterUniqueTogether', [{ name: this.name, uniqueTogether: this.uniqueTogether }])
  }

  referencesModel(name: string): boolean {
    return name === this.name
  }

  override referencesField(model: string, field: string): boolean {
    return model === this.name && this.uniqueTogether.some((g) => g.includes(field))
  }
}

