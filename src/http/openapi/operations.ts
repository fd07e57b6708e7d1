/**
 * What a reader needs beyond the schemas: one line per operation, what it answers, and whether it is
 * PPRO's. Keyed by `METHOD /fastify/path`. A route missing here still appears in the document (with
 * its method and path as summary); an entry no route matches fails the OpenAPI test.
 */
export interface OperationDoc {
  summary: string
  /** What a success answers: a PPRO schema name, or a few words. */
  returns?: string
  /** A `/v1` path PPRO does not publish: the sandbox's own. */
  sandboxOnly?: boolean
  /** The success status and content type, when not 200 JSON. */
  status?: number
  contentType?: string
  /** No `Authorization` / `Merchant-Id`. */
  public?: boolean
}

const CHARGE = '/v1/payment-charges/:paymentChargeId'
const AGREEMENT = '/v1/payment-agreements/:agreementId'
const SB_CHARGE = '/sandbox/payment-charges/:paymentChargeId'
const SB_AGREEMENT = '/sandbox/payment-agreements/:agreementId'

export const OPERATIONS: Record<string, OperationDoc> = {
  'POST /v1/payment-charges': { summary: 'Create a payment charge', returns: 'PaymentChargeResponse' },
  'GET /v1/payment-charges': {
    summary: 'Search payment charges by merchantPaymentChargeReference or agreementId, newest first, 20 a page',
    returns: 'GetPaymentChargesResponse',
  },
  [`GET ${CHARGE}`]: { summary: 'Read a payment charge', returns: 'PaymentChargeResponse' },
  [`GET ${CHARGE}/authorizations`]: { summary: "List a charge's authorizations", returns: 'GetAuthorizationsResponse' },
  [`GET ${CHARGE}/authorizations/:subresourceId`]: { summary: 'Read an authorization', returns: 'PaymentChargeAuthorizationResponse' },
  [`POST ${CHARGE}/authorizations`]: {
    summary: 'Confirm an authorization (KakaoPay needs none: refused with the reason)',
    returns: 'PaymentChargeAuthorizationResponse',
  },
  [`GET ${CHARGE}/captures`]: { summary: "List a charge's captures", returns: 'GetCapturesResponse' },
  [`GET ${CHARGE}/captures/:subresourceId`]: { summary: 'Read a capture', returns: 'PaymentChargeCaptureResponse' },
  [`POST ${CHARGE}/captures`]: {
    summary: 'Capture (KakaoPay captures automatically: refused with the reason)',
    returns: 'PaymentChargeCaptureResponse',
  },
  [`GET ${CHARGE}/refunds`]: { summary: "List a charge's refunds", returns: 'GetRefundsResponse' },
  [`GET ${CHARGE}/refunds/:subresourceId`]: { summary: 'Read a refund', returns: 'PaymentChargeRefundResponse' },
  [`POST ${CHARGE}/refunds`]: { summary: 'Refund all or part of a captured charge', returns: 'PaymentChargeRefundResponse' },
  [`GET ${CHARGE}/voids`]: { summary: "List a charge's voids", returns: 'GetVoidsResponse' },
  [`GET ${CHARGE}/voids/:subresourceId`]: { summary: 'Read a void', returns: 'PaymentChargeVoidResponse' },
  [`POST ${CHARGE}/voids`]: {
    summary: 'Void (nothing to void after an automatic capture: refused with the reason)',
    returns: 'PaymentChargeVoidResponse',
  },
  [`POST ${CHARGE}/discards`]: {
    summary: 'Discard a charge still awaiting the consumer',
    returns: 'PaymentChargeDiscardResponse',
    sandboxOnly: true,
  },
  [`GET ${CHARGE}/funds-statuses`]: {
    summary: 'Where the money of the capture and each refund is',
    returns: 'funds statuses',
    sandboxOnly: true,
  },
  'POST /v1/payment-sessions': { summary: 'Create a payment session', returns: 'PaymentSessionResponse' },
  'GET /v1/payment-sessions/:sessionId': { summary: 'Read a payment session', returns: 'PaymentSessionResponse' },
  'PATCH /v1/payment-sessions/:sessionId': { summary: 'Update a payment session', returns: 'PaymentSessionResponse' },
  'POST /v1/payment-sessions/:sessionId/authorizations': { summary: "Authorize a payment session's charge", returns: 'the payment charge' },
  'POST /v1/payment-agreements': { summary: 'Create a payment agreement (recurring payments)', returns: 'AgreementResponse' },
  [`GET ${AGREEMENT}`]: { summary: 'Read a payment agreement', returns: 'AgreementResponse' },
  [`POST ${AGREEMENT}/payment-charges`]: { summary: 'Charge an active agreement (merchant-initiated)', returns: 'AgreementChargeResponse' },
  [`POST ${AGREEMENT}/revocations`]: { summary: 'Revoke an agreement (the merchant cancels it)', returns: 'AgreementRevocationResponse' },
  [`POST ${AGREEMENT}/authorizations`]: { summary: 'Confirm an agreement (KakaoPay needs none: refused with the reason)' },

  [`POST ${SB_CHARGE}/approve`]: { summary: "The consumer approves (the approval page's approve button)", returns: 'the charge' },
  [`POST ${SB_CHARGE}/decline`]: { summary: "The consumer's payment fails, with a provider decline code", returns: 'the charge' },
  [`POST ${SB_CHARGE}/cancel`]: { summary: 'The consumer cancels', returns: 'the charge' },
  [`POST ${SB_CHARGE}/expire`]: { summary: "The consumer's time on the approval page runs out now", returns: 'the charge' },
  [`GET ${SB_CHARGE}/timeline`]: { summary: 'Everything that happened to a charge, in time order, with reasons', returns: 'feed messages' },
  [`POST ${SB_AGREEMENT}/approve`]: { summary: 'The consumer approves the agreement', returns: 'the agreement' },
  [`POST ${SB_AGREEMENT}/decline`]: { summary: "The consumer's sign-up fails, with a provider decline code", returns: 'the agreement' },
  [`POST ${SB_AGREEMENT}/cancel`]: { summary: 'The consumer cancels the sign-up', returns: 'the agreement' },
  [`POST ${SB_AGREEMENT}/expire`]: { summary: "The consumer's time runs out now", returns: 'the agreement' },
  [`POST ${SB_AGREEMENT}/revoke`]: { summary: 'The consumer or the provider revokes the agreement', returns: 'the agreement' },
  [`GET ${SB_AGREEMENT}/timeline`]: {
    summary: 'Everything that happened to an agreement, in time order, with reasons',
    returns: 'feed messages',
  },
  'GET /sandbox/clock': { summary: 'The sandbox clock', returns: '{now, offsetSeconds}' },
  'POST /sandbox/clock': { summary: 'Move the sandbox clock forward, running everything due on the way', returns: '{now, offsetSeconds}' },
  'DELETE /sandbox/data': {
    summary: "Remove the calling merchant's charges, agreements, events and idempotency keys",
    returns: 'the counts',
  },
  'GET /sandbox/webhooks': { summary: 'The webhooks the merchant was sent, with every attempt', returns: 'deliveries' },
  'POST /sandbox/webhooks/:eventId/replay': { summary: 'Send a webhook again now', returns: 'the delivery' },
  'GET /sandbox/status': { summary: "The sandbox as the caller sees it: public URL, the merchant's webhook URL and secret, clock" },
  'GET /sandbox/events/stream': {
    summary: 'The live event feed (Server-Sent Events): events, deliveries, requests, consumer actions, clock moves',
    contentType: 'text/event-stream',
  },
  'GET /sandbox/requests': { summary: "The merchant's request journal, newest first", returns: '{data, nextPage}' },

  'GET /checkout/:id': { summary: "The consumer's approval page of a charge or agreement", contentType: 'text/html', public: true },
  'POST /checkout/:id': {
    summary: "The approval page's form: action=approve|decline|cancel, then a redirect to the returnUrl",
    status: 303,
    contentType: 'text/html',
    public: true,
  },
  'GET /health': { summary: 'Answers once the server is listening', public: true },
  'GET /openapi.json': { summary: 'This document', public: true },
  'GET /docs': { summary: 'This document as a reference page', contentType: 'text/html', public: true },
  'GET /docs/docs.css': { summary: "The reference page's style sheet", contentType: 'text/css', public: true },
}

/** The section of the reference an operation belongs to, by its path. */
export function tagOf(url: string): string {
  if (url.startsWith('/v1/payment-charges')) return 'Payment charges'
  if (url.startsWith('/v1/payment-agreements')) return 'Payment agreements'
  if (url.startsWith('/v1/payment-sessions')) return 'Payment sessions'
  if (url.startsWith('/v1/')) return 'PPRO API'
  if (url.startsWith('/sandbox/events') || url.startsWith('/sandbox/requests') || url.endsWith('/timeline')) return 'Observability'
  if (url.startsWith('/sandbox/')) return 'Sandbox controls'
  if (url.startsWith('/checkout/')) return 'Approval page'
  return 'Service'
}
