import type * as z from 'zod'
import type { AgreementChargeBodySchema, CreateAgreementBodySchema } from '../http/schemas/agreements.js'
import type { CreateChargeBodySchema, RefundBodySchema, SearchChargesQuerySchema } from '../http/schemas/charges.js'
import type { agreementChargeResponse, agreementResponse, chargeResponse, refundResponse } from '../http/responses.js'
import type { Failure, FailureCode } from '../domain/failures.js'

/**
 * The request and response types of the PPRO API as the sandbox serves it. Requests are the zod schemas
 * that validate them; responses are what the views that build them return, as JSON: neither can drift
 * from the server.
 */

/** `POST /v1/payment-charges`: PPRO's `AuthorizationRequest`. */
export type CreateChargeRequest = z.input<typeof CreateChargeBodySchema>
/** `GET /v1/payment-charges` query. */
export type SearchChargesQuery = z.input<typeof SearchChargesQuerySchema>
/** `POST /v1/payment-charges/{id}/refunds`: PPRO's `RefundRequest`. */
export type RefundRequest = z.input<typeof RefundBodySchema>
/** `POST /v1/payment-agreements`: PPRO's `AgreementRequest`. */
export type CreateAgreementRequest = z.input<typeof CreateAgreementBodySchema>
/** `POST /v1/payment-agreements/{id}/payment-charges`: PPRO's `AgreementChargeRequest`. */
export type AgreementChargeRequest = z.input<typeof AgreementChargeBodySchema>

/** A value as it arrives over JSON: `undefined` fields are absent. */
type Json<T> = T extends (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T

/** PPRO's `PaymentChargeResponse`. */
export type PaymentCharge = Json<ReturnType<typeof chargeResponse>>
/** PPRO's `PaymentChargeRefundResponse`. */
export type Refund = Json<ReturnType<typeof refundResponse>>
/** PPRO's `AgreementResponse`. */
export type PaymentAgreement = Json<ReturnType<typeof agreementResponse>>
/** PPRO's `AgreementChargeResponse`: a charge on an agreement, narrower than a full charge. */
export type AgreementCharge = Json<ReturnType<typeof agreementChargeResponse>>
/** PPRO's `GetPaymentChargesResponse`. */
export interface PaymentChargePage {
  data: PaymentCharge[]
  nextPage?: string
  _links: Record<string, { href: string }>
}
/** PPRO's `AgreementRevocationResponse`. */
export type AgreementRevocation = { status: 'REVOKED' } | { status: 'FAILED'; failure: Failure }

/** A provider decline code the sandbox can be told to answer with. */
export type DeclineCode = FailureCode

/** A webhook as the sandbox sent (or recorded) it: PPRO's CloudEvents envelope, parsed. */
export interface WebhookEvent {
  specversion: string
  source: string
  datacontenttype: string
  id: string
  type: string
  subject: string
  time: string
  data: Record<string, unknown> & { type: string }
}

/** PPRO's error body (`ExceptionResponseBody`). */
export interface PproErrorBody {
  status: number
  failureMessage: string
  timestamp: string
}
