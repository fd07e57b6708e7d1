import t from 'tap'
import { parseDescriptor } from '../../src/domain/simulation.js'
import { buildTestApp, kakaoPayChargeRequest, type TestApp } from '../helpers/app.js'
import { logLines } from '../helpers/log.js'

/** A charge with simulation keys in its descriptor. */
const create = (ctx: TestApp, paymentDescriptor: string, overrides: Record<string, unknown> = {}) =>
  ctx.createCharge({ paymentDescriptor, ...overrides })
const types = (ctx: TestApp, id: string) => ctx.events.filter((e) => e.subject === id).map((e) => e.type)

t.test('consumerAction: the sandbox approves, declines or cancels by itself after the delay', async (t) => {
  const ctx = await buildTestApp(t)
  const approve = await create(ctx, 'Order 1;consumerAction=approve;consumerActionDelay=5s')
  const decline = await create(ctx, 'consumerAction=decline;declineCode=INSUFFICIENT_FUNDS;consumerActionDelay=5s')
  const cancel = await create(ctx, 'consumerAction=cancel;consumerActionDelay=5s')
  const now = await create(ctx, 'consumerAction=approve')
  t.equal(approve.status, 'AUTHENTICATION_PENDING', 'the create answer is the usual one')
  t.equal((await ctx.readCharge(now.id)).status, 'CAPTURED', 'no delay: decided right after creation')
  ctx.app.sandbox.advance(4_999)
  t.equal((await ctx.readCharge(approve.id)).status, 'AUTHENTICATION_PENDING')
  ctx.app.sandbox.advance(1)
  t.match(await ctx.readCharge(approve.id), { status: 'CAPTURED', updatedAt: '2026-01-15T09:00:05.000Z' })
  t.match(await ctx.readCharge(decline.id), { status: 'FAILED', failure: { failureCode: 'INSUFFICIENT_FUNDS' } })
  t.match(await ctx.readCharge(cancel.id), { status: 'FAILED', failure: { failureCode: 'CANCELED_BY_CONSUMER' } })
  t.same(types(ctx, approve.id), [
    'PAYMENT_CHARGE_CREATED',
    'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
    'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED',
    'PAYMENT_CHARGE_CAPTURE_SUCCEEDED',
  ])
})

t.test('a consumer who acted first wins over the scheduled action', async (t) => {
  const ctx = await buildTestApp(t)
  const c = await create(ctx, 'consumerAction=approve;consumerActionDelay=60s')
  await ctx.call({ method: 'POST', url: `/sandbox/payment-charges/${c.id}/cancel` })
  ctx.app.sandbox.advance(60_000)
  t.match(await ctx.readCharge(c.id), { status: 'FAILED', failure: { failureCode: 'CANCELED_BY_CONSUMER' } })
})

t.test('providerConfirmation: AUTHORIZATION_ASYNC with PROVIDER_CONFIRMATION_PENDING before the outcome', async (t) => {
  const ctx = await buildTestApp(t)
  const c = await create(ctx, 'providerConfirmation=true;providerConfirmationDelay=30s')
  const approved = (await ctx.call({ method: 'POST', url: `/sandbox/payment-charges/${c.id}/approve` })).json()
  t.match(approved, { status: 'AUTHORIZATION_ASYNC', authorizations: [{ status: 'PROVIDER_CONFIRMATION_PENDING' }], captures: [] })
  t.notOk('authenticationMethods' in approved)
  t.equal(ctx.events.at(-1)?.type, 'PAYMENT_CHARGE_PROVIDER_CONFIRMATION_PENDING')
  t.match(ctx.events.at(-1)?.data, { paymentChargeStatus: 'AUTHORIZATION_ASYNC', authorizationId: c.authorizations[0].id })
  t.match((await ctx.app.inject({ method: 'GET', url: `/checkout/${c.id}` })).body, /Processing/)
  t.equal((await ctx.call({ method: 'POST', url: `/sandbox/payment-charges/${c.id}/cancel` })).statusCode, 409, 'the consumer has decided')
  ctx.app.sandbox.advance(900_000)
  const final = await ctx.readCharge(c.id)
  t.match(
    final,
    {
      status: 'CAPTURED',
      authorizations: [{ status: 'AUTHORIZED' }],
      captures: [{ status: 'CAPTURED', createdAt: '2026-01-15T09:00:30.000Z' }],
    },
    'confirmed 30 s after approval; no authentication timeout',
  )
  t.same(types(ctx, c.id), [
    'PAYMENT_CHARGE_CREATED',
    'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
    'PAYMENT_CHARGE_PROVIDER_CONFIRMATION_PENDING',
    'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED',
    'PAYMENT_CHARGE_CAPTURE_SUCCEEDED',
  ])
  const declined = await create(ctx, 'providerConfirmation=true', { amount: { value: 300_002, currency: 'KRW' } })
  await ctx.call({ method: 'POST', url: `/sandbox/payment-charges/${declined.id}/approve` })
  ctx.app.sandbox.advance(10_000)
  t.match(
    await ctx.readCharge(declined.id),
    { status: 'FAILED', failure: { failureCode: 'INSUFFICIENT_FUNDS' } },
    'the amount rule answers at confirmation (default delay 10 s)',
  )
})

t.test('refundPending: PENDING with REFUND_PENDING, settled later', async (t) => {
  const ctx = await buildTestApp(t)
  const c = await create(ctx, 'consumerAction=approve;refundPending=true;refundPendingDelay=1m')
  const r1 = (await ctx.call({ method: 'POST', url: `/v1/payment-charges/${c.id}/refunds`, payload: { amount: 5000 } })).json()
  t.match(r1, { status: 'PENDING' })
  t.equal((await ctx.readCharge(c.id)).status, 'REFUND_PROCESSING')
  t.match(ctx.events.at(-1), { type: 'PAYMENT_CHARGE_REFUND_PENDING', data: { refundId: r1.id, paymentChargeStatus: 'REFUND_PROCESSING' } })
  const tooMuch = (await ctx.call({ method: 'POST', url: `/v1/payment-charges/${c.id}/refunds`, payload: { amount: 10_001 } })).json()
  t.match(tooMuch, { status: 'FAILED', failure: { failureCode: 'EXCEEDS_REFUNDABLE_AMOUNT' } }, 'a pending refund holds its amount')
  ctx.app.sandbox.advance(30_000)
  const r2 = (await ctx.call({ method: 'POST', url: `/v1/payment-charges/${c.id}/refunds`, payload: { amount: 10_000 } })).json()
  ctx.app.sandbox.advance(30_000)
  const mid = await ctx.readCharge(c.id)
  t.same(
    mid.refunds.map((r: { status: string }) => r.status),
    ['REFUNDED', 'FAILED', 'PENDING'],
  )
  t.equal(mid.status, 'REFUND_PROCESSING', 'still one pending')
  ctx.app.sandbox.advance(30_000)
  const done = await ctx.readCharge(c.id)
  t.equal(done.status, 'REFUNDED')
  t.match(done.refunds[2], { id: r2.id, status: 'REFUNDED' })
  t.same(
    types(ctx, c.id).filter((x) => x.includes('REFUND')),
    [
      'PAYMENT_CHARGE_REFUND_PENDING',
      'PAYMENT_CHARGE_REFUND_FAILED',
      'PAYMENT_CHARGE_REFUND_PENDING',
      'PAYMENT_CHARGE_REFUND_SUCCEEDED',
      'PAYMENT_CHARGE_REFUND_SUCCEEDED',
    ],
  )

  const f = await create(ctx, 'consumerAction=approve;refundPending=true;refundPendingResult=FAILED')
  await ctx.call({ method: 'POST', url: `/v1/payment-charges/${f.id}/refunds`, payload: { amount: 1000 } })
  ctx.app.sandbox.advance(10_000)
  t.match(await ctx.readCharge(f.id), {
    status: 'CAPTURED',
    refunds: [{ status: 'FAILED', failure: { failureType: 'PROVIDER_DECLINE', failureCode: 'REFUND_DECLINED' } }],
  })
})

t.test('fundsEventType / fundsEventScheduleDelay: FUNDS_STATE_CHANGED for the capture or each refund', async (t) => {
  const ctx = await buildTestApp(t)
  const c = await create(ctx, 'consumerAction=approve;fundsEventType=CAPTURE_FUNDS_RECEIVED;fundsEventScheduleDelay=2m')
  ctx.app.sandbox.advance(0)
  const captured = await ctx.readCharge(c.id)
  ctx.app.sandbox.advance(119_000)
  t.notOk(ctx.events.some((e) => e.type === 'FUNDS_STATE_CHANGED'))
  ctx.app.sandbox.advance(1_000)
  const funds = ctx.events.find((e) => e.type === 'FUNDS_STATE_CHANGED')
  t.match(funds, {
    time: Date.parse('2026-01-15T09:02:00.000Z'),
    data: {
      paymentChargeId: c.id,
      paymentOperationId: captured.captures[0].id,
      paymentOperationType: 'CAPTURE',
      fundsState: 'CAPTURE_FUNDS_RECEIVED',
      amount: { value: 15000, currency: 'KRW' },
    },
  })
  t.match((await ctx.call({ method: 'GET', url: `/v1/payment-charges/${c.id}/funds-statuses` })).json(), [
    { fundsStatus: 'CAPTURE_FUNDS_RECEIVED' },
  ])

  const r = await create(ctx, 'consumerAction=approve;fundsEventType=REFUND_FUNDS_SENT')
  const refund = (
    await ctx.call({ method: 'POST', url: `/v1/payment-charges/${r.id}/refunds`, payload: { amount: 700, merchantRefundReference: 'rr' } })
  ).json()
  ctx.app.sandbox.advance(10_000)
  t.match(ctx.events.filter((e) => e.type === 'FUNDS_STATE_CHANGED').at(-1)?.data, {
    paymentOperationId: refund.id,
    paymentOperationType: 'REFUND',
    fundsState: 'REFUND_FUNDS_SENT',
    merchantRefundReference: 'rr',
  })
  t.match((await ctx.call({ method: 'GET', url: `/v1/payment-charges/${r.id}/funds-statuses` })).json(), [
    { fundsStatus: 'CAPTURE_FUNDS_WAITING' },
    { fundsStatus: 'REFUND_FUNDS_SENT' },
  ])
})

t.test('the amount rule keeps working with simulation keys', async (t) => {
  const ctx = await buildTestApp(t)
  const c = await create(ctx, 'consumerAction=approve', { amount: { value: 300_001, currency: 'KRW' } })
  ctx.app.sandbox.advance(0)
  t.match(await ctx.readCharge(c.id), { status: 'FAILED', failure: { failureCode: 'GENERIC_DECLINE' } })
})

t.test('unknown or malformed keys are not errors: ignored, and listed in a log line', async (t) => {
  const { stream, lines } = logLines()
  const ctx = await buildTestApp(t, { logger: { level: 'info', stream } })
  const res = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: kakaoPayChargeRequest({
      paymentDescriptor:
        'Order 7;colour=blue;consumerAction=dance;providerConfirmationDelay=soon;requiresCapture=true;=x;consumerAction=approve',
    }),
  })
  t.equal(res.statusCode, 200)
  t.equal(
    res.json().paymentDescriptor,
    'Order 7;colour=blue;consumerAction=dance;providerConfirmationDelay=soon;requiresCapture=true;=x;consumerAction=approve',
    'the descriptor is kept as given',
  )
  const line = lines.find((l) => l.msg === 'paymentDescriptor simulation keys ignored')
  t.match(line, {
    chargeId: res.json().id,
    ignored: [
      'colour',
      'consumerAction=dance (invalid value)',
      'providerConfirmationDelay=soon (invalid value)',
      'requiresCapture (no effect on KakaoPay)',
    ],
  })
  ctx.app.sandbox.advance(0)
  t.equal((await ctx.readCharge(res.json().id)).status, 'CAPTURED', 'the valid key still applies')
  const plain = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: kakaoPayChargeRequest({ paymentDescriptor: 'Just an order' }),
  })
  t.equal(plain.json().status, 'AUTHENTICATION_PENDING')
  t.equal(lines.filter((l) => l.msg === 'paymentDescriptor simulation keys ignored').length, 1, 'plain text logs nothing')
})

t.test('parseDescriptor: delays and defaults', async (t) => {
  t.same(parseDescriptor('providerConfirmation=true').simulation, { providerConfirmation: true, providerConfirmationDelayMs: 10_000 })
  t.same(parseDescriptor('providerConfirmation=true;providerConfirmationDelay=1500ms').simulation, {
    providerConfirmation: true,
    providerConfirmationDelayMs: 1500,
  })
  t.same(parseDescriptor('consumerAction=approve;consumerActionDelay=2').simulation, {
    consumerAction: 'approve',
    consumerActionDelayMs: 2000,
  })
  t.same(parseDescriptor('refundPending=true').simulation, {
    refundPending: true,
    refundPendingDelayMs: 10_000,
    refundPendingResult: 'REFUNDED',
  })
  t.same(parseDescriptor('x=1'), { ignored: ['x'] })
  t.same(parseDescriptor('no keys here'), { ignored: [] })
  t.same(parseDescriptor(undefined), { ignored: [] })
})
