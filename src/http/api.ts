import type { FastifyInstance } from 'fastify'
import { sandboxFaults } from '../faults/index.js'
import type { Observability } from '../observe/index.js'
import { keepRawBody } from '../observe/journal.js'
import { checkCredentials } from './auth.js'
import { idempotencyHooks } from './idempotency.js'
import type { IdempotencyStore } from './idempotency-store.js'
import { chargeOperationRoutes } from './routes/charge-operations.js'
import { paymentAgreementRoutes } from './routes/payment-agreements.js'
import { paymentChargeRoutes } from './routes/payment-charges.js'
import { paymentSessionRoutes } from './routes/payment-sessions.js'
import { sandboxControlRoutes } from './routes/sandbox-controls.js'
import { sandboxWebhookRoutes } from './routes/sandbox-webhooks.js'
import { sandboxDashboardRoutes } from './routes/sandbox-dashboard.js'
import { sandboxStatusRoutes } from './routes/sandbox-status.js'
import type { MerchantRegistry } from '../webhooks/merchants.js'
import { warnUnknownFields } from './validation.js'

export interface ApiOptions {
  /** Accepted API keys; empty takes any non-empty key. */
  apiKeys: readonly string[]
  /** Where PPRO's `Request-Idempotency-Key` answers are remembered. */
  idempotency: IdempotencyStore
  /** Each merchant's webhook URL and secret, for `GET /sandbox/status`. */
  merchants: MerchantRegistry
  /** The request journal and the journal's and timelines' routes. */
  observe?: Observability | undefined
  /** Replicas on Redis: the idempotency hooks that take keys in Redis instead of `idempotency`. */
  idempotencyHooks?: IdempotencyHooks | undefined
}

type IdempotencyHooks = { [K in 'preValidation' | 'onSend' | 'onRequestAbort']: (...args: never[]) => unknown }

/**
 * PPRO's API (`/v1`) and the sandbox's control plane (`/sandbox`): JSON bodies only, PPRO's
 * credentials on every request, and the hooks POST routes need.
 */
export async function apiRoutes(api: FastifyInstance, options: ApiOptions) {
  const { sandbox } = api
  // PPRO's API takes JSON only; Fastify's default text parser would let text/plain through.
  api.removeContentTypeParser('text/plain')
  // Real clients send Content-Type: application/json with an empty body on body-less POSTs
  // (approve, discard, replay): an empty body is no body, not malformed JSON.
  const json = api.getDefaultJsonParser('remove', 'remove')
  api.removeContentTypeParser('application/json')
  api.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    keepRawBody(request, body as string)
    if (body === '') done(null, undefined)
    else json(request, body as string, done)
  })
  api.addHook('onRequest', checkCredentials(options.apiKeys))
  if (options.observe) await options.observe.api(api)

  // Idempotency keys are PPRO's: they act on POSTs under /v1 only. A /sandbox POST (a clock move, an
  // approval) always does what it says, key or no key. Unknown-field warnings concern every request
  // with a body. Both are hooks on POST routes only, so reads pay for neither.
  const idempotency = (options.idempotencyHooks ?? idempotencyHooks(options.idempotency, sandbox.clock)) as ReturnType<
    typeof idempotencyHooks
  >
  api.addHook('onRoute', (route) => {
    if (![route.method].flat().includes('POST')) return
    route.preHandler = [...[route.preHandler ?? []].flat(), warnUnknownFields]
    if (!route.url.startsWith('/v1/')) return
    route.preValidation = [...[route.preValidation ?? []].flat(), idempotency.preValidation]
    route.onSend = [...[route.onSend ?? []].flat(), idempotency.onSend] as typeof route.onSend
    route.onRequestAbort = [...[route.onRequestAbort ?? []].flat(), idempotency.onRequestAbort]
  })
  // Fault injection: its hooks wrap those of every /v1 route registered after it.
  await api.register(sandboxFaults)
  await api.register(paymentChargeRoutes)
  await api.register(chargeOperationRoutes)
  await api.register(paymentAgreementRoutes)
  await api.register(paymentSessionRoutes)
  await api.register(sandboxWebhookRoutes)
  await api.register(sandboxControlRoutes)
  await api.register(sandboxDashboardRoutes)
  await api.register(sandboxStatusRoutes, { merchants: options.merchants })
}
