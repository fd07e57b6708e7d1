// Fault rules on replicas: a rule set on one replica is applied by every one, a count holds over all of
// them, a seeded probability rule fires on the same matches as in memory mode, and removing a rule
// anywhere removes it everywhere. Real processes on a redis-server of the test's own; skipped, never
// passed, without redis-server.
import t from 'tap'
import { authFor, kakaoPayChargeRequest } from '../helpers/app.js'
import { buildTestApp } from '../helpers/app.js'
import { type SandboxProcess, startProcess } from '../helpers/process.js'
import { needsRedis, startRedis } from '../helpers/redis.js'

t.setTimeout(120_000)

t.test('fault rules are shared by every replica', needsRedis, async (t) => {
  const redis = await startRedis(t)
  const env = { REDIS_URL: redis.url, REDIS_POLL_MS: '50', AUTH_TIMEOUT_SECONDS: '6000' }
  const replicas = (await Promise.all([startProcess(t, env), startProcess(t, env), startProcess(t, env)])) as SandboxProcess[]
  const [a, b, c] = replicas as [SandboxProcess, SandboxProcess, SandboxProcess]
  const h = authFor('merch_faults')

  t.test('a count rule set on one replica fires exactly its count over all of them', async (t) => {
    const { id } = (await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)).json
    t.equal((await b.call('POST', `/sandbox/payment-charges/${id}/approve`, undefined, h)).json.status, 'CAPTURED')
    const rule = { match: { method: 'POST', path: '/v1/payment-charges/{id}/refunds' }, fault: { kind: 'error', status: 503 }, count: 3 }
    const added = await a.call('POST', '/sandbox/faults', rule, h)
    t.equal(added.status, 201)
    const listed = await Promise.all(replicas.map((r) => r.call('GET', '/sandbox/faults', undefined, h)))
    for (const l of listed) t.same(l.json, { data: [added.json] }, 'every replica lists the rule as it was added')
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => replicas[i % 3]!.call('POST', `/v1/payment-charges/${id}/refunds`, { amount: 1000 }, h)),
    )
    const faulted = answers.filter((r) => r.status === 503)
    t.equal(faulted.length, 3, 'three refunds answered the injected 503, over the three replicas')
    for (const r of faulted) t.match(r.headers.get('sandbox-fault'), new RegExp(`^error; status=503; rule=${added.json.id}`))
    t.equal(answers.filter((r) => r.status === 200).length, 9, 'the others processed')
    const after = (await c.call('GET', '/sandbox/faults', undefined, h)).json.data[0]
    t.same([after.remaining, after.matched, after.fired], [0, 3, 3], "each replica's matches counted once, in Redis")
    const refunds = (await b.call('GET', `/v1/payment-charges/${id}/refunds`, undefined, h)).json.data
    t.equal(refunds.length, 9, 'a faulted request processed nothing')
    const removed = await c.call('DELETE', `/sandbox/faults/${added.json.id}`, undefined, h)
    t.same(removed.json, after, 'removal answers the rule with its counts')
    for (const r of replicas) t.same((await r.call('GET', '/sandbox/faults', undefined, h)).json, { data: [] })
    t.equal((await c.call('DELETE', `/sandbox/faults/${added.json.id}`, undefined, h)).status, 404)
  })

  t.test('a rule matching a charge reference fires on a path naming the charge, on every replica', async (t) => {
    const { id } = (await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest({ merchantPaymentChargeReference: 'order-42' }), h))
      .json
    const other = (await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest({ merchantPaymentChargeReference: 'order-7' }), h))
      .json.id
    const rule = { match: { method: 'GET', merchantPaymentChargeReference: 'order-42' }, fault: { kind: 'error', status: 500 }, count: 2 }
    t.equal((await b.call('POST', '/sandbox/faults', rule, h)).status, 201)
    t.equal((await c.call('GET', `/v1/payment-charges/${other}`, undefined, h)).status, 200, 'another charge is not matched')
    t.equal((await c.call('GET', `/v1/payment-charges/${id}`, undefined, h)).status, 500)
    t.equal((await a.call('GET', `/v1/payment-charges/${id}`, undefined, h)).status, 500)
    t.equal((await b.call('GET', `/v1/payment-charges/${id}`, undefined, h)).status, 200, 'the count is used up')
    t.same((await a.call('DELETE', '/sandbox/faults', undefined, h)).json, { deleted: 1 })
  })

  t.test('a seeded probability rule fires on the same matches over replicas as in one memory-mode process', async (t) => {
    const rule = { match: { method: 'GET', path: '/v1/payment-charges' }, fault: { kind: 'error', status: 502 }, probability: 0.4, seed: 7 }
    const memory = await buildTestApp(t)
    t.equal((await memory.post('/sandbox/faults', rule)).statusCode, 201)
    const want: number[] = []
    for (let i = 0; i < 24; i++) want.push((await memory.call({ method: 'GET', url: '/v1/payment-charges' })).statusCode)
    t.ok(want.includes(502) && want.includes(200), `memory mode: ${want.filter((s) => s === 502).length} of 24 faulted`)
    t.equal((await c.call('POST', '/sandbox/faults', rule, h)).status, 201)
    const got: number[] = []
    for (let i = 0; i < 24; i++) got.push((await replicas[i % 3]!.call('GET', '/v1/payment-charges', undefined, h)).status)
    t.same(got, want, 'the n-th match over all replicas takes the n-th draw')
    const view = (await a.call('GET', '/sandbox/faults', undefined, h)).json.data[0]
    const mem = (await memory.call({ method: 'GET', url: '/sandbox/faults' })).json().data[0]
    t.same([view.matched, view.fired], [mem.matched, mem.fired])
  })

  t.test('bad rules are refused on replicas and store nothing; a reset removes the rules everywhere', async (t) => {
    const bad = await a.call('POST', '/sandbox/faults', { fault: { kind: 'error', status: 200 } }, h)
    t.equal(bad.status, 400)
    t.match(bad.json.failureMessage ?? bad.text, /invalid fault rule/)
    const hook = await b.call('POST', '/sandbox/faults', { webhook: { kind: 'duplicate', delaySeconds: 5 } }, h)
    t.equal(hook.status, 400, 'a webhook rule is checked as in memory mode')
    t.equal((await c.call('GET', '/sandbox/faults', undefined, h)).json.data.length, 1, 'only the probability rule')
    t.equal((await b.call('DELETE', '/sandbox/data', undefined, h)).status, 200)
    for (const r of replicas) t.same((await r.call('GET', '/sandbox/faults', undefined, h)).json, { data: [] })
    t.equal((await a.call('GET', '/v1/payment-charges', undefined, h)).status, 200)
    t.same(await redis.client.keys('pks:f:merch_faults*'), [])
  })
})
