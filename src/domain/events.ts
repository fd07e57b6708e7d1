import type { Charge, Consumer } from './charge.js'
import type { IdGenerator } from './ids.js'

/**
 * Something that happened, as PPRO names it in its webhooks. The domain records it; the webhooks
 * module wraps it in PPRO's CloudEvents envelope, signs it and delivers it off the request path.
 */
export interface SandboxEvent {
  id: string
  merchantId: string
  type: string
  /** The resource the event is about: a charge or agreement id (CloudEvents `subject`). */
  subject: string
  time: number
  data: Record<string, unknown>
  /** The agreement a charge event belongs to, so the agreement's deliveries list its charges' too. */
  agreementId?: string | undefined
  /** The resource's own webhook URL, if the merchant gave one; else the merchant's configured URL. */
  webhooksUrl?: string | undefined
}

export interface EventSink {
  publish(event: SandboxEvent): void
}

export type ChargeEventType =
  | 'PAYMENT_CHARGE_CREATED'
  | 'PAYMENT_CHARGE_AUTHENTICATION_PENDING'
  | 'PAYMENT_CHARGE_DISCARDED'
  | 'PAYMENT_CHARGE_DISCARD_FAILED'
  | 'PAYMENT_CHARGE_PROVIDER_CONFIRMATION_PENDING'
  | 'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED'
  | 'PAYMENT_CHARGE_AUTHORIZATION_FAILED'
  | 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED'
  | 'PAYMENT_CHARGE_CAPTURE_FAILED'
  | 'PAYMENT_CHARGE_VOID_SUCCEEDED'
  | 'PAYMENT_CHARGE_VOID_FAILED'
  | 'PAYMENT_CHARGE_REFUND_PENDING'
  | 'PAYMENT_CHARGE_REFUND_SUCCEEDED'
  | 'PAYMENT_CHARGE_REFUND_FAILED'
  | 'FUNDS_STATE_CHANGED'

/** Money as webhooks carry it, `{value, currency}` (on the charge itself amounts are bare integers). */
export const money = (value: number, currency: string) => ({ value, currency })

/** The fields every charge event carries, then the event's own. */
export function chargeEventData(charge: Charge, type: ChargeEventType, extra: Record<string, unknown> = {}) {
  // Undefined fields stay in the object (JSON leaves them out); deleting them would cost memory.
  return {
    paymentChargeId: charge.id,
    paymentChargeStatus: charge.status,
    paymentMethod: charge.paymentMethod,
    merchantId: charge.merchantId,
    merchantPaymentChargeReference: charge.merchantPaymentChargeReference,
    orderReferenceNumber: typeof charge.order?.orderReferenceNumber === 'string' ? charge.order.orderReferenceNumber : undefined,
    type,
    ...extra,
  }
}

/** The event of a change just made to a charge, timed at the charge's `updatedAt`. */
export function chargeEvent(ids: IdGenerator, charge: Charge, type: ChargeEventType, extra: Record<string, unknown>): SandboxEvent {
  return {
    id: ids(''),
    merchantId: charge.merchantId,
    type,
    subject: charge.id,
    time: charge.updatedAt,
    data: chargeEventData(charge, type, extra),
    agreementId: charge.agreementId,
    webhooksUrl: charge.webhooksUrl,
  }
}

/** PPRO's webhook failure (`ProcessingFailureRequest`) has no `isRetryable`. */
export function eventFailure(f: { failureType: string; failureCode: string; providerFailureCode?: string; failureMessage: string }) {
  const { failureType, failureCode, providerFailureCode, failureMessage } = f
  return { failureType, failureCode, providerFailureCode, failureMessage }
}

const EVENT_CONSUMER_FIELDS = ['name', 'email', 'phone', 'country', 'locale', 'taxIdentification', 'merchantConsumerReference', 'billingAddress']

/** PPRO's webhook consumer (`ConsumerRequest`) has no `client`, `birthDate` or `profile`. */
export function eventConsumer(c: Consumer): Record<string, unknown> {
  // Most consumers carry nothing PPRO's webhook leaves out: share the stored object then.
  if (Object.keys(c).every((k) => EVENT_CONSUMER_FIELDS.includes(k))) return c
  const out: Record<string, unknown> = {}
  for (const k of EVENT_CONSUMER_FIELDS) if (c[k] !== undefined) out[k] = c[k]
  return out
}
