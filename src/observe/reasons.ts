/**
 * Why the sandbox decided what it did, in plain words and a stable code. Every code is here, with the
 * one function that words it, so the feed, the timelines and the log say the same thing; and
 * docs/observability.md documents each (a test checks that it does).
 */
export interface Reason {
  code: ReasonCode
  message: string
}

const money = (value: number, currency: string) => `${value} ${currency}`
const list = (xs: readonly string[]) => xs.join(', ')
const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`)

/** PPRO's simulator amounts that decline whatever the consumer does (see domain/simulation.ts). */
export const SIMULATED_DECLINE_RANGE = { min: 300_000, max: 400_000 } as const

export const REASONS = {
  // --- A charge or agreement waits for the consumer.
  AWAITING_CONSUMER: (deadline: string, timeoutSeconds: number) =>
    `waiting for the consumer on the approval page until ${deadline} (the authentication timeout is ${timeoutSeconds} s)`,

  // --- The consumer's decision, and how it was made.
  CONSUMER_APPROVED: (via: string) => `the consumer approved ${via}`,
  CONSUMER_DECLINED: (via: string, failureCode: string) => `the consumer failed authentication ${via} (failure code ${failureCode})`,
  CONSUMER_CANCELED: (via: string) => `the consumer canceled ${via}`,
  SIMULATED_CONSUMER_ACTION: (action: string, delayMs: number) =>
    `the paymentDescriptor asked for consumerAction=${action}, made ${seconds(delayMs)} after creation`,

  // --- Declines: the payment method's properties (fixtures/payment-methods).
  METHOD_UNKNOWN: (method: string, known: readonly string[]) =>
    `payment method ${method} is not one the sandbox simulates (${list(known)})`,
  METHOD_NOT_RECURRING: (method: string) => `payment method ${method} does not support recurring payments (payment agreements)`,
  COUNTRY_NOT_SUPPORTED: (country: string, method: string, markets: readonly string[]) =>
    `country ${country} is not one of ${method}'s markets (${list(markets)})`,
  CURRENCY_NOT_SUPPORTED: (currency: string, method: string, currencies: readonly string[]) =>
    `currency ${currency} is not one of ${method}'s processing currencies (${list(currencies)})`,
  AMOUNT_OUT_OF_RANGE: (amount: number, currency: string, method: string, min: number, max: number) =>
    `amount ${money(amount, currency)} is outside ${method}'s range ${min}-${max} ${currency}`,
  AUTHENTICATION_SETTINGS_MISSING: (method: string) =>
    `${method} needs authenticationSettings with a REDIRECT entry and a returnUrl; the request had none`,

  // --- Declines: PPRO's simulator amounts.
  SIMULATED_DECLINE_AMOUNT: (amount: number, currency: string, failureCode: string) =>
    `amount ${money(amount, currency)} is in the simulator's decline range ${SIMULATED_DECLINE_RANGE.min}-${SIMULATED_DECLINE_RANGE.max} (declined as ${failureCode}: amounts ending in 02 decline as INSUFFICIENT_FUNDS, any other as GENERIC_DECLINE)`,

  // --- Declines of a merchant-initiated charge by its agreement.
  AGREEMENT_REVOKED: (agreementId: string, status: string) => `payment agreement ${agreementId} is ${status}: it can no longer be charged`,
  AGREEMENT_INACTIVE: (agreementId: string, status: string) => `payment agreement ${agreementId} is ${status}, not ACTIVE`,
  AGREEMENT_OUT_OF_DATES: (agreementId: string, now: string, start: string, end: string) =>
    `sandbox time ${now} is outside payment agreement ${agreementId}'s dates (start ${start}, end ${end})`,
  AGREEMENT_AMOUNT_MISMATCH: (amount: number, currency: string, amountType: string, agreed: number, agreedCurrency: string) =>
    amountType === 'EXACT'
      ? `amount ${money(amount, currency)} is not the agreement's EXACT amount ${money(agreed, agreedCurrency)}`
      : `amount ${money(amount, currency)} is over the agreement's MAX amount ${money(agreed, agreedCurrency)}`,
  AGREEMENT_CHARGE_AUTHORIZED: (agreementId: string) =>
    `charged on active payment agreement ${agreementId}: no consumer step, authorized and captured at once`,

  // --- Timeouts.
  AUTHENTICATION_TIMEOUT: (deadline: string, timeoutSeconds: number) =>
    `the consumer did not finish on the approval page by the deadline ${deadline} (${timeoutSeconds} s after creation)`,
  EXPIRED_BY_REQUEST: (deadline: string) => `expired by POST .../expire before its deadline ${deadline}`,

  // --- What follows an approval.
  AUTO_CAPTURE: (amount: number, currency: string) =>
    `KakaoPay captures every approved charge at once: ${money(amount, currency)} captured with the authorization`,
  SIMULATED_PROVIDER_CONFIRMATION: (delayMs: number) =>
    `the paymentDescriptor asked for providerConfirmation=true: the provider confirms ${seconds(delayMs)} after the approval`,
  PROVIDER_CONFIRMED: (delayMs: number) =>
    `the provider confirmed the approval ${seconds(delayMs)} after it (providerConfirmation=true in the paymentDescriptor)`,
  MERCHANT_DISCARDED: (chargeId: string) => `the merchant discarded payment charge ${chargeId} while it waited for the consumer`,

  // --- Refunds.
  REFUND_ACCEPTED: (amount: number, currency: string, left: number) =>
    `refund of ${money(amount, currency)} accepted; ${money(left, currency)} left to refund`,
  REFUND_EXCEEDS_REFUNDABLE: (amount: number, currency: string, left: number) =>
    `refund of ${money(amount, currency)} exceeds the ${money(left, currency)} left to refund`,
  REFUND_PERIOD_EXPIRED: (capturedAt: string, days: number) =>
    `the capture of ${capturedAt} is more than ${days} days old: past the payment method's refund validity`,
  SIMULATED_REFUND_PENDING: (delayMs: number, result: string) =>
    `the paymentDescriptor asked for refundPending=true: the refund settles as ${result} ${seconds(delayMs)} later`,
  SIMULATED_REFUND_DECLINED: () => 'the paymentDescriptor asked for refundPendingResult=FAILED: the provider declined the refund',
  SIMULATED_FUNDS_EVENT: (state: string, delayMs: number) =>
    `the paymentDescriptor asked for fundsEventType=${state}, ${seconds(delayMs)} after the operation`,

  // --- Agreements.
  AGREEMENT_REVOCATION: (by: string) => `revoked by the ${by.toLowerCase()}`,

  // --- Webhook deliveries.
  WEBHOOK_DELIVERED: (attempt: number, statusCode: number) => `attempt ${attempt} was acknowledged with HTTP ${statusCode}`,
  WEBHOOK_RETRY: (attempt: number, outcome: string, next: number, delayMs: number, at: string) =>
    `attempt ${attempt} ${outcome}; attempt ${next} in ${seconds(delayMs)} (at ${at} sandbox time)`,
  WEBHOOK_GAVE_UP: (attempt: number, outcome: string, maxAttempts: number) =>
    `attempt ${attempt} ${outcome}; no attempt left (at most ${maxAttempts} in all): the delivery FAILED`,
  WEBHOOK_ALREADY_DELIVERED: (attempt: number, outcome: string) =>
    `attempt ${attempt} ${outcome}; not retried: a replay had already delivered the event`,
  WEBHOOK_REPLAY_FAILED: (attempt: number, outcome: string) => `replay (attempt ${attempt}) ${outcome}; replays are not retried`,

  // --- Requests: refusals and notes.
  UNAUTHORIZED: (why: string) => `credentials refused: ${why}`,
  REQUEST_INVALID: (message: string) => `the request does not match PPRO's schema: ${message}`,
  REQUEST_MALFORMED: (message: string) => `the request could not be read: ${message}`,
  REQUEST_REFUSED: (message: string) => `refused by a rule of the sandbox: ${message}`,
  NOT_FOUND: (message: string) => message,
  METHOD_NOT_ALLOWED: (message: string) => message,
  STATE_CONFLICT: (message: string) => message,
  IDEMPOTENCY_CONFLICT: (message: string) => message,
  SANDBOX_ERROR: (message: string) => `the sandbox failed: ${message}`,
  IDEMPOTENT_REPLAY: (key: string) => `answered with the first response to Request-Idempotency-Key "${key}"; nothing was done again`,
  UNKNOWN_FIELDS_IGNORED: (warning: string) => `accepted, but ${warning}`,
  FAULT_INJECTED: (kind: string, origin: string, what: string) => `${kind} fault injected by ${origin}: ${what}`,

  // --- The stream itself.
  STREAM_READER_TOO_SLOW: (bufferBytes: number) =>
    `this reader fell more than ${bufferBytes} bytes behind; the stream was closed so it cannot slow the sandbox. Reconnect with Last-Event-ID to resume`,
  STREAM_GAP: (lastEventId: number, oldest: number) =>
    `messages after ${lastEventId} up to ${oldest - 1} are no longer retained; the stream resumes at ${oldest}`,
  STREAM_CLOSING: () => 'the sandbox is shutting down',
} as const

export type ReasonCode = keyof typeof REASONS

/** The reason for `code`, worded by its catalogue entry. */
export function reason<C extends ReasonCode>(code: C, ...args: Parameters<(typeof REASONS)[C]>): Reason {
  return { code, message: (REASONS[code] as (...a: unknown[]) => string)(...args) }
}

export const REASON_CODES = Object.keys(REASONS) as ReasonCode[]
