import { AdminUser } from '../auth-models.js'
import { CSRF_COOKIE, type RequestContext, SESSION_COOKIE } from '../context.js'
import { newCsrfSecret } from '../csrf.js'
import { checkPassword, makePassword, needsRehash } from '../hashers.js'
import { html } from '../html.js'
import { htmlResponse, redirect } from '../http.js'
import { csrfInput, page } from '../layout.js'
import { validatePassword } from '../password-validation.js'
import { loadPermissions } from '../permissions.js'
import { authHash, clearExpiredSessions, createSession, deleteSession } from '../sessions.js'
import { clearFailures, clearStaleFailures, lockedUntil, recordFailure, throttleKeys } from '../throttle.js'

const LOGIN_ERROR = 'Please enter the correct username and password for a staff account. Note that both fields may be case-sensitive.'

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return true
  }
  return false
}

/**
 * Where to go after logging in: `next` when it is a path inside the admin on this origin,
 * otherwise the admin index (an open redirect to another site is never possible).
 */
export function safeNext(ctx: RequestContext, raw: string | null | undefined): string {
  const fallback = ctx.href('/')
  if (!raw || raw.length > 2000) return fallback
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\') || hasControl(raw)) return fallback
  let url: URL
  try {
    url = new URL(raw, ctx.url.origin)
  } catch {
    return fallback
  }
  const prefix = ctx.site.config.prefix
  if (url.origin !== ctx.url.origin) return fallback
  if (url.pathname !== `${prefix}/` && !url.pathname.startsWith(`${prefix}/`)) return fallback
  if (url.pathname.startsWith(`${prefix}/logout/`) || url.pathname.startsWith(`${prefix}/login/`)) return fallback
  return `${url.pathname}${url.search}`
}

function loginPage(ctx: RequestContext, next: string, username: string, error: string | null, status = 200): Response {
  const body = page(ctx, {
    title: 'Log in',
    heading: null,
    bodyClass: 'login',
    content: html`<div class="login-box">
<h1>${ctx.site.config.title}</h1>
${error ? html`<p class="errornote" role="alert">${error}</p>` : ''}
<form method="post" action="${ctx.href('/login/')}" id="login-form">
${csrfInput(ctx)}
<input type="hidden" name="next" value="${next}">
<div class="form-row"><label for="id_username">Username:</label><input type="text" name="username" id="id_username" value="${username}" maxlength="150" autocomplete="username" autocapitalize="none" required autofocus></div>
<div class="form-row"><label for="id_password">Password:</label><input type="password" name="password" id="id_password" autocomplete="current-password" maxlength="4096" required></div>
<div class="submit-row"><button type="submit" class="default">Log in</button></div>
</form></div>`,
  })
  return htmlResponse(body, status)
}

/** GET shows the login form; POST checks the password (throttled) and starts a fresh session. */
export async function loginView(ctx: RequestContext): Promise<Response> {
  const cfg = ctx.site.config
  if (ctx.request.method !== 'POST') {
    const next = safeNext(ctx, ctx.url.searchParams.get('next'))
    if (ctx.maybeUser) return redirect(next)
    return loginPage(ctx, next, '', null)
  }
  const form = ctx.form!
  const next = safeNext(ctx, form.get('next'))
  const username = (form.get('username') ?? '').slice(0, 150)
  const password = form.get('password') ?? ''
  const keys = throttleKeys(username, ctx.clientAddress)
  if (cfg.throttle) {
    const until = await lockedUntil(
      keys.map((k) => k.key),
      cfg.using,
    )
    if (until) {
      const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000))
      return loginPage(ctx, next, username, `Too many failed login attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, 429)
    }
  }
  const user = username && password.length <= 4096 ? await AdminUser.objects.using(cfg.using).filter({ username }).first() : null
  const match = await checkPassword(password.slice(0, 4096), user?.password)
  if (!user || !match || !user.isActive || !user.isStaff) {
    if (cfg.throttle) await recordFailure(keys, cfg.throttle, cfg.using)
    return loginPage(ctx, next, username, LOGIN_ERROR)
  }
  if (cfg.throttle) await clearFailures([keys[0]!.key], cfg.using)
  const now = new Date()
  const changes: { lastLogin: Date; password?: string } = { lastLogin: now }
  if (needsRehash(user.password, cfg.hasher)) changes.password = await makePassword(password, cfg.hasher)
  await AdminUser.objects.using(cfg.using).filter({ pk: user.pk }).update(changes)
  if (changes.password) user.password = changes.password
  if (ctx.session) await deleteSession(ctx.session.token, cfg.using)
  if (Math.random() < 0.05) {
    await clearExpiredSessions(cfg.using)
    if (cfg.throttle) await clearStaleFailures(cfg.throttle, cfg.using)
  }
  const session = await createSession({ userId: user.pk, authHash: authHash(user.password) }, cfg.sessionAge, cfg.using)
  ctx.session = session
  ctx.setUser(user, await loadPermissions(user, cfg.using))
  ctx.cookie(SESSION_COOKIE, session.token, cfg.sessionAge)
  ctx.csrfSecret = newCsrfSecret()
  ctx.cookie(CSRF_COOKIE, ctx.csrfSecret, 365 * 86_400)
  return redirect(next)
}

/** GET asks to confirm; POST ends the session and shows a "logged out" page. */
export async function logoutView(ctx: RequestContext): Promise<Response> {
  if (ctx.request.method !== 'POST') {
    return htmlResponse(
      page(ctx, {
        title: 'Log out',
        breadcrumbs: [['Home', ctx.href('/')], ['Log out']],
        content: html`<form method="post" action="${ctx.href('/logout/')}">${csrfInput(ctx)}<p>Log out of ${ctx.site.config.title}?</p><div class="submit-row"><button type="submit" class="default">Log out</button></div></form>`,
      }),
    )
  }
  if (ctx.session) await deleteSession(ctx.session.token, ctx.site.config.using)
  ctx.session = null
  ctx.setUser(null)
  ctx.cookie(SESSION_COOKIE, '', 0)
  return htmlResponse(
    page(ctx, {
      title: 'Logged out',
      content: html`<p>Thanks for spending some quality time with the site today.</p><p><a href="${ctx.href('/login/')}">Log in again</a></p>`,
    }),
  )
}

/** The change-password form of the logged-in user (old password, new password twice). */
export async function passwordChangeView(ctx: RequestContext): Promise<Response> {
  const cfg = ctx.site.config
  const errors: Record<string, string[]> = {}
  if (ctx.request.method === 'POST') {
    const form = ctx.form!
    const old = form.get('old_password') ?? ''
    const p1 = form.get('new_password1') ?? ''
    const p2 = form.get('new_password2') ?? ''
    if (!(await checkPassword(old.slice(0, 4096), ctx.user.password))) errors.old_password = ['Your old password was entered incorrectly. Please enter it again.']
    if (p1 !== p2) errors.new_password2 = ['The two password fields didn’t match.']
    else {
      const problems = validatePassword(p1, { username: ctx.user.username, email: ctx.user.email })
      if (problems.length) errors.new_password2 = problems
    }
    if (Object.keys(errors).length === 0) {
      const hash = await makePassword(p1, cfg.hasher)
      await AdminUser.objects.using(cfg.using).filter({ pk: ctx.user.pk }).update({ password: hash })
      if (ctx.session) {
        ctx.session.data.authHash = authHash(hash)
        ctx.session.modified = true
      }
      ctx.message('Your password was changed.')
      return redirect(ctx.href('/'))
    }
  }
  return htmlResponse(
    page(ctx, {
      title: 'Password change',
      breadcrumbs: [['Home', ctx.href('/')], ['Password change']],
      content: passwordForm(ctx, ctx.href('/password_change/'), errors, true),
    }),
  )
}

/** The password form (with the old password when `withOld`), errors under each input. */
export function passwordForm(ctx: RequestContext, action: string, errors: Record<string, string[]>, withOld: boolean): ReturnType<typeof html> {
  const row = (name: string, label: string, autocomplete: string) =>
    html`<div class="form-row${errors[name] ? ' errors' : ''}"><label for="id_${name}" class="required">${label}:</label><input type="password" name="${name}" id="id_${name}" autocomplete="${autocomplete}" maxlength="4096" required>${
      errors[name] ? html`<ul class="errorlist" id="id_${name}_errors">${errors[name]!.map((e) => html`<li>${e}</li>`)}</ul>` : ''
    }</div>`
  return html`<form method="post" action="${action}">${csrfInput(ctx)}
${Object.keys(errors).length ? html`<p class="errornote">Please correct the errors below.</p>` : ''}
<fieldset class="module">
${withOld ? row('old_password', 'Old password', 'current-password') : ''}
${row('new_password1', 'New password', 'new-password')}
<p class="help">At least 8 characters, not entirely numeric, not a common password, not close to the username.</p>
${row('new_password2', 'New password confirmation', 'new-password')}
</fieldset>
<div class="submit-row"><button type="submit" class="default">Change my password</button></div>
</form>`
}
