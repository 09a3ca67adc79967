import { CharField, type Field, ForeignKey, ManyToManyField } from '@strata/core'
import { type DatabaseSchemaEditor, type Fill, type RelatedColumn, type SchemaModel, staticDefault } from '@strata/query'
import { defFromField, type FieldDef, fieldFromDef } from '../deconstruct.js'
import { MigrationError } from '../errors.js'
import { Code } from '../serialize.js'
import { fieldOfState, type ModelState, type ProjectState } from '../state.js'
import { checkFieldName, checkModelName, fieldCode, fragment, Operation } from './base.js'

/** What `addField()` and `alterField()` take. */
export interface FieldArgs {
  model: string
  name: string
  field: Field | FieldDef
  /**
   * `false` when the field's default is a one-off value for the rows that exist (asked by
   * `makemigrations`), not a default the model keeps. Default true.
   */
  preserveDefault?: boolean
}

function withoutDefault(def: FieldDef): FieldDef {
  const { default: _, ...options } = def.options
  return { ...def, options }
}

/** The one-off value of a field whose default is not preserved. */
function oneOff(def: FieldDef, preserve: boolean): Fill | undefined {
  return preserve ? undefined : staticDefault(fieldFromDef(def))
}

function replaceField(m: ModelState, name: string, def: FieldDef): ModelState {
  return { ...m, fields: m.fields.map(([n, d]) => (n === name ? ([n, def] as const) : ([n, d] as const))) }
}

/** Adds a column (or a join table); rows that exist get the default. */
export class AddField extends Operation {
  readonly type = 'addField'
  readonly model: string
  readonly name: string
  readonly field: FieldDef
  readonly preserveDefault: boolean

  constructor(args: FieldArgs) {
    super()
    if (typeof args?.model !== 'string' || typeof args.name !== 'string' || !args.field) throw new MigrationError('addField() needs { model, name, field }')
    checkModelName('addField', args.model)
    checkFieldName('addField', args.name)
    this.model = args.model
    this.name = args.name
    this.field = defFromField(args.field, args.model)
    this.preserveDefault = args.preserveDefault !== false
  }

  stateForwards(state: ProjectState): void {
    const m = state.get(this.model)
    if (fieldOfState(m, this.name)) throw new MigrationError(`addField: ${this.model}.${this.name} already exists`, { model: this.model, field: this.name })
    state.set({ ...m, fields: [...m.fields, [this.name, this.preserveDefault ? this.field : withoutDefault(this.field)]] })
  }

  async databaseForwards(editor: DatabaseSchemaEditor, _from: ProjectState, to: ProjectState): Promise<void> {
    const model = to.render(this.model)
    await editor.addField(model, model.getField(this.name), oneOff(this.field, this.preserveDefault))
  }

  async databaseBackwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void> {
    await editor.removeField(to.render(this.model), from.render(this.model).getField(this.name))
  }

  describe(): string {
    return `Add field ${this.name} to ${this.model}`
  }

  get nameFragment(): string {
    return `${fragment(this.model)}_${fragment(this.name)}`
  }

  toCode(): Code {
    return new Code('addField', [{ model: this.model, name: this.name, field: fieldCode(this.field), preserveDefault: this.preserveDefault ? undefined : false }])
  }

  referencesModel(name: string): boolean {
    return name === this.model || this.field.to === name || this.field.options.through === name
  }

  override referencesField(model: string, field: string): boolean {
    return (model === this.model && field === this.name) || this.field.to === model
  }
}

/** Drops a column (or a join table). Undoing it adds the column back, empty or with its default. */
export class RemoveField extends Operation {
  readonly type = 'removeField'
  readonly model: string
  readonly name: string

  constructor(args: { model: string; name: string }) {
    super()
    if (typeof args?.model !== 'string' || typeof args.name !== 'string') throw new MigrationError('removeField() needs { model, name }')
    this.model = args.model
    this.name = args.name
  }

  stateForwards(state: ProjectState): void {
    const m = state.get(this.model)
    if (!fieldOfState(m, this.name)) throw new MigrationError(`removeField: ${this.model} has no field ${this.name}`, { model: this.model, field: this.name })
    state.set({ ...m, fields: m.fields.filter(([n]) => n !== this.name) })
  }

  async databaseForwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void> {
    await editor.removeField(to.render(this.model), from.render(this.model).getField(this.name))
  }

  async databaseBackwards(editor: DatabaseSchemaEditor, _from: ProjectState, to: ProjectState): Promise<void> {
    const model = to.render(this.model)
    const field = model.getField(this.name)
    // As Django does, a text column comes back filled with '' where it has no default.
    const fill = staticDefault(field) ?? (!field.nullable && field instanceof CharField ? { value: '' } : undefined)
    await editor.addField(model, field, fill)
  }

  describe(): string {
    return `Remove field ${this.name} from ${this.model}`
  }

  get nameFragment(): string {
    return `remove_${fragment(this.model)}_${fragment(this.name)}`
  }

  toCode(): Code {
    return new Code('removeField', [{ model: this.model, name: this.name }])
  }

  referencesModel(name: string): boolean {
    return name === this.model
  }

  override referencesField(model: string, field: string): boolean {
    return model === this.model && field === this.name
  }
}

/** Changes a field's definition: type, length, NULL, unique, index, relation. Keeps the rows. */
export class AlterField extends Operation {
  readonly type = 'alterField'
  readonly model: string
  readonly name: string
  readonly field: FieldDef
  readonly preserveDefault: boolean

  constructor(args: FieldArgs) {
    super()
    if (typeof args?.model !== 'string' || typeof args.name !== 'string' || !args.field) throw new MigrationError('alterField() needs { model, name, field }')
    this.model = args.model
    this.name = args.name
    this.field = defFromField(args.field, args.model)
    this.preserveDefault = args.preserveDefault !== false
  }

  stateForwards(state: ProjectState): void {
    const m = state.get(this.model)
    if (!fieldOfState(m, this.name)) throw new MigrationError(`alterField: ${this.model} has no field ${this.name}`, { model: this.model, field: this.name })
    state.set(replaceField(m, this.name, this.preserveDefault ? this.field : withoutDefault(this.field)))
  }

  async databaseForwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void> {
    const model = to.render(this.model)
    const oldField = from.render(this.model).getField(this.name)
    const newField = model.getField(this.name)
    await editor.alterField(model, oldField, newField, oneOff(this.field, this.preserveDefault), newField.primaryKey ? relatedColumns(this.model, from, to) : [])
  }

  async databaseBackwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void> {
    const model = to.render(this.model)
    const newField = model.getField(this.name)
    await editor.alterField(model, from.render(this.model).getField(this.name), newField, undefined, newField.primaryKey ? relatedColumns(this.model, from, to) : [])
  }

  describe(): string {
    return `Alter field ${this.name} on ${this.model}`
  }

  get nameFragment(): string {
    return `alter_${fragment(this.model)}_${fragment(this.name)}`
  }

  toCode(): Code {
    return new Code('alterField', [{ model: this.model, name: this.name, field: fieldCode(this.field), preserveDefault: this.preserveDefault ? undefined : false }])
  }

  referencesModel(name: string): boolean {
    return name === this.model || this.field.to === name
  }

  override referencesField(model: string, field: string): boolean {
    return (model === this.model && field === this.name) || this.field.to === model
  }
}

function renameIn(list: readonly string[], oldName: string, newName: string): string[] {
  return list.map((n) => (n === oldName ? newName : n === `-${oldName}` ? `-${newName}` : n))
}

/** Renames a field, and its column unless `dbColumn` fixes it; the data stays. */
export class RenameField extends Operation {
  readonly type = 'renameField'
  readonly model: string
  readonly oldName: string
  readonly newName: string

  constructor(args: { model: string; oldName: string; newName: string }) {
    super()
    if (typeof args?.model !== 'string' || typeof args.oldName !== 'string' || typeof args.newName !== 'string') throw new MigrationError('renameField() needs { model, oldName, newName }')
    checkFieldName('renameField', args.newName)
    this.model = args.model
    this.oldName = args.oldName
    this.newName = args.newName
  }

  stateForwards(state: ProjectState): void {
    const m = state.get(this.model)
    if (!fieldOfState(m, this.oldName)) throw new MigrationError(`renameField: ${this.model} has no field ${this.oldName}`, { model: this.model, field: this.oldName })
    if (fieldOfState(m, this.newName)) throw new MigrationError(`renameField: ${this.model}.${this.newName} already exists`, { model: this.model, field: this.newName })
    const o = m.options
    const options = {
      ...o,
      ...(o.uniqueTogether ? { uniqueTogether: o.uniqueTogether.map((g) => renameIn(g, this.oldName, this.newName)) } : {}),
      ...(o.indexes ? { indexes: o.indexes.map((i) => ({ ...i, fields: renameIn(i.fields, this.oldName, this.newName) })) } : {}),
      ...(o.ordering ? { ordering: renameIn(o.ordering, this.oldName, this.newName) } : {}),
      ...(o.constraints
        ? { constraints: o.constraints.map((c) => (c.kind === 'unique' ? { ...c, fields: renameIn(c.fields, this.oldName, this.newName) } : c)) }
        : {}),
    }
    state.set({ ...m, options, fields: m.fields.map(([n, d]) => [n === this.oldName ? this.newName : n, d] as const) })
  }

  async databaseForwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void> {
    const model = to.render(this.model)
    await editor.alterField(model, from.render(this.model).getField(this.oldName), model.getField(this.newName))
  }

  async databaseBackwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void> {
    const model = to.render(this.model)
    await editor.alterField(model, from.render(this.model).getField(this.newName), model.getField(this.oldName))
  }

  describe(): string {
    return `Rename field ${this.oldName} on ${this.model} to ${this.newName}`
  }

  get nameFragment(): string {
    return `rename_${fragment(this.oldName)}_${fragment(this.model)}_${fragment(this.newName)}`
  }

  toCode(): Code {
    return new Code('renameField', [{ model: this.model, oldName: this.oldName, newName: this.newName }])
  }

  referencesModel(name: string): boolean {
    return name === this.model
  }

  override referencesField(model: string, field: string): boolean {
    return model === this.model && (field === this.oldName || field === this.newName)
  }
}

/** The foreign keys pointing at `name` in a state (join tables' included), by table and field name. */
function pointingAt(name: string, state: ProjectState): Map<string, { model: SchemaModel; field: Field }> {
  const out = new Map<string, { model: SchemaModel; field: Field }>()
  const visit = (model: SchemaModel) => {
    for (const f of model.fields) if (f instanceof ForeignKey && (f.target as unknown as SchemaModel).name === name) out.set(`${model.dbTable}.${f.name}`, { model, field: f })
  }
  for (const n of state.names) {
    const model = state.render(n)
    visit(model)
    for (const f of model.fields) if (f instanceof ManyToManyField && f.through.autoCreated) visit(f.through as unknown as SchemaModel)
  }
  return out
}

/** The columns that point at the primary key of `name`, before (`from`) and after (`to`) an alteration. */
function relatedColumns(name: string, from: ProjectState, to: ProjectState): RelatedColumn[] {
  const before = pointingAt(name, from)
  return [...pointingAt(name, to)].flatMap(([key, now]) => {
    const was = before.get(key)
    return was ? [{ model: now.model, oldField: was.field, newField: now.field }] : []
  })
}
