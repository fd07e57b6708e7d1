import t, { type Test } from 'tap'
import type { InjectOptions } from 'fastify'
import { ConfigError, loadConfig } from '../../src/config.js'
import { buildTestApp, MERCHANT, OTHER_AUTH, type TestApp } from '../helpers/app.js'
import { schemaErrors } from '../helpers/openapi.js'

const RETURN_URL = 'https://www.webshop.com/order-results-page'
const MERGE_PATCH = { 'content-type': 'application/merge-patch+json' }

/** A session as a drop-in checkout's server creates it for a one-time KakaoPay payment. */
function sessionBody(overrides: Record<string, unknown> = {}) {
  return {
    amount: { value: 15000, currency: 'KRW' },
    consumer: { name: 'Kim Minji', country: 'KR' },
    recurring: false,
    paymentDescriptor: 'Webshop - ORDER 1234',
    merchantPaymentChargeReference: 'order-1234',
    authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: RETURN_URL } }],
    ...overrides,
  }
}

const REQUEST_SCHEMAS: Record<string, string> = { create: 'CreationRequest', patch: 'PatchRequest', authorize: 'AuthorizationRequest' }

/**
 * Sends a request to a session route after checking its body against the sessions file (published and
 * strict): every request these tests send is one PPRO's file allows, unless it is marked as one the
 * file itself refuses (`breaks: 'file'`) or one only the strict copy refuses (`breaks: 'strict'`, an
 * unknown field), and the test asserts that too.
 */
async function send(
  t: Test,
  ctx: TestApp,
  kind: 'create' | 'patch' | 'authorize',
  url: string,
  body: Record<string, unknown>,
  opts: { headers?: Record<string, string>; breaks?: 'file' | 'strict' } = {},
) {
  // As sent: fields left undefined are not in the JSON.
  const payload = JSON.parse(JSON.stringify(body)) as Record<string, unknown>
  const errors = schemaErrors('sessions', REQUEST_SCHEMAS[kind]!, payload)
  if (!opts.breaks) t.same(errors, [], `${kind} request conforms to ${REQUEST_SCHEMAS[kind]}`)
  else if (opts.breaks === 'strict')
    t.ok(errors.length > 0 && errors.every((e) => e.startsWith('strict:')), 'only the strict copy refuses it')
  else
    t.ok(
      errors.some((e) => e.startsWith('published:')),
      'the published file refuses it too',
    )
  const request: InjectOptions = {
    method: kind === 'patch' ? 'PATCH' : 'POST',
    url,
    headers: { ...(kind === 'patch' ? MERGE_PATCH : {}), ...(opts.headers ?? {}) },
    payload: JSON.stringify(payload),
  }
  if (kind !== 'patch') request.headers = { 'content-type': 'application/json', ...request.headers }
  return ctx.call(request)
}

const get = async (ctx: TestApp, url: string, headers?: Record<string, string>) =>
  ctx.call({ method: 'GET', url, ...(headers ? { headers } : {}) })
const page = (ctx: TestApp, id: string, action: string) =>
  ctx.app.inject({
    method: 'POST',
    url: `/checkout/${id}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `action=${action}`,
  })
const createSession = async (t: Test, ctx: TestApp, overrides: Record<string, unknown> = {}) => {
  const res = await send(t, ctx, 'create', '/v1/payment-sessions', sessionBody(overrides))
  t.equal(res.statusCode, 200, 'session created')
  return res.json() as Record<string, any> & { id: string }
}
const authorize = (
  t: Test,
  ctx: TestApp,
  id: string,
  body: Record<string, unknown> = { paymentMethod: 'KAKAOPAY' },
  headers?: Record<string, string>,
) => send(t, ctx, 'authorize', `/v1/payment-sessions/${id}/authorizations`, body, headers ? { headers } : {})

t.test('one-time: create, patch, authorize into a charge, approve on the page, read the session and the charge', async (t) => {
  const ctx = await buildTestApp(t)
  const created = await createSession(t, ctx, { order: { orderReferenceNumber: 'ref-1234' }, labels: { channel: 'drop-in' } })
  t.same(created, {
    id: 'sess_000000000000000000001',
    status: 'INITIATED',
    amount: { value: 15000, currency: 'KRW' },
    paymentDescriptor: 'Webshop - ORDER 1234',
    recurring: false,
    consumer: { name: 'Kim Minji', country: 'KR' },
    hasInitialPaymentCharge: false,
    availablePaymentMethods: [{ name: 'KAKAOPAY', recommended: true }],
    expiresAt: '2026-01-15T10:00:00.000Z',
    createdAt: '2026-01-15T09:00:00.000Z',
    labels: { channel: 'drop-in' },
  })

  ctx.clock.advance(10_000)
  const patched = await send(t, ctx, 'patch', `/v1/payment-sessions/${created.id}`, {
    amount: { value: 12000, currency: 'KRW' },
    paymentDescriptor: 'Webshop - ORDER 1234 (one item removed)',
    order: { orderItems: [{ name: 'Coffee beans', quantity: 1, amount: 12000 }] },
  })
  t.equal(patched.statusCode, 200)
  t.same(patched.json(), {
    ...created,
    amount: { value: 12000, currency: 'KRW' },
    paymentDescriptor: 'Webshop - ORDER 1234 (one item removed)',
  })

  ctx.clock.advance(10_000)
  const authorized = await authorize(t, ctx, created.id)
  t.equal(authorized.statusCode, 200)
  const answer = authorized.json()
  const chargeId = answer.data.id
  t.same(answer, {
    id: created.id,
    status: 'AUTHENTICATION_PENDING',
    data: { type: 'CHARGE', id: 'charge_000000000000000000003', status: 'AUTHENTICATION_PENDING' },
    authenticationMethods: [
      { type: 'REDIRECT', details: { requestUrl: `http://localhost:8080/checkout/${chargeId}`, requestMethod: 'GET' } },
    ],
  })

  // The charge is an ordinary one: the session's settings and the patch, on PPRO's charge.
  const pending = (await get(ctx, `/v1/payment-charges/${chargeId}`)).json()
  t.match(pending, {
    id: chargeId,
    paymentMethod: 'KAKAOPAY',
    status: 'AUTHENTICATION_PENDING',
    paymentDescriptor: 'Webshop - ORDER 1234 (one item removed)',
    order: { orderReferenceNumber: 'ref-1234', orderItems: [{ name: 'Coffee beans', quantity: 1, amount: 12000 }] },
    labels: { channel: 'drop-in' },
    authorizations: [{ amount: 12000, status: 'AUTHENTICATION_PENDING', merchantPaymentChargeReference: 'order-1234' }],
  })
  t.match((await ctx.app.inject({ method: 'GET', url: `/checkout/${chargeId}` })).body, /12,000원/, 'the approval page shows the amount')

  ctx.clock.advance(30_000)
  const approved = await page(ctx, chargeId, 'approve')
  t.equal(approved.statusCode, 303)
  t.equal(approved.headers.location, RETURN_URL)

  const session = await get(ctx, `/v1/payment-sessions/${created.id}`)
  t.equal(session.statusCode, 200)
  t.same(session.json(), {
    id: created.id,
    amount: { value: 12000, currency: 'KRW' },
    recurring: false,
    consumer: { name: 'Kim Minji', country: 'KR' },
    expiresAt: '2026-01-15T10:00:00.000Z',
    createdAt: '2026-01-15T09:00:00.000Z',
    status: 'SUCCEEDED',
    labels: { channel: 'drop-in' },
    paymentCharge: {
      id: chargeId,
      paymentMethod: 'KAKAOPAY',
      currency: 'KRW',
      country: 'KR',
      paymentDescriptor: 'Webshop - ORDER 1234 (one item removed)',
      status: 'CAPTURED',
      createdAt: '2026-01-15T09:00:20.000Z',
      updatedAt: '2026-01-15T09:00:50.000Z',
      labels: { channel: 'drop-in' },
    },
  })
  t.match((await get(ctx, `/v1/payment-charges/${chargeId}`)).json(), {
    status: 'CAPTURED',
    authorizations: [{ status: 'AUTHORIZED' }],
    captures: [{ amount: 12000, status: 'CAPTURED' }],
  })

  // Refunds work on it unchanged; the session stays SUCCEEDED.
  const refund = await ctx.call({ method: 'POST', url: `/v1/payment-charges/${chargeId}/refunds`, payload: { amount: 12000 } })
  t.equal(refund.json().status, 'REFUNDED')
  t.equal((await get(ctx, `/v1/payment-sessions/${created.id}`)).json().status, 'SUCCEEDED')

  // Every event of the session's charge names the session, as PPRO's webhook schemas carry it.
  const events = ctx.events.filter((e) => e.chargeId === chargeId)
  t.same(
    events.map((e) => e.type),
    [
      'PAYMENT_CHARGE_CREATED',
      'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
      'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED',
      'PAYMENT_CHARGE_CAPTURE_SUCCEEDED',
      'PAYMENT_CHARGE_REFUND_SUCCEEDED',
    ],
  )
  for (const e of events) t.equal(e.data.paymentSessionId, created.id, `${e.type} carries paymentSessionId`)
  const hooks = (await get(ctx, `/sandbox/webhooks?chargeId=${chargeId}`)).json().data as Array<{
    payload: { data: Record<string, unknown> }
  }>
  t.equal(hooks.length, 5)
  for (const h of hooks) t.equal(h.payload.data.paymentSessionId, created.id, 'and so does the webhook body as sent')
  t.ok(ctx.checked() >= 6, 'the replies were checked against the sessions and charges files')
})

t.test('the session follows its charge: declined on the page, or timed out, the session FAILED', async (t) => {
  const ctx = await buildTestApp(t)
  const a = await createSession(t, ctx)
  const charge = (await authorize(t, ctx, a.id)).json().data.id
  await ctx.call({ method: 'POST', url: `/sandbox/payment-charges/${charge}/decline`, payload: { failureCode: 'INSUFFICIENT_FUNDS' } })
  t.match((await get(ctx, `/v1/payment-sessions/${a.id}`)).json(), {
    status: 'FAILED',
    paymentCharge: { status: 'FAILED', failure: { failureType: 'PROVIDER_DECLINE', failureCode: 'INSUFFICIENT_FUNDS' } },
  })

  const b = await createSession(t, ctx)
  const other = (await authorize(t, ctx, b.id)).json().data.id
  await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 900 } })
  t.match((await get(ctx, `/v1/payment-sessions/${b.id}`)).json(), { status: 'FAILED', paymentCharge: { id: other, status: 'DISCARDED' } })
  t.notOk('authenticationMethods' in (await get(ctx, `/v1/payment-sessions/${b.id}`)).json().paymentCharge)
})

t.test("KakaoPay's properties apply at authorization; a method the session does not offer is refused", async (t) => {
  const ctx = await buildTestApp(t)
  const small = await createSession(t, ctx, { amount: { value: 10, currency: 'KRW' } })
  const declined = await authorize(t, ctx, small.id)
  t.equal(declined.statusCode, 200, 'a decline is not an HTTP error')
  t.same(declined.json(), {
    id: small.id,
    status: 'FAILED',
    data: { type: 'CHARGE', id: 'charge_000000000000000000003', status: 'FAILED' },
    failure: {
      failureType: 'INTERNAL_DECLINE',
      failureCode: 'AMOUNT_NOT_SUPPORTED',
      failureMessage: 'The amount is outside the range the payment method supports',
      isRetryable: false,
    },
  })

  const noReturnUrl = await createSession(t, ctx, { authenticationSettings: undefined })
  t.match((await authorize(t, ctx, noReturnUrl.id)).json(), {
    status: 'FAILED',
    failure: { failureCode: 'INVALID_AUTHENTICATION_SETTINGS' },
  })

  // PPRO's simulator amounts decline at the provider, after the consumer approved.
  const simulated = await createSession(t, ctx, { amount: { value: 300002, currency: 'KRW' } })
  const simCharge = (await authorize(t, ctx, simulated.id)).json().data.id
  await page(ctx, simCharge, 'approve')
  t.match((await get(ctx, `/v1/payment-sessions/${simulated.id}`)).json(), {
    status: 'FAILED',
    paymentCharge: { failure: { failureCode: 'INSUFFICIENT_FUNDS' } },
  })

  const open = await createSession(t, ctx)
  const paypal = await authorize(t, ctx, open.id, { paymentMethod: 'PAYPAL' })
  t.equal(paypal.statusCode, 400)
  t.equal(
    paypal.json().failureMessage,
    `paymentMethod: payment session ${open.id} does not offer PAYPAL; its availablePaymentMethods are KAKAOPAY`,
  )
  t.equal((await get(ctx, `/v1/payment-sessions/${open.id}`)).json().status, 'INITIATED', 'the refusal changed nothing')

  const abroad = await createSession(t, ctx, { consumer: { name: 'John Smith', country: 'DE' } })
  t.same(abroad.availablePaymentMethods, [], 'KakaoPay serves KR consumers only')
  const dollars = await createSession(t, ctx, { amount: { value: 1500, currency: 'USD' } })
  t.same(dollars.availablePaymentMethods, [], 'KakaoPay processes KRW only')
  t.equal((await authorize(t, ctx, dollars.id)).statusCode, 400)

  // autoCapture: false is refused as on a direct charge, before anything is created.
  const manual = await createSession(t, ctx, { autoCapture: false })
  const refused = await authorize(t, ctx, manual.id)
  t.equal(refused.statusCode, 400)
  t.match(refused.json().failureMessage, /^autoCapture: false is not supported/)
  t.equal((await get(ctx, `/v1/payment-sessions/${manual.id}`)).json().status, 'INITIATED')

  // An amount at authorization may be smaller than the session's, never larger or in another currency.
  const partial = await createSession(t, ctx)
  t.equal((await authorize(t, ctx, partial.id, { paymentMethod: 'KAKAOPAY', amount: { value: 15001, currency: 'KRW' } })).statusCode, 400)
  const smaller = (await authorize(t, ctx, partial.id, { paymentMethod: 'KAKAOPAY', amount: { value: 9000, currency: 'KRW' } })).json()
  t.match((await get(ctx, `/v1/payment-charges/${smaller.data.id}`)).json(), { authorizations: [{ amount: 9000 }] })
})

t.test('recurring: authorized into an agreement, approved on the page, then a merchant-initiated renewal', async (t) => {
  const ctx = await buildTestApp(t)
  const created = await createSession(t, ctx, {
    recurring: true,
    amount: { value: 9900, currency: 'KRW' },
    amountType: 'MAX',
    paymentDescriptor: 'Coffee subscription',
    merchantPaymentChargeReference: undefined,
    merchantPaymentAgreementReference: 'sub-1',
    frequency: { type: 'MONTHLY', interval: 1 },
    initialPaymentCharge: {
      amount: { value: 9900, currency: 'KRW' },
      paymentDescriptor: 'First month',
      merchantPaymentChargeReference: 'sub-1-m1',
    },
  })
  t.match(created, {
    recurring: true,
    amountType: 'MAX',
    hasInitialPaymentCharge: true,
    initialPaymentCharge: { amount: { value: 9900, currency: 'KRW' }, paymentDescriptor: 'First month' },
    availablePaymentMethods: [{ name: 'KAKAOPAY' }],
  })

  const answer = (await authorize(t, ctx, created.id)).json()
  const agreementId = answer.data.id
  t.same(answer, {
    id: created.id,
    status: 'AUTHENTICATION_PENDING',
    data: {
      type: 'AGREEMENT',
      id: 'agr_000000000000000000002',
      status: 'AUTHENTICATION_PENDING',
      initialPaymentChargeId: 'charge_000000000000000000008',
      initialPaymentCharge: {
        id: 'charge_000000000000000000008',
        paymentDescriptor: 'First month',
        amount: { value: 9900, currency: 'KRW' },
      },
    },
    authenticationMethods: [
      { type: 'REDIRECT', details: { requestUrl: `http://localhost:8080/checkout/${agreementId}`, requestMethod: 'GET' } },
    ],
  })
  const pending = (await get(ctx, `/v1/payment-sessions/${created.id}`)).json()
  t.match(pending, {
    status: 'AUTHENTICATION_PENDING',
    paymentAgreement: {
      id: agreementId,
      status: 'AUTHENTICATION_PENDING',
      description: 'Coffee subscription',
      frequency: { type: 'MONTHLY', interval: 1 },
      amount: { value: 9900, currency: 'KRW' },
      amountType: 'MAX',
      authenticationMethods: [{ type: 'REDIRECT' }],
    },
  })
  t.notOk('paymentCharge' in pending)
  t.match((await ctx.app.inject({ method: 'GET', url: `/checkout/${agreementId}` })).body, /Register a recurring payment/)

  ctx.clock.advance(60_000)
  t.equal((await page(ctx, agreementId, 'approve')).headers.location, RETURN_URL)
  const session = (await get(ctx, `/v1/payment-sessions/${created.id}`)).json()
  t.match(session, { status: 'SUCCEEDED', paymentAgreement: { status: 'ACTIVE', instrumentId: /^instr_[A-Za-z0-9]{21}$/ } })
  t.match((await get(ctx, `/v1/payment-agreements/${agreementId}`)).json(), {
    status: 'ACTIVE',
    initialPaymentChargeId: 'charge_000000000000000000008',
  })
  t.match((await get(ctx, '/v1/payment-charges/charge_000000000000000000008')).json(), {
    status: 'CAPTURED',
    agreementId,
    captures: [{ amount: 9900 }],
  })

  ctx.clock.advance(30 * 86_400_000)
  const renewal = await ctx.call({
    method: 'POST',
    url: `/v1/payment-agreements/${agreementId}/payment-charges`,
    payload: { amount: { value: 9900, currency: 'KRW' }, scheduleType: 'SCHEDULED', merchantPaymentChargeReference: 'sub-1-m2' },
  })
  t.match(renewal.json(), { status: 'CAPTURED', instrumentId: session.paymentAgreement.instrumentId, captures: [{ amount: 9900 }] })
  t.equal(
    (await get(ctx, `/v1/payment-sessions/${created.id}`)).json().status,
    'SUCCEEDED',
    'the session is done; renewals are the agreement’s',
  )

  const agreementEvents = ctx.events.filter((e) => e.subject === agreementId)
  t.same(
    agreementEvents.map((e) => e.type),
    ['PAYMENT_AGREEMENT_CREATED', 'PAYMENT_AGREEMENT_AUTHENTICATION_PENDING', 'PAYMENT_AGREEMENT_ACTIVE'],
  )
  for (const e of agreementEvents) t.equal(e.data.paymentSessionId, created.id, `${e.type} carries paymentSessionId`)
  for (const e of ctx.events.filter((e) => e.chargeId === 'charge_000000000000000000008'))
    t.equal(e.data.paymentSessionId, created.id, `initial charge's ${e.type} carries paymentSessionId`)
  const renewalEvents = ctx.events.filter((e) => e.chargeId === renewal.json().id)
  t.ok(renewalEvents.length > 0)
  for (const e of renewalEvents) t.notOk('paymentSessionId' in JSON.parse(JSON.stringify(e.data)), `renewal ${e.type} is not the session's`)

  // Revoking later leaves the session SUCCEEDED: it shows the agreement as it is now.
  await ctx.call({ method: 'POST', url: `/v1/payment-agreements/${agreementId}/revocations`, payload: {} })
  t.match((await get(ctx, `/v1/payment-sessions/${created.id}`)).json(), {
    status: 'SUCCEEDED',
    paymentAgreement: { status: 'REVOKED_BY_MERCHANT' },
  })
})

t.test('expiry on the sandbox clock: an expired session refuses authorization and patching', async (t) => {
  const ctx = await buildTestApp(t)
  const s = await createSession(t, ctx)
  await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 3599 } })
  t.equal((await get(ctx, `/v1/payment-sessions/${s.id}`)).json().status, 'INITIATED', 'a second before expiresAt')
  await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 1 } })
  t.same((await get(ctx, `/v1/payment-sessions/${s.id}`)).json(), {
    id: s.id,
    amount: { value: 15000, currency: 'KRW' },
    recurring: false,
    consumer: { name: 'Kim Minji', country: 'KR' },
    expiresAt: '2026-01-15T10:00:00.000Z',
    createdAt: '2026-01-15T09:00:00.000Z',
    status: 'EXPIRED',
  })
  const auth = await authorize(t, ctx, s.id)
  t.equal(auth.statusCode, 400)
  t.same(auth.json(), {
    status: 400,
    failureMessage: `payment session ${s.id} expired at 2026-01-15T10:00:00.000Z: it can no longer be authorized`,
    timestamp: '2026-01-15T10:00:00.000Z',
  })
  const patch = await send(t, ctx, 'patch', `/v1/payment-sessions/${s.id}`, { paymentDescriptor: 'late' })
  t.equal(patch.statusCode, 400)
  t.equal(patch.json().failureMessage, `payment session ${s.id} expired at 2026-01-15T10:00:00.000Z: it can no longer be changed`)
  t.equal(ctx.store.chargesOf(MERCHANT).length, 0, 'nothing was authorized')
})

t.test('POST /sandbox/payment-sessions/{id}/expire ends a session now; an authorized one cannot expire', async (t) => {
  const ctx = await buildTestApp(t)
  const s = await createSession(t, ctx)
  const expired = await ctx.call({ method: 'POST', url: `/sandbox/payment-sessions/${s.id}/expire` })
  t.equal(expired.statusCode, 200)
  t.match(expired.json(), { id: s.id, status: 'EXPIRED', expiresAt: '2026-01-15T09:00:00.000Z' }, 'expiresAt brought forward to now')
  const again = await ctx.call({ method: 'POST', url: `/sandbox/payment-sessions/${s.id}/expire` })
  t.equal(again.statusCode, 409)
  t.equal(again.json().failureMessage, `payment session ${s.id} is EXPIRED: only a session not yet authorized (INITIATED) can expire`)
  const other = await ctx.call({ method: 'POST', url: `/sandbox/payment-sessions/${s.id}/expire`, headers: OTHER_AUTH })
  t.equal(other.statusCode, 404)
  t.equal((await authorize(t, ctx, s.id)).statusCode, 400)
})

t.test('the lifetime is configurable, and an authorized session does not expire', async (t) => {
  t.equal(loadConfig({}).sessionLifetimeSeconds, 3600, 'one hour by default')
  t.equal(loadConfig({ SESSION_LIFETIME_SECONDS: '120' }).sessionLifetimeSeconds, 120)
  t.throws(() => loadConfig({ SESSION_LIFETIME_SECONDS: '0' }), ConfigError)
  t.match(
    t.throws(() => loadConfig({ SESSION_LIFETIME_SECONDS: 'soon' })),
    { message: /SESSION_LIFETIME_SECONDS/ },
  )
  const ctx = await buildTestApp(t, { config: { sessionLifetimeSeconds: 60 } })
  const s = await createSession(t, ctx)
  t.equal(s.expiresAt, '2026-01-15T09:01:00.000Z')
  const authorized = await createSession(t, ctx)
  await authorize(t, ctx, authorized.id)
  ctx.clock.advance(60_000)
  t.equal((await get(ctx, `/v1/payment-sessions/${s.id}`)).json().status, 'EXPIRED', 'expired by the clock itself, at the next request')
  t.equal((await get(ctx, `/v1/payment-sessions/${authorized.id}`)).json().status, 'AUTHENTICATION_PENDING')
})

t.test('a session authorizes once: a second attempt is refused, an idempotent retry replays', async (t) => {
  const ctx = await buildTestApp(t)
  const s = await createSession(t, ctx)
  const key = { 'request-idempotency-key': 'authorize-1' }
  const first = await authorize(t, ctx, s.id, { paymentMethod: 'KAKAOPAY' }, key)
  t.equal(first.statusCode, 200)
  const chargeId = first.json().data.id
  await page(ctx, chargeId, 'approve')

  const retry = await authorize(t, ctx, s.id, { paymentMethod: 'KAKAOPAY' }, key)
  t.equal(retry.statusCode, 200)
  t.equal(retry.headers['request-idempotency'], 'true')
  t.equal(retry.body, first.body, 'byte for byte the first answer')

  const second = await authorize(t, ctx, s.id, { paymentMethod: 'KAKAOPAY' }, { 'request-idempotency-key': 'authorize-2' })
  t.equal(second.statusCode, 400)
  t.equal(
    second.json().failureMessage,
    `payment session ${s.id} is SUCCEEDED: it was already authorized into payment charge ${chargeId} and can no longer be authorized`,
  )
  const patch = await send(t, ctx, 'patch', `/v1/payment-sessions/${s.id}`, { amount: { value: 1, currency: 'KRW' } })
  t.equal(patch.statusCode, 400, 'an authorized session cannot be patched')
  t.equal(ctx.store.chargesOf(MERCHANT).length, 1, 'one charge')
  t.match((await get(ctx, `/v1/payment-sessions/${s.id}`)).json(), {
    status: 'SUCCEEDED',
    amount: { value: 15000 },
    paymentCharge: { id: chargeId },
  })

  // The create is idempotent too.
  const h = { 'request-idempotency-key': 'create-1' }
  const c1 = await send(t, ctx, 'create', '/v1/payment-sessions', sessionBody(), { headers: h })
  const c2 = await send(t, ctx, 'create', '/v1/payment-sessions', sessionBody(), { headers: h })
  t.equal(c2.headers['request-idempotency'], 'true')
  t.equal(c2.body, c1.body)
  const c3 = await send(t, ctx, 'create', '/v1/payment-sessions', sessionBody({ recurring: true }), { headers: h })
  t.equal(c3.statusCode, 409)
})

t.test("another merchant's session is 404 on every route", async (t) => {
  const ctx = await buildTestApp(t)
  const s = await createSession(t, ctx)
  const message = { status: 404, failureMessage: `payment session ${s.id} not found`, timestamp: '2026-01-15T09:00:00.000Z' }
  const read = await get(ctx, `/v1/payment-sessions/${s.id}`, OTHER_AUTH)
  t.equal(read.statusCode, 404)
  t.same(read.json(), message)
  const patch = await send(t, ctx, 'patch', `/v1/payment-sessions/${s.id}`, { paymentDescriptor: 'x' }, { headers: OTHER_AUTH })
  t.same([patch.statusCode, patch.json()], [404, message])
  const auth = await authorize(t, ctx, s.id, { paymentMethod: 'KAKAOPAY' }, OTHER_AUTH)
  t.same([auth.statusCode, auth.json()], [404, message])
  t.equal((await get(ctx, `/v1/payment-sessions/${s.id}`)).json().status, 'INITIATED', 'the owner still has it, untouched')
  t.equal((await get(ctx, '/v1/payment-sessions/sess_000000000000000000099')).statusCode, 404)
  t.equal((await ctx.app.inject({ method: 'GET', url: `/v1/payment-sessions/${s.id}` })).statusCode, 401, 'no credentials')
})

t.test('schema errors, unknown fields, content types and semantic errors, as on the other routes', async (t) => {
  const ctx = await buildTestApp(t)
  const { recurring: _recurring, ...noRecurring } = sessionBody()
  const missing = await send(t, ctx, 'create', '/v1/payment-sessions', noRecurring, { breaks: 'file' })
  t.equal(missing.statusCode, 400)
  t.equal(missing.json().failureMessage, 'recurring is required')

  const typo = await send(t, ctx, 'create', '/v1/payment-sessions', { ...sessionBody(), paymentDescripter: 'typo' }, { breaks: 'strict' })
  t.equal(typo.statusCode, 200)
  t.equal(typo.headers['sandbox-warning'], 'ignored unknown field(s): paymentDescripter')

  const negative = await send(t, ctx, 'create', '/v1/payment-sessions', sessionBody({ amount: { value: -1, currency: 'KRW' } }))
  t.equal(negative.statusCode, 422)
  t.equal(negative.json().failureMessage, 'amount.value must not be negative')

  const existing = await send(t, ctx, 'create', '/v1/payment-sessions', sessionBody({ paymentAgreementId: 'agr_000000000000000000001' }))
  t.equal(existing.statusCode, 400)
  t.match(existing.json().failureMessage, /^paymentAgreementId: paying with an existing agreement through a session is not simulated/)

  const s = typo.json()
  const patchTypo = await send(
    t,
    ctx,
    'patch',
    `/v1/payment-sessions/${s.id}`,
    { paymentDescriptor: 'ok', amonut: 1 },
    { breaks: 'strict' },
  )
  t.equal(patchTypo.statusCode, 200)
  t.equal(patchTypo.headers['sandbox-warning'], 'ignored unknown field(s): amonut')
  t.equal(patchTypo.json().paymentDescriptor, 'ok')

  const badPatch = await send(
    t,
    ctx,
    'patch',
    `/v1/payment-sessions/${s.id}`,
    { amount: { value: '1', currency: 'KRW' } },
    { breaks: 'file' },
  )
  t.equal(badPatch.statusCode, 400)
  t.equal(badPatch.json().failureMessage, 'amount.value must be a number')

  const json = await ctx.call({ method: 'PATCH', url: `/v1/payment-sessions/${s.id}`, payload: { paymentDescriptor: 'x' } })
  t.equal(json.statusCode, 415)
  t.equal(
    json.json().failureMessage,
    'Content-Type "application/json" is not supported on PATCH: send application/merge-patch+json (RFC 7396)',
  )
  t.equal((await get(ctx, `/v1/payment-sessions/${s.id}`)).json().status, 'INITIATED')
  const empty = await ctx.call({ method: 'PATCH', url: `/v1/payment-sessions/${s.id}`, headers: MERGE_PATCH, payload: '' })
  t.same([empty.statusCode, empty.json().failureMessage], [400, 'the request body is required'])
  const nothing = await send(t, ctx, 'patch', `/v1/payment-sessions/${s.id}`, {})
  t.same([nothing.statusCode, nothing.json().paymentDescriptor], [200, 'ok'], 'an empty merge patch changes nothing')
  const del = await ctx.call({ method: 'DELETE', url: `/v1/payment-sessions/${s.id}` })
  t.equal(del.statusCode, 405)
  t.equal(del.headers.allow, 'GET, PATCH')

  const noMethod = await send(t, ctx, 'authorize', `/v1/payment-sessions/${s.id}/authorizations`, {}, { breaks: 'file' })
  t.equal(noMethod.statusCode, 400)
  t.equal(noMethod.json().failureMessage, 'paymentMethod is required')
  const redirectAtAuth = await send(
    t,
    ctx,
    'authorize',
    `/v1/payment-sessions/${s.id}/authorizations`,
    { paymentMethod: 'KAKAOPAY', authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: RETURN_URL } }] },
    { breaks: 'file' },
  )
  t.equal(redirectAtAuth.statusCode, 400, 'authorization-time settings are MULTI_FACTOR or APP_NOTIFICATION, as the file says')
  t.equal((await get(ctx, `/v1/payment-sessions/${s.id}`)).json().status, 'INITIATED', 'bad requests changed nothing')

  const strict = await buildTestApp(t, { config: { strictRequests: true } })
  const refused = await send(
    t,
    strict,
    'create',
    '/v1/payment-sessions',
    { ...sessionBody(), paymentDescripter: 'typo' },
    { breaks: 'strict' },
  )
  t.equal(refused.statusCode, 400)
  t.equal(refused.json().failureMessage, 'the request body has unknown field(s): paymentDescripter')
})

t.test('patch merges objects into the session (RFC 7396) and re-decides the offered methods', async (t) => {
  const ctx = await buildTestApp(t)
  const s = await createSession(t, ctx, {
    recurring: true,
    order: { orderReferenceNumber: 'r-1', shippingAddress: { city: 'Seoul', country: 'KR' } },
    initialPaymentCharge: { amount: { value: 5000, currency: 'KRW' }, paymentDescriptor: 'first' },
  })
  const patched = (
    await send(t, ctx, 'patch', `/v1/payment-sessions/${s.id}`, {
      amountType: 'EXACT',
      order: { shippingAddress: { postalCode: '04524' } },
      initialPaymentCharge: { amount: { value: 6000, currency: 'KRW' } },
    })
  ).json()
  t.match(patched, { amountType: 'EXACT', initialPaymentCharge: { amount: { value: 6000, currency: 'KRW' }, paymentDescriptor: 'first' } })
  t.same(ctx.app.sandbox.sessions.get(MERCHANT, s.id).order, {
    orderReferenceNumber: 'r-1',
    shippingAddress: { city: 'Seoul', country: 'KR', postalCode: '04524' },
  })
  const usd = (await send(t, ctx, 'patch', `/v1/payment-sessions/${s.id}`, { amount: { value: 100, currency: 'USD' } })).json()
  t.same(usd.availablePaymentMethods, [], 'no KRW, no KakaoPay')
  const back = (
    await send(t, ctx, 'patch', `/v1/payment-sessions/${s.id}`, { amount: { value: 100, currency: 'KRW', type: 'MAX' } })
  ).json()
  t.same(
    [back.availablePaymentMethods, back.amountType, back.amount],
    [[{ name: 'KAKAOPAY', recommended: true }], 'MAX', { value: 100, currency: 'KRW' }],
  )
})

t.test('simulation keys work through a session: approved, then AUTHORIZING_INFLIGHT until the provider confirms', async (t) => {
  const ctx = await buildTestApp(t)
  const s = await createSession(t, ctx, { paymentDescriptor: 'providerConfirmation=true;providerConfirmationDelay=20s' })
  const charge = (await authorize(t, ctx, s.id)).json().data.id
  await page(ctx, charge, 'approve')
  t.match((await get(ctx, `/v1/payment-sessions/${s.id}`)).json(), {
    status: 'AUTHORIZING_INFLIGHT',
    paymentCharge: { status: 'AUTHORIZATION_ASYNC' },
  })
  ctx.clock.advance(20_000)
  t.match((await get(ctx, `/v1/payment-sessions/${s.id}`)).json(), { status: 'SUCCEEDED', paymentCharge: { status: 'CAPTURED' } })
})

t.test('recurring sign-up canceled on the page, or timed out: session and agreement FAILED', async (t) => {
  const ctx = await buildTestApp(t)
  const recurring = { recurring: true, merchantPaymentChargeReference: undefined }
  const canceled = await createSession(t, ctx, recurring)
  const agreement = (await authorize(t, ctx, canceled.id)).json().data.id
  await page(ctx, agreement, 'cancel')
  t.match((await get(ctx, `/v1/payment-sessions/${canceled.id}`)).json(), {
    status: 'FAILED',
    paymentAgreement: { status: 'FAILED', failure: { failureCode: 'CANCELED_BY_CONSUMER' } },
  })
  const late = await createSession(t, ctx, recurring)
  await authorize(t, ctx, late.id)
  ctx.clock.advance(900_000)
  t.match((await get(ctx, `/v1/payment-sessions/${late.id}`)).json(), {
    status: 'FAILED',
    paymentAgreement: { status: 'FAILED', failure: { failureCode: 'AUTHENTICATION_TIMEOUT' } },
  })
})

t.test("DELETE /sandbox/data forgets the merchant's sessions, and a forgotten session's expiry does nothing", async (t) => {
  const ctx = await buildTestApp(t)
  const s = await createSession(t, ctx)
  const kept = await send(t, ctx, 'create', '/v1/payment-sessions', sessionBody(), { headers: OTHER_AUTH })
  t.equal((await ctx.call({ method: 'DELETE', url: '/sandbox/data' })).statusCode, 200)
  t.equal((await get(ctx, `/v1/payment-sessions/${s.id}`)).statusCode, 404)
  ctx.clock.advance(3_600_000)
  t.equal((await get(ctx, `/v1/payment-sessions/${kept.json().id}`, OTHER_AUTH)).json().status, 'EXPIRED', "the other merchant's is kept")
})

t.test('concurrent authorizations of one session: exactly one goes through', async (t) => {
  const ctx = await buildTestApp(t)
  const s = await createSession(t, ctx)
  const answers = await Promise.all(
    Array.from({ length: 10 }, (_, i) => authorize(t, ctx, s.id, { paymentMethod: 'KAKAOPAY' }, { 'request-idempotency-key': `k-${i}` })),
  )
  t.same(answers.map((a) => a.statusCode).sort(), [200, 400, 400, 400, 400, 400, 400, 400, 400, 400])
  t.equal(ctx.store.chargesOf(MERCHANT).length, 1, 'one charge')
})
