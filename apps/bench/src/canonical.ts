/**
 * The canonical form of each operation's result, so that contenders that return instances,
 * entities or plain rows can be compared: numbers for keys, ISO strings for dates, comments sorted
 * by id. Used before timing only.
 */

type Loose = Record<string, unknown>

const num = (v: unknown): number => {
  if (typeof v === 'number') return v
  if (typeof v === 'bigint' || typeof v === 'string') return Number(v)
  throw new Error(`expected a number, got ${JSON.stringify(v)}`)
}

const iso = (v: unknown): string => {
  if (v instanceof Date) return v.toISOString()
  throw new Error(`expected a Date, got ${typeof v === 'string' ? JSON.stringify(v) : typeof v}`)
}

/** The key of a relation as the object gives it: `authorId`, `author_id`, or the loaded object's id. */
function foreignKey(o: Loose, name: string): number {
  const direct = o[`${name}Id`] ?? o[`${name}_id`]
  if (direct !== undefined && direct !== null) return num(direct)
  const related = o[name] as Loose | undefined | null
  if (related && typeof related === 'object') return num(related.id)
  throw new Error(`no ${name} key on ${JSON.stringify(Object.keys(o))}`)
}

/** A post as plain data. */
export function canonicalPost(p: unknown): Loose {
  const o = p as Loose
  return { id: num(o.id), title: o.title, content: o.content, pubDate: iso(o.pubDate), authorId: foreignKey(o, 'author') }
}

/** A post with its author. */
export function canonicalPostWithAuthor(p: unknown): Loose {
  const o = p as Loose
  const a = o.author as Loose
  if (!a || typeof a !== 'object') throw new Error('the author is not loaded')
  return { ...canonicalPost(p), author: { id: num(a.id), name: a.name, email: a.email } }
}

/** A comment as plain data. */
export function canonicalComment(c: unknown): Loose {
  const o = c as Loose
  return { id: num(o.id), postId: foreignKey(o, 'post'), author: o.author, text: o.text, pubDate: iso(o.pubDate) }
}

/** A post with its comments (sorted by id: the operation does not order them). */
export function canonicalPostWithComments(p: unknown, comments: (post: unknown) => readonly unknown[]): Loose {
  const list = comments(p).map(canonicalComment).sort((a, b) => (a.id as number) - (b.id as number))
  return { ...canonicalPost(p), comments: list }
}

/** A comment count row. */
export function canonicalCount(r: unknown): Loose {
  const o = r as Loose
  const n = o.n ?? (o._count as Loose | undefined)?._all
  return { postId: num(o.postId ?? o.post_id ?? o.post), n: num(n) }
}
