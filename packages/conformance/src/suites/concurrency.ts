/** A one-shot event: `fire()` once, `wait` resolves from then on. */
export interface Signal {
  readonly wait: Promise<void>
  fire(): void
}

/** Makes a one-shot event for coordinating concurrent blocks in tests. */
export function signal(): Signal {
  let fire!: () => void
  const wait = new Promise<void>((resolve) => {
    fire = resolve
  })
  return { wait, fire }
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
