import t from 'tap'
import { buildTestApp, seedCharge, type TestApp } from '../helpers/app.js'

const RETURN_URL = 'https://www.webshop.com/order-results-page'

async function create(ctx: TestApp, overrides: Record<string, unknown> = {}) {
  const res = await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge(overrides) })
  const body = res.json()
  return { id: body.id as string, path: new URL(body.authenticationMethods?.[0]?.details.requestUrl ?? 'http://x/none').pathname }
}

const post = (ctx: TestApp, path: string, action: string) =>
  ctx.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `action=${action}`,
  })

const read = async (ctx: TestApp, id: string) => (await ctx.call({ method: 'GET', url: `/v1/payment-charges/${id}` })).json()

t.test('the approval page shows the order as KakaoPay checkout does', async (t) => {
  const ctx = await buildTestApp(t)
  const { path } = await create(ctx)
  const res = await ctx.app.inject({ method: 'GET', url: path })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html; charset=utf-8/)
  t.match(res.headers['content-security-policy'], /default-src 'none'/)
  const html = res.body
  t.match(html, /#FEE500/, "KakaoPay's yellow")
  t.match(html, /15,000원/, 'the amount in won')
  t.match(html, /Order description/, 'the merchant descriptor')
  t.match(html, /John Smith/, "the consumer's name")
  t.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/)
  t.match(html, new RegExp(`<form method="post" action="http://localhost:8080${path}">`))
  for (const action of ['approve', 'decline', 'cancel']) {
    t.match(html, new RegExp(`<button [^>]*type="submit" name="action" value="${action}"`), `a ${action} button`)
  }
  t.notMatch(html, /<script/i, 'works without JavaScript')
})

t.test('merchant and consumer text is escaped', async (t) => {
  const ctx = await buildTestApp(t)
  const { path } = await create(ctx, {
    paymentDescriptor: '<script>alert(1)</script>',
    consumer: { name: '"><img src=x onerror=alert(2)>', country: 'KR' },
  })
  const html = (await ctx.app.inject({ method: 'GET', url: path })).body
  t.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/)
  t.notMatch(html, /<script>alert/)
  t.match(html, /&quot;&gt;&lt;img src=x onerror=alert\(2\)&gt;/)
  t.notMatch(html, /<img/)
})

t.test('approve: authorization AUTHORIZED, automatic capture, 303 to the returnUrl unchanged', async (t) => {
  const ctx = await buildTestApp(t)
  const returnUrl = 'https://shop.example/return?order=42&lang=ko#top'
  const { id, path } = await create(ctx, { authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl } }] })
  ctx.clock.advance(30_000)
  const res = await post(ctx, path, 'approve')
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, returnUrl)
  const charge = await read(ctx, id)
  t.match(charge, {
    status: 'CAPTURED',
    authorizations: [{ status: 'AUTHORIZED', amount: 15000, updatedAt: '2026-01-15T09:00:30.000Z' }],
    captures: [{ id: /^capture_[A-Za-z0-9]{21}$/, amount: 15000, status: 'CAPTURED', createdAt: '2026-01-15T09:00:30.000Z' }],
    updatedAt: '2026-01-15T09:00:30.000Z',
  })
  t.notOk('failure' in charge)
  t.notOk('authenticationMethods' in charge)
  t.same(
    ctx.events.map((e) => e.type),
    [
      'PAYMENT_CHARGE_CREATED',
      'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
      'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED',
      'PAYMENT_CHARGE_CAPTURE_SUCCEEDED',
    ],
  )
})

t.test('decline and cancel fail the charge with the provider codes', async (t) => {
  const ctx = await buildTestApp(t)
  for (const [action, code] of [
    ['decline', 'AUTHENTICATION_FAILED'],
    ['cancel', 'CANCELED_BY_CONSUMER'],
  ] as const) {
    const { id, path } = await create(ctx)
    const res = await post(ctx, path, action)
    t.equal(res.statusCode, 303)
    t.equal(res.headers.location, RETURN_URL)
    t.match(
      await read(ctx, id),
      {
        status: 'FAILED',
        failure: { failureType: 'PROVIDER_DECLINE', failureCode: code, providerFailureCode: code },
        authorizations: [{ status: 'FAILED', failure: { failureCode: code } }],
        captures: [],
      },
      action,
    )
  }
})

t.test('amounts 300,000 to 400,000 decline at approval as PPRO simulator does', async (t) => {
  const ctx = await buildTestApp(t)
  for (const [value, code] of [
    [300_001, 'GENERIC_DECLINE'],
    [300_002, 'INSUFFICIENT_FUNDS'],
    [399_999, 'GENERIC_DECLINE'],
  ] as const) {
    const { id, path } = await create(ctx, { amount: { value, currency: 'KRW' } })
    t.equal((await read(ctx, id)).status, 'AUTHENTICATION_PENDING', `${value} is accepted at creation`)
    await post(ctx, path, 'approve')
    t.match(await read(ctx, id), { status: 'FAILED', failure: { failureType: 'PROVIDER_DECLINE', failureCode: code } }, `${value}: ${code}`)
  }
  const { id, path } = await create(ctx, { amount: { value: 400_001, currency: 'KRW' } })
  await post(ctx, path, 'approve')
  t.equal((await read(ctx, id)).status, 'CAPTURED', '400,001 is approved')
})

t.test('a finished charge page shows its outcome; posting again changes nothing', async (t) => {
  const ctx = await buildTestApp(t)
  const { id, path } = await create(ctx)
  await post(ctx, path, 'approve')
  const before = await read(ctx, id)
  const eventsBefore = ctx.events.length
  const page = await ctx.app.inject({ method: 'GET', url: path })
  t.equal(page.statusCode, 200)
  t.match(page.body, /Payment approved/)
  t.notMatch(page.body, /<form/)
  t.match(page.body, new RegExp(`href="${RETURN_URL}"`))
  ctx.clock.advance(5_000)
  const again = await post(ctx, path, 'cancel')
  t.equal(again.statusCode, 303)
  t.same(await read(ctx, id), before, 'unchanged')
  t.equal(ctx.events.length, eventsBefore, 'no new events')

  const declined = await create(ctx)
  await post(ctx, declined.path, 'decline')
  t.match((await ctx.app.inject({ method: 'GET', url: declined.path })).body, /Payment failed[\s\S]*AUTHENTICATION_FAILED/)
  const canceled = await create(ctx)
  await post(ctx, canceled.path, 'cancel')
  t.match((await ctx.app.inject({ method: 'GET', url: canceled.path })).body, /Payment canceled/)
})

t.test('unknown or malformed tokens answer a 404 page; a bad action a 400 page', async (t) => {
  const ctx = await buildTestApp(t)
  for (const url of [
    '/checkout/charge_zzzzzzzzzzzzzzzzzzzzz',
    '/checkout/nonsense',
    '/checkout/charge_%3Cscript%3E',
    '/checkout/refund_000000000000000000001',
  ]) {
    const res = await ctx.app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 404, url)
    t.match(res.body, /Payment page not found/)
    t.match(res.headers['content-type'], /text\/html/)
    t.equal((await post(ctx, url, 'approve')).statusCode, 404, `POST ${url}`)
  }
  const { id, path } = await create(ctx)
  const bad = await post(ctx, path, 'steal')
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /Unknown choice/)
  const none = await ctx.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: '',
  })
  t.equal(none.statusCode, 400)
  t.equal((await read(ctx, id)).status, 'AUTHENTICATION_PENDING', 'nothing changed')
})

t.test('the page of a declined-at-creation charge shows the failure', async (t) => {
  const ctx = await buildTestApp(t)
  const res = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: seedCharge({ amount: { value: 49, currency: 'KRW' } }),
  })
  const page = await ctx.app.inject({ method: 'GET', url: `/checkout/${res.json().id}` })
  t.equal(page.statusCode, 200)
  t.match(page.body, /Payment failed[\s\S]*AMOUNT_NOT_SUPPORTED/)
})

t.test('authentication timeout: discarded at the deadline, not a millisecond before', async (t) => {
  const ctx = await buildTestApp(t, { config: { authTimeoutSeconds: 900 } })
  const { id, path } = await create(ctx)
  ctx.clock.advance(900_000 - 1)
  t.equal((await read(ctx, id)).status, 'AUTHENTICATION_PENDING', 'one millisecond before the deadline')
  ctx.clock.advance(1)
  const charge = await read(ctx, id)
  t.match(charge, {
    status: 'DISCARDED',
    discards: [
      { id: /^discard_[A-Za-z0-9]{21}$/, status: 'DISCARDED', type: 'AUTHENTICATION_TIMEOUT', createdAt: '2026-01-15T09:15:00.000Z' },
    ],
    authorizations: [{ status: 'FAILED' }],
    updatedAt: '2026-01-15T09:15:00.000Z',
  })
  t.notOk('authenticationMethods' in charge)
  t.equal(ctx.events.at(-1)?.type, 'PAYMENT_CHARGE_DISCARDED')
  t.match(ctx.events.at(-1)?.data, { discardType: 'AUTHENTICATION_TIMEOUT', paymentChargeStatus: 'DISCARDED' })
  const page = await ctx.app.inject({ method: 'GET', url: path })
  t.match(page.body, /Payment expired/)
  const late = await post(ctx, path, 'approve')
  t.equal(late.statusCode, 303)
  t.equal((await read(ctx, id)).status, 'DISCARDED', 'approving after the deadline changes nothing')
})

t.test('the timeout is seen by the approval page too, without an API call first', async (t) => {
  const ctx = await buildTestApp(t, { config: { authTimeoutSeconds: 60 } })
  const { id, path } = await create(ctx)
  ctx.clock.advance(60_000)
  t.equal((await post(ctx, path, 'approve')).statusCode, 303)
  t.equal((await read(ctx, id)).status, 'DISCARDED')
})

t.test('a finished charge never times out', async (t) => {
  const ctx = await buildTestApp(t, { config: { authTimeoutSeconds: 60 } })
  const { id, path } = await create(ctx)
  await post(ctx, path, 'approve')
  ctx.clock.advance(120_000)
  t.equal((await read(ctx, id)).status, 'CAPTURED')
  t.notOk(ctx.events.some((e) => e.type === 'PAYMENT_CHARGE_DISCARDED'))
})

t.test('no answer of the approval page is a 303 with an empty Location: without a returnUrl it shows the result', async (t) => {
  const ctx = await buildTestApp(t)
  // Declined at creation for having no returnUrl: the page still opens, by its id.
  const charge = (
    await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge({ authenticationSettings: [{ type: 'REDIRECT' }] }) })
  ).json()
  t.equal(charge.failure.failureCode, 'INVALID_AUTHENTICATION_SETTINGS')
  const agreement = (
    await ctx.call({
      method: 'POST',
      url: '/v1/payment-agreements',
      payload: { paymentMethod: 'KAKAOPAY', consumer: { country: 'KR' }, authenticationSettings: [{ type: 'REDIRECT' }] },
    })
  ).json()
  t.equal(agreement.status, 'FAILED')
  for (const id of [charge.id, agreement.id]) {
    for (const action of ['approve', 'decline', 'cancel']) {
      const res = await post(ctx, `/checkout/${id}`, action)
      t.not(res.statusCode, 303, `${id} ${action}: no redirect to nowhere`)
      t.equal(res.headers.location, undefined)
      t.equal(res.statusCode, 200)
      t.match(res.body, /결과 · /, 'the result page')
    }
  }
})
