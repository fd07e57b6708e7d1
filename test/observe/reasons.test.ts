import t from 'tap'
import { readFile } from 'node:fs/promises'
import { defaultConfig } from '../../src/config.js'
import { simulatedDecline } from '../../src/domain/simulation.js'
import type { FeedMessage } from '../../src/observe/index.js'
import { REASON_CODES, SIMULATED_DECLINE_RANGE } from '../../src/observe/reasons.js'
import { approvedCharge, buildTestApp, MERCHANT, kakaoPayChargeRequest, type TestApp } from '../helpers/app.js'
import { logLines } from '../helpers/log.js'

const reasonsOf = (ctx: TestApp, kind: FeedMessage['kind'] = 'event') =>
  ctx.app.feed
    .since(MERCHANT, 0)
    .filter((m) => m.kind === kind && m.reason)
    .map((m) => ({ ...('type' in m ? { type: m.type } : {}), ...m.reason! }))

t.test('a decline names the rule and the value', async (t) => {
  const ctx = await buildTestApp(t)
  await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest({ consumer: { name: 'J', country: 'US' } }) })
  await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: kakaoPayChargeRequest({ amount: { value: 15000, currency: 'USD' } }),
  })
  await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest({ amount: { value: 10, currency: 'KRW' } }) })
  await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest({ authenticationSettings: [] }) })
  await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest({ paymentMethod: 'PAYPAL' }) })
  await approvedCharge(ctx, { amount: { value: 350000, currency: 'KRW' } })
  await approvedCharge(ctx, { amount: { value: 350002, currency: 'KRW' } })
  const failed = reasonsOf(ctx).filter((r) => r.type === 'PAYMENT_CHARGE_AUTHORIZATION_FAILED')
  t.same(
    failed.map(({ code, message }) => ({ code, message })),
    [
      { code: 'COUNTRY_NOT_SUPPORTED', message: "country US is not one of KakaoPay's markets (KR)" },
      { code: 'CURRENCY_NOT_SUPPORTED', message: "currency USD is not one of KakaoPay's processing currencies (KRW)" },
      { code: 'AMOUNT_OUT_OF_RANGE', message: "amount 10 KRW is outside KakaoPay's range 50-2000000 KRW" },
      {
        code: 'AUTHENTICATION_SETTINGS_MISSING',
        message: 'KakaoPay needs authenticationSettings with a REDIRECT entry and a returnUrl; the request had none',
      },
      { code: 'METHOD_UNKNOWN', message: 'payment method PAYPAL is not one the sandbox simulates (KAKAOPAY)' },
      {
        code: 'SIMULATED_DECLINE_AMOUNT',
        message:
          "amount 350000 KRW is in the simulator's decline range 300000-400000 (declined as GENERIC_DECLINE: amounts ending in 02 decline as INSUFFICIENT_FUNDS, any other as GENERIC_DECLINE)",
      },
      {
        code: 'SIMULATED_DECLINE_AMOUNT',
        message:
          "amount 350002 KRW is in the simulator's decline range 300000-400000 (declined as INSUFFICIENT_FUNDS: amounts ending in 02 decline as INSUFFICIENT_FUNDS, any other as GENERIC_DECLINE)",
      },
    ],
  )
  // The range the reasons name is the simulator's.
  const { min, max } = SIMULATED_DECLINE_RANGE
  t.same(
    [simulatedDecline(min - 1), simulatedDecline(min), simulatedDecline(max), simulatedDecline(max + 1)],
    [undefined, 'GENERIC_DECLINE', 'GENERIC_DECLINE', undefined],
  )
})

t.test('a timeout names its deadline; an early expiry says so', async (t) => {
  const ctx = await buildTestApp(t)
  const a = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })).json()
  const b = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })).json()
  await ctx.call({ method: 'POST', url: `/sandbox/payment-charges/${b.id}/expire` })
  await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 1000 } })
  const discarded = reasonsOf(ctx).filter((r) => r.type === 'PAYMENT_CHARGE_DISCARDED')
  t.same(
    discarded.map(({ code, message }) => ({ code, message })),
    [
      { code: 'EXPIRED_BY_REQUEST', message: 'expired by POST .../expire before its deadline 2026-01-15T09:15:00.000Z' },
      {
        code: 'AUTHENTICATION_TIMEOUT',
        message: 'the consumer did not finish on the approval page by the deadline 2026-01-15T09:15:00.000Z (900 s after creation)',
      },
    ],
  )
  const timeline = (await ctx.call({ method: 'GET', url: `/sandbox/payment-charges/${a.id}/timeline` })).json().data
  t.same(
    timeline.at(-1),
    {
      ...timeline.at(-1),
      kind: 'event',
      type: 'PAYMENT_CHARGE_DISCARDED',
      sandboxTime: '2026-01-15T09:15:00.000Z',
      status: 'DISCARDED',
    },
    'recorded at the deadline, sandbox time',
  )
  const clock = ctx.app.feed.since(MERCHANT, 0).find((m) => m.kind === 'clock')
  t.same(clock, { ...clock, offsetSeconds: 1000, advancedSeconds: 1000, sandboxTime: '2026-01-15T09:16:40.000Z' })
})

t.test('a retry names the attempt and the delay; a timeout of the receiver names the deadline; giving up says so', async (t) => {
  const attempts = new Map<string, number>()
  const ctx = await buildTestApp(t, {
    config: { ...defaultConfig(), webhooks: { ...defaultConfig().webhooks, url: 'http://127.0.0.1:9/hook', maxAttempts: 3 } },
    transport: async ({ body }) => {
      const type = JSON.parse(body).type as string
      const n = (attempts.get(type) ?? 0) + 1
      attempts.set(type, n)
      if (n === 1) throw Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' })
      if (n === 2) throw new Error('fetch failed', { cause: { code: 'ECONNREFUSED' } })
      return { status: 503, body: 'maintenance' }
    },
  })
  const created = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: kakaoPayChargeRequest({ webhooksUrl: 'http://127.0.0.1:9/one' }),
  })
  t.equal(created.statusCode, 200)
  await ctx.app.sandbox.webhooks.idle()
  await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 15 } })
  await ctx.app.sandbox.webhooks.idle()
  await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 30 } })
  await ctx.app.sandbox.webhooks.idle()
  const created1 = ctx.app.feed
    .since(MERCHANT, 0)
    .filter((m) => m.kind === 'delivery' && m.type === 'PAYMENT_CHARGE_CREATED')
    .map((m) => (m.kind === 'delivery' ? [m.attempt, m.error ?? m.statusCode, m.responseBody, m.deliveryStatus, m.reason] : []))
  t.same(created1, [
    [
      1,
      'timeout',
      undefined,
      'PENDING',
      {
        code: 'WEBHOOK_RETRY',
        message: 'attempt 1 got no answer within the 10000 ms deadline; attempt 2 in 15 s (at 2026-01-15T09:00:15.000Z sandbox time)',
      },
    ],
    [
      2,
      'ECONNREFUSED',
      undefined,
      'PENDING',
      { code: 'WEBHOOK_RETRY', message: 'attempt 2 failed: ECONNREFUSED; attempt 3 in 30 s (at 2026-01-15T09:00:45.000Z sandbox time)' },
    ],
    [
      3,
      503,
      'maintenance',
      'FAILED',
      {
        code: 'WEBHOOK_GAVE_UP',
        message: 'attempt 3 was answered HTTP 503, not 2xx; no attempt left (at most 3 in all): the delivery FAILED',
      },
    ],
  ])
})

t.test('the same reason is in the log line of the decision', async (t) => {
  const { stream, lines } = logLines<Record<string, any>>()
  const ctx = await buildTestApp(t, { logger: { level: 'info', stream } })
  await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest({ consumer: { name: 'J', country: 'US' } }) })
  const decision = ctx.app.feed.since(MERCHANT, 0).find((m) => m.kind === 'event' && m.type === 'PAYMENT_CHARGE_AUTHORIZATION_FAILED')!
  const line = lines.find((l) => l.eventId === (decision.kind === 'event' && decision.eventId))
  t.same(line?.reason, decision.reason)
  t.equal(line?.msg, "PAYMENT_CHARGE_AUTHORIZATION_FAILED: country US is not one of KakaoPay's markets (KR)")
})

t.test('agreements and refunds: declines and refusals with their values', async (t) => {
  const ctx = await buildTestApp(t)
  const agreement = await ctx.createAgreement({
    consumer: { name: 'J', country: 'KR' },
    amount: { value: 10000, currency: 'KRW' },
    amountType: 'EXACT',
    authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://shop.example/back' } }],
  })
  const pending = await ctx.call({
    method: 'POST',
    url: `/v1/payment-agreements/${agreement.id}/payment-charges`,
    payload: { amount: { value: 10000, currency: 'KRW' } },
  })
  t.equal(pending.json().status, 'FAILED')
  await ctx.call({ method: 'POST', url: `/sandbox/payment-agreements/${agreement.id}/approve` })
  await ctx.call({
    method: 'POST',
    url: `/v1/payment-agreements/${agreement.id}/payment-charges`,
    payload: { amount: { value: 20000, currency: 'KRW' } },
  })
  const ok = await ctx.call({
    method: 'POST',
    url: `/v1/payment-agreements/${agreement.id}/payment-charges`,
    payload: { amount: { value: 10000, currency: 'KRW' } },
  })
  const charge = ok.json()
  await ctx.call({ method: 'POST', url: `/sandbox/payment-agreements/${agreement.id}/revoke`, payload: { by: 'CONSUMER' } })
  await ctx.call({
    method: 'POST',
    url: `/v1/payment-agreements/${agreement.id}/payment-charges`,
    payload: { amount: { value: 10000, currency: 'KRW' } },
  })
  await ctx.call({ method: 'POST', url: `/v1/payment-charges/${charge.id}/refunds`, payload: { amount: 4000 } })
  await ctx.call({ method: 'POST', url: `/v1/payment-charges/${charge.id}/refunds`, payload: { amount: 7000 } })

  const timeline = (await ctx.call({ method: 'GET', url: `/sandbox/payment-agreements/${agreement.id}/timeline` })).json().data
  const decisions = timeline
    .filter((e: Record<string, any>) => e.kind === 'event' && e.reason)
    .map((e: Record<string, any>) => `${e.type}: ${e.reason.code}: ${e.reason.message}`)
  t.same(decisions, [
    'PAYMENT_AGREEMENT_AUTHENTICATION_PENDING: AWAITING_CONSUMER: waiting for the consumer on the approval page until 2026-01-15T09:15:00.000Z (the authentication timeout is 900 s)',
    `PAYMENT_CHARGE_AUTHORIZATION_FAILED: AGREEMENT_INACTIVE: payment agreement ${agreement.id} is AUTHENTICATION_PENDING, not ACTIVE`,
    `PAYMENT_AGREEMENT_ACTIVE: CONSUMER_APPROVED: the consumer approved through POST /sandbox/payment-agreements/${agreement.id}/approve`,
    "PAYMENT_CHARGE_AUTHORIZATION_FAILED: AGREEMENT_AMOUNT_MISMATCH: amount 20000 KRW is not the agreement's EXACT amount 10000 KRW",
    `PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED: AGREEMENT_CHARGE_AUTHORIZED: charged on active payment agreement ${agreement.id}: no consumer step, authorized and captured at once`,
    'PAYMENT_CHARGE_CAPTURE_SUCCEEDED: AUTO_CAPTURE: KakaoPay captures every approved charge at once: 10000 KRW captured with the authorization',
    'PAYMENT_AGREEMENT_REVOKED_BY_CONSUMER: AGREEMENT_REVOCATION: revoked by the consumer',
    `PAYMENT_CHARGE_AUTHORIZATION_FAILED: AGREEMENT_REVOKED: payment agreement ${agreement.id} is REVOKED_BY_CONSUMER: it can no longer be charged`,
    'PAYMENT_CHARGE_REFUND_SUCCEEDED: REFUND_ACCEPTED: refund of 4000 KRW accepted; 6000 KRW left to refund',
    'PAYMENT_CHARGE_REFUND_FAILED: REFUND_EXCEEDS_REFUNDABLE: refund of 7000 KRW exceeds the 6000 KRW left to refund',
  ])
  t.ok(
    timeline.some((e: Record<string, any>) => e.kind === 'request' && e.path === `/v1/payment-charges/${charge.id}/refunds`),
    "an agreement's timeline holds the requests on its charges",
  )
})

t.test('every reason code is documented in docs/observability.md', async (t) => {
  const doc = await readFile(new URL('../../docs/observability.md', import.meta.url), 'utf8')
  const missing = REASON_CODES.filter((code) => !new RegExp(`\\|\\s*\`${code}\`\\s*\\|`).test(doc))
  t.same(missing, [], 'each code has its row in the reason table')
  t.ok(REASON_CODES.length > 40, `${REASON_CODES.length} codes`)
})
