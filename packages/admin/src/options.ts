import type { ModelClassLike, QuerySet } from '@strata/core'
import type { AdminUser } from './auth-models.js'
import type { SafeHtml } from './html.js'
import type { PermissionAction } from './permissions.js'

/**
 * A computed column of the change list (or a computed read-only field of the form). `value` may
 * return text, a number, a boolean, a Date, `null`, a `SafeHtml` made with `html` (shown as HTML),
 * or a promise of one of them; anything else is shown as escaped text.
 */
export interface DisplayColumn<M> {
  /** A unique name for the column (used in `listDisplayLinks` and CSS classes). */
  name: string
  /** The column header (default: the name, split into words). */
  label?: string
  /** Computes the cell for one object. */
  value(obj: M): unknown
  /** A field path to sort by when the header is clicked (the column is not sortable without it). */
  ordering?: string
  /** Show true/false/null as yes/no/unknown icons. */
  boolean?: boolean
  /** What an empty value shows (default the site's `emptyValueDisplay`). */
  emptyValue?: string
}

/** A `listDisplay` item: a field name, a relation path (`author__name`), `'__str__'`, or a computed column. */
export type ListDisplayItem<M> = string | DisplayColumn<M>

/** A filter written by hand (Django's SimpleListFilter): choices, and what each does to the query. */
export interface SimpleListFilter<M> {
  /** The heading shown above the choices. */
  title: string
  /** The query parameter (letters, digits and underscores, without `__`); it becomes allowed in URLs. */
  parameterName: string
  /** The choices as `[value, label]` pairs. */
  lookups(ctx: AdminContext): readonly (readonly [string, string])[] | Promise<readonly (readonly [string, string])[]>
  /** Filters the query for a chosen value (one of the `lookups` values; others are refused with a 400). */
  queryset(qs: QuerySet<M>, value: string): QuerySet<M>
}

/** A `listFilter` item: a field name or relation path (filter chosen by type), or a hand-written filter. */
export type ListFilterItem<M> = string | SimpleListFilter<M>

/** A group of fields on the change form. */
export interface Fieldset {
  /** The heading (none for the first, untitled group). */
  title?: string | null
  /** Field names; an inner array puts fields on one line. */
  fields: readonly (string | readonly string[])[]
  /** `collapse` folds the group (with a `<details>`), `wide` gives labels more room. */
  classes?: readonly string[]
  /** A paragraph shown under the heading. */
  description?: string
}

/** Objects edited on the parent's form through a foreign key to it (Django's inlines). */
export interface InlineOptions {
  /** The model with a foreign key to the registered model. */
  model: ModelClassLike
  /** The foreign key to use when the model has several to the parent. */
  fkName?: string
  /** Empty forms shown for new objects (default 3). */
  extra?: number
  /** Forms that must be filled (default 0). */
  minNum?: number
  /** Most objects the parent may have through this inline (default 1000). */
  maxNum?: number
  /** Whether existing objects get a delete checkbox (default true). */
  canDelete?: boolean
  /** The fields shown (default every editable field but the foreign key to the parent). */
  fields?: readonly string[]
  /** Fields shown but not editable. */
  readonlyFields?: readonly string[]
  /** `tabular` (a table row per object, the default) or `stacked` (a block per object). */
  style?: 'tabular' | 'stacked'
  /** Heading (default the model's plural name). */
  verboseNamePlural?: string
  /** A link from each row to the object's own change page (when its model is registered). */
  showChangeLink?: boolean
}

/** What hooks and actions are given: the user and a way to check permissions and leave messages. */
export interface AdminContext {
  /** The logged-in user. */
  readonly user: AdminUser
  /** Whether the user has a permission (`'blog.change_post'`); superusers have all. */
  hasPerm(perm: string): boolean
  /** Shows a message on the next page. */
  message(text: string, level?: 'success' | 'info' | 'warning' | 'error'): void
}

/** A bulk action on the selected objects of the change list. */
export interface AdminAction<M> {
  /** An identifier (letters, digits, underscores), sent by the form. */
  name: string
  /** The label in the action menu. */
  description: string
  /** Permissions (on this model) a user needs to see and run it (default `['change']`). */
  permissions?: readonly PermissionAction[]
  /** Runs on the selected objects; a returned string is shown as a success message. */
  run(queryset: QuerySet<M>, ctx: AdminContext): void | string | Promise<void | string>
}

/** Options of `admin.register(Model, options)`: Django's ModelAdmin attributes in TypeScript casing. */
export interface ModelAdminOptions<M> {
  /** Columns of the change list (default `['__str__']`). */
  listDisplay?: readonly ListDisplayItem<M>[]
  /** Columns that link to the change page (default the first column; `[]` for none). */
  listDisplayLinks?: readonly string[]
  /** Filters in the sidebar: booleans, choices, dates, foreign keys, other fields, or hand-written ones. */
  listFilter?: readonly ListFilterItem<M>[]
  /** Fields searched by `?q=`: `^name` starts with, `=name` exact (case-insensitive), plain contains. */
  searchFields?: readonly string[]
  /** A hint shown under the search box. */
  searchHelpText?: string
  /** Default order of the change list (default the model's `ordering`, then `-pk`). */
  ordering?: readonly string[]
  /** Columns that may be sorted (default every column that can be). */
  sortableBy?: readonly string[]
  /** A date or date-time field to drill down by year, month and day. */
  dateHierarchy?: string
  /** Rows per page (default 100). */
  listPerPage?: number
  /** "Show all" is offered up to this many rows (default 200). */
  listMaxShowAll?: number
  /** Show the unfiltered total next to a filtered count (default true). */
  showFullResultCount?: boolean
  /** Counting stops here on big tables: "more than N" (default 10000). */
  countLimit?: number
  /** Relations loaded with the list (`true`: every foreign key shown; default true). */
  listSelectRelated?: boolean | readonly string[]
  /** Fields on the form, in order (an inner array puts fields on one line). */
  fields?: readonly (string | readonly string[])[]
  /** Fields left off the form. */
  exclude?: readonly string[]
  /** Groups of fields on the form (instead of `fields`). */
  fieldsets?: readonly Fieldset[]
  /** Fields (or computed values) shown on the form but never written from it. */
  readonlyFields?: readonly (string | DisplayColumn<M>)[]
  /** Related objects edited on this model's form. */
  inlines?: readonly InlineOptions[]
  /** Bulk actions: `'delete_selected'` (the default list) and your own. */
  actions?: readonly ('delete_selected' | AdminAction<M>)[]
  /** Relations edited with a search-as-you-type box instead of a list of every object. */
  autocompleteFields?: readonly string[]
  /** What empty values show (default the site's). */
  emptyValueDisplay?: string
  /** Keep the list's filters when going to a form and back (default true). */
  preserveFilters?: boolean
  /** Narrows or annotates every query the admin makes for this model. */
  getQueryset?(qs: QuerySet<M>, ctx: AdminContext): QuerySet<M>
  /** Saves an object from the form (default `obj.save()`); runs inside the form's transaction. */
  saveModel?(obj: M, ctx: AdminContext & { change: boolean }): Promise<void>
  /** Deletes one object (default `obj.delete()`). */
  deleteModel?(obj: M, ctx: AdminContext): Promise<void>
  /** Overrides the view permission check (default: the `app.view_model` or `app.change_model` permission). */
  hasViewPermission?(ctx: AdminContext, obj?: M): boolean
  /** Overrides the add permission check. */
  hasAddPermission?(ctx: AdminContext): boolean
  /** Overrides the change permission check. */
  hasChangePermission?(ctx: AdminContext, obj?: M): boolean
  /** Overrides the delete permission check. */
  hasDeletePermission?(ctx: AdminContext, obj?: M): boolean
}

/** Options of `new Admin(options)`: the site. */
export interface AdminOptions {
  /** The `<title>` suffix and the header (default 'Strata administration'). */
  title?: string
  /** The heading of the index page (default 'Site administration'). */
  indexTitle?: string
  /** A "View site" link in the header (default none). */
  siteUrl?: string
  /** Where the admin is mounted (default '/admin'); `nodeHandler({ prefix })` may set it too. */
  prefix?: string
  /** The database alias every admin query uses (default: the router's choice, i.e. 'default'). */
  using?: string
  /** What empty values show (default '-'). */
  emptyValueDisplay?: string
  /** Session lifetime in seconds (default two weeks). */
  sessionAge?: number
  /** Cookie `Secure` flag: 'auto' (when the request is HTTPS, the default), or always/never. */
  secureCookies?: 'auto' | boolean
  /** Trust `X-Forwarded-Proto` and `X-Forwarded-For` from a proxy in front (default false). */
  trustProxy?: boolean
  /** Login throttling, or false to turn it off. */
  loginThrottle?: false | Partial<import('./throttle.js').ThrottlePolicy>
  /** scrypt cost for new password hashes (default N=2^14, r=8, p=5). */
  passwordHasher?: import('./hashers.js').ScryptParams
  /** Register the user and group admins (default true). */
  registerAuthModels?: boolean
  /** Relations whose target table has more rows than this get an autocomplete box (default 200). */
  autocompleteThreshold?: number
  /** Largest accepted form body in bytes (default 2.5 MB). */
  maxBodyBytes?: number
}

/** A helper to type a computed column or read-only field: `column<Post>({ name, value })`. */
export function column<M>(spec: DisplayColumn<M>): DisplayColumn<M> {
  return spec
}

/** A helper to type a bulk action: `action<Post>({ name, description, run })`. */
export function action<M>(spec: AdminAction<M>): AdminAction<M> {
  return spec
}

/** The type of a `SafeHtml` cell, re-exported for computed columns. */
export type CellHtml = SafeHtml
