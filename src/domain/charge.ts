import type { Failure } from './failures.js'
import type { Simulation } from './simulation.js'

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
export type FundsState =
  | 'CAPTURE_FUNDS_NOT_EXPECTED'
  | 'CAPTURE_FUNDS_MISSING'
  | 'CAPTURE_FUNDS_WAITING'
  | 'CAPTURE_FUNDS_RECEIVED'
  | 'REFUND_FUNDS_NOT_EXPECTED'
  | 'REFUND_FUNDS_REJECTED'
  | 'REFUND_FUNDS_WAITING'
  | 'REFUND_FUNDS_SENT'

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

/** A stored charge. Sub-resource arrays start shared and empty and are replaced on first write. */
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
  authorizations: Authorization[]
  captures: Capture[]
  refunds: Refund[]
  discards: Discard[]
  voids: Void[]
  createdAt: number
  updatedAt: number
  /** When an unfinished authentication is discarded (AUTHENTICATION_TIMEOUT). */
  authenticationDeadline?: number
  /** What the `paymentDescriptor` asked the simulator for, when it asked anything. */
  simulation?: Simulation
}
