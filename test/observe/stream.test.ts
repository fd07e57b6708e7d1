import t, { type Test } from 'tap'
import { defaultConfig } from '../../src/config.js'
import type { FeedConfig } from '../../src/observe/index.js'
import { AUTH, buildTestApp, MERCHANT, OTHER_AUTH, seedCharge } from '../helpers/app.js'
import { sse } from '../helpers/sse.js'

const feedConfig = (o: Partial<FeedConfig>) => ({ ...defaultConfig().feed, ...o })

async function listening(t: Test, feed: Partial<FeedConfig> = {}) {
  const ctx = await buildTestApp(t, { config: { feed: feedConfig(feed) } })
  const base = await ctx.app.listen({ port: 0, host: '127.0.0.1' })
  return { ...ctx, base }
}

const create = (ctx: { call: Awaited<ReturnType<typeof buildTestApp>>['call'] }, overrides = {}) =>
  ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge(overrides) }).then((r) => r.json() as { id: string })

t.test('Last-Event-ID resumes exactly where a dropped reader stopped', async (t) => {
  const ctx = await listening(t)
  const all = await sse(`${ctx.base}/sandbox/events/stream`, AUTH)
  t.teardown(all.close)
  const first = await sse(`${ctx.base}/sandbox/events/stream`, AUTH)
  for (let i = 0; i < 3; i++) await create(ctx)
  // Three creates: two events and one request each.
  const seen = await first.waitForMessages(9)
  first.close()
  const lastId = first.frames.filter((f) => f.id !== undefined).at(-1)!.id!
  t.equal(lastId, '9')
  // While no one of them reads: more happens.
  const c = await create(ctx)
  await ctx.call({ method: 'POST', url: `/sandbox/payment-charges/${c.id}/approve` })
  const everything = await all.waitForMessages(9 + 3 + 3)

  const resumed = await sse(`${ctx.base}/sandbox/events/stream`, { ...AUTH, 'last-event-id': lastId })
  t.teardown(resumed.close)
  const rest = await resumed.waitForMessages(everything.length - seen.length)
  t.same(rest, everything.slice(seen.length), 'every message after the last one seen, none twice, none lost')
  t.same(
    rest.map((m) => m.seq),
    [10, 11, 12, 13, 14, 15],
  )

  const byQuery = await sse(`${ctx.base}/sandbox/events/stream?lastEventId=12`, AUTH)
  t.teardown(byQuery.close)
  t.same(
    (await byQuery.waitForMessages(3)).map((m) => m.seq),
    [13, 14, 15],
    'the lastEventId query parameter does the same',
  )

  const live = await sse(`${ctx.base}/sandbox/events/stream`, AUTH)
  t.teardown(live.close)
  await create(ctx)
  t.same(
    (await live.waitForMessages(3)).map((m) => m.seq),
    [16, 17, 18],
    'without Last-Event-ID, a reader starts with what happens next',
  )
})

t.test('resuming from before the retained window says what was lost, then resumes at the oldest kept', async (t) => {
  const ctx = await listening(t, { retain: 4 })
  for (let i = 0; i < 3; i++) await create(ctx)
  const { first, last } = ctx.app.feed.window(MERCHANT)
  t.same({ first, last }, { first: 6, last: 9 }, 'only the last 4 are kept')
  const s = await sse(`${ctx.base}/sandbox/events/stream`, { ...AUTH, 'last-event-id': '2' })
  t.teardown(s.close)
  const gap = await s.waitFor((f) => f.event === 'gap')
  t.same(JSON.parse(gap.data!), {
    reason: { code: 'STREAM_GAP', message: 'messages after 2 up to 5 are no longer retained; the stream resumes at 6' },
    lastEventId: 2,
    resumesAt: 6,
  })
  t.same(
    (await s.waitForMessages(4)).map((m) => m.seq),
    [6, 7, 8, 9],
  )
})

t.test('filters: kinds, chargeId, type; credentials in the query for EventSource; bad ones refused', async (t) => {
  const ctx = await listening(t, { heartbeatMs: 50 })
  const q = `access_token=sk_test_sandbox&merchantId=${MERCHANT}`
  const requests = await sse(`${ctx.base}/sandbox/events/stream?${q}&kinds=request`)
  const pending = await sse(`${ctx.base}/sandbox/events/stream?${q}&type=PAYMENT_CHARGE_AUTHENTICATION_PENDING`)
  t.teardown(requests.close)
  t.teardown(pending.close)
  t.equal(requests.response.statusCode, 200, 'access_token and merchantId in the query are credentials here')
  const a = await create(ctx)
  const ofA = await sse(`${ctx.base}/sandbox/events/stream?${q}&chargeId=${a.id}&kinds=event,consumer`)
  t.teardown(ofA.close)
  const b = await create(ctx)
  await ctx.app.inject({ method: 'GET', url: `/checkout/${a.id}` })
  await ctx.app.inject({ method: 'GET', url: `/checkout/${b.id}` })
  await ctx.call({ method: 'POST', url: `/sandbox/payment-charges/${a.id}/decline` })

  t.same(
    (await requests.waitForMessages(3)).map((m) => `${m.method} ${m.path}`),
    ['POST /v1/payment-charges', 'POST /v1/payment-charges', `POST /sandbox/payment-charges/${a.id}/decline`],
  )
  t.same(
    (await pending.waitForMessages(2)).map((m) => [m.type, m.chargeId]),
    [
      ['PAYMENT_CHARGE_AUTHENTICATION_PENDING', a.id],
      ['PAYMENT_CHARGE_AUTHENTICATION_PENDING', b.id],
    ],
  )
  t.same(
    (await ofA.waitForMessages(2)).map((m) => [m.kind, m.action ?? m.type, m.reason?.code]),
    [
      ['consumer', 'opened', undefined],
      ['event', 'PAYMENT_CHARGE_AUTHORIZATION_FAILED', 'CONSUMER_DECLINED'],
    ],
  )
  t.same(ofA.messages()[1]!.reason, {
    code: 'CONSUMER_DECLINED',
    message: `the consumer failed authentication through POST /sandbox/payment-charges/${a.id}/decline (failure code AUTHENTICATION_FAILED)`,
  })
  await requests.waitFor((f) => f.comments.includes('ping'), 2000)
  t.pass('an idle stream gets heartbeat comments')

  for (const [url, status] of [
    ['/sandbox/events/stream', 401],
    ['/sandbox/events/stream?access_token=sk_test_sandbox', 401],
    [`/sandbox/events/stream?merchantId=${MERCHANT}`, 401],
  ] as const) {
    const r = await fetch(`${ctx.base}${url}`)
    t.equal(r.status, status, `${url} is refused`)
    t.same(await r.json(), { message: 'Unauthorized' })
  }
  const badKind = await fetch(`${ctx.base}/sandbox/events/stream?${q}&kinds=event,webhook`)
  t.equal(badKind.status, 400)
  t.match(await badKind.json(), { status: 400, failureMessage: /kinds.*webhook.*event, delivery, request, consumer, clock/ })
  const badId = await fetch(`${ctx.base}/sandbox/events/stream?${q}`, { headers: { 'last-event-id': 'abc' } })
  t.equal(badId.status, 400)
  t.match(await badId.json(), { status: 400, failureMessage: 'Last-Event-ID: "abc" is not a message id (a seq, such as 42)' })
  const journal = (await ctx.call({ method: 'GET', url: '/sandbox/requests' })).json().data as Array<{ path: string }>
  t.notOk(
    journal.some((e) => e.path === '/sandbox/events/stream'),
    'the stream itself is not journaled',
  )
})

t.test('one merchant never sees another merchant’s messages, requests or timelines', async (t) => {
  const ctx = await listening(t)
  const mine = await sse(`${ctx.base}/sandbox/events/stream`, AUTH)
  const theirs = await sse(`${ctx.base}/sandbox/events/stream`, OTHER_AUTH)
  t.teardown(mine.close)
  t.teardown(theirs.close)
  const a = await create(ctx)
  const b = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge(), headers: OTHER_AUTH })).json()
  await ctx.call({ method: 'GET', url: `/v1/payment-charges/${b.id}` })
  const m = await mine.waitForMessages(4)
  const o = await theirs.waitForMessages(3)
  t.same(
    m.map((x) => [x.kind, x.chargeId]),
    [
      ['event', a.id],
      ['event', a.id],
      ['request', a.id],
      // Asking for another merchant's charge is my request (a 404), not theirs.
      ['request', undefined],
    ],
  )
  t.equal(m[3]!.status, 404)
  t.same(
    o.map((x) => [x.kind, x.chargeId]),
    [
      ['event', b.id],
      ['event', b.id],
      ['request', b.id],
    ],
  )
  const myJournal = (await ctx.call({ method: 'GET', url: '/sandbox/requests' })).json().data as Array<Record<string, unknown>>
  t.same(
    myJournal.map((e) => e.path),
    [`/v1/payment-charges/${b.id}`, '/v1/payment-charges'],
  )
  t.equal(myJournal[0]!.chargeId, undefined, 'their charge is not one my request touched: it stays in the path only')
  const theirTimeline = await ctx.call({ method: 'GET', url: `/sandbox/payment-charges/${b.id}/timeline` })
  t.equal(theirTimeline.statusCode, 404, "another merchant's timeline is as unknown as a made-up id")
  t.same(theirTimeline.json(), { status: 404, failureMessage: `payment charge ${b.id} not found`, timestamp: '2026-01-15T09:00:00.000Z' })
  const byJournalFilter = (await ctx.call({ method: 'GET', url: `/sandbox/requests?chargeId=${b.id}`, headers: OTHER_AUTH })).json()
  t.same(
    byJournalFilter.data.map((e: { method: string; path: string }) => `${e.method} ${e.path}`),
    ['POST /v1/payment-charges'],
    'their journal has their request only',
  )
  t.same(ctx.app.feed.since(MERCHANT, 0).length, 4)
})
