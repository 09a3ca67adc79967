import { type Field, Manager, type MODEL, model, type ModelBase, type ModelBrand, type ModelClassLike, type ModelMeta, ModelScope, type QuerySet } from '@strata/core'
import { fieldFromDef } from './deconstruct.js'
import { MigrationError } from './errors.js'
import type { ProjectState } from './state.js'

// The fields of a historical model are only known at run time: any name type-checks (as a JSON
// path does), and the query checks it against the model of that migration (`FieldError`).
type RuntimeFields = Record<string, { readonly kind: 'json'; readonly __type: unknown }>

/** An instance of a historical model: fields by name, plus the usual instance methods (`save()`, `delete()`). */
export type HistoricalInstance = ModelBase & Record<string, unknown> & { readonly [MODEL]: ModelBrand<string, RuntimeFields> }

/**
 * A model class as it was at one migration (Django's `apps.get_model()`): its `objects` manager
 * queries, creates and deletes through the migration's connection and transaction.
 */
export interface HistoricalModelClass {
  /** The model's metadata as it was (table, fields, relations among the historical models). */
  readonly meta: ModelMeta
  /** The default manager, bound to the database being migrated. */
  readonly objects: Manager<HistoricalInstance>
  /** Makes an unsaved instance (`save()` it, or use `objects.create()`). */
  new (values?: Record<string, unknown>): HistoricalInstance
}

/** A manager whose QuerySets run on one database alias. */
class AliasManager extends Manager<HistoricalInstance> {
  readonly #alias: string

  constructor(cls: ModelClassLike, alias: string) {
    super(cls)
    this.#alias = alias
  }

  override getQueryset(): QuerySet<HistoricalInstance> {
    return super.getQueryset().using(this.#alias)
  }
}

/**
 * Builds a class for every model of `state`, in a scope of their own: they neither replace nor see
 * today's registered classes, and their relations point at each other.
 */
export function historicalClasses(state: ProjectState, alias: string): Map<string, HistoricalModelClass> {
  const scope = new ModelScope()
  const classes = new Map<string, HistoricalModelClass>()
  for (const ms of state.models) {
    const fields: Record<string, Field> = {}
    for (const [name, def] of ms.fields) fields[name] = fieldFromDef(def)
    const cls = model(ms.name, fields, { ...ms.options, scope }) as unknown as ModelClassLike
    const manager = new AliasManager(cls, alias)
    Object.defineProperty(cls, 'objects', { get: () => manager, configurable: true })
    classes.set(ms.name, cls as unknown as HistoricalModelClass)
  }
  for (const cls of classes.values()) cls.meta.resolve()
  return classes
}

/** The class of `name` among `classes`, or a `MigrationError` listing the models of that point. */
export function historicalClass(classes: ReadonlyMap<string, HistoricalModelClass>, name: string): HistoricalModelClass {
  const cls = classes.get(name) ?? classes.get(name.split('.').pop()!)
  if (!cls)
    throw new MigrationError(`No model named ${JSON.stringify(name)} at this point of the migrations. Models: ${[...classes.keys()].sort().join(', ') || '(none)'}`, { model: name })
  return cls
}
