/**
 * One contender on one database, in a process of its own (forked by the runner): opens the
 * contender and checks that its results equal the raw driver's, then warms up and times one
 * operation at a time when the runner asks, so that the runner can interleave the contenders.
 */
import { isDeepStrictEqual } from 'node:util'
import { canonicalCount, canonicalPost, canonicalPostWithAuthor, canonicalPostWithComments } from './canonical.js'
import { OPERATIONS, type Operation, params, type Target } from './config.js'
import { type Contender, type ContenderName, loadContender } from './contender.js'

/** What the runner asks a worker to do. */
export interface WorkerJob {
  readonly contender: ContenderName
  readonly target: Target
  /** Milliseconds of warm-up and of measurement per operation. */
  readonly warmupMs: number
  readonly measureMs: number
  /**
   * After `warmupMs`, the warm-up goes on until this many iterations have run (the JIT compiles
   * a library's code after some thousands of calls, a raw driver's sooner), at most
   * `warmupCapMs` in all. Default 0: `warmupMs` only.
   */
  readonly warmupIterations?: number
  readonly warmupCapMs?: number
  /** The fewest timed iterations per operation, however long they take. */
  readonly minIterations: number
  /** Only these operations (all when empty). */
  readonly only: readonly Operation[]
  /** Measure the memory of ten loads of every post, kept alive. */
  readonly memory: boolean
}

/** What a worker sends back. */
export interface WorkerResult {
  readonly contender: ContenderName
  readonly db: Target['db']
  /** Operations per second, by operation. */
  readonly opsPerSecond: Partial<Record<Operation, number>>
  /** Iterations timed, by operation. */
  readonly iterations: Partial<Record<Operation, number>>
  /** Canonical-result checks that passed. */
  readonly checks: number
  /** Heap bytes held by ten loads of every post (after a full GC), and how many posts that is. */
  readonly memory?: { readonly bytes: number; readonly posts: number }
}

/** Runs operation `op` of iteration `i` with that iteration's parameters. */
export function runOp(c: Contender, op: Operation, i: number, t: Target): PromiseLike<unknown> {
  const s = t.seed
  switch (op) {
    case 'getPost':
      return c.getPost(params.getPost(i, s))
    case 'titleSearch':
      return c.titleSearch(params.titleSearch(i))
    case 'authorPrefix':
      return c.authorPrefix(params.authorPrefix(i))
    case 'postsWithAuthor':
      return c.postsWithAuthor(params.postsWithAuthor(i, s))
    case 'postsWithComments':
      return c.postsWithComments(params.postsWithComments(i, s))
    case 'commentCounts':
      return c.commentCounts(params.commentCounts(i, s))
    case 'insertPost':
      return c.insertPost(params.insertPost(i, s))
    case 'bulkInsertComments':
      return c.bulkInsertComments(params.bulkInsertComments(i, s))
    case 'updatePost': {
      const p = params.updatePost(i, s)
      return c.updatePost(p.id, p.title)
    }
    case 'transaction': {
      const p = params.transaction(i, s)
      return c.transaction(p.post, p.comments)
    }
  }
}

const commentsOf = (c: Contender) => (post: unknown) => c.commentsOf?.(post) ?? ((post as { comments: readonly unknown[] }).comments)

/** The canonical form of a read operation's result. */
function canonical(c: Contender, op: Operation, result: unknown): unknown {
  const list = () => [...(result as readonly unknown[])]
  switch (op) {
    case 'getPost':
      return canonicalPost(result)
    case 'titleSearch':
    case 'authorPrefix':
      return list().map(canonicalPost)
    case 'postsWithAuthor':
      return list().map(canonicalPostWithAuthor)
    case 'postsWithComments':
      return list().map((p) => canonicalPostWithComments(p, commentsOf(c)))
    case 'commentCounts':
      return list().map(canonicalCount)
    default:
      throw new Error(`${op} is not a read`)
  }
}

function same(what: string, got: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(got, expected)) {
    const g = JSON.stringify(got)
    const e = JSON.stringify(expected)
    throw new Error(`${what}: the result differs from the raw driver's\n  got      ${g.slice(0, 600)}\n  expected ${e.slice(0, 600)}`)
  }
}

/** Checks every operation against the raw driver (reads compared, writes read back); returns the number of checks. */
async function check(c: Contender, raw: Contender, t: Target, only: readonly Operation[]): Promise<number> {
  let checks = 0
  const wanted = (op: Operation) => only.length === 0 || only.includes(op)
  for (const op of ['getPost', 'titleSearch', 'authorPrefix', 'postsWithAuthor', 'postsWithComments', 'commentCounts'] as const) {
    if (!wanted(op)) continue
    for (const i of [0, 1, 2]) {
      const expected = canonical(raw, op, await runOp(raw, op, i, t))
      if (Array.isArray(expected) && expected.length === 0) throw new Error(`${op}: parameters of iteration ${i} find nothing: the check would prove nothing`)
      same(`${op} (iteration ${i})`, canonical(c, op, await runOp(c, op, i, t)), expected)
      checks++
    }
  }
  const s = t.seed
  const postBack = async (id: unknown) => canonicalPost(await raw.getPost(Number(id)))
  const commentsBack = async (id: number) => {
    const [post] = await raw.postsWithComments(id)
    return canonicalPostWithComments(post, commentsOf(raw)).comments as Record<string, unknown>[]
  }
  if (wanted('insertPost')) {
    const p = params.insertPost(0, s)
    const id = await c.insertPost(p)
    same('insertPost', await postBack(id), { id: Number(id), title: p.title, content: p.content, pubDate: p.pubDate.toISOString(), authorId: p.authorId })
    checks++
  }
  if (wanted('bulkInsertComments')) {
    const rows = params.bulkInsertComments(0, s)
    const postId = rows[0]!.postId
    const before = (await commentsBack(postId)).length
    await c.bulkInsertComments(rows)
    const after = await commentsBack(postId)
    const added = after.slice(before).map(({ id: _, ...rest }) => rest)
    same('bulkInsertComments', added, rows.map((r) => ({ postId: r.postId, author: r.author, text: r.text, pubDate: r.pubDate.toISOString() })))
    checks++
  }
  if (wanted('updatePost')) {
    const p = params.updatePost(0, s)
    await c.updatePost(p.id, p.title)
    same('updatePost', (await postBack(p.id)).title, p.title)
    checks++
  }
  if (wanted('transaction')) {
    const p = params.transaction(0, s)
    const id = Number(await c.transaction(p.post, p.comments))
    same('transaction (post)', await postBack(id), { id, title: p.post.title, content: p.post.content, pubDate: p.post.pubDate.toISOString(), authorId: p.post.authorId })
    const comments = (await commentsBack(id)).map(({ id: _, ...rest }) => rest)
    same('transaction (comments)', comments, p.comments.map((x) => ({ postId: id, author: x.author, text: x.text, pubDate: x.pubDate.toISOString() })))
    checks++
  }
  return checks
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.()

/** One contender in this process: its operations' iteration counters go on from slice to slice, so no parameters repeat. */
class Session {
  readonly #next = new Map<Operation, number>()

  constructor(
    readonly contender: Contender,
    readonly job: WorkerJob,
  ) {}

  #iteration(op: Operation): number {
    const i = this.#next.get(op) ?? 1000
    this.#next.set(op, i + 1)
    return i
  }

  /** Runs `op` for `warmupMs`, then on until `warmupIterations` iterations of it have run, at most `warmupCapMs` in all. */
  async warm(op: Operation): Promise<void> {
    const { job } = this
    gc()
    const warmStart = performance.now()
    const warmEnd = warmStart + job.warmupMs
    const warmCap = warmStart + Math.max(job.warmupMs, job.warmupCapMs ?? 0)
    let n = 0
    let now: number
    do {
      await runOp(this.contender, op, this.#iteration(op), job.target)
      n++
      now = performance.now()
    } while (now < warmEnd || (n < (job.warmupIterations ?? 0) && now < warmCap))
  }

  /**
   * Times `op`: as many iterations as fit in `measureMs`, at least `minIterations`. No forced GC
   * before a slice (only before the warm-up): measured with one before each 300 ms slice, every
   * library lost against the raw driver, the more it allocates the more (SQLite transaction:
   * Strata 0.40 and Kysely 0.30 of raw, against 0.56 and 0.42 without).
   */
  async measure(op: Operation): Promise<{ opsPerSecond: number; iterations: number }> {
    const { job } = this
    const start = performance.now()
    const end = start + job.measureMs
    let n = 0
    do {
      await runOp(this.contender, op, this.#iteration(op), job.target)
      n++
    } while (performance.now() < end || n < job.minIterations)
    const seconds = (performance.now() - start) / 1000
    return { opsPerSecond: n / seconds, iterations: n }
  }
}

/** The heap that ten loads of every post hold once garbage is collected (run with --expose-gc). */
async function measureMemory(c: Contender): Promise<{ bytes: number; posts: number }> {
  await c.allPosts()
  gc()
  gc()
  const before = process.memoryUsage().heapUsed
  const held: (readonly unknown[])[] = []
  for (let k = 0; k < 10; k++) held.push(await c.allPosts())
  gc()
  gc()
  const bytes = process.memoryUsage().heapUsed - before
  return { bytes, posts: held.reduce((n, list) => n + list.length, 0) }
}

/** What a started worker reports: its checks. */
export interface WorkerStart {
  readonly checks: number
}

/** Opens the job's contender and checks it against the raw driver. */
async function start(job: WorkerJob): Promise<{ session: Session; started: WorkerStart }> {
  const contender = await (await loadContender(job.contender))(job.target)
  try {
    const raw = await (await loadContender('raw'))(job.target)
    let checks: number
    try {
      checks = await check(contender, raw, job.target, job.only)
    } finally {
      await raw.close()
    }
    return { session: new Session(contender, job), started: { checks } }
  } catch (e) {
    await contender.close()
    throw e
  }
}

/** Runs a whole job in this process: check, then warm up and time each operation in turn (used by `profile`). */
export async function runJob(job: WorkerJob): Promise<WorkerResult> {
  const { session, started } = await start(job)
  const memory = job.memory ? await measureMemory(session.contender) : undefined
  const opsPerSecond: Partial<Record<Operation, number>> = {}
  const iterations: Partial<Record<Operation, number>> = {}
  try {
    for (const op of OPERATIONS) {
      if (job.only.length && !job.only.includes(op)) continue
      await session.warm(op)
      const r = await session.measure(op)
      opsPerSecond[op] = r.opsPerSecond
      iterations[op] = r.iterations
    }
  } finally {
    await session.contender.close()
  }
  return { contender: job.contender, db: job.target.db, opsPerSecond, iterations, ...started, ...(memory ? { memory } : {}) }
}

/** What the runner asks of a worker: open and check a contender, measure its memory, warm up or time one operation, close. */
export type WorkerRequest =
  | { readonly kind: 'start'; readonly job: WorkerJob }
  | { readonly kind: 'memory' }
  | { readonly kind: 'warm'; readonly op: Operation }
  | { readonly kind: 'measure'; readonly op: Operation }
  | { readonly kind: 'close' }

/** A worker's answer to one request. */
export type WorkerReply = { readonly ok: true; readonly value?: unknown } | { readonly ok: false; readonly error: string }

// Forked by the runner: requests come one at a time, each answered by one reply, until 'close'.
if (process.send) {
  let session: Session | undefined
  const handle = async (request: WorkerRequest): Promise<unknown> => {
    switch (request.kind) {
      case 'start': {
        const opened = await start(request.job)
        session = opened.session
        return opened.started
      }
      case 'memory':
        return measureMemory(session!.contender)
      case 'warm':
        return session!.warm(request.op)
      case 'measure':
        return session!.measure(request.op)
      case 'close':
        await session?.contender.close()
        session = undefined
        return undefined
    }
  }
  process.on('message', (request: WorkerRequest) => {
    handle(request).then(
      (value) => process.send!({ ok: true, value } satisfies WorkerReply, () => {
        if (request.kind === 'close') process.exit(0)
      }),
      (e: unknown) => process.send!({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies WorkerReply, () => process.exit(1)),
    )
  })
}
