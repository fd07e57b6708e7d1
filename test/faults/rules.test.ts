import t from 'tap'
import { approvedCharge, buildTestApp, MERCHANT, OTHER_AUTH, kakaoPayChargeRequest, type TestApp } from '../helpers/app.js'
import { logLines } from '../helpers/log.js'
import { mulberry32 } from '../../src/faults/prng.js'
import { compilePath } from '../../src/faults/store.js'
import { parseFaultHeader } from '../../src/faults/rules.js'

const CREATED_AT = '2026-01-15T09:00:00.000Z'
const addRule = (ctx: TestApp, body: unknown, headers: Record<string, string> = {}) =>
  ctx.call({ method: 'POST', url: '/sandbox/faults', payload: body as object, headers })
const listRules = async (ctx: TestApp, headers: Record<string, string> = {}) =>
  (await ctx.call({ method: 'GET', url: '/sandbox/faults', headers })).json().data

t.test('mulberry32 is the well-known generator: seed 1 starts 0.6270739405881613', async (t) => {
  const r = mulberry32(1)
  t.same([r(), r(), r()], [0.6270739405881613, 0.002735721180215478, 0.5274470399599522])
})

t.test('path templates compile once to a pattern of one segment per {name}', async (t) => {
  const p = compilePath('/v1/payment-charges/{id}/refunds')
  t.ok(p.test('/v1/payment-charges/charge_1/refunds'))
  t.ok(p.test('/v1/payment-charges/charge_1/refunds/'), 'trailing slash')
  t.notOk(p.test('/v1/payment-charges/charge_1/refunds/refund_1'))
  t.notOk(p.test('/v1/payment-charges/a/b/refunds'))
  t.notOk(p.test('/v1/payment-charges'))
  t.ok(compilePath('/v1/payment-charges').test('/v1/payment-charges'))
  t.notOk(compilePath('/v1/payment-charges').test('/v1/payment-charges/charge_1'))
})

t.test('a rule is answered with its id, listed with its counts, removed one by one or all at once', async (t) => {
  const ctx = await buildTestApp(t)
  const added = await addRule(ctx, {
    match: { method: 'POST', path: '/v1/payment-charges' },
    fault: { kind: 'error', status: 503 },
    count: 2,
  })
  t.equal(added.statusCode, 201)
  const first = {
    id: 'fault_1',
    match: { method: 'POST', path: '/v1/payment-charges' },
    fault: { kind: 'error', status: 503 },
    count: 2,
    remaining: 2,
    seed: 1,
    matched: 0,
    fired: 0,
    createdAt: CREATED_AT,
  }
  t.same(added.json(), first)
  const hook = await addRule(ctx, { webhook: { kind: 'duplicate', eventType: 'PAYMENT_CHARGE_CREATED' }, probability: 0.25, seed: 9 })
  const second = {
    id: 'fault_2',
    webhook: { kind: 'duplicate', eventType: 'PAYMENT_CHARGE_CREATED' },
    probability: 0.25,
    seed: 9,
    matched: 0,
    fired: 0,
    createdAt: CREATED_AT,
  }
  t.same(hook.json(), second)

  const a = await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })
  t.equal(a.statusCode, 503)
  t.same(a.json(), { status: 503, failureMessage: 'Service unavailable', timestamp: CREATED_AT })
  t.equal(a.headers['sandbox-fault'], 'error; status=503; rule=fault_1')
  await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })
  const third = await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })
  t.equal(third.statusCode, 200, 'a count rule faults the next N matches, then lets requests through')
  t.equal(third.headers['sandbox-fault'], undefined)
  t.equal(ctx.store.chargesOf(MERCHANT).length, 1, 'the two faulted creates processed nothing')

  t.same(await listRules(ctx), [{ ...first, remaining: 0, matched: 2, fired: 2 }, second])
  const removed = await ctx.call({ method: 'DELETE', url: '/sandbox/faults/fault_1' })
  t.same(removed.json(), { ...first, remaining: 0, matched: 2, fired: 2 })
  const again = await ctx.call({ method: 'DELETE', url: '/sandbox/faults/fault_1' })
  t.equal(again.statusCode, 404)
  t.same(again.json(), { status: 404, failureMessage: 'fault rule fault_1 not found', timestamp: CREATED_AT })
  t.same(await listRules(ctx), [second])
  await addRule(ctx, { fault: { kind: 'hang' } })
  t.same((await ctx.call({ method: 'DELETE', url: '/sandbox/faults' })).json(), { deleted: 2 })
  t.same(await listRules(ctx), [])
})

t.test('bad rules are a clear 400 and store nothing', async (t) => {
  const ctx = await buildTestApp(t)
  const cases: Array<[unknown, string]> = [
    [{}, 'a fault rule needs "fault" (an API fault) or "webhook" (a webhook fault)'],
    [[], 'the request body must be a fault rule object'],
    [{ fault: { kind: 'explode' } }, 'fault.kind must be one of latency, error, lost-response, disconnect, reset, hang'],
    [{ fault: { kind: 'error', status: 404 } }, 'fault.status must be one of 429, 500, 502, 503, 504 for an error fault'],
    [{ fault: { kind: 'lost-response', status: 429 } }, 'fault.status must be one of 500, 502, 503, 504 for a lost-response fault'],
    [{ fault: { kind: 'hang', status: 504 } }, 'fault.status is not taken by a hang fault, which answers no status'],
    [{ fault: { kind: 'latency' } }, 'fault.latencyMs is required for a latency fault'],
    [{ fault: { kind: 'latency', latencyMs: { min: 300, max: 100 } } }, 'fault.latencyMs min must not be more than max'],
    [{ fault: { kind: 'latency', latencyMs: 500_000 } }, 'fault.latencyMs must be at most 120000'],
    [
      { fault: { kind: 'error', status: 503, retryAfterSeconds: 5 } },
      'fault.retryAfterSeconds is taken only by an error fault with status 429',
    ],
    [
      { match: { path: '/sandbox/faults' }, fault: { kind: 'reset' } },
      "match.path must be a path of PPRO's API, literal or a template such as /v1/payment-charges/{id}/refunds",
    ],
    [{ match: { method: 'PATCH' }, fault: { kind: 'reset' } }, 'match.method must be one of GET, POST'],
    [{ match: { chargeId: 'x' }, fault: { kind: 'reset' } }, 'match has unknown field(s): chargeId'],
    [
      { fault: { kind: 'reset' }, count: 1, probability: 0.5 },
      'probability cannot be given with count: a rule fires the next count matches, or each with a probability',
    ],
    [{ fault: { kind: 'reset' }, count: 0 }, 'count must be at least 1'],
    [{ fault: { kind: 'reset' }, probability: 1.5 }, 'probability must be at most 1'],
    [{ fault: { kind: 'reset' }, seed: -1 }, 'seed must be at least 0'],
    [{ webhook: { kind: 'reorder', eventType: 'PAYMENT_CHARGE_CAPTURED' } }, 'webhook.eventType must be one of'],
    [{ webhook: { kind: 'duplicate', delaySeconds: 5 } }, 'webhook.delaySeconds is taken only by delay and reorder faults'],
    [{ webhook: { kind: 'delay', staleSeconds: 5 } }, 'webhook.staleSeconds is taken only by a stale-signature fault'],
    [{ webhook: { kind: 'delay' }, fault: { kind: 'reset' } }, 'the request body has unknown field(s): fault'],
  ]
  for (const [body, message] of cases) {
    const res = await addRule(ctx, body)
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.match(res.json(), { status: 400, failureMessage: `invalid fault rule: ${message}` }, message)
    t.ok(res.json().failureMessage.startsWith(`invalid fault rule: ${message}`), message)
  }
  t.same(await listRules(ctx), [], 'nothing was stored')
})

t.test('the Sandbox-Fault header forces a fault on one request; a bad one is a 400 that processes nothing', async (t) => {
  t.same(parseFaultHeader('lost-response; status=504'), { fault: { kind: 'lost-response', status: 504 } })
  t.same(parseFaultHeader('latency;latencyMs=100-300'), { fault: { kind: 'latency', latencyMs: { min: 100, max: 300 } } })
  t.same(parseFaultHeader('error; status=429; retryAfterSeconds=30'), { fault: { kind: 'error', status: 429, retryAfterSeconds: 30 } })
  const ctx = await buildTestApp(t)
  const forced = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: kakaoPayChargeRequest(),
    headers: { 'sandbox-fault': 'error; status=429; retryAfterSeconds=30' },
  })
  t.equal(forced.statusCode, 429)
  t.equal(forced.headers['retry-after'], '30')
  t.equal(forced.headers['sandbox-fault'], 'error; status=429; retryAfterSeconds=30; source=header')
  t.same(forced.json(), { status: 429, failureMessage: 'Too many requests: retry after the time in Retry-After', timestamp: CREATED_AT })
  const bad = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: kakaoPayChargeRequest(),
    headers: { 'sandbox-fault': 'error; status=418' },
  })
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), {
    status: 400,
    failureMessage: 'the Sandbox-Fault header is not valid: status must be one of 429, 500, 502, 503, 504 for an error fault',
    timestamp: CREATED_AT,
  })
  const junk = await ctx.call({ method: 'GET', url: '/v1/payment-charges', headers: { 'sandbox-fault': 'error; 503' } })
  t.equal(junk.json().failureMessage, 'the Sandbox-Fault header is not valid: "503" is not a name=value parameter')
  t.equal(ctx.store.chargesOf(MERCHANT).length, 0)
  const sandboxPath = await ctx.call({ method: 'GET', url: '/sandbox/faults', headers: { 'sandbox-fault': 'error; status=503' } })
  t.equal(sandboxPath.statusCode, 200, '/sandbox routes are never faulted, so a rule can always be removed')
})

t.test('rules match method, path template and a charge merchant reference, from the body or the charge', async (t) => {
  const ctx = await buildTestApp(t)
  const tagged = await approvedCharge(ctx, { merchantPaymentChargeReference: 'order-42' })
  const other = await approvedCharge(ctx, { merchantPaymentChargeReference: 'order-43' })
  await addRule(ctx, {
    match: { method: 'POST', path: '/v1/payment-charges/{id}/refunds', merchantPaymentChargeReference: 'order-42' },
    fault: { kind: 'error', status: 502 },
    count: 5,
  })
  const refund = (id: string) => ctx.call({ method: 'POST', url: `/v1/payment-charges/${id}/refunds`, payload: { amount: 1000 } })
  t.equal((await refund(other.id)).statusCode, 200, 'another charge')
  t.equal((await ctx.call({ method: 'GET', url: `/v1/payment-charges/${tagged.id}/refunds` })).statusCode, 200, 'another method')
  const faulted = await refund(tagged.id)
  t.equal(faulted.statusCode, 502)
  t.same(faulted.json(), {
    status: 502,
    failureMessage: 'Bad gateway: the upstream dependency answered with an error',
    timestamp: CREATED_AT,
  })

  await ctx.call({ method: 'DELETE', url: '/sandbox/faults' })
  await addRule(ctx, { match: { merchantPaymentChargeReference: 'order-44' }, fault: { kind: 'error', status: 500 }, count: 2 })
  t.equal((await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })).statusCode, 200)
  const create = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: kakaoPayChargeRequest({ merchantPaymentChargeReference: 'order-44' }),
  })
  t.equal(create.statusCode, 500, 'the reference in the body of a create')
  t.same(create.json(), { status: 500, failureMessage: 'Internal server error', timestamp: CREATED_AT })
  const search = await ctx.call({ method: 'GET', url: '/v1/payment-charges?merchantPaymentChargeReference=order-44' })
  t.equal(search.statusCode, 500, 'the reference searched for')
  t.same(
    ctx.store.chargesOf(MERCHANT).map((c) => c.merchantPaymentChargeReference),
    ['order-42', 'order-43', undefined],
  )
})

t.test("one merchant's rules never touch another's requests; DELETE /sandbox/data clears them", async (t) => {
  const ctx = await buildTestApp(t)
  await addRule(ctx, { match: { path: '/v1/payment-charges' }, fault: { kind: 'error', status: 503 }, count: 100 })
  t.same(await listRules(ctx, OTHER_AUTH), [], 'the other merchant sees no rule of the first')
  for (let i = 0; i < 3; i++) {
    const other = await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest(), headers: OTHER_AUTH })
    t.equal(other.statusCode, 200)
    t.equal(other.headers['sandbox-fault'], undefined)
  }
  const removeOthers = await ctx.call({ method: 'DELETE', url: '/sandbox/faults/fault_1', headers: OTHER_AUTH })
  t.equal(removeOthers.statusCode, 404, 'another merchant cannot remove it')
  t.same((await ctx.call({ method: 'DELETE', url: '/sandbox/faults', headers: OTHER_AUTH })).json(), { deleted: 0 })
  t.equal((await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })).statusCode, 503)
  t.match(await listRules(ctx), [{ matched: 1, fired: 1, remaining: 99 }])

  await ctx.call({ method: 'DELETE', url: '/sandbox/data' })
  t.same(await listRules(ctx), [], 'the reset cleared the rules')
  t.equal((await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })).statusCode, 200)
})

t.test('a seeded probability rule faults the same requests on every run', async (t) => {
  const run = async (seed: number) => {
    const ctx = await buildTestApp(t)
    const charge = await approvedCharge(ctx)
    await addRule(ctx, {
      match: { method: 'GET', path: '/v1/payment-charges/{id}' },
      fault: { kind: 'error', status: 503 },
      probability: 0.5,
      seed,
    })
    let sequence = ''
    for (let i = 0; i < 20; i++) {
      const res = await ctx.call({ method: 'GET', url: `/v1/payment-charges/${charge.id}` })
      sequence += res.statusCode === 503 ? 'F' : res.statusCode === 200 ? '.' : '?'
    }
    const [rule] = await listRules(ctx)
    return { sequence, matched: rule.matched, fired: rule.fired }
  }
  const first = await run(7)
  t.same(first, { sequence: 'FF...FFF..FF..FFF.F.', matched: 20, fired: 11 }, 'seed 7: the sequence mulberry32(7) gives')
  t.same(await run(7), first, 'the same sequence again')
  t.equal((await run(8)).sequence, 'F.F..F.F.F.F.FF..FFF', 'another seed, another sequence')
})

t.test('latency delays the answer, which carries the header; a range is drawn from the rule seed', async (t) => {
  const ctx = await buildTestApp(t)
  await addRule(ctx, { match: { method: 'GET' }, fault: { kind: 'latency', latencyMs: { min: 20, max: 40 } }, seed: 3 })
  const started = performance.now()
  const res = await ctx.call({ method: 'GET', url: '/v1/payment-charges' })
  const waited = performance.now() - started
  t.equal(res.statusCode, 200)
  const ms = Number(/latencyMs=(\d+)/.exec(String(res.headers['sandbox-fault']))?.[1])
  const r = mulberry32(3)
  t.equal(ms, 20 + Math.floor(r() * 21), 'the drawn latency, from seed 3')
  t.equal(res.headers['sandbox-fault'], `latency; latencyMs=${ms}; rule=fault_1`)
  t.ok(waited >= ms - 1, `answered after the latency (${Math.round(waited)} ms >= ${ms} ms)`)
})

t.test('every injected fault is a log line naming it, under the request id', async (t) => {
  const { stream, lines } = logLines()
  const ctx = await buildTestApp(t, { logger: { level: 'info', stream } })
  await addRule(ctx, { match: { method: 'POST', path: '/v1/payment-charges' }, fault: { kind: 'lost-response', status: 503 } })
  await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: kakaoPayChargeRequest(),
    headers: { 'request-reference': 'trace-7' },
  })
  t.match(
    lines.filter((l) => l.reqId === 'trace-7' && l.fault !== undefined),
    [{ level: 30, fault: 'lost-response; status=503; rule=fault_1', msg: 'fault injected: lost-response' }],
  )
})

t.test('under app.inject() a cut connection rejects the injection; a disconnect still processed the request', async (t) => {
  const ctx = await buildTestApp(t)
  const post = (fault: string) =>
    ctx.call({
      method: 'POST',
      url: '/v1/payment-charges',
      payload: kakaoPayChargeRequest(),
      headers: { 'sandbox-fault': fault, 'request-idempotency-key': fault },
    })
  await t.rejects(post('reset'), /response destroyed before completion/)
  t.equal(ctx.store.chargesOf(MERCHANT).length, 0)
  await t.rejects(post('disconnect'), /response destroyed before completion/)
  t.equal(ctx.store.chargesOf(MERCHANT).length, 1)
  const retry = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: kakaoPayChargeRequest(),
    headers: { 'request-idempotency-key': 'disconnect' },
  })
  t.equal(retry.headers['request-idempotency'], 'true')
})
