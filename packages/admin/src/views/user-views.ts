import { ValidationError } from '@strata/core'
import { atomic } from '@strata/transactions'
import { AdminGroup, AdminUser } from '../auth-models.js'
import type { RequestContext } from '../context.js'
import { makePassword } from '../hashers.js'
import { ADDITION, CHANGE, logAction } from '../history.js'
import { html } from '../html.js'
import { HttpError, htmlResponse, redirect } from '../http.js'
import { csrfInput, page } from '../layout.js'
import type { ModelAdmin, Obj } from '../model-admin.js'
import type { ModelAdminOptions } from '../options.js'
import { validatePassword } from '../password-validation.js'
import { authHash } from '../sessions.js'
import { passwordForm } from './auth-views.js'
import { changeUrl, listUrl } from './changelist-view.js'
import { getObject, missing } from './changeform-view.js'

/** How the admin shows users: the password as a summary with a link to a form that sets it. */
export const USER_ADMIN: ModelAdminOptions<Obj> = {
  listDisplay: ['username', 'email', 'firstName', 'lastName', 'isStaff'],
  listFilter: ['isStaff', 'isSuperuser', 'isActive', 'groups'],
  searchFields: ['username', 'firstName', 'lastName', 'email'],
  ordering: ['username'],
  fieldsets: [
    { fields: ['username', 'password'] },
    { title: 'Personal info', fields: ['firstName', 'lastName', 'email'] },
    { title: 'Permissions', fields: ['isActive', 'isStaff', 'isSuperuser', 'groups', 'userPermissions'] },
    { title: 'Important dates', fields: ['lastLogin', 'dateJoined'] },
  ],
  readonlyFields: [
    {
      name: 'password',
      label: 'Password',
      value: (user: Obj) => {
        const hash = String(user.password ?? '')
        const parts = hash.split('$')
        const summary = parts[0] === 'scrypt' && parts.length === 6 ? `algorithm: scrypt  N: ${parts[1]}  r: ${parts[2]}  p: ${parts[3]}  salt: ${parts[4]!.slice(0, 6)}******` : 'No password set.'
        return html`<span class="password-summary">${summary}</span><br><span class="help">Raw passwords are not stored, so there is no way to see this password, but you can change it using <a href="../password/">this form</a>.</span>`
      },
    },
    'lastLogin',
  ],
}

/** How the admin shows groups. */
export const GROUP_ADMIN: ModelAdminOptions<Obj> = { listDisplay: ['name'], searchFields: ['name'], ordering: ['name'] }

/** The form that creates a user: a username and the password twice (hashed before it is stored). */
export async function userAddView(ctx: RequestContext, ma: ModelAdmin): Promise<Response> {
  if (!ma.has('add', ctx)) throw new HttpError(403, 'You may not add users.')
  const errors: Record<string, string[]> = {}
  let username = ''
  if (ctx.request.method === 'POST') {
    const form = ctx.form!
    username = (form.get('username') ?? '').trim()
    const p1 = form.get('password1') ?? ''
    const p2 = form.get('password2') ?? ''
    const user = new AdminUser({ username, password: '' })
    try {
      await user.fullClean({ exclude: ['password', 'email', 'firstName', 'lastName', 'isActive', 'isStaff', 'isSuperuser', 'lastLogin', 'dateJoined'] })
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e
      errors.username = e.errors.username ?? Object.values(e.errors).flat()
    }
    if (p1 !== p2) errors.password2 = ['The two password fields didn’t match.']
    else {
      const problems = validatePassword(p1, { username })
      if (problems.length) errors.password2 = problems
    }
    if (Object.keys(errors).length === 0) {
      user.password = await makePassword(p1, ctx.site.config.hasher)
      await atomic(
        async () => {
          await user.save(ctx.site.config.using ? { using: ctx.site.config.using } : {})
          await logAction(ctx, ma.meta, user as unknown as Obj, ADDITION, [{ added: {} }])
        },
        { using: ctx.site.config.using },
      )
      ctx.message(`The user “${username}” was added successfully. You may edit it again below.`)
      return redirect(changeUrl(ctx, ma, user.pk))
    }
  }
  const content = html`<p>First, enter a username and password. Then, you’ll be able to edit more user options.</p>
<form method="post" action="${ctx.href(`/${ma.meta.app}/${ma.slug}/add/`)}" id="adminuser_form">${csrfInput(ctx)}
${Object.keys(errors).length ? html`<p class="errornote">Please correct the errors below.</p>` : ''}
<fieldset class="module aligned">
<div class="form-row${errors.username ? ' errors' : ''}"><label for="id_username" class="required">Username:</label><input type="text" name="username" id="id_username" value="${username}" maxlength="150" autocomplete="off" required>${
    errors.username ? html`<ul class="errorlist" id="id_username_errors">${errors.username.map((e) => html`<li>${e}</li>`)}</ul>` : ''
  }</div>
<div class="form-row"><label for="id_password1" class="required">Password:</label><input type="password" name="password1" id="id_password1" autocomplete="new-password" maxlength="4096" required></div>
<div class="form-row${errors.password2 ? ' errors' : ''}"><label for="id_password2" class="required">Password confirmation:</label><input type="password" name="password2" id="id_password2" autocomplete="new-password" maxlength="4096" required>${
    errors.password2 ? html`<ul class="errorlist" id="id_password2_errors">${errors.password2.map((e) => html`<li>${e}</li>`)}</ul>` : ''
  }</div>
</fieldset>
<div class="submit-row"><button type="submit" class="default" name="_save" value="1">Save</button></div>
</form>`
  return htmlResponse(
    page(ctx, {
      title: 'Add user',
      breadcrumbs: [['Home', ctx.href('/')], ['Auth', ctx.href(`/${ma.meta.app}/`)], ['Users', listUrl(ctx, ma)], ['Add user']],
      content,
      bodyClass: 'change-form model-adminuser',
    }),
  )
}

/** Sets another user's password (needs the change permission on users); sessions of that user end. */
export async function userPasswordView(ctx: RequestContext, ma: ModelAdmin, pkRaw: string): Promise<Response> {
  const found = await getObject(ctx, ma, pkRaw)
  if (!found) return missing(ctx, ma, pkRaw)
  const user = found as unknown as AdminUser
  if (!ma.has('change', ctx, found)) throw new HttpError(403, 'You may not change users.')
  const errors: Record<string, string[]> = {}
  if (ctx.request.method === 'POST') {
    const form = ctx.form!
    const p1 = form.get('new_password1') ?? ''
    const p2 = form.get('new_password2') ?? ''
    if (p1 !== p2) errors.new_password2 = ['The two password fields didn’t match.']
    else {
      const problems = validatePassword(p1, { username: user.username, email: user.email })
      if (problems.length) errors.new_password2 = problems
    }
    if (Object.keys(errors).length === 0) {
      const hash = await makePassword(p1, ctx.site.config.hasher)
      await atomic(
        async () => {
          await AdminUser.objects.using(ctx.site.config.using).filter({ pk: user.pk }).update({ password: hash })
          await logAction(ctx, ma.meta, found, CHANGE, [{ changed: { fields: ['Password'] } }])
        },
        { using: ctx.site.config.using },
      )
      if (ctx.session && String(ctx.user.pk) === String(user.pk)) {
        ctx.session.data.authHash = authHash(hash)
        ctx.session.modified = true
      }
      ctx.message('Password changed successfully.')
      return redirect(changeUrl(ctx, ma, user.pk))
    }
  }
  return htmlResponse(
    page(ctx, {
      title: `Change password: ${user.username}`,
      breadcrumbs: [['Home', ctx.href('/')], ['Auth', ctx.href(`/${ma.meta.app}/`)], ['Users', listUrl(ctx, ma)], [user.username, changeUrl(ctx, ma, user.pk)], ['Change password']],
      content: html`<p>Enter a new password for the user <strong>${user.username}</strong>.</p>${passwordForm(ctx, ctx.url.pathname, errors, false)}`,
      bodyClass: 'change-form',
    }),
  )
}

/** The admin models registered by default, with their options. */
export const AUTH_ADMINS = [
  [AdminUser, USER_ADMIN],
  [AdminGroup, GROUP_ADMIN],
] as const
