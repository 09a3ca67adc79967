// Users with chosen permissions, made the way an application's script would.
import { AdminPermission, AdminUser, makePassword } from '../../src/index.js'
import { FAST_HASHER } from './server.js'

/** Creates a staff user (active, not superuser) with permissions such as `blog.view_post`. */
export async function makeStaff(username: string, perms: readonly string[] = [], extra: { isStaff?: boolean; isActive?: boolean } = {}): Promise<AdminUser> {
  const user = await AdminUser.objects.create({
    username,
    password: await makePassword(`${username}-pass-123`, FAST_HASHER),
    isStaff: extra.isStaff ?? true,
    isActive: extra.isActive ?? true,
  })
  for (const p of perms) {
    const [app, codename] = p.split('.')
    await user.userPermissions.add(await AdminPermission.objects.get({ app: app!, codename: codename! }))
  }
  return user
}
