/** SQLite has no date type: the tables hold UTC text, as Strata writes it (`2024-01-01 00:01:00.000`). */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

/** A `Date` as the UTC text SQLite columns hold. */
export function formatSqliteDate(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
}

/**
 * The UTC text of a SQLite column as a `Date`. Rows other ORMs inserted may hold their own forms
 * (ISO 8601 with an offset, `... +00:00`, milliseconds from node-sqlite3): those are read as what they say.
 */
export function parseSqliteDate(s: string | number): Date {
  if (typeof s === 'number') return new Date(s)
  if (s.length === 23 && s[10] === ' ') return new Date(`${s.replace(' ', 'T')}Z`)
  return new Date(s.replace(' +', '+').replace(' ', 'T'))
}
