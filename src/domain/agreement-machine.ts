import type { AgreementStatus } from './agreement.js'
import { defineMachine } from './machine.js'

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
