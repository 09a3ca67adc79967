import { DummyDriver, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, sql } from 'kysely'
import type { StrataDialect } from '../src/index.js'

/** A dialect that compiles but never runs: for asserting the SQL the compiler builds. */
export function compileOnly(): StrataDialect {
  return {
    name: 'compile-only',
    features: {
      returning: true,
      transactionalDdl: true,
      nullsOrdering: true,
      distinctOn: false,
      selectForUpdate: false,
      jsonContains: false,
      regex: false,
      inlineForeignKeys: true,
      deferrableForeignKeys: false,
      dropTableCascade: false,
      gaps: {},
    },
    ops: {
      toDriver: (_f, v) => (v instanceof Date ? v.toISOString() : v),
      fromDriver: (_f, v) => v,
      textLookup: (lookup, lhs, value) => sql`${sql.raw(lookup)}(${lhs}, ${value})`,
      transform: (name, lhs) => sql`${sql.raw(name)}(${lhs})`,
      orderTerm: (expr, desc) => (desc ? sql`${expr} desc` : sql`${expr} asc`),
      random: () => sql`random()`,
      limitOffset: (limit, offset) =>
        limit === null && !offset ? sql`` : sql`limit ${sql.lit(limit ?? -1)}${offset ? sql` offset ${offset}` : sql``}`,
      columnType: () => 'text',
      autoIncrement: () => '',
      insertVerb: () => 'insert',
      insertSuffix: () => '',
    },
    createKyselyDialect: () => ({
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    }),
    mapError: (e) => e as Error,
  }
}
