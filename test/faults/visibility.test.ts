import t from 'tap'
import type { Test } from 'tap'
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { BuildAppOptions } from '../../src/app.js'
import { AUTH, buildTestApp, kakaoPayChargeRequest, type TestApp } from '../helpers/app.js'
import { logLines } from '../helpers/log.js'
import { receiver, type Received } from '../helpers/receiver.js'
import { verifyWebhook } from '../../src/webhooks/signing.js'

// Every injected fault is visible where a merchant looks: the request journal, the charge's timeline
// (and so the stream), the delivery log, and the log.

const SECRET = 'whsec_test'
const NOW = '2026-01-15T09:00:00.000Z'
type Entry = Record<string, any>

/** The app with its JSON log lines collected. */
async function logged(t: Test, options: Omit<BuildAppOptions, 'clock'> = {}) {
  const { stream, lines } = logLines<Entry>()
  const ctx = await buildTestApp(t, { ...options, logger: { level: 'info', stream } })
  return { ctx, lines }
}

const addRule = async (t: Test, ctx: TestApp, rule: unknown) => {
  const res = await ctx.call({ method: 'POST', url: '/sandbox/faults', payload: rule as object })
  t.equal(res.statusCode, 201, 'rule added')
  return res.json() as { id: string }
}
const journal = async (ctx: TestApp, query = '') =>
  (await ctx.call({ method: 'GET', url: `/sandbox/requests${query}` })).json().data as Entry[]
const timeline = async (ctx: TestApp, id: string) =>
  (await ctx.call({ method: 'GET', url: `/sandbox/payment-charges/${id}/timeline` })).json().data as Entry[]
/** A journal entry as the timeline and the stream show it: without its bodies. */
const withoutBodies = ({ requestBody: _a, responseBody: _b, requestBodyTruncated: _c, responseBodyTruncated: _d, ...m }: Entry) => m

t.test('lost response: the journal shows the 504 the client got, the charge made behind it, and which rule did it', async (t) => {
  const { ctx, lines } = await logged(t)
  const rule = await addRule(t, ctx, { match: { method: 'POST', path: '/v1/payment-charges' }, fault: { kind: 'lost-response' } })
  const body = kakaoPayChargeRequest({ merchantPaymentChargeReference: 'order-1' })
  const lost = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: body,
    headers: { 'request-idempotency-key': 'k-lost', 'request-reference': 'req-lost' },
  })
  t.equal(lost.statusCode, 504)
  const chargeId = ctx.store.chargesOf('merch_test_A')[0]!.id

  const [entry] = await journal(ctx)
  t.same(entry, {
    seq: entry!.seq,
    kind: 'request',
    at: entry!.at,
    sandboxTime: NOW,
    chargeId,
    method: 'POST',
    path: '/v1/payment-charges',
    status: 504,
    durationMs: entry!.durationMs,
    requestId: 'req-lost',
    idempotencyKey: 'k-lost',
    idempotentReplay: false,
    fault: { kind: 'lost-response', source: 'rule', ruleId: rule.id, status: 504, processedStatus: 200 },
    reason: {
      code: 'FAULT_INJECTED',
      message: `lost-response fault injected by rule ${rule.id}: processed (200), then answered 504 instead of the real answer`,
    },
    requestBody: JSON.stringify(body),
    responseBody: lost.body,
  })

  // The charge exists, and its timeline starts with the request whose answer was lost.
  const story = await timeline(ctx, chargeId)
  t.same(
    story.map((m) => `${m.kind} ${m.type ?? m.status}`),
    ['request 504', 'event PAYMENT_CHARGE_CREATED', 'event PAYMENT_CHARGE_AUTHENTICATION_PENDING'],
  )
  t.same(story[0], withoutBodies(entry!))
  t.same(await journal(ctx, `?chargeId=${chargeId}`), [entry], 'the journal finds it by the charge')

  // The keyed retry replays; it is not faulted, and says so by having no fault.
  const retry = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: body,
    headers: { 'request-idempotency-key': 'k-lost' },
  })
  t.equal(retry.headers['request-idempotency'], 'true')
  const [replayed] = await journal(ctx)
  t.equal(replayed!.fault, undefined)
  t.same(replayed!.reason, {
    code: 'IDEMPOTENT_REPLAY',
    message: 'answered with the first response to Request-Idempotency-Key "k-lost"; nothing was done again',
  })

  // The log: the fault as it was decided, the request's line naming it, and the outcome with the charge.
  const mine = lines.filter((l) => l.reqId === 'req-lost')
  t.match(
    mine.find((l) => l.msg === 'fault injected: lost-response'),
    { fault: `lost-response; status=504; rule=${rule.id}` },
  )
  t.match(
    mine.find((l) => l.msg === 'request completed'),
    { fault: `lost-response; status=504; rule=${rule.id}`, res: { statusCode: 504 } },
  )
  const outcome = mine.find((l) => l.msg?.startsWith('request faulted: '))
  t.same(
    { msg: outcome?.msg, chargeId: outcome?.chargeId, fault: outcome?.fault, reason: outcome?.reason, status: outcome?.status },
    { msg: `request faulted: ${entry!.reason.message}`, chargeId, fault: entry!.fault, reason: entry!.reason, status: 504 },
  )
})

t.test('error, 429 and latency faults, by rule or by header, each in the journal and the timeline', async (t) => {
  const ctx = await buildTestApp(t)
  const charge = await ctx.createCharge()
  const slow = await addRule(t, ctx, {
    match: { method: 'GET', path: '/v1/payment-charges/{id}' },
    fault: { kind: 'latency', latencyMs: 30 },
  })
  const read = await ctx.call({ method: 'GET', url: `/v1/payment-charges/${charge.id}` })
  t.equal(read.statusCode, 200)
  const error = await ctx.call({
    method: 'POST',
    url: `/v1/payment-charges/${charge.id}/refunds`,
    payload: { amount: 100 },
    headers: { 'sandbox-fault': 'error; status=503' },
  })
  t.equal(error.statusCode, 503)
  const limited = await ctx.call({
    method: 'GET',
    url: '/v1/payment-charges',
    headers: { 'sandbox-fault': 'error; status=429; latencyMs=5' },
  })
  t.equal(limited.statusCode, 429)

  const [tooMany, refused, late] = await journal(ctx)
  t.same(
    [late!.fault, late!.reason, late!.status, late!.chargeId],
    [
      { kind: 'latency', source: 'rule', ruleId: slow.id, latencyMs: 30 },
      { code: 'FAULT_INJECTED', message: `latency fault injected by rule ${slow.id}: answered 200 30 ms late` },
      200,
      charge.id,
    ],
  )
  t.ok(late!.durationMs >= 29, 'its duration includes the latency')
  t.same(withoutBodies(refused!), {
    seq: refused!.seq,
    kind: 'request',
    at: refused!.at,
    sandboxTime: NOW,
    chargeId: charge.id,
    method: 'POST',
    path: `/v1/payment-charges/${charge.id}/refunds`,
    status: 503,
    durationMs: refused!.durationMs,
    requestId: refused!.requestId,
    fault: { kind: 'error', source: 'header', status: 503 },
    reason: {
      code: 'FAULT_INJECTED',
      message: 'error fault injected by the Sandbox-Fault request header: answered 503 without processing the request',
    },
  })
  t.equal(refused!.responseBody, error.body, 'the answer the client got')
  t.same(tooMany!.fault, { kind: 'error', source: 'header', status: 429, latencyMs: 5, retryAfterSeconds: 1 })
  t.equal(
    tooMany!.reason.message,
    'error fault injected by the Sandbox-Fault request header: answered 429 after 5 ms of added latency without processing the request',
  )

  const story = await timeline(ctx, charge.id)
  t.same(
    story.filter((m) => m.kind === 'request').map((m) => [m.method, m.status, m.fault?.kind]),
    [
      ['POST', 200, undefined],
      ['GET', 200, 'latency'],
      ['POST', 503, 'error'],
    ],
    "the charge's timeline shows the faulted requests about it",
  )

  // A fault that only added latency leaves the answer's own reason in place.
  await addRule(t, ctx, { match: { method: 'POST' }, fault: { kind: 'latency', latencyMs: 1 } })
  await ctx.call({ method: 'POST', url: `/v1/payment-charges/${charge.id}/captures`, payload: { amount: 15000 } })
  const [capture] = await journal(ctx)
  t.same([capture!.status, capture!.reason.code, capture!.fault.kind], [400, 'REQUEST_REFUSED', 'latency'])
})

/** A plain HTTP/1.1 client on its own connection, with its own timeout, as a merchant's backend has one. */
function plain(port: number, method: string, path: string, body: unknown, headers: Record<string, string>, timeoutMs?: number) {
  return new Promise<string>((resolve) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, headers: { ...AUTH, 'content-type': 'application/json', ...headers }, agent: false },
      (res) => resolve(`answered ${res.statusCode}`),
    )
    if (timeoutMs !== undefined)
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'CLIENT_TIMEOUT' })))
    req.on('error', (err: Error & { code?: string }) => resolve(err.code ?? err.message))
    req.end(JSON.stringify(body))
  })
}

/** Polls `read` until `done`, for at most 5 s. */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000
  for (;;) {
    const v = await read()
    if (done(v) || Date.now() > deadline) return v
    await new Promise((r) => setTimeout(r, 10))
  }
}

t.test('disconnect, reset and hang on the wire are journaled too: status 0, nothing answered', async (t) => {
  const ctx = await buildTestApp(t)
  await ctx.app.listen({ port: 0, host: '127.0.0.1' })
  const port = (ctx.app.server.address() as AddressInfo).port
  const cut = await addRule(t, ctx, { match: { method: 'POST', path: '/v1/payment-charges' }, fault: { kind: 'disconnect' } })
  const body = kakaoPayChargeRequest()
  t.equal(
    await plain(port, 'POST', '/v1/payment-charges', body, { 'request-idempotency-key': 'k-cut', 'request-reference': 'r-cut' }),
    'ECONNRESET',
  )
  const chargeId = ctx.store.chargesOf('merch_test_A')[0]!.id
  const [disconnected] = await until(
    () => journal(ctx),
    (d) => d.length >= 1,
  )
  t.same(disconnected, {
    seq: disconnected!.seq,
    kind: 'request',
    at: disconnected!.at,
    sandboxTime: NOW,
    chargeId,
    method: 'POST',
    path: '/v1/payment-charges',
    status: 0,
    durationMs: disconnected!.durationMs,
    requestId: 'r-cut',
    idempotencyKey: 'k-cut',
    idempotentReplay: false,
    fault: { kind: 'disconnect', source: 'rule', ruleId: cut.id, processedStatus: 200 },
    reason: {
      code: 'FAULT_INJECTED',
      message: `disconnect fault injected by rule ${cut.id}: processed (200), then the connection was closed before any byte of the answer`,
    },
    requestBody: JSON.stringify(body),
  })
  t.same((await timeline(ctx, chargeId))[0], withoutBodies(disconnected!), "first in the charge's timeline")

  t.equal(
    await plain(port, 'POST', '/v1/payment-charges', body, { 'sandbox-fault': 'reset', 'request-reference': 'r-reset' }),
    'ECONNRESET',
  )
  const [reset] = await until(
    () => journal(ctx),
    (d) => d[0]?.requestId === 'r-reset',
  )
  t.same(reset, {
    seq: reset!.seq,
    kind: 'request',
    at: reset!.at,
    sandboxTime: NOW,
    method: 'POST',
    path: '/v1/payment-charges',
    status: 0,
    durationMs: reset!.durationMs,
    requestId: 'r-reset',
    fault: { kind: 'reset', source: 'header' },
    reason: {
      code: 'FAULT_INJECTED',
      message: 'reset fault injected by the Sandbox-Fault request header: the connection was reset; nothing was processed',
    },
    requestBody: JSON.stringify(body),
  })

  // A hang is journaled when the client gives up on it.
  const hang = await addRule(t, ctx, { match: { method: 'GET' }, fault: { kind: 'hang' } })
  t.equal(await plain(port, 'GET', `/v1/payment-charges/${chargeId}`, undefined, { 'request-reference': 'r-hang' }, 100), 'CLIENT_TIMEOUT')
  const [hung] = await until(
    () => journal(ctx),
    (d) => d[0]?.requestId === 'r-hang',
  )
  const { reason: hangReason, ...rest } = hung!
  t.same(rest, {
    seq: hung!.seq,
    kind: 'request',
    at: hung!.at,
    sandboxTime: NOW,
    chargeId,
    method: 'GET',
    path: `/v1/payment-charges/${chargeId}`,
    status: 0,
    durationMs: hung!.durationMs,
    requestId: 'r-hang',
    fault: { kind: 'hang', source: 'rule', ruleId: hang.id },
  })
  t.ok(hung!.durationMs >= 90, `it hung until the client's 100 ms timeout (${hung!.durationMs} ms)`)
  t.match(hangReason, {
    code: 'FAULT_INJECTED',
    message: new RegExp(
      `^hang fault injected by rule ${hang.id}: no answer; nothing was processed, and the connection stayed open for \\d+ ms until it closed$`,
    ),
  })
  t.same(
    (await journal(ctx, '?path=/v1/*')).map((e) => e.requestId),
    ['r-hang', 'r-reset', 'r-cut'],
    'each once: none of them is journaled again by the response hooks',
  )
})

t.test('webhook faults: each faulted attempt says so in the timeline and the stream, and how', async (t) => {
  // The receiver refuses what it cannot verify, as a merchant's should (signatures are made on the test's clock).
  const hook = await receiver(t, (_n, r) =>
    verifyWebhook(r.body, r.headers, SECRET, { nowSeconds: Date.parse(NOW) / 1000 + 30 }).ok ? 200 : 401,
  )
  const { ctx, lines } = await logged(t, {
    config: { webhooks: { url: hook.url, secret: SECRET, timeoutMs: 2000, retryBaseMs: 15000, maxAttempts: 15 } },
  })
  const rules = {
    duplicate: await addRule(t, ctx, { webhook: { kind: 'duplicate', eventType: 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED' } }),
    reorder: await addRule(t, ctx, { webhook: { kind: 'reorder', eventType: 'PAYMENT_CHARGE_CREATED' } }),
    delay: await addRule(t, ctx, { webhook: { kind: 'delay', eventType: 'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED', delaySeconds: 60 } }),
    bad: await addRule(t, ctx, { webhook: { kind: 'bad-signature', eventType: 'PAYMENT_CHARGE_AUTHENTICATION_PENDING' } }),
  }
  const charge = await ctx.createCharge()
  await ctx.control(charge.id, 'approve')
  await ctx.app.sandbox.webhooks.idle()
  ctx.app.sandbox.advance(60_000)
  await ctx.app.sandbox.webhooks.idle()
  const stale = await addRule(t, ctx, { webhook: { kind: 'stale-signature', staleSeconds: 900 } })
  await ctx.call({ method: 'POST', url: `/v1/payment-charges/${charge.id}/refunds`, payload: { amount: 1000 } })
  await ctx.app.sandbox.webhooks.idle()

  const deliveries = (await timeline(ctx, charge.id)).filter((m) => m.kind === 'delivery')
  const byType = (type: string) => deliveries.filter((m) => m.type === type)
  const faults = deliveries.map((m) => [m.type, m.attempt, m.statusCode, m.fault])
  t.same(faults, [
    ['PAYMENT_CHARGE_AUTHENTICATION_PENDING', 1, 401, { kind: 'bad-signature', ruleId: rules.bad.id }],
    ['PAYMENT_CHARGE_CREATED', 1, 200, { kind: 'reorder', ruleId: rules.reorder.id }],
    ['PAYMENT_CHARGE_CAPTURE_SUCCEEDED', 1, 200, { kind: 'duplicate', ruleId: rules.duplicate.id }],
    ['PAYMENT_CHARGE_CAPTURE_SUCCEEDED', 2, 200, { kind: 'duplicate', ruleId: rules.duplicate.id, copy: 2 }],
    ['PAYMENT_CHARGE_AUTHENTICATION_PENDING', 2, 200, undefined],
    ['PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED', 1, 200, { kind: 'delay', ruleId: rules.delay.id, delaySeconds: 60 }],
    ['PAYMENT_CHARGE_REFUND_SUCCEEDED', 1, 401, { kind: 'stale-signature', ruleId: stale.id, staleSeconds: 900 }],
  ])
  const [forged] = byType('PAYMENT_CHARGE_AUTHENTICATION_PENDING')
  t.same(forged, {
    seq: forged!.seq,
    kind: 'delivery',
    at: forged!.at,
    sandboxTime: NOW,
    chargeId: charge.id,
    eventId: forged!.eventId,
    type: 'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
    url: hook.url,
    attempt: 1,
    statusCode: 401,
    durationMs: forged!.durationMs,
    responseBody: forged!.responseBody,
    nextAttemptAt: '2026-01-15T09:00:15.000Z',
    replay: false,
    deliveryStatus: 'PENDING',
    fault: { kind: 'bad-signature', ruleId: rules.bad.id },
    reason: {
      code: 'WEBHOOK_RETRY',
      message: 'attempt 1 was answered HTTP 401, not 2xx; attempt 2 in 15 s (at 2026-01-15T09:00:15.000Z sandbox time)',
    },
  })
  t.same(byType('PAYMENT_CHARGE_CAPTURE_SUCCEEDED')[1]!.replay, true, 'the copy is the extra attempt')
  t.equal(byType('PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED')[0]!.sandboxTime, '2026-01-15T09:01:00.000Z', 'sent 60 s late')

  // The same attempts in the delivery log, and the dispatcher's log lines name the fault.
  const log = (
    await ctx.call({ method: 'GET', url: `/sandbox/webhooks?chargeId=${charge.id}&type=PAYMENT_CHARGE_REFUND_SUCCEEDED` })
  ).json()
  t.equal(log.data[0].attempts[0].fault, `stale-signature; staleSeconds=900; rule=${stale.id}`)
  const retry = lines.find((l) => l.msg === 'webhook not acknowledged; will retry' && l.type === 'PAYMENT_CHARGE_REFUND_SUCCEEDED')
  t.equal(retry?.fault, `stale-signature; staleSeconds=900; rule=${stale.id}`)
  t.ok(
    lines.some((l) => l.msg === 'webhook delivered' && l.fault === `duplicate; copy=2; rule=${rules.duplicate.id}`),
    'the duplicate copy is logged as one',
  )
  t.same(
    hook.received.filter((r: Received) => r.json.type === 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED').length,
    2,
    'the receiver did get the capture twice',
  )
})
