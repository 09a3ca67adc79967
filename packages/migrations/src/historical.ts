import { type Field, FieldError, ForeignKey, ManyToManyField, type ModelMeta, RelatedField, snakeCase } from '@strata/core'
import type { SchemaModel } from '@strata/query'
import { columnOf, fieldFromDef, type FieldDef, type ModelStateOptions, tableOf } from './deconstruct.js'
import { MigrationError } from './errors.js'
import type { ModelState, ProjectState } from './state.js'

/**
 * A model as it was at one point of the migrations: its table, and field objects made from the
 * recorded definitions (not today's classes). The schema editor builds DDL from it, and `runCode`
 * reads and writes rows through it.
 */
export class HistoricalModel implements SchemaModel {
  readonly name: string
  readonly app: string
  readonly dbTable: string
  readonly options: ModelStateOptions
  readonly fields: Field[] = []
  readonly autoCreated: boolean
  readonly #byName = new Map<string, Field>()
  #pk: Field | undefined

  constructor(name: string, options: ModelStateOptions, autoCreated = false) {
    this.name = name
    this.options = options
    this.app = options.app ?? 'app'
    this.dbTable = tableOf(name, options)
    this.autoCreated = autoCreated
  }

  /** Attaches a field (names its attribute and column as `model()` does). */
  add(name: string, field: Field): Field {
    const fk = field instanceof ForeignKey
    field.name = name
    field.modelName = this.name
    field.attname = fk ? `${name}Id` : name
    field.column = columnOf(name, { kind: field.kind, options: field.options as Record<string, unknown> })
    this.fields.push(field)
    this.#byName.set(name, field)
    if (fk) this.#byName.set(field.attname, field)
    if (field.primaryKey) this.#pk = field
    return field
  }

  /** The primary-key field. */
  get pk(): Field {
    if (!this.#pk) throw new MigrationError(`${this.name} has no primary key in this migration state`, { model: this.name })
    return this.#pk
  }

  /** Fields with a column on this table. */
  get concreteFields(): Field[] {
    return this.fields.filter((f) => f.concrete)
  }

  /** The field named `name` (or a foreign key's attname), or undefined. */
  field(name: string): Field | undefined {
    return name === 'pk' ? this.#pk : this.#byName.get(name)
  }

  /** The field named `name`, or a `FieldError` listing the choices. */
  getField(name: string): Field {
    const f = this.field(name)
    if (!f)
      throw new FieldError(`${this.name} has no field named ${JSON.stringify(name)} at this point of the migrations. Choices are: ${this.fields.map((x) => x.name).join(', ')}`, {
        model: this.name,
        field: name,
      })
    return f
  }
}

/** Renders (and caches in `cache`) the historical model of `name` in `state`, with its relations. */
export function renderModel(state: ProjectState, name: string, cache: Map<string, HistoricalModel>): HistoricalModel {
  const done = cache.get(name)
  if (done) return done
  const ms: ModelState = state.get(name)
  const model = new HistoricalModel(ms.name, ms.options)
  cache.set(name, model)
  for (const [fieldName, def] of ms.fields) model.add(fieldName, fieldFromDef(def))
  for (const field of model.fields) {
    if (!(field instanceof RelatedField)) continue
    const def = ms.fields.find(([n]) => n === field.name)![1]
    if (!state.has(def.to!))
      throw new MigrationError(`${name}.${field.name} points at ${def.to}, which does not exist at this point of the migrations`, { model: name, field: field.name })
    // Historical models stand in for ModelMeta where the schema editor reads a relation's target.
    field.target = renderModel(state, def.to!, cache) as unknown as ModelMeta
    if (field instanceof ManyToManyField) attachThrough(state, model, field, def, cache)
  }
  return model
}

function lowerFirst(s: string): string {
  return s[0]!.toLowerCase() + s.slice(1)
}

/** The join table of a many-to-many field, named as `ModelMeta` names it (or the declared `through` model). */
function attachThrough(state: ProjectState, source: HistoricalModel, field: ManyToManyField<unknown>, def: FieldDef, cache: Map<string, HistoricalModel>): void {
  const target = field.target as unknown as HistoricalModel
  const throughName = def.options.through
  if (typeof throughName === 'string') {
    const through = renderModel(state, throughName, cache)
    const fks = through.fields.filter((f): f is ForeignKey<unknown, boolean, boolean> => f instanceof ForeignKey)
    const names = def.options.throughFields as readonly [string, string] | undefined
    const pick = (n: string | undefined, m: HistoricalModel, skip?: Field) =>
      (n !== undefined ? fks.find((f) => f.name === n) : fks.find((f) => f !== skip && (f.target as unknown as HistoricalModel).name === m.name)) ??
      failThrough(source, field, through, m)
    field.through = through as unknown as ModelMeta
    field.sourceField = pick(names?.[0], source)
    field.targetField = pick(names?.[1], target, field.sourceField)
    return
  }
  const self = source.name === target.name
  const from = self ? `from${source.name}` : lowerFirst(source.name)
  const to = self ? `to${target.name}` : lowerFirst(target.name)
  const dbConstraint = def.options.dbConstraint !== false
  const table = typeof def.options.dbTable === 'string' ? def.options.dbTable : `${source.dbTable}_${snakeCase(field.name)}`
  const through = new HistoricalModel(`${source.name}${field.name[0]!.toUpperCase()}${field.name.slice(1)}`, { dbTable: table, uniqueTogether: [[from, to]], app: source.app }, true)
  through.add('id', fieldFromDef({ kind: 'auto', options: { primaryKey: true } }))
  const fromField = through.add(from, fieldFromDef({ kind: 'foreignKey', to: source.name, options: { onDelete: 'CASCADE', relatedName: '+', dbConstraint } })) as ForeignKey<unknown, boolean, boolean>
  const toField = through.add(to, fieldFromDef({ kind: 'foreignKey', to: target.name, options: { onDelete: 'CASCADE', relatedName: '+', dbConstraint } })) as ForeignKey<unknown, boolean, boolean>
  fromField.target = source as unknown as ModelMeta
  toField.target = target as unknown as ModelMeta
  field.through = through as unknown as ModelMeta
  field.sourceField = fromField
  field.targetField = toField
}

function failThrough(source: HistoricalModel, field: Field, through: HistoricalModel, side: HistoricalModel): never {
  throw new MigrationError(`${source.name}.${field.name}: the join model ${through.name} has no foreign key to ${side.name} at this point of the migrations`, { model: source.name, field: field.name })
}
