import type { QueryState, ResolvedExpr } from '@strata/core'
import { hasAggregate } from './compiler/select.js'

// What the engine asks of a QuerySet's expressions when it combines queries (union, ...) and
// aggregates over annotations.

/** The expressions behind the output columns of a model query (its columns, then its shown annotations). */
export function outputSources(state: QueryState): ResolvedExpr[] {
  const out: ResolvedExpr[] = state.meta.concreteFields.map((f) => ({ type: 'col', path: { hops: [], field: f, transforms: [], call: 0 } }))
  for (const [name] of state.annotations) if (!state.hidden.has(name)) out.push({ type: 'col', path: { hops: [], annotation: name, transforms: [], call: 0 } })
  return out
}

/** A comparable name for a column reference (path, field, annotation, transforms); undefined for other expressions. */
export function exprKey(e: ResolvedExpr): string | undefined {
  if (e.type !== 'col') return undefined
  const p = e.path
  return JSON.stringify([p.hops.map((h) => [h.kind, h.from.name, h.field.name]), p.field ? [p.field.modelName, p.field.name] : null, p.annotation ?? null, p.transforms])
}

/** Whether an expression uses an annotation that aggregates (then the query must be wrapped before aggregating again). */
export function referencesAggregateAnnotation(e: ResolvedExpr, state: QueryState): boolean {
  if (e.type === 'col' && e.path.annotation) return hasAggregate(state.annotations.get(e.path.annotation)!)
  if (e.type === 'agg') return e.arg ? referencesAggregateAnnotation(e.arg, state) : false
  if (e.type === 'op') return referencesAggregateAnnotation(e.lhs, state) || referencesAggregateAnnotation(e.rhs, state)
  return false
}
