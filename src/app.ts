import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { type Config, defaultConfig } from './config.js'
import { type Clock, systemClock } from './domain/clock.js'
import type { SandboxEvent } from './domain/events.js'
import { type IdGenerator, randomIds } from './domain/ids.js'
import { loadPaymentMethods, type PaymentMethods } from './domain/payment-methods.js'
import { Sandbox } from './domain/sandbox.js'
import { authHook } from './http/auth.js'
import { makeErrorHandler } from './http/errors.js'
import { KnownRoutes } from './http/known-routes.js'
import { checkoutRoutes } from './http/pages/checkout-routes.js'
import { healthRoutes } from './http/routes/health.js'
import { collectRoutes } from './http/openapi/registry.js'
import { openapiRoutes } from './http/openapi/routes.js'
import { chargeOperationRoutes } from './http/routes/charge-operations.js'
import { paymentAgreementRoutes } from './http/routes/payment-agreements.js'
import { paymentChargeRoutes } from './http/routes/payment-charges.js'
import { idempotencyHooks } from './http/idempotency.js'
import { warnUnknownFields, zodValidatorCompiler } from './http/validation.js'
import { checkoutUrl } from './http/views.js'
import { applySeed } from './seed.js'
import { sandboxControlRoutes } from './http/routes/sandbox-controls.js'
import { sandboxWebhookRoutes } from './http/routes/sandbox-webhooks.js'
import { sandboxStatusRoutes } from './http/routes/sandbox-status.js'
import { MemoryStore, type Store } from './store/memory-store.js'
import { loadSandboxConfigFile, MerchantRegistry, type MerchantSettings } from './webhooks/merchants.js'
import { fetchTransport, type WebhookTransport } from './webhooks/transport.js'

const SHUTDOWN_GRACE_MS = 3000

export interface BuildAppOptions {
  config?: Partial<Config>
  clock?: Clock
  ids?: IdGenerator
  store?: Store
  methods?: PaymentMethods
  transport?: WebhookTransport
  /** Per-merchant webhook URL and secret, added to those of the SANDBOX_CONFIG file. */
  merchants?: Record<string, MerchantSettings>
  /** Sees every event as it is published. */
  onEvent?: (event: SandboxEvent) => void
  logger?: FastifyServerOptions['logger']
  loggerInstance?: FastifyServerOptions['loggerInstance']
  /** An HTTP server of the caller's, already listening (the developer kit binds port 0 first, then builds). */
  serverFactory?: FastifyServerOptions['serverFactory']
}

declare module 'fastify' {
  interface FastifyInstance {
    sandbox: Sandbox
  }
}

/** Builds the whole sandbox as a Fastify app, from everything it needs; nothing here reads the environment. */
export async function buildApp(options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const config = defaultConfig(options.config)
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? { level: config.logLevel } }),
    ...(options.serverFactory ? { serverFactory: options.serverFactory } : {}),
    bodyLimit: config.bodyLimit,
    // PPRO's Request-Reference, when sent, is the request id (`reqId`) of every log line.
    requestIdHeader: 'request-reference',
    // A `__proto__` key in a JSON body is dropped, never applied.
    onProtoPoisoning: 'remove',
    // Our own compilers from the start, so Fastify never loads Ajv and fast-json-stringify (a third of
    // the start-up time). Request schemas are zod; replies are built by http/views.ts and checked by
    // the contract tests, and plain JSON.stringify keeps serialisation cheap.
    // (Fastify types these factories for Ajv only, hence the casts.)
    schemaController: {
      compilersFactory: {
        buildValidator: (() => zodValidatorCompiler(config.strictRequests)) as never,
        buildSerializer: (() => () => (data: unknown) => JSON.stringify(data)) as never,
      },
    },
  }).withTypeProvider<ZodTypeProvider>()

  const methods = options.methods ?? (await loadPaymentMethods())
  const file = config.sandboxConfigPath ? await loadSandboxConfigFile(config.sandboxConfigPath) : { merchants: {} }
  const merchants = new MerchantRegistry(
    { webhookUrl: config.webhooks.url, webhookSecret: config.webhooks.secret },
    { ...file.merchants, ...options.merchants },
  )
  const sandbox = new Sandbox({
    clock: options.clock ?? systemClock,
    ids: options.ids ?? randomIds,
    store: options.store ?? new MemoryStore(),
    methods,
    merchants,
    transport: options.transport ?? fetchTransport,
    webhooks: config.webhooks,
    authTimeoutSeconds: config.authTimeoutSeconds,
    checkoutUrl: (id) => checkoutUrl(config.publicBaseUrl, id),
    logger: app.log.child({ component: 'sandbox' }),
    onEvent: options.onEvent,
  })
  if (config.seedDir) {
    const seeded = await applySeed(config.seedDir, sandbox, merchants)
    app.log.info(seeded, `seeded from ${config.seedDir}`)
  }
  app.decorate('sandbox', sandbox)
  // Every route from here on is described by GET /openapi.json (built from their schemas on first request).
  const routes = collectRoutes(app)
  app.decorateRequest('merchantId', '')

  const now = () => sandbox.clock.now()
  app.setErrorHandler(makeErrorHandler(now))
  const known = new KnownRoutes()
  known.watch(app, ['/v1/', '/sandbox/'])
  app.setNotFoundHandler(known.notFoundHandler(now))
  // On close (SIGTERM): the server has stopped accepting requests; deliveries in flight get a short grace.
  app.addHook('onClose', async () => sandbox.close(Math.min(config.webhooks.timeoutMs, SHUTDOWN_GRACE_MS)))

  await app.register(healthRoutes)
  await app.register(openapiRoutes, { routes, baseUrl: config.publicBaseUrl })
  await app.register(checkoutRoutes, { sandbox, baseUrl: config.publicBaseUrl })
  await app.register(async (api) => {
    // PPRO's API takes JSON only; Fastify's default text parser would let text/plain through.
    api.removeContentTypeParser('text/plain')
    // Real clients send Content-Type: application/json with an empty body on body-less POSTs
    // (approve, discard, replay): an empty body is no body, not malformed JSON.
    const json = api.getDefaultJsonParser('remove', 'remove')
    api.removeContentTypeParser('application/json')
    api.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (body === '') done(null, undefined)
      else json(request, body as string, done)
    })
    // Credentials, then due timeouts and retries, before any read or write: every answer reflects the clock.
    api.addHook(
      'onRequest',
      authHook(config.apiKeys, () => sandbox.tick()),
    )
    // Idempotency keys and unknown-field warnings concern requests with bodies: hooks on POST routes only,
    // so reads pay for neither.
    const idempotency = idempotencyHooks(sandbox.idempotency, sandbox.clock)
    api.addHook('onRoute', (route) => {
      if (![route.method].flat().includes('POST')) return
      route.preValidation = [...[route.preValidation ?? []].flat(), idempotency.preValidation]
      route.preHandler = [...[route.preHandler ?? []].flat(), warnUnknownFields]
      route.onSend = [...[route.onSend ?? []].flat(), idempotency.onSend] as typeof route.onSend
      route.onRequestAbort = [...[route.onRequestAbort ?? []].flat(), idempotency.onRequestAbort]
    })
    await api.register(paymentChargeRoutes, { sandbox, baseUrl: config.publicBaseUrl })
    await api.register(chargeOperationRoutes, { sandbox, baseUrl: config.publicBaseUrl })
    await api.register(paymentAgreementRoutes, { sandbox, baseUrl: config.publicBaseUrl })
    await api.register(sandboxWebhookRoutes, { sandbox })
    await api.register(sandboxControlRoutes, { sandbox, baseUrl: config.publicBaseUrl })
    await api.register(sandboxStatusRoutes, { sandbox, baseUrl: config.publicBaseUrl })
  })
  return app
}
