import type { Failure, FailureCode } from './failures.js'
import type { Simulation } from './simulation.js'

/** The one empty sub-resource list every new charge starts with; frozen, so a stray push throws. */
export const NO_OPERATIONS: readonly never[] = Object.freeze([])

/** Every status PPRO gives a payment charge (`PaymentChargeResponse.status`). */
export const CHARGE_STATUSES = [
  'AUTHORIZATION_PROCESSING',
  'AUTHORIZATION_ASYNC',
  'AUTHENTICATION_PENDING',
  'CAPTURE_PENDING',
  'CAPTURE_PROCESSING',
  'CAPTURED',
  'REFUND_PROCESSING',
  'REFUNDED',
  'VOID_PROCESSING',
  'VOIDED',
  'DISCARD_PROCESSING',
  'DISCARDED',
  'FAILED',
] as const
export type ChargeStatus = (typeof CHARGE_STATUSES)[number]

export type AuthorizationStatus = 'AUTHORIZED' | 'AUTHENTICATION_PENDING' | 'PROVIDER_CONFIRMATION_PENDING' | 'FAILED'
export type DiscardType = 'AUTHENTICATION_TIMEOUT' | 'PROVIDER_CONFIRMATION_TIMEOUT' | 'MERCHANT_INITIATED_DISCARD'
export type RefundReason = 'RETURN' | 'DUPLICATE' | 'FRAUD' | 'CUSTOMER_REQUEST' | 'PRE_DISPUTE' | 'OTHER'

/** Times are epoch milliseconds in storage (compact); the views print them as ISO-8601. */
export interface Authorization {
  id: string
  amount: number
  status: AuthorizationStatus
  failure?: Failure | undefined
  createdAt: number
  updatedAt: number
}

/** Where the money of a capture or refund is (`FUNDS_STATE_CHANGED`); absent means the initial state. */
export const FUNDS_STATES = [
  'CAPTURE_FUNDS_NOT_EXPECTED',
  'CAPTURE_FUNDS_MISSING',
  'CAPTURE_FUNDS_WAITING',
  'CAPTURE_FUNDS_RECEIVED',
  'REFUND_FUNDS_NOT_EXPECTED',
  'REFUND_FUNDS_REJECTED',
  'REFUND_FUNDS_WAITING',
  'REFUND_FUNDS_SENT',
] as const
export type FundsState = (typeof FUNDS_STATES)[number]

export interface Capture {
  id: string
  amount: number
  status: 'CAPTURED' | 'FAILED'
  fundsState?: FundsState | undefined
  createdAt: number
  updatedAt: number
}

export interface Refund {
  id: string
  amount: number
  status: 'REFUNDED' | 'PENDING' | 'FAILED'
  merchantRefundReference?: string | undefined
  refundReason?: RefundReason | undefined
  refundDescriptor?: string | undefined
  labels?: Record<string, string> | undefined
  failure?: Failure | undefined
  fundsState?: FundsState | undefined
  createdAt: number
  updatedAt: number
}

export interface Discard {
  id: string
  status: 'DISCARDED' | 'FAILED'
  type: DiscardType
  merchantDiscardReference?: string | undefined
  createdAt: number
  updatedAt: number
}

export interface Void {
  id: string
  amount: number
  status: 'VOIDED' | 'FAILED'
  createdAt: number
  updatedAt: number
}

export interface Consumer {
  name?: string
  country: string
  [field: string]: unknown
}

export type PaymentMedium = 'ECOMMERCE' | 'MOTO' | 'POS'
export type Initiator = 'CONSUMER' | 'MERCHANT'
export type ScheduleType = 'SCHEDULED' | 'SCHEDULED_RETRY' | 'UNSCHEDULED' | 'RECURRING'

/**
 * A stored charge. Sub-resource arrays are read-only: they start as one shared frozen empty array
 * (`NO_OPERATIONS`) and are replaced, never pushed to, on each write.
 */
export interface Charge {
  id: string
  merchantId: string
  status: ChargeStatus
  paymentMethod: string
  paymentMedium: PaymentMedium
  initiator: Initiator
  scheduleType?: ScheduleType
  agreementId?: string
  /** The payment session the charge was authorized from (drop-in flow). */
  paymentSessionId?: string | undefined
  instrumentId?: string
  amount: number
  currency: string
  country: string
  paymentDescriptor?: string
  merchantPaymentChargeReference?: string
  consumer: Consumer
  order?: Record<string, unknown>
  labels?: Record<string, string>
  returnUrl?: string
  webhooksUrl?: string
  failure?: Failure
  authorizations: readonly Authorization[]
  captures: readonly Capture[]
  refunds: readonly Refund[]
  discards: readonly Discard[]
  voids: readonly Void[]
  createdAt: number
  updatedAt: number
  /** What the `paymentDescriptor` asked the simulator for, when it asked anything. */
  simulation?: Simulation
}

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

/** `POST .../refunds`: PPRO's `RefundRequest`. */
export interface RefundInput {
  amount: number
  merchantRefundReference?: string | undefined
  refundReason?: RefundReason | undefined
  refundDescriptor?: string | undefined
  labels?: Record<string, string> | undefined
}

/** What the consumer does on the approval page (or a test does for them). */
export type ConsumerOutcome = { action: 'approve' } | { action: 'decline'; failureCode?: FailureCode } | { action: 'cancel' }

/** The approval page's answer as PPRO's `authenticationMethods` lists it. */
export function redirectMethods(requestUrl: string) {
  return [{ type: 'REDIRECT' as const, details: { requestUrl, requestMethod: 'GET' as const } }]
}
