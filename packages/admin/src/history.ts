import type { ModelMeta } from '@strata/core'
import { AdminLogEntry } from './auth-models.js'
import type { RequestContext } from './context.js'
import type { ChangeEntry } from './inlines.js'
import type { Obj } from './model-admin.js'

/** Django's action flags. */
export const ADDITION = 1
/** A change. */
export const CHANGE = 2
/** A deletion. */
export const DELETION = 3

/** `app.model`: how the history names a model. */
export function contentType(meta: ModelMeta): string {
  return `${meta.app}.${meta.name.toLowerCase()}`
}

/** Records one admin action on an object (inside the caller's transaction). */
export async function logAction(ctx: RequestContext, meta: ModelMeta, obj: Obj, flag: 1 | 2 | 3, entries: readonly ChangeEntry[]): Promise<void> {
  await AdminLogEntry.objects.using(ctx.site.config.using).create({
    user: ctx.user,
    contentType: contentType(meta),
    objectId: String(obj.pk),
    objectRepr: String(obj).slice(0, 200),
    actionFlag: flag,
    changeMessage: JSON.stringify(entries),
  })
}

function list(words: readonly string[]): string {
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`
}

/** The change message of an entry in words ("Changed Title and Tags."). */
export function describeChange(entry: { actionFlag: number; changeMessage: string }): string {
  let parsed: unknown
  try {
    parsed = JSON.parse(entry.changeMessage || '[]')
  } catch {
    return entry.changeMessage
  }
  if (!Array.isArray(parsed)) return String(entry.changeMessage)
  const parts: string[] = []
  for (const item of parsed as ChangeEntry[]) {
    if ('added' in item) {
      const a = item.added
      parts.push(a.name && a.object ? `Added ${a.name} “${a.object}”.` : 'Added.')
    } else if ('changed' in item) {
      const c = item.changed
      const fields = list(c.fields ?? [])
      parts.push(c.name && c.object ? `Changed ${fields} for ${c.name} “${c.object}”.` : `Changed ${fields}.`)
    } else if ('deleted' in item) {
      const d = item.deleted
      parts.push(d.name && d.object ? `Deleted ${d.name} “${d.object}”.` : 'Deleted.')
    }
  }
  if (parts.length === 0) return entry.actionFlag === ADDITION ? 'Added.' : entry.actionFlag === DELETION ? 'Deleted.' : 'No fields changed.'
  return parts.join(' ')
}
