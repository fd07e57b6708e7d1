import t from 'tap'
import { buildTestApp, OTHER_AUTH, type TestApp } from '../helpers/app.js'
import { receiver } from '../helpers/receiver.js'

const RETURN_URL = 'https://www.webshop.com/subscription/done'

function agreementBody(overrides: Record<string, unknown> = {}) {
  return {
    paymentMethod: 'KAKAOPAY',
    description: 'Coffee subscription',
    merchantPaymentAgreementReference: 'sub-1',
    consumer: { name: 'Kim Minji', country: 'KR' },
    authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: RETURN_URL } }],
    ...overrides,
  }
}

const post = (ctx: TestApp, url: string, payload?: unknown, headers?: Record<string, string>) =>
  ctx.call({ method: 'POST', url, ...(payload === undefined ? {} : { payload: payload as object }), ...(headers ? { headers } : {}) })
const get = async (ctx: TestApp, url: string) => (await ctx.call({ method: 'GET', url })).json()
const page = (ctx: TestApp, id: string, action: string) =>
  ctx.app.inject({
    method: 'POST',
    url: `/checkout/${id}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `action=${action}`,
  })
const chargeOn = (ctx: TestApp, id: string, value: number, extra: Record<string, unknown> = {}) =>
  post(ctx, `/v1/payment-agreements/${id}/payment-charges`, { amount: { value, currency: 'KRW' }, scheduleType: 'SCHEDULED', ...extra })

t.test('the full life: sign-up with a first payment, three renewals, a decline by amount, revocation', async (t) => {
  const ctx = await buildTestApp(t)
  const created = await post(
    ctx,
    '/v1/payment-agreements',
    agreementBody({
      frequency: { type: 'MONTHLY', interval: 1 },
      amount: { value: 9900, currency: 'KRW' },
      amountType: 'MAX',
      startDate: '2026-01-01T00:00:00Z',
      initialPaymentCharge: {
        amount: { value: 9900, currency: 'KRW' },
        paymentDescriptor: 'First month',
        merchantPaymentChargeReference: 'sub-1-m1',
      },
    }),
  )
  t.equal(created.statusCode, 200)
  const agreement = created.json()
  t.match(agreement, {
    id: /^agr_[A-Za-z0-9]{21}$/,
    status: 'AUTHENTICATION_PENDING',
    paymentMethod: 'KAKAOPAY',
    description: 'Coffee subscription',
    frequency: { type: 'MONTHLY', interval: 1 },
    amount: { value: 9900, currency: 'KRW' },
    amountType: 'MAX',
    startDate: '2026-01-01T00:00:00.000Z',
    authenticationMethods: [
      { type: 'REDIRECT', details: { requestUrl: `http://localhost:8080/checkout/${agreement.id}`, requestMethod: 'GET' } },
    ],
    history: [{ id: /^ahist_/, status: 'INITIALIZING' }, { status: 'AUTHENTICATION_PENDING' }],
    revocations: [],
    initialPaymentChargeId: /^charge_/,
  })
  t.notOk('instrumentId' in agreement)
  const initial = await get(ctx, `/v1/payment-charges/${agreement.initialPaymentChargeId}`)
  t.match(initial, {
    status: 'AUTHENTICATION_PENDING',
    agreementId: agreement.id,
    initiator: 'CONSUMER',
    authorizations: [{ amount: 9900, merchantPaymentChargeReference: 'sub-1-m1' }],
  })

  const html = (await ctx.app.inject({ method: 'GET', url: `/checkout/${agreement.id}` })).body
  t.match(html, /Register a recurring payment/)
  t.match(html, /Coffee subscription/)
  t.match(html, /Up to 9,900원/)
  t.match(html, /Every month/)
  t.match(html, /First payment[\s\S]*9,900원/)
  t.match(html, /name="action" value="approve"/)

  ctx.clock.advance(60_000)
  const approved = await page(ctx, agreement.id, 'approve')
  t.equal(approved.statusCode, 303)
  t.equal(approved.headers.location, RETURN_URL)
  const active = await get(ctx, `/v1/payment-agreements/${agreement.id}`)
  t.match(active, {
    status: 'ACTIVE',
    instrumentId: /^instr_[A-Za-z0-9]{21}$/,
    history: [
      { status: 'INITIALIZING' },
      { status: 'AUTHENTICATION_PENDING' },
      { status: 'ACTIVE', createdAt: '2026-01-15T09:01:00.000Z' },
    ],
  })
  t.notOk('authenticationMethods' in active)
  t.match(await get(ctx, `/v1/payment-charges/${agreement.initialPaymentChargeId}`), {
    status: 'CAPTURED',
    instrumentId: active.instrumentId,
    captures: [{ amount: 9900 }],
  })

  const renewals: Array<Record<string, any>> = []
  for (const value of [9900, 5000, 9900]) {
    ctx.clock.advance(30 * 86_400_000)
    const res = await chargeOn(ctx, agreement.id, value, { merchantPaymentChargeReference: `renewal-${value}` })
    t.equal(res.statusCode, 200)
    renewals.push(res.json())
  }
  for (const r of renewals) {
    t.match(r, {
      id: /^charge_/,
      status: 'CAPTURED',
      instrumentId: active.instrumentId,
      currency: 'KRW',
      country: 'KR',
      authorizations: [{ status: 'AUTHORIZED' }],
      captures: [{ status: 'CAPTURED' }],
    })
    for (const field of ['agreementId', 'initiator', 'paymentMedium', 'discards', '_links'])
      t.notOk(field in r, `AgreementChargeResponse has no ${field}`)
    t.match(await get(ctx, `/v1/payment-charges/${r.id}`), {
      id: r.id,
      agreementId: agreement.id,
      initiator: 'MERCHANT',
      status: 'CAPTURED',
      _links: Object,
    })
  }
  t.same(
    ctx.events.filter((e) => e.subject === renewals[0]!.id).map((e) => e.type),
    ['PAYMENT_CHARGE_CREATED', 'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED', 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED'],
    'no consumer step, so no AUTHENTICATION_PENDING',
  )

  const tooMuch = (await chargeOn(ctx, agreement.id, 9901)).json()
  t.match(tooMuch, { status: 'FAILED', failure: { failureType: 'INTERNAL_DECLINE', failureCode: 'INVALID_AMOUNT' } }, 'MAX binds')

  const refund = (await post(ctx, `/v1/payment-charges/${renewals[1]!.id}/refunds`, { amount: 5000 })).json()
  t.equal(refund.status, 'REFUNDED', 'agreement charges refund like any other')

  const listed = await get(ctx, `/v1/payment-charges?agreementId=${agreement.id}`)
  t.equal(listed.data.length, 5, 'the initial charge, three renewals and the declined one')

  const revoked = await post(ctx, `/v1/payment-agreements/${agreement.id}/revocations`, {})
  t.same(revoked.json(), { status: 'REVOKED' })
  t.match(await get(ctx, `/v1/payment-agreements/${agreement.id}`), {
    status: 'REVOKED_BY_MERCHANT',
    revocations: [{ id: /^rev_[A-Za-z0-9]{21}$/, revocationStatus: 'REVOKED_BY_MERCHANT' }],
    history: [{}, {}, {}, { status: 'REVOKED_BY_MERCHANT' }],
  })
  t.match(
    (await chargeOn(ctx, agreement.id, 9900)).json(),
    { status: 'FAILED', failure: { failureCode: 'AGREEMENT_REVOKED' } },
    'a charge after revocation declines',
  )
  t.match(
    (await post(ctx, `/v1/payment-agreements/${agreement.id}/revocations`, {})).json(),
    { status: 'FAILED', failure: { failureCode: 'AGREEMENT_REVOKED' } },
    'revoking twice',
  )

  t.same(
    ctx.events.filter((e) => e.subject === agreement.id).map((e) => e.type),
    [
      'PAYMENT_AGREEMENT_CREATED',
      'PAYMENT_AGREEMENT_AUTHENTICATION_PENDING',
      'PAYMENT_AGREEMENT_ACTIVE',
      'PAYMENT_AGREEMENT_REVOKED_BY_MERCHANT',
    ],
  )
  t.match(ctx.events.find((e) => e.type === 'PAYMENT_AGREEMENT_CREATED')?.data, {
    paymentAgreementStatus: 'INITIALIZING',
    frequency: { type: 'MONTHLY' },
    amount: { value: 9900, currency: 'KRW' },
    amountType: 'MAX',
    consumer: { name: 'Kim Minji' },
  })
  const hooks = (await ctx.call({ method: 'GET', url: `/sandbox/webhooks?agreementId=${agreement.id}` })).json().data
  t.equal(hooks.filter((h: { type: string }) => h.type.startsWith('PAYMENT_AGREEMENT_')).length, 4)
  t.ok(
    hooks.some((h: { type: string }) => h.type === 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED'),
    "an agreement's deliveries include its charges' events",
  )
})

t.test('EXACT must equal; VARIABLE and no amountType are informational', async (t) => {
  const ctx = await buildTestApp(t)
  const make = async (extra: Record<string, unknown>) => {
    const a = (await post(ctx, '/v1/payment-agreements', agreementBody({ amount: { value: 10_000, currency: 'KRW' }, ...extra }))).json()
    await post(ctx, `/sandbox/payment-agreements/${a.id}/approve`)
    return a.id as string
  }
  const exact = await make({ amountType: 'EXACT' })
  t.equal((await chargeOn(ctx, exact, 10_000)).json().status, 'CAPTURED')
  t.match((await chargeOn(ctx, exact, 9_999)).json(), { failure: { failureCode: 'INVALID_AMOUNT' } })
  t.match((await chargeOn(ctx, exact, 10_000, { amount: { value: 10_000, currency: 'USD' } })).json(), {
    failure: { failureCode: 'INVALID_AMOUNT' },
  })
  const variable = await make({ amountType: 'VARIABLE' })
  t.equal((await chargeOn(ctx, variable, 50_000)).json().status, 'CAPTURED')
  const none = await make({})
  t.equal((await chargeOn(ctx, none, 50_000)).json().status, 'CAPTURED')
  t.match((await chargeOn(ctx, none, 49)).json(), { failure: { failureCode: 'AMOUNT_NOT_SUPPORTED' } }, "KakaoPay's limits per charge")
  t.match((await chargeOn(ctx, none, 2_000_001)).json(), { failure: { failureCode: 'AMOUNT_NOT_SUPPORTED' } })
  t.match((await chargeOn(ctx, none, 1000, { amount: { value: 1000, currency: 'USD' } })).json(), {
    failure: { failureCode: 'INVALID_CURRENCY' },
  })
  t.match(
    (await chargeOn(ctx, none, 300_002)).json(),
    { status: 'FAILED', failure: { failureType: 'PROVIDER_DECLINE', failureCode: 'INSUFFICIENT_FUNDS' } },
    'the simulator amounts still decline',
  )
})

t.test('fail and cancel at sign-up; charges on a failed or pending agreement decline AGREEMENT_INACTIVE', async (t) => {
  const ctx = await buildTestApp(t)
  const withInitial = { initialPaymentCharge: { amount: { value: 5000, currency: 'KRW' } } }
  const failed = (await post(ctx, '/v1/payment-agreements', agreementBody(withInitial))).json()
  await page(ctx, failed.id, 'decline')
  t.match(await get(ctx, `/v1/payment-agreements/${failed.id}`), {
    status: 'FAILED',
    failure: { failureType: 'PROVIDER_DECLINE', failureCode: 'AUTHENTICATION_FAILED' },
    history: [{}, {}, { status: 'FAILED' }],
  })
  t.match(await get(ctx, `/v1/payment-charges/${failed.initialPaymentChargeId}`), {
    status: 'FAILED',
    failure: { failureCode: 'AUTHENTICATION_FAILED' },
  })
  t.match(ctx.events.filter((e) => e.subject === failed.id).at(-1), {
    type: 'PAYMENT_AGREEMENT_FAILED',
    data: { failure: { failureCode: 'AUTHENTICATION_FAILED' } },
  })
  t.match((await ctx.app.inject({ method: 'GET', url: `/checkout/${failed.id}` })).body, /Registration failed/)

  const canceled = (await post(ctx, '/v1/payment-agreements', agreementBody())).json()
  const res = await post(ctx, `/sandbox/payment-agreements/${canceled.id}/cancel`)
  t.match(res.json(), { status: 'FAILED', failure: { failureCode: 'CANCELED_BY_CONSUMER' } })
  t.equal((await post(ctx, `/sandbox/payment-agreements/${canceled.id}/approve`)).statusCode, 409, 'decided')

  t.match((await chargeOn(ctx, failed.id, 1000)).json(), { failure: { failureCode: 'AGREEMENT_INACTIVE' } })
  const pending = (await post(ctx, '/v1/payment-agreements', agreementBody())).json()
  t.match((await chargeOn(ctx, pending.id, 1000)).json(), { failure: { failureCode: 'AGREEMENT_INACTIVE' } })
  t.match((await post(ctx, `/v1/payment-agreements/${failed.id}/revocations`, {})).json(), {
    status: 'FAILED',
    failure: { failureCode: 'AGREEMENT_INACTIVE' },
  })
})

t.test('the authentication timeout applies to agreements', async (t) => {
  const ctx = await buildTestApp(t, { config: { authTimeoutSeconds: 600 } })
  const a = (
    await post(ctx, '/v1/payment-agreements', agreementBody({ initialPaymentCharge: { amount: { value: 5000, currency: 'KRW' } } }))
  ).json()
  await post(ctx, '/sandbox/clock', { advanceSeconds: 599 })
  t.equal((await get(ctx, `/v1/payment-agreements/${a.id}`)).status, 'AUTHENTICATION_PENDING')
  await post(ctx, '/sandbox/clock', { advanceSeconds: 1 })
  t.match(await get(ctx, `/v1/payment-agreements/${a.id}`), {
    status: 'FAILED',
    failure: { failureCode: 'AUTHENTICATION_TIMEOUT' },
    updatedAt: '2026-01-15T09:10:00.000Z',
  })
  t.match(await get(ctx, `/v1/payment-charges/${a.initialPaymentChargeId}`), {
    status: 'DISCARDED',
    discards: [{ type: 'AUTHENTICATION_TIMEOUT' }],
  })
  const b = (await post(ctx, '/v1/payment-agreements', agreementBody())).json()
  t.match((await post(ctx, `/sandbox/payment-agreements/${b.id}/expire`)).json(), {
    status: 'FAILED',
    failure: { failureCode: 'AUTHENTICATION_TIMEOUT' },
  })
})

t.test('consumer and provider revocation through the sandbox', async (t) => {
  const ctx = await buildTestApp(t)
  for (const by of ['CONSUMER', 'PROVIDER'] as const) {
    const a = (await post(ctx, '/v1/payment-agreements', agreementBody())).json()
    await post(ctx, `/sandbox/payment-agreements/${a.id}/approve`)
    const res = await post(ctx, `/sandbox/payment-agreements/${a.id}/revoke`, { by })
    t.equal(res.statusCode, 200)
    t.match(res.json(), { status: `REVOKED_BY_${by}`, revocations: [{ revocationStatus: `REVOKED_BY_${by}` }] })
    t.equal(ctx.events.at(-1)?.type, `PAYMENT_AGREEMENT_REVOKED_BY_${by}`)
    t.match((await chargeOn(ctx, a.id, 1000)).json(), { failure: { failureCode: 'AGREEMENT_REVOKED' } })
    t.equal((await post(ctx, `/sandbox/payment-agreements/${a.id}/revoke`, { by })).statusCode, 409)
    t.match((await ctx.app.inject({ method: 'GET', url: `/checkout/${a.id}` })).body, /Recurring payment ended/)
  }
  const bad = await post(ctx, '/sandbox/payment-agreements/agr_x/revoke', { by: 'MERCHANT' })
  t.equal(bad.statusCode, 400, 'the merchant revokes through /v1')
})

t.test('dates bound the agreement', async (t) => {
  const ctx = await buildTestApp(t)
  const a = (
    await post(ctx, '/v1/payment-agreements', agreementBody({ startDate: '2026-02-01T00:00:00Z', endDate: '2026-03-01T00:00:00+09:00' }))
  ).json()
  await post(ctx, `/sandbox/payment-agreements/${a.id}/approve`)
  t.match((await chargeOn(ctx, a.id, 1000)).json(), { failure: { failureCode: 'AGREEMENT_INACTIVE' } }, 'before startDate')
  ctx.clock.set(Date.parse('2026-02-10T00:00:00Z'))
  t.equal((await chargeOn(ctx, a.id, 1000)).json().status, 'CAPTURED')
  ctx.clock.set(Date.parse('2026-03-01T00:00:00Z'))
  t.match((await chargeOn(ctx, a.id, 1000)).json(), { failure: { failureCode: 'AGREEMENT_INACTIVE' } }, 'after endDate')
  t.equal((await get(ctx, `/v1/payment-agreements/${a.id}`)).endDate, '2026-02-28T15:00:00.000Z')
})

t.test("KakaoPay's properties and PPRO's schema at sign-up", async (t) => {
  const ctx = await buildTestApp(t)
  const declines: Array<[Record<string, unknown>, string]> = [
    [{ consumer: { name: 'Jane', country: 'US' } }, 'COUNTRY_NOT_SUPPORTED'],
    [{ amount: { value: 10, currency: 'USD' } }, 'INVALID_CURRENCY'],
    [{ authenticationSettings: [] }, 'INVALID_AUTHENTICATION_SETTINGS'],
    [{ authenticationSettings: [{ type: 'REDIRECT' }] }, 'INVALID_AUTHENTICATION_SETTINGS'],
    [{ paymentMethod: 'CARD' }, 'INVALID_PAYMENT_METHOD'],
  ]
  for (const [overrides, code] of declines) {
    const res = await post(ctx, '/v1/payment-agreements', agreementBody(overrides))
    t.equal(res.statusCode, 200)
    t.match(res.json(), { status: 'FAILED', failure: { failureType: 'INTERNAL_DECLINE', failureCode: code } }, code)
    t.notOk('authenticationMethods' in res.json())
  }
  const errors: Array<[Record<string, unknown>, RegExp]> = [
    [{ consumer: { name: 'x' } }, /^consumer\.country is required$/],
    [{ paymentMethod: 'kakaopay' }, /^paymentMethod must match the pattern/],
    [{ frequency: { type: 'HOURLY' } }, /^frequency\.type must be one of DAILY, WEEKLY, MONTHLY, YEARLY$/],
    [{ startDate: 'tomorrow' }, /^startDate /],
    [{ description: 'x'.repeat(101) }, /^description must be at most 100 characters$/],
    [
      { initialPaymentCharge: { amount: { value: 1000, currency: 'KRW' }, autoCapture: false } },
      /initialPaymentCharge\.autoCapture: false is not supported/,
    ],
    [{ initialPaymentCharge: {} }, /^initialPaymentCharge\.amount is required$/],
  ]
  for (const [overrides, message] of errors) {
    const res = await post(ctx, '/v1/payment-agreements', agreementBody(overrides))
    t.equal(res.statusCode, 400, String(message))
    t.match(res.json().failureMessage, message)
  }
  t.equal(ctx.store.agreementsOf('merch_test_A').length, declines.length, 'nothing stored for a 400')
  const a = (await post(ctx, '/v1/payment-agreements', agreementBody())).json()
  const confirm = await post(ctx, `/v1/payment-agreements/${a.id}/authorizations`, { authenticationResult: { details: {} } })
  t.equal(confirm.statusCode, 400)
  t.match(confirm.json().failureMessage, /uses REDIRECT authentication/)
  t.equal((await post(ctx, `/v1/payment-agreements/${a.id}/payment-charges`, {})).statusCode, 400, 'amount is required')
})

t.test('merchants are isolated; idempotency keys work on agreement POSTs', async (t) => {
  const ctx = await buildTestApp(t)
  const key = { 'request-idempotency-key': 'agr-1' }
  const first = await post(ctx, '/v1/payment-agreements', agreementBody(), key)
  const again = await post(ctx, '/v1/payment-agreements', agreementBody(), key)
  t.equal(again.headers['request-idempotency'], 'true')
  t.equal(again.body, first.body)
  const a = first.json()
  t.equal(ctx.store.agreementsOf('merch_test_A').length, 1)

  t.equal((await ctx.call({ method: 'GET', url: `/v1/payment-agreements/${a.id}`, headers: OTHER_AUTH })).statusCode, 404)
  t.equal(
    (await post(ctx, `/v1/payment-agreements/${a.id}/payment-charges`, { amount: { value: 1000, currency: 'KRW' } }, OTHER_AUTH))
      .statusCode,
    404,
  )
  t.equal((await post(ctx, `/v1/payment-agreements/${a.id}/revocations`, {}, OTHER_AUTH)).statusCode, 404)
  t.equal((await post(ctx, `/sandbox/payment-agreements/${a.id}/approve`, undefined, OTHER_AUTH)).statusCode, 404)

  await post(ctx, `/sandbox/payment-agreements/${a.id}/approve`)
  const k2 = { 'request-idempotency-key': 'renewal-2026-02' }
  const c1 = await post(ctx, `/v1/payment-agreements/${a.id}/payment-charges`, { amount: { value: 1000, currency: 'KRW' } }, k2)
  const c2 = await post(ctx, `/v1/payment-agreements/${a.id}/payment-charges`, { amount: { value: 1000, currency: 'KRW' } }, k2)
  t.equal(c2.headers['request-idempotency'], 'true')
  t.equal(c2.json().id, c1.json().id)
  t.equal((await get(ctx, `/v1/payment-charges?agreementId=${a.id}`)).data.length, 1, 'charged once')
  t.same((await ctx.call({ method: 'GET', url: `/v1/payment-charges?agreementId=${a.id}`, headers: OTHER_AUTH })).json().data, [])

  const reset = await ctx.call({ method: 'DELETE', url: '/sandbox/data' })
  t.match(reset.json(), { deleted: { agreements: 1, charges: 1 } })
  t.equal((await ctx.call({ method: 'GET', url: `/v1/payment-agreements/${a.id}` })).statusCode, 404)
})

t.test('a rejected initial charge rejects the whole sign-up and stores nothing', async (t) => {
  const ctx = await buildTestApp(t)
  const res = await post(
    ctx,
    '/v1/payment-agreements',
    agreementBody({ initialPaymentCharge: { amount: { value: -100, currency: 'KRW' } } }),
  )
  t.equal(res.statusCode, 422)
  t.match(res.json(), { status: 422, failureMessage: 'initialPaymentCharge.amount.value must not be negative' })
  t.same(ctx.store.agreementsOf('merch_test_A'), [], 'no agreement')
  t.same(ctx.store.chargesOf('merch_test_A'), [], 'no charge')
  t.same(ctx.events, [], 'no events')
})

t.test("an agreement's webhooksUrl receives its charges' events too", async (t) => {
  const hook = await receiver(t)
  const ctx = await buildTestApp(t)
  const a = (await post(ctx, '/v1/payment-agreements', agreementBody({ webhooksUrl: hook.url }))).json()
  await post(ctx, `/sandbox/payment-agreements/${a.id}/approve`)
  const c = (await chargeOn(ctx, a.id, 1000)).json()
  await ctx.app.sandbox.webhooks.idle()
  t.same(
    hook.received.filter((r) => r.json.subject === c.id).map((r) => r.json.type),
    ['PAYMENT_CHARGE_CREATED', 'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED', 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED'],
  )
  t.ok(hook.received.some((r) => r.json.type === 'PAYMENT_AGREEMENT_ACTIVE'))
})
