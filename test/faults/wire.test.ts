import t from 'tap'
import type { Test } from 'tap'
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AUTH, buildTestApp, MERCHANT, OTHER_AUTH, OTHER_MERCHANT, kakaoPayChargeRequest } from '../helpers/app.js'
import { receiver } from '../helpers/receiver.js'
import { faultsClient } from '../../src/faults/index.js'

const CREATED_AT = '2026-01-15T09:00:00.000Z'
const SECRET = 'whsec_test'

/** The sandbox on a real socket (127.0.0.1, port 0), with a webhook receiver when asked. */
async function wire(t: Test, webhookUrl?: string) {
  const ctx = await buildTestApp(t, {
    config: webhookUrl ? { webhooks: { url: webhookUrl, secret: SECRET, timeoutMs: 2000, retryBaseMs: 15000, maxAttempts: 15 } } : {},
  })
  await ctx.app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`
  const request = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`${base}${path}`, {
      method,
      headers: { ...AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signal ?? AbortSignal.timeout(30_000),
    })
  const addRule = async (rule: unknown) => {
    const res = await request('POST', '/sandbox/faults', rule)
    t.equal(res.status, 201, 'rule added')
    return (await res.json()) as { id: string }
  }
  return { ...ctx, base, request, addRule }
}

/** What a fetch that does not get an answer rejects with: the cause's code. */
async function failure(p: Promise<Response>): Promise<string> {
  try {
    const res = await p
    return `answered ${res.status}`
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } }
    return e.name === 'TimeoutError' ? 'TimeoutError' : (e.cause?.code ?? e.message)
  }
}

/** Fails the test instead of waiting forever. */
function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms)
    }),
  ])
}

t.test('lost response: the charge exists, its webhooks fire once, a keyed retry replays it, an unkeyed one pays twice', async (t) => {
  const hook = await receiver(t)
  const s = await wire(t, hook.url)
  const rule = await s.addRule({ match: { method: 'POST', path: '/v1/payment-charges' }, fault: { kind: 'lost-response' }, count: 1 })
  const order = kakaoPayChargeRequest({ merchantPaymentChargeReference: 'order-1' })
  const key = { 'request-idempotency-key': 'order-1-create' }

  const lost = await s.request('POST', '/v1/payment-charges', order, key)
  t.equal(lost.status, 504)
  t.equal(lost.headers.get('sandbox-fault'), `lost-response; status=504; rule=${rule.id}`)
  t.same(await lost.json(), { status: 504, failureMessage: 'Call to the upstream dependency timed out.', timestamp: CREATED_AT })

  const stored = s.store.chargesOf(MERCHANT)
  t.equal(stored.length, 1, 'the charge was created all the same')
  const chargeId = stored[0]!.id
  const found = (await (await s.request('GET', '/v1/payment-charges?merchantPaymentChargeReference=order-1')).json()) as {
    data: Array<{ id: string }>
  }
  t.same(
    found.data.map((c) => c.id),
    [chargeId],
    'and can be found by its reference',
  )
  await s.app.sandbox.webhooks.idle()
  t.same(
    hook.received.map((r) => [r.json.type, r.json.subject]),
    [
      ['PAYMENT_CHARGE_CREATED', chargeId],
      ['PAYMENT_CHARGE_AUTHENTICATION_PENDING', chargeId],
    ],
    'its webhooks were sent',
  )

  const keyed = await s.request('POST', '/v1/payment-charges', order, key)
  t.equal(keyed.status, 200)
  t.equal(keyed.headers.get('request-idempotency'), 'true', 'the keyed retry is a replay')
  t.equal(keyed.headers.get('sandbox-fault'), null)
  const replayed = (await keyed.json()) as { id: string; status: string }
  t.equal(replayed.id, chargeId, 'of the charge the lost answer was about')
  t.equal(replayed.status, 'AUTHENTICATION_PENDING')
  t.equal(s.store.chargesOf(MERCHANT).length, 1, 'still one charge')

  const unkeyed = await s.request('POST', '/v1/payment-charges', order)
  t.equal(unkeyed.status, 200)
  const second = (await unkeyed.json()) as { id: string }
  t.not(second.id, chargeId)
  t.equal(s.store.chargesOf(MERCHANT).length, 2, 'the unkeyed retry made a second charge: the bug to catch')

  await s.app.sandbox.webhooks.idle()
  t.equal(hook.received.filter((r) => r.json.subject === chargeId).length, 2, "the first charge's webhooks fired once")
  t.equal(hook.received.filter((r) => r.json.subject === second.id).length, 2)
})

t.test('lost response with another status, on a refund: refunded once, keyed retry replays', async (t) => {
  const s = await wire(t)
  const charge = (await (await s.request('POST', '/v1/payment-charges', kakaoPayChargeRequest())).json()) as { id: string }
  await s.request('POST', `/sandbox/payment-charges/${charge.id}/approve`)
  await s.addRule({ match: { path: '/v1/payment-charges/{id}/refunds', method: 'POST' }, fault: { kind: 'lost-response', status: 502 } })
  const key = { 'request-idempotency-key': 'refund-1' }
  const lost = await s.request('POST', `/v1/payment-charges/${charge.id}/refunds`, { amount: 5000 }, key)
  t.equal(lost.status, 502)
  const retry = await s.request('POST', `/v1/payment-charges/${charge.id}/refunds`, { amount: 5000 }, key)
  t.equal(retry.headers.get('request-idempotency'), 'true')
  t.match(await retry.json(), { amount: 5000, status: 'REFUNDED' })
  const refunds = (await (await s.request('GET', `/v1/payment-charges/${charge.id}/refunds`)).json()) as { data: unknown[] }
  t.equal(refunds.data.length, 1, 'refunded once')
})

t.test('disconnect: processed, then the connection is cut before any byte; a keyed retry replays', async (t) => {
  const s = await wire(t)
  await s.addRule({ match: { method: 'POST', path: '/v1/payment-charges' }, fault: { kind: 'disconnect' } })
  const key = { 'request-idempotency-key': 'cut-1' }
  t.equal(
    await failure(s.request('POST', '/v1/payment-charges', kakaoPayChargeRequest(), key)),
    'UND_ERR_SOCKET',
    'the socket closed without an answer',
  )
  const stored = s.store.chargesOf(MERCHANT)
  t.equal(stored.length, 1, 'the charge was created')
  const retry = await s.request('POST', '/v1/payment-charges', kakaoPayChargeRequest(), key)
  t.equal(retry.status, 200)
  t.equal(retry.headers.get('request-idempotency'), 'true')
  t.equal(((await retry.json()) as { id: string }).id, stored[0]!.id)
})

t.test('reset: the connection is reset and nothing is processed', async (t) => {
  const s = await wire(t)
  await s.addRule({ match: { method: 'POST', path: '/v1/payment-charges' }, fault: { kind: 'reset' } })
  t.equal(
    await failure(s.request('POST', '/v1/payment-charges', kakaoPayChargeRequest(), { 'request-idempotency-key': 'r1' })),
    'ECONNRESET',
  )
  t.equal(s.store.chargesOf(MERCHANT).length, 0, 'no charge')
  const retry = await s.request('POST', '/v1/payment-charges', kakaoPayChargeRequest(), { 'request-idempotency-key': 'r1' })
  t.equal(retry.status, 200)
  t.equal(retry.headers.get('request-idempotency'), null, 'no key was kept: the retry is the first processing')
  t.equal(await failure(s.request('GET', '/v1/payment-charges', undefined, { 'sandbox-fault': 'reset' })), 'ECONNRESET', 'forced by header')
})

/** A plain HTTP/1.1 client on its own connection (fetch's pool may keep a spare idle connection open). */
function plain(port: number, method: string, path: string, body?: unknown, timeoutMs?: number): Promise<string> {
  return new Promise((resolve) => {
    const headers = { ...AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) =>
      resolve(`answered ${res.statusCode}`),
    )
    // The client's own timeout, as a merchant's HTTP client has one.
    if (timeoutMs !== undefined)
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })))
    req.on('error', (err: Error & { code?: string }) => resolve(err.code ?? err.message))
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

t.test("hang: no answer, the client's own timeout fires, and the server still closes", async (t) => {
  const s = await wire(t)
  const port = (s.app.server.address() as AddressInfo).port
  await s.addRule({ match: { path: '/v1/payment-charges' }, fault: { kind: 'hang' }, count: 2 })
  t.equal(await within(5000, plain(port, 'POST', '/v1/payment-charges', kakaoPayChargeRequest(), 150), 'the first hang'), 'CLIENT_TIMEOUT')
  t.equal(s.store.chargesOf(MERCHANT).length, 0, 'nothing processed')

  // A second hang still open when the server closes: close does not wait for it.
  const open = plain(port, 'GET', '/v1/payment-charges')
  await within(
    5000,
    (async () => {
      while (((await (await s.request('GET', '/sandbox/faults')).json()) as { data: Array<{ fired: number }> }).data[0]!.fired < 2) {
        await new Promise((r) => setTimeout(r, 10))
      }
    })(),
    'the second hang',
  )
  await within(5000, s.app.close(), 'app.close() with a hung request')
  t.equal(await within(5000, open, 'the hung client'), 'ECONNRESET', 'the hung connection was closed by the server (socket hang up)')
})

t.test('latency, error answers and 429 on the wire, each with its Sandbox-Fault header', async (t) => {
  const s = await wire(t)
  await s.addRule({ match: { method: 'GET', path: '/v1/payment-charges' }, fault: { kind: 'latency', latencyMs: 40 } })
  const started = performance.now()
  const slow = await s.request('GET', '/v1/payment-charges')
  t.ok(performance.now() - started >= 39, 'answered after the latency')
  t.equal(slow.status, 200)
  t.equal(slow.headers.get('sandbox-fault'), 'latency; latencyMs=40; rule=fault_1')
  for (const status of [500, 502, 503, 504]) {
    const res = await s.request('POST', '/v1/payment-charges', kakaoPayChargeRequest(), { 'sandbox-fault': `error; status=${status}` })
    t.equal(res.status, status)
    t.equal(res.headers.get('sandbox-fault'), `error; status=${status}; source=header`)
    t.match(await res.json(), { status, failureMessage: String, timestamp: CREATED_AT })
  }
  await s.addRule({ match: { method: 'POST' }, fault: { kind: 'error', status: 429, retryAfterSeconds: 2 }, count: 1 })
  const limited = await s.request('POST', '/v1/payment-charges', kakaoPayChargeRequest())
  t.equal(limited.status, 429)
  t.equal(limited.headers.get('retry-after'), '2')
  t.equal(s.store.chargesOf(MERCHANT).length, 0, 'error answers process nothing')
  t.equal((await s.request('POST', '/v1/payment-charges', kakaoPayChargeRequest())).status, 200, 'the retry after Retry-After goes through')
})

t.test("a merchant's wire faults never touch another merchant on the same server", async (t) => {
  const s = await wire(t)
  await s.addRule({ fault: { kind: 'reset' }, count: 10 })
  const other = await s.request('POST', '/v1/payment-charges', kakaoPayChargeRequest(), { ...OTHER_AUTH })
  t.equal(other.status, 200)
  t.equal(other.headers.get('sandbox-fault'), null)
  t.equal(s.store.chargesOf(OTHER_MERCHANT).length, 1)
  t.equal(
    await failure(s.request('POST', '/v1/payment-charges', kakaoPayChargeRequest())),
    'ECONNRESET',
    'the merchant of the rule is reset',
  )
})

t.test('faultsClient: add, list, remove and clear over HTTP, for the developer kit and scripts', async (t) => {
  const s = await wire(t)
  const faults = faultsClient({ baseUrl: s.base, apiKey: 'sk_test', merchantId: MERCHANT })
  const rule = await faults.add({ match: { method: 'POST', path: '/v1/payment-charges' }, fault: { kind: 'lost-response' }, count: 2 })
  t.match(rule, { id: /^fault_/, fault: { kind: 'lost-response' }, count: 2, remaining: 2, fired: 0 })
  await faults.add({ webhook: { kind: 'reorder' }, probability: 0.5, seed: 3 })
  t.equal((await s.request('POST', '/v1/payment-charges', kakaoPayChargeRequest())).status, 504)
  t.match(await faults.list(), [
    { id: rule.id, remaining: 1, fired: 1 },
    { webhook: { kind: 'reorder' }, probability: 0.5, seed: 3 },
  ])
  t.same((await faults.remove(rule.id)).id, rule.id)
  await t.rejects(faults.remove(rule.id), new RegExp(`DELETE /sandbox/faults/${rule.id}: HTTP 404: fault rule ${rule.id} not found`))
  await t.rejects(
    faults.add({ fault: { kind: 'error', status: 404 } } as never),
    /HTTP 400: invalid fault rule: fault.status must be one of/,
  )
  t.equal(await faults.clear(), 1)
  t.same(await faults.list(), [])
})

t.test('a long added latency does not hold up the server closing: the request is answered at once', async (t) => {
  const s = await wire(t)
  const port = (s.app.server.address() as AddressInfo).port
  await s.addRule({ match: { method: 'GET', path: '/v1/payment-charges' }, fault: { kind: 'latency', latencyMs: 60_000 } })
  const slow = plain(port, 'GET', '/v1/payment-charges')
  await within(
    5000,
    (async () => {
      while (((await (await s.request('GET', '/sandbox/faults')).json()) as { data: Array<{ fired: number }> }).data[0]!.fired < 1) {
        await new Promise((r) => setTimeout(r, 10))
      }
    })(),
    'the slow request',
  )
  await within(5000, s.app.close(), 'app.close() with a request waiting out its latency')
  t.equal(await within(5000, slow, 'the slow client'), 'answered 200')
})
