import t from 'tap'
import { approvedCharge, buildTestApp, MERCHANT, OTHER_AUTH, seedCharge } from '../helpers/app.js'

const HOUR = 3_600_000

t.test('replay: same body, same answer, with Request-Idempotency: true', async (t) => {
  const ctx = await buildTestApp(t)
  const headers = { 'request-idempotency-key': 'create-1' }
  const first = await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge(), headers })
  t.equal(first.statusCode, 200)
  t.equal(first.headers['request-idempotency'], undefined, 'the first answer is not a replay')
  ctx.clock.advance(60_000)
  // Same fields in another order: the same request.
  const { paymentMethod, ...rest } = seedCharge()
  const again = await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: { ...rest, paymentMethod }, headers })
  t.equal(again.statusCode, 200)
  t.equal(again.headers['request-idempotency'], 'true')
  t.equal(again.body, first.body, 'byte for byte the first answer')
  t.equal(ctx.store.chargesOf(MERCHANT).length, 1, 'one charge')
  t.equal(ctx.events.filter((e) => e.type === 'PAYMENT_CHARGE_CREATED').length, 1, 'one set of events')
})

t.test('the same key with a different body is a 409 and changes nothing', async (t) => {
  const ctx = await buildTestApp(t)
  const headers = { 'request-idempotency-key': 'k' }
  await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge(), headers })
  const changed = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: seedCharge({ amount: { value: 20000, currency: 'KRW' } }),
    headers,
  })
  t.equal(changed.statusCode, 409)
  t.match(changed.json(), { status: 409, failureMessage: 'Request-Idempotency-Key "k" was already used for a different request' })
  t.equal(ctx.store.chargesOf(MERCHANT).length, 1)
})

t.test('4xx answers are not stored: a corrected retry with the same key goes through', async (t) => {
  const ctx = await buildTestApp(t)
  const headers = { 'request-idempotency-key': 'fix-me' }
  const bad = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: seedCharge({ amount: { value: 1.5, currency: 'KRW' } }),
    headers,
  })
  t.equal(bad.statusCode, 400)
  const good = await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge(), headers })
  t.equal(good.statusCode, 200)
  t.equal(good.headers['request-idempotency'], undefined)
  const declined = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: seedCharge({ amount: { value: 10, currency: 'KRW' } }),
    headers: { 'request-idempotency-key': 'decline' },
  })
  const replayed = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: seedCharge({ amount: { value: 10, currency: 'KRW' } }),
    headers: { 'request-idempotency-key': 'decline' },
  })
  t.equal(replayed.headers['request-idempotency'], 'true', 'a decline is a 200 and is remembered')
  t.equal(replayed.body, declined.body)
})

t.test('keys expire after 24 hours of sandbox time, are per merchant, and an empty key is no key', async (t) => {
  const ctx = await buildTestApp(t)
  const headers = { 'request-idempotency-key': 'daily' }
  const first = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge(), headers })).json()
  ctx.clock.advance(24 * HOUR - 1)
  const within = await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge(), headers })
  t.equal(within.json().id, first.id, 'a millisecond before 24 hours: replayed')
  ctx.clock.advance(1)
  const after = await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge(), headers })
  t.not(after.json().id, first.id, 'at 24 hours: a new charge')
  t.equal(after.headers['request-idempotency'], undefined)

  const other = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: seedCharge(),
    headers: { ...OTHER_AUTH, ...headers },
  })
  t.equal(other.headers['request-idempotency'], undefined, "another merchant's key space")

  const count = ctx.store.chargesOf(MERCHANT).length
  for (let i = 0; i < 2; i++)
    await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge(), headers: { 'request-idempotency-key': '' } })
  t.equal(ctx.store.chargesOf(MERCHANT).length, count + 2, 'empty key: two charges')
})

t.test('keys work on refunds and discards too', async (t) => {
  const ctx = await buildTestApp(t)
  const charge = await approvedCharge(ctx)
  const headers = { 'request-idempotency-key': 'refund-1' }
  const a = await ctx.call({ method: 'POST', url: `/v1/payment-charges/${charge.id}/refunds`, payload: { amount: 1000 }, headers })
  const b = await ctx.call({ method: 'POST', url: `/v1/payment-charges/${charge.id}/refunds`, payload: { amount: 1000 }, headers })
  t.equal(b.headers['request-idempotency'], 'true')
  t.equal(b.body, a.body)
  const refunds = (await ctx.call({ method: 'GET', url: `/v1/payment-charges/${charge.id}/refunds` })).json().data
  t.equal(refunds.length, 1, 'refunded once')
  const sameKeyOtherCharge = await ctx.call({
    method: 'POST',
    url: `/v1/payment-charges/${(await approvedCharge(ctx)).id}/refunds`,
    payload: { amount: 1000 },
    headers,
  })
  t.equal(sameKeyOtherCharge.statusCode, 409, 'the key belongs to the first request, path included')
  const pending = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge() })).json()
  const d1 = await ctx.call({
    method: 'POST',
    url: `/v1/payment-charges/${pending.id}/discards`,
    headers: { 'request-idempotency-key': 'discard-1' },
  })
  const d2 = await ctx.call({
    method: 'POST',
    url: `/v1/payment-charges/${pending.id}/discards`,
    headers: { 'request-idempotency-key': 'discard-1' },
  })
  t.equal(d1.statusCode, 200)
  t.equal(d2.statusCode, 200, 'the replay answers the first discard rather than a 400 for a discarded charge')
  t.equal(d2.body, d1.body)
})

t.test('GET ignores the key', async (t) => {
  const ctx = await buildTestApp(t)
  const a = await ctx.call({ method: 'GET', url: '/v1/payment-charges', headers: { 'request-idempotency-key': 'g' } })
  const b = await ctx.call({ method: 'GET', url: '/v1/payment-charges', headers: { 'request-idempotency-key': 'g' } })
  t.equal(a.statusCode, 200)
  t.equal(b.headers['request-idempotency'], undefined)
})
