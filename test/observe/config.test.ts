import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { buildTestApp, MERCHANT, seedCharge } from '../helpers/app.js'

t.test('the feed’s sizes come from the environment, with defaults for a busy day of testing', async (t) => {
  t.same(loadConfig({}).feed, { retain: 10_000, journal: true, bodyLimitBytes: 4096, streamBufferBytes: 1_048_576, heartbeatMs: 15_000 })
  t.same(
    loadConfig({
      FEED_RETAIN: '50',
      FEED_JOURNAL: 'false',
      FEED_BODY_LIMIT_BYTES: '0',
      FEED_STREAM_BUFFER_BYTES: '65536',
      FEED_HEARTBEAT_SECONDS: '5',
    }).feed,
    { retain: 50, journal: false, bodyLimitBytes: 0, streamBufferBytes: 65_536, heartbeatMs: 5000 },
  )
  t.throws(() => loadConfig({ FEED_RETAIN: '0' }), /FEED_RETAIN/)
  t.throws(() => loadConfig({ FEED_BODY_LIMIT_BYTES: '-1' }), /FEED_BODY_LIMIT_BYTES/)
})

t.test('FEED_JOURNAL=false: no request is recorded; events still are, with their reasons', async (t) => {
  const ctx = await buildTestApp(t, { config: { feed: { ...loadConfig({ FEED_JOURNAL: 'false' }).feed } } })
  const { id } = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge() })).json()
  await ctx.call({ method: 'POST', url: `/sandbox/payment-charges/${id}/approve` })
  t.same((await ctx.call({ method: 'GET', url: '/sandbox/requests' })).json(), { data: [] })
  t.same(
    ctx.app.feed.since(MERCHANT, 0).map((m) => [m.kind, m.reason?.code]),
    [
      ['event', undefined],
      ['event', 'AWAITING_CONSUMER'],
      ['event', 'CONSUMER_APPROVED'],
      ['event', 'AUTO_CAPTURE'],
    ],
  )
  t.match(ctx.app.feed.since(MERCHANT, 2)[0]!.reason!.message, `through POST /sandbox/payment-charges/${id}/approve`)
})
