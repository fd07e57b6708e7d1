import t from 'tap'
import { ManualClock } from '../../src/domain/clock.js'
import type { PproEvent } from '../../src/domain/events.js'
import { Scheduler } from '../../src/domain/scheduler.js'
import type { Logger } from '../../src/logger.js'
import { type Delivery, eventBody, WebhookDispatcher } from '../../src/webhooks/dispatcher.js'
import { MerchantRegistry } from '../../src/webhooks/merchants.js'
import type { WebhookRequest } from '../../src/webhooks/transport.js'
import { AUTH, buildTestApp, MERCHANT } from '../helpers/app.js'
import { receiver } from '../helpers/receiver.js'

const DAY = 86_400_000

t.test("a replayed webhook's body is the original's, byte for byte, for every event of a charge and an agreement", async (t) => {
  const hook = await receiver(t)
  const ctx = await buildTestApp(t, { merchants: { [MERCHANT]: { webhookUrl: hook.url } } })
  const { app } = ctx
  const charge = await ctx.createCharge({ merchantPaymentChargeReference: 'order-77' })
  await ctx.consumer(charge.id, 'approve')
  ctx.clock.advance(20 * DAY + 123)
  await ctx.post(`/v1/payment-charges/${charge.id}/refunds`, { amount: 5000 })
  await ctx.post(`/v1/payment-charges/${charge.id}/refunds`, { amount: 10000, merchantRefundReference: 'rf-2' })
  const agreement = await ctx.createAgreement({ consumer: { name: 'J', country: 'KR' } })
  await ctx.post(`/sandbox/payment-agreements/${agreement.id}/approve`)
  await app.sandbox.webhooks.idle()

  const listed = (await ctx.call({ method: 'GET', url: '/sandbox/webhooks' })).json().data as Array<Record<string, any>>
  t.ok(listed.length >= 9, `${listed.length} deliveries`)
  const first = new Map(hook.received.map((r) => [r.json.id as string, r.body]))
  t.equal(first.size, listed.length, 'each event was sent once')
  for (const d of listed) {
    t.same(d.payload, JSON.parse(first.get(d.eventId)!), `${d.type}: the payload listed is the body sent`)
    const before = hook.received.length
    const res = await ctx.call({ method: 'POST', url: `/sandbox/webhooks/${d.eventId}/replay` })
    t.equal(res.statusCode, 200)
    t.equal(hook.received.length, before + 1)
    t.equal(hook.received.at(-1)!.body, first.get(d.eventId), `${d.type}: replayed byte for byte`)
  }
  const refunded = hook.received.find((r) => r.json.type === 'PAYMENT_CHARGE_REFUND_SUCCEEDED')!.json
  t.equal(refunded.time, new Date(Date.parse('2026-01-15T09:00:00.000Z') + 20 * DAY + 123).toISOString(), "a late event's own time")
  const pending = hook.received.find((r) => r.json.type === 'PAYMENT_AGREEMENT_AUTHENTICATION_PENDING')!.json
  t.same(pending.data.authenticationMethods, [
    { type: 'REDIRECT', details: { requestUrl: `http://localhost:8080/checkout/${agreement.id}`, requestMethod: 'GET' } },
  ])
  t.same(
    (await ctx.call({ method: 'GET', url: '/sandbox/webhooks', headers: AUTH })).json().data.map((d: Record<string, any>) => d.payload),
    listed.map((d) => d.payload),
    'listed again: the same payloads',
  )
})

/** An event as the dispatcher sees it: a fixed `data`. */
function event(id: string, merchantId: string, subject: string, n: number): PproEvent {
  return {
    id,
    merchantId,
    type: 'PAYMENT_CHARGE_CREATED',
    subject,
    time: Date.parse('2026-01-15T09:00:00.000Z') + n,
    data: { paymentChargeId: subject, n, note: 'é' },
    chargeId: subject,
    agreementId: undefined,
    webhooksUrl: undefined,
  }
}

function dispatcher() {
  const clock = new ManualClock()
  const sent: WebhookRequest[] = []
  const merchants = new MerchantRegistry({ webhookSecret: 'whsec_test' })
  const quiet = { info() {}, warn() {}, error() {} } as unknown as Logger
  const recorded: Array<[Delivery, boolean]> = []
  const webhooks = new WebhookDispatcher({
    clock,
    wallClock: clock,
    scheduler: new Scheduler(clock, () => {}, false),
    transport: async (r) => {
      sent.push(r)
      return { status: 200 }
    },
    merchants,
    settings: { timeoutMs: 1000, retryBaseMs: 15_000, maxAttempts: 3 },
    logger: quiet,
    onRecord: (d, created) => recorded.push([d, created]),
  })
  return { webhooks, merchants, sent, recorded }
}

const shown = (d: Delivery) => ({ id: d.event.id, url: d.url, status: d.status, attempts: d.attempts.length })

t.test('an event with nowhere to go keeps no delivery record until a replay sends it', async (t) => {
  const { webhooks, merchants, sent, recorded } = dispatcher()
  const events = [
    event('e1', 'm1', 'charge_1', 1),
    event('e2', 'm1', 'charge_2', 2),
    event('e3', 'm2', 'charge_3', 3),
    event('e4', 'm1', 'charge_1', 4),
  ]
  const bodies = events.map((e) => eventBody(e))
  for (const e of events) webhooks.publish(e)
  t.same(sent, [], 'nothing sent')
  t.same(
    recorded.map(([d, created]) => [shown(d), created]),
    events.map((e) => [{ id: e.id, url: undefined, status: 'NOT_SENT', attempts: 0 }, true]),
    'each event is recorded with its delivery',
  )
  const notSent = (id: string) => ({ id, url: undefined, status: 'NOT_SENT', attempts: 0 })
  t.same(webhooks.list('m1').map(shown), [notSent('e1'), notSent('e2'), notSent('e4')])
  t.same(webhooks.list('m1', { chargeId: 'charge_1' }).map(shown), [notSent('e1'), notSent('e4')])
  t.same(webhooks.list('m2').map(shown), [notSent('e3')])
  t.equal(webhooks.count('m1'), 3)
  const inPlace = webhooks.deliveriesOf('m1')
  t.equal(inPlace.length, 3)
  t.same(
    [0, 1, 2, 3].map((i) => inPlace.at(i) && shown(inPlace.at(i)!)),
    [notSent('e1'), notSent('e2'), notSent('e4'), undefined],
  )
  t.same(shown(webhooks.get('m1', 'e2')), notSent('e2'))
  t.throws(() => webhooks.get('m2', 'e2'), { name: 'ApiError', status: 404 }, "another merchant's event is not found")

  // Still nowhere to go: a replay sends nothing.
  t.same(shown(await webhooks.replay('m1', 'e2')), notSent('e2'))
  t.same(sent, [])

  // The merchant configures a URL: a replay sends the event's exact body, and its delivery is kept.
  merchants.set('m1', { webhookUrl: 'http://127.0.0.1:9/hooks' })
  const replayed = await webhooks.replay('m1', 'e2')
  t.same(
    sent.map((r) => [r.url, r.body]),
    [['http://127.0.0.1:9/hooks', bodies[1]]],
  )
  t.same(shown(replayed), { id: 'e2', url: 'http://127.0.0.1:9/hooks', status: 'DELIVERED', attempts: 1 })
  t.equal(replayed.attempts[0]!.replay, true)
  t.equal(webhooks.list('m1')[1], replayed, 'the list holds that delivery')
  t.equal(webhooks.get('m1', 'e2'), replayed)
  t.equal(webhooks.deliveriesOf('m1').at(1), replayed)
  t.same(webhooks.list('m1').map(shown), [notSent('e1'), shown(replayed), notSent('e4')])
  t.same(
    events.map((e) => eventBody(e)),
    bodies,
    'the bodies are what they were',
  )

  // Retention forgets a resource's events, kept alone or with their delivery.
  webhooks.forget('m1', new Set(['charge_2', 'charge_1']))
  t.same(webhooks.list('m1'), [])
  t.equal(replayed.status, 'NOT_SENT', 'a forgotten delivery is not sent again')
  webhooks.deleteMerchant('m2')
  t.same(webhooks.list('m2'), [])
})

t.test('deliveries read back from the journal keep what they say, and an untried one keeps only its event', async (t) => {
  const { webhooks } = dispatcher()
  const [a, b, c] = [event('e1', 'm1', 'charge_1', 1), event('e2', 'm1', 'charge_1', 2), event('e3', 'm1', 'charge_2', 3)]
  const tried: Delivery = {
    event: b,
    url: 'http://127.0.0.1:9/hooks',
    status: 'DELIVERED',
    attempts: [{ at: 5, durationMs: 3, statusCode: 200 }],
  }
  const owed: Delivery = { event: c, url: 'http://127.0.0.1:9/hooks', status: 'PENDING', attempts: [] }
  webhooks.restore([{ event: a, url: undefined, status: 'NOT_SENT', attempts: [] }, tried, owed])
  const list = webhooks.list('m1')
  t.same(list.map(shown), [
    { id: 'e1', url: undefined, status: 'NOT_SENT', attempts: 0 },
    { id: 'e2', url: 'http://127.0.0.1:9/hooks', status: 'DELIVERED', attempts: 1 },
    { id: 'e3', url: 'http://127.0.0.1:9/hooks', status: 'PENDING', attempts: 0 },
  ])
  t.equal(list[1], tried)
  t.equal(list[2], owed)
})
