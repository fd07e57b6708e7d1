import type { Agreement, AgreementStatus } from './agreement.js'
import type { Capture, Charge, ChargeStatus, Consumer, Discard, FundsState, Refund } from './charge.js'
import type { Failure } from './failures.js'

/**
 * Something that happened, as PPRO names it in its webhooks. The domain records it; the webhooks
 * module wraps it in PPRO's CloudEvents envelope, signs it and delivers it off the request path.
 *
 * An event keeps only what changes (its status at the time, and the operation it is about) and builds
 * its `data` from the charge or agreement when asked: the fields it reads never change after the event,
 * so the data, and the bytes sent, are the same every time, and the sandbox stays small when it keeps
 * thousands of events.
 */
export interface SandboxEvent {
  readonly id: string
  readonly merchantId: string
  readonly type: string
  /** The resource the event is about: a charge or agreement id (CloudEvents `subject`). */
  readonly subject: string
  readonly time: number
  /** The `data` of PPRO's webhook, built on each read. */
  readonly data: Record<string, unknown>
  readonly chargeId: string | undefined
  /** The agreement of the event: its own, or the one a charge belongs to. */
  readonly agreementId: string | undefined
  /** The resource's own webhook URL, if the merchant gave one; else the merchant's configured URL. */
  readonly webhooksUrl: string | undefined
}

export interface EventSink {
  publish(event: SandboxEvent): void
}

export type ChargeEventType =
  | 'PAYMENT_CHARGE_CREATED'
  | 'PAYMENT_CHARGE_AUTHENTICATION_PENDING'
  | 'PAYMENT_CHARGE_DISCARDED'
  | 'PAYMENT_CHARGE_PROVIDER_CONFIRMATION_PENDING'
  | 'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED'
  | 'PAYMENT_CHARGE_AUTHORIZATION_FAILED'
  | 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED'
  | 'PAYMENT_CHARGE_REFUND_PENDING'
  | 'PAYMENT_CHARGE_REFUND_SUCCEEDED'
  | 'PAYMENT_CHARGE_REFUND_FAILED'
  | 'FUNDS_STATE_CHANGED'

export type AgreementEventType =
  | 'PAYMENT_AGREEMENT_CREATED'
  | 'PAYMENT_AGREEMENT_AUTHENTICATION_PENDING'
  | 'PAYMENT_AGREEMENT_ACTIVE'
  | 'PAYMENT_AGREEMENT_FAILED'
  | 'PAYMENT_AGREEMENT_REVOKED_BY_CONSUMER'
  | 'PAYMENT_AGREEMENT_REVOKED_BY_MERCHANT'
  | 'PAYMENT_AGREEMENT_REVOKED_BY_PROVIDER'

/** Money as webhooks carry it, `{value, currency}` (on the charge itself amounts are bare integers). */
export const money = (value: number, currency: string) => ({ value, currency })

/** PPRO's webhook failure (`ProcessingFailureRequest`) has no `isRetryable`. */
export function eventFailure(f: Failure) {
  const { failureType, failureCode, providerFailureCode, failureMessage } = f
  return { failureType, failureCode, providerFailureCode, failureMessage }
}

const EVENT_CONSUMER_FIELDS = [
  'name',
  'email',
  'phone',
  'country',
  'locale',
  'taxIdentification',
  'merchantConsumerReference',
  'billingAddress',
]

/** PPRO's webhook consumer (`ConsumerRequest`) has no `client`, `birthDate` or `profile`. */
export function eventConsumer(c: Consumer): Record<string, unknown> {
  // Most consumers carry nothing PPRO's webhook leaves out: share the stored object then.
  if (Object.keys(c).every((k) => EVENT_CONSUMER_FIELDS.includes(k))) return c
  const out: Record<string, unknown> = {}
  for (const k of EVENT_CONSUMER_FIELDS) if (c[k] !== undefined) out[k] = c[k]
  return out
}

/** What a funds event is about. */
export interface FundsChange {
  operation: Capture | Refund
  operationType: 'CAPTURE' | 'REFUND'
  state: FundsState
}

const authorization = (c: Charge) => ({ authorizationId: c.authorizations[0]!.id, amount: money(c.amount, c.currency) })
const refund = (c: Charge, r: Refund) => ({
  refundId: r.id,
  amount: money(r.amount, c.currency),
  merchantRefundReference: r.merchantRefundReference,
})

/**
 * Each charge event's own fields (the webhooks file's `…EventRequestDetails`), from the charge and the
 * operation the event is about. Undefined fields are left for JSON.stringify to drop.
 */
const CHARGE_EVENT_FIELDS: { [T in ChargeEventType]: (c: Charge, op: never) => Record<string, unknown> } = {
  PAYMENT_CHARGE_CREATED: (c, authenticationSettings: unknown) => ({
    paymentMedium: c.paymentMedium,
    initiator: c.initiator,
    paymentDescriptor: c.paymentDescriptor,
    amount: money(c.amount, c.currency),
    order: c.order,
    consumer: eventConsumer(c.consumer),
    authenticationSettings,
  }),
  PAYMENT_CHARGE_AUTHENTICATION_PENDING: (c, requestUrl: string) => ({
    ...authorization(c),
    authenticationMethods: [{ type: 'REDIRECT', details: { requestUrl, requestMethod: 'GET' } }],
  }),
  PAYMENT_CHARGE_PROVIDER_CONFIRMATION_PENDING: authorization,
  PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED: (c) => ({ ...authorization(c), isMultiStep: false }),
  PAYMENT_CHARGE_AUTHORIZATION_FAILED: (c) => ({ ...authorization(c), failure: c.failure && eventFailure(c.failure) }),
  PAYMENT_CHARGE_CAPTURE_SUCCEEDED: (c, k: Capture) => ({ captureId: k.id, amount: money(k.amount, c.currency) }),
  PAYMENT_CHARGE_DISCARDED: (c, d: Discard) => ({
    discardType: d.type,
    ...authorization(c),
    merchantDiscardReference: d.merchantDiscardReference,
  }),
  PAYMENT_CHARGE_REFUND_PENDING: refund,
  PAYMENT_CHARGE_REFUND_SUCCEEDED: refund,
  PAYMENT_CHARGE_REFUND_FAILED: (c, r: Refund) => ({ ...refund(c, r), failure: r.failure && eventFailure(r.failure) }),
  FUNDS_STATE_CHANGED: (c, f: FundsChange) => ({
    paymentOperationId: f.operation.id,
    paymentOperationType: f.operationType,
    fundsState: f.state,
    amount: money(f.operation.amount, c.currency),
    merchantRefundReference: 'merchantRefundReference' in f.operation ? f.operation.merchantRefundReference : undefined,
  }),
}

/** An event of a charge: its status when it happened, and the operation (capture, refund, …) it is about. */
export class ChargeEvent implements SandboxEvent {
  readonly status: ChargeStatus
  constructor(
    readonly id: string,
    readonly type: ChargeEventType,
    readonly time: number,
    readonly charge: Charge,
    readonly op?: unknown,
  ) {
    this.status = charge.status
  }

  get merchantId() {
    return this.charge.merchantId
  }
  get subject() {
    return this.charge.id
  }
  get chargeId() {
    return this.charge.id
  }
  get agreementId() {
    return this.charge.agreementId
  }
  get webhooksUrl() {
    return this.charge.webhooksUrl
  }

  get data(): Record<string, unknown> {
    const c = this.charge
    return {
      paymentChargeId: c.id,
      paymentChargeStatus: this.status,
      paymentMethod: c.paymentMethod,
      merchantId: c.merchantId,
      merchantPaymentChargeReference: c.merchantPaymentChargeReference,
      orderReferenceNumber: typeof c.order?.orderReferenceNumber === 'string' ? c.order.orderReferenceNumber : undefined,
      type: this.type,
      paymentSessionId: c.paymentSessionId,
      ...CHARGE_EVENT_FIELDS[this.type](c, this.op as never),
    }
  }
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())

const AGREEMENT_EVENT_FIELDS: { [T in AgreementEventType]: (a: Agreement, op: never) => Record<string, unknown> } = {
  PAYMENT_AGREEMENT_CREATED: (a) => ({
    description: a.description,
    startDate: iso(a.startDate),
    endDate: iso(a.endDate),
    frequency: a.frequency,
    amount: a.amount && money(a.amount.value, a.amount.currency),
    amountType: a.amountType,
    consumer: eventConsumer(a.consumer),
  }),
  PAYMENT_AGREEMENT_AUTHENTICATION_PENDING: (_a, requestUrl: string) => ({
    authenticationMethods: [{ type: 'REDIRECT', details: { requestUrl, requestMethod: 'GET' } }],
  }),
  PAYMENT_AGREEMENT_ACTIVE: () => ({}),
  PAYMENT_AGREEMENT_FAILED: (a) => ({ failure: a.failure && eventFailure(a.failure) }),
  PAYMENT_AGREEMENT_REVOKED_BY_CONSUMER: () => ({}),
  PAYMENT_AGREEMENT_REVOKED_BY_MERCHANT: () => ({}),
  PAYMENT_AGREEMENT_REVOKED_BY_PROVIDER: () => ({}),
}

/** An event of a payment agreement, with the agreement's status when it happened. */
export class AgreementEvent implements SandboxEvent {
  readonly status: AgreementStatus
  readonly chargeId = undefined
  constructor(
    readonly id: string,
    readonly type: AgreementEventType,
    readonly time: number,
    readonly agreement: Agreement,
    readonly op?: unknown,
  ) {
    this.status = agreement.status
  }

  get merchantId() {
    return this.agreement.merchantId
  }
  get subject() {
    return this.agreement.id
  }
  get agreementId() {
    return this.agreement.id
  }
  get webhooksUrl() {
    return this.agreement.webhooksUrl
  }

  get data(): Record<string, unknown> {
    const a = this.agreement
    return {
      paymentAgreementId: a.id,
      paymentAgreementStatus: this.status,
      paymentMethod: a.paymentMethod,
      type: this.type,
      merchantPaymentAgreementReference: a.merchantPaymentAgreementReference,
      merchantId: a.merchantId,
      paymentSessionId: a.paymentSessionId,
      ...AGREEMENT_EVENT_FIELDS[this.type](a, this.op as never),
    }
  }
}
