export { Admin, AlreadyRegistered } from './site.js'
export {
  type AdminAction,
  type AdminContext,
  type AdminOptions,
  action,
  type CellHtml,
  column,
  type DisplayColumn,
  type Fieldset,
  type InlineOptions,
  type ListDisplayItem,
  type ListFilterItem,
  type ModelAdminOptions,
  type SimpleListFilter,
} from './options.js'
export { AdminGroup, AdminLogEntry, AdminLoginAttempt, AdminPermission, AdminSession, AdminUser, adminModels } from './auth-models.js'
export { checkPassword, DEFAULT_SCRYPT, isPasswordUsable, makePassword, needsRehash, type ScryptParams, unusablePassword } from './hashers.js'
export { MIN_PASSWORD_LENGTH, type PasswordContext, validatePassword } from './password-validation.js'
export { codename, PERMISSION_ACTIONS, type PermissionAction, permissionName, syncPermissions } from './permissions.js'
export {
  CommandError,
  type CommandStreams,
  createSuperuser,
  type CreateSuperuserCommandOptions,
  type CreateSuperuserOptions,
  runCreateSuperuser,
} from './createsuperuser.js'
export { DEFAULT_THROTTLE, type ThrottlePolicy } from './throttle.js'
export { escapeHtml, html, isSafeHtml, raw, SafeHtml } from './html.js'
export type { NodeHandler, NodeHandlerOptions } from './node.js'
