import { type ModelMeta, Q } from '@strata/core'
import { AdminPermission, type AdminUser } from './auth-models.js'

/** The four things a user may do with a model. */
export type PermissionAction = 'view' | 'add' | 'change' | 'delete'

/** The actions every model gets a permission for, as Django's `default_permissions`. */
export const PERMISSION_ACTIONS: readonly PermissionAction[] = ['add', 'change', 'delete', 'view']

/** `view_post` for the Post model. */
export function codename(action: PermissionAction, meta: ModelMeta): string {
  return `${action}_${meta.name.toLowerCase()}`
}

/** `blog.view_post`: the permission string `hasPerm` takes. */
export function permissionName(action: PermissionAction, meta: ModelMeta): string {
  return `${meta.app}.${codename(action, meta)}`
}

/** The permissions a user has (directly and through groups) as `app.codename` strings; none when inactive. */
export async function loadPermissions(user: AdminUser, using: string | undefined): Promise<Set<string>> {
  if (!user.isActive) return new Set()
  const rows = (await AdminPermission.objects
    .using(using)
    .filter(Q({ users__id: user.id }).or({ groups__users__id: user.id }))
    .orderBy()
    .distinct()
    .valuesList('app', 'codename')) as unknown as [string, string][]
  return new Set(rows.map(([app, code]) => `${app}.${code}`))
}

/** Whether a user with `perms` may do `perm` (`'blog.change_post'`): active superusers may do everything. */
export function userHasPerm(user: AdminUser | null, perms: ReadonlySet<string>, perm: string): boolean {
  if (!user?.isActive) return false
  if (user.isSuperuser) return true
  return perms.has(perm)
}

/**
 * Creates the missing view/add/change/delete permission rows of the given models (Django creates
 * them after `migrate`); safe to run concurrently from several processes.
 * @example await syncPermissions([Post.meta, Comment.meta])
 */
export async function syncPermissions(metas: readonly ModelMeta[], using?: string): Promise<number> {
  const apps = [...new Set(metas.map((m) => m.app))]
  if (apps.length === 0) return 0
  const existing = new Set(
    ((await AdminPermission.objects.using(using).filter({ app__in: apps }).valuesList('app', 'codename')) as unknown as [string, string][]).map(
      ([a, c]) => `${a}.${c}`,
    ),
  )
  const missing: AdminPermission[] = []
  for (const meta of metas) {
    for (const action of PERMISSION_ACTIONS) {
      if (existing.has(permissionName(action, meta))) continue
      missing.push(
        new AdminPermission({
          name: `Can ${action} ${meta.verboseName}`.slice(0, 255),
          app: meta.app,
          model: meta.name.toLowerCase(),
          codename: codename(action, meta),
        }),
      )
    }
  }
  if (missing.length) await AdminPermission.objects.using(using).bulkCreate(missing, { ignoreConflicts: true })
  return missing.length
}
