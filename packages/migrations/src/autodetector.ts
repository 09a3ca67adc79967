import type { ConstraintSpec, IndexSpec } from '@strata/core'
import { type FieldDef, type ModelStateOptions, STATE_ONLY_OPTIONS, sameDef, tableOf } from './deconstruct.js'
import type { Operation } from './operations/base.js'
import {
  AddConstraint,
  AddField,
  AddIndex,
  AlterField,
  AlterModelOptions,
  AlterModelTable,
  AlterUniqueTogether,
  CreateModel,
  DeleteModel,
  RemoveConstraint,
  RemoveField,
  RemoveIndex,
  RenameIndex,
  RenameField,
  RenameModel,
} from './operations/index.js'
import type { Questioner } from './questioner.js'
import { fingerprint } from './serialize.js'
import { fieldOfState, type ModelState, type ProjectState } from './state.js'

const TEXT_KINDS = new Set(['char', 'text', 'email', 'url', 'slug'])

/** The models a field needs to exist first (its target and join model). */
function needs(def: FieldDef): string[] {
  const out: string[] = []
  if (def.to !== undefined) out.push(def.to)
  if (typeof def.options.through === 'string') out.push(def.options.through)
  return out
}

/** Whether adding the field to a table with rows needs a value for them (Django's `preserve_default` test). */
function needsOneOff(def: FieldDef): boolean {
  const o = def.options
  if (o.null === true || o.default !== undefined || def.kind === 'manyToMany' || o.primaryKey === true) return false
  if (o.blank === true && TEXT_KINDS.has(def.kind)) return false
  return !(o.autoNow === true || o.autoNowAdd === true)
}

function groups(options: ModelStateOptions): readonly (readonly string[])[] {
  return options.uniqueTogether ?? []
}

function byName<T extends { name?: string }>(list: readonly T[] | undefined): Map<string, T> {
  return new Map((list ?? []).map((x) => [x.name ?? fingerprint(x), x]))
}

function stateOptions(options: ModelStateOptions): ModelStateOptions {
  const out: Record<string, unknown> = {}
  for (const k of STATE_ONLY_OPTIONS) if (options[k] !== undefined) out[k] = options[k]
  return out
}

/**
 * Compares the models (`to`) with the state the migrations build (`from`) and returns the
 * operations that turn one into the other, in an order that is safe to run (Django's
 * `MigrationAutodetector`): renames first, then removals, creations in dependency order, added and
 * altered fields, and options, indexes and constraints last. Each operation is applied to a working
 * copy of the state as it is chosen, so later comparisons see its effect.
 */
export class Autodetector {
  readonly #to: ProjectState
  readonly #questioner: Questioner
  readonly #current: ProjectState
  readonly #ops: Operation[] = []

  constructor(from: ProjectState, to: ProjectState, questioner: Questioner) {
    this.#current = from.clone()
    this.#to = to
    this.#questioner = questioner
  }

  #emit(op: Operation): void {
    op.stateForwards(this.#current)
    this.#ops.push(op)
  }

  /** The operations, in order (empty when the models match the state). */
  async changes(): Promise<Operation[]> {
    await this.#renamedModels()
    await this.#renamedFields()
    this.#removedOptions()
    this.#removedFields()
    this.#deletedModels()
    this.#createdModels()
    await this.#addedFields()
    await this.#alteredFields()
    this.#addedOptions()
    return this.#ops
  }

  #kept(): string[] {
    return this.#to.names.filter((n) => this.#current.has(n))
  }

  /** Whether two models have the same fields once relations to renamed models are followed. */
  #sameShape(a: ModelState, b: ModelState): boolean {
    if (a.fields.length !== b.fields.length) return false
    return a.fields.every(([n, d], i) => {
      const [bn, bd] = b.fields[i]!
      const norm = (x: FieldDef) => (x.to === a.name ? { ...x, to: b.name } : x)
      return n === bn && sameDef(norm(d), bd)
    })
  }

  async #renamedModels(): Promise<void> {
    const added = this.#to.names.filter((n) => !this.#current.has(n))
    for (const newName of added) {
      const removed = this.#current.names.filter((n) => !this.#to.has(n))
      for (const oldName of removed) {
        if (!this.#sameShape(this.#current.get(oldName), this.#to.get(newName))) continue
        if (!(await this.#questioner.askRenameModel(oldName, newName))) continue
        this.#emit(new RenameModel({ oldName, newName }))
        break
      }
    }
  }

  async #renamedFields(): Promise<void> {
    for (const name of this.#kept()) {
      const target = this.#to.get(name)
      for (const [newField, newDef] of target.fields) {
        const model = this.#current.get(name)
        if (fieldOfState(model, newField)) continue
        for (const [oldField, oldDef] of model.fields) {
          if (fieldOfState(target, oldField) || !sameDef(oldDef, newDef)) continue
          if (!(await this.#questioner.askRenameField(name, oldField, newField, newDef))) continue
          this.#emit(new RenameField({ model: name, oldName: oldField, newName: newField }))
          break
        }
      }
    }
  }

  /** Unique-together groups, indexes and constraints that go or change, before fields are removed. */
  #removedOptions(): void {
    for (const name of this.#kept()) {
      const now = this.#current.get(name).options
      const want = this.#to.get(name).options
      const wanted = new Set(groups(want).map((g) => fingerprint(g)))
      const keep = groups(now).filter((g) => wanted.has(fingerprint(g)))
      if (keep.length !== groups(now).length) this.#emit(new AlterUniqueTogether({ name, uniqueTogether: keep }))
      const wantIdx = byName<IndexSpec>(want.indexes)
      const haveIdx = byName<IndexSpec>(now.indexes)
      // A named index that went, and a new named one just like it but for the name: a rename.
      const unnamed = (i: IndexSpec) => fingerprint({ ...i, name: undefined })
      const renamed = new Set<string>()
      for (const [idxName, idx] of haveIdx) {
        const w = wantIdx.get(idxName)
        if (w && fingerprint(w) === fingerprint(idx)) continue
        const to = !w && idx.name ? [...wantIdx.values()].find((x) => x.name && !haveIdx.has(x.name) && !renamed.has(x.name) && unnamed(x) === unnamed(idx)) : undefined
        if (to?.name) {
          renamed.add(to.name)
          this.#emit(new RenameIndex({ model: name, oldName: idxName, newName: to.name }))
        } else this.#emit(new RemoveIndex({ model: name, name: idxName }))
      }
      const wantCons = byName<ConstraintSpec>(want.constraints)
      for (const [cName, c] of byName<ConstraintSpec>(now.constraints)) {
        const w = wantCons.get(cName)
        if (!w || fingerprint(w) !== fingerprint(c)) this.#emit(new RemoveConstraint({ model: name, name: cName }))
      }
    }
  }

  #removedFields(): void {
    for (const name of this.#kept()) {
      const target = this.#to.get(name)
      for (const [field, def] of this.#current.get(name).fields) {
        const want = fieldOfState(target, field)
        // A relation to a model that goes away is removed (and added again if it now points elsewhere).
        const toDeleted = needs(def).some((t) => !this.#to.has(t)) && !(want && sameDef(want, def))
        if (!want || toDeleted) this.#emit(new RemoveField({ model: name, name: field }))
      }
    }
  }

  /** Deletes models nothing else points at first; a circle of foreign keys loses one key first. */
  #deletedModels(): void {
    let pending = this.#current.names.filter((n) => !this.#to.has(n))
    while (pending.length) {
      const pointedAt = (target: string) =>
        this.#current.models.some((m) => m.name !== target && m.fields.some(([, d]) => needs(d).includes(target)))
      const free = pending.find((n) => !pointedAt(n))
      if (free) {
        this.#emit(new DeleteModel({ name: free }))
        pending = pending.filter((n) => n !== free)
        continue
      }
      // Every remaining model is pointed at: remove one relation field of a model being deleted.
      const holder = pending.map((n) => this.#current.get(n)).find((m) => m.fields.some(([, d]) => needs(d).some((t) => t !== m.name && pending.includes(t))))
      if (!holder) break
      const [field] = holder.fields.find(([, d]) => needs(d).some((t) => t !== holder.name && pending.includes(t)))!
      this.#emit(new RemoveField({ model: holder.name, name: field }))
    }
  }

  /** Creates models after the models they point at; relations that close a circle are added afterwards. */
  #createdModels(): void {
    let pending = this.#to.names.filter((n) => !this.#current.has(n))
    const deferred: [string, string, FieldDef][] = []
    while (pending.length) {
      const ready = (name: string) => this.#to.get(name).fields.every(([, d]) => needs(d).every((t) => t === name || this.#current.has(t)))
      const name = pending.find(ready) ?? pending[0]!
      const m = this.#to.get(name)
      const fields: Record<string, FieldDef> = {}
      for (const [n, d] of m.fields) {
        if (needs(d).every((t) => t === name || this.#current.has(t))) fields[n] = d
        else deferred.push([name, n, d])
      }
      this.#emit(new CreateModel({ name, fields, options: m.options }))
      pending = pending.filter((n) => n !== name)
    }
    for (const [model, name, field] of deferred) this.#emit(new AddField({ model, name, field }))
  }

  async #addedFields(): Promise<void> {
    for (const name of this.#kept()) {
      for (const [field, def] of this.#to.get(name).fields) {
        if (fieldOfState(this.#current.get(name), field)) continue
        if (needsOneOff(def)) {
          const value = await this.#questioner.askNotNullAddition(name, field)
          this.#emit(new AddField({ model: name, name: field, field: { ...def, options: { ...def.options, default: value } }, preserveDefault: false }))
        } else this.#emit(new AddField({ model: name, name: field, field: def }))
      }
    }
  }

  async #alteredFields(): Promise<void> {
    for (const name of this.#kept()) {
      for (const [field, def] of this.#to.get(name).fields) {
        const old = fieldOfState(this.#current.get(name), field)
        if (!old || sameDef(old, def)) continue
        const becomesNotNull = old.options.null === true && def.options.null !== true && needsOneOff(def)
        const answer = becomesNotNull ? await this.#questioner.askNotNullAlteration(name, field) : null
        if (answer) this.#emit(new AlterField({ model: name, name: field, field: { ...def, options: { ...def.options, default: answer.value } }, preserveDefault: false }))
        else this.#emit(new AlterField({ model: name, name: field, field: def }))
      }
    }
  }

  /** Options without SQL, unique-together, indexes, constraints and table names that are new. */
  #addedOptions(): void {
    for (const name of this.#to.names) {
      const now = this.#current.get(name).options
      const want = this.#to.get(name).options
      if (fingerprint(groups(now)) !== fingerprint(groups(want))) this.#emit(new AlterUniqueTogether({ name, uniqueTogether: groups(want) }))
      const have = byName<IndexSpec>(now.indexes)
      for (const [idxName, idx] of byName<IndexSpec>(want.indexes)) if (!have.has(idxName)) this.#emit(new AddIndex({ model: name, index: { ...idx, name: idxName } }))
      const haveCons = byName<ConstraintSpec>(now.constraints)
      for (const [cName, c] of byName<ConstraintSpec>(want.constraints)) if (!haveCons.has(cName)) this.#emit(new AddConstraint({ model: name, constraint: c }))
      if (fingerprint(stateOptions(now)) !== fingerprint(stateOptions(want))) this.#emit(new AlterModelOptions({ name, options: stateOptions(want) }))
      if (tableOf(name, now) !== tableOf(name, want)) this.#emit(new AlterModelTable({ name, table: want.dbTable ?? null }))
    }
  }
}

/** Joins the name fragments of operations into a migration name (Django's `suggest_name`). */
export function suggestName(operations: readonly Operation[], initial: boolean, now: Date = new Date()): string {
  if (initial && operations.every((op) => op instanceof CreateModel || op instanceof AddField || op.stateOnly)) return 'initial'
  const fragments = operations.map((op) => op.nameFragment)
  if (fragments.length && fragments.every((f): f is string => f !== null)) {
    const name = fragments.join('_')
    if (name.length <= 52) return name
    return `${fragments[0]}_and_more`
  }
  const p = (n: number) => String(n).padStart(2, '0')
  return `auto_${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}_${p(now.getUTCHours())}${p(now.getUTCMinutes())}`
}
