// SEED_DIR on replicas: replicas started at once on one Redis with the same seed create its charges
// once for all of them. Real processes on a redis-server of the test's own; skipped, never passed,
// without redis-server.
import t from 'tap'
import { webhookSignature } from '../../src/webhooks/signing.js'
import { type SandboxProcess, startProcess } from '../helpers/process.js'
import { needsRedis, startRedis } from '../helpers/redis.js'

t.setTimeout(120_000)

const SEED = new URL('../../fixtures/seed/', import.meta.url).pathname
const h = { authorization: 'Bearer sk_test_sandbox', 'merchant-id': 'merch_demo' }

t.test('SEED_DIR on replicas: its charges once for all replicas, its merchants on each', needsRedis, async (t) => {
  const redis = await startRedis(t)
  const env = { REDIS_URL: redis.url, SEED_DIR: SEED, PUBLIC_BASE_URL: 'http://sandbox.test' }
  const replicas = (await Promise.all([startProcess(t, env), startProcess(t, env), startProcess(t, env)])) as SandboxProcess[]
  t.equal(await redis.client.llen('pks:m:merch_demo:ch'), 4, 'the four seeded charges, once')
  const lists = await Promise.all(replicas.map((r) => r.call('GET', '/v1/payment-charges', undefined, h)))
  for (const l of lists) t.same(l.json, lists[0]!.json, 'every replica lists the same charges')
  const refs = (lists[0]!.json.data as Array<{ authorizations: Array<{ merchantPaymentChargeReference: string }>; status: string }>)
    .map((c) => [c.authorizations[0]!.merchantPaymentChargeReference, c.status])
    .sort()
  t.same(refs, [
    ['order-1001', 'AUTHENTICATION_PENDING'],
    ['order-1002', 'CAPTURED'],
    ['order-1003', 'FAILED'],
    ['order-1004', 'FAILED'],
  ])
  // A replica started later applies nothing again.
  const late = await startProcess(t, env)
  t.equal((await late.call('GET', '/v1/payment-charges', undefined, h)).json.data.length, 4)
  t.equal(await redis.client.llen('pks:m:merch_demo:ch'), 4)
  // The seed's merchant settings are each replica's: every one signs the merchant's webhooks with its secret.
  for (const r of [...replicas, late]) {
    const d = (await r.call('GET', '/sandbox/deliveries?limit=1', undefined, h)).json.data[0]
    t.equal(d.headers['webhook-signature'], webhookSignature(d.body, 'whsec_demo'))
  }
})
