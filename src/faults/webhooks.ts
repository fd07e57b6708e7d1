import type { Clock } from '../domain/clock.js'
import type { Scheduler } from '../domain/scheduler.js'
import type { Delivery, DeliveryFault, WebhookDispatcher } from '../webhooks/dispatcher.js'
import { pproSignature, signWebhook } from '../webhooks/signing.js'
import type { WebhookRequest } from '../webhooks/transport.js'
import type { FaultStore, WebhookRule } from './store.js'

/** A secret no merchant has: what a `bad-signature` delivery is signed with. */
export const WRONG_SECRET = 'sandbox-fault-bad-signature'
export const DEFAULT_HOLD_SECONDS = 60
export const DEFAULT_STALE_SECONDS = 3600

interface Logger {
  info(obj: object, msg: string): void
}

/** The `t=` of a `PPRO-Signature` header, however the dispatcher computed it. */
function signedAt(request: WebhookRequest): number {
  const m = /t=(\d+)/.exec(request.headers['ppro-signature'] ?? '')
  return m ? Number(m[1]) : Math.floor(Date.now() / 1000)
}

/**
 * Webhook faults, asked by the dispatcher as each attempt is about to be sent:
 * - `duplicate`: the attempt goes out, and the same event (same id) once more right behind it;
 * - `reorder`: the event is held until the next event of the same resource has been sent (or until
 *   `delaySeconds`, default 60, of sandbox time after it happened), then sent;
 * - `delay`: the event is sent `delaySeconds` (default 60) of sandbox time after it happened; later
 *   events of the resource are not held up by it;
 * - `bad-signature`: both signatures are made with a secret that is not the merchant's;
 * - `stale-signature`: `PPRO-Signature` is correctly signed but `staleSeconds` (default 3600) old.
 * The attempt that carries the fault records it (`fault` in the delivery log), and each is logged.
 */
export class WebhookFaults {
  /** Deliveries held back, with the label their attempt records once sent. */
  readonly #held = new WeakMap<Delivery, string>()
  /** Held for reorder, per resource, until its next event goes out. */
  readonly #parked = new Map<string, Delivery[]>()
  /** Duplicates queued, with their label. */
  readonly #copies = new WeakMap<Delivery, string>()

  constructor(
    private readonly d: {
      store: FaultStore
      dispatcher: WebhookDispatcher
      scheduler: Scheduler
      clock: Clock
      logger: Logger
    },
  ) {}

  readonly decide = (delivery: Delivery, replay: boolean): DeliveryFault | undefined => {
    const { event } = delivery
    if (this.#parked.size > 0) this.#releaseBehind(delivery)
    if (replay) {
      const copy = this.#copies.get(delivery)
      if (copy === undefined) return undefined
      this.#copies.delete(delivery)
      // The merchant's data was reset meanwhile: the copy is not sent.
      return delivery.status === 'NOT_SENT' ? { fault: copy, hold: true } : { fault: copy }
    }
    const resumed = this.#held.get(delivery)
    if (resumed !== undefined) {
      this.#held.delete(delivery)
      delete delivery.held
      return { fault: resumed }
    }
    const rules = this.d.store.webhookRules(event.merchantId)
    if (rules === undefined) return undefined
    const rule = this.d.store.matchWebhook(rules, event.type, delivery.attempts.length === 0)
    return rule && this.#apply(rule, delivery)
  }

  /** Forgets what is held for a merchant (sandbox reset); its deliveries are no longer sent anyway. */
  deleteMerchant(merchantId: string): void {
    for (const [subject, list] of this.#parked) {
      if (list[0]?.event.merchantId === merchantId) this.#parked.delete(subject)
    }
  }

  #apply(rule: WebhookRule, delivery: Delivery): DeliveryFault {
    const { kind } = rule.webhook
    const { event } = delivery
    const log = { eventId: event.id, type: event.type, rule: rule.id }
    switch (kind) {
      case 'delay': {
        const seconds = rule.webhook.delaySeconds ?? DEFAULT_HOLD_SECONDS
        const label = `delay; delaySeconds=${seconds}; rule=${rule.id}`
        // Counted from the event, so a delivery queued behind others is not held longer.
        const due = event.time + Math.round(seconds * 1000)
        this.#held.set(delivery, label)
        delivery.held = label
        this.#at(due, () => this.d.dispatcher.enqueue(delivery, false, due))
        this.d.logger.info({ ...log, until: new Date(due).toISOString() }, `webhook fault injected: ${event.type} held for ${seconds} s`)
        return { fault: label, hold: true }
      }
      case 'reorder': {
        const seconds = rule.webhook.delaySeconds ?? DEFAULT_HOLD_SECONDS
        const label = `reorder; rule=${rule.id}`
        this.#held.set(delivery, label)
        delivery.held = label
        const parked = this.#parked.get(event.subject)
        if (parked) parked.push(delivery)
        else this.#parked.set(event.subject, [delivery])
        const due = event.time + Math.round(seconds * 1000)
        this.#at(due, () => this.#release(delivery, due))
        this.d.logger.info(log, `webhook fault injected: ${event.type} held until the next event of ${event.subject} has been sent`)
        return { fault: label, hold: true }
      }
      case 'duplicate': {
        const label = `duplicate; rule=${rule.id}`
        this.#copies.set(delivery, `duplicate; copy=2; rule=${rule.id}`)
        this.d.dispatcher.enqueue(delivery, true)
        this.d.logger.info(log, `webhook fault injected: ${event.type} sent twice`)
        return { fault: label }
      }
      case 'bad-signature': {
        this.d.logger.info(log, `webhook fault injected: ${event.type} signed with a wrong secret`)
        return {
          fault: `bad-signature; rule=${rule.id}`,
          alter: (r) => ({ ...r, headers: { ...r.headers, ...signWebhook(r.body, WRONG_SECRET, signedAt(r)) } }),
        }
      }
      case 'stale-signature': {
        const seconds = rule.webhook.staleSeconds ?? DEFAULT_STALE_SECONDS
        this.d.logger.info(log, `webhook fault injected: ${event.type} with a PPRO-Signature ${seconds} s old`)
        return {
          fault: `stale-signature; staleSeconds=${seconds}; rule=${rule.id}`,
          alter: (r, secret) => ({
            ...r,
            headers: { ...r.headers, 'ppro-signature': pproSignature(r.body, secret, signedAt(r) - seconds) },
          }),
        }
      }
    }
  }

  /** Runs `fn` at sandbox time `due`, or now if that has passed (the clock may have been moved meanwhile). */
  #at(due: number, fn: () => void): void {
    if (due <= this.d.clock.now()) fn()
    else this.d.scheduler.schedule(due, fn)
  }

  /** Another event of a resource with held events is going out: queue those behind it. */
  #releaseBehind(delivery: Delivery): void {
    const subject = delivery.event.subject
    const parked = this.#parked.get(subject)
    if (!parked || parked.includes(delivery)) return
    this.#parked.delete(subject)
    for (const d of parked) this.d.dispatcher.enqueue(d)
  }

  /** The longest a reorder holds: sent now if no later event released it. */
  #release(delivery: Delivery, due: number): void {
    const subject = delivery.event.subject
    const parked = this.#parked.get(subject)
    const i = parked ? parked.indexOf(delivery) : -1
    if (!parked || i < 0) return
    parked.splice(i, 1)
    if (parked.length === 0) this.#parked.delete(subject)
    this.d.dispatcher.enqueue(delivery, false, due)
  }
}
