import type { Authorization, Capture, Charge, Consumer, Discard, DiscardType, Initiator, PaymentMedium, ScheduleType } from './charge.js'
import { AWAITING_CONSUMER, transition } from './charge-machine.js'
import type { Clock } from './clock.js'
import { badRequest, notFound, SandboxError } from './errors.js'
import { ChargeEvent, type ChargeEventType, type EventSink } from './events.js'
import { failure, type FailureCode } from './failures.js'
import type { IdGenerator } from './ids.js'
import type { PaymentMethods } from './payment-methods.js'
import type { Scheduler } from './scheduler.js'
import type { FundsEvents } from './funds.js'
import { parseDescriptor, simulatedDecline } from './simulation.js'
import type { Store } from '../store/memory-store.js'

export interface AuthenticationSetting {
  type: string
  settings?: { returnUrl?: string | undefined; [k: string]: unknown } | undefined
}

/** A create-charge request after its shape was checked (PPRO's `AuthorizationRequest`). */
export interface CreateChargeInput {
  paymentMethod: string
  paymentMedium?: PaymentMedium | undefined
  paymentDescriptor?: string | undefined
  initiator?: Initiator | undefined
  scheduleType?: ScheduleType | undefined
  instrumentId?: string | undefined
  amount: { value: number; currency: string }
  consumer: Consumer
  order?: Record<string, unknown> | undefined
  merchantPaymentChargeReference?: string | undefined
  authenticationSettings?: AuthenticationSetting[] | undefined
  autoCapture?: boolean | undefined
  webhooksUrl?: string | undefined
  labels?: Record<string, string> | undefined
}

/** What the consumer does on the approval page (or a test does for them). */
export type ConsumerOutcome = { action: 'approve' } | { action: 'decline'; failureCode?: FailureCode } | { action: 'cancel' }

export interface ChargeSearch {
  merchantPaymentChargeReference?: string | undefined
  agreementId?: string | undefined
  page?: string | undefined
}

export const PAGE_SIZE = 20

export interface ChargeServiceDeps {
  clock: Clock
  ids: IdGenerator
  store: Store
  methods: PaymentMethods
  scheduler: Scheduler
  events: EventSink
  funds: FundsEvents
  authTimeoutSeconds: number
  checkoutUrl: (id: string) => string
  logger: { info(obj: object, msg: string): void }
}

const EMPTY: never[] = []

/**
 * What is refused before anything is created: a negative amount (422; PPRO's schema allows it) and
 * `autoCapture: false` (KakaoPay has no separate capture). `field` prefixes the names, for an
 * agreement's `initialPaymentCharge`.
 */
export function refuseChargeRequest(input: { amount: { value: number }; autoCapture?: boolean | undefined }, field = ''): void {
  if (input.amount.value < 0) throw new SandboxError(422, `${field}amount.value must not be negative`)
  if (input.autoCapture === false) {
    throw badRequest(
      `${field}autoCapture: false is not supported: KakaoPay has no separate capture, every approved charge is captured at once`,
    )
  }
}

export class ChargeService {
  constructor(private readonly d: ChargeServiceDeps) {}

  /**
   * Creates a charge: declined at once if it breaks the method's properties, else waiting for the
   * consumer. `agreementId` links an agreement's initial charge, approved with the agreement.
   */
  create(merchantId: string, input: CreateChargeInput, agreementId?: string): Charge {
    const now = this.d.clock.now()
    const charge = this.#newCharge(merchantId, input, now, agreementId)
    const simulation = charge.simulation
    const declined = this.#checkMethod(charge, input, false)
    this.#insert(charge, input)
    if (declined) {
      this.#failAuthorization(charge, declined, now)
    } else {
      transition(charge, 'AUTHENTICATION_PENDING', now)
      charge.authenticationDeadline = now + this.d.authTimeoutSeconds * 1000
      this.d.scheduler.schedule(charge.authenticationDeadline, this.#timeout, charge)
      this.#emit(charge, 'PAYMENT_CHARGE_AUTHENTICATION_PENDING', this.d.checkoutUrl(charge.id))
      const action = simulation?.consumerAction
      if (action) {
        const outcome: ConsumerOutcome =
          action === 'decline' ? { action, failureCode: simulation.declineCode ?? 'AUTHENTICATION_FAILED' } : { action }
        this.d.scheduler.schedule(
          now + (simulation.consumerActionDelayMs ?? 0),
          () => this.isLive(charge) && this.authenticate(charge, outcome),
        )
      }
    }
    return charge
  }

  /**
   * Schedules again what a charge read back from the journal still waits for, from its state alone
   * (every due time is in it): its authentication timeout, the simulated consumer's action, the
   * provider's confirmation. Work already due runs at its own time (see Durable's catch-up).
   */
  resume(charge: Charge): void {
    const sim = charge.simulation
    if (AWAITING_CONSUMER.has(charge.status)) {
      if (charge.authenticationDeadline !== undefined) this.d.scheduler.schedule(charge.authenticationDeadline, this.#timeout, charge)
      const action = sim?.consumerAction
      if (action) {
        const outcome: ConsumerOutcome =
          action === 'decline' ? { action, failureCode: sim.declineCode ?? 'AUTHENTICATION_FAILED' } : { action }
        this.d.scheduler.schedule(
          charge.createdAt + (sim.consumerActionDelayMs ?? 0),
          () => this.isLive(charge) && this.authenticate(charge, outcome),
        )
      }
    } else if (charge.status === 'AUTHORIZATION_ASYNC') {
      this.#scheduleProvider(charge, charge.authorizations[0]!.updatedAt + (sim?.providerConfirmationDelayMs ?? 0))
    }
  }

  /** The authentication timeout task: one shared function, the charge as its argument (no closure a charge). */
  readonly #timeout = (charge: Charge) => {
    if (this.isLive(charge)) this.expire(charge)
  }

  /** Still stored: a reset (`DELETE /sandbox/data`) leaves scheduled work nothing to act on. */
  readonly isLive = (charge: Charge): boolean => this.d.store.getCharge(charge.id) === charge

  /**
   * `POST /v1/payment-agreements/{id}/payment-charges`: a merchant-initiated charge, decided at once with
   * no consumer step. `agreementDecline` is the agreement's own answer (revoked, inactive, amount).
   */
  createMerchantInitiated(
    merchantId: string,
    input: CreateChargeInput,
    agreementId: string,
    agreementDecline: FailureCode | undefined,
  ): Charge {
    const now = this.d.clock.now()
    const charge = this.#newCharge(merchantId, input, now, agreementId)
    const declined = agreementDecline ?? this.#checkMethod(charge, input, true)
    this.#insert(charge, input)
    if (declined) this.#failAuthorization(charge, declined, now)
    else this.#authorize(charge, now)
    return charge
  }

  /** The payment method property the charge breaks, if any (merchant-initiated charges need no authentication). */
  #checkMethod(charge: Charge, input: CreateChargeInput, merchantInitiated: boolean): FailureCode | undefined {
    return this.d.methods.check({
      paymentMethod: charge.paymentMethod,
      country: charge.country,
      currency: charge.currency,
      amount: charge.amount,
      authenticationTypes: input.authenticationSettings?.map((s) => s.type) ?? [],
      returnUrl: charge.returnUrl,
      merchantInitiated,
    })
  }

  #newCharge(merchantId: string, input: CreateChargeInput, now: number, agreementId: string | undefined): Charge {
    const { ids } = this.d
    refuseChargeRequest(input)
    const redirect = input.authenticationSettings?.find((s) => s.type === 'REDIRECT')
    const { simulation, ignored } = parseDescriptor(input.paymentDescriptor)
    // Every field is set here, undefined or not, so all charges share one compact object shape.
    const authorization: Authorization = {
      id: ids('authz_'),
      amount: input.amount.value,
      status: 'AUTHENTICATION_PENDING',
      failure: undefined,
      createdAt: now,
      updatedAt: now,
    }
    const charge: Charge = {
      id: ids('charge_'),
      merchantId: this.d.store.merchantKey(merchantId),
      status: 'AUTHORIZATION_PROCESSING',
      paymentMethod: input.paymentMethod,
      paymentMedium: input.paymentMedium ?? 'ECOMMERCE',
      initiator: input.initiator ?? 'CONSUMER',
      scheduleType: input.scheduleType,
      agreementId,
      instrumentId: input.instrumentId,
      amount: input.amount.value,
      currency: input.amount.currency,
      country: input.consumer.country,
      paymentDescriptor: input.paymentDescriptor,
      merchantPaymentChargeReference: input.merchantPaymentChargeReference,
      consumer: input.consumer,
      order: input.order,
      labels: input.labels,
      returnUrl: redirect?.settings?.returnUrl,
      webhooksUrl: input.webhooksUrl,
      failure: undefined,
      authorizations: [authorization],
      captures: EMPTY,
      refunds: EMPTY,
      discards: EMPTY,
      voids: EMPTY,
      createdAt: now,
      updatedAt: now,
      authenticationDeadline: undefined,
      simulation,
    }
    if (ignored.length > 0) {
      this.d.logger.info({ chargeId: charge.id, ignored }, 'paymentDescriptor simulation keys ignored')
    }
    return charge
  }

  #insert(charge: Charge, input: CreateChargeInput): void {
    this.d.store.insertCharge(charge)
    this.#emit(charge, 'PAYMENT_CHARGE_CREATED', input.authenticationSettings)
  }

  /** A merchant's own charge; another merchant's id is as unknown as a made-up one. */
  get(merchantId: string, id: string): Charge {
    const charge = this.d.store.getCharge(id)
    if (!charge || charge.merchantId !== merchantId) throw notFound('payment charge', id)
    return charge
  }

  /** Any merchant's charge, for the consumer's approval page (reached by its unguessable id). */
  findForConsumer(id: string): Charge | undefined {
    return this.d.store.getCharge(id)
  }

  /** Newest first, PAGE_SIZE a page; `page` is the opaque `nextPage` of the previous answer. */
  search(merchantId: string, q: ChargeSearch): { data: Charge[]; nextPage?: string } {
    const start = q.page === undefined ? 0 : decodePage(q.page)
    const all = this.d.store.chargesOf(merchantId)
    const data: Charge[] = []
    let seen = 0
    for (let i = all.length - 1; i >= 0; i--) {
      const c = all[i]!
      if (q.merchantPaymentChargeReference !== undefined && c.merchantPaymentChargeReference !== q.merchantPaymentChargeReference) continue
      if (q.agreementId !== undefined && c.agreementId !== q.agreementId) continue
      if (seen++ < start) continue
      if (data.length === PAGE_SIZE) return { data, nextPage: encodePage(start + PAGE_SIZE) }
      data.push(c)
    }
    return { data }
  }

  /**
   * The consumer's decision. On a charge no longer waiting for one it changes nothing and says so
   * (`changed: false`), so a second post of the page, or a late headless call, is harmless.
   */
  authenticate(charge: Charge, outcome: ConsumerOutcome): { charge: Charge; changed: boolean } {
    if (!AWAITING_CONSUMER.has(charge.status)) return { charge, changed: false }
    const now = this.d.clock.now()
    if (outcome.action === 'approve') {
      const sim = charge.simulation
      if (sim?.providerConfirmation) this.#awaitProvider(charge, now, now + (sim.providerConfirmationDelayMs ?? 0))
      else this.#authorize(charge, now)
    } else if (outcome.action === 'decline') {
      this.#failAuthorization(charge, outcome.failureCode ?? 'AUTHENTICATION_FAILED', now)
    } else {
      this.#failAuthorization(charge, 'CANCELED_BY_CONSUMER', now)
    }
    return { charge, changed: true }
  }

  /** `POST .../discards`: the merchant gives up on a charge the consumer has not finished. */
  discardByMerchant(charge: Charge, merchantDiscardReference?: string): Discard {
    if (!AWAITING_CONSUMER.has(charge.status)) {
      throw badRequest(
        `payment charge ${charge.id} is ${charge.status}: only a charge waiting for the consumer (AUTHENTICATION_PENDING) can be discarded`,
      )
    }
    this.#discard(charge, 'MERCHANT_INITIATED_DISCARD', this.d.clock.now(), merchantDiscardReference)
    return charge.discards[0]!
  }

  /** KakaoPay captures every approved charge at once: a separate capture is refused, saying why. */
  refuseCapture(charge: Charge): never {
    throw badRequest(
      charge.status === 'AUTHENTICATION_PENDING'
        ? `KakaoPay has no separate capture: payment charge ${charge.id} is captured automatically when the consumer approves it`
        : `KakaoPay has no separate capture: payment charge ${charge.id} is ${charge.status}${charge.captures.length ? ' and was captured automatically on approval' : ''}`,
    )
  }

  /** Nothing is ever authorized-but-uncaptured with KakaoPay, so nothing can be voided. */
  refuseVoid(charge: Charge): never {
    throw badRequest(
      `KakaoPay charges are captured at once, so there is nothing to void on payment charge ${charge.id} (${charge.status}); refund a captured charge instead`,
    )
  }

  /** REDIRECT authentication is confirmed by the consumer on the approval page, not by the merchant. */
  refuseConfirmation(charge: Charge): never {
    throw badRequest(
      `payment charge ${charge.id} uses REDIRECT authentication: the consumer confirms it on the approval page; there is nothing for the merchant to confirm`,
    )
  }

  /**
   * The authentication timeout: a charge still waiting is discarded. Run at its deadline by the
   * scheduler, or earlier by `POST /sandbox/payment-charges/{id}/expire`.
   */
  expire(charge: Charge): boolean {
    if (!AWAITING_CONSUMER.has(charge.status)) return false
    // Recorded at the deadline itself, however late the timer or the next request noticed it.
    const at = Math.min(this.d.clock.now(), charge.authenticationDeadline ?? Infinity)
    this.#discard(charge, 'AUTHENTICATION_TIMEOUT', at)
    return true
  }

  #discard(charge: Charge, type: DiscardType, now: number, merchantDiscardReference?: string): void {
    transition(charge, 'DISCARDED', now)
    const authz = charge.authorizations[0]!
    authz.status = 'FAILED'
    authz.updatedAt = now
    const discard: Discard = {
      id: this.d.ids('discard_'),
      status: 'DISCARDED',
      type,
      merchantDiscardReference,
      createdAt: now,
      updatedAt: now,
    }
    charge.discards = [discard]
    charge.authenticationDeadline = undefined
    this.#emit(charge, 'PAYMENT_CHARGE_DISCARDED', discard)
  }

  /** The provider's answer: PPRO's simulator amounts decline, anything else is authorized and captured. */
  #authorize(charge: Charge, now: number): void {
    const decline = simulatedDecline(charge.amount)
    if (decline) this.#failAuthorization(charge, decline, now)
    else this.#captureAutomatically(charge, now)
  }

  /** `providerConfirmation=true`: approved by the consumer, waiting on the provider (`AUTHORIZATION_ASYNC`). */
  #awaitProvider(charge: Charge, now: number, confirmAt: number): void {
    transition(charge, 'AUTHORIZATION_ASYNC', now)
    const authz = charge.authorizations[0]!
    authz.status = 'PROVIDER_CONFIRMATION_PENDING'
    authz.updatedAt = now
    charge.authenticationDeadline = undefined
    this.#emit(charge, 'PAYMENT_CHARGE_PROVIDER_CONFIRMATION_PENDING')
    this.#scheduleProvider(charge, confirmAt)
  }

  #scheduleProvider(charge: Charge, confirmAt: number): void {
    this.d.scheduler.schedule(confirmAt, () => {
      if (this.isLive(charge) && charge.status === 'AUTHORIZATION_ASYNC') this.#authorize(charge, Math.min(this.d.clock.now(), confirmAt))
    })
  }

  #captureAutomatically(charge: Charge, now: number): void {
    transition(charge, 'CAPTURED', now)
    const authz = charge.authorizations[0]!
    authz.status = 'AUTHORIZED'
    authz.updatedAt = now
    const capture: Capture = {
      id: this.d.ids('capture_'),
      amount: charge.amount,
      status: 'CAPTURED',
      fundsState: undefined,
      createdAt: now,
      updatedAt: now,
    }
    charge.captures = [capture]
    charge.authenticationDeadline = undefined
    this.#emit(charge, 'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED')
    this.#emit(charge, 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED', capture)
    this.d.funds.scheduleFor(charge, capture, 'CAPTURE', now)
  }

  #failAuthorization(charge: Charge, code: FailureCode, now: number): void {
    transition(charge, 'FAILED', now)
    const f = failure(code)
    const authz = charge.authorizations[0]!
    authz.status = 'FAILED'
    authz.failure = f
    authz.updatedAt = now
    charge.failure = f
    charge.authenticationDeadline = undefined
    this.#emit(charge, 'PAYMENT_CHARGE_AUTHORIZATION_FAILED')
  }

  /** The event of a change just made to a charge, timed at its `updatedAt`; `op` is the operation it is about. */
  #emit(charge: Charge, type: ChargeEventType, op?: unknown): void {
    this.d.events.publish(new ChargeEvent(this.d.ids(''), type, charge.updatedAt, charge, op))
  }
}

function encodePage(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url')
}

function decodePage(page: string): number {
  const m = /^o:(\d{1,9})$/.exec(Buffer.from(page, 'base64url').toString())
  if (!m) throw badRequest(`page: "${page}" is not a page token from a nextPage field`)
  return Number(m[1])
}
