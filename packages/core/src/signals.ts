import { TypeMismatchError } from './errors.js'
import type { ModelClassLike, ModelMeta } from './meta.js'

// Model signals (Django's django/db/models/signals.py): receivers run in the order they were
// connected, each awaited before the next, and a receiver's error propagates to the code that
// sent the signal (Django's `send`, not `send_robust`). Sending is skipped before building any
// arguments when no receiver is connected, so an unused signal costs one array-length check.
//
// Not sent by QuerySet `update()`, `bulkCreate()`, `bulkUpdate()`, a reverse foreign-key
// manager's bulk `add()`/`remove()`/`clear()` (one UPDATE), nor by a delete that takes the
// fast path (which it only does when no delete receiver is connected for the models involved).

/** A function called with a signal's arguments; may be async (awaited before the next receiver). */
export type Receiver<A> = (args: A) => void | Promise<void>

/** Options of `connect()`: `sender` restricts the receiver to one model. */
export interface ConnectOptions<S> {
  /** Only signals sent for this model class (the join model for `m2mChanged`). */
  sender?: S
}

/** The instance type of a model class. */
type InstanceOf<C> = C extends abstract new (...args: never[]) => infer I ? I : never

interface Connection {
  readonly fn: Receiver<never>
  readonly sender: ModelMeta | undefined
}

/**
 * A signal: receivers connect to it (for one model or every model) and are called, in order, each
 * time it is sent. `A` gives the arguments as a function of the instance type.
 */
export class Signal<A extends { readonly sender: ModelClassLike }> {
  /** The signal's name, for messages. */
  readonly name: string
  #connections: Connection[] = []

  constructor(name: string) {
    this.name = name
  }

  /**
   * Calls `fn` each time the signal is sent (for `sender` only, when given); connecting the same
   * function for the same sender twice has no effect. Returns a function that disconnects it.
   * @example const off = postSave.connect(({ instance, created }) => log(instance, created), { sender: Post })
   */
  connect(fn: Receiver<A>, options: ConnectOptions<ModelClassLike> = {}): () => void {
    if (typeof fn !== 'function') throw new TypeMismatchError(`${this.name}.connect() takes a function, got ${typeof fn}`)
    const sender = senderMeta(this.name, options.sender)
    if (!this.#connections.some((c) => c.fn === fn && c.sender === sender)) this.#connections = [...this.#connections, { fn: fn as Receiver<never>, sender }]
    return () => {
      this.disconnect(fn, options)
    }
  }

  /** Disconnects `fn` (for `sender` only when given, else for every sender); true if it was connected. */
  disconnect(fn: Receiver<A>, options: ConnectOptions<ModelClassLike> = {}): boolean {
    const sender = options.sender === undefined ? undefined : senderMeta(this.name, options.sender)
    const before = this.#connections.length
    this.#connections = this.#connections.filter((c) => !(c.fn === fn && (options.sender === undefined || c.sender === sender)))
    return this.#connections.length !== before
  }

  /** Whether a receiver would be called for `meta` (any model when omitted). */
  hasReceivers(meta?: ModelMeta): boolean {
    const list = this.#connections
    if (list.length === 0) return false
    if (meta === undefined) return true
    return list.some((c) => c.sender === undefined || c.sender === meta)
  }

  /** Calls every matching receiver in order, awaiting each; the first error propagates. */
  async send(args: A): Promise<void> {
    const list = this.#connections
    if (list.length === 0) return
    const meta = args.sender.meta
    for (const c of list) if (c.sender === undefined || c.sender === meta) await (c.fn as Receiver<A>)(args)
  }
}

/** The arguments of each model signal for instances of type `I`. */
export interface SignalArgsOf<I> {
  preSave: PreSaveArgs<I>
  postSave: PostSaveArgs<I>
  preDelete: DeleteArgs<I>
  postDelete: DeleteArgs<I>
  m2mChanged: M2MChangedArgs
}

/**
 * A model signal whose receivers get the instance typed from `sender`:
 * `preSave.connect(({ instance }) => ..., { sender: Post })` types `instance` as `Post`.
 */
export interface ModelSignal<K extends keyof SignalArgsOf<unknown>> {
  readonly name: string
  /**
   * Calls `fn` each time the signal is sent (for `sender` only, when given); returns a function
   * that disconnects it. Connecting the same function for the same sender twice has no effect.
   */
  connect<C extends ModelClassLike = ModelClassLike>(fn: Receiver<SignalArgsOf<InstanceOf<C>>[K]>, options?: ConnectOptions<C>): () => void
  /** Disconnects `fn` (for `sender` only when given, else for every sender); true if it was connected. */
  disconnect(fn: Receiver<never>, options?: ConnectOptions<ModelClassLike>): boolean
  /** Whether a receiver would be called for the model (any model when omitted). */
  hasReceivers(meta?: ModelMeta): boolean
  /** Calls every matching receiver in order, awaiting each; the first error propagates. */
  send(args: SignalArgsOf<object>[K]): Promise<void>
}

/** The arguments of `preSave` receivers. */
export interface PreSaveArgs<I = unknown> {
  /** The model class. */
  readonly sender: ModelClassLike
  /** The instance being saved. */
  readonly instance: I
  /** The database alias. */
  readonly using: string
  /** `save({ updateFields })` as given, or null for a full save. */
  readonly updateFields: readonly string[] | null
}

/** The arguments of `postSave` receivers. */
export interface PostSaveArgs<I = unknown> extends PreSaveArgs<I> {
  /** True when the save inserted a row. */
  readonly created: boolean
}

/** The arguments of `preDelete` and `postDelete` receivers. */
export interface DeleteArgs<I = unknown> {
  /** The model class of `instance`. */
  readonly sender: ModelClassLike
  /** The instance being deleted (its primary key is still set in `postDelete`). */
  readonly instance: I
  /** The database alias. */
  readonly using: string
  /** What `delete()` was called on: an instance, or the QuerySet (undefined when called on a QueryState). */
  readonly origin: unknown
}

/** What changed in an `m2mChanged` signal. */
export type M2MAction = 'preAdd' | 'postAdd' | 'preRemove' | 'postRemove' | 'preClear' | 'postClear'

/** The arguments of `m2mChanged` receivers. */
export interface M2MChangedArgs {
  /** The join model class (auto-created or the `through` model). */
  readonly sender: ModelClassLike
  /** The instance whose relation changed (a `Post` for `post.tags.add(...)`, a `Tag` for `tag.posts.add(...)`). */
  readonly instance: object
  readonly action: M2MAction
  /** False from the side that declares the field (`post.tags`), true from the other side (`tag.posts`). */
  readonly reverse: boolean
  /** The class of the objects added or removed (`Tag` for `post.tags.add(tag)`). */
  readonly model: ModelClassLike
  /**
   * Primary keys of the objects added (only those not already related) or removed; null for
   * `preClear`/`postClear`.
   */
  readonly pkSet: ReadonlySet<unknown> | null
  /** The database alias. */
  readonly using: string
}

/** Sent by `save()` before writing (after the unsaved-relation check, before `autoNow` stamps). */
export const preSave: ModelSignal<'preSave'> = modelSignal('preSave')
/** Sent by `save()` after writing; `created` says whether it inserted. */
export const postSave: ModelSignal<'postSave'> = modelSignal('postSave')
/** Sent for every object a delete removes, children first, before any row is deleted. */
export const preDelete: ModelSignal<'preDelete'> = modelSignal('preDelete')
/** Sent for every object a delete removed, children first, inside the delete's transaction. */
export const postDelete: ModelSignal<'postDelete'> = modelSignal('postDelete')
/** Sent by many-to-many managers around `add`, `remove`, `set` and `clear` (sender: the join model). */
export const m2mChanged: ModelSignal<'m2mChanged'> = modelSignal('m2mChanged')
/**
 * A new model signal. Receivers connected for a sender are only ever called with that sender's
 * instances, which is what lets `connect()` type `instance` from `sender`.
 */
function modelSignal<K extends keyof SignalArgsOf<unknown>>(name: K): ModelSignal<K> {
  return new Signal<SignalArgsOf<object>[K]>(name) as unknown as ModelSignal<K>
}

function senderMeta(signal: string, sender: unknown): ModelMeta | undefined {
  if (sender === undefined) return undefined
  const meta = (sender as { meta?: unknown } | null)?.meta
  if (typeof sender !== 'function' || typeof meta !== 'object' || meta === null || !('dbTable' in meta))
    throw new TypeMismatchError(`${signal}.connect(): sender must be a model class, got ${sender === null ? 'null' : typeof sender}`)
  return meta as ModelMeta
}
