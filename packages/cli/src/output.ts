/** Where the CLI writes, and whether it may colour it. */
export interface Io {
  readonly out: NodeJS.WritableStream & { isTTY?: boolean }
  readonly err: NodeJS.WritableStream & { isTTY?: boolean }
  readonly in: NodeJS.ReadableStream & { isTTY?: boolean }
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
}

/** Writes lines, coloured only on a terminal (and never with `NO_COLOR`). */
export class Output {
  readonly io: Io
  readonly #colour: boolean

  constructor(io: Io) {
    this.io = io
    this.#colour = io.out.isTTY === true && !io.env.NO_COLOR && io.env.TERM !== 'dumb'
  }

  #paint(code: number, s: string): string {
    return this.#colour ? `\u001b[${code}m${s}\u001b[0m` : s
  }

  /** Green. */
  ok(s: string): string {
    return this.#paint(32, s)
  }

  /** Bold. */
  title(s: string): string {
    return this.#paint(1, s)
  }

  /** Yellow. */
  notice(s: string): string {
    return this.#paint(33, s)
  }

  /** Dim. */
  dim(s: string): string {
    return this.#paint(2, s)
  }

  /** Writes a line to stdout. */
  line(s = ''): void {
    this.io.out.write(`${s}\n`)
  }

  /** Writes text to stdout without a newline (progress on a terminal). */
  write(s: string): void {
    this.io.out.write(s)
  }

  /** Writes an error line to stderr (red on a terminal). */
  error(s: string): void {
    const colour = this.io.err.isTTY === true && !this.io.env.NO_COLOR
    this.io.err.write(`${colour ? `\u001b[31m${s}\u001b[0m` : s}\n`)
  }

  /** Writes a warning to stderr. */
  warn(s: string): void {
    this.io.err.write(`${this.notice(`Warning: ${s}`)}\n`)
  }

  /** Whether stdout is a terminal. */
  get tty(): boolean {
    return this.io.out.isTTY === true
  }
}
