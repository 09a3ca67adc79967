import type { ConstraintSpec, IndexSpec } from '@strata/core'
import type { ModelStateOptions } from '../deconstruct.js'
import { type FieldArgs, AddField, AlterField, RemoveField, RenameField } from './fields.js'
import { AddConstraint, AddIndex, RemoveConstraint, RemoveIndex, RenameIndex } from './indexes.js'
import { AlterModelOptions, AlterModelTable, AlterUniqueTogether, CreateModel, type CreateModelArgs, DeleteModel, RenameModel } from './models.js'
import type { Operation } from './base.js'
import { type RunCodeFunction, RunCode, RunSQL, SeparateDatabaseAndState, type SqlStatements } from './special.js'

export { isOperation, Operation } from './base.js'
export { AddField, AlterField, type FieldArgs, RemoveField, RenameField } from './fields.js'
export { AddConstraint, AddIndex, RemoveConstraint, RemoveIndex, RenameIndex } from './indexes.js'
export { AlterModelOptions, AlterModelTable, AlterUniqueTogether, CreateModel, type CreateModelArgs, DeleteModel, RenameModel } from './models.js'
export { noop, RunCode, type RunCodeFunction, RunSQL, SeparateDatabaseAndState, type SqlStatements } from './special.js'

/**
 * Creates a model's table.
 * @example createModel({ name: 'Tag', fields: { id: f.auto(), name: f.slug({ unique: true }) } })
 */
export function createModel(args: CreateModelArgs): CreateModel {
  return new CreateModel(args)
}

/** Drops a model's table. @example deleteModel({ name: 'Tag' }) */
export function deleteModel(args: { name: string }): DeleteModel {
  return new DeleteModel(args)
}

/** Renames a model (and its table, unless `dbTable` is set). @example renameModel({ oldName: 'Post', newName: 'Article' }) */
export function renameModel(args: { oldName: string; newName: string }): RenameModel {
  return new RenameModel(args)
}

/** Sets a model's table name (`null`: the default). @example alterModelTable({ name: 'Post', table: 'blog_post' }) */
export function alterModelTable(args: { name: string; table: string | null }): AlterModelTable {
  return new AlterModelTable(args)
}

/** Changes options that need no SQL (`ordering`, `verboseName`, ...). @example alterModelOptions({ name: 'Post', options: { ordering: ['-pubDate'] } }) */
export function alterModelOptions(args: { name: string; options: ModelStateOptions }): AlterModelOptions {
  return new AlterModelOptions(args)
}

/** Replaces a model's `uniqueTogether`. @example alterUniqueTogether({ name: 'Post', uniqueTogether: [['author', 'title']] }) */
export function alterUniqueTogether(args: { name: string; uniqueTogether: readonly (readonly string[])[] }): AlterUniqueTogether {
  return new AlterUniqueTogether(args)
}

/** Adds a field. @example addField({ model: 'Post', name: 'rating', field: f.integer({ default: 0 }) }) */
export function addField(args: FieldArgs): AddField {
  return new AddField(args)
}

/** Removes a field. @example removeField({ model: 'Post', name: 'rating' }) */
export function removeField(args: { model: string; name: string }): RemoveField {
  return new RemoveField(args)
}

/** Changes a field's definition. @example alterField({ model: 'Post', name: 'title', field: f.char({ maxLength: 200 }) }) */
export function alterField(args: FieldArgs): AlterField {
  return new AlterField(args)
}

/** Renames a field and its column. @example renameField({ model: 'Post', oldName: 'title', newName: 'headline' }) */
export function renameField(args: { model: string; oldName: string; newName: string }): RenameField {
  return new RenameField(args)
}

/** Creates a named index. @example addIndex({ model: 'Post', index: { name: 'post_title_idx', fields: ['title'] } }) */
export function addIndex(args: { model: string; index: IndexSpec }): AddIndex {
  return new AddIndex(args)
}

/** Drops a named index. @example removeIndex({ model: 'Post', name: 'post_title_idx' }) */
export function removeIndex(args: { model: string; name: string }): RemoveIndex {
  return new RemoveIndex(args)
}

/** Renames a named index in place. @example renameIndex({ model: 'Post', oldName: 'post_title_idx', newName: 'post_headline_idx' }) */
export function renameIndex(args: { model: string; oldName: string; newName: string }): RenameIndex {
  return new RenameIndex(args)
}

/**
 * Changes the state and the database differently (Django's `SeparateDatabaseAndState`).
 * @example separateDatabaseAndState({ stateOperations: [deleteModel({ name: 'Legacy' })] })
 */
export function separateDatabaseAndState(args: { databaseOperations?: readonly Operation[]; stateOperations?: readonly Operation[] }): SeparateDatabaseAndState {
  return new SeparateDatabaseAndState(args)
}

/** Adds a unique or check constraint. @example addConstraint({ model: 'Post', constraint: { kind: 'check', name: 'rating_positive', check: { rating__gte: 0 } } }) */
export function addConstraint(args: { model: string; constraint: ConstraintSpec }): AddConstraint {
  return new AddConstraint(args)
}

/** Drops a constraint by name. @example removeConstraint({ model: 'Post', name: 'rating_positive' }) */
export function removeConstraint(args: { model: string; name: string }): RemoveConstraint {
  return new RemoveConstraint(args)
}

/** Runs raw SQL forwards and (optionally) backwards. @example runSQL('create view v as select 1', 'drop view v') */
export function runSQL(forward: SqlStatements, backward?: SqlStatements): RunSQL {
  return new RunSQL(forward, backward)
}

/**
 * Runs code with the historical models (a data migration).
 * @example runCode(async ({ models }) => { await models.get('Post').objects.filter({ slug: '' }).update({ slug: 'none' }) }, noop)
 */
export function runCode(forward: RunCodeFunction, backward?: RunCodeFunction): RunCode {
  return new RunCode(forward, backward)
}
