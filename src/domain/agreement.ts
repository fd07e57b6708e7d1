import type { AuthenticationSetting, Consumer, Initiator, PaymentMedium, ScheduleType } from './charge.js'
import type { Failure } from './failures.js'

/** Every status PPRO gives a payment agreement (`AgreementResponse.status`). */
export type AgreementStatus =
  | 'INITIALIZING'
  | 'AUTHENTICATION_PENDING'
  | 'AUTHORIZATION_PROCESSING'
  | 'ACTIVE'
  | 'REVOKED_BY_CONSUMER'
  | 'REVOKED_BY_MERCHANT'
  | 'REVOKED_BY_PROVIDER'
  | 'FAILED'

export type RevokedBy = 'CONSUMER' | 'MERCHANT' | 'PROVIDER'
export type AmountType = 'MAX' | 'EXACT' | 'VARIABLE'

export interface HistoryEntry {
  id: string
  status: AgreementStatus
  createdAt: number
}

export interface Revocation {
  id: string
  revocationStatus: 'REVOKED_BY_CONSUMER' | 'REVOKED_BY_PROVIDER' | 'REVOKED_BY_MERCHANT'
  createdAt: number
}

/** A stored payment agreement (recurring payments): the consumer approves once, the merchant charges later. */
export interface Agreement {
  id: string
  merchantId: string
  status: AgreementStatus
  paymentMethod: string
  paymentMedium: PaymentMedium
  description?: string | undefined
  merchantPaymentAgreementReference?: string | undefined
  frequency?: { type: 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY'; interval?: number | undefined } | undefined
  startDate?: number | undefined
  endDate?: number | undefined
  amount?: { value: number; currency: string } | undefined
  amountType?: AmountType | undefined
  consumer: Consumer
  instrumentId?: string | undefined
  failure?: Failure | undefined
  history: readonly HistoryEntry[]
  revocations: readonly Revocation[]
  initialPaymentChargeId?: string | undefined
  /** The payment session the agreement was authorized from (drop-in flow). */
  paymentSessionId?: string | undefined
  labels?: Record<string, string> | undefined
  returnUrl?: string | undefined
  webhooksUrl?: string | undefined
  createdAt: number
  updatedAt: number
}

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
