import t from 'tap'
import { readdir, readFile } from 'node:fs/promises'
import { AUTH, buildTestApp, OTHER_AUTH, kakaoPayChargeRequest, type TestApp } from '../helpers/app.js'
import { DASHBOARD_CSP } from '../../src/dashboard/routes.js'
import { SCAN_LIMIT } from '../../src/http/routes/sandbox-dashboard.js'
import { eventBody } from '../../src/webhooks/dispatcher.js'
import { signWebhook } from '../../src/webhooks/signing.js'
import type { WebhookRequest } from '../../src/webhooks/transport.js'

const DIR = new URL('../../dashboard/', import.meta.url)
const SECRET = 'whsec_dashboard'

const create = async (ctx: TestApp, overrides: Record<string, unknown> = {}, headers = AUTH) =>
  (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest(overrides), headers })).json() as {
    id: string
  }
const list = async (ctx: TestApp, url: string, headers = AUTH) => {
  const res = await ctx.call({ method: 'GET', url, headers })
  return { status: res.statusCode, body: res.json() as Record<string, any> }
}

/** A transport that records what it was asked to send and answers with `status(n)` for the n-th request. */
function transport(status: (n: number) => number) {
  const sent: WebhookRequest[] = []
  return {
    sent,
    send: async (req: WebhookRequest) => {
      sent.push(req)
      return { status: status(sent.length) }
    },
  }
}

t.test('GET /dashboard: the page, its config, a strict CSP, and no credentials needed for the files', async (t) => {
  const ctx = await buildTestApp(t)
  const res = await ctx.app.inject({ method: 'GET', url: '/dashboard' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html; charset=utf-8/)
  t.equal(res.headers['content-security-policy'], DASHBOARD_CSP)
  t.equal(
    DASHBOARD_CSP,
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  )
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  const config = JSON.parse(/<script type="application\/json" id="sandbox-config">(.*?)<\/script>/s.exec(res.body)![1]!)
  t.equal(config.apiKeysRequired, false)
  t.ok(config.chargeStatuses.includes('DISCARDED'))
  t.ok(config.declineCodes.includes('INSUFFICIENT_FUNDS'))
  t.same(config.deliveryStates, ['pending', 'retrying', 'delivered', 'gave_up', 'not_sent'])
  t.equal((await ctx.app.inject({ method: 'GET', url: '/dashboard/' })).statusCode, 200)

  const js = await ctx.app.inject({ method: 'GET', url: '/dashboard/assets/main.js' })
  t.equal(js.statusCode, 200)
  t.match(js.headers['content-type'], /^text\/javascript/)
  t.equal(js.headers['content-security-policy'], DASHBOARD_CSP)
  const again = await ctx.app.inject({
    method: 'GET',
    url: '/dashboard/assets/main.js',
    headers: { 'if-none-match': String(js.headers.etag) },
  })
  t.equal(again.statusCode, 304, 'an unchanged file is not sent again')
  t.equal((await ctx.app.inject({ method: 'GET', url: '/dashboard/assets/style.css' })).headers['content-type'], 'text/css; charset=utf-8')
  t.equal((await ctx.app.inject({ method: 'GET', url: '/dashboard/assets/nope.js' })).statusCode, 404)
  t.equal((await ctx.app.inject({ method: 'GET', url: '/dashboard/assets/..%2Fpackage.json' })).statusCode, 404)
})

t.test('with API_KEYS the page asks for a key; the API it calls still checks it', async (t) => {
  const ctx = await buildTestApp(t, { config: { apiKeys: ['sk_right'] } })
  const res = await ctx.app.inject({ method: 'GET', url: '/dashboard' })
  t.match(res.body, /"apiKeysRequired":true/)
  t.equal((await list(ctx, '/sandbox/payment-charges')).status, 401)
  t.equal((await list(ctx, '/sandbox/payment-charges', { ...AUTH, authorization: 'Bearer sk_right' })).status, 200)
})

t.test('the page runs no inline script and builds no HTML from strings', async (t) => {
  const html = await readFile(new URL('index.html', DIR), 'utf8')
  for (const [tag] of html.matchAll(/<script\b[^>]*>/g)) t.match(tag, /src="\/dashboard\/assets\/|type="application\/json"/, tag)
  t.notMatch(html, /\son[a-z]+\s*=/i, 'no inline event handler attributes')
  t.notMatch(html, /style=/, 'no inline styles')
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.js'))
  t.ok(files.length >= 5)
  for (const f of files) {
    const src = await readFile(new URL(f, DIR), 'utf8')
    t.notMatch(
      src,
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\('on/,
      `${f} builds DOM from text`,
    )
  }
})

t.test('GET /sandbox/payment-charges: newest first, cursor pages, status filter, search, one merchant only', async (t) => {
  const ctx = await buildTestApp(t)
  const ids: string[] = []
  for (let i = 1; i <= 7; i++) ids.push((await create(ctx, { merchantPaymentChargeReference: `order-${i}` })).id)
  await ctx.call({ method: 'POST', url: `/sandbox/payment-charges/${ids[1]}/approve` })
  await ctx.call({ method: 'POST', url: `/sandbox/payment-charges/${ids[3]}/approve` })
  const theirs = await create(ctx, { merchantPaymentChargeReference: 'order-1' }, OTHER_AUTH)

  const first = await list(ctx, '/sandbox/payment-charges?limit=3')
  t.equal(first.status, 200)
  t.same(
    first.body.data.map((c: any) => c.id),
    [ids[6], ids[5], ids[4]],
  )
  t.equal(first.body.total, 7)
  t.same(first.body.data[0], {
    id: ids[6],
    status: 'AUTHENTICATION_PENDING',
    amount: 15000,
    currency: 'KRW',
    refundedAmount: 0,
    merchantPaymentChargeReference: 'order-7',
    paymentDescriptor: 'Order description',
    consumer: { name: 'John Smith' },
    createdAt: '2026-01-15T09:00:00.000Z',
    updatedAt: '2026-01-15T09:00:00.000Z',
  })
  const second = await list(ctx, `/sandbox/payment-charges?limit=3&page=${first.body.nextPage}`)
  t.same(
    second.body.data.map((c: any) => c.id),
    [ids[3], ids[2], ids[1]],
  )
  const third = await list(ctx, `/sandbox/payment-charges?limit=3&page=${second.body.nextPage}`)
  t.same(
    third.body.data.map((c: any) => c.id),
    [ids[0]],
  )
  t.equal(third.body.nextPage, undefined, 'no page after the oldest')

  const captured = await list(ctx, '/sandbox/payment-charges?status=CAPTURED')
  t.same(
    captured.body.data.map((c: any) => [c.id, c.status]),
    [
      [ids[3], 'CAPTURED'],
      [ids[1], 'CAPTURED'],
    ],
  )
  const either = await list(ctx, '/sandbox/payment-charges?status=CAPTURED,AUTHENTICATION_PENDING')
  t.equal(either.body.data.length, 7)

  t.same(
    (await list(ctx, '/sandbox/payment-charges?q=ORDER-5')).body.data.map((c: any) => c.id),
    [ids[4]],
    'reference, any case',
  )
  t.same(
    (await list(ctx, `/sandbox/payment-charges?q=${ids[2]}`)).body.data.map((c: any) => c.id),
    [ids[2]],
    'exact id',
  )
  t.same((await list(ctx, `/sandbox/payment-charges?q=${theirs.id}`)).body.data, [], "another merchant's id finds nothing")
  t.same(
    (await list(ctx, '/sandbox/payment-charges?q=order-1')).body.data.map((c: any) => c.id),
    [ids[0]],
    "another merchant's reference finds nothing",
  )
  t.same(
    (await list(ctx, '/sandbox/payment-charges', OTHER_AUTH)).body.data.map((c: any) => c.id),
    [theirs.id],
  )

  const bad = await list(ctx, '/sandbox/payment-charges?status=PAID')
  t.equal(bad.status, 400)
  t.match(bad.body.failureMessage, /status must be a comma-separated list of AUTHORIZATION_PROCESSING/)
  t.equal((await list(ctx, '/sandbox/payment-charges?page=bogus')).status, 400)
  t.equal((await list(ctx, '/sandbox/payment-charges?limit=101')).status, 400)
  t.equal((await ctx.app.inject({ method: 'GET', url: '/sandbox/payment-charges' })).statusCode, 401)
})

t.test('a filter reads at most SCAN_LIMIT records a request and says where to go on', async (t) => {
  // Ten thousand charges: their events are not each checked against the webhooks file here.
  const ctx = await buildTestApp(t, { onEvent: () => undefined })
  const first = await create(ctx, { merchantPaymentChargeReference: 'needle' })
  // Filling the store through the domain keeps the test fast; the route reads the same store.
  for (let i = 0; i < SCAN_LIMIT + 5; i++) ctx.app.sandbox.charges.create('merch_test_A', kakaoPayChargeRequest() as never)
  const page1 = await list(ctx, '/sandbox/payment-charges?q=needle')
  t.same(page1.body.data, [], 'not within the newest SCAN_LIMIT')
  t.type(page1.body.nextPage, 'string')
  const page2 = await list(ctx, `/sandbox/payment-charges?q=needle&page=${page1.body.nextPage}`)
  t.same(
    page2.body.data.map((c: any) => c.id),
    [first.id],
  )
  t.equal(page2.body.nextPage, undefined)
})

t.test('GET /sandbox/payment-agreements: newest first, by status and text', async (t) => {
  const ctx = await buildTestApp(t)
  const make = async (ref: string, headers = AUTH) =>
    (await ctx.createAgreement(
      {
        description: `Plan ${ref}`,
        merchantPaymentAgreementReference: ref,
        consumer: { name: 'Kim', country: 'KR' },
        authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://shop.example/back' } }],
      },
      headers,
    )) as { id: string; status: string }
  const a = await make('sub-1')
  const b = await make('sub-2')
  await make('sub-3', OTHER_AUTH)
  await ctx.call({ method: 'POST', url: `/sandbox/payment-agreements/${a.id}/approve` })
  const all = await list(ctx, '/sandbox/payment-agreements')
  t.same(
    all.body.data.map((x: any) => [x.id, x.status, x.merchantPaymentAgreementReference]),
    [
      [b.id, 'AUTHENTICATION_PENDING', 'sub-2'],
      [a.id, 'ACTIVE', 'sub-1'],
    ],
  )
  t.same(
    (await list(ctx, '/sandbox/payment-agreements?status=ACTIVE')).body.data.map((x: any) => x.id),
    [a.id],
  )
  t.same(
    (await list(ctx, '/sandbox/payment-agreements?q=plan%20sub-2')).body.data.map((x: any) => x.id),
    [b.id],
  )
  t.same((await list(ctx, '/sandbox/payment-agreements?q=sub-3')).body.data, [])
})

t.test('GET /sandbox/deliveries: each state, the exact body and the signature headers of each attempt', async (t) => {
  let down = false
  const wire = transport(() => (down ? 503 : 200))
  const ctx = await buildTestApp(t, {
    transport: wire.send,
    config: { webhooks: { url: 'http://127.0.0.1:9/hooks', secret: SECRET, timeoutMs: 1000, retryBaseMs: 60_000, maxAttempts: 2 } },
  })
  const ok = await create(ctx)
  await ctx.app.sandbox.webhooks.idle()
  down = true
  const failing = await create(ctx)
  await ctx.app.sandbox.webhooks.idle()
  const delivered = await list(ctx, `/sandbox/deliveries?chargeId=${ok.id}`)
  t.equal(delivered.status, 200)
  t.same(
    delivered.body.data.map((d: any) => [d.type, d.state]),
    [
      ['PAYMENT_CHARGE_AUTHENTICATION_PENDING', 'delivered'],
      ['PAYMENT_CHARGE_CREATED', 'delivered'],
    ],
    'newest first',
  )
  const d = delivered.body.data[1]
  const sent = wire.sent.find((s) => s.body.includes(ok.id) && s.body.includes('PAYMENT_CHARGE_CREATED'))!
  t.equal(d.body, sent.body, 'the body is the exact bytes sent')
  t.same(d.attempts[0].headers, sent.headers, 'the headers are the ones sent')
  const signedAt = Number(/^t=(\d+),/.exec(d.attempts[0].headers['ppro-signature'])![1])
  t.same(
    d.attempts[0].headers,
    { 'content-type': 'application/json', ...signWebhook(sent.body, SECRET, signedAt) },
    "signed with the merchant's secret",
  )
  t.same(d.payload, JSON.parse(sent.body))

  const retrying = await list(ctx, '/sandbox/deliveries?state=retrying')
  t.same(
    retrying.body.data.map((x: any) => [x.chargeId, x.type, x.attempts.length, x.attempts[0].statusCode]),
    [
      [failing.id, 'PAYMENT_CHARGE_AUTHENTICATION_PENDING', 1, 503],
      [failing.id, 'PAYMENT_CHARGE_CREATED', 1, 503],
    ],
  )
  t.type(retrying.body.data[0].attempts[0].nextAttemptAt, 'string')
  // The second and last attempt fails too: given up.
  ctx.app.sandbox.advance(60_000)
  await ctx.app.sandbox.webhooks.idle()
  t.equal((await list(ctx, '/sandbox/deliveries?state=gave_up')).body.data.length, 2)
  t.equal((await list(ctx, '/sandbox/deliveries?state=retrying')).body.data.length, 0)
  t.equal((await list(ctx, '/sandbox/deliveries?state=delivered')).body.data.length, 2)
  t.equal((await list(ctx, '/sandbox/deliveries?limit=3')).body.data.length, 3)
  t.equal((await list(ctx, '/sandbox/deliveries?limit=3')).body.total, 4)
  t.equal((await list(ctx, '/sandbox/deliveries?state=lost')).status, 400)
  t.same((await list(ctx, '/sandbox/deliveries', OTHER_AUTH)).body.data, [], "another merchant's deliveries are not listed")
})

t.test('pending and not sent', async (t) => {
  const hang: Array<() => void> = []
  const ctx = await buildTestApp(t, {
    transport: () => new Promise((resolve) => hang.push(() => resolve({ status: 200 }))),
    merchants: { merch_test_A: { webhookUrl: 'http://127.0.0.1:9/hooks' } },
  })
  const c = await create(ctx)
  const mine = await list(ctx, `/sandbox/deliveries?chargeId=${c.id}`)
  // The first event is on the wire (an attempt with no answer yet), the second queues behind it.
  t.same(
    mine.body.data.map((d: any) => [d.type, d.state, d.attempts.length]),
    [
      ['PAYMENT_CHARGE_AUTHENTICATION_PENDING', 'pending', 0],
      ['PAYMENT_CHARGE_CREATED', 'pending', 1],
    ],
  )
  while (hang.length) {
    hang.shift()!()
    await new Promise((r) => setImmediate(r))
  }
  await ctx.app.sandbox.webhooks.idle()
  const theirs = await create(ctx, {}, OTHER_AUTH)
  const other = await list(ctx, `/sandbox/deliveries?chargeId=${theirs.id}`, OTHER_AUTH)
  t.same(
    other.body.data.map((d: any) => d.state),
    ['not_sent', 'not_sent'],
    'no URL for that merchant',
  )
  t.same(other.body.data[0].attempts, [])
})

t.test('POST /sandbox/webhooks/replay-failed sends every failed delivery since a time again', async (t) => {
  let down = true
  const wire = transport(() => (down ? 500 : 204))
  const ctx = await buildTestApp(t, {
    transport: wire.send,
    config: { webhooks: { url: 'http://127.0.0.1:9/hooks', secret: SECRET, timeoutMs: 1000, retryBaseMs: 7_200_000, maxAttempts: 3 } },
  })
  const old = await create(ctx)
  await ctx.app.sandbox.webhooks.idle()
  ctx.clock.advance(3_600_000)
  const since = new Date(ctx.app.sandbox.clock.now()).toISOString()
  const recent = await create(ctx)
  await ctx.app.sandbox.webhooks.idle()
  down = false
  const before = wire.sent.length
  const res = await ctx.call({ method: 'POST', url: '/sandbox/webhooks/replay-failed', payload: { since } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.replayed, 2)
  t.same(
    body.data.map((d: any) => [d.chargeId, d.type, d.state, d.attempts.at(-1).statusCode, d.attempts.at(-1).replay]),
    [
      [recent.id, 'PAYMENT_CHARGE_CREATED', 'delivered', 204, true],
      [recent.id, 'PAYMENT_CHARGE_AUTHENTICATION_PENDING', 'delivered', 204, true],
    ],
  )
  t.equal(wire.sent.length - before, 2, 'only those were sent')
  t.same(
    (await list(ctx, `/sandbox/deliveries?chargeId=${old.id}`)).body.data.map((d: any) => [d.type, d.state]),
    [
      ['PAYMENT_CHARGE_DISCARDED', 'retrying'],
      ['PAYMENT_CHARGE_AUTHENTICATION_PENDING', 'retrying'],
      ['PAYMENT_CHARGE_CREATED', 'retrying'],
    ],
    'the older failures are left to their retries',
  )
  const again = await ctx.call({ method: 'POST', url: '/sandbox/webhooks/replay-failed', payload: { since } })
  t.equal(again.json().replayed, 0, 'nothing failed is left since then')
  const bad = await ctx.call({ method: 'POST', url: '/sandbox/webhooks/replay-failed', payload: { since: 'yesterday' } })
  t.equal(bad.statusCode, 400)
  t.equal(wire.sent.length - before, 2, 'a bad request sends nothing')
  t.equal(
    (await ctx.call({ method: 'POST', url: '/sandbox/webhooks/replay-failed', payload: { since }, headers: OTHER_AUTH })).json().replayed,
    0,
  )
  t.equal(eventBody(ctx.events[0]!), wire.sent[0]!.body)
})

t.test("Sandbox-Journal: off keeps the dashboard's reads of PPRO's objects out of the journal and the stream", async (t) => {
  const ctx = await buildTestApp(t)
  const charge = await create(ctx, { merchantPaymentChargeReference: 'order-quiet' })
  const agreement = (await ctx.createAgreement({
    authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://shop.example/r' } }],
  })) as { id: string }
  const journal = async () =>
    ((await list(ctx, '/sandbox/requests?limit=100')).body.data as Array<Record<string, any>>).map(
      (e) => `${e.method} ${e.path} ${e.status}`,
    )
  const before = await journal()
  const feedLength = ctx.app.feed.since('merch_test_A', 0).length
  const quiet = { 'sandbox-journal': 'off' }

  // The same PPRO objects as any read, and nothing recorded.
  const read = await ctx.call({ method: 'GET', url: `/v1/payment-charges/${charge.id}`, headers: quiet })
  t.same(read.json(), await ctx.readCharge(charge.id), 'the /v1 answer itself')
  t.equal((await ctx.call({ method: 'GET', url: `/v1/payment-agreements/${agreement.id}`, headers: quiet })).statusCode, 200)
  t.equal((await ctx.call({ method: 'GET', url: '/v1/payment-charges/charge_none', headers: quiet })).statusCode, 404)
  t.same(await journal(), [`GET /v1/payment-charges/${charge.id} 200`, ...before], "only the test's own read (without the header)")
  t.equal(ctx.app.feed.since('merch_test_A', 0).length, feedLength + 1, 'and nothing else on the stream')

  // It never hides a request that changes something, and only `off` turns the journal off.
  await ctx.call({ method: 'POST', url: `/sandbox/payment-charges/${charge.id}/approve`, headers: quiet })
  await ctx.call({ method: 'GET', url: `/v1/payment-charges/${charge.id}`, headers: { 'sandbox-journal': 'on' } })
  t.same((await journal()).slice(0, 2), [
    `GET /v1/payment-charges/${charge.id} 200`,
    `POST /sandbox/payment-charges/${charge.id}/approve 200`,
  ])

  // The dashboard's old copy of the /v1 read is gone.
  t.equal((await ctx.call({ method: 'GET', url: `/sandbox/payment-charges/${charge.id}` })).statusCode, 404)
  t.equal((await ctx.call({ method: 'GET', url: `/sandbox/payment-agreements/${agreement.id}` })).statusCode, 404)
})
