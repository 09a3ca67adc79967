import {
  type Field,
  FieldError,
  ForeignKey,
  ManyToManyField,
  type Manager,
  type ModelBase,
  type ModelClassLike,
  type ModelMeta,
  NotSupportedError,
  type QuerySet,
  TEXT_KINDS,
  TypeMismatchError,
} from '@strata/core'
import type { AdminAction, AdminContext, DisplayColumn, Fieldset, ListFilterItem, ModelAdminOptions } from './options.js'
import { type AdminPath, capfirst, fieldLabel, humanize, resolvePath } from './paths.js'
import { type PermissionAction, permissionName } from './permissions.js'

/** A model instance as the admin handles it: any model, fields read by name. */
export type Obj = ModelBase & Record<string, unknown>

/** A column of the change list, checked and normalised. */
export interface ListColumn {
  /** The name used in `listDisplayLinks` and CSS. */
  readonly key: string
  readonly label: string
  readonly kind: 'str' | 'path' | 'custom'
  readonly path: AdminPath | null
  readonly custom: DisplayColumn<Obj> | null
  /** What `orderBy` gets when sorting by this column, or null when it cannot be sorted. */
  readonly sortField: string | null
  readonly boolean: boolean
}

/** A search field: the path and the lookup its prefix asks for. */
export interface SearchField {
  readonly path: AdminPath
  readonly lookup: 'icontains' | 'istartswith' | 'iexact' | 'search' | 'exact'
}

/** One line of a fieldset: field names shown side by side. */
export type FieldLine = readonly string[]

/** A fieldset with its lines. */
export interface NormalizedFieldset {
  readonly title: string | null
  readonly lines: readonly FieldLine[]
  readonly classes: readonly string[]
  readonly description: string | null
}

/** Fields the generated form can edit: concrete and editable (auto keys, auto dates, bytes and `editable: false` excluded). */
export function isFormEditable(field: Field): boolean {
  if (field.options.editable === false) return false
  if (field.kind === 'auto' || field.kind === 'bigAuto' || field.kind === 'binary') return false
  const dt = field.options as { autoNow?: boolean; autoNowAdd?: boolean }
  if (dt.autoNow || dt.autoNowAdd) return false
  if (field instanceof ManyToManyField) return !field.customThrough
  return field.concrete
}

/** The default manager of a model, loosely typed for the admin's generic code. */
export function managerOf(meta: ModelMeta): Manager<Obj> {
  return (meta.cls as unknown as { objects: Manager<Obj> }).objects
}

function checkNames(meta: ModelMeta, option: string, value: unknown): asserts value is readonly unknown[] {
  if (value !== undefined && !Array.isArray(value))
    throw new TypeMismatchError(`admin.register(${meta.name}): ${option} must be an array`, { model: meta.name })
}

/** A registered model with its options, checked at registration (Django's admin checks). */
export class ModelAdmin {
  readonly meta: ModelMeta
  readonly cls: ModelClassLike
  readonly options: ModelAdminOptions<Obj>
  readonly columns: readonly ListColumn[]
  readonly links: ReadonlySet<string>
  readonly filters: readonly ListFilterItem<Obj>[]
  readonly search: readonly SearchField[]
  readonly ordering: readonly string[]
  readonly dateHierarchy: AdminPath | null
  readonly fieldsets: readonly NormalizedFieldset[]
  readonly readonly: ReadonlyMap<string, DisplayColumn<Obj> | Field>
  readonly actions: ReadonlyMap<string, AdminAction<Obj>>
  readonly autocomplete: ReadonlySet<string>
  readonly listPerPage: number
  readonly listMaxShowAll: number
  readonly countLimit: number

  constructor(cls: ModelClassLike, options: ModelAdminOptions<Obj>) {
    const meta = cls.meta
    this.meta = meta
    this.cls = cls
    this.options = options
    meta.resolve()
    for (const name of ['listDisplay', 'listDisplayLinks', 'listFilter', 'searchFields', 'ordering', 'fields', 'exclude', 'fieldsets', 'readonlyFields', 'inlines', 'actions', 'autocompleteFields', 'sortableBy'] as const)
      checkNames(meta, name, options[name])
    this.readonly = this.#readonly()
    this.columns = this.#columns()
    const keys = new Set(this.columns.map((c) => c.key))
    for (const l of options.listDisplayLinks ?? [])
      if (!keys.has(l)) throw new FieldError(`admin.register(${meta.name}): listDisplayLinks names ${JSON.stringify(l)}, which is not in listDisplay`, { model: meta.name })
    this.links = new Set(options.listDisplayLinks ?? [this.columns[0]!.key])
    this.filters = this.#filters()
    this.search = (options.searchFields ?? []).map((s) => this.#searchField(s))
    this.ordering = this.#ordering()
    this.dateHierarchy = this.#dateHierarchy()
    this.fieldsets = this.#fieldsets()
    this.actions = this.#actions()
    this.autocomplete = new Set(options.autocompleteFields ?? [])
    for (const name of this.autocomplete) {
      const f = meta.field(name)
      if (!f || !(f instanceof ForeignKey || f instanceof ManyToManyField))
        throw new FieldError(`admin.register(${meta.name}): autocompleteFields: ${JSON.stringify(name)} is not a foreign key or many-to-many field`, { model: meta.name, field: name })
    }
    this.listPerPage = positive(meta, 'listPerPage', options.listPerPage, 100)
    this.listMaxShowAll = positive(meta, 'listMaxShowAll', options.listMaxShowAll, 200)
    this.countLimit = positive(meta, 'countLimit', options.countLimit, 10_000)
  }

  /** `posts` as shown in headings. */
  get namePlural(): string {
    return this.meta.verboseNamePlural
  }

  /** The URL segment of the model: its lowercased name. */
  get slug(): string {
    return this.meta.name.toLowerCase()
  }

  /** The base QuerySet of every page (the `getQueryset` hook applied). */
  queryset(ctx: AdminContext, using: string | undefined): QuerySet<Obj> {
    const qs = managerOf(this.meta).using(using).all()
    return this.options.getQueryset ? this.options.getQueryset(qs, ctx) : qs
  }

  /** Whether the user may do `action` (on `obj`, when given); hooks override the permission rows. */
  has(action: PermissionAction, ctx: AdminContext, obj?: Obj): boolean {
    const o = this.options
    const hook = { view: o.hasViewPermission, add: o.hasAddPermission, change: o.hasChangePermission, delete: o.hasDeletePermission }[action]
    if (hook) return action === 'add' ? (hook as (c: AdminContext) => boolean)(ctx) : hook(ctx, obj)
    if (action === 'view') return ctx.hasPerm(permissionName('view', this.meta)) || this.has('change', ctx, obj)
    return ctx.hasPerm(permissionName(action, this.meta))
  }

  /** Whether the model shows on the index at all (any of the four permissions). */
  hasModule(ctx: AdminContext): boolean {
    return this.has('view', ctx) || this.has('add', ctx) || this.has('delete', ctx)
  }

  #readonly(): Map<string, DisplayColumn<Obj> | Field> {
    const out = new Map<string, DisplayColumn<Obj> | Field>()
    for (const item of this.options.readonlyFields ?? []) {
      if (typeof item === 'string') out.set(item, this.meta.getField(item))
      else if (item && typeof item === 'object' && typeof item.value === 'function' && typeof item.name === 'string') out.set(item.name, item)
      else throw new TypeMismatchError(`admin.register(${this.meta.name}): readonlyFields takes field names or { name, value } columns`, { model: this.meta.name })
    }
    return out
  }

  #columns(): ListColumn[] {
    const items = this.options.listDisplay ?? ['__str__']
    if (items.length === 0) throw new FieldError(`admin.register(${this.meta.name}): listDisplay cannot be empty`, { model: this.meta.name })
    const sortable = this.options.sortableBy ? new Set(this.options.sortableBy) : null
    const cols = items.map((item, i): ListColumn => {
      if (item === '__str__') return { key: '__str__', label: capfirst(this.meta.verboseName), kind: 'str', path: null, custom: null, sortField: null, boolean: false }
      if (typeof item === 'string') {
        const path = resolvePath(this.meta, item, 'listDisplay item')
        if (path.multiValued || path.field instanceof ManyToManyField || !path.field)
          throw new FieldError(`admin.register(${this.meta.name}): listDisplay ${JSON.stringify(item)} reaches many objects (a many-to-many or reverse relation); use a computed column`, { model: this.meta.name, field: item })
        const label = item.includes('__') ? humanize(item) : fieldLabel(path.field)
        return { key: item, label: capfirst(label), kind: 'path', path, custom: null, sortField: item, boolean: path.field.kind === 'boolean' }
      }
      if (item && typeof item === 'object' && typeof item.value === 'function' && typeof item.name === 'string') {
        if (item.ordering !== undefined) resolvePath(this.meta, item.ordering.replace(/^-/, ''), 'ordering of a computed column')
        return { key: item.name, label: capfirst(item.label ?? humanize(item.name)), kind: 'custom', path: null, custom: item, sortField: item.ordering ?? null, boolean: item.boolean === true }
      }
      throw new TypeMismatchError(`admin.register(${this.meta.name}): listDisplay[${i}] must be a field path or { name, value }`, { model: this.meta.name })
    })
    const seen = new Set<string>()
    for (const c of cols) {
      if (seen.has(c.key)) throw new FieldError(`admin.register(${this.meta.name}): listDisplay has ${JSON.stringify(c.key)} twice`, { model: this.meta.name })
      seen.add(c.key)
    }
    return cols.map((c) => (sortable && !sortable.has(c.key) ? { ...c, sortField: null } : c))
  }

  #filters(): ListFilterItem<Obj>[] {
    const out: ListFilterItem<Obj>[] = []
    const params = new Set<string>()
    for (const item of this.options.listFilter ?? []) {
      if (typeof item === 'string') {
        const p = resolvePath(this.meta, item, 'listFilter item')
        if (!p.field && !p.target) throw new FieldError(`admin.register(${this.meta.name}): listFilter ${JSON.stringify(item)} is not a field`, { model: this.meta.name })
        out.push(item)
        continue
      }
      if (!item || typeof item !== 'object' || typeof item.lookups !== 'function' || typeof item.queryset !== 'function' || typeof item.title !== 'string')
        throw new TypeMismatchError(`admin.register(${this.meta.name}): listFilter takes field paths or { title, parameterName, lookups, queryset }`, { model: this.meta.name })
      if (!/^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*$/.test(item.parameterName) || item.parameterName.includes('__') || ['q', 'o', 'p', 'all', 'e'].includes(item.parameterName))
        throw new FieldError(`admin.register(${this.meta.name}): listFilter parameterName ${JSON.stringify(item.parameterName)} must be a plain identifier (no "__", not q/o/p/all/e)`, { model: this.meta.name })
      if (params.has(item.parameterName)) throw new FieldError(`admin.register(${this.meta.name}): two filters use parameter ${item.parameterName}`, { model: this.meta.name })
      params.add(item.parameterName)
      out.push(item)
    }
    return out
  }

  #searchField(spec: string): SearchField {
    if (typeof spec !== 'string') throw new TypeMismatchError(`admin.register(${this.meta.name}): searchFields takes strings`, { model: this.meta.name })
    const prefix = spec[0]
    const name = prefix === '^' || prefix === '=' || prefix === '@' ? spec.slice(1) : spec
    const path = resolvePath(this.meta, name, 'searchFields item')
    if (!path.field || path.field.isRelation) throw new FieldError(`admin.register(${this.meta.name}): searchFields ${JSON.stringify(spec)} must end at a field with values (write ${name}__<field>)`, { model: this.meta.name, field: name })
    const text = TEXT_KINDS.has(path.field.kind)
    if (prefix === '@') {
      try {
        managerOf(this.meta).filter({ [`${name}__search`]: 'x' } as never)
      } catch (e) {
        throw new NotSupportedError(
          `admin.register(${this.meta.name}): searchFields ${JSON.stringify(spec)}: '@' (full-text search) needs a 'search' lookup on ${path.field.describe()}, and none is registered for this dialect; register one with registerLookup(), or use '^${name}', '=${name}' or '${name}'`,
          { model: this.meta.name, field: name, cause: e },
        )
      }
      return { path, lookup: 'search' }
    }
    if (prefix === '=') return { path, lookup: text ? 'iexact' : 'exact' }
    if (!text)
      throw new FieldError(`admin.register(${this.meta.name}): searchFields ${JSON.stringify(spec)}: ${path.field.describe()} is not text, so only an exact search works; write '=${name}'`, { model: this.meta.name, field: name })
    return { path, lookup: prefix === '^' ? 'istartswith' : 'icontains' }
  }

  #ordering(): string[] {
    const ordering = this.options.ordering ?? this.meta.ordering
    for (const o of ordering) {
      if (typeof o !== 'string') throw new TypeMismatchError(`admin.register(${this.meta.name}): ordering takes field names`, { model: this.meta.name })
      if (o !== '?') resolvePath(this.meta, o.replace(/^-/, ''), 'ordering item')
    }
    return [...ordering]
  }

  #dateHierarchy(): AdminPath | null {
    const name = this.options.dateHierarchy
    if (name === undefined) return null
    const p = resolvePath(this.meta, name, 'dateHierarchy')
    if (!p.field || (p.field.kind !== 'date' && p.field.kind !== 'dateTime'))
      throw new FieldError(`admin.register(${this.meta.name}): dateHierarchy ${JSON.stringify(name)} must be a date or date-time field`, { model: this.meta.name, field: name })
    return p
  }

  #fieldsets(): NormalizedFieldset[] {
    const o = this.options
    const exclude = new Set(o.exclude ?? [])
    let sets: NormalizedFieldset[]
    if (o.fieldsets) {
      sets = o.fieldsets.map((fs: Fieldset) => ({
        title: fs.title ?? null,
        lines: fs.fields.map((l) => (Array.isArray(l) ? [...l] : [l as string])),
        classes: [...(fs.classes ?? [])],
        description: fs.description ?? null,
      }))
    } else if (o.fields) {
      sets = [{ title: null, lines: o.fields.map((l) => (Array.isArray(l) ? [...l] : [l as string])), classes: [], description: null }]
    } else {
      const names = this.meta.fields.filter((f) => isFormEditable(f) && !exclude.has(f.name)).map((f) => f.name)
      for (const r of this.readonly.keys()) if (!names.includes(r)) names.push(r)
      sets = [{ title: null, lines: names.map((n) => [n]), classes: [], description: null }]
    }
    const seen = new Set<string>()
    for (const fs of sets) {
      for (const line of fs.lines) {
        for (const name of line) {
          if (typeof name !== 'string') throw new TypeMismatchError(`admin.register(${this.meta.name}): form fields must be names`, { model: this.meta.name })
          if (seen.has(name)) throw new FieldError(`admin.register(${this.meta.name}): ${JSON.stringify(name)} appears twice on the form`, { model: this.meta.name, field: name })
          seen.add(name)
          if (this.readonly.has(name)) continue
          const f = this.meta.field(name)
          if (!f || f.name !== name) throw new FieldError(`admin.register(${this.meta.name}): the form names ${JSON.stringify(name)}, which is neither a field of ${this.meta.name} nor in readonlyFields`, { model: this.meta.name, field: name })
          if (!isFormEditable(f))
            throw new FieldError(`admin.register(${this.meta.name}): ${JSON.stringify(name)} cannot be on the form because it is not editable (add it to readonlyFields)`, { model: this.meta.name, field: name })
        }
      }
    }
    return sets
  }

  #actions(): Map<string, AdminAction<Obj>> {
    const out = new Map<string, AdminAction<Obj>>()
    for (const a of this.options.actions ?? ['delete_selected']) {
      if (a === 'delete_selected') {
        out.set('delete_selected', { name: 'delete_selected', description: `Delete selected ${this.meta.verboseNamePlural}`, permissions: ['delete'], run: () => undefined })
        continue
      }
      if (!a || typeof a !== 'object' || typeof a.run !== 'function' || typeof a.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(a.name))
        throw new TypeMismatchError(`admin.register(${this.meta.name}): actions takes 'delete_selected' or { name, description, run } with an identifier name`, { model: this.meta.name })
      if (out.has(a.name)) throw new FieldError(`admin.register(${this.meta.name}): two actions are named ${a.name}`, { model: this.meta.name })
      out.set(a.name, a)
    }
    return out
  }

  /** The field names on the form that are written from it (not read-only). */
  editableNames(): string[] {
    return this.fieldsets.flatMap((fs) => fs.lines.flat()).filter((n) => !this.readonly.has(n))
  }
}

function positive(meta: ModelMeta, name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) throw new TypeMismatchError(`admin.register(${meta.name}): ${name} must be a positive integer`, { model: meta.name })
  return value
}
