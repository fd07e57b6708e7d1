// The approval page's live status stream on replicas: a stream opened on one replica follows what the
// consumer does on another and the timeout a clock move on a third passes. Real processes on a
// redis-server of the test's own; skipped, never passed, without redis-server.
import t from 'tap'
import { kakaoPayChargeRequest } from '../helpers/app.js'
import { type SandboxProcess, startProcess } from '../helpers/process.js'
import { needsRedis, startRedis } from '../helpers/redis.js'
import { sse } from '../helpers/sse.js'

t.setTimeout(120_000)

const h = { authorization: 'Bearer sk_test_sandbox', 'merchant-id': 'merch_status' }
const data = (f: { data?: string }) => JSON.parse(f.data!) as { id: string; status: string; pending: boolean; redirect: string | null }

t.test("the approval page's status stream on replicas", needsRedis, async (t) => {
  const redis = await startRedis(t)
  const env = { REDIS_URL: redis.url, REDIS_POLL_MS: '50', AUTH_TIMEOUT_SECONDS: '600', PUBLIC_BASE_URL: 'http://sandbox.test' }
  const [a, b, c] = (await Promise.all([startProcess(t, env), startProcess(t, env), startProcess(t, env)])) as SandboxProcess[] as [
    SandboxProcess,
    SandboxProcess,
    SandboxProcess,
  ]

  t.test('a stream on one replica follows an approval on another, then ends', async (t) => {
    const { id } = (await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)).json
    const stream = await sse(`${c.base}/checkout/${id}/status`)
    t.teardown(() => stream.close())
    t.equal(stream.response.statusCode, 200)
    const first = data(await stream.waitFor((f) => f.event === 'status'))
    t.same([first.id, first.status, first.pending], [id, 'AUTHENTICATION_PENDING', true])
    const page = await fetch(`${b.base}/checkout/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=approve',
      redirect: 'manual',
    })
    t.equal(page.status, 303)
    const decided = await stream.waitFor((f) => f.event === 'status' && !data(f).pending, 10_000)
    t.same(data(decided), (await a.call('GET', `/checkout/${id}/status`)).json, 'the JSON status any replica answers')
    t.equal(data(decided).status, 'CAPTURED')
    t.ok(data(decided).redirect?.startsWith('https://www.webshop.com/order-results-page'), 'with where the page goes')
    await stream.ended
  })

  t.test('a stream on one replica sees the timeout that a clock move on another passes', async (t) => {
    const { id } = (await c.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)).json
    const stream = await sse(`${b.base}/checkout/${id}/status`)
    t.teardown(() => stream.close())
    t.equal(data(await stream.waitFor((f) => f.event === 'status')).pending, true)
    t.equal((await a.call('POST', '/sandbox/clock', { advanceSeconds: 601 }, h)).status, 200)
    const decided = await stream.waitFor((f) => f.event === 'status' && !data(f).pending, 10_000)
    t.equal(data(decided).status, 'DISCARDED')
    t.same(data(decided), (await c.call('GET', `/checkout/${id}/status`)).json)
    await stream.ended
  })

  t.test('an unknown payment is a 404, as in memory mode', async (t) => {
    const r = await fetch(`${a.base}/checkout/charge_000000000000000000000/status`, { headers: { accept: 'text/event-stream' } })
    t.equal(r.status, 404)
    await r.body?.cancel()
  })
})
