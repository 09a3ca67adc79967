import { CircularDependencyError, InconsistentMigrationHistory, MigrationConflictError, NodeNotFoundError } from './errors.js'
import type { Migration } from './migration.js'
import { ProjectState } from './state.js'

/** One step of a plan: a migration applied forwards, or unapplied. */
export interface PlanStep {
  readonly name: string
  readonly migration: Migration
  readonly backwards: boolean
}

/**
 * The migrations and their dependencies (Django's `MigrationGraph`): leaves, plans to a target,
 * cycle detection, and the project state after any migration (cached, built in one pass).
 */
export class MigrationGraph {
  readonly nodes: ReadonlyMap<string, Migration>
  readonly #parents = new Map<string, string[]>()
  readonly #children = new Map<string, string[]>()
  #order: string[] | undefined
  readonly #states = new Map<string, ProjectState>()

  constructor(nodes: ReadonlyMap<string, Migration>, dependencies: ReadonlyMap<string, readonly string[]>) {
    this.nodes = nodes
    for (const name of nodes.keys()) {
      this.#parents.set(name, [])
      this.#children.set(name, [])
    }
    for (const [name, deps] of dependencies) {
      for (const dep of deps) {
        if (!nodes.has(dep))
          throw new NodeNotFoundError(`Migration ${name} depends on ${dep}, which does not exist. Known migrations: ${[...nodes.keys()].sort().join(', ') || '(none)'}`)
        if (!this.#parents.get(name)!.includes(dep)) this.#parents.get(name)!.push(dep)
        if (!this.#children.get(dep)!.includes(name)) this.#children.get(dep)!.push(name)
      }
    }
    for (const list of [...this.#parents.values(), ...this.#children.values()]) list.sort()
    this.order()
  }

  /** The migrations a migration depends on directly. */
  parents(name: string): readonly string[] {
    return this.#parents.get(this.#check(name))!
  }

  /** The migrations that depend on it directly. */
  children(name: string): readonly string[] {
    return this.#children.get(this.#check(name))!
  }

  #check(name: string): string {
    if (!this.nodes.has(name)) throw new NodeNotFoundError(`No migration named ${JSON.stringify(name)}. Known migrations: ${[...this.nodes.keys()].sort().join(', ') || '(none)'}`)
    return name
  }

  /** Every migration, dependencies first (ties broken by name, so the order is stable); throws on a cycle. */
  order(): readonly string[] {
    if (this.#order) return this.#order
    const out: string[] = []
    const state = new Map<string, 'visiting' | 'done'>()
    for (const start of [...this.nodes.keys()].sort()) {
      if (state.has(start)) continue
      // Iterative depth-first walk: long histories must not overflow the stack.
      const stack: { name: string; next: number }[] = [{ name: start, next: 0 }]
      state.set(start, 'visiting')
      while (stack.length) {
        const top = stack[stack.length - 1]!
        const parents = this.#parents.get(top.name)!
        if (top.next < parents.length) {
          const p = parents[top.next++]!
          const s = state.get(p)
          if (s === 'visiting') {
            const cycle = [...stack.slice(stack.findIndex((x) => x.name === p)).map((x) => x.name), p]
            throw new CircularDependencyError(`The migrations depend on each other in a circle: ${cycle.join(' -> ')}`)
          }
          if (!s) {
            state.set(p, 'visiting')
            stack.push({ name: p, next: 0 })
          }
          continue
        }
        stack.pop()
        state.set(top.name, 'done')
        out.push(top.name)
      }
    }
    this.#order = out
    return out
  }

  /** Migrations nothing depends on. */
  leaves(): string[] {
    return [...this.nodes.keys()].filter((n) => this.#children.get(n)!.length === 0).sort()
  }

  /** The single leaf; `MigrationConflictError` when two branches were made independently. */
  leaf(): string | null {
    const leaves = this.leaves()
    if (leaves.length > 1)
      throw new MigrationConflictError(
        `Conflicting migrations: ${leaves.join(' and ')} are all leaves of the history (branches made independently). Run 'strata makemigrations --merge' to add a migration that depends on them (or makeMergeMigration()).`,
      )
    return leaves[0] ?? null
  }

  /** A migration and everything it depends on, dependencies first. */
  ancestors(name: string): string[] {
    const want = new Set<string>()
    const todo = [this.#check(name)]
    while (todo.length) {
      const n = todo.pop()!
      if (want.has(n)) continue
      want.add(n)
      todo.push(...this.#parents.get(n)!)
    }
    return this.order().filter((n) => want.has(n))
  }

  /** A migration and everything that depends on it, dependents first. */
  descendants(name: string): string[] {
    const want = new Set<string>()
    const todo = [this.#check(name)]
    while (todo.length) {
      const n = todo.pop()!
      if (want.has(n)) continue
      want.add(n)
      todo.push(...this.#children.get(n)!)
    }
    return this.order().filter((n) => want.has(n)).reverse()
  }

  /**
   * What to run to reach `target` (a name, `'zero'`, or undefined for every leaf) from the
   * `applied` set: unapplied ancestors forwards, or applied descendants backwards.
   */
  plan(target: string | undefined, applied: ReadonlySet<string>): PlanStep[] {
    const step = (name: string, backwards: boolean): PlanStep => ({ name, migration: this.nodes.get(name)!, backwards })
    if (target === 'zero') return this.order().filter((n) => applied.has(n)).reverse().map((n) => step(n, true))
    if (target === undefined) return this.order().filter((n) => !applied.has(n)).map((n) => step(n, false))
    if (applied.has(this.#check(target))) {
      const undo = new Set<string>()
      for (const child of this.#children.get(target)!) for (const d of this.descendants(child)) if (applied.has(d)) undo.add(d)
      return this.order().filter((n) => undo.has(n)).reverse().map((n) => step(n, true))
    }
    return this.ancestors(target).filter((n) => !applied.has(n)).map((n) => step(n, false))
  }

  /** Fails when a migration is recorded as applied but one it depends on is not. */
  checkConsistency(applied: ReadonlySet<string>): void {
    for (const name of this.order()) {
      if (!applied.has(name)) continue
      for (const p of this.#parents.get(name)!) {
        if (!applied.has(p))
          throw new InconsistentMigrationHistory(`Migration ${name} is applied before its dependency ${p}. Apply ${p} with --fake if its changes are in the database, or unapply ${name}.`)
      }
    }
  }

  /** The project state after `name` and everything it depends on (cached; `null`: before any migration). */
  stateAfter(name: string | null): ProjectState {
    if (name === null) return new ProjectState()
    const done = this.#states.get(name)
    if (done) return done
    // Build the states in dependency order so each one starts from its parent's.
    for (const n of this.ancestors(name)) {
      if (this.#states.has(n)) continue
      const parents = this.#parents.get(n)!
      let state: ProjectState
      if (parents.length === 1) state = this.#states.get(parents[0]!)!.clone()
      else state = this.#replay(this.ancestors(n).filter((x) => x !== n))
      for (const op of this.nodes.get(n)!.operations) op.stateForwards(state)
      this.#states.set(n, state)
    }
    return this.#states.get(name)!
  }

  /** The state before `name` runs: everything it depends on. */
  stateBefore(name: string): ProjectState {
    const parents = this.parents(name)
    if (parents.length === 0) return new ProjectState()
    if (parents.length === 1) return this.stateAfter(parents[0]!)
    return this.#replay(this.ancestors(name).filter((x) => x !== name))
  }

  /** The state after every migration (what the autodetector compares the models with). */
  finalState(): ProjectState {
    const leaves = this.leaves()
    if (leaves.length === 0) return new ProjectState()
    if (leaves.length === 1) return this.stateAfter(leaves[0]!)
    return this.#replay(this.order())
  }

  #replay(names: readonly string[]): ProjectState {
    const state = new ProjectState()
    for (const n of names) for (const op of this.nodes.get(n)!.operations) op.stateForwards(state)
    return state
  }
}
