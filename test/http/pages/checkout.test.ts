import t from 'tap'
import { APPROVAL_SCRIPT_SRC } from '../../../src/http/pages/approval-script.js'
import { buildTestApp, kakaoPayChargeRequest, type TestApp } from '../../helpers/app.js'

const RETURN_URL = 'https://www.webshop.com/order-results-page'

async function create(ctx: TestApp, overrides: Record<string, unknown> = {}) {
  const body = await ctx.createCharge(overrides)
  return { id: body.id as string, path: new URL(body.authenticationMethods?.[0]?.details.requestUrl ?? 'http://x/none').pathname }
}

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
  // Scripts only enhance the page (checkout-browser.test.ts runs the form contract with them off and
  // on); none is inline and no inline handler exists, which the CSP enforces too.
  t.same(
    [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => [m[0].match(/ src="([^"]+)"/)?.[1], m[1]]),
    [[APPROVAL_SCRIPT_SRC, '']],
    'one script, a file of the sandbox, nothing inline',
  )
  t.notMatch(html, /\son[a-z]+\s*=/i, 'no inline event handler')
  t.notMatch(html, /javascript:/i)
  const csp = Object.fromEntries(
    String(res.headers['content-security-policy'])
      .split(/;\s*/)
      .map((d) => [d.split(' ')[0], d.split(' ').slice(1)]),
  )
  t.same(csp['script-src'], ["'self'"], "scripts from the sandbox's own origin only: nothing inline runs")
  t.same(csp['connect-src'], ["'self'"], 'the page reads its status from the sandbox only')
  t.same(csp['default-src'], ["'none'"])
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
  const res = await ctx.consumer(path, 'approve')
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, returnUrl)
  const charge = await ctx.readCharge(id)
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
    const res = await ctx.consumer(path, action)
    t.equal(res.statusCode, 303)
    t.equal(res.headers.location, RETURN_URL)
    t.match(
      await ctx.readCharge(id),
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
    t.equal((await ctx.readCharge(id)).status, 'AUTHENTICATION_PENDING', `${value} is accepted at creation`)
    await ctx.consumer(path, 'approve')
    t.match(
      await ctx.readCharge(id),
      { status: 'FAILED', failure: { failureType: 'PROVIDER_DECLINE', failureCode: code } },
      `${value}: ${code}`,
    )
  }
  const { id, path } = await create(ctx, { amount: { value: 400_001, currency: 'KRW' } })
  await ctx.consumer(path, 'approve')
  t.equal((await ctx.readCharge(id)).status, 'CAPTURED', '400,001 is approved')
})

t.test('a finished charge page shows its outcome; posting again changes nothing', async (t) => {
  const ctx = await buildTestApp(t)
  const { id, path } = await create(ctx)
  await ctx.consumer(path, 'approve')
  const before = await ctx.readCharge(id)
  const eventsBefore = ctx.events.length
  const page = await ctx.app.inject({ method: 'GET', url: path })
  t.equal(page.statusCode, 200)
  t.match(page.body, /Payment approved/)
  t.notMatch(page.body, /<form/)
  t.match(page.body, new RegExp(`href="${RETURN_URL}"`))
  ctx.clock.advance(5_000)
  const again = await ctx.consumer(path, 'cancel')
  t.equal(again.statusCode, 303)
  t.same(await ctx.readCharge(id), before, 'unchanged')
  t.equal(ctx.events.length, eventsBefore, 'no new events')

  const declined = await create(ctx)
  await ctx.consumer(declined.path, 'decline')
  t.match((await ctx.app.inject({ method: 'GET', url: declined.path })).body, /Payment failed[\s\S]*AUTHENTICATION_FAILED/)
  const canceled = await create(ctx)
  await ctx.consumer(canceled.path, 'cancel')
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
    t.equal((await ctx.consumer(url, 'approve')).statusCode, 404, `POST ${url}`)
  }
  const { id, path } = await create(ctx)
  const bad = await ctx.consumer(path, 'steal')
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /Unknown choice/)
  const none = await ctx.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: '',
  })
  t.equal(none.statusCode, 400)
  t.equal((await ctx.readCharge(id)).status, 'AUTHENTICATION_PENDING', 'nothing changed')
})

t.test('the page of a declined-at-creation charge shows the failure', async (t) => {
  const ctx = await buildTestApp(t)
  const res = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: kakaoPayChargeRequest({ amount: { value: 49, currency: 'KRW' } }),
  })
  const page = await ctx.app.inject({ method: 'GET', url: `/checkout/${res.json().id}` })
  t.equal(page.statusCode, 200)
  t.match(page.body, /Payment failed[\s\S]*AMOUNT_NOT_SUPPORTED/)
})

t.test('authentication timeout: discarded at the deadline, not a millisecond before', async (t) => {
  const ctx = await buildTestApp(t, { config: { authTimeoutSeconds: 900 } })
  const { id, path } = await create(ctx)
  ctx.clock.advance(900_000 - 1)
  t.equal((await ctx.readCharge(id)).status, 'AUTHENTICATION_PENDING', 'one millisecond before the deadline')
  ctx.clock.advance(1)
  const charge = await ctx.readCharge(id)
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
  const late = await ctx.consumer(path, 'approve')
  t.equal(late.statusCode, 303)
  t.equal((await ctx.readCharge(id)).status, 'DISCARDED', 'approving after the deadline changes nothing')
})

t.test('the timeout is seen by the approval page too, without an API call first', async (t) => {
  const ctx = await buildTestApp(t, { config: { authTimeoutSeconds: 60 } })
  const { id, path } = await create(ctx)
  ctx.clock.advance(60_000)
  t.equal((await ctx.consumer(path, 'approve')).statusCode, 303)
  t.equal((await ctx.readCharge(id)).status, 'DISCARDED')
})

t.test('a finished charge never times out', async (t) => {
  const ctx = await buildTestApp(t, { config: { authTimeoutSeconds: 60 } })
  const { id, path } = await create(ctx)
  await ctx.consumer(path, 'approve')
  ctx.clock.advance(120_000)
  t.equal((await ctx.readCharge(id)).status, 'CAPTURED')
  t.notOk(ctx.events.some((e) => e.type === 'PAYMENT_CHARGE_DISCARDED'))
})

t.test('no answer of the approval page is a 303 with an empty Location: without a returnUrl it shows the result', async (t) => {
  const ctx = await buildTestApp(t)
  // Declined at creation for having no returnUrl: the page still opens, by its id.
  const charge = (
    await ctx.call({
      method: 'POST',
      url: '/v1/payment-charges',
      payload: kakaoPayChargeRequest({ authenticationSettings: [{ type: 'REDIRECT' }] }),
    })
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
      const res = await ctx.consumer(`/checkout/${id}`, action)
      t.not(res.statusCode, 303, `${id} ${action}: no redirect to nowhere`)
      t.equal(res.headers.location, undefined)
      t.equal(res.statusCode, 200)
      t.match(res.body, /결과 · /, 'the result page')
    }
  }
})
