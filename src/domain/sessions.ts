import type { Agreement, AmountType, CreateAgreementInput, InitialChargeInput } from './agreement.js'
import type { AgreementService } from './agreements.js'
import type { AuthenticationSetting, Charge, Consumer, CreateChargeInput, Initiator } from './charge.js'
import { type ChargeService, refuseChargeRequest } from './charges.js'
import { type Clock, iso } from './clock.js'
import { refuse } from './errors.js'
import { AgreementEvent, ChargeEvent, type PproEvent } from './events.js'
import type { IdGenerator } from './ids.js'
import type { PaymentMethods } from './payment-methods.js'
import type { Scheduler } from './scheduler.js'
import { sessionMachine, type SessionStatus, sessionStatusOfAgreement, sessionStatusOfCharge } from './session-machine.js'
import type { Store } from './store.js'

type Money = { value: number; currency: string }
type FrequencyType = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY' | 'UNSCHEDULED'
type Frequency = { type: FrequencyType; interval?: number | undefined }

/** PPRO's `InitialPaymentCharge` of a recurring session: the first payment, taken when the consumer approves. */
export interface SessionInitialCharge {
  initiator?: Initiator | undefined
  paymentDescriptor?: string | undefined
  amount: Money
  autoCapture?: boolean | undefined
  merchantPaymentChargeReference?: string | undefined
  webhooksUrl?: string | undefined
  labels?: Record<string, string> | undefined
}

/** `POST /v1/payment-sessions`: PPRO's `CreationRequest` after its shape was checked. */
export interface CreateSessionInput {
  amount: Money & { type?: AmountType | undefined }
  amountType?: AmountType | undefined
  consumer: Consumer
  recurring: boolean
  webhooksUrl?: string | undefined
  authenticationSettings?: AuthenticationSetting[] | undefined
  paymentDescriptor?: string | undefined
  merchantPaymentChargeReference?: string | undefined
  merchantPaymentAgreementReference?: string | undefined
  paymentAgreementId?: string | undefined
  order?: Record<string, unknown> | undefined
  initialPaymentCharge?: SessionInitialCharge | undefined
  frequency?: Frequency | undefined
  startDate?: string | undefined
  endDate?: string | undefined
  autoCapture?: boolean | undefined
  labels?: Record<string, string> | undefined
}

/** `PATCH /v1/payment-sessions/{id}`: PPRO's `PatchRequest`, merged into the session (RFC 7396). */
export interface PatchSessionInput {
  amount?: (Money & { type?: AmountType | undefined }) | undefined
  amountType?: AmountType | undefined
  paymentDescriptor?: string | undefined
  order?: Record<string, unknown> | undefined
  initialPaymentCharge?: Partial<SessionInitialCharge> | undefined
}

/** `POST /v1/payment-sessions/{id}/authorizations`: PPRO's `AuthorizationRequest`; its fields override the session's. */
export interface AuthorizeSessionInput {
  paymentMethod: string
  consumer?: Partial<Consumer> | undefined
  amount?: (Money & { type?: AmountType | undefined }) | undefined
  amountType?: AmountType | undefined
  initialPaymentCharge?: SessionInitialCharge | undefined
  authenticationSettings?: AuthenticationSetting[] | undefined
  startDate?: string | undefined
  endDate?: string | undefined
  frequency?: Frequency | undefined
  labels?: Record<string, string> | undefined
}

/**
 * A stored payment session: what the merchant's server set up (the create request, its amount without
 * the request's `type`), and what it was authorized into.
 */
export interface Session extends Omit<CreateSessionInput, 'amount' | 'paymentAgreementId'> {
  id: string
  merchantId: string
  status: SessionStatus
  amount: Money
  /** The payment method it was authorized with, and the charge or agreement that made. */
  paymentMethod?: string | undefined
  chargeId?: string | undefined
  agreementId?: string | undefined
  createdAt: number
  updatedAt: number
  expiresAt: number
}

/** A session with what it authorized, as the answers show it. */
export interface SessionState {
  session: Session
  charge?: Charge | undefined
  agreement?: Agreement | undefined
  /** The agreement's initial payment charge, when it has one. */
  initialCharge?: Charge | undefined
}

export interface SessionServiceDeps {
  clock: Clock
  ids: IdGenerator
  /** One shared string per merchant id. */
  merchantKey: (merchantId: string) => string
  store: Store
  methods: PaymentMethods
  scheduler: Scheduler
  charges: ChargeService
  agreements: AgreementService
  /** How long a session can be authorized after it is created. */
  lifetimeSeconds: number
}

/**
 * Payment sessions, the flow behind PPRO's drop-in checkout: the merchant's server creates a session,
 * the consumer picks a method, and the session is authorized once into an ordinary charge
 * (`recurring: false`) or agreement (`recurring: true`) of the engine. From then on the session
 * follows that charge or agreement, event by event, through the session machine.
 */
export class SessionService {
  constructor(private readonly d: SessionServiceDeps) {}

  create(merchantId: string, input: CreateSessionInput): Session {
    if (input.amount.value < 0) throw refuse('negativeAmount', '')
    if (input.initialPaymentCharge && input.initialPaymentCharge.amount.value < 0) throw refuse('negativeAmount', 'initialPaymentCharge.')
    if (input.paymentAgreementId !== undefined) throw refuse('sessionAgreementNotSimulated')
    const now = this.d.clock.now()
    const session: Session = {
      id: this.d.ids('sess_'),
      merchantId: this.d.merchantKey(merchantId),
      status: 'INITIATED',
      recurring: input.recurring,
      amount: { value: input.amount.value, currency: input.amount.currency },
      amountType: input.amountType ?? input.amount.type,
      consumer: input.consumer,
      webhooksUrl: input.webhooksUrl,
      authenticationSettings: input.authenticationSettings,
      paymentDescriptor: input.paymentDescriptor,
      merchantPaymentChargeReference: input.merchantPaymentChargeReference,
      merchantPaymentAgreementReference: input.merchantPaymentAgreementReference,
      order: input.order,
      initialPaymentCharge: input.initialPaymentCharge,
      frequency: input.frequency,
      startDate: input.startDate,
      endDate: input.endDate,
      autoCapture: input.autoCapture,
      labels: input.labels,
      paymentMethod: undefined,
      chargeId: undefined,
      agreementId: undefined,
      createdAt: now,
      updatedAt: now,
      expiresAt: now + this.d.lifetimeSeconds * 1000,
    }
    this.d.store.insertSession(session)
    this.d.scheduler.schedule(session.expiresAt, this.#timeout, session)
    return session
  }

  /** A merchant's own session; another merchant's id is as unknown as a made-up one. */
  get(merchantId: string, id: string): Session {
    const session = this.d.store.getSession(id)
    if (!session || session.merchantId !== merchantId) throw refuse('notFound', 'payment session', id)
    return session
  }

  /** The session with the charge or agreement it authorized, as they are now. */
  state(session: Session): SessionState {
    const { store } = this.d
    const agreement = session.agreementId === undefined ? undefined : store.getAgreement(session.agreementId)
    return {
      session,
      charge: session.chargeId === undefined ? undefined : store.getCharge(session.chargeId),
      agreement,
      initialCharge: agreement?.initialPaymentChargeId === undefined ? undefined : store.getCharge(agreement.initialPaymentChargeId),
    }
  }

  /**
   * The payment methods the session offers: those of the fixtures whose markets hold the consumer's
   * country and whose processing currencies hold the amount's, and, for a recurring session, that
   * support recurring payments. Amount limits and authentication settings are the method's to decline
   * at authorization, as for a direct charge.
   */
  availablePaymentMethods(session: Session): string[] {
    const { methods } = this.d
    return methods.names.filter((name) => {
      const m = methods.get(name)!
      return (
        m.markets.includes(session.consumer.country) &&
        m.processingCurrencies.includes(session.amount.currency) &&
        (!session.recurring || m.recurringPayments)
      )
    })
  }

  /** `PATCH`: changes what is still open; a session already authorized, or expired, is refused untouched. */
  patch(session: Session, input: PatchSessionInput): Session {
    this.#refuseUnlessOpen(session, 'changed')
    if (input.amount && input.amount.value < 0) throw refuse('negativeAmount', '')
    const initial = input.initialPaymentCharge
    if (initial?.amount && initial.amount.value < 0) throw refuse('negativeAmount', 'initialPaymentCharge.')
    if (initial && !session.initialPaymentCharge && !initial.amount) throw refuse('initialChargeAmountRequired')
    // Every check is done: from here the change is one synchronous step.
    if (input.amount) {
      session.amount = { value: input.amount.value, currency: input.amount.currency }
      if (input.amount.type !== undefined && input.amountType === undefined) session.amountType = input.amount.type
    }
    if (input.amountType !== undefined) session.amountType = input.amountType
    if (input.paymentDescriptor !== undefined) session.paymentDescriptor = input.paymentDescriptor
    if (input.order !== undefined) session.order = mergePatch(session.order, input.order)
    if (initial) session.initialPaymentCharge = mergePatch(session.initialPaymentCharge, initial) as unknown as SessionInitialCharge
    session.updatedAt = this.d.clock.now()
    return session
  }

  /**
   * Authorizes the session, once, with the payment method the consumer chose: an ordinary charge or
   * agreement of the engine, with the session's settings and the request's overrides. KakaoPay's
   * properties decline it as they decline a direct charge (HTTP 200, `FAILED`); a method the session
   * does not offer, a second attempt or an expired session is a 400 that changes nothing.
   */
  authorize(session: Session, input: AuthorizeSessionInput): SessionState {
    this.#refuseUnlessOpen(session, 'authorized')
    const offered = this.availablePaymentMethods(session)
    if (!offered.includes(input.paymentMethod)) {
      throw refuse('methodNotOffered', session.id, input.paymentMethod, offered.join(', ') || 'none')
    }
    const amount = this.#amount(session, input)
    const consumer: Consumer = input.consumer ? ({ ...session.consumer, ...input.consumer } as Consumer) : session.consumer
    const authenticationSettings = [...(session.authenticationSettings ?? []), ...(input.authenticationSettings ?? [])]
    const now = this.d.clock.now()
    if (session.recurring) {
      const request = this.#agreementInput(session, input, amount, consumer, authenticationSettings)
      // What the agreement would refuse is refused before the session moves.
      if (request.initialPaymentCharge) {
        refuseChargeRequest(this.d.methods, input.paymentMethod, request.initialPaymentCharge, 'initialPaymentCharge.')
      }
      sessionMachine.transition(session, 'AUTHORIZING_INFLIGHT', now)
      session.paymentMethod = input.paymentMethod
      const agreement = this.d.agreements.create(session.merchantId, request, { paymentSessionId: session.id })
      session.agreementId = agreement.id
      return this.state(session)
    }
    const request: CreateChargeInput = {
      paymentMethod: input.paymentMethod,
      paymentDescriptor: session.paymentDescriptor,
      amount,
      consumer,
      order: session.order,
      merchantPaymentChargeReference: session.merchantPaymentChargeReference,
      authenticationSettings,
      autoCapture: session.autoCapture,
      webhooksUrl: session.webhooksUrl,
      labels: input.labels ?? session.labels,
    }
    refuseChargeRequest(this.d.methods, input.paymentMethod, request)
    sessionMachine.transition(session, 'AUTHORIZING_INFLIGHT', now)
    session.paymentMethod = input.paymentMethod
    const charge = this.d.charges.create(session.merchantId, request, { paymentSessionId: session.id })
    session.chargeId = charge.id
    return this.state(session)
  }

  /**
   * Moves a session with the charge or agreement it authorized: every event of theirs passes here as
   * it is published, and the session takes the status it stands for, timed at the event.
   */
  observe(event: PproEvent): void {
    let target: SessionStatus | undefined
    let session: Session | undefined
    if (event instanceof ChargeEvent) {
      const id = event.charge.paymentSessionId
      session = id === undefined ? undefined : this.d.store.getSession(id)
      if (!session || session.recurring) return
      target = sessionStatusOfCharge(event.status)
    } else if (event instanceof AgreementEvent) {
      const id = event.agreement.paymentSessionId
      session = id === undefined ? undefined : this.d.store.getSession(id)
      if (!session || !session.recurring) return
      target = sessionStatusOfAgreement(event.status)
    }
    if (!session || target === undefined || target === session.status) return
    if (sessionMachine.canTransition(session.status, target)) sessionMachine.transition(session, target, event.time)
  }

  /**
   * The session's lifetime is over: an unauthorized session expires, recorded at its `expiresAt`. Run at
   * that time by the scheduler, or earlier by `POST /sandbox/payment-sessions/{id}/expire`, which brings
   * `expiresAt` forward to now.
   */
  expire(session: Session): boolean {
    if (session.status !== 'INITIATED') return false
    const at = Math.min(this.d.clock.now(), session.expiresAt)
    sessionMachine.transition(session, 'EXPIRED', at)
    session.expiresAt = at
    return true
  }

  readonly #timeout = (session: Session) => {
    if (this.d.store.getSession(session.id) === session) this.expire(session)
  }

  #refuseUnlessOpen(session: Session, what: 'changed' | 'authorized'): void {
    // A deadline reached without the scheduler having run yet is still a deadline.
    if (session.status === 'INITIATED' && this.d.clock.now() >= session.expiresAt) this.expire(session)
    if (session.status === 'INITIATED') return
    if (session.status === 'EXPIRED') throw refuse('sessionExpired', session.id, iso(session.expiresAt), what)
    const made = session.chargeId ? `payment charge ${session.chargeId}` : `payment agreement ${session.agreementId}`
    throw refuse('sessionAuthorized', session.id, session.status, made, what)
  }

  /** The amount to authorize: the session's, or a smaller one of the same currency given at authorization. */
  #amount(session: Session, input: AuthorizeSessionInput): Money {
    const a = input.amount
    if (!a) return session.amount
    if (a.value < 0) throw refuse('negativeAmount', '')
    if (a.currency !== session.amount.currency) throw refuse('sessionAmountCurrency', session.amount.currency, a.currency)
    if (a.value > session.amount.value) throw refuse('sessionAmountTooHigh', a.value, session.amount.value)
    return { value: a.value, currency: a.currency }
  }

  #agreementInput(
    session: Session,
    input: AuthorizeSessionInput,
    amount: Money,
    consumer: Consumer,
    authenticationSettings: AuthenticationSetting[],
  ): CreateAgreementInput {
    const frequency = input.frequency ?? session.frequency
    const initial = input.initialPaymentCharge ?? session.initialPaymentCharge
    const initialPaymentCharge: InitialChargeInput | undefined = initial && { ...initial, order: session.order }
    return {
      paymentMethod: input.paymentMethod,
      description: session.paymentDescriptor,
      merchantPaymentAgreementReference: session.merchantPaymentAgreementReference,
      // An UNSCHEDULED session has no fixed rhythm: its agreement carries no frequency.
      frequency: frequency && frequency.type !== 'UNSCHEDULED' ? { type: frequency.type, interval: frequency.interval } : undefined,
      startDate: input.startDate ?? session.startDate,
      endDate: input.endDate ?? session.endDate,
      amount,
      amountType: input.amountType ?? input.amount?.type ?? session.amountType,
      consumer,
      webhooksUrl: session.webhooksUrl,
      initialPaymentCharge,
      authenticationSettings,
      labels: input.labels ?? session.labels,
    }
  }
}

/** RFC 7396 for the objects a patch may carry: nested objects merge, everything else is replaced. */
function mergePatch(target: Record<string, unknown> | object | undefined, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(target as Record<string, unknown> | undefined) }
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue
    const current = out[k]
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && current && typeof current === 'object' && !Array.isArray(current)
        ? mergePatch(current, v as Record<string, unknown>)
        : v
  }
  return out
}
