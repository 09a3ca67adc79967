/** How long a test waits for another block to reach a point before failing instead of hanging. */
const WAIT_LIMIT_MS = 10_000

/** A one-shot event: `fire()` once; `wait` resolves from then on (and rejects if it takes over 10 s). */
export interface Signal {
  readonly wait: Promise<void>
  fire(): void
}

/** Makes a one-shot event for coordinating concurrent blocks in tests. */
export function signal(): Signal {
  let fire!: () => void
  const fired = new Promise<void>((resolve) => {
    fire = resolve
  })
  return {
    fire,
    // A fresh bounded wait per reader, so that a block that failed early fails the test instead of hanging it.
    get wait() {
      return bounded(fired)
    },
  }
}

/** A meeting point for `parties` callers: each call resolves once all of them have called. */
export function barrier(parties: number): () => Promise<void> {
  const all = signal()
  let arrived = 0
  return () => {
    arrived++
    if (arrived >= parties) all.fire()
    return all.wait
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function bounded(promise: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`waited ${WAIT_LIMIT_MS} ms for another block: it failed or hung`)), WAIT_LIMIT_MS)
  })
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer))
}
