import type { ConstraintSpec, IndexSpec } from '@strata/core'
import type { DatabaseSchemaEditor } from '@strata/query'
import { MigrationError } from '../errors.js'
import { Code } from '../serialize.js'
import type { ProjectState } from '../state.js'
import { fragment, Operation } from './base.js'

function indexesOf(state: ProjectState, model: string): readonly IndexSpec[] {
  return state.get(model).options.indexes ?? []
}

function constraintsOf(state: ProjectState, model: string): readonly ConstraintSpec[] {
  return state.get(model).options.constraints ?? []
}

function checkName(op: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || name.length > 60)
    throw new MigrationError(`${op}: a name of letters, digits and _ (at most 60 characters) is required, got ${JSON.stringify(name)}`)
}

/** Creates one of a model's `indexes` (the index needs a name). */
export class AddIndex extends Operation {
  readonly type = 'addIndex'
  readonly model: string
  readonly index: IndexSpec & { name: string }

  constructor(args: { model: string; index: IndexSpec }) {
    super()
    if (typeof args?.model !== 'string' || !args.index || !Array.isArray(args.index.fields) || args.index.fields.length === 0)
      throw new MigrationError('addIndex() needs { model, index: { name, fields } }')
    checkName('addIndex', args.index.name)
    this.model = args.model
    this.index = args.index as IndexSpec & { name: string }
  }

  stateForwards(state: ProjectState): void {
    const m = state.get(this.model)
    if (indexesOf(state, this.model).some((i) => i.name === this.index.name)) throw new MigrationError(`addIndex: ${this.model} already has an index ${this.index.name}`, { model: this.model })
    state.set({ ...m, options: { ...m.options, indexes: [...indexesOf(state, this.model), this.index] } })
  }

  async databaseForwards(editor: DatabaseSchemaEditor, _from: ProjectState, to: ProjectState): Promise<void> {
    await editor.addIndex(to.render(this.model), this.index)
  }

  async databaseBackwards(editor: DatabaseSchemaEditor, _from: ProjectState, to: ProjectState): Promise<void> {
    await editor.removeIndex(to.render(this.model), this.index)
  }

  describe(): string {
    return `Create index ${this.index.name} on ${this.index.fields.join(', ')} of model ${this.model}`
  }

  get nameFragment(): string {
    return `${fragment(this.model)}_${this.index.name.toLowerCase()}`
  }

  toCode(): Code {
    return new Code('addIndex', [{ model: this.model, index: this.index }])
  }

  referencesModel(name: string): boolean {
    return name === this.model
  }

  override referencesField(model: string, field: string): boolean {
    return model === this.model && this.index.fields.some((n) => n.replace(/^-/, '') === field)
  }
}

/** Drops one of a model's `indexes` by name. */
export class RemoveIndex extends Operation {
  readonly type = 'removeIndex'
  readonly model: string
  readonly name: string

  constructor(args: { model: string; name: string }) {
    super()
    if (typeof args?.model !== 'string') throw new MigrationError('removeIndex() needs { model, name }')
    checkName('removeIndex', args.name)
    this.model = args.model
    this.name = args.name
  }

  #find(state: ProjectState): IndexSpec {
    const idx = indexesOf(state, this.model).find((i) => i.name === this.name)
    if (!idx) throw new MigrationError(`removeIndex: ${this.model} has no index ${this.name}`, { model: this.model })
    return idx
  }

  stateForwards(state: ProjectState): void {
    this.#find(state)
    const m = state.get(this.model)
    state.set({ ...m, options: { ...m.options, indexes: indexesOf(state, this.model).filter((i) => i.name !== this.name) } })
  }

  async databaseForwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void> {
    await editor.removeIndex(to.render(this.model), this.#find(from))
  }

  async databaseBackwards(editor: DatabaseSchemaEditor, _from: ProjectState, to: ProjectState): Promise<void> {
    await editor.addIndex(to.render(this.model), this.#find(to))
  }

  describe(): string {
    return `Remove index ${this.name} from ${this.model}`
  }

  get nameFragment(): string {
    return `remove_${fragment(this.model)}_${this.name.toLowerCase()}`
  }

  toCode(): Code {
    return new Code('removeIndex', [{ model: this.model, name: this.name }])
  }

  referencesModel(name: string): boolean {
    return name === this.model
  }
}

/** Adds a unique or check constraint. */
export class AddConstraint extends Operation {
  readonly type = 'addConstraint'
  readonly model: string
  readonly constraint: ConstraintSpec

  constructor(args: { model: string; constraint: ConstraintSpec }) {
    super()
    const c = args?.constraint
    if (typeof args?.model !== 'string' || !c || (c.kind !== 'unique' && c.kind !== 'check')) throw new MigrationError("addConstraint() needs { model, constraint: { kind: 'unique' | 'check', name, ... } }")
    checkName('addConstraint', c.name)
    this.model = args.model
    this.constraint = c
  }

  stateForwards(state: ProjectState): void {
    const m = state.get(this.model)
    if (constraintsOf(state, this.model).some((c) => c.name === this.constraint.name)) throw new MigrationError(`addConstraint: ${this.model} already has a constraint ${this.constraint.name}`, { model: this.model })
    state.set({ ...m, options: { ...m.options, constraints: [...constraintsOf(state, this.model), this.constraint] } })
  }

  async databaseForwards(editor: DatabaseSchemaEditor, _from: ProjectState, to: ProjectState): Promise<void> {
    await editor.addConstraint(to.render(this.model), this.constraint)
  }

  async databaseBackwards(editor: DatabaseSchemaEditor, _from: ProjectState, to: ProjectState): Promise<void> {
    await editor.removeConstraint(to.render(this.model), this.constraint)
  }

  describe(): string {
    return `Create constraint ${this.constraint.name} on model ${this.model}`
  }

  get nameFragment(): string {
    return `${fragment(this.model)}_${this.constraint.name.toLowerCase()}`
  }

  toCode(): Code {
    return new Code('addConstraint', [{ model: this.model, constraint: this.constraint }])
  }

  referencesModel(name: string): boolean {
    return name === this.model
  }
}

/** Drops a unique or check constraint by name. */
export class RemoveConstraint extends Operation {
  readonly type = 'removeConstraint'
  readonly model: string
  readonly name: string

  constructor(args: { model: string; name: string }) {
    super()
    if (typeof args?.model !== 'string') throw new MigrationError('removeConstraint() needs { model, name }')
    checkName('removeConstraint', args.name)
    this.model = args.model
    this.name = args.name
  }

  #find(state: ProjectState): ConstraintSpec {
    const c = constraintsOf(state, this.model).find((x) => x.name === this.name)
    if (!c) throw new MigrationError(`removeConstraint: ${this.model} has no constraint ${this.name}`, { model: this.model })
    return c
  }

  stateForwards(state: ProjectState): void {
    this.#find(state)
    const m = state.get(this.model)
    state.set({ ...m, options: { ...m.options, constraints: constraintsOf(state, this.model).filter((c) => c.name !== this.name) } })
  }

  async databaseForwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void> {
    await editor.removeConstraint(to.render(this.model), this.#find(from))
  }

  async databaseBackwards(editor: DatabaseSchemaEditor, _from: ProjectState, to: ProjectState): Promise<void> {
    await editor.addConstraint(to.render(this.model), this.#find(to))
  }

  describe(): string {
    return `Remove constraint ${this.name} from model ${this.model}`
  }

  get nameFragment(): string {
    return `remove_${fragment(this.model)}_${this.name.toLowerCase()}`
  }

  toCode(): Code {
    return new Code('removeConstraint', [{ model: this.model, name: this.name }])
  }

  referencesModel(name: string): boolean {
    return name === this.model
  }
}

/** Renames one of a model's `indexes` (Django's `RenameIndex`); the index itself stays. */
export class RenameIndex extends Operation {
  readonly type = 'renameIndex'
  readonly model: string
  readonly oldName: string
  readonly newName: string

  constructor(args: { model: string; oldName: string; newName: string }) {
    super()
    if (typeof args?.model !== 'string') throw new MigrationError('renameIndex() needs { model, oldName, newName }')
    checkName('renameIndex', args.oldName)
    checkName('renameIndex', args.newName)
    if (args.oldName === args.newName) throw new MigrationError(`renameIndex: the old and the new name are both ${args.oldName}`)
    this.model = args.model
    this.oldName = args.oldName
    this.newName = args.newName
  }

  #find(state: ProjectState, name: string): IndexSpec & { name: string } {
    const idx = indexesOf(state, this.model).find((i) => i.name === name)
    if (!idx) throw new MigrationError(`renameIndex: ${this.model} has no index ${name}`, { model: this.model })
    return idx as IndexSpec & { name: string }
  }

  stateForwards(state: ProjectState): void {
    this.#find(state, this.oldName)
    if (indexesOf(state, this.model).some((i) => i.name === this.newName)) throw new MigrationError(`renameIndex: ${this.model} already has an index ${this.newName}`, { model: this.model })
    const m = state.get(this.model)
    state.set({ ...m, options: { ...m.options, indexes: indexesOf(state, this.model).map((i) => (i.name === this.oldName ? { ...i, name: this.newName } : i)) } })
  }

  async databaseForwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void> {
    await editor.renameIndex(to.render(this.model), this.#find(from, this.oldName), this.#find(to, this.newName))
  }

  async databaseBackwards(editor: DatabaseSchemaEditor, from: ProjectState, to: ProjectState): Promise<void> {
    await editor.renameIndex(to.render(this.model), this.#find(from, this.newName), this.#find(to, this.oldName))
  }

  describe(): string {
    return `Rename index ${this.oldName} on ${this.model} to ${this.newName}`
  }

  get nameFragment(): string {
    return `rename_${this.oldName.toLowerCase()}_${this.newName.toLowerCase()}`
  }

  toCode(): Code {
    return new Code('renameIndex', [{ model: this.model, oldName: this.oldName, newName: this.newName }])
  }

  referencesModel(name: string): boolean {
    return name === this.model
  }
}
