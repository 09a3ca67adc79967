/**
 * The slice of node-sqlite3's callback API that Sequelize 6 calls (`Database`, `run`, `all`, `exec`,
 * `serialize`, `close`), over better-sqlite3, given to Sequelize as its `dialectModule`.
 * node-sqlite3 has no prebuilt binary reachable here and would need its own native build; this
 * way every contender on SQLite uses the same driver. Statements are prepared per call, as
 * node-sqlite3 does when given SQL text.
 */
import Database from 'better-sqlite3'

type Callback = (this: { lastID?: number; changes?: number }, error: Error | null, rows?: unknown[]) => void

// node-sqlite3 binds a Date as its time in milliseconds (a REAL), and booleans as 0/1.
const bindable = (v: unknown): unknown => (v instanceof Date ? v.getTime() : typeof v === 'boolean' ? Number(v) : v)

/** The arguments of a better-sqlite3 call: `$1`-style parameters from an array or an object go by name. */
function bindings(sql: string, params: unknown): unknown[] {
  if (params === undefined || params === null || typeof params === 'function') return []
  if (Array.isArray(params)) {
    if (params.length === 0 || !/\$\d/.test(sql)) return params.map(bindable)
    const named: Record<string, unknown> = {}
    params.forEach((v, i) => {
      named[String(i + 1)] = bindable(v)
    })
    return [named]
  }
  if (typeof params === 'object') {
    const named: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(params)) named[k.replace(/^[$:@]/, '')] = bindable(v)
    return [named]
  }
  return [bindable(params)]
}

/** `new Database(filename, mode, callback)`, as node-sqlite3. */
export class ShimDatabase {
  readonly filename: string
  readonly #db: Database.Database

  constructor(filename: string, _mode?: number, callback?: (error: Error | null) => void) {
    this.filename = filename
    this.#db = new Database(filename)
    this.#db.pragma('journal_mode = WAL')
    if (callback) queueMicrotask(() => callback(null))
  }

  serialize(fn?: () => void): void {
    fn?.()
  }

  run(sql: string, params?: unknown, callback?: Callback): this {
    const cb = typeof params === 'function' ? (params as Callback) : callback
    try {
      const stmt = this.#db.prepare(sql)
      const args = bindings(sql, params)
      if (stmt.reader) {
        stmt.all(...args)
        cb?.call({ lastID: 0, changes: 0 }, null)
      } else {
        const info = stmt.run(...args)
        cb?.call({ lastID: Number(info.lastInsertRowid), changes: info.changes }, null)
      }
    } catch (e) {
      cb?.call({}, e as Error)
    }
    return this
  }

  all(sql: string, params?: unknown, callback?: Callback): this {
    const cb = typeof params === 'function' ? (params as Callback) : callback
    try {
      const stmt = this.#db.prepare(sql)
      const args = bindings(sql, params)
      if (stmt.reader) cb?.call({}, null, stmt.all(...args))
      else {
        const info = stmt.run(...args)
        cb?.call({ lastID: Number(info.lastInsertRowid), changes: info.changes }, null, [])
      }
    } catch (e) {
      cb?.call({}, e as Error)
    }
    return this
  }

  exec(sql: string, callback?: (error: Error | null) => void): this {
    try {
      this.#db.exec(sql)
      callback?.(null)
    } catch (e) {
      callback?.(e as Error)
    }
    return this
  }

  close(callback?: (error: Error | null) => void): void {
    this.#db.close()
    callback?.(null)
  }
}

/** The module object Sequelize expects in place of `sqlite3`. */
export const sqlite3Shim = {
  Database: ShimDatabase,
  OPEN_READONLY: 1,
  OPEN_READWRITE: 2,
  OPEN_CREATE: 4,
  verbose() {
    return sqlite3Shim
  },
}
