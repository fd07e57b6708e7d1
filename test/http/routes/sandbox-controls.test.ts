import t from 'tap'
import { systemClock } from '../../../src/domain/clock.js'
import { approvedCharge, buildTestApp, MERCHANT, OTHER_AUTH, OTHER_MERCHANT, kakaoPayChargeRequest } from '../../helpers/app.js'

t.test('headless approve: the same state and events as the page', async (t) => {
  const ctx = await buildTestApp(t)
  const viaPage = await approvedCharge(ctx)
  const c = await ctx.createCharge()
  const res = await ctx.control(c.id, 'approve')
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.same(body, await ctx.readCharge(c.id), 'answers the updated charge')
  t.match(body, { status: 'CAPTURED', authorizations: [{ status: 'AUTHORIZED' }], captures: [{ amount: 15000, status: 'CAPTURED' }] })
  const types = (id: string) => ctx.events.filter((e) => e.subject === id).map((e) => e.type)
  t.same(types(c.id), types(viaPage.id))
})

t.test('headless decline with any provider code, cancel and expire', async (t) => {
  const ctx = await buildTestApp(t)
  const a = await ctx.createCharge()
  t.match(
    (await ctx.control(a.id, 'decline')).json(),
    { status: 'FAILED', failure: { failureType: 'PROVIDER_DECLINE', failureCode: 'AUTHENTICATION_FAILED' } },
    'default code',
  )
  const b = await ctx.createCharge()
  t.match((await ctx.control(b.id, 'decline', { failureCode: 'INSUFFICIENT_FUNDS' })).json(), {
    status: 'FAILED',
    failure: { failureCode: 'INSUFFICIENT_FUNDS', providerFailureCode: 'INSUFFICIENT_FUNDS' },
  })
  const c = await ctx.createCharge()
  const bad = await ctx.control(c.id, 'decline', { failureCode: 'EXCEEDS_REFUNDABLE_AMOUNT' })
  t.equal(bad.statusCode, 400, 'only provider decline codes')
  t.match(
    bad.json().failureMessage,
    /^failureCode must be one of AUTHENTICATION_FAILED, CANCELED_BY_CONSUMER, GENERIC_DECLINE, INSUFFICIENT_FUNDS/,
  )
  t.equal((await ctx.readCharge(c.id)).status, 'AUTHENTICATION_PENDING')
  t.match((await ctx.control(c.id, 'cancel')).json(), { status: 'FAILED', failure: { failureCode: 'CANCELED_BY_CONSUMER' } })
  const d = await ctx.createCharge()
  ctx.clock.advance(10_000)
  const expired = (await ctx.control(d.id, 'expire')).json()
  t.match(expired, { status: 'DISCARDED', discards: [{ type: 'AUTHENTICATION_TIMEOUT', createdAt: '2026-01-15T09:00:10.000Z' }] })
  t.equal(ctx.events.at(-1)?.type, 'PAYMENT_CHARGE_DISCARDED')
})

t.test('on a finished charge every control answers 409 and changes nothing', async (t) => {
  const ctx = await buildTestApp(t)
  const c = await approvedCharge(ctx)
  const events = ctx.events.length
  for (const action of ['approve', 'decline', 'cancel', 'expire']) {
    const res = await ctx.control(c.id, action)
    t.equal(res.statusCode, 409, action)
    t.match(res.json(), {
      status: 409,
      failureMessage: `payment charge ${c.id} is CAPTURED: its outcome is already decided, nothing was changed`,
    })
  }
  t.same(await ctx.readCharge(c.id), c)
  t.equal(ctx.events.length, events)
  t.equal((await ctx.control(c.id, 'approve', undefined, OTHER_AUTH)).statusCode, 404, "another merchant's charge is unknown")
  t.equal((await ctx.app.inject({ method: 'POST', url: `/sandbox/payment-charges/${c.id}/approve` })).statusCode, 401)
})

t.test('concurrent approve and cancel of one charge: exactly one wins', async (t) => {
  const ctx = await buildTestApp(t)
  for (let i = 0; i < 10; i++) {
    const c = await ctx.createCharge()
    const [approve, cancel] = await Promise.all([ctx.control(c.id, 'approve'), ctx.control(c.id, 'cancel')])
    const codes = [approve.statusCode, cancel.statusCode].sort()
    t.same(codes, [200, 409], `round ${i}: one 200, one 409`)
    const final = await ctx.readCharge(c.id)
    t.equal(final.status, approve.statusCode === 200 ? 'CAPTURED' : 'FAILED')
    t.equal(ctx.events.filter((e) => e.subject === c.id).length, approve.statusCode === 200 ? 4 : 3, 'one outcome in the events')
  }
})

t.test('the sandbox clock: discards a pending charge at exactly its deadline, not a second before', async (t) => {
  const ctx = await buildTestApp(t, { config: { authTimeoutSeconds: 900 } })
  const start = await ctx.call({ method: 'GET', url: '/sandbox/clock' })
  t.same(start.json(), { now: '2026-01-15T09:00:00.000Z', offsetSeconds: 0 })
  const c = await ctx.createCharge()
  const moved = await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 899 } })
  t.same(moved.json(), { now: '2026-01-15T09:14:59.000Z', offsetSeconds: 899 })
  t.equal((await ctx.readCharge(c.id)).status, 'AUTHENTICATION_PENDING', 'a second before')
  await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 1 } })
  t.match(await ctx.readCharge(c.id), { status: 'DISCARDED', updatedAt: '2026-01-15T09:15:00.000Z' })
  t.match(ctx.events.at(-1), { type: 'PAYMENT_CHARGE_DISCARDED' })
  t.equal(ctx.events.at(-1)?.time, Date.parse('2026-01-15T09:15:00.000Z'))

  const jumped = await ctx.createCharge()
  await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 86_400 } })
  t.match(
    await ctx.readCharge(jumped.id),
    { status: 'DISCARDED', updatedAt: '2026-01-15T09:30:00.000Z' },
    'a move past the deadline records it at the deadline',
  )
  t.same((await ctx.call({ method: 'GET', url: '/sandbox/clock' })).json(), { now: '2026-01-16T09:15:00.000Z', offsetSeconds: 87_300 })
  const later = await ctx.createCharge()
  t.equal((await ctx.readCharge(later.id)).createdAt, '2026-01-16T09:15:00.000Z', 'timestamps follow the sandbox clock')
})

t.test('the sandbox clock reaches the end of the refund window and expires idempotency keys', async (t) => {
  const ctx = await buildTestApp(t)
  const c = await approvedCharge(ctx)
  await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 365 * 86_400 } })
  t.equal(
    (await ctx.call({ method: 'POST', url: `/v1/payment-charges/${c.id}/refunds`, payload: { amount: 100 } })).json().status,
    'REFUNDED',
    'day 365',
  )
  await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 0.001 } })
  t.match((await ctx.call({ method: 'POST', url: `/v1/payment-charges/${c.id}/refunds`, payload: { amount: 100 } })).json(), {
    status: 'FAILED',
    failure: { failureCode: 'REFUND_PERIOD_EXPIRED' },
  })

  const key = { 'request-idempotency-key': 'clocked' }
  const first = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest(), headers: key })).json()
  await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 86_400 } })
  const second = await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest(), headers: key })
  t.not(second.json().id, first.id, 'the key expired with the moved clock')
})

t.test('clock requests are checked', async (t) => {
  const ctx = await buildTestApp(t)
  for (const payload of [{}, { advanceSeconds: -1 }, { advanceSeconds: '10' }, { advanceSeconds: 10 * 366 * 86_400 + 1 }]) {
    const res = await ctx.call({ method: 'POST', url: '/sandbox/clock', payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.match(res.json().failureMessage, /^advanceSeconds /)
  }
  t.same((await ctx.call({ method: 'GET', url: '/sandbox/clock' })).json().offsetSeconds, 0, 'unchanged')
})

t.test("reset removes the caller's charges, events and keys, and nothing of another merchant", async (t) => {
  const ctx = await buildTestApp(t, { config: { authTimeoutSeconds: 60 } })
  const mine = await ctx.createCharge({}, undefined)
  await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: kakaoPayChargeRequest(),
    headers: { 'request-idempotency-key': 'k1' },
  })
  const theirs = await ctx.createCharge({}, OTHER_AUTH)
  await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: kakaoPayChargeRequest(),
    headers: { ...OTHER_AUTH, 'request-idempotency-key': 'k1' },
  })
  const res = await ctx.call({ method: 'DELETE', url: '/sandbox/data' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { deleted: { charges: 2, agreements: 0, events: 4 } })
  t.equal((await ctx.call({ method: 'GET', url: `/v1/payment-charges/${mine.id}` })).statusCode, 404)
  t.same((await ctx.call({ method: 'GET', url: '/v1/payment-charges' })).json().data, [])
  t.same((await ctx.call({ method: 'GET', url: '/sandbox/webhooks' })).json().data, [])
  const fresh = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: kakaoPayChargeRequest(),
    headers: { 'request-idempotency-key': 'k1' },
  })
  t.equal(fresh.headers['request-idempotency'], undefined, 'my keys are gone')

  t.equal(
    (await ctx.call({ method: 'GET', url: `/v1/payment-charges/${theirs.id}`, headers: OTHER_AUTH })).json().status,
    'AUTHENTICATION_PENDING',
  )
  t.equal((await ctx.call({ method: 'GET', url: '/sandbox/webhooks', headers: OTHER_AUTH })).json().data.length, 4)
  const replay = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: kakaoPayChargeRequest(),
    headers: { ...OTHER_AUTH, 'request-idempotency-key': 'k1' },
  })
  t.equal(replay.headers['request-idempotency'], 'true', "the other merchant's keys remain")

  const eventsBefore = ctx.events.filter((e) => e.merchantId === MERCHANT).length
  ctx.app.sandbox.advance(120_000)
  t.equal(
    ctx.events.filter((e) => e.merchantId === MERCHANT).length,
    eventsBefore + 1,
    "a deleted charge's timeout does nothing; only the fresh charge times out",
  )
  t.equal(
    ctx.app.sandbox.webhooks.list(OTHER_MERCHANT).filter((d) => d.event.type === 'PAYMENT_CHARGE_DISCARDED').length,
    2,
    "the other merchant's charges time out as usual",
  )
})

t.test('POST /sandbox/clock moves by exactly the seconds asked, however long its tasks take (real clocks)', async (t) => {
  // A base clock that moves one millisecond at every read: real time passing while the move runs tasks.
  let ms = Date.parse('2026-01-15T09:00:00.000Z')
  const ticking = { now: () => ms++ }
  const ctx = await buildTestApp(t, { clock: ticking })
  for (let i = 0; i < 30; i++) {
    await ctx.createCharge({ paymentDescriptor: `consumerAction=approve;consumerActionDelay=${i + 1}s` })
  }
  const moved = await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 60 } })
  t.equal(moved.json().offsetSeconds, 60, 'exactly 60 s with a moving base clock')
  t.equal((await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 0.5 } })).json().offsetSeconds, 60.5)

  const real = await buildTestApp(t, { clock: systemClock })
  for (let i = 0; i < 30; i++) {
    await real.createCharge({ paymentDescriptor: `consumerAction=approve;consumerActionDelay=${i + 1}s` })
  }
  t.equal(
    (await real.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 60 } })).json().offsetSeconds,
    60,
    'and with the system clock',
  )
  const captured = real.store.chargesOf(MERCHANT).filter((c) => c.status === 'CAPTURED')
  t.equal(captured.length, 30, 'every task on the way ran')
})

t.test('Request-Idempotency-Key does not act on /sandbox: a repeated clock move with a key moves the clock again', async (t) => {
  const ctx = await buildTestApp(t)
  const key = { 'request-idempotency-key': 'move-1' }
  const first = await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 60 }, headers: key })
  const second = await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 60 }, headers: key })
  t.same([first.json().offsetSeconds, second.json().offsetSeconds], [60, 120])
  t.equal(second.headers['request-idempotency'], undefined, 'not answered as a replay')
  const c = await ctx.createCharge()
  const approve = () => ctx.call({ method: 'POST', url: `/sandbox/payment-charges/${c.id}/approve`, headers: key })
  t.equal((await approve()).statusCode, 200)
  t.equal((await approve()).statusCode, 409, 'a second approve is refused as already decided, not replayed')
})
