// The event feed on replicas: every replica's stream carries every replica's messages under the same
// numbers, so a reader that loses one replica resumes on another with its Last-Event-ID. Real processes
// on a redis-server of the test's own; skipped, never passed, without redis-server.
import t from 'tap'
import { kakaoPayChargeRequest } from '../helpers/app.js'
import { type SandboxProcess, startProcess } from '../helpers/process.js'
import { receiver } from '../helpers/receiver.js'
import { needsRedis, startRedis } from '../helpers/redis.js'
import { type SseFrame, sse } from '../helpers/sse.js'
import { until } from '../helpers/wait.js'

t.setTimeout(120_000)

const h = { authorization: 'Bearer sk_test_sandbox', 'merchant-id': 'merch_feed' }
const numbered = (frames: SseFrame[]) => frames.filter((f) => f.id !== undefined).map((f) => ({ id: f.id, event: f.event, data: f.data }))

t.test("a Last-Event-ID from one replica resumes the stream on another, with every replica's messages", needsRedis, async (t) => {
  const redis = await startRedis(t)
  const hooks = await receiver(t)
  const env = {
    REDIS_URL: redis.url,
    REDIS_POLL_MS: '50',
    AUTH_TIMEOUT_SECONDS: '6000',
    WEBHOOK_URL: hooks.url,
  }
  const [a, b, c] = (await Promise.all([startProcess(t, env), startProcess(t, env), startProcess(t, env)])) as SandboxProcess[] as [
    SandboxProcess,
    SandboxProcess,
    SandboxProcess,
  ]
  const onB = await sse(`${b.base}/sandbox/events/stream`, h)
  const onC = await sse(`${c.base}/sandbox/events/stream`, h)
  t.teardown(() => (onB.close(), onC.close()))

  // Requests, events and webhook attempts made on all three replicas.
  const ids: string[] = []
  for (let i = 0; i < 3; i++) ids.push((await [a, b, c][i]!.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)).json.id)
  t.equal((await c.call('POST', `/sandbox/payment-charges/${ids[0]}/approve`, undefined, h)).status, 200)
  t.equal((await a.call('POST', `/v1/payment-charges/${ids[0]}/refunds`, { amount: 1000 }, h)).status, 200)
  // The five requests, every event Redis holds, and an attempt of each (the receiver acknowledges all).
  const events = await redis.client.llen('pks:m:merch_feed:ev')
  const complete = (frames: SseFrame[]) => {
    const n = (kind: string) => numbered(frames).filter((f) => f.event === kind).length
    return n('request') === 5 && n('event') === events && n('delivery') === events
  }
  t.ok(await until(() => complete(onB.frames) && complete(onC.frames), 20_000), `5 requests, ${events} events and their attempts`)
  const seen = numbered(onB.frames)
  t.same(numbered(onC.frames), seen, 'two replicas stream the same messages under the same numbers')
  const first = Number(seen[0]!.id)
  t.same(
    seen.map((f) => Number(f.id)),
    seen.map((_, i) => first + i),
    'numbered without gaps',
  )
  const kinds = new Set(seen.map((f) => f.event))
  t.same([...kinds].sort(), ['delivery', 'event', 'request'], 'requests, events and webhook attempts')
  const made = new Set(seen.filter((f) => f.event === 'request').map((f) => JSON.parse(f.data!).path))
  t.ok(made.has('/v1/payment-charges') && made.has(`/v1/payment-charges/${ids[0]}/refunds`), 'requests of every replica')

  // The reader of B moves to A with the last id it got from B: A replays exactly what followed.
  const k = 9
  const resumed = await sse(`${a.base}/sandbox/events/stream`, { ...h, 'last-event-id': seen[k]!.id! })
  t.teardown(() => resumed.close())
  await resumed.waitForMessages(seen.length - k - 1, 10_000)
  t.same(numbered(resumed.frames).slice(0, seen.length - k - 1), seen.slice(k + 1), 'the messages after the id, as B gave them')
  // And it goes on live, under the numbers every replica gives.
  t.equal((await b.call('POST', `/sandbox/payment-charges/${ids[1]}/decline`, undefined, h)).status, 200)
  t.ok(await until(() => numbered(resumed.frames).length > seen.length - k - 1 && numbered(onC.frames).length > seen.length, 10_000))
  t.same(numbered(resumed.frames)[seen.length - k - 1], numbered(onC.frames)[seen.length], 'the next message, numbered alike')
})
