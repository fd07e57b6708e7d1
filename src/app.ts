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
import { chargeOperationRoutes } from './http/routes/charge-operations.js'
import { paymentAgreementRoutes } from './http/routes/payment-agreements.js'
import { paymentChargeRoutes } from './http/routes/payment-charges.js'
import { idempotencyHooks } from './http/idempotency.js'
import { warnUnknownFields, zodValidatorCompiler } from './http/validation.js'
import { checkoutUrl } from './http/views.js'
import { applySeed } from './seed.js'
import { sandboxControlRoutes } from './http/routes/sandbox-controls.js'
import { sandboxWebhookRoutes } from './http/routes/sandbox-webhooks.js'
import { Durable } from './durable/durable.js'
import { Retention } from './durable/retention.js'
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
  /** Durable mode: a journal write that failed. By default the process says so and exits non-zero. */
  onJournalFailure?: (err: Error) => void
  logger?: FastifyServerOptions['logger']
  loggerInstance?: FastifyServerOptions['loggerInstance']
}

declare module 'fastify' {
  interface FastifyInstance {
    sandbox: Sandbox
    /** Finished charges and agreements are forgotten (both modes). */
    retention: Retention
    /** Durable mode (DATA_DIR), when on. */
    durable: Durable | undefined
  }
}

/** Builds the whole sandbox as a Fastify app, from everything it needs; nothing here reads the environment. */
export async function buildApp(options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const config = defaultConfig(options.config)
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? { level: config.logLevel } }),
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
  // Durable mode reads DATA_DIR back before anything is built on it (a refused start throws here).
  const baseClock = options.clock ?? systemClock
  const durable = config.durable.dataDir
    ? Durable.open(
        {
          dataDir: config.durable.dataDir,
          fsync: config.durable.fsync,
          compactBytes: config.durable.compactBytes,
          onFatal: options.onJournalFailure,
        },
        baseClock,
      )
    : undefined
  let retention: Retention | undefined
  const transport = options.transport ?? fetchTransport
  const sandbox = new Sandbox({
    clock: durable ? durable.clock : baseClock,
    ids: options.ids ?? randomIds,
    store: options.store ?? new MemoryStore(),
    methods,
    merchants,
    transport: durable ? durable.transport(transport) : transport,
    idempotency: durable?.idempotency,
    onRecord: durable
      ? (d, created) => {
          if (created) retention!.recorded(d)
          durable.recorded(d, created)
        }
      : (d, created) => created && retention!.recorded(d),
    onReset: durable?.reset,
    webhooks: config.webhooks,
    authTimeoutSeconds: config.authTimeoutSeconds,
    checkoutUrl: (id) => checkoutUrl(config.publicBaseUrl, id),
    logger: app.log.child({ component: 'sandbox' }),
    onEvent: options.onEvent,
  })
  retention = new Retention({
    settings: config.retention,
    wallClock: baseClock,
    sandbox,
    idempotency: sandbox.idempotency,
    onDrop: durable?.dropped,
  })
  if (durable) {
    for (const [id, at] of durable.touched) retention.touched.set(id, at)
    durable.touchedNow = (id) => retention!.touched.get(id)
    durable.attach(sandbox)
    app.log.info({ dataDir: config.durable.dataDir, ...durable.recovery }, 'durable mode: state read back from DATA_DIR')
  }
  app.decorate('retention', retention)
  app.decorate('durable', durable)
  // A seed is applied once: a durable sandbox that already holds data does not seed it again.
  if (config.seedDir && !(durable && (durable.recovery.units > 0 || durable.recovery.snapshot !== undefined))) {
    const seeded = await applySeed(config.seedDir, sandbox, merchants)
    app.log.info(seeded, `seeded from ${config.seedDir}`)
  }
  app.decorate('sandbox', sandbox)
  app.decorateRequest('merchantId', '')

  const now = () => sandbox.clock.now()
  app.setErrorHandler(makeErrorHandler(now))
  const known = new KnownRoutes()
  known.watch(app, ['/v1/', '/sandbox/'])
  app.setNotFoundHandler(known.notFoundHandler(now))
  // Durable mode: no reply leaves before the unit of work it may show is written (see holdUntilWritten).
  if (durable) {
    app.addHook('onRequest', (_request, reply, done) => {
      durable.hold(reply.raw)
      done()
    })
  }
  retention.start()
  // On close (SIGTERM): the server has stopped accepting requests; deliveries in flight get a short grace.
  app.addHook('onClose', async () => {
    retention!.stop()
    await sandbox.close(Math.min(config.webhooks.timeoutMs, SHUTDOWN_GRACE_MS))
    await durable?.close()
  })

  await app.register(healthRoutes, { status: () => (durable ? durable.status() : { mode: 'memory' as const }) })
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
  })
  return app
}
