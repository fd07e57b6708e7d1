import t from 'tap'
import { approvedCharge, buildTestApp, OTHER_AUTH, kakaoPayChargeRequest } from '../../helpers/app.js'

t.test('authorizations, captures, refunds and voids: lists and single reads, as PPRO shapes them', async (t) => {
  const ctx = await buildTestApp(t)
  const charge = await approvedCharge(ctx, { merchantPaymentChargeReference: 'order-5' })
  const r = (await ctx.call({ method: 'POST', url: `/v1/payment-charges/${charge.id}/refunds`, payload: { amount: 500 } })).json()
  const base = `/v1/payment-charges/${charge.id}`
  const get = async (path: string) => {
    const res = await ctx.call({ method: 'GET', url: `${base}${path}` })
    t.equal(res.statusCode, 200, path)
    return res.json()
  }
  t.match(await get('/authorizations'), {
    data: [{ id: charge.authorizations[0].id, amount: 15000, status: 'AUTHORIZED', merchantPaymentChargeReference: 'order-5' }],
    _links: { self: { href: `http://localhost:8080${base}/authorizations` } },
  })
  t.same(await get(`/authorizations/${charge.authorizations[0].id}`), (await ctx.readCharge(charge.id)).authorizations[0])
  t.match(await get('/captures'), { data: [{ id: charge.captures[0].id, amount: 15000, status: 'CAPTURED' }] })
  t.same(await get(`/captures/${charge.captures[0].id}`), charge.captures[0])
  t.match(await get('/refunds'), { data: [{ id: r.id, amount: 500, status: 'REFUNDED' }] })
  t.same(await get(`/refunds/${r.id}`), r)
  t.same((await get('/voids')).data, [])
  for (const path of [`/authorizations/authz_nope`, `/captures/capture_nope`, `/refunds/refund_nope`, `/voids/void_nope`]) {
    const res = await ctx.call({ method: 'GET', url: `${base}${path}` })
    t.equal(res.statusCode, 404, path)
    t.match(res.json().failureMessage, /not found$/)
  }
  const foreign = await ctx.call({ method: 'GET', url: `${base}/refunds/${r.id}`, headers: OTHER_AUTH })
  t.equal(foreign.statusCode, 404, "another merchant cannot read a charge's refunds")
})

t.test('POST captures, voids and authorizations are refused with a reason; nothing changes', async (t) => {
  const ctx = await buildTestApp(t)
  const captured = await approvedCharge(ctx)
  const pending = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })).json()
  for (const c of [captured, pending]) {
    const before = await ctx.readCharge(c.id)
    const capture = await ctx.call({ method: 'POST', url: `/v1/payment-charges/${c.id}/captures`, payload: { amount: 15000 } })
    t.equal(capture.statusCode, 400)
    t.match(
      capture.json().failureMessage,
      /^KakaoPay has no separate capture: payment charge .* (captured automatically when the consumer approves it|was captured automatically on approval)$/,
    )
    const voided = await ctx.call({ method: 'POST', url: `/v1/payment-charges/${c.id}/voids`, payload: { amount: 15000 } })
    t.equal(voided.statusCode, 400)
    t.match(
      voided.json().failureMessage,
      /^KakaoPay charges are captured at once, so there is nothing to void .*refund a captured charge instead$/,
    )
    const confirm = await ctx.call({
      method: 'POST',
      url: `/v1/payment-charges/${c.id}/authorizations`,
      payload: { authenticationResult: { details: {} } },
    })
    t.equal(confirm.statusCode, 400)
    t.match(confirm.json().failureMessage, /uses REDIRECT authentication: the consumer confirms it on the approval page/)
    t.same(await ctx.readCharge(c.id), before, 'unchanged')
  }
  const badCapture = await ctx.call({ method: 'POST', url: `/v1/payment-charges/${captured.id}/captures`, payload: {} })
  t.equal(badCapture.statusCode, 400)
  t.equal(badCapture.json().failureMessage, 'amount is required', "PPRO's CaptureRequest schema is checked first")
})

t.test('discard: a charge still waiting for the consumer; refused otherwise', async (t) => {
  const ctx = await buildTestApp(t)
  const pending = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })).json()
  ctx.clock.advance(5000)
  const res = await ctx.call({
    method: 'POST',
    url: `/v1/payment-charges/${pending.id}/discards`,
    payload: { merchantDiscardReference: 'cart-abandoned' },
  })
  t.equal(res.statusCode, 200)
  t.match(res.json(), {
    id: /^discard_/,
    status: 'DISCARDED',
    type: 'MERCHANT_INITIATED_DISCARD',
    merchantDiscardReference: 'cart-abandoned',
    createdAt: '2026-01-15T09:00:05.000Z',
  })
  t.match(await ctx.readCharge(pending.id), { status: 'DISCARDED', discards: [{ type: 'MERCHANT_INITIATED_DISCARD' }] })
  t.match(ctx.events.at(-1), {
    type: 'PAYMENT_CHARGE_DISCARDED',
    data: { discardType: 'MERCHANT_INITIATED_DISCARD', merchantDiscardReference: 'cart-abandoned' },
  })
  const page = await ctx.app.inject({ method: 'GET', url: `/checkout/${pending.id}` })
  t.match(page.body, /Payment expired[\s\S]*MERCHANT_INITIATED_DISCARD/)

  const noBody = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })).json()
  const bare = await ctx.call({ method: 'POST', url: `/v1/payment-charges/${noBody.id}/discards` })
  t.equal(bare.statusCode, 200, 'no body needed')

  const captured = await approvedCharge(ctx)
  for (const c of [captured, pending]) {
    const before = await ctx.readCharge(c.id)
    const refused = await ctx.call({ method: 'POST', url: `/v1/payment-charges/${c.id}/discards`, payload: {} })
    t.equal(refused.statusCode, 400)
    t.match(
      refused.json().failureMessage,
      new RegExp(`is ${before.status}: only a charge waiting for the consumer \\(AUTHENTICATION_PENDING\\) can be discarded`),
    )
    t.same(await ctx.readCharge(c.id), before)
  }
})

t.test('funds statuses: the capture and each refund', async (t) => {
  const ctx = await buildTestApp(t)
  const charge = await approvedCharge(ctx)
  const ok = (
    await ctx.call({
      method: 'POST',
      url: `/v1/payment-charges/${charge.id}/refunds`,
      payload: { amount: 1000, merchantRefundReference: 'r1' },
    })
  ).json()
  const failed = (await ctx.call({ method: 'POST', url: `/v1/payment-charges/${charge.id}/refunds`, payload: { amount: 99_999 } })).json()
  const res = await ctx.call({ method: 'GET', url: `/v1/payment-charges/${charge.id}/funds-statuses` })
  t.equal(res.statusCode, 200)
  t.match(res.json(), [
    {
      operationId: charge.captures[0].id,
      operationType: 'CAPTURE',
      fundsStatus: 'CAPTURE_FUNDS_WAITING',
      amount: { value: 15000, currency: 'KRW' },
      settlementCurrency: 'USD',
    },
    {
      operationId: ok.id,
      operationType: 'REFUND',
      fundsStatus: 'REFUND_FUNDS_WAITING',
      amount: { value: 1000, currency: 'KRW' },
      merchantRefundReference: 'r1',
    },
    { operationId: failed.id, operationType: 'REFUND', fundsStatus: 'REFUND_FUNDS_NOT_EXPECTED' },
  ])
  const pending = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })).json()
  t.same((await ctx.call({ method: 'GET', url: `/v1/payment-charges/${pending.id}/funds-statuses` })).json(), [])
})

t.test('wrong methods on sub-resources answer 405', async (t) => {
  const ctx = await buildTestApp(t)
  const res = await ctx.call({ method: 'DELETE', url: '/v1/payment-charges/charge_x/refunds' })
  t.equal(res.statusCode, 405)
  t.equal(res.headers.allow, 'GET, POST')
  const put = await ctx.call({ method: 'PUT', url: '/v1/payment-charges/charge_x/discards', payload: {} })
  t.equal(put.statusCode, 405)
})
