import type { Field, FieldKind, ModelMeta } from '@strata/core'
import type { CompiledQuery, DatabaseConnection, Dialect as KyselyDialect, Expression, Kysely, QueryResult, RawBuilder } from 'kysely'
import type { KyselyEngine } from './engine.js'
import type { DatabaseSchemaEditor } from './schema-editor.js'
import type { JsonOperations } from './json-operations.js'

/** A SQL fragment as the compiler composes them. */
export type Fragment = RawBuilder<unknown> | Expression<unknown>

/**
 * What a database can do. Tests and the compiler branch on these flags, never on a dialect's name.
 * Every flag says what `true` means; the default is `false` unless it says otherwise.
 */
export interface DialectFeatures {
  /** `INSERT ... RETURNING` gives back generated keys. */
  readonly returning: boolean
  /** DDL runs inside a transaction and rolls back with it. */
  readonly transactionalDdl: boolean
  /** `ORDER BY x NULLS FIRST/LAST` is understood. */
  readonly nullsOrdering: boolean
  /** `SELECT DISTINCT ON (...)`. */
  readonly distinctOn: boolean
  /** `SELECT ... FOR UPDATE` locks rows (false: `selectForUpdate()` takes no locks, as Django on SQLite). */
  readonly selectForUpdate: boolean
  /** `FOR UPDATE NOWAIT`: fail at once on a locked row. */
  readonly selectForUpdateNowait?: boolean
  /** `FOR UPDATE SKIP LOCKED`: leave locked rows out. */
  readonly selectForUpdateSkipLocked?: boolean
  /** `FOR UPDATE OF <tables>`: lock the rows of some of the joined tables only. */
  readonly selectForUpdateOf?: boolean
  /**
   * Transactions never overlap: the database has one writer at a time and the dialect queues
   * `atomic` blocks (SQLite). Concurrent blocks wait for each other instead of conflicting.
   */
  readonly serialisedTransactions?: boolean
  /** JSON containment (`contains`, `contained_by` on JSON fields). */
  readonly jsonContains: boolean
  /** Regular expression lookups. */
  readonly regex: boolean
  /** Foreign keys are declared inside CREATE TABLE (no ALTER TABLE ADD CONSTRAINT). */
  readonly inlineForeignKeys: boolean
  /** `DROP TABLE ... CASCADE` removes constraints that point at the table. */
  readonly dropTableCascade: boolean
  /** Foreign keys are checked at commit (`DEFERRABLE INITIALLY DEFERRED`). */
  readonly deferrableForeignKeys: boolean
  /**
   * Outside a transaction, `iterator()` streams through Kysely's `stream()` on a connection of its
   * own from the pool, so the loop body may query on others (default false: it reads pages of
   * `chunkSize` rows, by primary key where it can, so the loop body may query freely).
   */
  readonly cursorStreaming?: boolean
  /** `bulkCreate(..., { updateConflicts: true })`: an insert that updates the row it conflicts with (upsert). */
  readonly updateConflicts?: boolean
  /**
   * The upsert names the unique columns that trigger it (`ON CONFLICT (cols)`): `uniqueFields` is
   * then required; without it any unique key triggers it and `uniqueFields` is refused.
   */
  readonly updateConflictsWithTarget?: boolean
  /** `INTERSECT` and `EXCEPT` (`intersection()`, `difference()`); `UNION` is always there. */
  readonly intersectExcept?: boolean
  /** The most bound parameters one statement may carry (default 999, SQLite's historical limit). */
  readonly maxQueryParams?: number
  /**
   * `in` lists longer than this are bound as one parameter through `ops.inArray` (default
   * `IN_ARRAY_MIN`). PostgreSQL binds every list so: one statement text, and one prepared
   * statement, whatever the list's length.
   */
  readonly inArrayAbove?: number
  /**
   * The most bytes one statement may carry, values included, where the driver sends them inline
   * (MySQL's `max_allowed_packet`); `bulkCreate` batches stay under it. Default: no limit.
   */
  readonly maxQueryBytes?: number
  /** The `explain({ format })` values the database takes, lowercase (`'text'` is its plain output). Default none. */
  readonly explainFormats?: readonly string[]
  /** The `explain()` flags (`analyze`, `verbose`, `costs`, ...) the database takes. Default none. */
  readonly explainOptions?: readonly string[]
  /** Indexes and unique constraints with a `WHERE` condition (partial indexes). Default false. */
  readonly partialIndexes?: boolean
  /** Why a feature is missing, by flag name, for `NotSupportedError` messages and docs. */
  readonly gaps: Readonly<Record<string, string>>
}

/** Context a dialect gets when rendering a lookup. */
export interface LookupInput {
  /** The left-hand side, already rendered (column, transform or expression). */
  readonly lhs: Fragment
  /** The right-hand side: a bound parameter or an expression, already rendered. */
  readonly rhs: Fragment
  /** The field the value is compared as. */
  readonly field: Field | undefined
}

/**
 * How one database spells things: value conversion, lookups, transforms, DDL types.
 * A method returns a fragment; the compiler composes them and Kysely compiles the whole.
 */
export interface DialectOperations {
  /** Converts a JavaScript value of a field to what the driver binds. */
  toDriver(field: Field | undefined, value: unknown): unknown
  /** Converts what the driver returned to the field's JavaScript type. */
  fromDriver(field: Field | undefined, value: unknown): unknown
  /**
   * The conversion `fromDriver` applies to the non-null values of `field`, chosen once (row
   * hydrators pick one per column when they are built; null and undefined read as null). Optional:
   * without it, each value goes through `fromDriver`.
   */
  fromDriverFor?(field: Field | undefined): (value: unknown) => unknown
  /**
   * Renders `exact` (`lhs = rhs`) where equality needs more than `=`, such as a case-sensitive
   * comparison whatever the column's collation. Optional: the compiler writes `lhs = rhs` without it.
   */
  exact?(lhs: Fragment, rhs: Fragment, field: Field | undefined): Fragment
  /** Renders a text lookup (`iexact`, `contains`, `icontains`, `startswith`, ..., `regex`). `pattern` is already escaped for LIKE with `\`. */
  textLookup(lookup: string, lhs: Fragment, value: string, field: Field | undefined): Fragment
  /** Renders a date/time transform (`year`, `month`, `hour`, `date`, ...) of `lhs`, evaluated in UTC. */
  transform(name: string, lhs: Fragment, kind: FieldKind): Fragment
  /** Renders an ordering term. */
  orderTerm(expr: Fragment, descending: boolean, nulls: { nullsFirst?: boolean; nullsLast?: boolean }): Fragment
  /** `ORDER BY` random. */
  random(): Fragment
  /**
   * The LIMIT/OFFSET clause (empty when neither is set): the limit written into the SQL (a
   * planner plans a known LIMIT better), the offset bound as the statement's last parameter, so
   * that the pages of a QuerySet share one compiled plan.
   */
  limitOffset(limit: number | null, offset: number): Fragment
  /** The column type in DDL for a field. */
  columnType(field: Field): string
  /** Text appended to a column definition for an auto-increment primary key. */
  autoIncrement(field: Field): string
  /** The INSERT verb with conflict handling (`INSERT OR IGNORE`, `INSERT IGNORE`, or `INSERT`). */
  insertVerb(ignoreConflicts: boolean): string
  /**
   * The rows of a multi-row INSERT as one bound array per column (PostgreSQL's `select * from
   * unnest($1::integer[], ...)`), so that its text and parameter count do not depend on how many
   * rows there are. `columns[k]` holds the driver values of `fields[k]`, and each must be bound as
   * one parameter, in order. Undefined when a field cannot travel that way: then VALUES lists.
   * Whether it is undefined must depend on the fields only (the engine asks once per model and fields).
   */
  insertColumns?(fields: readonly Field[], columns: readonly (readonly unknown[])[]): Fragment | undefined
  /** Text after VALUES for conflict handling (`ON CONFLICT DO NOTHING`), or empty; `meta` is the model inserted into. */
  insertSuffix(ignoreConflicts: boolean, meta?: ModelMeta): string
  /**
   * The clause after VALUES that turns a conflict on `uniqueColumns` (empty when the database
   * does not take a target) into an update of `updateColumns` from the row proposed for insertion.
   * Required when `features.updateConflicts` is true.
   */
  conflictUpdate?(uniqueColumns: readonly string[], updateColumns: readonly string[]): Fragment
  /**
   * Wraps a SELECT in the database's plan statement (`EXPLAIN ...`); without it `explain()` is a
   * `NotSupportedError`. `spec` is checked against `explainFormats`/`explainOptions` beforehand.
   */
  explain?(query: Fragment, spec: ExplainSpec): Fragment
  /**
   * Renders `lhs IN (values)` with a single bound parameter (an array or a JSON list), for lists
   * longer than `features.inArrayAbove` (default `IN_ARRAY_MIN`, lists that could pass the
   * parameter limit). Return undefined to bind one parameter per value. `values` are already
   * converted by `toDriver`.
   */
  inArray?(lhs: Fragment, values: readonly unknown[], field: Field | undefined): Fragment | undefined
  /**
   * SQL cursors that a transaction's connection reads in steps (`DECLARE`, `FETCH`, `CLOSE`), so
   * that `iterator()` inside `atomic()` streams while the loop body queries on the same connection.
   * Without it, `iterator()` in a transaction reads pages.
   */
  cursor?: CursorOperations
  /**
   * Wraps a bound value used as an expression (`Value(true)`, a `Case` branch) where the database
   * cannot infer its type from the parameter alone. Optional: the parameter is used as is.
   */
  valueExpression?(param: Fragment, field: Field | undefined): Fragment
  /** Casts an aggregate result to the field's storage type where needed. */
  castAggregate?(fn: string, expr: Fragment, field: Field | undefined): Fragment
  /**
   * Renders a database function (`Lower`, `Concat`, `Greatest`, `Now`, ...; core's `FUNCTIONS`) where
   * the database spells it differently. Return undefined to use the standard `name(args)` spelling
   * (`Concat` defaults to `concat(coalesce(a, ''), ...)`, `Now` to `current_timestamp`, `ExpressionWrapper`
   * to its argument as is). `Cast` gets the target kind as `context.option` (`integer`, `float`, `text`,
   * `boolean`, `date`, `dateTime`, `decimal`) and, for `decimal`, the target field with its precision as `field`.
   */
  func?(name: string, args: readonly Fragment[], field: Field | undefined, context?: FuncContext): Fragment | undefined
  /** JSON key paths and lookups on JSON fields (`data__owner__name`, `has_key`, ...); without it they are a `NotSupportedError`. */
  json?: JsonOperations
}

/** A checked `explain()` request: a lowercase format from `explainFormats`, flags from `explainOptions`. */
export interface ExplainSpec {
  readonly format?: string
  readonly options: Readonly<Record<string, boolean>>
}

/** The statements of a named SQL cursor (names are generated by Strata, counts are positive integers). */
export interface CursorOperations {
  /** Opens `name` over `query`. */
  declare(name: string, query: Fragment): Fragment
  /** Reads the next `count` rows of `name`. */
  fetch(name: string, count: number): Fragment
  /** Closes `name`. */
  close(name: string): Fragment
}

/** Lists longer than this use `DialectOperations.inArray` where the dialect has it (unless `features.inArrayAbove` says otherwise). */
export const IN_ARRAY_MIN = 1000

/** The length above which `dialect` binds an `in` list as one parameter, or undefined when it never does. */
export function inArrayAbove(dialect: StrataDialect): number | undefined {
  return dialect.ops.inArray ? (dialect.features.inArrayAbove ?? IN_ARRAY_MIN) : undefined
}

/** What a dialect's `func` hook knows beyond the rendered arguments. */
export interface FuncContext {
  /** `Cast`: the target kind (`integer`, `float`, `text`); `Trunc`: the unit (`year` ... `second`), with `:date` when the result is a date. */
  readonly option?: string
  /** The field kind of each argument, where known (`Trunc` reads whether its source is a date or a datetime). */
  readonly argKinds: readonly (FieldKind | undefined)[]
}

/** A database dialect package: the only place that knows a database. */
export interface StrataDialect {
  /** A short name for messages (never branched on). */
  readonly name: string
  readonly features: DialectFeatures
  readonly ops: DialectOperations
  /** The Kysely dialect that talks to the driver. */
  createKyselyDialect(): KyselyDialect
  /** Runs once on a new Kysely instance (pragmas, session settings). */
  initialize?(db: Kysely<DB>): Promise<void>
  /** Maps a driver error to a Strata error class, keeping the original as `cause`. */
  mapError(error: unknown): Error
  /**
   * Whether a mapped error means a transaction lost a race that re-running it may win (a lock
   * wait timeout, a busy database), beyond `SerializationFailure` and `DeadlockDetected`, which
   * `atomic({ retries })` always retries.
   */
  retryable?(error: Error): boolean
  /** Reads the id of the rows just inserted when `features.returning` is false. */
  lastInsertIds?(result: { insertId?: bigint | number; numAffectedRows?: bigint }, count: number): unknown[]
  /**
   * The schema editor of migrations for this database: its DDL differences, introspection and
   * migration lock. Without it, migrations use the standard-SQL `DatabaseSchemaEditor`.
   */
  schemaEditor?(engine: KyselyEngine): DatabaseSchemaEditor
  /** The database's own command-line client on this database (`strata dbshell`). */
  shellCommand?(): { readonly command: string; readonly args: readonly string[]; readonly env?: Readonly<Record<string, string>> }
}

/**
 * The hot path of a Kysely driver: a driver object (what the dialect's `createKyselyDialect()`
 * makes `createDriver()` return) may implement it to run a compiled query straight on the
 * database client, without Kysely's executor, connection provider and driver wrappers. The engine
 * uses `runDirect` outside `atomic` blocks and `runInBlock` or `runOn` inside them; it logs the
 * query itself and maps errors with `mapError`.
 */
export interface DirectDriver {
  /**
   * Runs `query` on a connection of its own (a pooled one, or SQLite's single connection when it
   * is free) and gives the result exactly as the driver's `DatabaseConnection.executeQuery` would
   * (`rows`, `numAffectedRows` and `insertId` as bigints). Returns undefined when it cannot run it
   * now (not initialised yet, connection busy): the engine then takes Kysely's path. Errors are the
   * driver's own, thrown or rejected. With `arrays`, a driver may give the rows of a SELECT as
   * arrays of values in column order, and then says so (`ArrayRowsResult`).
   */
  runDirect(query: CompiledQuery, arrays?: boolean): QueryResult<unknown> | Promise<QueryResult<unknown>> | undefined
  /**
   * For drivers whose `atomic` blocks all hold one and the same connection (SQLite): runs `query`
   * on it for the block open in the caller's context, as that block's connection would. The
   * engine checks and marks the block, logs the query and maps errors.
   */
  runInBlock?(query: CompiledQuery, arrays?: boolean): QueryResult<unknown> | Promise<QueryResult<unknown>>
  /**
   * Runs `query` on `connection`, one this driver's `acquireConnection()` gave (an `atomic`
   * block's), as its `executeQuery` would; with `arrays`, the rows of a SELECT may come as arrays
   * (`ArrayRowsResult`). Without it, blocks use `connection.executeQuery`.
   */
  runOn?(connection: DatabaseConnection, query: CompiledQuery, arrays?: boolean): QueryResult<unknown> | Promise<QueryResult<unknown>>
}

/**
 * A result whose rows are arrays of the selected values in column order: what `runDirect` and
 * `runInBlock` may give when asked with `arrays` (no object with named properties per row).
 */
export type ArrayRowsResult = QueryResult<unknown> & { readonly arrays: true }

/** Whether a driver gave its rows as arrays (`ArrayRowsResult`). */
export function hasArrayRows(result: QueryResult<unknown>): result is ArrayRowsResult {
  return (result as Partial<ArrayRowsResult>).arrays === true
}

/** Whether a Kysely driver implements the direct hot path. */
export function isDirectDriver(driver: unknown): driver is DirectDriver {
  return typeof (driver as Partial<DirectDriver> | null)?.runDirect === 'function'
}

/** The untyped database shape the ORM uses with Kysely (tables are known from metadata, not types). */
export type DB = Record<string, Record<string, unknown>>
