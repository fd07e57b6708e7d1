import type { Test } from 'tap'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { buildApp, type BuildAppOptions } from '../../src/app.js'
import { ManualClock } from '../../src/domain/clock.js'
import type { PproEvent } from '../../src/domain/events.js'
import { sequentialIds } from '../../src/domain/ids.js'
import { MemoryStore } from '../../src/store/memory-store.js'
import { eventBody } from '../../src/webhooks/dispatcher.js'
import { eventErrors, schemaErrors, type SpecName } from './openapi.js'

export const MERCHANT = 'merch_test_A'
export const OTHER_MERCHANT = 'merch_test_B'
export const AUTH = { authorization: 'Bearer sk_test_sandbox', 'merchant-id': MERCHANT }
export const OTHER_AUTH = { authorization: 'Bearer sk_test_sandbox', 'merchant-id': OTHER_MERCHANT }

/** The request of PPRO's KakaoPay page, verbatim. */
export function seedCharge(overrides: Record<string, unknown> = {}) {
  return {
    paymentMethod: 'KAKAOPAY',
    paymentDescriptor: 'Order description',
    amount: { value: 15000, currency: 'KRW' },
    consumer: { name: 'John Smith', country: 'KR' },
    authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.webshop.com/order-results-page' } }],
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

export interface TestApp {
  app: FastifyInstance
  clock: ManualClock
  /** The store the app writes to: tests read it to prove that nothing was stored. */
  store: MemoryStore
  events: PproEvent[]
  /** inject() with the default merchant's credentials unless headers say otherwise. */
  call(opts: InjectOptions): Promise<LightMyRequestResponse>
  /** How many replies the contract check validated so far. */
  checked(): number
}

/**
 * Builds the app with a manual clock and sequential ids, and checks every JSON reply of the
 * charge routes against PPRO's OpenAPI schema (published and strict) as it is sent: the contract
 * test covers every charge body any test produces.
 */
export async function buildTestApp(t: Test, options: BuildAppOptions = {}): Promise<TestApp> {
  const clock = (options.clock as ManualClock | undefined) ?? new ManualClock()
  const events: PproEvent[] = []
  const bodies: string[] = []
  const store = (options.store as MemoryStore | undefined) ?? new MemoryStore()
  const app = await buildApp({
    clock,
    store,
    ids: sequentialIds(),
    logger: false,
    onEvent: (e) => {
      events.push(e)
      bodies.push(eventBody(e))
      // Every event any test produces is checked against PPRO's webhooks file as it is published.
      t.same(eventErrors(JSON.parse(eventBody(e))), [], `event ${e.type} conforms to the webhooks file`)
    },
    ...options,
  })
  let count = 0
  app.addHook('onSend', async (request, reply, payload) => {
    // After every request: no event published so far has changed its body (fails only when one has).
    const changed = changedEventBodies(events, bodies)
    if (changed.length > 0) t.fail(`event bodies changed after they were published: ${changed.join(', ')}`)
    const path = request.url.split('?')[0]!
    const found = schemaFor(request.method, path, reply.statusCode)
    if (found && typeof payload === 'string' && String(reply.getHeader('content-type')).startsWith('application/json')) {
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
  t.teardown(() => app.close())
  return {
    app,
    clock,
    store,
    events,
    call: (opts) => app.inject({ ...opts, headers: { ...AUTH, ...(opts.headers ?? {}) } }),
    checked: () => count,
  }
}

/** A charge the consumer approved on the page: `CAPTURED`, 15,000 won unless overridden. */
export async function approvedCharge(ctx: TestApp, overrides: Record<string, unknown> = {}, headers: Record<string, string> = AUTH) {
  const created = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge(overrides), headers })).json()
  await ctx.app.inject({
    method: 'POST',
    url: `/checkout/${created.id}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'action=approve',
  })
  return (await ctx.call({ method: 'GET', url: `/v1/payment-charges/${created.id}`, headers })).json() as Record<string, any> & {
    id: string
  }
}
