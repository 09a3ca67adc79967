import type { FieldDef } from './deconstruct.js'
import type { Operation } from './operations/base.js'
import { AddField, AlterField, RemoveField, RenameField } from './operations/fields.js'
import { CreateModel, DeleteModel } from './operations/models.js'

/** What two operations on the same model or field reduce to: a list (possibly empty), or null when they do not combine. */
function reduce(a: Operation, b: Operation): Operation[] | null {
  if (a instanceof CreateModel) {
    const with_ = (fields: [string, FieldDef][]) => new CreateModel({ name: a.name, fields: Object.fromEntries(fields), options: a.options })
    if (b instanceof DeleteModel && b.name === a.name) return []
    if (b instanceof AddField && b.model === a.name && b.preserveDefault) return [with_([...a.fields, [b.name, b.field]] as [string, FieldDef][])]
    if (b instanceof AlterField && b.model === a.name && b.preserveDefault) return [with_(a.fields.map(([n, d]) => [n, n === b.name ? b.field : d]))]
    if (b instanceof RemoveField && b.model === a.name && !mentions(a, b.name)) return [with_(a.fields.filter(([n]) => n !== b.name) as [string, FieldDef][])]
    if (b instanceof RenameField && b.model === a.name && !mentions(a, b.oldName)) return [with_(a.fields.map(([n, d]) => [n === b.oldName ? b.newName : n, d]))]
  }
  if (a instanceof AddField) {
    if (b instanceof RemoveField && b.model === a.model && b.name === a.name) return []
    if (b instanceof AlterField && b.model === a.model && b.name === a.name && b.preserveDefault) return [new AddField({ model: a.model, name: a.name, field: b.field, preserveDefault: a.preserveDefault })]
    if (b instanceof RenameField && b.model === a.model && b.oldName === a.name) return [new AddField({ model: a.model, name: b.newName, field: a.field, preserveDefault: a.preserveDefault })]
  }
  if (a instanceof AlterField) {
    if (b instanceof AlterField && b.model === a.model && b.name === a.name) return [b]
    if (b instanceof RemoveField && b.model === a.model && b.name === a.name) return [b]
  }
  return null
}

/** Whether the model's options name the field (then removing or renaming it is not folded in). */
function mentions(op: CreateModel, field: string): boolean {
  const o = op.options
  const inList = (l: readonly string[] | undefined) => (l ?? []).some((n) => n.replace(/^-/, '') === field)
  return (
    (o.uniqueTogether ?? []).some((g) => g.includes(field)) ||
    (o.indexes ?? []).some((i) => inList(i.fields)) ||
    (o.constraints ?? []).some((c) => c.kind === 'unique' && c.fields.includes(field)) ||
    (o.constraints ?? []).some((c) => c.kind === 'check') ||
    inList(o.ordering)
  )
}

function modelOf(op: Operation): string | undefined {
  if (op instanceof CreateModel || op instanceof DeleteModel) return op.name
  if (op instanceof AddField || op instanceof AlterField || op instanceof RemoveField || op instanceof RenameField) return op.model
  return undefined
}

/**
 * Folds operations together where the result is the same (Django's `MigrationOptimizer`):
 * a created model absorbs later field changes, an added then removed field disappears, and so on.
 * Two operations combine only when nothing between them concerns their model.
 */
export function optimize(operations: readonly Operation[]): Operation[] {
  let ops = [...operations]
  for (let changed = true; changed; ) {
    changed = false
    outer: for (let i = 0; i < ops.length; i++) {
      const model = modelOf(ops[i]!)
      if (model === undefined) continue
      for (let j = i + 1; j < ops.length; j++) {
        const result = reduce(ops[i]!, ops[j]!)
        if (result) {
          // A folded-in field must not point at a model created in between.
          const between = ops.slice(i + 1, j)
          const needsLater = ops[j] instanceof AddField && between.some((op) => op instanceof CreateModel && (ops[j] as AddField).referencesModel(op.name))
          if (!needsLater) {
            ops = [...ops.slice(0, i), ...result, ...between, ...ops.slice(j + 1)]
            changed = true
            break outer
          }
        }
        if (ops[j]!.referencesModel(model)) break
      }
    }
  }
  return ops
}
