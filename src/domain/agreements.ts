import type { Agreement, CreateAgreementInput, InitialChargeInput, RevokedBy } from './agreement.js'
import { agreementMachine, isRevoked } from './agreement-machine.js'
import type { AuthenticationSetting, Charge, Consumer, ConsumerOutcome, CreateChargeInput, Initiator } from './charge.js'
import { type ChargeService, refuseChargeRequest } from './charges.js'
import type { Clock } from './clock.js'
import { refuse } from './errors.js'
import { AgreementEvent, type AgreementEventOps, type AgreementEventType, type EventSink, type OpArgs } from './events.js'
import { type Failure, failure, type FailureCode } from './failures.js'
import type { IdGenerator } from './ids.js'
import type { PaymentMethods } from './payment-methods.js'
import type { Scheduler } from './scheduler.js'
import type { Store } from './store.js'

export interface AgreementServiceDeps {
  clock: Clock
  ids: IdGenerator
  /** One shared string per merchant id. */
  merchantKey: (merchantId: string) => string
  store: Store
  methods: PaymentMethods
  scheduler: Scheduler
  events: EventSink
  charges: ChargeService
  authTimeoutSeconds: number
  /** The consumer's approval page of an agreement (the HTTP layer knows the public URL). */
  approvalPageUrl: (agreementId: string) => string
}

/**
 * Recurring payments: the consumer approves an agreement once on the redirect page; then the merchant
 * charges it with no consumer step until it is revoked. Every status change goes through the
 * agreement machine and leaves a `history` entry and an event.
 */
export class AgreementService {
  readonly #d: AgreementServiceDeps

  constructor(deps: AgreementServiceDeps) {
    this.#d = deps
  }

  /** `paymentSessionId`: the payment session that authorizes the agreement, if one does. */
  create(merchantId: string, input: CreateAgreementInput, options: { paymentSessionId?: string } = {}): Agreement {
    const { clock, ids } = this.#d
    // Everything the initial charge would refuse is refused before the agreement exists.
    if (input.initialPaymentCharge) {
      refuseChargeRequest(this.#d.methods, input.paymentMethod, input.initialPaymentCharge, 'initialPaymentCharge.')
    }
    if (input.amount && input.amount.value < 0) throw refuse('negativeAmount', '')
    const now = clock.now()
    const redirect = input.authenticationSettings?.find((s) => s.type === 'REDIRECT')
    const agreement: Agreement = {
      id: ids('agr_'),
      merchantId: this.#d.merchantKey(merchantId),
      status: 'INITIALIZING' as const,
      paymentMethod: input.paymentMethod,
      paymentMedium: input.paymentMedium ?? 'ECOMMERCE',
      description: input.description,
      merchantPaymentAgreementReference: input.merchantPaymentAgreementReference,
      frequency: input.frequency,
      startDate: input.startDate === undefined ? undefined : Date.parse(input.startDate),
      endDate: input.endDate === undefined ? undefined : Date.parse(input.endDate),
      amount: input.amount,
      amountType: input.amountType,
      consumer: input.consumer,
      history: [{ id: ids('ahist_'), status: 'INITIALIZING' as const, createdAt: now }],
      revocations: [],
      labels: input.labels,
      returnUrl: redirect?.settings?.returnUrl,
      webhooksUrl: input.webhooksUrl,
      instrumentId: undefined,
      failure: undefined,
      initialPaymentChargeId: undefined,
      paymentSessionId: options.paymentSessionId,
      createdAt: now,
      updatedAt: now,
    }
    const declined = this.#d.methods.check({
      recurring: true,
      paymentMethod: input.paymentMethod,
      country: input.consumer.country,
      currency: input.amount?.currency,
      authenticationTypes: input.authenticationSettings?.map((s) => s.type) ?? [],
      returnUrl: agreement.returnUrl,
    })
    this.#d.store.insertAgreement(agreement)
    this.#emit(agreement, 'PAYMENT_AGREEMENT_CREATED')
    if (declined) {
      this.#fail(agreement, declined, now)
      return agreement
    }
    this.#move(agreement, 'AUTHENTICATION_PENDING', now)
    this.#d.scheduler.schedule(this.#deadline(agreement), this.#timeout, agreement)
    this.#emit(agreement, 'PAYMENT_AGREEMENT_AUTHENTICATION_PENDING', this.#d.approvalPageUrl(agreement.id))
    const initial = input.initialPaymentCharge
    if (initial) {
      const charge = this.#d.charges.create(merchantId, this.#chargeInput(agreement, initial, 'CONSUMER', input.authenticationSettings), {
        agreementId: agreement.id,
        paymentSessionId: options.paymentSessionId,
      })
      agreement.initialPaymentChargeId = charge.id
    }
    return agreement
  }

  get(merchantId: string, id: string): Agreement {
    const agreement = this.#d.store.getAgreement(id)
    if (!agreement || agreement.merchantId !== merchantId) throw refuse('notFound', 'payment agreement', id)
    return agreement
  }

  /** The charge created with the agreement, when the request had one (`initialPaymentCharge`). */
  initialCharge(agreement: Agreement): Charge | undefined {
    return agreement.initialPaymentChargeId ? this.#d.store.getCharge(agreement.initialPaymentChargeId) : undefined
  }

  findForConsumer(id: string): Agreement | undefined {
    return this.#d.store.getAgreement(id)
  }

  /** REDIRECT authentication is confirmed by the consumer on the approval page, not by the merchant. */
  refuseConfirmation(agreement: Agreement): never {
    throw refuse('confirmedByConsumer', 'payment agreement', agreement.id)
  }

  /** The consumer's decision on the approval page (or a test's, headlessly); the initial charge shares it. */
  authenticate(agreement: Agreement, outcome: ConsumerOutcome): boolean {
    if (agreement.status !== 'AUTHENTICATION_PENDING') return false
    const now = this.#d.clock.now()
    if (outcome.action === 'approve') {
      agreement.instrumentId = this.#d.ids('instr_')
      this.#move(agreement, 'ACTIVE', now)
      this.#emit(agreement, 'PAYMENT_AGREEMENT_ACTIVE')
    } else {
      this.#fail(agreement, outcome.action === 'cancel' ? 'CANCELED_BY_CONSUMER' : (outcome.failureCode ?? 'AUTHENTICATION_FAILED'), now)
    }
    const initial = this.initialCharge(agreement)
    if (initial) this.#d.charges.authenticate(initial, outcome, { instrumentId: agreement.instrumentId })
    return true
  }

  /**
   * The authentication timeout: an agreement still waiting fails, recorded at its deadline (or now,
   * for `POST /sandbox/payment-agreements/{id}/expire`), and so does its initial charge.
   */
  expire(agreement: Agreement): boolean {
    if (agreement.status !== 'AUTHENTICATION_PENDING') return false
    this.#fail(agreement, 'AUTHENTICATION_TIMEOUT', Math.min(this.#d.clock.now(), this.#deadline(agreement)))
    const initial = this.initialCharge(agreement)
    if (initial) this.#d.charges.expire(initial)
    return true
  }

  /**
   * `POST .../revocations` (merchant) or the sandbox's consumer/provider revocation. A revoked or
   * failed agreement cannot be revoked again: `{status: FAILED}` with the reason, nothing changes.
   */
  revoke(agreement: Agreement, by: RevokedBy): { status: 'REVOKED' } | { status: 'FAILED'; failure: Failure } {
    const status = `REVOKED_BY_${by}` as const
    if (!agreementMachine.canTransition(agreement.status, status)) {
      return { status: 'FAILED', failure: failure(isRevoked(agreement.status) ? 'AGREEMENT_REVOKED' : 'AGREEMENT_INACTIVE') }
    }
    const now = this.#d.clock.now()
    agreement.revocations = [...agreement.revocations, { id: this.#d.ids('rev_'), revocationStatus: status, createdAt: now }]
    this.#move(agreement, status, now)
    this.#emit(agreement, `PAYMENT_AGREEMENT_${status}`)
    return { status: 'REVOKED' }
  }

  /**
   * A merchant-initiated charge. Declines, in order: a revoked agreement (`AGREEMENT_REVOKED`), one not
   * active or outside its dates (`AGREEMENT_INACTIVE`), an amount the agreement binds (`INVALID_AMOUNT`),
   * then the payment method's own properties and PPRO's simulator amounts, as for any charge.
   */
  chargeMerchantInitiated(agreement: Agreement, input: InitialChargeInput): Charge {
    const now = this.#d.clock.now()
    return this.#d.charges.createMerchantInitiated(agreement.merchantId, this.#chargeInput(agreement, input, 'MERCHANT', undefined), {
      agreementId: agreement.id,
      decline: this.#declineCharge(agreement, input.amount, now),
    })
  }

  #declineCharge(a: Agreement, amount: { value: number; currency: string }, now: number): FailureCode | undefined {
    if (isRevoked(a.status)) return 'AGREEMENT_REVOKED'
    if (a.status !== 'ACTIVE') return 'AGREEMENT_INACTIVE'
    if ((a.startDate !== undefined && now < a.startDate) || (a.endDate !== undefined && now > a.endDate)) return 'AGREEMENT_INACTIVE'
    if (a.amount && (a.amountType === 'EXACT' || a.amountType === 'MAX')) {
      if (amount.currency !== a.amount.currency) return 'INVALID_AMOUNT'
      if (a.amountType === 'EXACT' ? amount.value !== a.amount.value : amount.value > a.amount.value) return 'INVALID_AMOUNT'
    }
    return undefined
  }

  #chargeInput(
    a: Agreement,
    input: InitialChargeInput,
    initiator: Initiator,
    authenticationSettings: AuthenticationSetting[] | undefined,
  ): CreateChargeInput {
    const consumer: Consumer = { ...a.consumer }
    if (input.consumer?.taxIdentification !== undefined) consumer.taxIdentification = input.consumer.taxIdentification
    if (input.consumer?.client !== undefined) consumer.client = input.consumer.client
    return {
      paymentMethod: a.paymentMethod,
      paymentMedium: a.paymentMedium,
      paymentDescriptor: input.paymentDescriptor,
      initiator: input.initiator ?? initiator,
      scheduleType: input.scheduleType,
      instrumentId: a.instrumentId,
      amount: input.amount,
      consumer,
      order: input.order,
      merchantPaymentChargeReference: input.merchantPaymentChargeReference,
      authenticationSettings: input.authenticationSettings ?? authenticationSettings,
      autoCapture: input.autoCapture,
      webhooksUrl: input.webhooksUrl ?? a.webhooksUrl,
      labels: input.labels,
    }
  }

  /** When an unfinished authentication fails (AUTHENTICATION_TIMEOUT): derived, never stored. */
  /** When the consumer's time to decide ends, for the approval page's countdown. */
  authenticationDeadline(agreement: Agreement): number {
    return this.#deadline(agreement)
  }

  #deadline(agreement: Agreement): number {
    return agreement.createdAt + this.#d.authTimeoutSeconds * 1000
  }

  /** Schedules again the authentication timeout of an agreement read back from the journal. */
  resume(agreement: Agreement): void {
    if (agreement.status === 'AUTHENTICATION_PENDING') this.#d.scheduler.schedule(this.#deadline(agreement), this.#timeout, agreement)
  }

  readonly #timeout = (agreement: Agreement) => {
    if (this.#live(agreement)) this.expire(agreement)
  }

  #live(agreement: Agreement): boolean {
    return this.#d.store.getAgreement(agreement.id) === agreement
  }

  #move(agreement: Agreement, to: Agreement['status'], now: number): void {
    agreementMachine.transition(agreement, to, now)
    agreement.history = [...agreement.history, { id: this.#d.ids('ahist_'), status: to, createdAt: now }]
  }

  #fail(agreement: Agreement, code: FailureCode, now: number): void {
    const f = failure(code)
    agreement.failure = f
    this.#move(agreement, 'FAILED', now)
    this.#emit(agreement, 'PAYMENT_AGREEMENT_FAILED')
  }

  #emit<T extends AgreementEventType>(agreement: Agreement, type: T, ...op: OpArgs<AgreementEventOps[T]>): void {
    this.#d.events.publish(new AgreementEvent(this.#d.ids(''), type, agreement.updatedAt, agreement, ...op))
  }
}
