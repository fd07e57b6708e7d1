import t from 'tap'
import { AUTH, buildTestApp, MERCHANT, seedCharge } from '../helpers/app.js'
import { receiver } from '../helpers/receiver.js'
import { sse } from '../helpers/sse.js'

/** One line per message: what a person reading the stream would say happened. */
function summary(m: Record<string, any>): string {
  const why = m.reason ? ` (${m.reason.code})` : ''
  switch (m.kind) {
    case 'event':
      return `event ${m.type}${why}`
    case 'delivery':
      return `delivery ${m.type} #${m.attempt} ${m.statusCode ?? m.error}${why}`
    case 'request':
      return `request ${m.method} ${m.path} ${m.status}${why}`
    case 'consumer':
      return `consumer ${m.action}`
    case 'clock':
      return `clock +${m.advancedSeconds}s`
    default:
      return `? ${JSON.stringify(m)}`
  }
}

t.test('a charge approved on the page, a webhook that fails once, a refund: the stream and the timeline tell it in order', async (t) => {
  const hook = await receiver(t, (n) => (n === 1 ? 500 : 200))
  const ctx = await buildTestApp(t, { merchants: { [MERCHANT]: { webhookUrl: hook.url } } })
  const { app } = ctx
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const stream = await sse(`${base}/sandbox/events/stream`, AUTH)
  t.teardown(stream.close)
  t.equal(stream.response.statusCode, 200)
  t.match(stream.response.headers['content-type'], /^text\/event-stream/)
  const idle = () => app.sandbox.webhooks.idle()

  const created = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge() })).json()
  await idle()
  const page = await app.inject({ method: 'GET', url: `/checkout/${created.id}` })
  t.equal(page.statusCode, 200)
  const approved = await app.inject({
    method: 'POST',
    url: `/checkout/${created.id}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'action=approve',
  })
  t.equal(approved.statusCode, 303)
  await idle()
  // The first attempt of PAYMENT_CHARGE_CREATED was answered 500: its retry is due 15 s later, sandbox time.
  const moved = await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 15 } })
  t.equal(moved.statusCode, 200)
  await idle()
  const refund = await ctx.call({ method: 'POST', url: `/v1/payment-charges/${created.id}/refunds`, payload: { amount: 15000 } })
  t.equal(refund.statusCode, 200)
  await idle()

  const expected = [
    'event PAYMENT_CHARGE_CREATED',
    'event PAYMENT_CHARGE_AUTHENTICATION_PENDING (AWAITING_CONSUMER)',
    'request POST /v1/payment-charges 200',
    'delivery PAYMENT_CHARGE_CREATED #1 500 (WEBHOOK_RETRY)',
    'delivery PAYMENT_CHARGE_AUTHENTICATION_PENDING #1 200 (WEBHOOK_DELIVERED)',
    'consumer opened',
    'consumer approved',
    'event PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED (CONSUMER_APPROVED)',
    'event PAYMENT_CHARGE_CAPTURE_SUCCEEDED (AUTO_CAPTURE)',
    'delivery PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED #1 200 (WEBHOOK_DELIVERED)',
    'delivery PAYMENT_CHARGE_CAPTURE_SUCCEEDED #1 200 (WEBHOOK_DELIVERED)',
    'clock +15s',
    'request POST /sandbox/clock 200',
    'delivery PAYMENT_CHARGE_CREATED #2 200 (WEBHOOK_DELIVERED)',
    'event PAYMENT_CHARGE_REFUND_SUCCEEDED (REFUND_ACCEPTED)',
    'request POST /v1/payment-charges/:id/refunds 200',
    'delivery PAYMENT_CHARGE_REFUND_SUCCEEDED #1 200 (WEBHOOK_DELIVERED)',
  ]
  const messages = await stream.waitForMessages(expected.length)
  const lines = messages.map(summary).map((l) => l.replace(created.id, ':id'))
  t.same(lines, expected, 'the stream, message by message')
  t.same(
    messages.map((m) => m.seq),
    expected.map((_, i) => i + 1),
    'seq counts from 1 without gaps',
  )
  t.same(
    stream.frames.filter((f) => f.id !== undefined).map((f) => [f.id, f.event]),
    messages.map((m) => [String(m.seq), m.kind]),
    'SSE id: is the seq, event: the kind',
  )

  // Whole messages, where every value is known but the real time.
  const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
  t.match(messages[3], {
    seq: 4,
    kind: 'delivery',
    at: iso,
    sandboxTime: '2026-01-15T09:00:00.000Z',
    chargeId: created.id,
    eventId: messages[0]!.eventId,
    type: 'PAYMENT_CHARGE_CREATED',
    url: hook.url,
    attempt: 1,
    statusCode: 500,
    durationMs: Number,
    responseBody: '',
    nextAttemptAt: '2026-01-15T09:00:15.000Z',
    replay: false,
    deliveryStatus: 'PENDING',
    reason: {
      code: 'WEBHOOK_RETRY',
      message: 'attempt 1 was answered HTTP 500, not 2xx; attempt 2 in 15 s (at 2026-01-15T09:00:15.000Z sandbox time)',
    },
  })
  t.same(messages[0]!.payload, JSON.parse(hook.received[0]!.body), 'an event message carries the webhook body as sent')
  t.match(messages[2], {
    kind: 'request',
    method: 'POST',
    path: '/v1/payment-charges',
    status: 200,
    chargeId: created.id,
    durationMs: Number,
    requestId: String,
  })
  t.same(messages[11], {
    seq: 12,
    kind: 'clock',
    at: messages[11]!.at,
    sandboxTime: '2026-01-15T09:00:15.000Z',
    offsetSeconds: 15,
    advancedSeconds: 15,
  })
  t.same(messages[6]!.kind === 'consumer' && messages[6], {
    seq: 7,
    kind: 'consumer',
    at: messages[6]!.at,
    sandboxTime: '2026-01-15T09:00:00.000Z',
    chargeId: created.id,
    action: 'approved',
  })

  // The timeline: everything about the charge, requests at their arrival (before what they caused).
  const timeline = await ctx.call({ method: 'GET', url: `/sandbox/payment-charges/${created.id}/timeline` })
  t.equal(timeline.statusCode, 200)
  const entries = timeline.json().data as Array<Record<string, any>>
  t.same(
    entries.map(summary).map((l) => l.replace(created.id, ':id')),
    [
      'request POST /v1/payment-charges 200',
      'event PAYMENT_CHARGE_CREATED',
      'event PAYMENT_CHARGE_AUTHENTICATION_PENDING (AWAITING_CONSUMER)',
      'delivery PAYMENT_CHARGE_CREATED #1 500 (WEBHOOK_RETRY)',
      'delivery PAYMENT_CHARGE_AUTHENTICATION_PENDING #1 200 (WEBHOOK_DELIVERED)',
      'consumer opened',
      'consumer approved',
      'event PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED (CONSUMER_APPROVED)',
      'event PAYMENT_CHARGE_CAPTURE_SUCCEEDED (AUTO_CAPTURE)',
      'delivery PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED #1 200 (WEBHOOK_DELIVERED)',
      'delivery PAYMENT_CHARGE_CAPTURE_SUCCEEDED #1 200 (WEBHOOK_DELIVERED)',
      'delivery PAYMENT_CHARGE_CREATED #2 200 (WEBHOOK_DELIVERED)',
      'request POST /v1/payment-charges/:id/refunds 200',
      'event PAYMENT_CHARGE_REFUND_SUCCEEDED (REFUND_ACCEPTED)',
      'delivery PAYMENT_CHARGE_REFUND_SUCCEEDED #1 200 (WEBHOOK_DELIVERED)',
    ],
  )
  t.same(
    entries.filter((e) => e.reason).map((e) => e.reason),
    [
      {
        code: 'AWAITING_CONSUMER',
        message: 'waiting for the consumer on the approval page until 2026-01-15T09:15:00.000Z (the authentication timeout is 900 s)',
      },
      {
        code: 'WEBHOOK_RETRY',
        message: 'attempt 1 was answered HTTP 500, not 2xx; attempt 2 in 15 s (at 2026-01-15T09:00:15.000Z sandbox time)',
      },
      { code: 'WEBHOOK_DELIVERED', message: 'attempt 1 was acknowledged with HTTP 200' },
      { code: 'CONSUMER_APPROVED', message: 'the consumer approved on the approval page' },
      { code: 'AUTO_CAPTURE', message: 'KakaoPay captures every approved charge at once: 15000 KRW captured with the authorization' },
      { code: 'WEBHOOK_DELIVERED', message: 'attempt 1 was acknowledged with HTTP 200' },
      { code: 'WEBHOOK_DELIVERED', message: 'attempt 1 was acknowledged with HTTP 200' },
      { code: 'WEBHOOK_DELIVERED', message: 'attempt 2 was acknowledged with HTTP 200' },
      { code: 'REFUND_ACCEPTED', message: 'refund of 15000 KRW accepted; 0 KRW left to refund' },
      { code: 'WEBHOOK_DELIVERED', message: 'attempt 1 was acknowledged with HTTP 200' },
    ],
    'each decision with its reason, in plain words',
  )
  t.ok(
    entries.every((e) => typeof e.at === 'string' && typeof e.sandboxTime === 'string'),
    'each entry has the real time and the sandbox time',
  )
  t.same(
    entries.map((e) => e.seq).sort((a, b) => a - b),
    messages.filter((m) => m.chargeId === created.id).map((m) => m.seq),
    'the timeline holds every stream message about the charge, and nothing else',
  )
  t.same(entries[1], messages[0], 'the same objects as the stream messages')
})
