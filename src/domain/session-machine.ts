import type { AgreementStatus } from './agreement.js'
import type { ChargeStatus } from './charge.js'
import { defineMachine } from './machine.js'

/** Every status PPRO gives a payment session (`FetchResponse.status`, `AuthorizationResponse.status`). */
export const SESSION_STATUSES = [
  'INITIATED',
  'AUTHORIZING_INFLIGHT',
  'AUTHENTICATION_PENDING',
  'SUCCEEDED',
  'FAILED',
  'EXPIRED',
  'REUSE_LIMIT_EXCEEDED',
] as const
export type SessionStatus = (typeof SESSION_STATUSES)[number]

/**
 * A session's life as data. It is `INITIATED` until it is authorized once (or expires); from then on it
 * follows what it authorized, the charge or the agreement: waiting for the consumer, then succeeded or
 * failed. `AUTHORIZING_INFLIGHT` is the moment the charge or agreement is being made, and the wait for
 * the provider after the consumer approved. A sandbox session takes one authorization, so its second
 * attempt is refused and nothing reaches `REUSE_LIMIT_EXCEEDED` (PPRO's status for a session whose
 * attempts ran out); the row keeps the table whole.
 */
export const SESSION_TRANSITIONS: Readonly<Record<SessionStatus, readonly SessionStatus[]>> = {
  INITIATED: ['AUTHORIZING_INFLIGHT', 'EXPIRED'],
  AUTHORIZING_INFLIGHT: ['AUTHENTICATION_PENDING', 'SUCCEEDED', 'FAILED'],
  AUTHENTICATION_PENDING: ['AUTHORIZING_INFLIGHT', 'SUCCEEDED', 'FAILED'],
  SUCCEEDED: [],
  FAILED: [],
  EXPIRED: [],
  REUSE_LIMIT_EXCEEDED: [],
}

export const sessionMachine = defineMachine('payment session', SESSION_TRANSITIONS)

/** The session status a charge's status stands for; undefined where the session does not move. */
export function sessionStatusOfCharge(status: ChargeStatus): SessionStatus | undefined {
  switch (status) {
    case 'AUTHORIZATION_PROCESSING':
    case 'AUTHORIZATION_ASYNC':
      return 'AUTHORIZING_INFLIGHT'
    case 'AUTHENTICATION_PENDING':
      return 'AUTHENTICATION_PENDING'
    case 'FAILED':
    case 'DISCARDED':
      return 'FAILED'
    case 'DISCARD_PROCESSING':
      return undefined
    default:
      // Authorized: captured, and whatever refunds or voids follow.
      return 'SUCCEEDED'
  }
}

/** The session status an agreement's status stands for. */
export function sessionStatusOfAgreement(status: AgreementStatus): SessionStatus {
  switch (status) {
    case 'INITIALIZING':
    case 'AUTHORIZATION_PROCESSING':
      return 'AUTHORIZING_INFLIGHT'
    case 'AUTHENTICATION_PENDING':
      return 'AUTHENTICATION_PENDING'
    case 'FAILED':
      return 'FAILED'
    default:
      // Active, and whatever revocation follows.
      return 'SUCCEEDED'
  }
}
