import type { ModelMeta } from '@strata/core'
import type { AdminUser } from './auth-models.js'
import { maskSecret } from './csrf.js'
import type { ScryptParams } from './hashers.js'
import { serializeCookie } from './http.js'
import type { ModelAdmin } from './model-admin.js'
import type { AdminContext } from './options.js'
import { userHasPerm } from './permissions.js'
import type { FlashMessage, Session } from './sessions.js'
import type { ThrottlePolicy } from './throttle.js'

/** The site's options with defaults filled in. */
export interface SiteConfig {
  readonly title: string
  readonly indexTitle: string
  readonly siteUrl: string | null
  readonly prefix: string
  readonly using: string | undefined
  readonly emptyValueDisplay: string
  readonly sessionAge: number
  readonly secureCookies: 'auto' | boolean
  readonly trustProxy: boolean
  readonly throttle: ThrottlePolicy | null
  readonly hasher: ScryptParams
  readonly autocompleteThreshold: number
  readonly maxBodyBytes: number
}

/** What views need from the site. */
export interface Site {
  readonly config: SiteConfig
  /** Registered models in registration order. */
  registered(): readonly ModelAdmin[]
  /** The admin of a model, if registered. */
  adminFor(meta: ModelMeta): ModelAdmin | undefined
}

/** The session cookie's name. */
export const SESSION_COOKIE = 'strata_admin_session'
/** The CSRF cookie's name. */
export const CSRF_COOKIE = 'strata_admin_csrf'

/** Everything about one request: who asks, their session, permissions, CSRF token and pending cookies. */
export class RequestContext implements AdminContext {
  readonly site: Site
  readonly request: Request
  readonly url: URL
  /** The path below the prefix, starting with '/'. */
  readonly path: string
  readonly secure: boolean
  readonly clientAddress: string | undefined
  session: Session | null = null
  #user: AdminUser | null = null
  perms: ReadonlySet<string> = new Set()
  csrfSecret: string
  readonly setCookies: string[] = []
  form: URLSearchParams | null = null

  constructor(site: Site, request: Request, url: URL, path: string, secure: boolean, clientAddress: string | undefined, csrfSecret: string) {
    this.site = site
    this.request = request
    this.url = url
    this.path = path
    this.secure = secure
    this.clientAddress = clientAddress
    this.csrfSecret = csrfSecret
  }

  /** The logged-in user; views behind the login check may rely on it. */
  get user(): AdminUser {
    if (!this.#user) throw new Error('No user is logged in')
    return this.#user
  }

  /** The logged-in user or null. */
  get maybeUser(): AdminUser | null {
    return this.#user
  }

  /** Sets the logged-in user (after loading the session or a login). */
  setUser(user: AdminUser | null, perms: ReadonlySet<string> = new Set()): void {
    this.#user = user
    this.perms = perms
  }

  /** Whether the user has `perm` (`'blog.change_post'`). */
  hasPerm(perm: string): boolean {
    return userHasPerm(this.#user, this.perms, perm)
  }

  /** Queues a message for the next page (needs a session). */
  message(text: string, level: FlashMessage['level'] = 'success'): void {
    if (!this.session) return
    this.session.data.messages = [...(this.session.data.messages ?? []), { level, text: String(text) }]
    this.session.modified = true
  }

  /** Takes the queued messages (they show once). */
  takeMessages(): FlashMessage[] {
    const list = this.session?.data.messages ?? []
    if (this.session && list.length) {
      delete this.session.data.messages
      this.session.modified = true
    }
    return list
  }

  /** A fresh masked CSRF token for a form. */
  csrfToken(): string {
    return maskSecret(this.csrfSecret)
  }

  /** An absolute path inside the admin: `href('/blog/post/')`. */
  href(path: string): string {
    return `${this.site.config.prefix}${path}`
  }

  /** Queues a cookie on the response. */
  cookie(name: string, value: string, maxAge?: number): void {
    const secure = this.site.config.secureCookies === 'auto' ? this.secure : this.site.config.secureCookies
    this.setCookies.push(serializeCookie(name, value, { path: this.site.config.prefix || '/', secure, ...(maxAge === undefined ? {} : { maxAge }) }))
  }
}
