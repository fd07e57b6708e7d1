import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { type Config, ConfigError, defaultConfig } from './config.js'
import { loadPaymentMethods } from './config-files.js'
import { type Clock, systemClock } from './domain/clock.js'
import type { PproEvent } from './domain/events.js'
import { type IdGenerator, randomIds } from './domain/ids.js'
import type { PaymentMethods } from './domain/payment-methods.js'
import type { Store } from './domain/store.js'
import { apiRoutes } from './http/api.js'
import { makeErrorHandler } from './http/errors.js'
import { IdempotencyStore } from './http/idempotency-store.js'
import { KnownRoutes } from './http/known-routes.js'
import { approvalRoutes } from './http/pages/approval-routes.js'
import { dashboardRoutes } from './dashboard/routes.js'
import { approvalPageUrl } from './http/responses.js'
import { ChargeBodies } from './http/charge-bodies.js'
import { healthRoutes } from './http/routes/health.js'
import { collectRoutes } from './http/openapi/registry.js'
import { openapiRoutes } from './http/openapi/routes.js'
import { requestLoggerFactory } from './http/request-logger.js'
import { zodValidatorCompiler } from './http/validation.js'
import { createSandbox, type Sandbox } from './sandbox.js'
import { applySeed, type SeedFile } from './seed.js'
import { demoRoutes } from './demo/demo-routes.js'
import { Durable } from './durable/durable.js'
import { Retention } from './durable/retention.js'
import { MemoryStore } from './store/memory-store.js'
import { Observability } from './observe/index.js'
import type { Replica } from './redis/replica.js'
import { MerchantRegistry, type MerchantSettings } from './webhooks/merchants.js'
import { httpTransport, type WebhookTransport } from './webhooks/transport.js'

const SHUTDOWN_GRACE_MS = 3000

export interface BuildAppOptions {
  config?: Partial<Config>
  clock?: Clock
  ids?: IdGenerator
  store?: Store
  /** The payment methods' properties; the shipped fixtures when absent. */
  methods?: PaymentMethods
  transport?: WebhookTransport
  /** Per-merchant webhook URL and secret (the `SANDBOX_CONFIG` file's, or a test's). */
  merchants?: Record<string, MerchantSettings>
  /** Seed files to apply at start (`SEED_DIR`, read by `loadConfigFiles`). */
  seed?: readonly SeedFile[]
  /** Sees every event as it is published. */
  onEvent?: (event: PproEvent) => void
  /** Durable mode: a journal write that failed. By default the process says so and exits non-zero. */
  onJournalFailure?: (err: Error) => void
  logger?: FastifyServerOptions['logger']
  loggerInstance?: FastifyServerOptions['loggerInstance']
  /**
   * Tests: a charge's kept answer is compared with one built anew each time it is sent again
   * (src/http/charge-bodies.ts), so a change that publishes no event fails the test that reads it.
   */
  verifyKeptBodies?: boolean
  /** An HTTP server of the caller's, already listening (the developer kit binds port 0 first, then builds). */
  serverFactory?: FastifyServerOptions['serverFactory']
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The simulator this app serves: the one way routes, tests and tools reach it. */
    sandbox: Sandbox
    /** Forgets finished charges and agreements (both modes; docs/durable-mode.md). */
    retention: Retention
    /** Durable mode (DATA_DIR), when on. */
    durable: Durable | undefined
    /** Replicas on one Redis (REDIS_URL), when on. */
    replica: Replica | undefined
    /** Charges' JSON answers, kept until they change. */
    chargeBodies: ChargeBodies
  }
}

/**
 * Builds the whole sandbox as a Fastify app, from everything it needs. Nothing here reads the
 * environment or a configuration file: `server.ts` reads both (`loadConfig`, `loadConfigFiles`) and
 * passes what they hold.
 */
export async function buildApp(options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const config = defaultConfig(options.config)
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? { level: config.logLevel } }),
    ...(options.serverFactory ? { serverFactory: options.serverFactory } : {}),
    bodyLimit: config.bodyLimit,
    // PPRO's Request-Reference, when sent, is the request id (`reqId`) of every log line.
    requestIdHeader: 'request-reference',
    // A request's logger is made when it first writes a line (http/request-logger.ts).
    childLoggerFactory: requestLoggerFactory,
    // A `__proto__` key in a JSON body is dropped, never applied.
    onProtoPoisoning: 'remove',
    // Our own compilers from the start, so Fastify never loads Ajv and fast-json-stringify (a third of
    // the start-up time). Request schemas are zod; replies are built by http/responses.ts and checked by
    // the contract tests, and plain JSON.stringify keeps serialisation cheap.
    // (Fastify types these factories for Ajv only, hence the casts.)
    schemaController: {
      compilersFactory: {
        buildValidator: (() => zodValidatorCompiler(config.strictRequests)) as never,
        buildSerializer: (() => () => (data: unknown) => JSON.stringify(data)) as never,
      },
    },
  }).withTypeProvider<ZodTypeProvider>()

  const merchants = new MerchantRegistry({ webhookUrl: config.webhooks.url, webhookSecret: config.webhooks.secret }, options.merchants)
  // Durable mode reads DATA_DIR back before anything is built on it (a refused start throws here).
  const baseClock = options.clock ?? systemClock
  const { dataDir, fsync, compactBytes } = config.durable
  if (dataDir && config.redis.url) throw new ConfigError('set DATA_DIR or REDIS_URL, not both: replicas keep their state in Redis')
  const transport = options.transport ?? httpTransport
  // Replicas on Redis: the store is a view of each unit of work, the clock's base is Redis's time.
  // Loaded only when asked for: memory mode never pays for the Redis client at start.
  const redisMode = config.redis.url ? { ...(await import('./redis/replica.js')), ...(await import('./redis/routes.js')) } : undefined
  const replica = config.redis.url
    ? await redisMode!.Replica.connect({
        url: config.redis.url,
        leaseMs: config.redis.leaseMs,
        pollMs: config.redis.pollMs,
        retention: config.retention,
        baseClock,
        logger: app.log.child({ component: 'replica' }),
        merchants,
        transport,
        webhooks: config.webhooks,
      })
    : undefined
  const durable = dataDir ? Durable.open({ dataDir, fsync, compactBytes, onFatal: options.onJournalFailure }, baseClock) : undefined
  let retention: Retention | undefined
  const methods = options.methods ?? (await loadPaymentMethods())
  // The event feed, request journal and timelines (src/observe) watch the sandbox as its observer.
  const observe = new Observability(config.feed, {
    methods,
    webhooks: config.webhooks,
    authTimeoutSeconds: config.authTimeoutSeconds,
    logger: app.log.child({ component: 'feed' }),
  })
  const chargeBodies = new ChargeBodies(
    config.publicBaseUrl,
    (agreementId) => sandbox.agreements.findForConsumer(agreementId)?.initialPaymentChargeId,
    { capacity: replica ? 0 : 1000, verify: options.verifyKeptBodies },
  )
  const sandbox = createSandbox({
    clock: durable ? durable.clock : replica ? replica.clock : baseClock,
    wallClock: baseClock,
    ids: options.ids ?? randomIds,
    store: replica ? replica.store : (options.store ?? new MemoryStore()),
    methods,
    merchants,
    transport: durable ? durable.transport(transport) : transport,
    webhooks: config.webhooks,
    authTimeoutSeconds: config.authTimeoutSeconds,
    sessionLifetimeSeconds: config.sessionLifetimeSeconds,
    publicBaseUrl: config.publicBaseUrl,
    approvalPageUrl: (id) => approvalPageUrl(config.publicBaseUrl, id),
    logger: app.log.child({ component: 'sandbox' }),
    onEvent: options.onEvent
      ? (e) => {
          chargeBodies.changed(e)
          options.onEvent!(e)
        }
      : chargeBodies.changed,
    observer: observe.recorder,
    onRecord: durable
      ? (d, created) => {
          if (created) retention!.recorded(d)
          durable.recorded(d, created)
        }
      : (d, created) => created && retention!.recorded(d),
    durable: durable !== undefined,
    outbox: replica?.outbox,
  })
  // Request idempotency is PPRO's API's, so HTTP owns it; a reset of the merchant's data forgets its keys.
  const idempotency = durable ? durable.idempotency : new IdempotencyStore()
  sandbox.onReset((merchantId) => idempotency.deleteMerchant(merchantId))
  if (durable) sandbox.onReset(durable.reset)
  // A merchant reset on any replica clears what this one holds of the merchant (its feed and journal).
  if (replica) replica.onReset((merchantId) => sandbox.reset(merchantId))
  retention = new Retention({ settings: config.retention, wallClock: baseClock, sandbox, idempotency, onDrop: durable?.dropped })
  if (durable) {
    for (const [id, at] of durable.touched) retention.touched.set(id, at)
    durable.touchedNow = (id) => retention!.touched.get(id)
    durable.attach(sandbox)
    app.log.info({ dataDir, ...durable.recovery }, 'durable mode: state read back from DATA_DIR')
  }
  // A seed is applied once: a durable sandbox that already holds data is not seeded again.
  const holdsData = durable !== undefined && (durable.recovery.units > 0 || durable.recovery.snapshot !== undefined)
  observe.attach(app, sandbox)
  // Replicas apply SEED_DIR once they are attached to Redis, once for all of them (below).
  if (!replica && options.seed && options.seed.length > 0 && !holdsData) {
    const seeded = applySeed(options.seed, sandbox, merchants)
    app.log.info(seeded, `seeded ${seeded.charges} charge(s) from ${seeded.files} file(s)`)
  }
  app.decorate('retention', retention)
  app.decorate('durable', durable)
  app.decorate('replica', replica)
  app.decorate('chargeBodies', chargeBodies)
  if (replica) {
    await replica.attach(sandbox, observe.recorder, observe.feed)
    if (options.seed && options.seed.length > 0) {
      const seeded = await replica.seedOnce(options.seed, (files) => applySeed(files, sandbox, merchants))
      app.log.info(
        seeded,
        seeded.charges > 0 ? `seeded ${seeded.charges} charge(s) from ${seeded.files} file(s)` : 'SEED_DIR applied already',
      )
    }
    // Before any route: each one that touches records becomes a unit of work (src/redis/routes.ts).
    app.addHook('onRoute', redisMode!.replicaRoutes(replica))
  }

  app.decorate('sandbox', sandbox)
  // Every route from here on is described by GET /openapi.json (built from their schemas on first request).
  const routes = collectRoutes(app)
  app.decorateRequest('merchantId', '')
  app.decorateRequest('idempotency', undefined)

  const now = () => sandbox.clock.now()
  app.setErrorHandler(makeErrorHandler(now))
  const known = new KnownRoutes()
  const apiPrefixes = ['/v1/', '/sandbox/']
  known.watch(app, apiPrefixes)
  // A 404 or 405 of a merchant's (valid credentials) is journaled for it, like any answer it gets.
  app.setNotFoundHandler(observe.unrouted(config.apiKeys, apiPrefixes), known.notFoundHandler())
  // Durable mode: no reply leaves before the unit of work it may show is written (see holdUntilWritten).
  if (durable) {
    app.addHook('onRequest', function holdUntilWritten(_request, reply, done) {
      durable.hold(reply.raw)
      done()
    })
  }
  // Due timeouts, outcomes and retries run before any request is handled: every answer reflects the clock.
  app.addHook('onRequest', function runDueWork(_request, _reply, done) {
    sandbox.tick()
    done()
  })
  // On close (SIGTERM): the server has stopped accepting requests; deliveries in flight get a short grace.
  retention.start()
  app.addHook('onClose', async () => {
    retention!.stop()
    await sandbox.close(Math.min(config.webhooks.timeoutMs, SHUTDOWN_GRACE_MS))
    await durable?.close()
    await replica?.close(SHUTDOWN_GRACE_MS)
  })

  await app.register(healthRoutes, {
    status: () => (durable ? durable.status() : replica ? replica.status() : { mode: 'memory' as const }),
  })
  await app.register(openapiRoutes, { routes, baseUrl: config.publicBaseUrl })
  await app.register(approvalRoutes, { merchants })
  await app.register(demoRoutes, {
    merchants,
    apiKey: config.apiKeys[0] ?? 'sk_demo_shop',
    authTimeoutSeconds: config.authTimeoutSeconds,
    shared: replica?.shop(),
  })
  await app.register(dashboardRoutes, { apiKeysRequired: config.apiKeys.length > 0 })
  await observe.stream(app, config.apiKeys)
  await app.register(apiRoutes, {
    apiKeys: config.apiKeys,
    idempotency,
    observe,
    merchants,
    idempotencyHooks: replica && redisMode!.replicaIdempotencyHooks(replica),
  })
  return app
}
