/** The HTTP statuses the sandbox refuses a request with. */
export type RefusalStatus = 400 | 401 | 404 | 405 | 409 | 415 | 422

/**
 * Every sentence the sandbox refuses a request with, in one place. Each entry names the HTTP status
 * PPRO answers with and builds the message from what the caller knows. A decline is not a refusal:
 * declines are HTTP 200 with a failure object (`failures.ts`).
 */
const REFUSALS = {
  unauthorized: () => [401, 'Unauthorized'],
  notFound: (what: string, id: string) => [404, `${what} ${id} not found`],
  noSuchEndpoint: (method: string, path: string) => [404, `no such endpoint: ${method} ${path}`],
  methodNotAllowed: (method: string, url: string, allowed: string) => [405, `${method} is not allowed on ${url}; allowed: ${allowed}`],
  negativeAmount: (field: string) => [422, `${field}amount.value must not be negative`],
  noSeparateCaptureRequest: (field: string, method: string) => [
    400,
    `${field}autoCapture: false is not supported: ${method} has no separate capture, every approved charge is captured at once`,
  ],
  noSeparateCapture: (method: string, chargeId: string, status: string, captured: boolean) => [
    400,
    status === 'AUTHENTICATION_PENDING'
      ? `${method} has no separate capture: payment charge ${chargeId} is captured automatically when the consumer approves it`
      : `${method} has no separate capture: payment charge ${chargeId} is ${status}${captured ? ' and was captured automatically on approval' : ''}`,
  ],
  nothingToVoid: (method: string, chargeId: string, status: string) => [
    400,
    `${method} charges are captured at once, so there is nothing to void on payment charge ${chargeId} (${status}); refund a captured charge instead`,
  ],
  confirmedByConsumer: (noun: string, id: string) => [
    400,
    `${noun} ${id} uses REDIRECT authentication: the consumer confirms it on the approval page; there is nothing for the merchant to confirm`,
  ],
  notAwaitingConsumer: (chargeId: string, status: string) => [
    400,
    `payment charge ${chargeId} is ${status}: only a charge waiting for the consumer (AUTHENTICATION_PENDING) can be discarded`,
  ],
  neverCaptured: (chargeId: string, status: string) => [
    400,
    `payment charge ${chargeId} was never captured (status ${status}): only a captured charge can be refunded`,
  ],
  badPageToken: (page: string) => [400, `page: "${page}" is not a page token from a nextPage field`],
  transitionRefused: (noun: string, id: string, from: string, to: string) => [
    400,
    `${noun} ${id}: a ${noun} in status ${from} cannot move to ${to}`,
  ],
  outcomeDecided: (noun: string, id: string, status: string) => [
    409,
    `${noun} ${id} is ${status}: its outcome is already decided, nothing was changed`,
  ],
  cannotRevoke: (agreementId: string, status: string) => [409, `payment agreement ${agreementId} is ${status}: it cannot be revoked`],
  idempotencyKeyReused: (key: string) => [409, `Request-Idempotency-Key "${key}" was already used for a different request`],
  idempotencyKeyInProgress: (key: string) => [409, `a request with Request-Idempotency-Key "${key}" is still being processed`],
  // Payment sessions (the drop-in flow).
  sessionExpired: (sessionId: string, expiresAt: string, what: string) => [
    400,
    `payment session ${sessionId} expired at ${expiresAt}: it can no longer be ${what}`,
  ],
  sessionAuthorized: (sessionId: string, status: string, made: string, what: string) => [
    400,
    `payment session ${sessionId} is ${status}: it was already authorized into ${made} and can no longer be ${what}`,
  ],
  methodNotOffered: (sessionId: string, method: string, offered: string) => [
    400,
    `paymentMethod: payment session ${sessionId} does not offer ${method}; its availablePaymentMethods are ${offered}`,
  ],
  sessionAmountCurrency: (expected: string, given: string) => [
    400,
    `amount.currency: the session's amount is in ${expected}, not ${given}`,
  ],
  sessionAmountTooHigh: (given: number, most: number) => [400, `amount.value: ${given} is more than the ${most} the session can authorize`],
  initialChargeAmountRequired: () => [
    400,
    'initialPaymentCharge.amount is required: the session has no initial payment charge to change yet',
  ],
  sessionAgreementNotSimulated: () => [
    400,
    'paymentAgreementId: paying with an existing agreement through a session is not simulated; charge it with POST /v1/payment-agreements/{id}/payment-charges',
  ],
  sessionNotOpen: (sessionId: string, status: string) => [
    409,
    `payment session ${sessionId} is ${status}: only a session not yet authorized (INITIATED) can expire`,
  ],
  mergePatchOnly: (contentType: string) => [
    415,
    `Content-Type ${JSON.stringify(contentType)} is not supported on PATCH: send application/merge-patch+json (RFC 7396)`,
  ],
} as const satisfies Record<string, (...args: never[]) => readonly [RefusalStatus, string]>

export type RefusalCode = keyof typeof REFUSALS

/**
 * A request the sandbox refuses: its catalogue `code`, the HTTP status and the message. The HTTP
 * layer's one error handler turns it into PPRO's envelope `{status, failureMessage, timestamp}`.
 */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly code: RefusalCode,
    readonly status: RefusalStatus,
    message: string,
    /** Headers the answer carries (`Allow` on a 405). */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message)
  }

  /** The same refusal, answered with these headers too. */
  withHeaders(headers: Readonly<Record<string, string>>): ApiError {
    return new ApiError(this.code, this.status, this.message, { ...this.headers, ...headers })
  }
}

/** The refusal `code` of the catalogue, with its arguments. */
export function refuse<K extends RefusalCode>(code: K, ...args: Parameters<(typeof REFUSALS)[K]>): ApiError {
  const [status, message] = (REFUSALS[code] as (...a: typeof args) => readonly [RefusalStatus, string])(...args)
  return new ApiError(code, status, message)
}
