import { deepStrictEqual } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { buildApp, type BuildAppOptions } from '../../src/app.js'
import { type Clock, ManualClock } from '../../src/domain/clock.js'
import type { PproEvent } from '../../src/domain/events.js'
import { sequentialIds } from '../../src/domain/ids.js'
import { MemoryStore } from '../../src/store/memory-store.js'
import { eventBody } from '../../src/webhooks/dispatcher.js'
import { eventErrors, schemaErrors, type SpecName, warmContractChecks } from './openapi.js'

export const MERCHANT = 'merch_test_A'
export const OTHER_MERCHANT = 'merch_test_B'
/** The test API key and the merchant's id, as every request of a merchant carries them. */
export const authFor = (merchantId: string) => ({ authorization: 'Bearer sk_test_sandbox', 'merchant-id': merchantId })
export const AUTH = authFor(MERCHANT)
export const OTHER_AUTH = authFor(OTHER_MERCHANT)

/** The request of PPRO's KakaoPay page, verbatim. */
export function kakaoPayChargeRequest(overrides: Record<string, unknown> = {}) {
  return {
    paymentMethod: 'KAKAOPAY',
    paymentDescriptor: 'Order description',
    amount: { value: 15000, currency: 'KRW' },
    consumer: { name: 'John Smith', country: 'KR' },
    authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.webshop.com/order-results-page' } }],
    ...overrides,
  }
}

/** A KakaoPay agreement request with the fields PPRO requires, and `overrides`. */
export function kakaoPayAgreementRequest(overrides: Record<string, unknown> = {}) {
  return {
    paymentMethod: 'KAKAOPAY',
    consumer: { country: 'KR' },
    authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://shop.example/subscribed' } }],
    ...overrides,
  }
}

/** Which PPRO schema describes the JSON answer of a route, for the contract check of every reply. */
const SUBRESOURCES: Record<string, [list: string, one: string]> = {
  authorizations: ['GetAuthorizationsResponse', 'PaymentChargeAuthorizationResponse'],
  captures: ['GetCapturesResponse', 'PaymentChargeCaptureResponse'],
  refunds: ['GetRefundsResponse', 'PaymentChargeRefundResponse'],
  voids: ['GetVoidsResponse', 'PaymentChargeVoidResponse'],
  discards: ['', 'PaymentChargeDiscardResponse'],
}

function schemaFor(method: string, path: string, status: number): [SpecName, string] | undefined {
  if (path.endsWith('/timeline')) return undefined
  if (/^\/sandbox\/payment-charges\/[^/]+\/[a-z]+$/.test(path)) return status < 400 ? ['charges', 'PaymentChargeResponse'] : undefined
  if (/^\/sandbox\/payment-sessions\/[^/]+\/[a-z]+$/.test(path)) return status < 400 ? ['sessions', 'FetchResponse'] : undefined
  if (/^\/sandbox\/payment-agreements\/[^/]+\/[a-z]+$/.test(path)) return status < 400 ? ['agreements', 'AgreementResponse'] : undefined
  if (path.startsWith('/v1/payment-agreements')) {
    if (status >= 400) return status === 401 ? undefined : ['agreements', 'ExceptionResponseBody']
    if (/^\/v1\/payment-agreements\/[^/]+\/payment-charges$/.test(path)) return ['agreements', 'AgreementChargeResponse']
    if (/^\/v1\/payment-agreements\/[^/]+\/revocations$/.test(path)) return ['agreements', 'AgreementRevocationResponse']
    return ['agreements', 'AgreementResponse']
  }
  if (path.startsWith('/v1/payment-sessions')) {
    if (status >= 400) return status === 401 ? undefined : ['sessions', 'ExceptionResponseBody']
    if (/^\/v1\/payment-sessions\/[^/]+\/authorizations$/.test(path)) return ['sessions', 'AuthorizationResponse']
    return ['sessions', method === 'GET' ? 'FetchResponse' : 'CreationResponse']
  }
  if (!path.startsWith('/v1/payment-charges')) return undefined
  if (status >= 400) return status === 401 ? undefined : ['charges', 'ExceptionResponseBody']
  if (/^\/v1\/payment-charges\/?$/.test(path)) return ['charges', method === 'GET' ? 'GetPaymentChargesResponse' : 'PaymentChargeResponse']
  if (/^\/v1\/payment-charges\/[^/]+$/.test(path)) return ['charges', 'PaymentChargeResponse']
  const sub = /^\/v1\/payment-charges\/[^/]+\/([a-z-]+)(\/[^/]+)?$/.exec(path)
  const kinds = sub ? SUBRESOURCES[sub[1]!] : undefined
  if (!kinds) return undefined
  return ['charges', method === 'POST' || sub![2] ? kinds[1] : kinds[0]]
}

/** Fields the sandbox always sends on a payment session's answers. */
const SESSION_FIELDS: Record<string, string[]> = {
  CreationResponse: [
    'id',
    'status',
    'amount',
    'recurring',
    'consumer',
    'hasInitialPaymentCharge',
    'availablePaymentMethods',
    'expiresAt',
    'createdAt',
  ],
  FetchResponse: ['id', 'status', 'amount', 'recurring', 'consumer', 'expiresAt', 'createdAt'],
  AuthorizationResponse: ['id', 'status', 'data'],
}

const AGREEMENT_FIELDS = ['id', 'status', 'paymentMethod', 'consumer', 'history', 'revocations', 'createdAt', 'updatedAt']

/** Fields PPRO's schema does not require but the sandbox always sends on a charge. */
const CHARGE_FIELDS = [
  'id',
  'paymentMethod',
  'paymentMedium',
  'initiator',
  'currency',
  'country',
  'status',
  'consumer',
  'authorizations',
  'captures',
  'refunds',
  'discards',
  'voids',
  'createdAt',
  'updatedAt',
  '_links',
]

export function chargePresenceErrors(body: Record<string, unknown>): string[] {
  const errors = CHARGE_FIELDS.filter((f) => !(f in body)).map((f) => `missing ${f}`)
  if ('amount' in body) errors.push('top-level amount on a charge')
  if (body.status === 'AUTHENTICATION_PENDING' && !Array.isArray(body.authenticationMethods))
    errors.push('pending charge without authenticationMethods')
  if (body.status !== 'AUTHENTICATION_PENDING' && 'authenticationMethods' in body) errors.push('authenticationMethods on a finished charge')
  return errors
}

/**
 * The events whose webhook body is no longer the one they had when published: an event builds its
 * data from its charge or agreement on each read, which is right only while the fields it reads never
 * change afterwards. Empty when every body is as it was.
 */
export function changedEventBodies(events: readonly PproEvent[], bodiesAtPublish: readonly string[]): string[] {
  const changed: string[] = []
  events.forEach((e, i) => {
    if (eventBody(e) !== bodiesAtPublish[i]) changed.push(`${e.type} ${e.id}`)
  })
  return changed
}

export interface TestApp<C extends Clock = ManualClock> {
  app: FastifyInstance
  /** The base clock the app runs on: a ManualClock unless the test passed its own. */
  clock: C
  /** The store the app writes to: tests read it to prove that nothing was stored. */
  store: MemoryStore
  events: PproEvent[]
  /** inject() with the default merchant's credentials unless headers say otherwise. */
  call(opts: InjectOptions): Promise<LightMyRequestResponse>
  /** POST a JSON body (or none) with the default merchant's credentials. */
  post(url: string, payload?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>
  /** Creates a charge from PPRO's KakaoPay request with `overrides`; answers the JSON body. */
  createCharge(overrides?: Record<string, unknown>, headers?: Record<string, string>): Promise<Record<string, any>>
  /** Creates an agreement from `kakaoPayAgreementRequest(overrides)`; answers the JSON body. */
  createAgreement(overrides?: Record<string, unknown>, headers?: Record<string, string>): Promise<Record<string, any>>
  /** `GET /v1/payment-charges/{id}`'s JSON body. */
  readCharge(id: string, headers?: Record<string, string>): Promise<Record<string, any>>
  /** What the consumer does on the approval page of a charge or agreement (an id, or the page's path). */
  consumer(idOrPath: string, action: string): Promise<LightMyRequestResponse>
  /** `POST /sandbox/payment-charges/{id}/{action}`: a test standing in for the consumer. */
  control(id: string, action: string, payload?: object, headers?: Record<string, string>): Promise<LightMyRequestResponse>
  /** How many replies the contract check validated so far. */
  checked(): number
}

/**
 * Builds the app with a manual clock and sequential ids, and checks every JSON reply of the
 * charge routes against PPRO's OpenAPI schema (published and strict) as it is sent: the contract
 * test covers every charge body any test produces.
 */
export async function buildTestApp(t: Test, options?: Omit<BuildAppOptions, 'clock'>): Promise<TestApp>
/** With the test's own base clock (the system clock, a ticking one): `ctx.clock` is that clock. */
export async function buildTestApp<C extends Clock>(t: Test, options: BuildAppOptions & { clock: C }): Promise<TestApp<C>>
export async function buildTestApp(t: Test, options: BuildAppOptions = {}): Promise<TestApp<Clock>> {
  warmContractChecks()
  const clock = options.clock ?? new ManualClock()
  const events: PproEvent[] = []
  const bodies: string[] = []
  const store = (options.store as MemoryStore | undefined) ?? new MemoryStore()
  let ended = false
  // SANDBOX_TEST_DURABLE=1 (test/durable/suite*.test.ts): the same tests in durable mode, each app on its own DATA_DIR.
  const dataDir =
    process.env.SANDBOX_TEST_DURABLE === '1' && !options.config?.durable ? mkdtempSync(join(tmpdir(), 'sandbox-test-')) : undefined
  const config = dataDir ? { ...options.config, durable: { dataDir, fsync: false, compactBytes: 64 * 1024 * 1024 } } : options.config
  const app = await buildApp({
    clock,
    store,
    ids: sequentialIds(),
    logger: false,
    // Every read of a kept charge answer checks it against one built anew: a change with no event fails.
    verifyKeptBodies: true,
    onEvent: (e) => {
      events.push(e)
      bodies.push(eventBody(e))
      // Every event any test produces is checked against PPRO's webhooks file as it is published
      // (not once the test has ended: durable mode's restart check reads the app in the teardown).
      if (!ended) t.same(eventErrors(JSON.parse(eventBody(e))), [], `event ${e.type} conforms to the webhooks file`)
    },
    ...options,
    ...(config ? { config } : {}),
  })
  let count = 0
  app.addHook('onSend', async (request, reply, payload) => {
    // After every request: no event published so far has changed its body (fails only when one has).
    const changed = changedEventBodies(events, bodies)
    if (changed.length > 0) t.fail(`event bodies changed after they were published: ${changed.join(', ')}`)
    const path = request.url.split('?')[0]!
    const found = schemaFor(request.method, path, reply.statusCode)
    if (!ended && found && typeof payload === 'string' && String(reply.getHeader('content-type')).startsWith('application/json')) {
      const [spec, schema] = found
      const body = JSON.parse(payload) as Record<string, unknown>
      const errors = schemaErrors(spec, schema, body)
      if (schema === 'PaymentChargeResponse') errors.push(...chargePresenceErrors(body))
      if (schema === 'GetPaymentChargesResponse')
        for (const c of body.data as Record<string, unknown>[]) errors.push(...chargePresenceErrors(c))
      if (spec === 'sessions' && SESSION_FIELDS[schema])
        errors.push(...SESSION_FIELDS[schema].filter((f) => !(f in body)).map((f) => `missing ${f}`))
      if (schema === 'AgreementResponse') errors.push(...AGREEMENT_FIELDS.filter((f) => !(f in body)).map((f) => `missing ${f}`))
      if (schema === 'AgreementChargeResponse') {
        errors.push(
          ...['id', 'status', 'paymentMethod', 'currency', 'authorizations', 'captures', 'refunds', 'voids', 'createdAt']
            .filter((f) => !(f in body))
            .map((f) => `missing ${f}`),
        )
      }
      t.same(errors, [], `${request.method} ${request.url} ${reply.statusCode} conforms to ${schema}`)
      count++
    }
    return payload
  })
  t.teardown(() => (dataDir ? restartEquivalence(t, app, { ...options, clock, config }, dataDir) : app.close()))
  // Teardowns run last registered first: this one before the restart check.
  t.teardown(() => {
    ended = true
  })
  const call: TestApp['call'] = (opts) => app.inject({ ...opts, headers: { ...AUTH, ...(opts.headers ?? {}) } })
  const post: TestApp['post'] = (url, payload, headers) =>
    call({ method: 'POST', url, ...(payload === undefined ? {} : { payload: payload as object }), ...(headers ? { headers } : {}) })
  return {
    app,
    clock,
    store,
    events,
    call,
    post,
    createCharge: async (overrides = {}, headers) => (await post('/v1/payment-charges', kakaoPayChargeRequest(overrides), headers)).json(),
    createAgreement: async (overrides = {}, headers) =>
      (await post('/v1/payment-agreements', kakaoPayAgreementRequest(overrides), headers)).json(),
    readCharge: async (id, headers) =>
      (await call({ method: 'GET', url: `/v1/payment-charges/${id}`, ...(headers ? { headers } : {}) })).json(),
    consumer: (idOrPath, action) =>
      app.inject({
        method: 'POST',
        url: idOrPath.startsWith('/') ? idOrPath : `/checkout/${idOrPath}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `action=${action}`,
      }),
    control: (id, action, payload, headers) => post(`/sandbox/payment-charges/${id}/${action}`, payload, headers),
    checked: () => count,
  }
}

/** What the API shows of both test merchants: every charge (all pages) and every event as sent. */
async function dump(app: FastifyInstance, apiKey: string) {
  const out: unknown[] = []
  for (const h of [AUTH, OTHER_AUTH]) {
    const headers = { ...h, authorization: `Bearer ${apiKey}` }
    let page: string | undefined
    do {
      const res = (await app.inject({ method: 'GET', url: `/v1/payment-charges${page ? `?page=${page}` : ''}`, headers })).json()
      out.push(...res.data)
      page = res.nextPage
    } while (page)
    const hooks = (await app.inject({ method: 'GET', url: '/sandbox/webhooks', headers })).json()
    out.push(...hooks.data.map((d: Record<string, unknown>) => [d.eventId, d.type, d.createdAt, d.payload]))
  }
  return out
}

/**
 * Durable mode's net for a change that was not journaled: after the test, the app is closed and built
 * again on its DATA_DIR (with a store of its own), and must show the same charges and events.
 */
async function restartEquivalence(t: Test, app: FastifyInstance, options: BuildAppOptions, dataDir: string) {
  const apiKey = options.config?.apiKeys?.[0] ?? 'sk_test_sandbox'
  // A test that closed its app itself gets the restart without the comparison.
  const before = await dump(app, apiKey).catch((err: { code?: string }) => {
    if (err.code === 'FST_ERR_REOPENED_CLOSE_SERVER') return undefined
    throw err
  })
  // SANDBOX_TEST_DURABLE_SNAPSHOT=1 (test/durable/suite-snapshot.test.ts): the state is written as a snapshot first, and read back from it.
  if (process.env.SANDBOX_TEST_DURABLE_SNAPSHOT === '1' && before) await app.durable?.dir.compact()
  await app.close()
  // Retention is measured on the test's clock, which a test may have moved by months: it must drop nothing here.
  const config = { ...options.config, retention: { days: 1e6, maxCharges: 1e9, sweepSeconds: 3600 } }
  const again = await buildApp({
    ...options,
    config,
    store: new MemoryStore(),
    ids: sequentialIds(),
    logger: false,
    transport: async () => ({ status: 200 }),
  })
  try {
    const after = await dump(again, apiKey)
    // A teardown cannot add assertions: a difference throws, and fails the test with the diff.
    if (before) deepStrictEqual(after, before, `${t.name}: the same charges and events after a restart on the DATA_DIR`)
  } finally {
    await again.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** A charge the consumer approved on the page: `CAPTURED`, 15,000 won unless overridden. */
export async function approvedCharge(ctx: TestApp, overrides: Record<string, unknown> = {}, headers: Record<string, string> = AUTH) {
  const created = await ctx.createCharge(overrides, headers)
  await ctx.consumer(created.id, 'approve')
  return (await ctx.readCharge(created.id, headers)) as Record<string, any> & { id: string }
}
