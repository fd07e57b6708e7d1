import type { Agreement } from '../domain/agreement.js'
import { type Authorization, type Capture, type Charge, type Discard, redirectMethods, type Refund, type Void } from '../domain/charge.js'
import { iso } from '../domain/clock.js'

/**
 * The charge as PPRO answers it (`PaymentChargeResponse`). No top-level amount: it sits on each
 * authorization, capture and refund, as a bare integer. `authenticationMethods` only while the
 * consumer still has to act.
 */
export function chargeResponse(c: Charge, baseUrl: string) {
  return {
    id: c.id,
    paymentMethod: c.paymentMethod,
    paymentMedium: c.paymentMedium,
    initiator: c.initiator,
    agreementId: c.agreementId,
    instrumentId: c.instrumentId,
    currency: c.currency,
    country: c.country,
    paymentDescriptor: c.paymentDescriptor,
    status: c.status,
    consumer: c.consumer,
    order: c.order,
    failure: c.failure,
    authenticationMethods: c.status === 'AUTHENTICATION_PENDING' ? redirectMethods(approvalPageUrl(baseUrl, c.id)) : undefined,
    authorizations: c.authorizations.map((a) => authorizationResponse(c, a)),
    captures: c.captures.map(captureResponse),
    refunds: c.refunds.map(refundResponse),
    discards: c.discards.map(discardResponse),
    voids: c.voids.map(voidResponse),
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    labels: c.labels,
    _links: { self: { href: `${baseUrl}/v1/payment-charges/${c.id}` } },
  }
}

/**
 * The consumer's approval page of a charge or agreement (PPRO's `requestUrl`). Joined rather than
 * concatenated: one flat string, as it is kept in the charge's recorded events.
 */
export function approvalPageUrl(baseUrl: string, id: string): string {
  return [baseUrl, '/checkout/', id].join('')
}

export function authorizationResponse(c: Charge, a: Authorization) {
  return {
    id: a.id,
    amount: a.amount,
    status: a.status,
    merchantPaymentChargeReference: c.merchantPaymentChargeReference,
    failure: a.failure,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
  }
}

export function captureResponse(k: Capture) {
  return { id: k.id, amount: k.amount, status: k.status, createdAt: iso(k.createdAt), updatedAt: iso(k.updatedAt) }
}

export function refundResponse(r: Refund) {
  return {
    id: r.id,
    amount: r.amount,
    status: r.status,
    merchantRefundReference: r.merchantRefundReference,
    refundReason: r.refundReason,
    refundDescriptor: r.refundDescriptor,
    failure: r.failure,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    labels: r.labels,
  }
}

export function discardResponse(d: Discard) {
  return {
    id: d.id,
    status: d.status,
    merchantDiscardReference: d.merchantDiscardReference,
    type: d.type,
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
  }
}

export function voidResponse(v: Void) {
  return { id: v.id, amount: v.amount, status: v.status, createdAt: iso(v.createdAt), updatedAt: iso(v.updatedAt) }
}

/** `GET .../funds-statuses`: where the money of the capture and each refund is. */
export function fundsStatusesResponse(c: Charge) {
  const money = (value: number) => ({ value, currency: c.currency })
  return [
    ...c.captures.map((k) => ({
      operationId: k.id,
      operationType: 'CAPTURE' as const,
      fundsStatus: k.fundsState ?? (k.status === 'CAPTURED' ? 'CAPTURE_FUNDS_WAITING' : 'CAPTURE_FUNDS_NOT_EXPECTED'),
      amount: money(k.amount),
      settlementCurrency: 'USD',
      updatedAt: iso(k.updatedAt),
    })),
    ...c.refunds.map((r) => ({
      operationId: r.id,
      operationType: 'REFUND' as const,
      fundsStatus: r.fundsState ?? (r.status === 'FAILED' ? 'REFUND_FUNDS_NOT_EXPECTED' : 'REFUND_FUNDS_WAITING'),
      amount: money(r.amount),
      merchantRefundReference: r.merchantRefundReference,
      settlementCurrency: 'USD',
      updatedAt: iso(r.updatedAt),
    })),
  ]
}

/** The agreement as PPRO answers it (`AgreementResponse`). */
export function agreementResponse(a: Agreement, baseUrl: string) {
  return {
    id: a.id,
    status: a.status,
    failure: a.failure,
    description: a.description,
    merchantPaymentAgreementReference: a.merchantPaymentAgreementReference,
    paymentMethod: a.paymentMethod,
    frequency: a.frequency,
    startDate: a.startDate === undefined ? undefined : iso(a.startDate),
    endDate: a.endDate === undefined ? undefined : iso(a.endDate),
    amount: a.amount,
    instrumentId: a.instrumentId,
    amountType: a.amountType,
    consumer: a.consumer,
    authenticationMethods: a.status === 'AUTHENTICATION_PENDING' ? redirectMethods(approvalPageUrl(baseUrl, a.id)) : undefined,
    // PPRO's history and revocation entries declare `failure` in a way no value satisfies; it stays off.
    history: a.history.map((h) => ({ id: h.id, status: h.status, createdAt: iso(h.createdAt) })),
    revocations: a.revocations.map((r) => ({ id: r.id, revocationStatus: r.revocationStatus, createdAt: iso(r.createdAt) })),
    initialPaymentChargeId: a.initialPaymentChargeId,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
    labels: a.labels,
  }
}

/** The named fields of `o`, in the order named: a narrower PPRO shape built from a wider one. */
export function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>
  for (const k of keys) out[k] = o[k]
  return out
}

/** What PPRO's agreements file keeps of a charge and of its refunds (`AgreementChargeResponse`). */
const AGREEMENT_CHARGE_FIELDS = [
  'id',
  'paymentMethod',
  'currency',
  'country',
  'paymentDescriptor',
  'instrumentId',
  'status',
  'consumer',
  'order',
  'failure',
  'authorizations',
  'captures',
  'voids',
  'createdAt',
  'updatedAt',
  'labels',
] as const
const AGREEMENT_CHARGE_REFUND_FIELDS = ['id', 'amount', 'status', 'merchantRefundReference', 'failure', 'createdAt', 'updatedAt'] as const

/**
 * A charge as `POST /v1/payment-agreements/{id}/payment-charges` answers it: narrower than a charge
 * (no agreementId, initiator, paymentMedium, discards, authenticationMethods or _links), and its refunds
 * carry only the fields of the agreements file.
 */
export function agreementChargeResponse(c: Charge, baseUrl: string) {
  return {
    ...pick(chargeResponse(c, baseUrl), AGREEMENT_CHARGE_FIELDS),
    refunds: c.refunds.map((r) => pick(refundResponse(r), AGREEMENT_CHARGE_REFUND_FIELDS)),
  }
}
