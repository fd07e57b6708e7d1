// Webhook replays on replicas: an event made and refused on one replica is replayed from another, and
// "replay every failed delivery since…" sends every replica's failed ones again. Real processes on a
// redis-server of the test's own; skipped, never passed, without redis-server.
import t from 'tap'
import { verifyWebhook } from '../../src/webhooks/signing.js'
import { authFor, kakaoPayChargeRequest } from '../helpers/app.js'
import { type SandboxProcess, startProcess } from '../helpers/process.js'
import { receiver } from '../helpers/receiver.js'
import { needsRedis, startRedis } from '../helpers/redis.js'
import { until } from '../helpers/wait.js'

t.setTimeout(120_000)

t.test('webhook replays across replicas', needsRedis, async (t) => {
  const redis = await startRedis(t)
  let answer = 500
  const { url, received } = await receiver(t, () => answer)
  const env = {
    REDIS_URL: redis.url,
    REDIS_POLL_MS: '50',
    AUTH_TIMEOUT_SECONDS: '6000',
    WEBHOOK_URL: url,
    WEBHOOK_MAX_ATTEMPTS: '1',
  }
  const [a, b] = (await Promise.all([startProcess(t, env), startProcess(t, env)])) as [SandboxProcess, SandboxProcess]
  const h = authFor('merch_replay')
  const charges: string[] = []
  for (let i = 0; i < 3; i++) charges.push((await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)).json.id)
  const events = await redis.client.lrange('pks:m:merch_replay:ev', 0, -1)
  t.equal(events.length, 6)
  const gaveUp = async () => {
    const pipe = redis.client.pipeline()
    for (const id of events) pipe.hget(`pks:e:${id}`, 'st')
    return ((await pipe.exec()) ?? []).every(([, st]) => st === 'FAILED')
  }
  t.ok(await until(gaveUp, 20_000), 'every first attempt refused, and one attempt is all there is')
  t.equal((await b.call('GET', '/sandbox/deliveries?state=gave_up', undefined, h)).json.data.length, 6)

  answer = 200
  const first = events[0]!
  const sentBefore = received.filter((r) => r.json.id === first)
  const replayed = await b.call('POST', `/sandbox/webhooks/${first}/replay`, undefined, h)
  t.equal(replayed.status, 200)
  t.equal(replayed.json.status, 'DELIVERED')
  t.same(
    replayed.json.attempts.map((x: { attempt: number; statusCode: number; replay?: boolean }) => [x.attempt, x.statusCode, x.replay]),
    [
      [1, 500, undefined],
      [2, 200, true],
    ],
  )
  const listed = (await a.call('GET', `/sandbox/webhooks?chargeId=${charges[0]}`, undefined, h)).json.data
  t.same(
    listed.find((d: { eventId: string }) => d.eventId === first),
    replayed.json,
    'the other replica shows the delivery as the replay answered it',
  )
  const sent = received.filter((r) => r.json.id === first)
  t.equal(sent.length, sentBefore.length + 1, 'sent once more')
  t.equal(sent.at(-1)!.body, sent[0]!.body, 'the same bytes as the first attempt')
  t.same(verifyWebhook(sent.at(-1)!.body, sent.at(-1)!.headers, 'sandbox-webhook-secret'), { ok: true })

  t.equal((await a.call('POST', '/sandbox/webhooks/no-such-event/replay', undefined, h)).status, 404)
  t.equal(
    (await a.call('POST', `/sandbox/webhooks/${events[1]}/replay`, undefined, authFor('merch_other'))).status,
    404,
    "another merchant's event is not found",
  )
  t.equal((await a.call('POST', '/sandbox/webhooks/replay-failed', { since: 'yesterday' }, h)).status, 400)
  const future = new Date(Date.now() + 86_400_000).toISOString()
  t.same((await a.call('POST', '/sandbox/webhooks/replay-failed', { since: future }, h)).json, { replayed: 0, data: [] })

  const all = await a.call('POST', '/sandbox/webhooks/replay-failed', { since: '2000-01-01T00:00:00Z' }, h)
  t.equal(all.status, 200)
  t.equal(all.json.replayed, 5, 'the five still given up')
  t.same(
    all.json.data.map((d: { eventId: string }) => d.eventId),
    events.slice(1),
    'oldest first',
  )
  for (const d of all.json.data) {
    t.equal(d.state, 'delivered')
    t.same(
      d.attempts.map((x: { statusCode: number; replay?: boolean }) => [x.statusCode, x.replay]),
      [
        [500, undefined],
        [200, true],
      ],
    )
  }
  const detail = (await b.call('GET', '/sandbox/deliveries?limit=100', undefined, h)).json.data
  t.same(
    all.json.data,
    detail.filter((d: { eventId: string }) => d.eventId !== first).reverse(),
    'the answer is the deliveries as every replica now shows them',
  )
  t.same((await b.call('GET', '/sandbox/deliveries?state=gave_up', undefined, h)).json, { data: [], total: 6 })
})
