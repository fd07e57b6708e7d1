import t from 'tap'
import { MemoryStore } from '../../src/store/memory-store.js'
import { AUTH, buildTestApp, MERCHANT, OTHER_AUTH, seedCharge } from '../helpers/app.js'

const ID = /^charge_[A-Za-z0-9]{21}$/
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

t.test('the seed page request creates a charge waiting for the consumer', async (t) => {
  const { call, events, store } = await buildTestApp(t)
  const res = await call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge() })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.match(body, {
    id: ID,
    paymentMethod: 'KAKAOPAY',
    paymentMedium: 'ECOMMERCE',
    initiator: 'CONSUMER',
    currency: 'KRW',
    country: 'KR',
    paymentDescriptor: 'Order description',
    status: 'AUTHENTICATION_PENDING',
    consumer: { name: 'John Smith', country: 'KR' },
    authenticationMethods: [
      { type: 'REDIRECT', details: { requestUrl: `http://localhost:8080/checkout/${body.id}`, requestMethod: 'GET' } },
    ],
    authorizations: [{ id: /^authz_[A-Za-z0-9]{21}$/, amount: 15000, status: 'AUTHENTICATION_PENDING', createdAt: ISO_MS }],
    captures: [],
    refunds: [],
    discards: [],
    voids: [],
    createdAt: ISO_MS,
    updatedAt: ISO_MS,
    _links: { self: { href: `http://localhost:8080/v1/payment-charges/${body.id}` } },
  })
  t.notOk('amount' in body, 'no top-level amount')
  t.notOk('failure' in body)
  t.notOk(new URL(body.authenticationMethods[0].details.requestUrl).search, 'requestUrl has no query string')
  t.equal(res.headers['sandbox-warning'], undefined)
  t.same(
    events.map((e) => e.type),
    ['PAYMENT_CHARGE_CREATED', 'PAYMENT_CHARGE_AUTHENTICATION_PENDING'],
  )

  const read = await call({ method: 'GET', url: `/v1/payment-charges/${body.id}` })
  t.equal(read.statusCode, 200)
  t.same(read.json(), body, 'a read answers the same charge')
  t.equal(store.chargesOf(MERCHANT).length, 1)
})

t.test('PUBLIC_BASE_URL builds the approval URL', async (t) => {
  const { call } = await buildTestApp(t, { config: { publicBaseUrl: 'https://sandbox.example.test' } })
  const body = (await call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge() })).json()
  t.equal(body.authenticationMethods[0].details.requestUrl, `https://sandbox.example.test/checkout/${body.id}`)
})

t.test('optional fields of PPRO AuthorizationRequest are kept', async (t) => {
  const { call } = await buildTestApp(t)
  const res = await call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: seedCharge({
      merchantPaymentChargeReference: 'order-77',
      paymentMedium: 'MOTO',
      scheduleType: 'UNSCHEDULED',
      autoCapture: true,
      labels: { campaign: 'winter' },
      webhooksUrl: 'http://127.0.0.1:9999/hooks',
      order: { orderReferenceNumber: 'INV-1', orderItems: [{ name: 'Tea', quantity: 2, amount: 7500 }] },
      consumer: { name: 'Kim Minji', country: 'KR', email: 'minji@example.com', locale: 'ko-KR', client: { ip: '127.0.0.1' } },
    }),
  })
  t.equal(res.statusCode, 200)
  t.match(res.json(), {
    paymentMedium: 'MOTO',
    labels: { campaign: 'winter' },
    order: { orderReferenceNumber: 'INV-1' },
    consumer: { email: 'minji@example.com', client: { ip: '127.0.0.1' } },
    authorizations: [{ merchantPaymentChargeReference: 'order-77' }],
  })
})

t.test('KakaoPay properties decline at their boundaries with HTTP 200 and FAILED', async (t) => {
  const { call } = await buildTestApp(t)
  const redirect = (returnUrl?: string) => [{ type: 'REDIRECT', settings: returnUrl ? { returnUrl } : {} }]
  const cases: Array<[string, Record<string, unknown>, string | undefined]> = [
    ['49 won', { amount: { value: 49, currency: 'KRW' } }, 'AMOUNT_NOT_SUPPORTED'],
    ['50 won', { amount: { value: 50, currency: 'KRW' } }, undefined],
    ['2,000,000 won', { amount: { value: 2_000_000, currency: 'KRW' } }, undefined],
    ['2,000,001 won', { amount: { value: 2_000_001, currency: 'KRW' } }, 'AMOUNT_NOT_SUPPORTED'],
    ['0 won', { amount: { value: 0, currency: 'KRW' } }, 'AMOUNT_NOT_SUPPORTED'],
    ['USD', { amount: { value: 15000, currency: 'USD' } }, 'INVALID_CURRENCY'],
    ['country US', { consumer: { name: 'Jane Doe', country: 'US' } }, 'COUNTRY_NOT_SUPPORTED'],
    ['method CARD', { paymentMethod: 'CARD' }, 'INVALID_PAYMENT_METHOD'],
    ['no authenticationSettings', { authenticationSettings: undefined }, 'INVALID_AUTHENTICATION_SETTINGS'],
    ['no REDIRECT', { authenticationSettings: [{ type: 'SCAN_CODE', settings: {} }] }, 'INVALID_AUTHENTICATION_SETTINGS'],
    ['REDIRECT without returnUrl', { authenticationSettings: redirect() }, 'INVALID_AUTHENTICATION_SETTINGS'],
    ['REDIRECT without settings', { authenticationSettings: [{ type: 'REDIRECT' }] }, 'INVALID_AUTHENTICATION_SETTINGS'],
  ]
  for (const [name, overrides, code] of cases) {
    const res = await call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge(overrides) })
    t.equal(res.statusCode, 200, `${name}: HTTP 200`)
    const body = res.json()
    if (code === undefined) {
      t.equal(body.status, 'AUTHENTICATION_PENDING', `${name}: passes`)
      continue
    }
    t.match(
      body,
      {
        status: 'FAILED',
        failure: { failureType: 'INTERNAL_DECLINE', failureCode: code, failureMessage: String, isRetryable: false },
        authorizations: [{ status: 'FAILED', failure: { failureCode: code } }],
      },
      `${name}: declined ${code}`,
    )
    t.notOk('authenticationMethods' in body, `${name}: nothing to authenticate`)
  }
})

t.test('schema errors answer 400 in PPRO envelope, naming the field, and store nothing', async (t) => {
  const { call, store } = await buildTestApp(t)
  const cases: Array<[string, unknown, RegExp]> = [
    ['fractional amount', seedCharge({ amount: { value: 150.5, currency: 'KRW' } }), /^amount\.value must be an integer$/],
    ['string amount', seedCharge({ amount: { value: '15000', currency: 'KRW' } }), /^amount\.value must be a number$/],
    ['missing consumer.country', seedCharge({ consumer: { name: 'John Smith' } }), /^consumer\.country is required$/],
    ['lowercase method', seedCharge({ paymentMethod: 'kakaopay' }), /^paymentMethod must match the pattern/],
    ['missing amount', seedCharge({ amount: undefined }), /^amount is required$/],
    ['currency of 2 letters', seedCharge({ amount: { value: 1000, currency: 'KR' } }), /^amount\.currency must be at least 3 characters$/],
    [
      'unknown authentication type',
      seedCharge({ authenticationSettings: [{ type: 'MAGIC' }] }),
      /^authenticationSettings\[0\]\.type must be one of REDIRECT/,
    ],
    [
      'returnUrl not http(s)',
      seedCharge({ authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'javascript:alert(1)' } }] }),
      /^authenticationSettings\[0\]\.settings\.returnUrl must be an absolute http or https URL$/,
    ],
    [
      'relative returnUrl',
      seedCharge({ authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: '/done' } }] }),
      /returnUrl must be an absolute http or https URL/,
    ],
    ['bad webhooksUrl', seedCharge({ webhooksUrl: 'ftp://example.com/x' }), /^webhooksUrl must match the pattern/],
    ['bad paymentMedium', seedCharge({ paymentMedium: 'PHONE' }), /^paymentMedium must be one of ECOMMERCE, MOTO, POS$/],
    ['label too long', seedCharge({ labels: { k: 'x'.repeat(201) } }), /^labels\.k must be at most 200 characters$/],
    ['bad email', seedCharge({ consumer: { country: 'KR', email: 'nope' } }), /^consumer\.email must be an email address$/],
    ['array body', [seedCharge()], /must be an object/],
    [
      'two errors at once',
      seedCharge({ amount: { value: 1.5 }, consumer: {} }),
      /amount\.value must be an integer; amount\.currency is required; consumer\.country is required/,
    ],
  ]
  for (const [name, payload, message] of cases) {
    const res = await call({ method: 'POST', url: '/v1/payment-charges', payload: payload as object })
    t.equal(res.statusCode, 400, `${name}: 400`)
    const body = res.json()
    t.match(body, { status: 400, failureMessage: message, timestamp: ISO_MS }, `${name}: ${body.failureMessage}`)
    t.same(Object.keys(body).sort(), ['failureMessage', 'status', 'timestamp'])
  }
  t.equal(store.chargesOf(MERCHANT).length, 0, 'nothing stored')
})

t.test('transport errors: malformed JSON 400, not JSON 415, huge body 413, negative amount 422', async (t) => {
  const { call, store } = await buildTestApp(t, { config: { bodyLimit: 2048 } })
  const malformed = await call({
    method: 'POST',
    url: '/v1/payment-charges',
    headers: { 'content-type': 'application/json' },
    payload: '{"paymentMethod": "KAKAOPAY",',
  })
  t.equal(malformed.statusCode, 400)
  t.match(malformed.json(), { status: 400, failureMessage: 'the request body is not valid JSON' })

  const text = await call({ method: 'POST', url: '/v1/payment-charges', headers: { 'content-type': 'text/plain' }, payload: 'hello' })
  t.equal(text.statusCode, 415)
  t.match(text.json(), { status: 415, failureMessage: /Content-Type "text\/plain" is not supported: send application\/json/ })

  const form = await call({
    method: 'POST',
    url: '/v1/payment-charges',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'a=b',
  })
  t.equal(form.statusCode, 415, 'form bodies are for the approval page only')

  const huge = await call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge({ paymentDescriptor: 'x'.repeat(5000) }) })
  t.equal(huge.statusCode, 413)
  t.match(huge.json(), { status: 413, failureMessage: /too large/ })

  const empty = await call({ method: 'POST', url: '/v1/payment-charges', headers: { 'content-type': 'application/json' }, payload: '' })
  t.equal(empty.statusCode, 400)
  t.match(empty.json(), { status: 400, failureMessage: 'the request body is required' })

  const negative = await call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: seedCharge({ amount: { value: -100, currency: 'KRW' } }),
  })
  t.equal(negative.statusCode, 422)
  t.match(negative.json(), { status: 422, failureMessage: 'amount.value must not be negative' })

  const proto = await call({
    method: 'POST',
    url: '/v1/payment-charges',
    headers: { 'content-type': 'application/json' },
    payload: '{"__proto__": {"x": 1}, "paymentMethod": "KAKAOPAY"}',
  })
  t.equal(proto.statusCode, 400)
  t.equal(store.chargesOf(MERCHANT).length, 0, 'nothing stored')
})

t.test('autoCapture false is refused: KakaoPay has no separate capture', async (t) => {
  const { call, store } = await buildTestApp(t)
  const res = await call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge({ autoCapture: false }) })
  t.equal(res.statusCode, 400)
  t.match(res.json().failureMessage, /autoCapture: false is not supported: KakaoPay has no separate capture/)
  t.equal(store.chargesOf(MERCHANT).length, 0)
})

t.test('unknown fields are ignored and named; STRICT_REQUESTS refuses them', async (t) => {
  const lenient = await buildTestApp(t)
  const res = await lenient.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: { ...seedCharge(), paymentDescripter: 'typo', consumer: { name: 'John Smith', country: 'KR', nmae: 'x' } },
  })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['sandbox-warning'], 'ignored unknown field(s): consumer.nmae, paymentDescripter')
  t.notOk('paymentDescripter' in res.json())
  t.same(res.json().consumer, { name: 'John Smith', country: 'KR' })

  const strict = await buildTestApp(t, { config: { strictRequests: true } })
  const refused = await strict.call({ method: 'POST', url: '/v1/payment-charges', payload: { ...seedCharge(), paymentDescripter: 'typo' } })
  t.equal(refused.statusCode, 400)
  t.equal(refused.json().failureMessage, 'the request body has unknown field(s): paymentDescripter')
  t.equal(strict.store.chargesOf(MERCHANT).length, 0)

  const both = await lenient.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: { ...seedCharge({ amount: undefined }), amout: { value: 1 } },
  })
  t.equal(both.statusCode, 400)
  t.equal(both.json().failureMessage, 'amount is required (also ignored unknown field(s): amout)')
})

t.test('credentials: Bearer and Merchant-Id on every /v1 call', async (t) => {
  const { app, store } = await buildTestApp(t)
  const cases: Array<[string, Record<string, string>]> = [
    ['no headers', {}],
    ['no Merchant-Id', { authorization: 'Bearer k' }],
    ['empty Merchant-Id', { authorization: 'Bearer k', 'merchant-id': ' ' }],
    ['no Authorization', { 'merchant-id': MERCHANT }],
    ['Basic scheme', { authorization: 'Basic dTpw', 'merchant-id': MERCHANT }],
    ['empty Bearer', { authorization: 'Bearer ', 'merchant-id': MERCHANT }],
  ]
  for (const [name, headers] of cases) {
    for (const [method, url] of [
      ['GET', '/v1/payment-charges'],
      ['POST', '/v1/payment-charges'],
      ['GET', '/v1/payment-charges/charge_000000000000000000001'],
    ] as const) {
      const res = await app.inject({ method, url, headers, ...(method === 'POST' ? { payload: seedCharge() } : {}) })
      t.equal(res.statusCode, 401, `${name}: ${method} ${url}`)
      t.same(res.json(), { message: 'Unauthorized' })
    }
  }
  t.equal(store.chargesOf(MERCHANT).length, 0)

  const keyed = await buildTestApp(t, { config: { apiKeys: ['key-1', 'key-2'] } })
  const wrong = await keyed.app.inject({
    method: 'GET',
    url: '/v1/payment-charges',
    headers: { authorization: 'Bearer key-3', 'merchant-id': MERCHANT },
  })
  t.equal(wrong.statusCode, 401, 'a key not in API_KEYS')
  const right = await keyed.app.inject({
    method: 'GET',
    url: '/v1/payment-charges',
    headers: { authorization: 'bearer key-2', 'merchant-id': MERCHANT },
  })
  t.equal(right.statusCode, 200, 'a configured key, scheme in any case')
})

t.test('merchant isolation: another merchant sees 404 and an empty search', async (t) => {
  const { call } = await buildTestApp(t)
  const charge = (
    await call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge({ merchantPaymentChargeReference: 'r1' }) })
  ).json()
  const other = await call({ method: 'GET', url: `/v1/payment-charges/${charge.id}`, headers: OTHER_AUTH })
  t.equal(other.statusCode, 404)
  t.match(other.json(), { status: 404, failureMessage: `payment charge ${charge.id} not found` })
  const search = await call({ method: 'GET', url: '/v1/payment-charges?merchantPaymentChargeReference=r1', headers: OTHER_AUTH })
  t.same(search.json().data, [])
  const unknown = await call({ method: 'GET', url: '/v1/payment-charges/charge_doesnotexist000000000' })
  t.equal(unknown.statusCode, 404)
})

t.test('real clients: Content-Type on a GET without body, Via and Request-Reference headers', async (t) => {
  const { call } = await buildTestApp(t)
  const charge = (
    await call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge(), headers: { 'request-reference': 'trace-1' } })
  ).json()
  const res = await call({
    method: 'GET',
    url: `/v1/payment-charges/${charge.id}`,
    headers: { 'content-type': 'application/json', via: '1.1 proxy.internal', 'request-reference': 'trace-2' },
  })
  t.equal(res.statusCode, 200)
  t.equal(res.json().id, charge.id)
})

t.test('search by merchantPaymentChargeReference, newest first, 20 a page', async (t) => {
  const { call, clock } = await buildTestApp(t)
  const ids: string[] = []
  for (let i = 0; i < 25; i++) {
    clock.advance(1000)
    ids.push(
      (
        await call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge({ merchantPaymentChargeReference: 'order-1' }) })
      ).json().id,
    )
  }
  await call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge({ merchantPaymentChargeReference: 'order-2' }) })
  const first = await call({ method: 'GET', url: '/v1/payment-charges?merchantPaymentChargeReference=order-1' })
  t.equal(first.statusCode, 200)
  const page1 = first.json()
  t.equal(page1.data.length, 20)
  t.same(
    page1.data.map((c: { id: string }) => c.id),
    ids.slice(5).reverse(),
  )
  t.type(page1.nextPage, 'string')
  t.match(page1._links, { self: { href: /merchantPaymentChargeReference=order-1/ }, next: { href: /page=/ } })
  const second = (
    await call({ method: 'GET', url: `/v1/payment-charges?merchantPaymentChargeReference=order-1&page=${page1.nextPage}` })
  ).json()
  t.same(
    second.data.map((c: { id: string }) => c.id),
    ids.slice(0, 5).reverse(),
  )
  t.notOk('nextPage' in second, 'last page has no nextPage')
  const all = (await call({ method: 'GET', url: '/v1/payment-charges' })).json()
  t.equal(all.data.length, 20, 'no filter: every charge of the merchant, paged')
  const bad = await call({ method: 'GET', url: '/v1/payment-charges?page=nonsense' })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().failureMessage, /^page: "nonsense" is not a page token/)
  const none = (await call({ method: 'GET', url: '/v1/payment-charges?merchantPaymentChargeReference=nope' })).json()
  t.same(none.data, [])
})

t.test('unknown routes 404 and wrong methods 405, in the envelope', async (t) => {
  const { call } = await buildTestApp(t)
  const missing = await call({ method: 'GET', url: '/v1/payment-widgets' })
  t.equal(missing.statusCode, 404)
  t.match(missing.json(), { status: 404, failureMessage: 'no such endpoint: GET /v1/payment-widgets' })
  const put = await call({ method: 'PUT', url: '/v1/payment-charges', payload: {} })
  t.equal(put.statusCode, 405)
  t.equal(put.headers.allow, 'GET, POST')
  t.match(put.json(), { status: 405, failureMessage: /PUT is not allowed/ })
  const del = await call({ method: 'DELETE', url: '/v1/payment-charges/charge_000000000000000000001' })
  t.equal(del.statusCode, 405)
  t.equal(del.headers.allow, 'GET')
})

t.test('health answers without credentials', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/health' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
})

t.test('every reply above was checked against the OpenAPI file', async (t) => {
  const { call, checked } = await buildTestApp(t)
  await call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge() })
  t.equal(checked(), 1)
  t.ok(AUTH.authorization)
})

t.test('sandbox paths also answer 405 for a method they do not take', async (t) => {
  const { call } = await buildTestApp(t)
  const res = await call({ method: 'GET', url: '/sandbox/payment-charges/charge_x/approve' })
  t.equal(res.statusCode, 405)
  t.equal(res.headers.allow, 'POST')
  const clock = await call({ method: 'PUT', url: '/sandbox/clock', payload: {} })
  t.equal(clock.statusCode, 405)
  t.equal(clock.headers.allow, 'GET, POST')
})

t.test('paging never repeats or skips a charge when charges are created between page reads', async (t) => {
  const { call } = await buildTestApp(t)
  const create = async (ref: string) =>
    (await call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge({ merchantPaymentChargeReference: ref }) })).json()
      .id as string
  for (const [query, ref] of [
    ['', 'shop'],
    ['?merchantPaymentChargeReference=order-7', 'order-7'],
  ] as const) {
    const before: string[] = []
    for (let i = 0; i < 41; i++) before.push(await create(ref))
    const seen: string[] = []
    let url = `/v1/payment-charges${query}`
    for (let pages = 0; pages < 10; pages++) {
      const body = (await call({ method: 'GET', url })).json()
      const mine = (body.data as Array<{ id: string; authorizations: Array<{ merchantPaymentChargeReference?: string }> }>).filter(
        (c) => c.authorizations[0]!.merchantPaymentChargeReference === ref,
      )
      seen.push(...mine.map((c) => c.id))
      await create(ref) // the shop keeps selling between page reads
      await create(ref)
      if (!body.nextPage) break
      url = `/v1/payment-charges${query}${query ? '&' : '?'}page=${body.nextPage}`
    }
    t.same(seen, before.reverse(), `${query || 'no filter'}: every charge that existed at the first read, once, newest first`)
  }
  const reset = await call({ method: 'GET', url: '/v1/payment-charges' })
  await call({ method: 'DELETE', url: '/sandbox/data' })
  const stale = await call({ method: 'GET', url: `/v1/payment-charges?page=${reset.json().nextPage}` })
  t.same(
    [stale.statusCode, stale.json().failureMessage],
    [400, `page: "${reset.json().nextPage}" is not a page token from a nextPage field`],
    'a token of data since deleted',
  )
})

t.test("search by reference or agreement reads an index, never a scan of the merchant's charges", async (t) => {
  class CountingStore extends MemoryStore {
    scans = 0
    override chargesOf(merchantId: string) {
      this.scans++
      return super.chargesOf(merchantId)
    }
  }
  const store = new CountingStore()
  const { call } = await buildTestApp(t, { store })
  for (let i = 0; i < 30; i++) {
    await call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge({ merchantPaymentChargeReference: `order-${i % 3}` }) })
  }
  store.scans = 0
  const found = (await call({ method: 'GET', url: '/v1/payment-charges?merchantPaymentChargeReference=order-1' })).json()
  t.equal(found.data.length, 10)
  t.ok(
    found.data.every(
      (c: { authorizations: Array<{ merchantPaymentChargeReference: string }> }) =>
        c.authorizations[0]!.merchantPaymentChargeReference === 'order-1',
    ),
  )
  const byAgreement = (await call({ method: 'GET', url: '/v1/payment-charges?agreementId=agr_000000000000000000001' })).json()
  t.same(byAgreement.data, [])
  t.equal(store.scans, 0, 'no search read the list of all charges')
})
