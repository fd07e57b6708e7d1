import t from 'tap'
import { defaultConfig } from '../../src/config.js'
import type { FeedMessage } from '../../src/observe/index.js'
import { buildTestApp, MERCHANT } from '../helpers/app.js'
import { receiver } from '../helpers/receiver.js'

/**
 * The feed keeps its event messages compact (a reason worded again from its event, equal reasons
 * shared): each message must still read, at the end of a busy story, exactly as it read when it was
 * appended, and no message may take another's reason.
 */
t.test('every feed message reads at the end exactly as it did when it was appended', async (t) => {
  const hook = await receiver(t, (n) => (n % 3 === 1 ? 500 : 200))
  const ctx = await buildTestApp(t, { merchants: { [MERCHANT]: { webhookUrl: hook.url } } })
  const { app } = ctx
  const seen: Array<[FeedMessage, string]> = []
  const stop = app.feed.subscribe(MERCHANT, (m) => seen.push([m, JSON.stringify(m)]))
  t.teardown(stop)
  const idle = () => app.sandbox.webhooks.idle()

  // Charges created seconds apart: each waits until its own deadline.
  const first = await ctx.createCharge()
  ctx.clock.advance(7_000)
  const second = await ctx.createCharge({ amount: { value: 20000, currency: 'KRW' } })
  ctx.clock.advance(1_500)
  const declined = await ctx.createCharge({ amount: { value: 350002, currency: 'KRW' } })
  const agreement = await ctx.createAgreement({ consumer: { name: 'J', country: 'KR' } })
  const expired = await ctx.createCharge()
  await ctx.consumer(first.id, 'approve')
  await ctx.consumer(second.id, 'approve')
  await ctx.consumer(declined.id, 'approve')
  await ctx.control(expired.id, 'expire')
  await ctx.post(`/sandbox/payment-agreements/${agreement.id}/approve`)
  // Refunds of one charge: each says how much was left after it.
  await ctx.post(`/v1/payment-charges/${second.id}/refunds`, { amount: 4000 })
  await ctx.post(`/v1/payment-charges/${second.id}/refunds`, { amount: 5000 })
  await ctx.post(`/v1/payment-charges/${second.id}/refunds`, { amount: 50000 })
  await idle()
  // Retries of the failed first attempts, and the clock message.
  await ctx.post('/sandbox/clock', { advanceSeconds: 20 })
  await idle()
  // Replays of delivered events: each adds an attempt to a delivery whose earlier attempts' messages
  // (their status then, their retry's number) must read as they did.
  for (const [m] of seen.filter(([m]) => m.kind === 'event').slice(0, 3)) {
    t.equal((await ctx.post(`/sandbox/webhooks/${(m as { eventId: string }).eventId}/replay`)).statusCode, 200)
  }
  await idle()
  t.ok(
    seen.some(([m]) => m.kind === 'delivery' && (m as { replay: boolean }).replay),
    'replayed attempts too',
  )

  const events = seen.filter(([m]) => m.kind === 'event')
  t.ok(events.length >= 15, `${events.length} event messages`)
  t.ok(
    seen.some(([m]) => m.kind === 'delivery'),
    'delivery messages too',
  )
  const changed = seen.filter(([m, json]) => JSON.stringify(m) !== json).map(([m, json]) => `${json}\n  now: ${JSON.stringify(m)}`)
  t.same(changed, [], 'no message reads differently now')
  // What the feed kept (an event message as its event alone) reads as what its readers were sent.
  const kept = app.feed.since(MERCHANT, 0)
  t.same(
    kept.map((m) => JSON.stringify(m)),
    seen.map(([, json]) => json),
    'the retained messages, rebuilt, are the messages sent',
  )

  const waits = events
    .map(([m]) => m)
    .filter((m) => m.reason?.code === 'AWAITING_CONSUMER')
    .map((m) => `${m.chargeId ?? m.agreementId}: ${m.reason!.message}`)
  const deadline = (base: number) => new Date(Date.parse('2026-01-15T09:00:00.000Z') + base + 900_000).toISOString()
  t.same(waits, [
    `${first.id}: waiting for the consumer on the approval page until ${deadline(0)} (the authentication timeout is 900 s)`,
    `${second.id}: waiting for the consumer on the approval page until ${deadline(7_000)} (the authentication timeout is 900 s)`,
    `${declined.id}: waiting for the consumer on the approval page until ${deadline(8_500)} (the authentication timeout is 900 s)`,
    `${agreement.id}: waiting for the consumer on the approval page until ${deadline(8_500)} (the authentication timeout is 900 s)`,
    `${expired.id}: waiting for the consumer on the approval page until ${deadline(8_500)} (the authentication timeout is 900 s)`,
  ])
  const refunds = events
    .map(([m]) => m)
    .filter((m) => m.chargeId === second.id && m.reason?.code.startsWith('REFUND_'))
    .map((m) => m.reason!.message)
  t.same(refunds, [
    'refund of 4000 KRW accepted; 16000 KRW left to refund',
    'refund of 5000 KRW accepted; 11000 KRW left to refund',
    'refund of 50000 KRW exceeds the 11000 KRW left to refund',
  ])

  // The timeline answers what the stream was sent.
  const timeline = (await ctx.call({ method: 'GET', url: `/sandbox/payment-charges/${second.id}/timeline` })).json().data
  const sent = new Map(seen.map(([m, json]) => [m.seq, JSON.parse(json)]))
  t.same(
    timeline.filter((m: FeedMessage) => m.kind === 'event'),
    timeline.filter((m: FeedMessage) => m.kind === 'event').map((m: FeedMessage) => sent.get(m.seq)),
  )
})

t.test('a feed retaining a few messages drops the oldest, and what it keeps reads as it was sent', async (t) => {
  const ctx = await buildTestApp(t, {
    config: { ...defaultConfig(), feed: { ...defaultConfig().feed, retain: 4 } },
  })
  const { app } = ctx
  const sent: string[] = []
  const stop = app.feed.subscribe(MERCHANT, (m) => sent.push(JSON.stringify(m)))
  t.teardown(stop)
  const first = await ctx.createCharge()
  const second = await ctx.createCharge()
  await ctx.consumer(second.id, 'approve')
  t.ok(sent.length > 6, `${sent.length} messages sent`)
  t.same(
    app.feed.since(MERCHANT, 0).map((m) => JSON.stringify(m)),
    sent.slice(-4),
    'the last four, as sent',
  )
  t.same(app.feed.window(MERCHANT), { first: sent.length - 3, last: sent.length })
  const timeline = (id: string) => app.feed.timeline(MERCHANT, id).map((m) => JSON.stringify(m))
  t.same(timeline(first.id), [], "the first charge's messages are gone, and its index with them")
  t.equal(timeline(second.id).length, 4)
  // (A timeline is in the order things started: a request before the events it caused.)
  t.same(
    timeline(second.id).sort(),
    sent
      .slice(-4)
      .filter((json) => JSON.parse(json).chargeId === second.id)
      .sort(),
  )
})
