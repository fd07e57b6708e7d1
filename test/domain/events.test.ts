import t from 'tap'
import type { AuthenticationSetting, Charge, CreateChargeInput } from '../../src/domain/charge.js'
import { ChargeEvent, type PproEvent } from '../../src/domain/events.js'
import { randomIds } from '../../src/domain/ids.js'
import { eventBody } from '../../src/webhooks/dispatcher.js'
import { buildTestApp, changedEventBodies, kakaoPayChargeRequest, MERCHANT } from '../helpers/app.js'

t.test('the guard on event bodies fails when a field an event reads changes after it was published', async (t) => {
  const ctx = await buildTestApp(t)
  const created = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })).json()
  const bodies = ctx.events.map((e) => eventBody(e))
  t.same(changedEventBodies(ctx.events, bodies), [], 'nothing changed yet')
  const charge = ctx.app.sandbox.charges.get('merch_test_A', created.id)
  const consumer = charge.consumer
  charge.consumer = { ...consumer, name: 'Someone Else' }
  t.same(changedEventBodies(ctx.events, bodies), [`PAYMENT_CHARGE_CREATED ${ctx.events[0]!.id}`], 'the CREATED event reads the consumer')
  charge.consumer = consumer
  t.same(changedEventBodies(ctx.events, bodies), [])
})

t.test('an event keeps its operation compactly, and reads it back exactly as it was given', async (t) => {
  const returnUrl = 'https://www.webshop.com/order-results-page'
  const variants: Array<[string, AuthenticationSetting[] | undefined]> = [
    ['the usual single REDIRECT', [{ type: 'REDIRECT', settings: { returnUrl } }]],
    ['settings before type', [{ settings: { returnUrl }, type: 'REDIRECT' }]],
    ['another setting beside the returnUrl', [{ type: 'REDIRECT', settings: { returnUrl, lang: 'ko' } }]],
    ['an undefined setting beside the returnUrl', [{ type: 'REDIRECT', settings: { returnUrl, lang: undefined } }]],
    ['two entries', [{ type: 'REDIRECT', settings: { returnUrl } }, { type: 'SCAN_CODE' }]],
    [
      'two REDIRECTs',
      [
        { type: 'REDIRECT', settings: { returnUrl } },
        { type: 'REDIRECT', settings: { returnUrl: `${returnUrl}/2` } },
      ],
    ],
    ['none', undefined],
  ]
  // Some variants are not PPRO's schema (the routes refuse them): the domain is called directly, and its
  // events are collected here instead of being checked against PPRO's webhooks file.
  const published: PproEvent[] = []
  const ctx = await buildTestApp(t, { onEvent: (e) => published.push(e) })
  for (const [name, authenticationSettings] of variants) {
    const input = { ...kakaoPayChargeRequest(), authenticationSettings } as CreateChargeInput
    const sentBefore = JSON.stringify(authenticationSettings)
    const charge = ctx.app.sandbox.charges.create(MERCHANT, input)
    const events = published.filter((e) => e.chargeId === charge.id)
    const created = events.find((e) => e.type === 'PAYMENT_CHARGE_CREATED') as ChargeEvent<'PAYMENT_CHARGE_CREATED'>
    t.equal(JSON.stringify(created.op), sentBefore, `${name}: the operation reads back as given, in its order`)
    t.equal(JSON.stringify(JSON.parse(eventBody(created)).data.authenticationSettings), sentBefore, `${name}: and is sent so`)
    const pending = events.find((e) => e.type === 'PAYMENT_CHARGE_AUTHENTICATION_PENDING') as
      ChargeEvent<'PAYMENT_CHARGE_AUTHENTICATION_PENDING'> | undefined
    if (pending) t.equal(pending.op, `http://localhost:8080/checkout/${charge.id}`, `${name}: the approval page's URL`)
  }
  // A string operation that only ends with the id, or is the id itself, reads back as it was too.
  const charge = ctx.app.sandbox.charges.create(MERCHANT, kakaoPayChargeRequest() as CreateChargeInput)
  for (const url of [charge.id, `x${charge.id}`, `${charge.id}/`, 'https://elsewhere.example/pay']) {
    t.equal(new ChargeEvent('e', 'PAYMENT_CHARGE_AUTHENTICATION_PENDING', charge.createdAt, charge, url).op, url)
  }
})

t.test("an event's time reads back exactly, however long after its charge's creation", async (t) => {
  const created = Date.parse('2026-01-15T09:00:00.000Z')
  const charge = { id: 'charge_x', createdAt: created, status: 'CAPTURED', returnUrl: undefined } as unknown as Charge
  const times = [
    created,
    created + 1,
    created + 2 ** 30 - 1,
    created + 2 ** 30,
    created + 400 * 86_400_000,
    created + 0.5,
    created - 1,
    0,
    1.25,
  ]
  for (const time of times) {
    const e = new ChargeEvent('e1', 'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED', time, charge)
    t.equal(e.time, time, `${time - created} ms after creation`)
  }
  // Where the difference from the creation rounds, the time itself is kept.
  const far = { ...charge, createdAt: 1e17 } as Charge
  for (const time of [1, 3.5]) t.equal(new ChargeEvent('e3', 'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED', time, far).time, time)
  const early = { ...charge, createdAt: 0 } as Charge
  for (const time of [0, 5, 2 ** 31, created])
    t.equal(new ChargeEvent('e2', 'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED', time, early).time, time)
})

t.test('a refund a year after the capture: its event carries its own time', async (t) => {
  const ctx = await buildTestApp(t)
  const charge = (await ctx.createCharge()) as { id: string }
  await ctx.consumer(charge.id, 'approve')
  ctx.clock.advance(200 * 86_400_000 + 7)
  const res = await ctx.call({ method: 'POST', url: `/v1/payment-charges/${charge.id}/refunds`, payload: { amount: 100 } })
  t.equal(res.statusCode, 200)
  const refunded = ctx.events.at(-1)!
  t.equal(refunded.type, 'PAYMENT_CHARGE_REFUND_SUCCEEDED')
  t.equal(new Date(refunded.time).toISOString(), res.json().createdAt)
  t.equal(JSON.parse(eventBody(refunded)).time, res.json().createdAt)
})

t.test("an event's id reads back exactly, packed or not", async (t) => {
  const charge = { id: 'charge_x', createdAt: 0, status: 'CAPTURED' } as unknown as Charge
  const ids = [
    '000000000000000000000',
    'zzzzzzzzzzzzzzzzzzzzz',
    '0123456789ABCDEFGHIJK',
    'LMNOPQRSTUVWXYZabcdef',
    'ghijklmnopqrstuvwxyzZ',
    '000000000000000000017',
    ...Array.from({ length: 200 }, () => randomIds('')),
    // Not 21 characters of [0-9A-Za-z]: kept as they are.
    'evt_1',
    '0000000000000000000000',
    '00000000000000000000',
    '00000000000000000000-',
    '한국어한국어한국어한국어한국어한국어한국어',
    '',
  ]
  const wrong = ids.filter((id) => new ChargeEvent(id, 'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED', 0, charge).id !== id)
  t.same(wrong, [])
})
