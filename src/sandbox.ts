import type { Agreement } from './domain/agreement.js'
import { AgreementService } from './domain/agreements.js'
import type { Charge } from './domain/charge.js'
import { ChargeService } from './domain/charges.js'
import { type Clock, SandboxClock } from './domain/clock.js'
import type { PproEvent } from './domain/events.js'
import { FundsEvents } from './domain/funds.js'
import { type IdGenerator, interner } from './domain/ids.js'
import type { PaymentMethods } from './domain/payment-methods.js'
import { RefundService } from './domain/refunds.js'
import { Scheduler } from './domain/scheduler.js'
import { SessionService } from './domain/sessions.js'
import type { Store } from './domain/store.js'
import type { Logger } from './logger.js'
import { type Attempt, type Delivery, WebhookDispatcher, type WebhookSettings } from './webhooks/dispatcher.js'
import type { MerchantRegistry } from './webhooks/merchants.js'
import type { WebhookTransport } from './webhooks/transport.js'

export interface SandboxOptions {
  clock: Clock
  ids: IdGenerator
  store: Store
  methods: PaymentMethods
  merchants: MerchantRegistry
  transport: WebhookTransport
  webhooks: WebhookSettings
  authTimeoutSeconds: number
  /** How long a payment session can be authorized after it is created (default one hour). */
  sessionLifetimeSeconds?: number | undefined
  /** Where the sandbox is reached (links in answers, approval pages). */
  publicBaseUrl: string
  /** The consumer's approval page of a charge or agreement, on the sandbox's public URL. */
  approvalPageUrl: (id: string) => string
  logger: Logger
  /** Sees every event as it is published (tests). */
  onEvent?: ((event: PproEvent) => void) | undefined
  /** Real time, when `clock` is not it (durable mode pins `clock` while it catches up at start). */
  wallClock?: Clock | undefined
  /** Sees every delivery recorded (with its event) or changed: durable mode and retention listen. */
  onRecord?: ((delivery: Delivery, created: boolean) => void) | undefined
  /** Durable mode: a webhook cut by a shutdown stays owed, for the next start. */
  durable?: boolean | undefined
  /** Sees what the sandbox does, for the event feed (src/observe). */
  observer?: SandboxObserver | undefined
  /**
   * Replicas on Redis: every event goes here, inside its unit of work, instead of to the webhooks, the
   * log and the observers; the unit announces it (`announce`) once it is committed. No real timer is armed.
   */
  outbox?: ((event: PproEvent) => void) | undefined
}

/** What the event feed watches: events, webhook attempts (it answers the attempt's reason, for the log), clock moves. */
export interface SandboxObserver {
  event(event: PproEvent): void
  attempt(delivery: Delivery, attempt: Attempt): { code: string; message: string } | undefined
  clock(advancedMs: number): void
}

/** What `reset` removed for a merchant. */
export interface ResetCounts {
  charges: number
  agreements: number
  events: number
}

/**
 * The whole simulator without HTTP, and the one place where the domain, the store and the webhooks
 * meet: `buildApp` serves it (as `app.sandbox`), and a test or a library can drive it directly. What
 * it is built from stays private; what callers may use is named here.
 */
export class Sandbox {
  readonly clock: SandboxClock
  readonly scheduler: Scheduler
  readonly webhooks: WebhookDispatcher
  readonly charges: ChargeService
  readonly refunds: RefundService
  readonly agreements: AgreementService
  readonly sessions: SessionService
  /** The payment methods' properties (from `fixtures/payment-methods/`). */
  readonly methods: PaymentMethods
  /** Where the sandbox is reached (links in answers, approval pages). */
  readonly publicBaseUrl: string
  /** The consumer's approval page of a charge or agreement. */
  readonly approvalPageUrl: (id: string) => string
  readonly #store: Store
  readonly #funds: FundsEvents
  readonly #resetListeners: Array<(merchantId: string) => void> = []
  readonly #observer: SandboxObserver | undefined
  /** Replicas on Redis: logs an event and shows it to the observers, once its unit of work is committed. */
  readonly announce: (event: PproEvent) => void

  constructor(options: SandboxOptions) {
    this.#store = options.store
    this.methods = options.methods
    this.publicBaseUrl = options.publicBaseUrl
    this.approvalPageUrl = options.approvalPageUrl
    this.clock = new SandboxClock(options.clock)
    const outbox = options.outbox
    this.scheduler = new Scheduler(this.clock, (err) => options.logger.error({ err }, 'scheduled task failed'), !outbox)
    this.webhooks = new WebhookDispatcher({
      clock: this.clock,
      wallClock: options.wallClock ?? options.clock,
      scheduler: this.scheduler,
      transport: options.transport,
      merchants: options.merchants,
      settings: options.webhooks,
      logger: options.logger,
      onAttempt: options.observer && ((d, a) => options.observer!.attempt(d, a)),
      onRecord: options.onRecord,
      keepOwedOnClose: options.durable,
    })
    this.#observer = options.observer
    const { onEvent, observer, logger } = options
    // Every decision is an event: one log line each (`info`); a payment session follows the charge or
    // agreement it authorized; then the observers, then the webhook.
    this.announce = (e: PproEvent) => {
      logger.info({ type: e.type, subject: e.subject, event: e.id }, 'event')
      observer?.event(e)
      onEvent?.(e)
    }
    const events = {
      publish: (e: PproEvent) => {
        if (outbox) {
          this.sessions.observe(e)
          return outbox(e)
        }
        logger.info({ type: e.type, subject: e.subject, event: e.id }, 'event')
        this.sessions.observe(e)
        observer?.event(e)
        onEvent?.(e)
        this.webhooks.publish(e)
      },
    }
    const merchantKey = interner()
    // Funds events run on a schedule; they ask the charge service whether their charge still exists.
    const funds = (this.#funds = new FundsEvents({
      ids: options.ids,
      scheduler: this.scheduler,
      events,
      isLive: (c) => this.charges.isLive(c),
    }))
    // What every service of one sandbox shares.
    const common = {
      clock: this.clock,
      ids: options.ids,
      merchantKey,
      store: options.store,
      methods: options.methods,
      scheduler: this.scheduler,
    }
    this.charges = new ChargeService({
      ...common,
      events,
      funds,
      authTimeoutSeconds: options.authTimeoutSeconds,
      approvalPageUrl: options.approvalPageUrl,
      logger: options.logger,
    })
    this.refunds = new RefundService({
      clock: this.clock,
      ids: options.ids,
      methods: options.methods,
      events,
      scheduler: this.scheduler,
      funds,
      isLive: this.charges.isLive,
    })
    this.agreements = new AgreementService({
      ...common,
      events,
      charges: this.charges,
      authTimeoutSeconds: options.authTimeoutSeconds,
      approvalPageUrl: options.approvalPageUrl,
    })
    this.sessions = new SessionService({
      ...common,
      charges: this.charges,
      agreements: this.agreements,
      lifetimeSeconds: options.sessionLifetimeSeconds ?? 3600,
    })
  }

  /**
   * `DELETE /sandbox/data`: a merchant's charges, agreements and events, and nothing of anyone else's.
   * Whatever else keeps per-merchant state (request idempotency, an event feed) listens with `onReset`.
   */
  reset(merchantId: string): ResetCounts {
    const counts = {
      charges: this.#store.chargesOf(merchantId).length,
      agreements: this.#store.agreementsOf(merchantId).length,
      events: this.webhooks.count(merchantId),
    }
    this.#store.deleteMerchant(merchantId)
    this.webhooks.deleteMerchant(merchantId)
    for (const listener of this.#resetListeners) listener(merchantId)
    return counts
  }

  /** A merchant's charges, oldest first, as kept: for inspection that pages through them (the dashboard). */
  chargesOf(merchantId: string): readonly Charge[] {
    return this.#store.chargesOf(merchantId)
  }

  /** A merchant's agreements, oldest first, as kept. */
  agreementsOf(merchantId: string): readonly Agreement[] {
    return this.#store.agreementsOf(merchantId)
  }

  /** The records (durable mode reads and restores them; retention sweeps them). */
  get store(): Store {
    return this.#store
  }

  /** Merchants with records or events. */
  *merchants(): IterableIterator<string> {
    const seen = new Set<string>()
    for (const source of [this.#store.merchants(), this.webhooks.merchants()])
      for (const m of source)
        if (!seen.has(m)) {
          seen.add(m)
          yield m
        }
  }

  /**
   * Schedules again what a charge or agreement read back from the journal waits for. Its state says
   * what and when, so no timer is stored: see docs/durable-mode.md.
   */
  resume(resource: Charge | Agreement): void {
    if ('authorizations' in resource) {
      this.charges.resume(resource)
      this.refunds.resume(resource)
      this.#funds.resume(resource)
    } else {
      this.agreements.resume(resource)
    }
  }

  /** Whether a charge still waits for scheduled work (what `resume` would schedule): retention never drops it. */
  hasScheduledWork(charge: Charge): boolean {
    return (
      this.charges.hasScheduledWork(charge) || charge.refunds.some((r) => r.status === 'PENDING') || this.#funds.pending(charge).length > 0
    )
  }

  /** Forgets finished charges and agreements of a merchant, with their events (retention). */
  forget(merchantId: string, chargeIds: ReadonlySet<string>, agreementIds: ReadonlySet<string>): void {
    this.#store.forget(merchantId, chargeIds, agreementIds)
    this.webhooks.forget(merchantId, new Set([...chargeIds, ...agreementIds]))
  }

  /** Runs `listener` after every `reset`, with the merchant whose data was removed. */
  onReset(listener: (merchantId: string) => void): void {
    this.#resetListeners.push(listener)
  }

  /** Runs what has become due. Called on every request, so reads after a deadline see its effect. */
  tick(): void {
    this.scheduler.runDue()
  }

  /**
   * Moves the sandbox clock forward by exactly `ms` and runs everything that became due, in time
   * order, each at its own time: a timeout passed on the way is recorded at its deadline, a retry it
   * schedules counts from then, and so on up to the target. The target is an offset, not a time, so
   * the real time the tasks take is not lost from the move.
   */
  advance(ms: number): void {
    this.#observer?.clock(ms)
    const clock = this.clock
    const end = clock.offsetMs + ms
    for (let next = this.scheduler.peek(); next !== undefined; next = this.scheduler.peek()) {
      const offsetForNext = next - clock.baseNow()
      if (offsetForNext > end) break
      clock.setOffset(offsetForNext)
      this.scheduler.runDue()
    }
    clock.setOffset(end)
    this.scheduler.runDue()
  }

  async close(graceMs: number): Promise<void> {
    this.scheduler.close()
    await this.webhooks.close(graceMs)
  }
}

export function createSandbox(options: SandboxOptions): Sandbox {
  return new Sandbox(options)
}
