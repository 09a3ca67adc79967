import type Database from 'better-sqlite3'

/** How many prepared statements a connection keeps by default. */
export const STATEMENT_CACHE_SIZE = 200

/** The part of a better-sqlite3 database that Kysely's SQLite driver uses. */
export interface StatementSource {
  prepare(sql: string): Database.Statement
  close(): void
}

/**
 * Prepares each SQL text once per connection and reuses the statement (better-sqlite3 statements
 * are reusable; preparing costs more than running a small query). The least recently used
 * statement is dropped past `size`. A statement still being iterated (Kysely's `stream()`) is
 * busy, and a second one is prepared for the same text.
 */
export function cachingStatements(db: Pick<Database.Database, 'prepare'>, close: () => void, size = STATEMENT_CACHE_SIZE): StatementSource {
  const cache = new Map<string, Database.Statement>()
  return {
    prepare(sql: string): Database.Statement {
      const known = cache.get(sql)
      if (known !== undefined && !known.busy) {
        cache.delete(sql)
        cache.set(sql, known)
        return known
      }
      const stmt = db.prepare(sql)
      if (known === undefined) {
        cache.set(sql, stmt)
        if (cache.size > size) cache.delete(cache.keys().next().value!)
      }
      return stmt
    },
    close() {
      cache.clear()
      close()
    },
  }
}
