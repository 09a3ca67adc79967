import { FieldError } from './errors.js'
import type { Field, FieldKind } from './fields/field.js'
import { ManyToManyField, RelatedField } from './fields/relation.js'
import { BooleanField, CharField, DateField, DateTimeField, FloatField, IntegerField, TimeField } from './fields/scalar.js'
import { transformOutput } from './lookup-resolve.js'
import { RELATION_LOOKUPS } from './lookups.js'
import type { ModelMeta } from './meta.js'
import type { Hop, ResolvedExpr, ResolvedPath } from './state.js'

// Field paths: how a name like `author__name` walks relations to a field, and the field an
// expression's value has. The lookups, conditions and expressions built on them are in resolve.ts.

/** What a resolution may refer to besides model fields. */
export interface ResolveContext {
  readonly annotations: ReadonlyMap<string, ResolvedExpr>
  readonly call: number
  /** Subqueries resolve OuterRef against this. */
  readonly outer?: ModelMeta
  /** `aggregate()` may aggregate over aggregate annotations (`annotate({ n: Count(..) }).aggregate({ m: Max('n') })`). */
  readonly aggregateOverAnnotations?: boolean
}

const PSEUDO: Partial<Record<FieldKind, Field>> = {}

/** A nameless field of a kind, for values produced by transforms and expressions. */
export function pseudoField(kind: FieldKind): Field {
  let f = PSEUDO[kind]
  if (!f) {
    switch (kind) {
      case 'integer':
      case 'duration':
        f = new IntegerField('integer', {})
        break
      case 'float':
        f = new FloatField('float', {})
        break
      case 'boolean':
        f = new BooleanField('boolean', {})
        break
      case 'date':
        f = new DateField('date', {})
        break
      case 'time':
        f = new TimeField('time', {})
        break
      case 'dateTime':
        f = new DateTimeField('dateTime', {})
        break
      default:
        f = new CharField('text', {})
    }
    f.name = 'value'
    f.modelName = 'expression'
    PSEUDO[kind] = f
  }
  return f
}

export function noField(meta: ModelMeta, name: string): never {
  throw new FieldError(`${meta.name} has no field named ${JSON.stringify(name)}. Choices are: ${meta.fieldNames().join(', ')}`, {
    model: meta.name,
    field: name,
  })
}

/** Walks `parts` from `meta`; returns the path and the parts left for transforms and lookups. */
export function resolveFieldPath(
  meta: ModelMeta,
  parts: readonly string[],
  ctx: ResolveContext,
  allowAnnotations = true,
): { path: ResolvedPath; rest: string[] } {
  meta.resolve()
  const hops: Hop[] = []
  let current = meta
  let i = 0
  if (allowAnnotations && ctx.annotations.has(parts[0]!)) {
    return { path: { hops, annotation: parts[0]!, transforms: [], call: ctx.call }, rest: parts.slice(1) }
  }
  while (i < parts.length) {
    const name = parts[i]!
    const next = parts[i + 1]
    const field = current.field(name)
    if (field) {
      if (field instanceof RelatedField && (field instanceof ManyToManyField || field.attname !== name)) {
        field.target.resolve()
        const target = field.target
        const isM2M = field instanceof ManyToManyField
        const continues = next !== undefined && (target.field(next) || target.reverse(next)) && !(RELATION_LOOKUPS.has(next) && !target.field(next) && !target.reverse(next))
        if (continues || isM2M) {
          hops.push({ kind: isM2M ? 'm2m' : 'forward', from: current, to: target, field, multi: isM2M })
          current = target
          i++
          if (!continues) return { path: { hops, field: target.pk, transforms: [], call: ctx.call }, rest: parts.slice(i) }
          continue
        }
      }
      return { path: { hops, field, transforms: [], call: ctx.call }, rest: parts.slice(i + 1) }
    }
    const rev = current.reverse(name)
    if (rev) {
      const isM2M = rev.field instanceof ManyToManyField
      hops.push({ kind: isM2M ? 'm2mReverse' : 'reverse', from: current, to: rev.model, field: rev.field, multi: rev.multiple })
      current = rev.model
      i++
      const after = parts[i]
      if (after === undefined || (!current.field(after) && !current.reverse(after))) {
        return { path: { hops, field: current.pk, transforms: [], call: ctx.call }, rest: parts.slice(i) }
      }
      continue
    }
    noField(current, name)
  }
  noField(current, parts[parts.length - 1] ?? '')
}

/** The kind of value an expression yields, and the field to convert it with. */
export function exprField(expr: ResolvedExpr, ctx: ResolveContext): Field | undefined {
  switch (expr.type) {
    case 'col':
      return pathOutputField(expr.path, ctx)
    case 'value':
      return expr.field
    case 'op':
      return exprField(expr.lhs, ctx) ?? exprField(expr.rhs, ctx)
    case 'agg':
      return expr.field
    case 'func':
      return expr.field
    case 'case': {
      for (const w of expr.whens) {
        const f = exprField(w.then, ctx)
        if (f) return f
      }
      return expr.otherwise ? exprField(expr.otherwise, ctx) : undefined
    }
    case 'subquery': {
      if (expr.exists) return pseudoField('boolean')
      const s = expr.state
      if (s.values?.length !== 1) return s.meta.pk
      const f = exprField(s.values[0]!.expr, { annotations: s.annotations, call: s.calls })
      return f instanceof RelatedField ? (f as RelatedField<unknown, boolean, boolean, 'foreignKey'>).target.pk : f
    }
    default:
      return undefined
  }
}

/** The field whose type a path's value has, after transforms. */
export function pathOutputField(path: ResolvedPath, ctx: ResolveContext): Field | undefined {
  if (path.expr) return exprField(path.expr, ctx)
  let field = path.annotation ? exprField(ctx.annotations.get(path.annotation)!, ctx) : path.field
  for (const t of path.transforms) field = transformOutput(field, t) ?? field
  return field
}

export function kindLabel(path: ResolvedPath, field: Field | undefined): string {
  if (path.annotation) return `annotation '${path.annotation}'`
  return field ? `${field.modelName}.${field.name} (${field.describe()})` : 'expression'
}
