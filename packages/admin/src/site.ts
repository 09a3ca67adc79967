import { DatabaseError, FieldError, type ModelClassLike, type ModelMeta, ObjectDoesNotExist, TypeMismatchError } from '@strata/core'
import { serveAsset } from './assets.js'
import { AdminUser } from './auth-models.js'
import { CSRF_COOKIE, RequestContext, SESSION_COOKIE, type Site, type SiteConfig } from './context.js'
import { CSRF_FIELD, newCsrfSecret, originProblem, tokenMatches, validSecret } from './csrf.js'
import { DEFAULT_SCRYPT } from './hashers.js'
import { html } from './html.js'
import { HttpError, htmlResponse, parseCookies, readForm, redirect } from './http.js'
import { InlineAdmin } from './inlines.js'
import { errorPage } from './layout.js'
import { ModelAdmin, type Obj } from './model-admin.js'
import { makeNodeHandler, type NodeHandler, type NodeHandlerOptions } from './node.js'
import type { AdminOptions, ModelAdminOptions } from './options.js'
import { loadPermissions, syncPermissions } from './permissions.js'
import { authHash, loadSession, saveSession } from './sessions.js'
import { DEFAULT_THROTTLE } from './throttle.js'
import { changeformView, INLINES } from './views/changeform-view.js'
import { changelistAction } from './views/actions.js'
import { autocompleteView } from './views/autocomplete.js'
import { loginView, logoutView, passwordChangeView } from './views/auth-views.js'
import { changelistView } from './views/changelist-view.js'
import { appIndexView, indexView } from './views/index-view.js'
import { deleteView, historyView } from './views/object-views.js'
import { AUTH_ADMINS, userAddView, userPasswordView } from './views/user-views.js'

/** Raised by `register` for a model registered twice (Django's AlreadyRegistered). */
export class AlreadyRegistered extends FieldError {
  override readonly code: string = 'already_registered'
}

function normalizePrefix(prefix: string): string {
  if (typeof prefix !== 'string' || (prefix !== '' && !/^\/[A-Za-z0-9._~\-/]*$/.test(prefix)))
    throw new TypeMismatchError(`The admin prefix must be a path such as '/admin', got ${JSON.stringify(prefix)}`)
  return prefix.replace(/\/+$/, '')
}

/**
 * The admin site: register models, then mount `admin.fetch` (a standard Request → Response
 * handler) or `admin.nodeHandler({ prefix })` (Node `http`, Express, Connect).
 * @example
 * const admin = new Admin({ title: 'Blog admin' })
 * admin.register(Post, { listDisplay: ['title', 'author', 'pubDate'], searchFields: ['title'] })
 * createServer(admin.nodeHandler({ prefix: '/admin' })).listen(8000)
 */
export class Admin implements Site {
  #config: SiteConfig
  readonly #registry = new Map<ModelMeta, ModelAdmin>()
  #synced = new Set<ModelMeta>()
  #syncing: Promise<void> | null = null
  readonly onError: (error: unknown) => void

  constructor(options: AdminOptions & { onError?: (error: unknown) => void } = {}) {
    const throttle = options.loginThrottle === false ? null : { ...DEFAULT_THROTTLE, ...(options.loginThrottle ?? {}) }
    this.#config = {
      title: options.title ?? 'Strata administration',
      indexTitle: options.indexTitle ?? 'Site administration',
      siteUrl: options.siteUrl ?? null,
      prefix: normalizePrefix(options.prefix ?? '/admin'),
      using: options.using,
      emptyValueDisplay: options.emptyValueDisplay ?? '-',
      sessionAge: options.sessionAge ?? 14 * 86_400,
      secureCookies: options.secureCookies ?? 'auto',
      trustProxy: options.trustProxy === true,
      throttle,
      hasher: options.passwordHasher ?? DEFAULT_SCRYPT,
      autocompleteThreshold: options.autocompleteThreshold ?? 200,
      maxBodyBytes: options.maxBodyBytes ?? 2_621_440,
    }
    this.onError = options.onError ?? ((e) => console.error('[strata admin]', e))
    if (options.registerAuthModels !== false) for (const [cls, opts] of AUTH_ADMINS) this.register(cls as ModelClassLike, opts as ModelAdminOptions<object>)
  }

  /** The site's settings. */
  get config(): SiteConfig {
    return this.#config
  }

  /**
   * Registers a model with its options (checked now: an unknown field name is a `FieldError`).
   * @example admin.register(Post, { listDisplay: ['title', 'author'], listFilter: ['author'] })
   */
  register<C extends ModelClassLike>(model: C, options: ModelAdminOptions<InstanceType<C>> = {}): this {
    if (!model || typeof model !== 'function' || !(model as { meta?: unknown }).meta)
      throw new TypeMismatchError(`admin.register() takes a model class made with model(), got ${String(model)}`)
    const meta = model.meta
    if (meta.abstract) throw new FieldError(`admin.register(${meta.name}): abstract models cannot be registered`, { model: meta.name })
    if (this.#registry.has(meta)) throw new AlreadyRegistered(`The model ${meta.name} is already registered with this admin`, { model: meta.name })
    const ma = new ModelAdmin(model, options as unknown as ModelAdminOptions<Obj>)
    const inlines = (options.inlines ?? []).map((o) => new InlineAdmin(meta, o))
    const prefixes = new Set<string>()
    for (const i of inlines) {
      if (prefixes.has(i.prefix)) throw new FieldError(`admin.register(${meta.name}): two inlines use ${i.prefix}`, { model: meta.name })
      prefixes.add(i.prefix)
    }
    INLINES.set(ma, inlines)
    this.#registry.set(meta, ma)
    return this
  }

  /** Removes a model from the admin. */
  unregister(model: ModelClassLike): this {
    if (!this.#registry.delete(model.meta)) throw new FieldError(`The model ${model.meta.name} is not registered`, { model: model.meta.name })
    return this
  }

  /** Whether a model is registered. */
  isRegistered(model: ModelClassLike): boolean {
    return this.#registry.has(model.meta)
  }

  /** Registered models, in registration order. */
  registered(): readonly ModelAdmin[] {
    return [...this.#registry.values()]
  }

  /** The admin of a model, if registered. */
  adminFor(meta: ModelMeta): ModelAdmin | undefined {
    return this.#registry.get(meta)
  }

  /**
   * A Node `http` handler (also Express middleware: outside the prefix it calls `next`).
   * @example createServer(admin.nodeHandler({ prefix: '/admin' })).listen(8000)
   */
  nodeHandler(options: NodeHandlerOptions = {}): NodeHandler {
    if (options.prefix !== undefined) this.#config = { ...this.#config, prefix: normalizePrefix(options.prefix) }
    return makeNodeHandler(this, () => this.#config.prefix, this.#config.trustProxy)
  }

  /**
   * Creates the view/add/change/delete permission rows of every registered model (done by the
   * first request too).
   */
  async syncPermissions(): Promise<void> {
    const metas = new Set<ModelMeta>()
    for (const ma of this.#registry.values()) {
      metas.add(ma.meta)
      for (const i of INLINES.get(ma) ?? []) metas.add(i.meta)
    }
    const missing = [...metas].filter((m) => !this.#synced.has(m))
    if (missing.length === 0) return
    await syncPermissions(missing, this.#config.using)
    for (const m of missing) this.#synced.add(m)
  }

  async #ready(): Promise<void> {
    if ([...this.#registry.keys()].every((m) => this.#synced.has(m))) return
    this.#syncing ??= this.syncPermissions().finally(() => {
      this.#syncing = null
    })
    await this.#syncing
  }

  /**
   * Serves one request (a standard `Request`, as in Deno, Bun, Hono or a Service Worker) for a URL
   * under the prefix. `info.clientAddress` (the peer's IP) makes login throttling per address too.
   */
  async fetch(request: Request, info: { clientAddress?: string } = {}): Promise<Response> {
    let ctx: RequestContext | null = null
    try {
      const url = new URL(request.url)
      const prefix = this.#config.prefix
      // An empty path segment (`//evil.example`) never reaches a view, so no redirect can become protocol-relative.
      if ((url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) || url.pathname.includes('//'))
        return new Response('Not found', { status: 404 })
      if (url.pathname === prefix) return redirect(`${prefix}/`)
      const path = url.pathname.slice(prefix.length)
      const method = request.method
      if (method !== 'GET' && method !== 'HEAD' && method !== 'POST')
        return new Response('Method not allowed', { status: 405, headers: { allow: 'GET, HEAD, POST' } })
      if (path.startsWith('/static/')) return serveAsset(path.slice('/static/'.length), url, request)
      const cookies = parseCookies(request.headers.get('cookie'))
      const cookieSecret = cookies.get(CSRF_COOKIE)
      const secure = url.protocol === 'https:'
      ctx = new RequestContext(this, request, url, path, secure, info.clientAddress, validSecret(cookieSecret) ? cookieSecret : newCsrfSecret())
      if (!validSecret(cookieSecret)) ctx.cookie(CSRF_COOKIE, ctx.csrfSecret, 365 * 86_400)
      await this.#ready()
      await this.#authenticate(ctx, cookies.get(SESSION_COOKIE))
      if (method === 'POST') {
        ctx.form = await readForm(request, { maxBytes: this.#config.maxBodyBytes, maxFields: 1000 })
        const problem = originProblem(request.headers, url.origin, secure)
        if (problem || !validSecret(cookieSecret) || !tokenMatches(ctx.form.get(CSRF_FIELD), cookieSecret))
          throw new HttpError(403, `CSRF verification failed. Request aborted. ${problem ?? (validSecret(cookieSecret) ? 'The CSRF token is missing or incorrect.' : 'The CSRF cookie is not set.')}`)
      }
      const response = await this.#route(ctx, path, url)
      return await this.#finish(ctx, response)
    } catch (e) {
      return this.#failure(ctx, e)
    }
  }

  async #authenticate(ctx: RequestContext, token: string | undefined): Promise<void> {
    const using = this.#config.using
    const session = await loadSession(token, using)
    ctx.session = session
    if (!session || session.data.userId === undefined || session.data.userId === null) return
    let user: AdminUser | null = null
    try {
      user = await AdminUser.objects.using(using).filter({ pk: session.data.userId as number }).first()
    } catch (e) {
      if (!(e instanceof FieldError)) throw e
    }
    if (!user?.isActive || !user.isStaff || session.data.authHash !== authHash(user.password)) {
      ctx.session = null
      return
    }
    ctx.setUser(user, user.isSuperuser ? new Set() : await loadPermissions(user, using))
  }

  async #route(ctx: RequestContext, path: string, url: URL): Promise<Response> {
    if (path === '/login/') return loginView(ctx)
    if (!ctx.maybeUser) {
      const next = `${url.pathname}${url.search}`
      return redirect(`${this.#config.prefix}/login/?${new URLSearchParams({ next })}`)
    }
    if (!path.endsWith('/')) {
      if (ctx.request.method === 'POST') throw new HttpError(404, 'Page not found.')
      return redirect(`${url.pathname}/${url.search}`)
    }
    if (path === '/') return indexView(ctx)
    if (path === '/logout/') return logoutView(ctx)
    if (path === '/password_change/') return passwordChangeView(ctx)
    if (path === '/autocomplete/') return autocompleteView(ctx)
    const parts = path.slice(1, -1).split('/')
    if (parts.some((p) => p === '')) throw new HttpError(404, 'Page not found.')
    let segments: string[]
    try {
      segments = parts.map((p) => decodeURIComponent(p))
    } catch {
      throw new HttpError(404, 'Page not found.')
    }
    const [app, model, third, fourth, ...rest] = segments
    if (rest.length) throw new HttpError(404, 'Page not found.')
    if (segments.length === 1) return appIndexView(ctx, app!)
    const ma = this.registered().find((m) => m.meta.app === app && m.slug === model)
    if (!ma) throw new HttpError(404, `No model ${JSON.stringify(`${app}.${model}`)} is registered in this admin.`)
    const isUser = ma.meta === AdminUser.meta
    if (third === undefined) {
      if (!ma.has('view', ctx)) throw new HttpError(403, `You may not view ${ma.namePlural}.`)
      return ctx.request.method === 'POST' ? changelistAction(ctx, ma) : changelistView(ctx, ma)
    }
    if (third === 'add' && fourth === undefined) return isUser ? userAddView(ctx, ma) : changeformView(ctx, ma, null)
    if (fourth === undefined) return redirect(`${ctx.href(`/${app}/${model}/${encodeURIComponent(third)}/change/`)}`)
    if (fourth === 'change') return changeformView(ctx, ma, third)
    if (fourth === 'delete') return deleteView(ctx, ma, third)
    if (fourth === 'history') return historyView(ctx, ma, third)
    if (fourth === 'password' && isUser) return userPasswordView(ctx, ma, third)
    throw new HttpError(404, 'Page not found.')
  }

  async #finish(ctx: RequestContext, response: Response): Promise<Response> {
    if (ctx.session) await saveSession(ctx.session, this.#config.using)
    for (const c of ctx.setCookies) response.headers.append('set-cookie', c)
    return response
  }

  async #failure(ctx: RequestContext | null, e: unknown): Promise<Response> {
    let status = 500
    let message = 'A server error occurred. It has been logged; please try again later.'
    if (e instanceof HttpError) {
      status = e.status
      message = e.message
    } else if (e instanceof FieldError) {
      status = 400
      message = `Bad request: ${e.message}`
    } else if (e instanceof ObjectDoesNotExist) {
      status = 404
      message = 'Not found.'
    } else {
      if (e instanceof DatabaseError && /no such table|does(n't| not) exist/i.test(e.message))
        message = "The admin's tables are missing: add adminModels to connect({ models }) and create them (pushSchema or a migration)."
      this.onError(e)
    }
    const titles: Record<number, string> = { 400: 'Bad request', 403: 'Forbidden', 404: 'Page not found', 405: 'Method not allowed', 409: 'Conflict', 413: 'Request too large', 415: 'Unsupported media type', 429: 'Too many requests', 500: 'Server error' }
    const title = titles[status] ?? 'Error'
    if (!ctx) return htmlResponse(html`<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${message}</p></body></html>`, status)
    const response = htmlResponse(errorPage(ctx, title, message), status)
    try {
      return await this.#finish(ctx, response)
    } catch {
      return response
    }
  }
}
