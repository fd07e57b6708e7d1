import t from 'tap'
import { defaultConfig } from '../../src/config.js'
import { capped } from '../../src/observe/journal.js'
import { AUTH, buildTestApp, MERCHANT, kakaoPayChargeRequest } from '../helpers/app.js'
import { logLines } from '../helpers/log.js'

const withFeed = (o: Record<string, number>) => ({ config: { feed: { ...defaultConfig().feed, ...o } } })

t.test('the journal lists a merchant’s requests newest first, with what was sent and answered', async (t) => {
  const ctx = await buildTestApp(t)
  const body = { ...kakaoPayChargeRequest(), paymentDescripter: 'typo' }
  const created = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    headers: { 'request-idempotency-key': 'k-1', 'request-reference': 'trace-1' },
    payload: body,
  })
  const again = await ctx.call({ method: 'POST', url: '/v1/payment-charges', headers: { 'request-idempotency-key': 'k-1' }, payload: body })
  t.equal(again.headers['request-idempotency'], 'true')
  const id = created.json().id as string
  await ctx.call({ method: 'GET', url: `/v1/payment-charges/${id}?x=1` })
  await ctx.call({ method: 'POST', url: `/v1/payment-charges/${id}/captures`, payload: { amount: 15000 } })

  const res = await ctx.call({ method: 'GET', url: '/sandbox/requests' })
  t.equal(res.statusCode, 200)
  const { data, nextPage } = res.json()
  t.equal(nextPage, undefined)
  t.same(
    data.map((e: Record<string, unknown>) => [e.method, e.path, e.status]),
    [
      ['POST', `/v1/payment-charges/${id}/captures`, 400],
      ['GET', `/v1/payment-charges/${id}`, 200],
      ['POST', '/v1/payment-charges', 200],
      ['POST', '/v1/payment-charges', 200],
    ],
  )
  const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
  t.same(data[3], {
    seq: 3,
    kind: 'request',
    at: data[3].at,
    sandboxTime: '2026-01-15T09:00:00.000Z',
    chargeId: id,
    method: 'POST',
    path: '/v1/payment-charges',
    status: 200,
    durationMs: data[3].durationMs,
    requestId: 'trace-1',
    idempotencyKey: 'k-1',
    idempotentReplay: false,
    sandboxWarning: 'ignored unknown field(s): paymentDescripter',
    reason: { code: 'UNKNOWN_FIELDS_IGNORED', message: 'accepted, but ignored unknown field(s): paymentDescripter' },
    requestBody: JSON.stringify(body),
    responseBody: created.body,
  })
  t.match(data[3].at, iso)
  t.type(data[3].durationMs, 'number')
  t.match(data[2], {
    idempotencyKey: 'k-1',
    idempotentReplay: true,
    reason: {
      code: 'IDEMPOTENT_REPLAY',
      message: 'answered with the first response to Request-Idempotency-Key "k-1"; nothing was done again',
    },
    responseBody: created.body,
  })
  t.match(data[1], { query: 'x=1', chargeId: id, requestBody: undefined })
  t.same(data[0].reason, {
    code: 'REQUEST_REFUSED',
    message: `refused by a rule of the sandbox: KakaoPay has no separate capture: payment charge ${id} is captured automatically when the consumer approves it`,
  })

  // Filters.
  const q = async (query: string) =>
    (await ctx.call({ method: 'GET', url: `/sandbox/requests?${query}` })).json().data.map((e: { seq: number }) => e.seq) as number[]
  t.same(await q('status=400'), [6])
  t.same(await q('status=2xx'), [5, 4, 3])
  t.same(await q(`path=/v1/payment-charges`), [4, 3])
  t.same(await q(`path=/v1/payment-charges/*`), [6, 5])
  t.same(await q(`chargeId=${id}`), [6, 5, 4, 3])
  t.same(await q(`chargeId=${id}&status=200&path=/v1/payment-charges`), [4, 3])
  t.same(await q('chargeId=charge_000000000000000000999'), [])
  const bad = await ctx.call({ method: 'GET', url: '/sandbox/requests?status=abc' })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().failureMessage, /status/)

  // Pages of `limit`, newest first, following nextPage.
  const page1 = (await ctx.call({ method: 'GET', url: '/sandbox/requests?limit=3' })).json()
  t.same(
    page1.data.map((e: { seq: number }) => e.seq),
    [6, 5, 4],
  )
  t.type(page1.nextPage, 'string')
  const page2 = (await ctx.call({ method: 'GET', url: `/sandbox/requests?limit=3&page=${page1.nextPage}` })).json()
  t.same(
    page2.data.map((e: { seq: number }) => e.seq),
    [3],
  )
  t.equal(page2.nextPage, undefined)
  const badPage = await ctx.call({ method: 'GET', url: '/sandbox/requests?page=nonsense' })
  t.equal(badPage.statusCode, 400)
  t.same(await q('limit=100'), [6, 5, 4, 3], 'the journal’s own reads are not journaled')
})

t.test('bodies over the limit are cut at it, on a character boundary, and marked', async (t) => {
  const ctx = await buildTestApp(t, withFeed({ bodyLimitBytes: 300 }))
  const body = kakaoPayChargeRequest({ consumer: { name: '김민준'.repeat(100), country: 'KR' } })
  const created = await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: body })
  const small = await ctx.call({ method: 'POST', url: `/v1/payment-charges/${created.json().id}/discards`, payload: {} })
  t.equal(small.statusCode, 200)
  const [discard, create] = (await ctx.call({ method: 'GET', url: '/sandbox/requests' })).json().data
  const sent = JSON.stringify(body)
  t.equal(create.requestBodyTruncated, true)
  t.equal(create.responseBodyTruncated, true)
  t.ok(Buffer.byteLength(create.requestBody) <= 300 && Buffer.byteLength(create.requestBody) > 296, 'cut at the limit (whole characters)')
  t.ok(sent.startsWith(create.requestBody), 'the start of what was sent')
  t.ok(created.body.startsWith(create.responseBody), 'the start of what was answered')
  t.notOk(create.requestBody.includes('\uFFFD'), 'no broken character at the cut')
  t.same([discard.requestBody, discard.requestBodyTruncated], ['{}', undefined], 'a body within the limit is whole and unmarked')
  t.equal(discard.responseBody, small.body)
  t.equal(discard.responseBodyTruncated, undefined)

  t.same(capped('abc', 3), ['abc', false])
  t.same(capped('abcd', 3), ['abc', true])
  t.same(capped('가나', 4), ['가', true], 'a 3-byte character is not split')
  t.same(capped('가나', 6), ['가나', false])
  t.same(capped('x'.repeat(10), 0), ['', true])
  // Only the first `limit` characters are encoded: the cut is the one the whole text's bytes give, with
  // 1-, 2-, 3- and 4-byte characters (a surrogate pair split by that prefix included) at every offset.
  const reference = (text: string, limit: number) => {
    const bytes = Buffer.from(text, 'utf8')
    if (bytes.length <= limit) return [text, false]
    let end = limit
    while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--
    return [bytes.toString('utf8', 0, end), true]
  }
  const wrong: string[] = []
  for (const ch of ['a', 'é', '가', '😀'])
    for (let pad = 0; pad < 8; pad++)
      for (const limit of [1, 2, 3, 4, 5, 6, 7, 8, 9, 12]) {
        const text = 'x'.repeat(pad) + ch.repeat(6) + 'tail'
        if (JSON.stringify(capped(text, limit)) !== JSON.stringify(reference(text, limit))) wrong.push(`${pad} ${ch} ${limit}`)
      }
  t.same(wrong, [], 'the same cut as encoding the whole text')
})

t.test('requests refused for their credentials are logged, with the reason, and journaled for no one', async (t) => {
  const { stream, lines } = logLines<Record<string, any>>()
  const ctx = await buildTestApp(t, { logger: { level: 'info', stream } })
  for (const headers of [{}, { authorization: 'Basic abc', 'merchant-id': MERCHANT }, { authorization: 'Bearer sk_test_sandbox' }]) {
    const r = await ctx.app.inject({ method: 'POST', url: '/v1/payment-charges', headers, payload: kakaoPayChargeRequest() })
    t.equal(r.statusCode, 401)
  }
  const refusals = lines.filter((l) => l.msg?.startsWith('request refused'))
  t.same(
    refusals.map((l) => l.reason),
    [
      { code: 'UNAUTHORIZED', message: 'credentials refused: no Authorization header' },
      { code: 'UNAUTHORIZED', message: 'credentials refused: the Authorization header is not "Bearer <API key>"' },
      { code: 'UNAUTHORIZED', message: 'credentials refused: no Merchant-Id header' },
    ],
  )
  t.ok(
    refusals.every((l) => l.status === 401 && l.path === '/v1/payment-charges'),
    'each names the path and status',
  )
  t.same(
    (await ctx.call({ method: 'GET', url: '/sandbox/requests' })).json(),
    { data: [] },
    'the merchant named in the refused request sees none of them',
  )
  t.same([...ctx.app.feed.merchants()], [], 'no feed was made for anyone')

  // A refusal by a rule is logged with the reason of its journal entry.
  await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: { ...kakaoPayChargeRequest(), amount: { value: -1, currency: 'KRW' } },
  })
  const [entry] = (await ctx.call({ method: 'GET', url: '/sandbox/requests' })).json().data
  t.same(entry.reason, { code: 'REQUEST_REFUSED', message: 'refused by a rule of the sandbox: amount.value must not be negative' })
  t.same(lines.find((l) => l.msg === `request refused: ${entry.reason.message}`)?.reason, entry.reason, 'the same reason in the log line')
})

t.test('retention: a ring per merchant; DELETE /sandbox/data clears it with the rest', async (t) => {
  const ctx = await buildTestApp(t, withFeed({ retain: 5 }))
  for (let i = 0; i < 4; i++) await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })
  t.same(ctx.app.feed.window(MERCHANT), { first: 8, last: 12 }, 'the oldest go first')
  t.same(
    ctx.app.feed.since(MERCHANT, 0).map((m) => m.seq),
    [8, 9, 10, 11, 12],
  )
  const firstCharge = 'charge_000000000000000000002'
  const gone = await ctx.call({ method: 'GET', url: `/sandbox/payment-charges/${firstCharge}/timeline` })
  t.same(gone.json(), { data: [] }, 'a charge whose messages all went has an empty timeline (it still exists)')
  t.same(
    (await ctx.call({ method: 'GET', url: '/sandbox/requests' })).json().data.map((e: { seq: number }) => e.seq),
    [12, 9],
  )

  const reset = await ctx.call({ method: 'DELETE', url: '/sandbox/data' })
  t.equal(reset.statusCode, 200)
  t.same(
    (await ctx.call({ method: 'GET', url: '/sandbox/requests' }))
      .json()
      .data.map((e: Record<string, unknown>) => [e.seq, e.method, e.path]),
    [[13, 'DELETE', '/sandbox/data']],
    'only the reset itself remains; seqs go on',
  )
  t.equal((await ctx.call({ method: 'GET', url: `/sandbox/payment-charges/${firstCharge}/timeline` })).statusCode, 404)
})

t.test('in process: app.feed.subscribe follows a merchant, from a seq if asked', async (t) => {
  const ctx = await buildTestApp(t)
  await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })
  const live: number[] = []
  const replayed: string[] = []
  const stop = ctx.app.feed.subscribe(MERCHANT, (m) => live.push(m.seq))
  const stop2 = ctx.app.feed.subscribe(MERCHANT, (m) => replayed.push(`${m.seq} ${m.kind}`), { since: 1 })
  t.same(replayed, ['2 event', '3 request'], 'since: the retained messages after it, at once')
  await ctx.call({ method: 'GET', url: '/v1/payment-charges/charge_000000000000000000002' })
  stop()
  await ctx.call({ method: 'GET', url: '/v1/payment-charges/charge_000000000000000000002' })
  t.same(live, [4], 'live until unsubscribed')
  t.same(replayed, ['2 event', '3 request', '4 request', '5 request'])
  stop2()
  const thrower = ctx.app.feed.subscribe(MERCHANT, () => {
    throw new Error('listener bug')
  })
  t.teardown(thrower)
  const r = await ctx.call({ method: 'GET', url: '/v1/payment-charges/charge_000000000000000000002' })
  t.equal(r.statusCode, 200, 'a listener that throws does not break the request')
})

t.test('the approval page’s requests are consumer actions, not journal entries', async (t) => {
  const ctx = await buildTestApp(t)
  const { id } = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })).json()
  await ctx.app.inject({ method: 'GET', url: `/checkout/${id}` })
  await ctx.app.inject({
    method: 'POST',
    url: `/checkout/${id}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'action=cancel',
  })
  t.same(
    ctx.app.feed
      .since(MERCHANT, 0)
      .map((m) => [m.kind, 'action' in m ? m.action : 'type' in m ? m.type : m.kind === 'request' ? m.path : '']),
    [
      ['event', 'PAYMENT_CHARGE_CREATED'],
      ['event', 'PAYMENT_CHARGE_AUTHENTICATION_PENDING'],
      ['request', '/v1/payment-charges'],
      ['consumer', 'opened'],
      ['consumer', 'canceled'],
      ['event', 'PAYMENT_CHARGE_AUTHORIZATION_FAILED'],
    ],
  )
  t.same(ctx.app.feed.since(MERCHANT, 5)[0]!.reason, { code: 'CONSUMER_CANCELED', message: 'the consumer canceled on the approval page' })
  t.same(AUTH['merchant-id'], MERCHANT)
})
