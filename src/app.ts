import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { type Config, defaultConfig } from './config.js'
import { type Clock, systemClock } from './domain/clock.js'
import type { EventSink, SandboxEvent } from './domain/events.js'
import { type IdGenerator, randomIds } from './domain/ids.js'
import { loadPaymentMethods, type PaymentMethods } from './domain/payment-methods.js'
import { Sandbox } from './domain/sandbox.js'
import { authHook } from './http/auth.js'
import { envelope, makeErrorHandler } from './http/errors.js'
import { checkoutRoutes } from './http/pages/checkout-routes.js'
import { healthRoutes } from './http/routes/health.js'
import { paymentChargeRoutes } from './http/routes/payment-charges.js'
import { unknownFieldsOf, zodValidatorCompiler } from './http/validation.js'
import { MemoryStore, type Store } from './store/memory-store.js'

export interface BuildAppOptions {
  config?: Partial<Config>
  clock?: Clock
  ids?: IdGenerator
  store?: Store
  methods?: PaymentMethods
  events?: EventSink
  logger?: FastifyServerOptions['logger']
}

declare module 'fastify' {
  interface FastifyInstance {
    sandbox: Sandbox
    config: Config
  }
}

/** Builds the whole sandbox as a Fastify app, from everything it needs; nothing here reads the environment. */
export async function buildApp(options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const config = defaultConfig(options.config)
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    bodyLimit: config.bodyLimit,
    // PPRO's Request-Reference, when sent, is the request id (`reqId`) of every log line.
    requestIdHeader: 'request-reference',
    // Fastify's default JSON parser keeps the sandbox's prototype-poisoning protection.
    onProtoPoisoning: 'remove',
  }).withTypeProvider<ZodTypeProvider>()

  const methods = options.methods ?? (await loadPaymentMethods())
  const recorded: SandboxEvent[] = []
  const sandbox = new Sandbox({
    clock: options.clock ?? systemClock,
    ids: options.ids ?? randomIds,
    store: options.store ?? new MemoryStore(),
    methods,
    events: options.events ?? { publish: (e) => void recorded.push(e) },
    authTimeoutSeconds: config.authTimeoutSeconds,
    onError: (err) => app.log.error({ err }, 'scheduled task failed'),
  })
  app.decorate('sandbox', sandbox)
  app.decorate('config', config)
  app.decorateRequest('merchantId', '')

  app.setValidatorCompiler(zodValidatorCompiler(config.strictRequests))
  // Replies are built by the view functions in http/views.ts and checked by the contract tests;
  // plain JSON.stringify keeps serialisation off the hot path's budget.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data))
  const now = () => sandbox.clock.now()
  app.setErrorHandler(makeErrorHandler(now))
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(envelope(404, `no such endpoint: ${request.method} ${request.url.split('?')[0]}`, now()))
  })
  app.addHook('onClose', async () => sandbox.close())

  await app.register(healthRoutes)
  await app.register(checkoutRoutes, { sandbox, baseUrl: config.publicBaseUrl })
  await app.register(async (api) => {
    // PPRO's API takes JSON only; Fastify's default text parser would let text/plain through.
    api.removeContentTypeParser('text/plain')
    api.addHook('onRequest', authHook(config.apiKeys))
    // Due timeouts and retries run before any read or write, so every answer reflects the clock.
    api.addHook('preHandler', (request, reply, done) => {
      sandbox.tick()
      const unknown = request.body && typeof request.body === 'object' ? unknownFieldsOf.get(request.body) : undefined
      if (unknown) {
        reply.header('sandbox-warning', `ignored unknown field(s): ${unknown.join(', ')}`)
        request.log.warn({ unknownFields: unknown }, 'request carried fields PPRO does not define; they were ignored')
      }
      done()
    })
    await api.register(paymentChargeRoutes, { sandbox, baseUrl: config.publicBaseUrl })
  })
  return app
}
