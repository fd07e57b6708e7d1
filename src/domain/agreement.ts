import type { Consumer, PaymentMedium } from './charge.js'
import type { Failure } from './failures.js'
import { defineMachine } from './machine.js'

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
  history: HistoryEntry[]
  revocations: Revocation[]
  initialPaymentChargeId?: string | undefined
  /** The payment session the agreement was authorized from (drop-in flow). */
  paymentSessionId?: string | undefined
  labels?: Record<string, string> | undefined
  returnUrl?: string | undefined
  webhooksUrl?: string | undefined
  createdAt: number
  updatedAt: number
  authenticationDeadline?: number | undefined
}

/** PPRO's agreement life as data. Revocation ends an agreement; so does a failed sign-up. */
export const AGREEMENT_TRANSITIONS: Readonly<Record<AgreementStatus, readonly AgreementStatus[]>> = {
  INITIALIZING: ['AUTHENTICATION_PENDING', 'AUTHORIZATION_PROCESSING', 'ACTIVE', 'FAILED'],
  AUTHENTICATION_PENDING: ['AUTHORIZATION_PROCESSING', 'ACTIVE', 'FAILED', 'REVOKED_BY_MERCHANT'],
  AUTHORIZATION_PROCESSING: ['ACTIVE', 'FAILED'],
  ACTIVE: ['REVOKED_BY_CONSUMER', 'REVOKED_BY_MERCHANT', 'REVOKED_BY_PROVIDER'],
  REVOKED_BY_CONSUMER: [],
  REVOKED_BY_MERCHANT: [],
  REVOKED_BY_PROVIDER: [],
  FAILED: [],
}

export const agreementMachine = defineMachine('payment agreement', AGREEMENT_TRANSITIONS)

export const isRevoked = (s: AgreementStatus) => s.startsWith('REVOKED_BY_')
