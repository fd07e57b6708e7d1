/** A request remembered under its `Request-Idempotency-Key`: running, or finished with its answer. */
export interface IdempotentEntry {
  fingerprint: string
  createdAt: number
  response?: { statusCode: number; contentType: string; body: string }
}

/** PPRO keeps idempotency keys for 24 hours; here, 24 hours of sandbox time. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000

/** How often, in sandbox time, expired keys nobody asks for again are dropped. */
const SWEEP_EVERY_MS = 3_600_000

/**
 * PPRO's idempotency keys, per merchant, kept for `ttlMs` of sandbox time. Plain data: the HTTP layer
 * decides what to remember (successful answers only) and when.
 */
export class IdempotencyStore {
  readonly #byMerchant = new Map<string, Map<string, IdempotentEntry>>()
  #nextSweep = 0

  constructor(readonly ttlMs: number = IDEMPOTENCY_TTL_MS) {}

  /** The live entry for a key, or undefined; an expired one is forgotten on the way. */
  get(merchantId: string, key: string, now: number): IdempotentEntry | undefined {
    const keys = this.#byMerchant.get(merchantId)
    const entry = keys?.get(key)
    if (entry && now >= entry.createdAt + this.ttlMs) {
      keys!.delete(key)
      return undefined
    }
    return entry
  }

  begin(merchantId: string, key: string, fingerprint: string, now: number): IdempotentEntry {
    if (now >= this.#nextSweep) {
      this.#nextSweep = now + SWEEP_EVERY_MS
      this.sweep(now)
    }
    let keys = this.#byMerchant.get(merchantId)
    if (!keys) this.#byMerchant.set(merchantId, (keys = new Map()))
    const entry: IdempotentEntry = { fingerprint, createdAt: now }
    keys.set(key, entry)
    return entry
  }

  forget(merchantId: string, key: string, entry: IdempotentEntry): void {
    const keys = this.#byMerchant.get(merchantId)
    if (keys?.get(key) === entry) keys.delete(key)
  }

  /** Drops entries past their time, so keys that are never asked for again do not pile up. */
  sweep(now: number): void {
    for (const keys of this.#byMerchant.values()) for (const [k, e] of keys) if (now >= e.createdAt + this.ttlMs) keys.delete(k)
  }

  deleteMerchant(merchantId: string): void {
    this.#byMerchant.delete(merchantId)
  }
}
