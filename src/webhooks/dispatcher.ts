import type { Clock } from '../domain/clock.js'
import { iso } from '../domain/clock.js'
import { refuse } from '../domain/errors.js'
import type { EventSink, PproEvent } from '../domain/events.js'
import type { Scheduler } from '../domain/scheduler.js'
import type { Logger } from '../logger.js'
import type { MerchantRegistry } from './merchants.js'
import { signWebhook } from './signing.js'
import type { WebhookRequest, WebhookTransport } from './transport.js'

export interface WebhookSettings {
  timeoutMs: number
  retryBaseMs: number
  maxAttempts: number
}

export interface Attempt {
  /** Sandbox-clock time the attempt started. */
  at: number
  statusCode?: number
  error?: string
  durationMs: number
  /** Sandbox-clock time of the retry this failure scheduled, if any. */
  nextAttemptAt?: number
  replay?: boolean
  /** The fault injected into this attempt by a sandbox fault rule, e.g. `bad-signature; rule=fault_…`. */
  fault?: string
  /** The first bytes of the receiver's answer, when the transport reads them. */
  responseBody?: string
  /** The Unix time (seconds, real time) its PPRO-Signature was made at. */
  signedAt?: number
}

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED' | 'NOT_SENT'

/**
 * One event and what became of it. An event's data is the same every time it is built (see
 * PproEvent), so its body (`eventBody`) is the same bytes at every attempt and replay: it is built
 * to send, not stored, which keeps the sandbox small when it records thousands of events.
 */
export interface Delivery {
  event: PproEvent
  url: string | undefined
  status: DeliveryStatus
  attempts: readonly Attempt[]
  /** Held back by a sandbox fault rule (delay, reorder) until it is sent: which one. */
  held?: string
}

/** The attempts of a delivery not tried yet: one shared frozen empty list, replaced on the first attempt. */
const NO_ATTEMPTS: readonly Attempt[] = Object.freeze([])

/**
 * What the dispatcher keeps of each event: its delivery, or, for an event that had no URL to go to
 * and was never tried (most, in a test suite with no receiver), the event alone. Its delivery is then
 * built when asked (NOT_SENT, no attempts), and kept only once a replay tries it.
 */
type Kept = Delivery | PproEvent
const NOTHING_KEPT: readonly Kept[] = Object.freeze([])

const isDelivery = (k: Kept): k is Delivery => (k as Partial<Delivery>).attempts !== undefined
const eventOf = (k: Kept): PproEvent => (isDelivery(k) ? k.event : k)
/** The delivery of an event that was never sent: no URL, no attempt. */
const notSent = (event: PproEvent): Delivery => ({ event, url: undefined, status: 'NOT_SENT', attempts: NO_ATTEMPTS })
const deliveryOf = (k: Kept): Delivery => (isDelivery(k) ? k : notSent(k))
/** Whether a delivery says no more than its event alone would (see Kept). */
const bare = (d: Delivery) => d.url === undefined && d.status === 'NOT_SENT' && d.attempts.length === 0 && d.held === undefined

/** A merchant's deliveries in the order their events happened, read by position (the dashboard pages through them). */
export interface Deliveries {
  readonly length: number
  at(index: number): Delivery | undefined
}

/** What a fault rule does to an attempt about to be sent (see src/faults). */
export interface DeliveryFault {
  /** Recorded on the attempt. */
  fault: string
  /** Send nothing now: the fault module queues the delivery again later (`enqueue`). */
  hold?: boolean
  /** Changes the request sent (its signatures). */
  alter?: (request: WebhookRequest, secret: string) => WebhookRequest
}

/** Asked as each attempt is about to be sent. */
export type DeliveryFaults = (delivery: Delivery, replay: boolean) => DeliveryFault | undefined

export interface DeliveryFilter {
  chargeId?: string | undefined
  agreementId?: string | undefined
  type?: string | undefined
}

const ENVELOPE = { specversion: '1.0.2', source: 'https://www.ppro.com', datacontenttype: 'application/json' }

type EnvelopeFields = Pick<PproEvent, 'id' | 'type' | 'subject' | 'time' | 'data'>

/** PPRO's CloudEvents envelope around the event's data; `time` is sandbox time, when the event happened. */
export function eventEnvelope(event: EnvelopeFields) {
  return { ...ENVELOPE, id: event.id, type: event.type, subject: event.subject, time: iso(event.time), data: event.data }
}

/** The exact bytes sent for an event: its envelope as JSON. */
export function eventBody(event: EnvelopeFields): string {
  return JSON.stringify(eventEnvelope(event))
}

/**
 * Sends PPRO's webhooks off the request path. Every event is recorded first (and kept even when no URL
 * is configured); first attempts of one resource's events go out one after another in the order they
 * happened; failures retry on the sandbox clock, `retryBaseMs` doubling, at most `maxAttempts` in all.
 * Deliveries of different resources run concurrently, so a receiver that hangs delays no one else.
 */
export class WebhookDispatcher implements EventSink {
  readonly #byMerchant = new Map<string, Kept[]>()
  /** Per resource, the first attempt still running or waiting: the next event of it queues behind. */
  readonly #chains = new Map<string, Promise<void>>()
  readonly #inFlight = new Set<Promise<void>>()
  #closed = false
  /** Sandbox fault rules, asked before each attempt; set by the faults module. */
  faults: DeliveryFaults | undefined = undefined

  constructor(
    private readonly d: {
      /** Sandbox time: when events happened, attempts ran and retries are due. */
      clock: Clock
      /** Real time: the `PPRO-Signature` timestamp, which a receiver compares with its own clock. */
      wallClock: Clock
      scheduler: Scheduler
      transport: WebhookTransport
      merchants: MerchantRegistry
      settings: WebhookSettings
      logger: Logger
      /** Sees each attempt once its outcome is decided; answers the reason its log line carries. */
      onAttempt?: ((delivery: Delivery, attempt: Attempt) => { code: string; message: string } | undefined) | undefined
      /** A delivery was recorded with its event (`created`) or changed (an attempt's outcome): durable mode and retention listen. */
      onRecord?: ((delivery: Delivery, created: boolean) => void) | undefined
      /** Durable mode: an attempt that fails while shutting down leaves its delivery owed, for the next start. */
      keepOwedOnClose?: boolean | undefined
    },
  ) {}

  publish(event: PproEvent): void {
    const url = event.webhooksUrl ?? this.d.merchants.webhookUrl(event.merchantId)
    if (!url) {
      this.#keep(event.merchantId, event)
      this.d.onRecord?.(notSent(event), true)
      return
    }
    const delivery: Delivery = { event, url, status: 'PENDING', attempts: NO_ATTEMPTS }
    this.#keep(event.merchantId, delivery)
    this.d.onRecord?.(delivery, true)
    if (this.#closed) return
    this.enqueue(delivery)
  }

  #keep(merchantId: string, kept: Kept): void {
    const list = this.#byMerchant.get(merchantId)
    if (list) list.push(kept)
    else this.#byMerchant.set(merchantId, [kept])
  }

  /** Queues an attempt of a delivery behind the attempts of its resource already queued. */
  enqueue(delivery: Delivery, replay = false, due?: number): void {
    const subject = delivery.event.subject
    const previous = this.#chains.get(subject) ?? Promise.resolve()
    const next = previous.then(() => this.#attempt(delivery, replay, due))
    this.#chains.set(subject, next)
    void next.then(() => {
      if (this.#chains.get(subject) === next) this.#chains.delete(subject)
    })
  }

  /** Deliveries read back from the journal, in the order their events happened; nothing is sent yet. */
  restore(deliveries: readonly Delivery[]): void {
    for (const d of deliveries) this.#keep(d.event.merchantId, bare(d) ? d.event : d)
  }

  /**
   * Queues what restored deliveries still owe: a first attempt, behind earlier events of the same
   * resource, for one never tried; the retry at its time for one that failed.
   */
  resume(): void {
    for (const list of this.#byMerchant.values()) {
      for (const d of list) {
        if (!isDelivery(d) || d.status !== 'PENDING' || !d.url) continue
        const last = d.attempts.filter((a) => !a.replay).at(-1)
        if (!last) this.enqueue(d)
        else this.#scheduleRetry(d, last.nextAttemptAt ?? this.d.clock.now())
      }
    }
  }

  /** The merchants with events. */
  merchants(): IterableIterator<string> {
    return this.#byMerchant.keys()
  }

  /** Forgets the events of these resources (retention), and stops what they still had queued. */
  forget(merchantId: string, subjects: ReadonlySet<string>): void {
    const list = this.#byMerchant.get(merchantId)
    if (!list) return
    const kept: Kept[] = []
    for (const k of list) {
      if (!subjects.has(eventOf(k).subject)) kept.push(k)
      else if (isDelivery(k)) k.status = 'NOT_SENT'
    }
    this.#byMerchant.set(merchantId, kept)
  }

  /** A merchant's deliveries, oldest first, filtered. */
  list(merchantId: string, filter: DeliveryFilter = {}): Delivery[] {
    const out: Delivery[] = []
    for (const k of this.#byMerchant.get(merchantId) ?? NOTHING_KEPT) {
      const e = eventOf(k)
      if (
        (filter.chargeId === undefined || e.chargeId === filter.chargeId) &&
        (filter.agreementId === undefined || e.agreementId === filter.agreementId) &&
        (filter.type === undefined || e.type === filter.type)
      )
        out.push(deliveryOf(k))
    }
    return out
  }

  /** How many events a merchant has. */
  count(merchantId: string): number {
    return this.#byMerchant.get(merchantId)?.length ?? 0
  }

  /** A merchant's deliveries, oldest first, read in place (no copy): the dashboard pages through them by position. */
  deliveriesOf(merchantId: string): Deliveries {
    const list = this.#byMerchant.get(merchantId) ?? NOTHING_KEPT
    return {
      length: list.length,
      at: (i) => {
        const k = list.at(i)
        return k === undefined ? undefined : deliveryOf(k)
      },
    }
  }

  /** The headers `attempt` went out with; with no attempt, those a send now would carry. */
  headersOf(delivery: Delivery, attempt?: Attempt): Record<string, string> {
    const secret = this.d.merchants.webhookSecret(delivery.event.merchantId)
    const signedAt = attempt?.signedAt ?? Math.floor(this.d.wallClock.now() / 1000)
    return { 'content-type': 'application/json', ...signWebhook(eventBody(delivery.event), secret, signedAt) }
  }

  /** A merchant's delivery by event id (a scan: only inspection and replay ask). */
  get(merchantId: string, eventId: string): Delivery {
    return deliveryOf(this.#find(merchantId, eventId).kept)
  }

  #find(merchantId: string, eventId: string): { list: Kept[]; i: number; kept: Kept } {
    const list = this.#byMerchant.get(merchantId)
    const i = list ? list.findIndex((k) => eventOf(k).id === eventId) : -1
    if (!list || i < 0) throw refuse('notFound', 'webhook event', eventId)
    return { list, i, kept: list[i]! }
  }

  /** Sends an event again now, to the URL it had (or the merchant's current one), and waits for the answer. */
  async replay(merchantId: string, eventId: string): Promise<Delivery> {
    const { list, i, kept } = this.#find(merchantId, eventId)
    const delivery = deliveryOf(kept)
    delivery.url ??= this.d.merchants.webhookUrl(merchantId)
    if (!delivery.url) return delivery
    // An event kept alone gets its delivery now, to record the attempt.
    if (delivery !== kept) list[i] = delivery
    await this.#attempt(delivery, true)
    return delivery
  }

  /** Forgets a merchant's events (sandbox reset). Retries already scheduled find nothing and stop. */
  deleteMerchant(merchantId: string): void {
    for (const d of this.#byMerchant.get(merchantId) ?? NOTHING_KEPT) if (isDelivery(d)) d.status = 'NOT_SENT'
    this.#byMerchant.delete(merchantId)
  }

  /** Resolves once no attempt is running or queued: tests await it instead of polling. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0 || this.#chains.size > 0) {
      await Promise.allSettled([...this.#inFlight, ...this.#chains.values()])
    }
  }

  /** Stops scheduling; gives attempts in flight up to `graceMs` to finish. */
  async close(graceMs: number): Promise<void> {
    this.#closed = true
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs)
    })
    await Promise.race([Promise.allSettled([...this.#inFlight]), grace])
    clearTimeout(timer)
  }

  /** `due`: the sandbox time a scheduled retry was due, recorded as its time even when the clock jumped past it. */
  #attempt(delivery: Delivery, replay: boolean, due?: number): Promise<void> {
    const run = this.#send(delivery, replay, due)
    this.#inFlight.add(run)
    void run.finally(() => this.#inFlight.delete(run))
    return run
  }

  async #send(delivery: Delivery, replay: boolean, due?: number): Promise<void> {
    // A reset marks its merchant's deliveries NOT_SENT: retries scheduled before it stop here.
    if (!delivery.url || (delivery.status === 'NOT_SENT' && !replay)) return
    const { clock, settings, merchants } = this.d
    const { event } = delivery
    // Sandbox fault rules (src/faults) may hold this attempt back or change what it sends.
    const fault = this.faults?.(delivery, replay)
    if (fault?.hold) return
    const secret = merchants.webhookSecret(event.merchantId)
    const alter = fault?.alter
    const send = alter ? (r: WebhookRequest) => this.d.transport(alter(r, secret)) : this.d.transport
    const body = eventBody(event)
    const at = due ?? clock.now()
    // Signed at the real time of sending, so a receiver's freshness window holds after a clock move.
    const attempt: Attempt = { at, durationMs: 0, signedAt: Math.floor(this.d.wallClock.now() / 1000) }
    if (replay) attempt.replay = true
    if (fault) attempt.fault = fault.fault
    // concat: an array of the exact length (a spread would leave room for 16 more, 128 bytes each time).
    delivery.attempts = delivery.attempts.concat([attempt])
    const started = performance.now()
    try {
      const { status, body: answer } = await send({
        url: delivery.url,
        body,
        timeoutMs: settings.timeoutMs,
        headers: { 'content-type': 'application/json', ...signWebhook(body, secret, attempt.signedAt) },
      })
      attempt.statusCode = status
      if (answer !== undefined) attempt.responseBody = answer
    } catch (err) {
      attempt.error = describeError(err)
    }
    attempt.durationMs = Math.round(performance.now() - started)
    const ok = attempt.statusCode !== undefined && attempt.statusCode >= 200 && attempt.statusCode < 300
    const log = { eventId: event.id, type: event.type, url: delivery.url, attempt: delivery.attempts.length, fault: attempt.fault }
    try {
      this.#outcome(delivery, attempt, ok, replay, at, log)
    } finally {
      this.d.onRecord?.(delivery, false)
    }
  }

  #outcome(delivery: Delivery, attempt: Attempt, ok: boolean, replay: boolean, at: number, log: Record<string, unknown>): void {
    const { settings, logger } = this.d
    // The feed records the attempt once its outcome is decided, and answers the reason its log line carries.
    const reason = () => this.d.onAttempt?.(delivery, attempt)
    if (ok) {
      delivery.status = 'DELIVERED'
      logger.info({ ...log, statusCode: attempt.statusCode, reason: reason() }, 'webhook delivered')
      return
    }
    if (replay || delivery.status === 'DELIVERED') return void reason()
    const scheduled = delivery.attempts.filter((a) => !a.replay).length
    const outcome = attempt.error ?? `HTTP ${attempt.statusCode}`
    if (this.#closed && this.d.keepOwedOnClose) return
    if (scheduled >= settings.maxAttempts || this.#closed) {
      delivery.status = 'FAILED'
      logger.warn({ ...log, outcome, reason: reason() }, `webhook not acknowledged after ${scheduled} attempts; giving up`)
      return
    }
    const next = at + settings.retryBaseMs * 2 ** (scheduled - 1)
    attempt.nextAttemptAt = next
    logger.info({ ...log, outcome, nextAttemptAt: iso(next), reason: reason() }, 'webhook not acknowledged; will retry')
    this.#scheduleRetry(delivery, next)
  }

  #scheduleRetry(delivery: Delivery, next: number): void {
    // The sandbox clock may have moved past the retry while this attempt was in flight: send it now.
    if (next <= this.d.clock.now()) this.#retry(delivery, next)
    else this.d.scheduler.schedule(next, this.#retry, delivery)
  }

  /** A waiting retry is the delivery and its due time in the scheduler: one shared function, no closure each. */
  readonly #retry = (delivery: Delivery, due: number): void => {
    if (delivery.status === 'PENDING' && !this.#closed) void this.#attempt(delivery, false, due)
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timeout'
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    return cause?.code ?? cause?.message ?? (err as NodeJS.ErrnoException).code ?? err.message
  }
  return String(err)
}
