import type { OperationNode } from 'kysely'
import { sql } from 'kysely'
import type { Fragment } from '../dialect.js'
import type { QueryCompiler } from './select.js'

// SELECT DISTINCT sorted by expressions it does not select: PostgreSQL refuses it ("for SELECT
// DISTINCT, ORDER BY expressions must appear in select list"), and the others sort by a value
// of an arbitrary row of each group. Django selects those expressions too (the compiler's extra
// select), so that rows are distinct over the selected and the sort columns on every database;
// they come after the query's own columns, where the row readers never look. The ORDER BY then
// names output columns, which PostgreSQL matches even when an expression binds parameters.

/** The columns of a DISTINCT query with its sort expressions added where not selected, and its ORDER BY by output name. */
export function distinctOrder(
  c: QueryCompiler,
  columns: readonly Fragment[],
): { columns: Fragment[]; order: Fragment[] } {
  const keys = c.sortKeys()
  const out = [...columns]
  if (keys.length === 0) return { columns: out, order: [] }
  const selected = columns.map(selectedColumn)
  const order = keys.map((key, i) => {
    const node = key.expr.toOperationNode()
    const found = key.random ? undefined : selected.find((s) => s !== undefined && sameNode(s.node, node))
    let name = found?.alias
    if (name === undefined) {
      name = `o${i}`
      out.push(sql`${key.expr} as ${sql.id(name)}`)
    }
    return c.sortTerm(sql.id(name), key)
  })
  return { columns: out, order }
}

/** The expression and output name of a column written `<expression> as <name>`; undefined for another shape. */
function selectedColumn(column: Fragment): { node: OperationNode; alias: string } | undefined {
  const node = column.toOperationNode()
  if (node.kind !== 'RawNode') return undefined
  const raw = node as unknown as { sqlFragments: readonly string[]; parameters: readonly OperationNode[] }
  const [before, as, after] = raw.sqlFragments
  if (raw.sqlFragments.length !== 3 || before !== '' || as !== ' as ' || after !== '') return undefined
  const id = raw.parameters[1] as unknown as {
    kind: string
    parameters?: readonly { kind: string; name?: string }[]
  }
  const name =
    id.kind === 'RawNode' && id.parameters?.length === 1 && id.parameters[0]!.kind === 'IdentifierNode'
      ? id.parameters[0]!.name
      : undefined
  return name === undefined ? undefined : { node: raw.parameters[0]!, alias: name }
}

/** Whether two operation nodes render the same SQL with the same parameters (frozen plain data, compared member by member). */
function sameNode(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime()
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  for (const k of ka)
    if (!sameNode((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false
  return true
}
