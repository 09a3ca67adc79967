import { f, model } from '@strata/core'

// The admin's own tables, in the roles of Django's auth, sessions and admin apps. The model names
// carry an `Admin` prefix so that they never clash with an application's own `User` model.

/** A permission such as `blog.change_post`: `app` plus `codename` (`view_`, `add_`, `change_`, `delete_` + model). */
export class AdminPermission extends model(
  'AdminPermission',
  {
    name: f.char({ maxLength: 255 }),
    app: f.char({ maxLength: 100 }),
    model: f.char({ maxLength: 100 }),
    codename: f.char({ maxLength: 100 }),
  },
  {
    app: 'auth',
    dbTable: 'strata_auth_permission',
    uniqueTogether: [['app', 'codename']],
    ordering: ['app', 'model', 'codename'],
    verboseName: 'permission',
  },
) {
  override toString(): string {
    return `${this.app} | ${this.model} | ${this.name}`
  }
}

/** A named set of permissions given to users together. */
export class AdminGroup extends model(
  'AdminGroup',
  {
    name: f.char({ maxLength: 150, unique: true }),
    permissions: f.manyToMany(() => AdminPermission, { relatedName: 'groups', blank: true }),
  },
  { app: 'auth', dbTable: 'strata_auth_group', ordering: ['name'], verboseName: 'group' },
) {
  override toString(): string {
    return this.name
  }
}

/** A person who may log in to the admin (staff), with a scrypt password hash. */
export class AdminUser extends model(
  'AdminUser',
  {
    username: f.char({ maxLength: 150, unique: true, helpText: 'Required. 150 characters or fewer.' }),
    password: f.char({ maxLength: 255 }),
    email: f.email({ maxLength: 254, blank: true, default: '' }),
    firstName: f.char({ maxLength: 150, blank: true, default: '' }),
    lastName: f.char({ maxLength: 150, blank: true, default: '' }),
    isActive: f.boolean({ default: true, verboseName: 'active', helpText: 'Unselect this instead of deleting accounts.' }),
    isStaff: f.boolean({ default: false, verboseName: 'staff status', helpText: 'Whether the user can log into the admin.' }),
    isSuperuser: f.boolean({
      default: false,
      verboseName: 'superuser status',
      helpText: 'Has every permission without assigning them.',
    }),
    lastLogin: f.dateTime({ null: true, blank: true }),
    dateJoined: f.dateTime({ default: () => new Date() }),
    groups: f.manyToMany(() => AdminGroup, { relatedName: 'users', blank: true }),
    userPermissions: f.manyToMany(() => AdminPermission, { relatedName: 'users', blank: true, verboseName: 'user permissions' }),
  },
  { app: 'auth', dbTable: 'strata_auth_user', ordering: ['username'], verboseName: 'user' },
) {
  override toString(): string {
    return this.username
  }
}

/** A logged-in browser: the key is the SHA-256 of the cookie's token, so the table alone opens no session. */
export class AdminSession extends model(
  'AdminSession',
  {
    key: f.char({ maxLength: 64, primaryKey: true }),
    data: f.json<Record<string, unknown>>(),
    expireDate: f.dateTime({ dbIndex: true }),
  },
  { app: 'sessions', dbTable: 'strata_session', verboseName: 'session' },
) {}

/** One change made through the admin (Django's LogEntry): what, to which object, by whom and when. */
export class AdminLogEntry extends model(
  'AdminLogEntry',
  {
    actionTime: f.dateTime({ default: () => new Date(), dbIndex: true }),
    user: f.foreignKey(() => AdminUser, { onDelete: 'CASCADE', relatedName: 'logEntries' }),
    contentType: f.char({ maxLength: 200 }),
    objectId: f.text({ null: true, blank: true }),
    objectRepr: f.char({ maxLength: 200 }),
    actionFlag: f.smallInteger({ choices: [[1, 'Addition'], [2, 'Change'], [3, 'Deletion']] }),
    changeMessage: f.text({ blank: true, default: '' }),
  },
  {
    app: 'admin',
    dbTable: 'strata_admin_log',
    ordering: ['-actionTime', '-id'],
    verboseName: 'log entry',
    verboseNamePlural: 'log entries',
  },
) {
  override toString(): string {
    return `${['', 'Added', 'Changed', 'Deleted'][this.actionFlag] ?? 'LogEntry'} “${this.objectRepr}”`
  }
}

/** Failed logins by username or client address, for throttling. */
export class AdminLoginAttempt extends model(
  'AdminLoginAttempt',
  {
    key: f.char({ maxLength: 200, unique: true }),
    failures: f.integer({ default: 0 }),
    firstFailure: f.dateTime(),
    lockedUntil: f.dateTime({ null: true }),
  },
  { app: 'admin', dbTable: 'strata_admin_login_attempt', verboseName: 'login attempt' },
) {}

/**
 * The admin's models, to add to `connect({ models })` so that `pushSchema` and migrations create
 * their tables.
 * @example await connect({ databases, models: [...appModels, ...adminModels] })
 */
export const adminModels = [AdminPermission, AdminGroup, AdminUser, AdminSession, AdminLogEntry, AdminLoginAttempt] as const

declare module '@strata/core' {
  interface Models {
    AdminPermission: AdminPermission
    AdminGroup: AdminGroup
    AdminUser: AdminUser
    AdminSession: AdminSession
    AdminLogEntry: AdminLogEntry
    AdminLoginAttempt: AdminLoginAttempt
  }
}
