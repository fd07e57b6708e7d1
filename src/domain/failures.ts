/**
 * The failure object PPRO puts on a declined charge, authorization or refund (`GatewayProcessingFailureResponse`).
 * A decline is an HTTP 200 with this object, not an HTTP error.
 */
export interface Failure {
  failureType: 'INTERNAL_ERROR' | 'INTERNAL_DECLINE' | 'PROVIDER_ERROR' | 'PROVIDER_DECLINE'
  failureCode: string
  providerFailureCode?: string
  failureMessage: string
  isRetryable?: boolean
}

const CATALOGUE = {
  // The request breaks the payment method's properties (checked by PPRO before the provider sees it).
  INVALID_PAYMENT_METHOD: ['INTERNAL_DECLINE', 'The payment method is not supported for this merchant', false],
  COUNTRY_NOT_SUPPORTED: ['INTERNAL_DECLINE', 'The consumer country is not supported by the payment method', false],
  INVALID_CURRENCY: ['INTERNAL_DECLINE', 'The currency is not supported by the payment method', false],
  AMOUNT_NOT_SUPPORTED: ['INTERNAL_DECLINE', 'The amount is outside the range the payment method supports', false],
  INVALID_AUTHENTICATION_SETTINGS: [
    'INTERNAL_DECLINE',
    'The payment method needs REDIRECT authentication settings with a returnUrl',
    false,
  ],
  INVALID_AMOUNT: ['INTERNAL_DECLINE', 'The amount does not match the payment agreement', false],
  AGREEMENT_REVOKED: ['INTERNAL_DECLINE', 'The payment agreement has been revoked', false],
  AGREEMENT_INACTIVE: ['INTERNAL_DECLINE', 'The payment agreement is not active', false],
  AUTHENTICATION_TIMEOUT: ['INTERNAL_DECLINE', 'The consumer did not complete authentication in time', true],
  EXCEEDS_REFUNDABLE_AMOUNT: ['INTERNAL_DECLINE', 'The refund exceeds the amount left to refund', false],
  REFUND_PERIOD_EXPIRED: ['INTERNAL_DECLINE', 'The refund validity period of the payment method has passed', false],
  // The provider's own answers.
  AUTHENTICATION_FAILED: ['PROVIDER_DECLINE', 'The consumer failed to authenticate the payment', true],
  CANCELED_BY_CONSUMER: ['PROVIDER_DECLINE', 'The consumer canceled the payment', true],
  GENERIC_DECLINE: ['PROVIDER_DECLINE', 'The provider declined the payment', true],
  INSUFFICIENT_FUNDS: ['PROVIDER_DECLINE', 'The consumer has insufficient funds', true],
  DO_NOT_HONOR: ['PROVIDER_DECLINE', 'The provider declined the payment: do not honor', true],
  SUSPECTED_FRAUD: ['PROVIDER_DECLINE', 'The provider declined the payment as suspected fraud', false],
  LIMIT_EXCEEDED: ['PROVIDER_DECLINE', 'The consumer exceeded a payment limit', true],
  ACCOUNT_BLOCKED: ['PROVIDER_DECLINE', 'The consumer account is blocked', false],
  REFUND_DECLINED: ['PROVIDER_DECLINE', 'The provider declined the refund', true],
} as const satisfies Record<string, readonly [Failure['failureType'], string, boolean]>

export type FailureCode = keyof typeof CATALOGUE

/** Codes a test may ask the provider to decline an authentication with. */
export const PROVIDER_DECLINE_CODES = (Object.keys(CATALOGUE) as FailureCode[]).filter(
  (c) => CATALOGUE[c][0] === 'PROVIDER_DECLINE' && c !== 'REFUND_DECLINED',
)

export function isFailureCode(code: string): code is FailureCode {
  return Object.hasOwn(CATALOGUE, code)
}

export function failure(code: FailureCode): Failure {
  const [failureType, failureMessage, isRetryable] = CATALOGUE[code]
  const f: Failure = { failureType, failureCode: code, failureMessage, isRetryable }
  if (failureType === 'PROVIDER_DECLINE') f.providerFailureCode = code
  return f
}
