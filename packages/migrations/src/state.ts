import type { ModelMeta } from '@strata/core'
import { deconstructField, type FieldDef, modelOptionsOf, type ModelStateOptions, tableOf } from './deconstruct.js'
import { MigrationError } from './errors.js'
import { type HistoricalModel, renderModel } from './historical.js'

/** A model as the migrations know it at one point of their history: plain data, not a class. */
export interface ModelState {
  readonly name: string
  /** Fields in order, each a name and a definition. */
  readonly fields: readonly (readonly [string, FieldDef])[]
  readonly options: ModelStateOptions
}

/** The table a model state uses. */
export function tableOfState(model: ModelState): string {
  return tableOf(model.name, model.options)
}

/** A field of a model state by name, or undefined. */
export function fieldOfState(model: ModelState, name: string): FieldDef | undefined {
  return model.fields.find(([n]) => n === name)?.[1]
}

/**
 * Every model of the project at one point of the migration history, built by replaying operations
 * (Django's `ProjectState`). Operations change a copy (`clone()`); the copy renders historical models
 * for the schema editor and for `runCode`.
 */
export class ProjectState {
  readonly #models: Map<string, ModelState>
  #rendered = new Map<string, HistoricalModel>()

  constructor(models: Iterable<ModelState> = []) {
    this.#models = new Map([...models].map((m) => [m.name, m]))
  }

  /** The state of the models defined in code (abstract models and join tables left out). */
  static fromModels(metas: readonly ModelMeta[]): ProjectState {
    const states: ModelState[] = []
    for (const meta of metas) {
      if (meta.abstract || meta.autoCreated) continue
      meta.resolve()
      states.push({
        name: meta.name,
        fields: meta.fields.map((fl) => [fl.name, deconstructField(fl, meta.name)] as const),
        options: modelOptionsOf(meta),
      })
    }
    return new ProjectState(states)
  }

  /** The model names, sorted. */
  get names(): string[] {
    return [...this.#models.keys()].sort()
  }

  /** Every model state. */
  get models(): ModelState[] {
    return [...this.#models.values()]
  }

  /** Whether a model exists in this state. */
  has(name: string): boolean {
    return this.#models.has(name)
  }

  /** A model's state; a `MigrationError` names the known models when there is none. */
  get(name: string): ModelState {
    const m = this.#models.get(name)
    if (!m) throw new MigrationError(`No model named ${JSON.stringify(name)} at this point of the migrations. Known models: ${this.names.join(', ') || '(none)'}`, { model: name })
    return m
  }

  /** Adds or replaces a model state. */
  set(model: ModelState): void {
    this.#models.set(model.name, model)
    this.#rendered = new Map()
  }

  /** Removes a model state. */
  delete(name: string): void {
    this.get(name)
    this.#models.delete(name)
    this.#rendered = new Map()
  }

  /** A copy to change without touching this one. */
  clone(): ProjectState {
    return new ProjectState(this.#models.values())
  }

  /** The historical model of `name`: fields as objects the schema editor and `runCode` read. */
  render(name: string): HistoricalModel {
    return renderModel(this, name, this.#rendered)
  }

  /** The table a model uses in this state. */
  tableOf(name: string): string {
    return tableOfState(this.get(name))
  }
}
