import type { Agreement } from '../domain/agreement.js'
import type { Charge } from '../domain/charge.js'
import type { Clock } from '../domain/clock.js'
import type { IdempotencyStore } from '../http/idempotency-store.js'
import type { Sandbox } from '../sandbox.js'
import type { Delivery } from '../webhooks/dispatcher.js'
import { bodyIds } from './records.js'

export interface RetentionSettings {
  days: number
  maxCharges: number
  sweepSeconds: number
}

/** What one sweep dropped. */
export interface Dropped {
  merchantId: string
  charges: string[]
  agreements: string[]
  idempotencyKeys: string[]
}

const DAY_MS = 86_400_000
const FINISHED_AGREEMENT = new Set(['FAILED', 'REVOKED_BY_CONSUMER', 'REVOKED_BY_MERCHANT', 'REVOKED_BY_PROVIDER'])

/**
 * Keeps memory bounded on a sandbox that runs for months: finished charges and agreements (nothing
 * scheduled, no webhook waiting) are forgotten once they have not changed for `days` of real time
 * (never sandbox time: moving the clock a year ahead drops nothing), and a merchant keeps at most
 * `maxCharges` finished charges, the most recently changed. What is pending is never counted and
 * never dropped. Dropped records answer 404, with their events, deliveries and idempotency keys gone.
 * An active agreement is not finished: it can still be charged.
 */
export class Retention {
  /** Real time each charge and agreement last changed (set as its events are recorded). */
  readonly touched = new Map<string, number>()
  #timer: NodeJS.Timeout | undefined

  constructor(
    private readonly d: {
      settings: RetentionSettings
      /** Real time. */
      wallClock: Clock
      sandbox: Sandbox
      idempotency: IdempotencyStore
      /** Durable mode writes the tombstones. */
      onDrop?: ((dropped: Dropped) => void) | undefined
    },
  ) {}

  /** A delivery was recorded: its charge or agreement changed now. */
  readonly recorded = (d: Delivery): void => {
    this.touched.set(d.event.subject, this.d.wallClock.now())
  }

  /** Sweeps now, then every `sweepSeconds`. */
  start(): Dropped[] {
    const dropped = this.sweep()
    this.#timer = setInterval(() => this.sweep(), this.d.settings.sweepSeconds * 1000)
    this.#timer.unref()
    return dropped
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
  }

  sweep(): Dropped[] {
    const out: Dropped[] = []
    for (const merchantId of this.d.sandbox.merchants()) {
      const dropped = this.#sweepMerchant(merchantId)
      if (dropped) out.push(dropped)
    }
    return out
  }

  #sweepMerchant(merchantId: string): Dropped | undefined {
    const { sandbox, settings } = this.d
    const now = this.d.wallClock.now()
    const cutoff = now - settings.days * DAY_MS
    const waiting = new Set<string>()
    for (const d of sandbox.webhooks.list(merchantId)) if (d.status === 'PENDING') waiting.add(d.event.subject)
    const age = (id: string) => this.touched.get(id) ?? now

    const finished: Charge[] = sandbox.store.chargesOf(merchantId).filter((c) => !waiting.has(c.id) && !sandbox.hasScheduledWork(c))
    const charges = new Set<string>()
    if (finished.length <= settings.maxCharges) {
      for (const c of finished) if (age(c.id) < cutoff) charges.add(c.id)
    } else {
      // Most recently changed first: the first `maxCharges` stay, unless too old. Each age is read once.
      const aged = finished.map((c) => ({ id: c.id, at: age(c.id) }))
      aged.sort((a, b) => b.at - a.at)
      aged.forEach((c, i) => {
        if (i >= settings.maxCharges || c.at < cutoff) charges.add(c.id)
      })
    }
    const agreements = new Set<string>()
    for (const a of sandbox.store.agreementsOf(merchantId) as readonly Agreement[]) {
      if (FINISHED_AGREEMENT.has(a.status) && !waiting.has(a.id) && age(a.id) < cutoff) agreements.add(a.id)
    }
    if (charges.size === 0 && agreements.size === 0) return undefined

    // An idempotency key whose answer shows a dropped resource (or one of its refunds, discards, …) goes with it.
    const ids = new Set<string>([...charges, ...agreements])
    for (const id of charges) {
      const c = sandbox.store.getCharge(id)!
      for (const list of [c.refunds, c.discards, c.captures, c.authorizations]) for (const op of list) ids.add(op.id)
    }
    for (const id of agreements) for (const r of sandbox.store.getAgreement(id)!.revocations) ids.add(r.id)
    const keys: string[] = []
    for (const [key, entry] of this.d.idempotency.entries(merchantId)) {
      if (entry.response && bodyIds(entry.response.body).some((id) => ids.has(id))) keys.push(key)
    }
    for (const key of keys) this.d.idempotency.delete(merchantId, key)

    const ordered = sandbox.store
      .chargesOf(merchantId)
      .filter((c) => charges.has(c.id))
      .map((c) => c.id)
    sandbox.forget(merchantId, charges, agreements)
    for (const id of charges) this.touched.delete(id)
    for (const id of agreements) this.touched.delete(id)
    const dropped = { merchantId, charges: ordered, agreements: [...agreements], idempotencyKeys: keys }
    this.d.onDrop?.(dropped)
    return dropped
  }
}
