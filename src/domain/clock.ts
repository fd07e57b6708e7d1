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

/** `000Z` to `999Z`: the end of an ISO-8601 time for each millisecond of a second. */
const MILLIS = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(3, '0')}Z`)
/**
 * The last two seconds formatted (each its first millisecond) and their ISO-8601 text up to the dot:
 * two, because a create alternates between now and a deadline (the authentication timeout's reason).
 */
let secondMs = Number.NaN
let secondText = ''
let otherSecondMs = Number.NaN
let otherSecondText = ''
/** Year 9999's last millisecond: later (and earlier than 1970) times take Date's own formatting. */
const LAST_FOUR_DIGIT_YEAR_MS = 253402300799999

/**
 * `new Date(ms).toISOString()`, the same text, at a fraction of its cost: `toISOString` takes about
 * 1.3 us, and a create formats several different milliseconds. The text up to the seconds is formatted
 * once per second and reused; the milliseconds come from a table.
 */
export function formatIso(ms: number): string {
  if (!(ms >= 0 && ms <= LAST_FOUR_DIGIT_YEAR_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString()
  const m = ms % 1000
  const second = ms - m
  if (second !== secondMs) {
    const text = second === otherSecondMs ? otherSecondText : new Date(second).toISOString().slice(0, 20)
    otherSecondMs = secondMs
    otherSecondText = secondText
    secondMs = second
    secondText = text
  }
  return secondText + MILLIS[m]!
}

let lastMs = Number.NaN
let lastIso = ''

/**
 * ISO-8601 with milliseconds. A charge's timestamps are mostly equal (created, updated, authorized in
 * one step), so the last one formatted is kept: a read of a charge formats one date, not six.
 */
export function iso(ms: number): string {
  if (ms !== lastMs) {
    lastIso = formatIso(ms)
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
      text = formatIso(ms)
      last = ms
    }
    return text
  }
}
