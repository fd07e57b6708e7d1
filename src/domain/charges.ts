import {
  type Authorization,
  type Capture,
  type Charge,
  type ConsumerOutcome,
  type CreateChargeInput,
  type Discard,
  type DiscardType,
  NO_OPERATIONS,
} from './charge.js'
import { AWAITING_CONSUMER, MAY_AWAIT_CONSUMER, transition } from './charge-machine.js'
import { searchCharges, type ChargeSearch, type ChargePage } from './charge-search.js'
import type { Clock } from './clock.js'
import { refuse } from './errors.js'
import { ChargeEvent, type ChargeEventOps, type ChargeEventType, type EventSink, type OpArgs } from './events.js'
import { failure, type FailureCode } from './failures.js'
import type { FundsEvents } from './funds.js'
import { boundedInterner, type IdGenerator } from './ids.js'
import type { PaymentMethods } from './payment-methods.js'
import type { Scheduler, Task } from './scheduler.js'
import { parseDescriptor, simulatedDecline } from './simulation.js'
import type { Store } from './store.js'

export interface ChargeServiceDeps {
  clock: Clock
  ids: IdGenerator
  /** One shared string per merchant id. */
  merchantKey: (merchantId: string) => string
  store: Store
  methods: PaymentMethods
  scheduler: Scheduler
  events: EventSink
  funds: FundsEvents
  authTimeoutSeconds: number
  approvalPageUrl: (id: string) => string
  logger: { info(obj: object, msg: string): void }
}

/**
 * What is refused before anything is created: a negative amount (422; PPRO's schema allows it) and
 * `autoCapture: false` (the method has no separate capture). `field` prefixes the names, for an
 * agreement's `initialPaymentCharge`.
 */
export function refuseChargeRequest(
  methods: PaymentMethods,
  paymentMethod: string,
  input: { amount: { value: number }; autoCapture?: boolean | undefined },
  field = '',
): void {
  if (input.amount.value < 0) throw refuse('negativeAmount', field)
  if (input.autoCapture === false) throw refuse('noSeparateCaptureRequest', field, methods.displayName(paymentMethod))
}

export class ChargeService {
  readonly #d: ChargeServiceDeps
  /** The request strings most charges of a shop share: one copy each. */
  readonly #shared = boundedInterner()

  constructor(deps: ChargeServiceDeps) {
    this.#d = deps
  }

  /**
   * Creates a charge: declined at once if it breaks the method's properties, else waiting for the
   * consumer. `agreementId` links an agreement's initial charge, approved with the agreement;
   * `paymentSessionId` the payment session that authorizes the charge.
   */
  create(merchantId: string, input: CreateChargeInput, options: { agreementId?: string; paymentSessionId?: string } = {}): Charge {
    const now = this.#d.clock.now()
    const charge = this.#newCharge(merchantId, input, now, options.agreementId, options.paymentSessionId)
    const simulation = charge.simulation
    const declined = this.#checkMethod(charge, input, false)
    this.#insert(charge, input)
    if (declined) {
      this.#failAuthorization(charge, declined, now)
    } else {
      transition(charge, 'AUTHENTICATION_PENDING', now)
      this.#d.scheduler.schedule(this.#deadline(charge), this.#timeout, charge)
      this.#emit(charge, 'PAYMENT_CHARGE_AUTHENTICATION_PENDING', this.#d.approvalPageUrl(charge.id))
      if (simulation?.consumerAction)
        this.#d.scheduler.schedule(now + (simulation.consumerActionDelayMs ?? 0), this.#simulatedConsumer, charge)
    }
    return charge
  }

  /** When an unfinished authentication is discarded (AUTHENTICATION_TIMEOUT): derived, never stored. */
  /** When the consumer's time to decide ends, for the approval page's countdown. */
  authenticationDeadline(charge: Charge): number {
    return this.#deadline(charge)
  }

  #deadline(charge: Charge): number {
    return charge.createdAt + this.#d.authTimeoutSeconds * 1000
  }

  /**
   * Whether a task waiting for the consumer's decision on a charge can still do anything: not once the
   * charge is gone or can no longer come to await the consumer (it was approved, declined, discarded).
   * The scheduler sweeps out the tasks that answer no, so a captured charge leaves no timeout behind.
   */
  readonly #mayAwaitConsumer = (charge: Charge) => MAY_AWAIT_CONSUMER.has(charge.status) && this.isLive(charge)

  /** The authentication timeout task: one shared function, the charge its argument (no closure per charge). */
  readonly #timeout: Task<Charge> = Object.assign(
    (charge: Charge) => {
      if (this.isLive(charge)) this.expire(charge)
    },
    { wanted: this.#mayAwaitConsumer },
  )

  /** `consumerAction=…` in the descriptor: the sandbox decides for the consumer. */
  readonly #simulatedConsumer: Task<Charge> = Object.assign(
    (charge: Charge) => {
      const sim = charge.simulation
      if (!sim?.consumerAction || !this.isLive(charge)) return
      const action = sim.consumerAction
      this.authenticate(charge, action === 'decline' ? { action, failureCode: sim.declineCode ?? 'AUTHENTICATION_FAILED' } : { action })
    },
    { wanted: this.#mayAwaitConsumer },
  )

  /**
   * Schedules again what a charge read back from the journal still waits for, from its state alone
   * (every due time follows from it): its authentication timeout, the simulated consumer's action,
   * the provider's confirmation. Work already due runs at its own time (durable mode's catch-up).
   */
  resume(charge: Charge): void {
    const sim = charge.simulation
    if (AWAITING_CONSUMER.has(charge.status)) {
      this.#d.scheduler.schedule(this.#deadline(charge), this.#timeout, charge)
      if (sim?.consumerAction)
        this.#d.scheduler.schedule(charge.createdAt + (sim.consumerActionDelayMs ?? 0), this.#simulatedConsumer, charge)
    } else if (charge.status === 'AUTHORIZATION_ASYNC') {
      this.#d.scheduler.schedule(charge.updatedAt + (sim?.providerConfirmationDelayMs ?? 0), this.#providerConfirms, charge)
    }
  }

  /** Whether a charge waits for work `resume` would schedule: retention never drops such a charge. */
  hasScheduledWork(charge: Charge): boolean {
    return AWAITING_CONSUMER.has(charge.status) || charge.status === 'AUTHORIZATION_ASYNC'
  }

  /** Still stored: a reset (`DELETE /sandbox/data`) leaves scheduled work nothing to act on. */
  readonly isLive = (charge: Charge): boolean => this.#d.store.getCharge(charge.id) === charge

  /**
   * `POST /v1/payment-agreements/{id}/payment-charges`: a merchant-initiated charge, decided at once with
   * no consumer step. `decline` is the agreement's own answer (revoked, inactive, amount).
   */
  createMerchantInitiated(
    merchantId: string,
    input: CreateChargeInput,
    options: { agreementId: string; decline: FailureCode | undefined },
  ): Charge {
    const now = this.#d.clock.now()
    const charge = this.#newCharge(merchantId, input, now, options.agreementId)
    const declined = options.decline ?? this.#checkMethod(charge, input, true)
    this.#insert(charge, input)
    if (declined) this.#failAuthorization(charge, declined, now)
    else this.#authorize(charge, now)
    return charge
  }

  /** The payment method property the charge breaks, if any (merchant-initiated charges need no authentication). */
  #checkMethod(charge: Charge, input: CreateChargeInput, merchantInitiated: boolean): FailureCode | undefined {
    return this.#d.methods.check({
      paymentMethod: charge.paymentMethod,
      country: charge.country,
      currency: charge.currency,
      amount: charge.amount,
      authenticationTypes: input.authenticationSettings?.map((s) => s.type) ?? [],
      returnUrl: charge.returnUrl,
      merchantInitiated,
    })
  }

  #newCharge(
    merchantId: string,
    input: CreateChargeInput,
    now: number,
    agreementId: string | undefined,
    paymentSessionId?: string | undefined,
  ): Charge {
    const { ids } = this.#d
    refuseChargeRequest(this.#d.methods, input.paymentMethod, input)
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
      merchantId: this.#d.merchantKey(merchantId),
      status: 'AUTHORIZATION_PROCESSING',
      paymentMethod: input.paymentMethod,
      paymentMedium: input.paymentMedium ?? 'ECOMMERCE',
      initiator: input.initiator ?? 'CONSUMER',
      scheduleType: input.scheduleType,
      agreementId,
      paymentSessionId,
      instrumentId: input.instrumentId,
      amount: input.amount.value,
      currency: input.amount.currency,
      country: input.consumer.country,
      paymentDescriptor: this.#shared(input.paymentDescriptor),
      merchantPaymentChargeReference: input.merchantPaymentChargeReference,
      consumer: input.consumer,
      order: input.order,
      labels: input.labels,
      returnUrl: this.#shared(redirect?.settings?.returnUrl),
      webhooksUrl: input.webhooksUrl,
      failure: undefined,
      authorizations: [authorization],
      captures: NO_OPERATIONS,
      refunds: NO_OPERATIONS,
      discards: NO_OPERATIONS,
      voids: NO_OPERATIONS,
      createdAt: now,
      updatedAt: now,
      simulation,
    }
    if (ignored.length > 0) {
      this.#d.logger.info({ chargeId: charge.id, ignored }, 'paymentDescriptor simulation keys ignored')
    }
    return charge
  }

  #insert(charge: Charge, input: CreateChargeInput): void {
    this.#d.store.insertCharge(charge)
    this.#emit(charge, 'PAYMENT_CHARGE_CREATED', input.authenticationSettings)
  }

  /** A merchant's own charge; another merchant's id is as unknown as a made-up one. */
  get(merchantId: string, id: string): Charge {
    const charge = this.#d.store.getCharge(id)
    if (!charge || charge.merchantId !== merchantId) throw refuse('notFound', 'payment charge', id)
    return charge
  }

  /** Any merchant's charge, for the consumer's approval page (reached by its unguessable id). */
  findForConsumer(id: string): Charge | undefined {
    return this.#d.store.getCharge(id)
  }

  /** Newest first, a page at a time; `page` is the opaque `nextPage` of the previous answer. */
  search(merchantId: string, q: ChargeSearch): ChargePage {
    return searchCharges(this.#d.store, merchantId, q)
  }

  /**
   * The consumer's decision. On a charge no longer waiting for one it changes nothing and answers
   * false, so a second post of the page, or a late headless call, is harmless.
   */
  authenticate(charge: Charge, outcome: ConsumerOutcome, link: { instrumentId?: string | undefined } = {}): boolean {
    if (!AWAITING_CONSUMER.has(charge.status)) return false
    const now = this.#d.clock.now()
    if (link.instrumentId !== undefined) charge.instrumentId = link.instrumentId
    if (outcome.action === 'approve') {
      const sim = charge.simulation
      if (sim?.providerConfirmation) this.#awaitProvider(charge, now, now + (sim.providerConfirmationDelayMs ?? 0))
      else this.#authorize(charge, now)
    } else if (outcome.action === 'decline') {
      this.#failAuthorization(charge, outcome.failureCode ?? 'AUTHENTICATION_FAILED', now)
    } else {
      this.#failAuthorization(charge, 'CANCELED_BY_CONSUMER', now)
    }
    return true
  }

  /** `POST .../discards`: the merchant gives up on a charge the consumer has not finished. */
  discardByMerchant(charge: Charge, merchantDiscardReference?: string): Discard {
    if (!AWAITING_CONSUMER.has(charge.status)) throw refuse('notAwaitingConsumer', charge.id, charge.status)
    return this.#discard(charge, 'MERCHANT_INITIATED_DISCARD', this.#d.clock.now(), merchantDiscardReference)
  }

  /** The method captures every approved charge at once: a separate capture is refused, saying why. */
  refuseCapture(charge: Charge): never {
    const method = this.#d.methods.displayName(charge.paymentMethod)
    throw refuse('noSeparateCapture', method, charge.id, charge.status, charge.captures.length > 0)
  }

  /** Nothing is ever authorized-but-uncaptured, so nothing can be voided. */
  refuseVoid(charge: Charge): never {
    throw refuse('nothingToVoid', this.#d.methods.displayName(charge.paymentMethod), charge.id, charge.status)
  }

  /** REDIRECT authentication is confirmed by the consumer on the approval page, not by the merchant. */
  refuseConfirmation(charge: Charge): never {
    throw refuse('confirmedByConsumer', 'payment charge', charge.id)
  }

  /**
   * The authentication timeout: a charge still waiting is discarded. Run at its deadline by the
   * scheduler, or earlier by `POST /sandbox/payment-charges/{id}/expire`.
   */
  expire(charge: Charge): boolean {
    if (!AWAITING_CONSUMER.has(charge.status)) return false
    // Recorded at the deadline itself, however late the timer or the next request noticed it.
    this.#discard(charge, 'AUTHENTICATION_TIMEOUT', Math.min(this.#d.clock.now(), this.#deadline(charge)))
    return true
  }

  #discard(charge: Charge, type: DiscardType, now: number, merchantDiscardReference?: string): Discard {
    transition(charge, 'DISCARDED', now)
    const discard: Discard = {
      id: this.#d.ids('discard_'),
      status: 'DISCARDED',
      type,
      merchantDiscardReference,
      createdAt: now,
      updatedAt: now,
    }
    charge.discards = [discard]
    this.#emit(charge, 'PAYMENT_CHARGE_DISCARDED', discard)
    return discard
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
    this.#emit(charge, 'PAYMENT_CHARGE_PROVIDER_CONFIRMATION_PENDING')
    this.#d.scheduler.schedule(confirmAt, this.#providerConfirms, charge)
  }

  /** The provider's confirmation, recorded at its due time however late it was noticed. */
  readonly #providerConfirms = (charge: Charge) => {
    if (!this.isLive(charge) || charge.status !== 'AUTHORIZATION_ASYNC') return
    const due = charge.updatedAt + (charge.simulation?.providerConfirmationDelayMs ?? 0)
    this.#authorize(charge, Math.min(this.#d.clock.now(), due))
  }

  #captureAutomatically(charge: Charge, now: number): void {
    transition(charge, 'CAPTURED', now)
    const capture: Capture = {
      id: this.#d.ids('capture_'),
      amount: charge.amount,
      status: 'CAPTURED',
      fundsState: undefined,
      createdAt: now,
      updatedAt: now,
    }
    charge.captures = [capture]
    this.#emit(charge, 'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED')
    this.#emit(charge, 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED', capture)
    this.#d.funds.scheduleFor(charge, capture, 'CAPTURE', now)
  }

  #failAuthorization(charge: Charge, code: FailureCode, now: number): void {
    transition(charge, 'FAILED', now)
    const f = failure(code)
    charge.failure = f
    charge.authorizations[0]!.failure = f
    this.#emit(charge, 'PAYMENT_CHARGE_AUTHORIZATION_FAILED')
  }

  /** The event of a change just made to a charge, timed at its `updatedAt`, with the operation its type is about. */
  #emit<T extends ChargeEventType>(charge: Charge, type: T, ...op: OpArgs<ChargeEventOps[T]>): void {
    this.#d.events.publish(new ChargeEvent(this.#d.ids(''), type, charge.updatedAt, charge, ...op))
  }
}
