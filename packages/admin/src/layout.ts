import { ASSETS } from './assets.js'
import type { RequestContext } from './context.js'
import { CSRF_FIELD } from './csrf.js'
import { html, type SafeHtml } from './html.js'

/** A breadcrumb: a label and, except for the last, a link. */
export type Crumb = readonly [label: string, href?: string]

/** What a page shows. */
export interface PageSpec {
  /** The `<title>` and, unless `heading` is null, the `<h1>`. */
  title: string
  heading?: string | null
  breadcrumbs?: readonly Crumb[]
  content: SafeHtml
  /** A sidebar (filters, recent actions). */
  sidebar?: SafeHtml | null
  /** A CSS class on `<body>` (`change-list`, `change-form`, `login`...). */
  bodyClass?: string
}

/** The hidden CSRF input every POST form carries. */
export function csrfInput(ctx: RequestContext): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${ctx.csrfToken()}">`
}

/** Renders a whole page around `spec.content`: header with user tools, breadcrumbs, messages. */
export function page(ctx: RequestContext, spec: PageSpec): SafeHtml {
  const cfg = ctx.site.config
  const user = ctx.maybeUser
  const messages = user ? ctx.takeMessages() : []
  const tools = user
    ? html`<div id="user-tools">Welcome, <strong>${user.firstName || user.username}</strong>.
        ${cfg.siteUrl ? html`<a href="${cfg.siteUrl}">View site</a> /` : ''}
        <a href="${ctx.href('/password_change/')}">Change password</a> /
        <form method="post" action="${ctx.href('/logout/')}" class="inline-form">${csrfInput(ctx)}<button type="submit" class="link-button">Log out</button></form>
      </div>`
    : ''
  const crumbs = spec.breadcrumbs?.length
    ? html`<nav class="breadcrumbs" aria-label="Breadcrumbs">${spec.breadcrumbs.map(([label, href], i) =>
        html`${i ? html` › ` : ''}${href ? html`<a href="${href}">${label}</a>` : html`<span aria-current="page">${label}</span>`}`,
      )}</nav>`
    : ''
  const heading = spec.heading === null ? '' : html`<h1>${spec.heading ?? spec.title}</h1>`
  return html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${spec.title} | ${cfg.title}</title>
<link rel="stylesheet" href="${ctx.href(`/static/admin.css?v=${ASSETS['admin.css']!.hash}`)}">
<script src="${ctx.href(`/static/admin.js?v=${ASSETS['admin.js']!.hash}`)}" defer></script>
</head>
<body class="${spec.bodyClass ?? ''}">
<header id="header"><div class="branding"><a href="${ctx.href('/')}">${cfg.title}</a></div>${tools}</header>
${crumbs}
${messages.length ? html`<ul class="messagelist">${messages.map((m) => html`<li class="${m.level}">${m.text}</li>`)}</ul>` : ''}
<div id="container" class="${spec.sidebar ? 'with-sidebar' : ''}">
<main id="content">${heading}${spec.content}</main>
${spec.sidebar ? html`<aside id="sidebar">${spec.sidebar}</aside>` : ''}
</div>
<footer id="footer"></footer>
</body>
</html>`
}

/** A page that only says something went wrong (400, 403, 404...), with a way back. */
export function errorPage(ctx: RequestContext, title: string, message: string): SafeHtml {
  return page(ctx, {
    title,
    breadcrumbs: [['Home', ctx.href('/')], [title]],
    content: html`<p class="errornote">${message}</p><p><a href="${ctx.href('/')}">Back to the admin home</a></p>`,
    bodyClass: 'error-page',
  })
}
