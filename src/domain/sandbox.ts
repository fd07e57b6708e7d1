import { AgreementService } from './agreements.js'
import { ChargeService } from './charges.js'
import { FundsEvents } from './funds.js'
import { type Clock, SandboxClock } from './clock.js'
import type { SandboxEvent } from './events.js'
import type { IdGenerator } from './ids.js'
import type { PaymentMethods } from './payment-methods.js'
import { RefundService } from './refunds.js'
import { Scheduler } from './scheduler.js'
import { IdempotencyStore } from '../store/idempotency-store.js'
import type { Store } from '../store/memory-store.js'
import { type Logger, WebhookDispatcher, type WebhookSettings } from '../webhooks/dispatcher.js'
import type { MerchantRegistry } from '../webhooks/merchants.js'
import type { WebhookTransport } from '../webhooks/transport.js'

export interface SandboxDeps {
  clock: Clock
  ids: IdGenerator
  store: Store
  methods: PaymentMethods
  merchants: MerchantRegistry
  transport: WebhookTransport
  webhooks: WebhookSettings
  authTimeoutSeconds: number
  /** The consumer's approval page of a charge or agreement, on the sandbox's public URL. */
  checkoutUrl: (id: string) => string
  logger: Logger & { error(obj: object, msg: string): void }
  /** Sees every event as it is published (tests). */
  onEvent?: ((event: SandboxEvent) => void) | undefined
}

/** The whole simulator without HTTP: what `buildApp` serves, and what a test can drive directly. */
export class Sandbox {
  readonly clock: SandboxClock
  readonly scheduler: Scheduler
  readonly webhooks: WebhookDispatcher
  readonly charges: ChargeService
  readonly refunds: RefundService
  readonly agreements: AgreementService
  /** PPRO keeps idempotency keys for 24 hours; here, 24 hours of sandbox time. */
  readonly idempotency = new IdempotencyStore(24 * 3_600_000)
  readonly #resetListeners: Array<(merchantId: string) => void> = []

  constructor(readonly deps: SandboxDeps) {
    this.clock = new SandboxClock(deps.clock)
    this.scheduler = new Scheduler(this.clock, (err) => deps.logger.error({ err }, 'scheduled task failed'))
    this.webhooks = new WebhookDispatcher({
      clock: this.clock,
      scheduler: this.scheduler,
      transport: deps.transport,
      merchants: deps.merchants,
      settings: deps.webhooks,
      logger: deps.logger,
    })
    const onEvent = deps.onEvent
    const events = onEvent ? { publish: (e: SandboxEvent) => (onEvent(e), this.webhooks.publish(e)) } : this.webhooks
    // Funds events run on a schedule; they ask the charge service whether their charge still exists.
    const funds = new FundsEvents({ ids: deps.ids, scheduler: this.scheduler, events, isLive: (c) => this.charges.isLive(c) })
    this.charges = new ChargeService({
      clock: this.clock,
      ids: deps.ids,
      store: deps.store,
      methods: deps.methods,
      scheduler: this.scheduler,
      events,
      funds,
      authTimeoutSeconds: deps.authTimeoutSeconds,
      checkoutUrl: deps.checkoutUrl,
      logger: deps.logger,
    })
    this.refunds = new RefundService({
      clock: this.clock,
      ids: deps.ids,
      methods: deps.methods,
      events,
      scheduler: this.scheduler,
      funds,
      isLive: this.charges.isLive,
    })
    this.agreements = new AgreementService({
      clock: this.clock,
      ids: deps.ids,
      store: deps.store,
      methods: deps.methods,
      scheduler: this.scheduler,
      events,
      charges: this.charges,
      authTimeoutSeconds: deps.authTimeoutSeconds,
      requestUrl: deps.checkoutUrl,
    })
  }

  /** `DELETE /sandbox/data`: a merchant's charges, agreements, events and idempotency keys, and nothing of anyone else's. */
  reset(merchantId: string): { charges: number; agreements: number; events: number } {
    const { store } = this.deps
    const counts = {
      charges: store.chargesOf(merchantId).length,
      agreements: store.agreementsOf(merchantId).length,
      events: this.webhooks.list(merchantId).length,
    }
    this.deps.store.deleteMerchant(merchantId)
    this.webhooks.deleteMerchant(merchantId)
    this.idempotency.deleteMerchant(merchantId)
    for (const listener of this.#resetListeners) listener(merchantId)
    return counts
  }

  /** Whatever else keeps per-merchant state (fault rules) is told of a reset. */
  onReset(listener: (merchantId: string) => void): void {
    this.#resetListeners.push(listener)
  }

  /** Runs what has become due. Called on every API entry, so reads after a deadline see its effect. */
  tick(): void {
    this.scheduler.runDue()
    const now = this.clock.now()
    if (now >= this.#nextSweep) {
      this.#nextSweep = now + 3_600_000
      this.idempotency.sweep(now)
    }
  }

  #nextSweep = 0

  /**
   * Moves the sandbox clock forward and runs everything that became due, in time order, each at its
   * own time: a timeout passed on the way is recorded at its deadline, a retry it schedules counts
   * from then, and so on up to the target.
   */
  advance(ms: number): void {
    const target = this.clock.now() + ms
    for (let next = this.scheduler.peek(); next !== undefined && next <= target; next = this.scheduler.peek()) {
      const now = this.clock.now()
      if (next > now) this.clock.advance(next - now)
      this.scheduler.runDue()
    }
    const now = this.clock.now()
    if (target > now) this.clock.advance(target - now)
    this.scheduler.runDue()
  }

  async close(graceMs: number): Promise<void> {
    this.scheduler.close()
    await this.webhooks.close(graceMs)
  }
}
