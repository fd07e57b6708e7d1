/** Where the sandbox reads the time. Injected so tests pin it and never sleep. */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/**
 * The sandbox clock: a base clock plus an offset that only grows. Users move it forward through
 * `POST /sandbox/clock` to reach an authentication timeout or the end of the refund window at once.
 */
export class SandboxClock implements Clock {
  #offsetMs = 0
  constructor(private readonly base: Clock) {}

  now(): number {
    return this.base.now() + this.#offsetMs
  }

  get offsetMs(): number {
    return this.#offsetMs
  }

  /** The base clock's time: what the sandbox clock reads with no offset. */
  baseNow(): number {
    return this.base.now()
  }

  /** Sets the offset; it never shrinks, so the sandbox clock never goes back. */
  setOffset(ms: number): void {
    if (ms > this.#offsetMs) this.#offsetMs = ms
  }
}

/** A clock that moves only when told to: for tests. */
export class ManualClock implements Clock {
  constructor(private ms: number = Date.parse('2026-01-15T09:00:00.000Z')) {}
  now(): number {
    return this.ms
  }
  advance(ms: number): void {
    this.ms += ms
  }
  set(ms: number): void {
    this.ms = ms
  }
}

let lastMs = Number.NaN
let lastIso = ''

/**
 * ISO-8601 with milliseconds. A charge's timestamps are mostly equal (created, updated, authorized in
 * one step), so the last one formatted is kept: a read of a charge formats one date, not six.
 */
export function iso(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString()
    lastMs = ms
  }
  return lastIso
}

/**
 * An ISO-8601 formatter with its own memory of the last time it formatted: for a caller that formats
 * "now" again and again (the request journal), so it neither reformats the same millisecond nor
 * evicts the memory `iso` keeps of a charge's timestamps.
 */
export function isoFormatter(): (ms: number) => string {
  let last = Number.NaN
  let text = ''
  return (ms) => {
    if (ms !== last) {
      text = new Date(ms).toISOString()
      last = ms
    }
    return text
  }
}
