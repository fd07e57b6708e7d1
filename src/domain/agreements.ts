import { type Agreement, type AmountType, agreementMachine, isRevoked, type RevokedBy } from './agreement.js'
import type { Consumer, Initiator, PaymentMedium, ScheduleType } from './charge.js'
import {
  type AuthenticationSetting,
  type ChargeService,
  type ConsumerOutcome,
  type CreateChargeInput,
  refuseChargeRequest,
} from './charges.js'
import type { Clock } from './clock.js'
import { badRequest, notFound, SandboxError } from './errors.js'
import { AgreementEvent, type AgreementEventType, type EventSink } from './events.js'
import { failure, type FailureCode } from './failures.js'
import type { IdGenerator } from './ids.js'
import type { PaymentMethods } from './payment-methods.js'
import type { Scheduler } from './scheduler.js'
import type { Store } from '../store/memory-store.js'

/** `POST /v1/payment-agreements`: PPRO's `AgreementRequest`, as KakaoPay uses it. */
export interface CreateAgreementInput {
  paymentMethod: string
  paymentMedium?: PaymentMedium | undefined
  description?: string | undefined
  merchantPaymentAgreementReference?: string | undefined
  frequency?: { type: 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY'; interval?: number | undefined } | undefined
  startDate?: string | undefined
  endDate?: string | undefined
  amount?: { value: number; currency: string } | undefined
  amountType?: AmountType | undefined
  instrumentId?: string | undefined
  consumer: Consumer
  webhooksUrl?: string | undefined
  initialPaymentCharge?: InitialChargeInput | undefined
  authenticationSettings?: AuthenticationSetting[] | undefined
  labels?: Record<string, string> | undefined
}

/** PPRO's `PaymentCharge` (the initial charge of an agreement, or a later merchant-initiated one). */
export interface InitialChargeInput {
  initiator?: Initiator | undefined
  scheduleType?: ScheduleType | undefined
  paymentDescriptor?: string | undefined
  amount: { value: number; currency: string }
  autoCapture?: boolean | undefined
  order?: Record<string, unknown> | undefined
  merchantPaymentChargeReference?: string | undefined
  webhooksUrl?: string | undefined
  authenticationSettings?: AuthenticationSetting[] | undefined
  consumer?: { taxIdentification?: string | undefined; client?: Record<string, unknown> | undefined } | undefined
  labels?: Record<string, string> | undefined
}

export interface AgreementServiceDeps {
  clock: Clock
  ids: IdGenerator
  store: Store
  methods: PaymentMethods
  scheduler: Scheduler
  events: EventSink
  charges: ChargeService
  authTimeoutSeconds: number
  /** The consumer's approval page for an agreement (the HTTP layer knows the public URL). */
  requestUrl: (agreementId: string) => string
}

/**
 * Recurring payments: the consumer approves an agreement once on the redirect page; then the merchant
 * charges it with no consumer step until it is revoked. Every status change goes through the
 * agreement machine and leaves a `history` entry and an event.
 */
export class AgreementService {
  constructor(private readonly d: AgreementServiceDeps) {}

  create(merchantId: string, input: CreateAgreementInput): Agreement {
    const { clock, ids } = this.d
    // Everything the initial charge would refuse is refused before the agreement exists.
    if (input.initialPaymentCharge) refuseChargeRequest(input.initialPaymentCharge, 'initialPaymentCharge.')
    if (input.amount && input.amount.value < 0) throw new SandboxError(422, 'amount.value must not be negative')
    const now = clock.now()
    const redirect = input.authenticationSettings?.find((s) => s.type === 'REDIRECT')
    const agreement: Agreement = {
      id: ids('agr_'),
      merchantId: this.d.store.merchantKey(merchantId),
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
      createdAt: now,
      updatedAt: now,
      authenticationDeadline: undefined,
    }
    const declined = this.d.methods.checkAgreement({
      paymentMethod: input.paymentMethod,
      country: input.consumer.country,
      currency: input.amount?.currency,
      authenticationTypes: input.authenticationSettings?.map((s) => s.type) ?? [],
      returnUrl: agreement.returnUrl,
    })
    this.d.store.insertAgreement(agreement)
    this.#emit(agreement, 'PAYMENT_AGREEMENT_CREATED')
    if (declined) {
      this.#fail(agreement, declined, now)
      return agreement
    }
    this.#move(agreement, 'AUTHENTICATION_PENDING', now)
    agreement.authenticationDeadline = now + this.d.authTimeoutSeconds * 1000
    this.d.scheduler.schedule(agreement.authenticationDeadline, this.#timeout, agreement)
    this.#emit(agreement, 'PAYMENT_AGREEMENT_AUTHENTICATION_PENDING', this.d.requestUrl(agreement.id))
    const initial = input.initialPaymentCharge
    if (initial) {
      const charge = this.d.charges.create(
        merchantId,
        this.#chargeInput(agreement, initial, 'CONSUMER', input.authenticationSettings),
        agreement.id,
      )
      agreement.initialPaymentChargeId = charge.id
    }
    return agreement
  }

  get(merchantId: string, id: string): Agreement {
    const agreement = this.d.store.getAgreement(id)
    if (!agreement || agreement.merchantId !== merchantId) throw notFound('payment agreement', id)
    return agreement
  }

  findForConsumer(id: string): Agreement | undefined {
    return this.d.store.getAgreement(id)
  }

  /** REDIRECT authentication is confirmed by the consumer on the approval page, not by the merchant. */
  refuseConfirmation(agreement: Agreement): never {
    throw badRequest(
      `payment agreement ${agreement.id} uses REDIRECT authentication: the consumer confirms it on the approval page; there is nothing for the merchant to confirm`,
    )
  }

  /** The consumer's decision on the approval page (or a test's, headlessly); the initial charge shares it. */
  authenticate(agreement: Agreement, outcome: ConsumerOutcome): { agreement: Agreement; changed: boolean } {
    if (agreement.status !== 'AUTHENTICATION_PENDING') return { agreement, changed: false }
    const now = this.d.clock.now()
    agreement.authenticationDeadline = undefined
    if (outcome.action === 'approve') {
      agreement.instrumentId = this.d.ids('instr_')
      this.#move(agreement, 'ACTIVE', now)
      this.#emit(agreement, 'PAYMENT_AGREEMENT_ACTIVE')
    } else {
      this.#fail(agreement, outcome.action === 'cancel' ? 'CANCELED_BY_CONSUMER' : (outcome.failureCode ?? 'AUTHENTICATION_FAILED'), now)
    }
    const initial = agreement.initialPaymentChargeId ? this.d.store.getCharge(agreement.initialPaymentChargeId) : undefined
    if (initial) {
      if (agreement.instrumentId) initial.instrumentId = agreement.instrumentId
      this.d.charges.authenticate(initial, outcome)
    }
    return { agreement, changed: true }
  }

  /**
   * The authentication timeout: an agreement still waiting fails, recorded at its deadline (or now,
   * for `POST /sandbox/payment-agreements/{id}/expire`), and so does its initial charge.
   */
  expire(agreement: Agreement): boolean {
    if (agreement.status !== 'AUTHENTICATION_PENDING') return false
    const at = Math.min(this.d.clock.now(), agreement.authenticationDeadline ?? Infinity)
    agreement.authenticationDeadline = undefined
    this.#fail(agreement, 'AUTHENTICATION_TIMEOUT', at)
    const initial = agreement.initialPaymentChargeId ? this.d.store.getCharge(agreement.initialPaymentChargeId) : undefined
    if (initial) this.d.charges.expire(initial)
    return true
  }

  /**
   * `POST .../revocations` (merchant) or the sandbox's consumer/provider revocation. A revoked or
   * failed agreement cannot be revoked again: `{status: FAILED}` with the reason, nothing changes.
   */
  revoke(agreement: Agreement, by: RevokedBy): { status: 'REVOKED' } | { status: 'FAILED'; failure: ReturnType<typeof failure> } {
    const status = `REVOKED_BY_${by}` as const
    if (!agreementMachine.canTransition(agreement.status, status)) {
      return { status: 'FAILED', failure: failure(isRevoked(agreement.status) ? 'AGREEMENT_REVOKED' : 'AGREEMENT_INACTIVE') }
    }
    const now = this.d.clock.now()
    agreement.authenticationDeadline = undefined
    agreement.revocations = [...agreement.revocations, { id: this.d.ids('rev_'), revocationStatus: status, createdAt: now }]
    this.#move(agreement, status, now)
    this.#emit(agreement, `PAYMENT_AGREEMENT_${status}`)
    return { status: 'REVOKED' }
  }

  /**
   * A merchant-initiated charge. Declines, in order: a revoked agreement (`AGREEMENT_REVOKED`), one not
   * active or outside its dates (`AGREEMENT_INACTIVE`), an amount the agreement binds (`INVALID_AMOUNT`),
   * then the payment method's own properties and PPRO's simulator amounts, as for any charge.
   */
  charge(agreement: Agreement, input: InitialChargeInput) {
    const now = this.d.clock.now()
    const chargeInput = this.#chargeInput(agreement, input, 'MERCHANT', undefined)
    return this.d.charges.createMerchantInitiated(
      agreement.merchantId,
      chargeInput,
      agreement.id,
      this.#declineCharge(agreement, input.amount, now),
    )
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

  /** Schedules again the authentication timeout of an agreement read back from the journal. */
  resume(agreement: Agreement): void {
    if (agreement.status === 'AUTHENTICATION_PENDING' && agreement.authenticationDeadline !== undefined) {
      this.d.scheduler.schedule(agreement.authenticationDeadline, this.#timeout, agreement)
    }
  }

  readonly #timeout = (agreement: Agreement) => {
    if (this.#live(agreement)) this.expire(agreement)
  }

  #live(agreement: Agreement): boolean {
    return this.d.store.getAgreement(agreement.id) === agreement
  }

  #move(agreement: Agreement, to: Agreement['status'], now: number): void {
    agreementMachine.transition(agreement, to, now)
    agreement.history = [...agreement.history, { id: this.d.ids('ahist_'), status: to, createdAt: now }]
  }

  #fail(agreement: Agreement, code: FailureCode, now: number): void {
    const f = failure(code)
    agreement.failure = f
    this.#move(agreement, 'FAILED', now)
    this.#emit(agreement, 'PAYMENT_AGREEMENT_FAILED')
  }

  #emit(agreement: Agreement, type: AgreementEventType, op?: unknown): void {
    this.d.events.publish(new AgreementEvent(this.d.ids(''), type, agreement.updatedAt, agreement, op))
  }
}
