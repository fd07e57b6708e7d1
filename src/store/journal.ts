import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs'

export interface JournalWriterOptions {
  /** `DURABILITY=fsync`: one fdatasync per batch, so a power loss keeps every acknowledged unit. */
  fsync?: boolean
  /**
   * Called with the lines of the turn's unit of work just before they are written (the store
   * serialises what the turn touched then, so every change made during the turn is in it).
   */
  collect?: () => string | undefined
  /**
   * A write that failed (disk full, I/O error). Nothing waiting on it is acknowledged: the server
   * says so and exits (see `exitOnJournalFailure`); tests pass their own.
   */
  onFatal: (err: Error) => void
}

/**
 * The append-only journal: one JSON line per unit of work, written with one `write()` per turn of the
 * event loop (group commit). Whatever changes state calls `mark()`; replies that may show the change
 * wait on `written()`, which resolves once the turn's line is in the file (and, with `fsync`, on disk).
 *
 * Writes are synchronous, on purpose: a line costs a few microseconds, and once the flush returns no
 * JavaScript can run with state that is ahead of the file.
 */
export class JournalWriter {
  #fd: number
  #path: string
  #lines: string[] = []
  #scheduled = false
  #waiters: Array<() => void> = []
  #failed: Error | undefined
  #closed = false
  #bytes = 0
  #batches = 0
  readonly #opts: JournalWriterOptions

  constructor(path: string, opts: JournalWriterOptions, existingBytes = 0) {
    this.#opts = opts
    this.#path = path
    this.#fd = openSync(path, 'a')
    this.#bytes = existingBytes
  }

  get path(): string {
    return this.#path
  }

  /** Bytes in the current file (what was there at open plus what was written since). */
  get bytes(): number {
    return this.#bytes
  }

  /** How many batches (write calls) this writer made: one per turn that changed something. */
  get batches(): number {
    return this.#batches
  }

  /** True when something is marked or appended and not yet written. */
  get pending(): boolean {
    return this.#scheduled || this.#lines.length > 0
  }

  get failed(): Error | undefined {
    return this.#failed
  }

  /** Something changed this turn: a flush is due at the end of it. */
  mark(): void {
    if (this.#scheduled || this.#failed || this.#closed) return
    this.#scheduled = true
    setImmediate(this.#flushTurn)
  }

  /** Adds a line (without its newline) to this turn's batch. */
  append(line: string): void {
    this.#lines.push(line)
    this.mark()
  }

  /**
   * Resolves once everything marked or appended before the call is written. Resolved at once when
   * nothing is pending; never resolves after a failed write (the process is exiting).
   */
  written(): Promise<void> {
    // After a failure, or once closed (a change after shutdown is never acknowledged), nothing resolves.
    if (this.#failed || this.#closed) return new Promise(() => {})
    if (!this.pending) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  readonly #flushTurn = () => this.flush()

  /** Writes the batch now (the turn's flush, and before a rotation or a close). */
  flush(): void {
    this.#scheduled = false
    if (this.#failed || this.#closed) return
    const collected = this.#opts.collect?.()
    if (collected) this.#lines.push(collected)
    const waiters = this.#waiters
    this.#waiters = []
    if (this.#lines.length > 0) {
      const buf = Buffer.from(this.#lines.join('\n') + '\n')
      this.#lines = []
      try {
        let off = 0
        while (off < buf.length) off += writeSync(this.#fd, buf, off, buf.length - off)
        if (this.#opts.fsync) fdatasyncSync(this.#fd)
      } catch (err) {
        this.#failed = err as Error
        this.#opts.onFatal(err as Error)
        return
      }
      this.#bytes += buf.length
      this.#batches++
    }
    for (const w of waiters) w()
  }

  /** Flushes, then goes on in a new file (compaction starts a new segment). */
  rotate(path: string): void {
    this.flush()
    if (this.#failed) return
    const fd = openSync(path, 'a')
    closeSync(this.#fd)
    this.#fd = fd
    this.#path = path
    this.#bytes = 0
  }

  close(): void {
    if (this.#closed) return
    this.flush()
    this.#closed = true
    closeSync(this.#fd)
  }
}

/** The server's answer to a failed journal write: say so on stderr and exit non-zero, acknowledging nothing. */
export function exitOnJournalFailure(path: () => string) {
  return (err: Error) => {
    process.stderr.write(
      `ppro-kakaopay-sandbox: cannot write the journal ${path()}: ${err.message}; exiting without acknowledging the pending requests\n`,
    )
    process.exit(1)
  }
}
