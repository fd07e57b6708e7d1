import type { Agreement } from '../domain/agreement.js'
import { type Charge, redirectMethods } from '../domain/charge.js'
import { iso } from '../domain/clock.js'
import type { Session, SessionState } from '../domain/sessions.js'
import { agreementResponse, approvalPageUrl, chargeResponse, pick } from './responses.js'

/** The REDIRECT method of a charge or agreement still waiting for the consumer, as PPRO lists it. */
function redirect(baseUrl: string, id: string, pending: boolean) {
  return pending ? redirectMethods(approvalPageUrl(baseUrl, id)) : undefined
}

/** The session as create and patch answer it (PPRO's `CreationResponse`). */
export function sessionView(s: Session, availablePaymentMethods: readonly string[]) {
  return {
    id: s.id,
    status: s.status,
    amount: s.amount,
    amountType: s.amountType,
    paymentDescriptor: s.paymentDescriptor,
    recurring: s.recurring,
    consumer: s.consumer,
    hasInitialPaymentCharge: s.initialPaymentCharge !== undefined,
    initialPaymentCharge: s.initialPaymentCharge,
    // The sandbox has no ranking between methods: each one offered is recommended.
    availablePaymentMethods: availablePaymentMethods.map((name) => ({ name, recommended: true })),
    expiresAt: iso(s.expiresAt),
    createdAt: iso(s.createdAt),
    labels: s.labels,
  }
}

/** The session as `GET` answers it (PPRO's `FetchResponse`), with what it authorized as it is now. */
export function sessionFetchView({ session: s, charge, agreement }: SessionState, baseUrl: string) {
  return {
    id: s.id,
    amount: s.amount,
    recurring: s.recurring,
    consumer: s.consumer,
    expiresAt: iso(s.expiresAt),
    createdAt: iso(s.createdAt),
    status: s.status,
    labels: s.labels,
    paymentCharge: charge && sessionChargeView(charge, baseUrl),
    paymentAgreement: agreement && sessionAgreementView(agreement, baseUrl),
  }
}

/** A session's charge (PPRO's `ChargeAuthorizationResponse`): the charge's summary, no sub-resources. */
const SESSION_CHARGE_FIELDS = [
  'id',
  'paymentMethod',
  'currency',
  'country',
  'paymentDescriptor',
  'status',
  'authenticationMethods',
  'createdAt',
  'updatedAt',
  'labels',
  'failure',
] as const

/** A session's agreement (PPRO's `AgreementAuthorizationResponse`): the agreement without its reference, history or revocations. */
const SESSION_AGREEMENT_FIELDS = [
  'id',
  'status',
  'description',
  'paymentMethod',
  'frequency',
  'startDate',
  'endDate',
  'amount',
  'instrumentId',
  'amountType',
  'consumer',
  'authenticationMethods',
  'initialPaymentChargeId',
  'createdAt',
  'updatedAt',
  'labels',
  'failure',
] as const

const sessionChargeView = (c: Charge, baseUrl: string) => pick(chargeResponse(c, baseUrl), SESSION_CHARGE_FIELDS)
const sessionAgreementView = (a: Agreement, baseUrl: string) => pick(agreementResponse(a, baseUrl), SESSION_AGREEMENT_FIELDS)

/**
 * The answer of an authorization (PPRO's `AuthorizationResponse`): the session's id and status, what it
 * was authorized into (`data`, typed CHARGE or AGREEMENT), where the consumer approves it, and why it
 * failed when it was declined.
 */
export function sessionAuthorizationView({ session: s, charge, agreement, initialCharge }: SessionState, baseUrl: string) {
  if (agreement) {
    return {
      id: s.id,
      status: s.status,
      data: {
        type: 'AGREEMENT',
        id: agreement.id,
        status: agreement.status,
        instrumentId: agreement.instrumentId,
        initialPaymentChargeId: agreement.initialPaymentChargeId,
        initialPaymentCharge: initialCharge && {
          id: initialCharge.id,
          paymentDescriptor: initialCharge.paymentDescriptor,
          amount: { value: initialCharge.amount, currency: initialCharge.currency },
        },
      },
      authenticationMethods: redirect(baseUrl, agreement.id, agreement.status === 'AUTHENTICATION_PENDING'),
      failure: agreement.failure,
    }
  }
  const c = charge!
  return {
    id: s.id,
    status: s.status,
    data: { type: 'CHARGE', id: c.id, status: c.status },
    authenticationMethods: redirect(baseUrl, c.id, c.status === 'AUTHENTICATION_PENDING'),
    failure: c.failure,
  }
}
