import t from 'tap'
import { buildTestApp, MERCHANT, kakaoPayChargeRequest, type TestApp } from '../helpers/app.js'

const lastRequest = (ctx: TestApp) => {
  const m = ctx.app.feed.since(MERCHANT, 0).filter((x) => x.kind === 'request')
  return m[m.length - 1]!
}

t.test('each refusal carries why, in the journal entry and its code', async (t) => {
  const ctx = await buildTestApp(t)
  const { id } = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })).json()
  const cases: Array<[string, Parameters<TestApp['call']>[0], number, string, string | RegExp]> = [
    [
      'unknown charge',
      { method: 'GET', url: '/v1/payment-charges/charge_000000000000000000999' },
      404,
      'NOT_FOUND',
      'payment charge charge_000000000000000000999 not found',
    ],
    [
      'schema',
      { method: 'POST', url: '/v1/payment-charges', payload: { paymentMethod: 'KAKAOPAY' } },
      400,
      'REQUEST_INVALID',
      /^the request does not match PPRO's schema: .*amount/,
    ],
    [
      'not JSON',
      { method: 'POST', url: '/v1/payment-charges', payload: '{nope', headers: { 'content-type': 'application/json' } },
      400,
      'REQUEST_MALFORMED',
      'the request could not be read: the request body is not valid JSON',
    ],
    [
      'media type',
      { method: 'POST', url: '/v1/payment-charges', payload: 'a=b', headers: { 'content-type': 'text/plain' } },
      415,
      'REQUEST_MALFORMED',
      'the request could not be read: Content-Type "text/plain" is not supported: send application/json',
    ],
    ['decided', { method: 'POST', url: `/sandbox/payment-charges/${id}/approve` }, 200, '', ''],
    [
      'decided twice',
      { method: 'POST', url: `/sandbox/payment-charges/${id}/cancel` },
      409,
      'STATE_CONFLICT',
      `payment charge ${id} is CAPTURED: its outcome is already decided, nothing was changed`,
    ],
    [
      'keyed',
      { method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest(), headers: { 'request-idempotency-key': 'k' } },
      200,
      '',
      '',
    ],
    [
      'key reused',
      {
        method: 'POST',
        url: '/v1/payment-charges',
        payload: kakaoPayChargeRequest({ amount: { value: 1000, currency: 'KRW' } }),
        headers: { 'request-idempotency-key': 'k' },
      },
      409,
      'IDEMPOTENCY_CONFLICT',
      'Request-Idempotency-Key "k" was already used for a different request',
    ],
  ]
  for (const [name, req, status, code, message] of cases) {
    const r = await ctx.call(req)
    t.equal(r.statusCode, status, `${name}: ${status}`)
    const m = lastRequest(ctx)
    t.equal(m.kind === 'request' && m.status, status, `${name}: journaled with its status`)
    if (!code) {
      t.equal(m.reason, undefined, `${name}: no reason needed`)
      continue
    }
    t.equal(m.reason?.code, code, `${name}: ${code}`)
    if (typeof message === 'string') t.equal(m.reason?.message, message)
    else t.match(m.reason?.message, message)
  }
})

t.test('simulation keys are named as the reason of what they decide', async (t) => {
  const ctx = await buildTestApp(t)
  const create = (descriptor: string) =>
    ctx
      .call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest({ paymentDescriptor: descriptor }) })
      .then((r) => r.json())
  const a = await create('consumerAction=approve;consumerActionDelay=5s')
  const b = await create('consumerAction=decline;declineCode=DO_NOT_HONOR')
  const c = await create(
    'providerConfirmation=true;providerConfirmationDelay=10s;refundPending=true;refundPendingDelay=20s;fundsEventType=CAPTURE_FUNDS_RECEIVED;fundsEventScheduleDelay=30s',
  )
  await ctx.call({ method: 'POST', url: `/sandbox/payment-charges/${c.id}/approve` })
  await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 60 } })
  await ctx.call({ method: 'POST', url: `/v1/payment-charges/${c.id}/refunds`, payload: { amount: 1000 } })
  const d = await create('plain')
  await ctx.call({ method: 'POST', url: `/v1/payment-charges/${d.id}/discards`, payload: {} })
  const decisions = (id: string) =>
    ctx.app.feed
      .timeline(MERCHANT, id)
      .filter((m) => m.kind === 'event' && m.reason && m.reason.code !== 'AWAITING_CONSUMER')
      .map((m) => (m.kind === 'event' ? `${m.type} ${m.reason!.code}: ${m.reason!.message}` : ''))
  t.same(decisions(a.id), [
    'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED SIMULATED_CONSUMER_ACTION: the paymentDescriptor asked for consumerAction=approve, made 5 s after creation',
    'PAYMENT_CHARGE_CAPTURE_SUCCEEDED AUTO_CAPTURE: KakaoPay captures every approved charge at once: 15000 KRW captured with the authorization',
  ])
  t.same(decisions(b.id), [
    'PAYMENT_CHARGE_AUTHORIZATION_FAILED SIMULATED_CONSUMER_ACTION: the paymentDescriptor asked for consumerAction=decline, made 0 s after creation',
  ])
  t.same(decisions(c.id), [
    'PAYMENT_CHARGE_PROVIDER_CONFIRMATION_PENDING SIMULATED_PROVIDER_CONFIRMATION: the paymentDescriptor asked for providerConfirmation=true: the provider confirms 10 s after the approval',
    'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED PROVIDER_CONFIRMED: the provider confirmed the approval 10 s after it (providerConfirmation=true in the paymentDescriptor)',
    'PAYMENT_CHARGE_CAPTURE_SUCCEEDED AUTO_CAPTURE: KakaoPay captures every approved charge at once: 15000 KRW captured with the authorization',
    'FUNDS_STATE_CHANGED SIMULATED_FUNDS_EVENT: the paymentDescriptor asked for fundsEventType=CAPTURE_FUNDS_RECEIVED, 30 s after the operation',
    'PAYMENT_CHARGE_REFUND_PENDING SIMULATED_REFUND_PENDING: the paymentDescriptor asked for refundPending=true: the refund settles as REFUNDED 20 s later',
  ])
  t.same(decisions(d.id), [
    `PAYMENT_CHARGE_DISCARDED MERCHANT_DISCARDED: the merchant discarded payment charge ${d.id} while it waited for the consumer`,
  ])
})

t.test('the agreement page: consumer actions on the agreement and its initial charge', async (t) => {
  const ctx = await buildTestApp(t)
  const agreement = await ctx.createAgreement({
    consumer: { name: 'J', country: 'KR' },
    authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://shop.example/back' } }],
    initialPaymentCharge: { amount: { value: 5000, currency: 'KRW' } },
  })
  await ctx.app.inject({ method: 'GET', url: `/checkout/${agreement.id}` })
  await ctx.app.inject({
    method: 'POST',
    url: `/checkout/${agreement.id}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'action=decline',
  })
  const initial = agreement.initialPaymentChargeId as string
  const lines = (id: string) =>
    ctx.app.feed
      .timeline(MERCHANT, id)
      .filter((m) => m.kind !== 'request')
      .map((m) =>
        m.kind === 'consumer' ? `consumer ${m.action}` : m.kind === 'event' ? `${m.type}${m.reason ? ` ${m.reason.code}` : ''}` : m.kind,
      )
  t.same(lines(initial), [
    'PAYMENT_CHARGE_CREATED',
    'PAYMENT_CHARGE_AUTHENTICATION_PENDING AWAITING_CONSUMER',
    'consumer opened',
    'consumer failed',
    'PAYMENT_CHARGE_AUTHORIZATION_FAILED CONSUMER_DECLINED',
  ])
  t.same(lines(agreement.id), [
    'PAYMENT_AGREEMENT_CREATED',
    'PAYMENT_AGREEMENT_AUTHENTICATION_PENDING AWAITING_CONSUMER',
    'PAYMENT_CHARGE_CREATED',
    'PAYMENT_CHARGE_AUTHENTICATION_PENDING AWAITING_CONSUMER',
    'consumer opened',
    'consumer failed',
    'PAYMENT_AGREEMENT_FAILED CONSUMER_DECLINED',
    'PAYMENT_CHARGE_AUTHORIZATION_FAILED CONSUMER_DECLINED',
  ])
})
