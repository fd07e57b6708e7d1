// Retention of agreements on replicas: finished agreements unchanged for RETENTION_DAYS of real time
// are forgotten by one replica's sweep, for every replica, with their events. Real processes on a
// redis-server of the test's own; skipped, never passed, without redis-server.
import t from 'tap'
import { startProcess } from '../helpers/process.js'
import { needsRedis, startRedis } from '../helpers/redis.js'
import { until } from '../helpers/wait.js'
import { authFor } from '../helpers/app.js'

t.setTimeout(120_000)

t.test(
  'retention applies to agreements on Redis: finished ones unchanged for RETENTION_DAYS are forgotten, active ones kept',
  needsRedis,
  async (t) => {
    const redis = await startRedis(t)
    // 0.00003 days: about 2.6 s of real time.
    const env = { REDIS_URL: redis.url, RETENTION_DAYS: '0.00003', RETENTION_SWEEP_SECONDS: '1', AUTH_TIMEOUT_SECONDS: '6000' }
    const [a, b] = await Promise.all([startProcess(t, env), startProcess(t, env)])
    const h = authFor('merch_retention_ag')
    const agreement = {
      paymentMethod: 'KAKAOPAY',
      consumer: { country: 'KR' },
      authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://shop.example/subscribed' } }],
    }
    const make = async () => (await a.call('POST', '/v1/payment-agreements', agreement, h)).json.id as string
    const [revoked, declined, active, pending] = [await make(), await make(), await make(), await make()]
    t.equal((await b.call('POST', `/sandbox/payment-agreements/${revoked}/approve`, undefined, h)).json.status, 'ACTIVE')
    t.equal((await a.call('POST', `/v1/payment-agreements/${revoked}/revocations`, {}, h)).status, 200)
    t.equal((await b.call('POST', `/sandbox/payment-agreements/${declined}/decline`, undefined, h)).json.status, 'FAILED')
    t.equal((await a.call('POST', `/sandbox/payment-agreements/${active}/approve`, undefined, h)).json.status, 'ACTIVE')
    const gone = async () =>
      (await b.call('GET', `/v1/payment-agreements/${revoked}`, undefined, h)).status === 404 &&
      (await a.call('GET', `/v1/payment-agreements/${declined}`, undefined, h)).status === 404
    t.ok(await until(gone, 20_000), 'the revoked and the failed agreement are forgotten on every replica')
    for (const r of [a, b]) {
      t.equal((await r.call('GET', `/v1/payment-agreements/${active}`, undefined, h)).json.status, 'ACTIVE', 'an active one is kept')
      t.equal((await r.call('GET', `/v1/payment-agreements/${pending}`, undefined, h)).json.status, 'AUTHENTICATION_PENDING')
      const listed = (await r.call('GET', '/sandbox/payment-agreements', undefined, h)).json
      t.same(
        listed.data.map((x: { id: string }) => x.id),
        [pending, active],
        'and the lists no longer show them',
      )
      t.equal(listed.total, 2)
    }
    const subjects = new Set(
      ((await b.call('GET', '/sandbox/webhooks', undefined, h)).json.data as Array<{ subject: string }>).map((d) => d.subject),
    )
    t.notOk(subjects.has(revoked) || subjects.has(declined), 'their events went with them')
    t.equal(await redis.client.exists(`pks:d:${revoked}`), 0)
  },
)
