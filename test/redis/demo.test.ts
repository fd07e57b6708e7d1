// The demo shop on replicas: an order placed on one replica is returned to, paid by its webhook and
// shown on the others, as behind a load balancer. Real processes on a redis-server of the test's own;
// skipped, never passed, without redis-server.
import t from 'tap'
import { type SandboxProcess, startProcess } from '../helpers/process.js'
import { needsRedis, startRedis } from '../helpers/redis.js'
import { until } from '../helpers/wait.js'

t.setTimeout(120_000)

const form = (body: string) => ({
  method: 'POST',
  body,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  redirect: 'manual' as const,
})

t.test('the demo shop on replicas: every replica serves the same shop', needsRedis, async (t) => {
  const redis = await startRedis(t)
  // One public address for both, as behind a load balancer.
  const env = { REDIS_URL: redis.url, REDIS_POLL_MS: '50', PUBLIC_BASE_URL: 'http://shop.test' }
  const [a, b] = (await Promise.all([startProcess(t, env), startProcess(t, env)])) as [SandboxProcess, SandboxProcess]
  const state = async (p: SandboxProcess) => (await (await fetch(`${p.base}/demo/api/state`)).json()) as Record<string, any>

  const placed = await fetch(`${a.base}/demo/scenarios/approve`, form(''))
  t.equal(placed.status, 303)
  const order = (await state(b)).order
  t.ok(order, "the order placed on one replica is the other's latest")
  t.equal(placed.headers.get('location'), `http://shop.test/checkout/${order.chargeId}`)
  t.equal(order.state, 'pending')
  // The consumer approves on the page the second replica serves, and comes back to the shop there.
  const approved = await fetch(`${b.base}/checkout/${order.chargeId}`, form('action=approve'))
  t.equal(approved.status, 303)
  const back = await fetch(`${b.base}/demo/orders/${order.id}/return`, { redirect: 'manual' })
  t.equal(back.status, 303, 'the returnUrl finds the order')
  t.ok(await until(async () => (await state(a)).order.state === 'paid', 15_000), 'paid once its signed webhook landed')
  const page = await (await fetch(`${b.base}/demo/orders/${order.id}`)).text()
  t.match(page, new RegExp(order.id))
  const same = [await state(a), await state(b)]
  t.same(same[0], same[1], 'both replicas show the same shop')
  t.ok(
    same[0]!.log.some((e: { kind: string }) => e.kind === 'webhook'),
    "the presenter's log has the webhook, whichever replica received it",
  )

  // "Reset demo" on one replica empties the shop on both.
  t.equal((await fetch(`${b.base}/demo/reset`, form(''))).status, 303)
  t.equal((await state(a)).order, undefined)
  t.equal((await state(a)).generation, same[0]!.generation + 1)
})
