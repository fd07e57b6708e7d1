import t from 'tap'
import { approvedCharge, buildTestApp, kakaoPayChargeRequest, type TestApp } from '../helpers/app.js'

const DAY = 86_400_000
const refund = (ctx: TestApp, id: string, payload: Record<string, unknown>) =>
  ctx.call({ method: 'POST', url: `/v1/payment-charges/${id}/refunds`, payload })

t.test('a full refund: REFUNDED refund, REFUNDED charge, REFUND_SUCCEEDED event', async (t) => {
  const ctx = await buildTestApp(t)
  const charge = await approvedCharge(ctx)
  ctx.clock.advance(60_000)
  const res = await refund(ctx, charge.id, {
    amount: 15000,
    merchantRefundReference: 'rf-1',
    refundReason: 'RETURN',
    refundDescriptor: 'size too small',
    labels: { desk: 'A' },
  })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    id: res.json().id,
    amount: 15000,
    status: 'REFUNDED',
    merchantRefundReference: 'rf-1',
    refundReason: 'RETURN',
    refundDescriptor: 'size too small',
    createdAt: '2026-01-15T09:01:00.000Z',
    updatedAt: '2026-01-15T09:01:00.000Z',
    labels: { desk: 'A' },
  })
  t.match(res.json().id, /^refund_[A-Za-z0-9]{21}$/)
  const after = await ctx.readCharge(charge.id)
  t.match(after, {
    status: 'REFUNDED',
    refunds: [{ id: res.json().id, amount: 15000, status: 'REFUNDED' }],
    updatedAt: '2026-01-15T09:01:00.000Z',
  })
  t.match(ctx.events.at(-1), {
    type: 'PAYMENT_CHARGE_REFUND_SUCCEEDED',
    data: {
      paymentChargeStatus: 'REFUNDED',
      refundId: res.json().id,
      amount: { value: 15000, currency: 'KRW' },
      merchantRefundReference: 'rf-1',
    },
  })
})

t.test('three partial refunds add up exactly; a fourth of 1 won fails', async (t) => {
  const ctx = await buildTestApp(t)
  const charge = await approvedCharge(ctx)
  for (const [amount, status] of [
    [5000, 'CAPTURED'],
    [7000, 'CAPTURED'],
    [3000, 'REFUNDED'],
  ] as const) {
    const res = await refund(ctx, charge.id, { amount })
    t.equal(res.json().status, 'REFUNDED', `${amount} refunded`)
    t.equal((await ctx.readCharge(charge.id)).status, status, `charge ${status} after ${amount}`)
  }
  const fourth = await refund(ctx, charge.id, { amount: 1, merchantRefundReference: 'one-more' })
  t.equal(fourth.statusCode, 200, 'a decline, not an HTTP error')
  t.match(fourth.json(), {
    amount: 1,
    status: 'FAILED',
    failure: { failureType: 'INTERNAL_DECLINE', failureCode: 'EXCEEDS_REFUNDABLE_AMOUNT' },
  })
  const after = await ctx.readCharge(charge.id)
  t.equal(after.status, 'REFUNDED')
  t.same(
    after.refunds.map((r: { amount: number; status: string }) => [r.amount, r.status]),
    [
      [5000, 'REFUNDED'],
      [7000, 'REFUNDED'],
      [3000, 'REFUNDED'],
      [1, 'FAILED'],
    ],
  )
  t.match(ctx.events.at(-1), {
    type: 'PAYMENT_CHARGE_REFUND_FAILED',
    data: { refundId: fourth.json().id, merchantRefundReference: 'one-more', failure: { failureCode: 'EXCEEDS_REFUNDABLE_AMOUNT' } },
  })
})

t.test('a refund of more than is left fails and changes nothing else', async (t) => {
  const ctx = await buildTestApp(t)
  const charge = await approvedCharge(ctx)
  await refund(ctx, charge.id, { amount: 10_000 })
  const before = await ctx.readCharge(charge.id)
  ctx.clock.advance(1000)
  const res = await refund(ctx, charge.id, { amount: 5001 })
  t.match(res.json(), { status: 'FAILED', failure: { failureCode: 'EXCEEDS_REFUNDABLE_AMOUNT' } })
  const after = await ctx.readCharge(charge.id)
  t.equal(after.status, 'CAPTURED')
  t.same(after.captures, before.captures)
  t.same(after.authorizations, before.authorizations)
  t.same(after.refunds.slice(0, 1), before.refunds, 'earlier refunds untouched')
  t.equal(after.refunds.length, 2, 'the failed attempt is on record')
  const rest = await refund(ctx, charge.id, { amount: 5000 })
  t.equal(rest.json().status, 'REFUNDED', 'exactly what is left still refunds')
  t.equal((await ctx.readCharge(charge.id)).status, 'REFUNDED')
})

t.test('the 365-day refund validity, on both sides of the edge', async (t) => {
  const ctx = await buildTestApp(t)
  const a = await approvedCharge(ctx)
  const b = await approvedCharge(ctx)
  const captured = Date.parse(a.captures[0].createdAt)
  ctx.clock.set(captured + 365 * DAY)
  const last = await refund(ctx, a.id, { amount: 1000 })
  t.equal(last.json().status, 'REFUNDED', 'on day 365 exactly')
  ctx.clock.set(captured + 365 * DAY + 1)
  const late = await refund(ctx, b.id, { amount: 1000 })
  t.match(
    late.json(),
    { status: 'FAILED', failure: { failureType: 'INTERNAL_DECLINE', failureCode: 'REFUND_PERIOD_EXPIRED' } },
    'a millisecond later',
  )
  t.equal((await ctx.readCharge(b.id)).status, 'CAPTURED')
})

t.test('a charge never captured: 400 and nothing stored', async (t) => {
  const ctx = await buildTestApp(t, { config: { authTimeoutSeconds: 60 } })
  const pending = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })).json()
  const failed = (
    await ctx.call({
      method: 'POST',
      url: '/v1/payment-charges',
      payload: kakaoPayChargeRequest({ amount: { value: 10, currency: 'KRW' } }),
    })
  ).json()
  const discarded = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })).json()
  ctx.app.sandbox.advance(60_000)
  t.equal((await ctx.readCharge(discarded.id)).status, 'DISCARDED')
  t.equal((await ctx.readCharge(pending.id)).status, 'DISCARDED', 'the pending one timed out too')
  const stillPending = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })).json()
  for (const [name, c] of [
    ['pending', stillPending],
    ['failed', failed],
    ['discarded', discarded],
  ] as const) {
    const before = await ctx.readCharge(c.id)
    const res = await refund(ctx, c.id, { amount: 100 })
    t.equal(res.statusCode, 400, name)
    t.match(res.json(), {
      status: 400,
      failureMessage: new RegExp(`payment charge ${c.id} was never captured \\(status ${before.status}\\)`),
    })
    t.same(await ctx.readCharge(c.id), before, `${name}: unchanged`)
  }
})

t.test('refund requests that break the schema are 400s; unknown charges 404', async (t) => {
  const ctx = await buildTestApp(t)
  const charge = await approvedCharge(ctx)
  const cases: Array<[unknown, RegExp]> = [
    [{}, /^amount is required$/],
    [{ amount: 0 }, /^amount must be at least 1$/],
    [{ amount: -5 }, /^amount must be at least 1$/],
    [{ amount: 10.5 }, /^amount must be an integer$/],
    [{ amount: 10, refundReason: 'BORED' }, /^refundReason must be one of RETURN/],
  ]
  for (const [payload, message] of cases) {
    const res = await refund(ctx, charge.id, payload as Record<string, unknown>)
    t.equal(res.statusCode, 400)
    t.match(res.json().failureMessage, message)
  }
  t.same((await ctx.readCharge(charge.id)).refunds, [], 'nothing stored')
  const unknown = await refund(ctx, 'charge_unknown00000000000000', { amount: 10 })
  t.equal(unknown.statusCode, 404)
})
