// Webhook fault rules on replicas: a rule set on one replica acts on the webhooks every replica sends,
// with the labels memory mode records, and a count holds over all of them. Real processes on a
// redis-server of the test's own; skipped, never passed, without redis-server.
import t from 'tap'
import { verifyWebhook } from '../../src/webhooks/signing.js'
import { kakaoPayChargeRequest } from '../helpers/app.js'
import { type SandboxProcess, startProcess } from '../helpers/process.js'
import { receiver } from '../helpers/receiver.js'
import { needsRedis, startRedis } from '../helpers/redis.js'
import { until } from '../helpers/wait.js'

t.setTimeout(180_000)

const SECRET = 'sandbox-webhook-secret'

t.test('webhook fault rules on replicas', needsRedis, async (t) => {
  const redis = await startRedis(t)
  const hooks = await receiver(t)
  const env = {
    REDIS_URL: redis.url,
    REDIS_POLL_MS: '50',
    AUTH_TIMEOUT_SECONDS: '6000',
    WEBHOOK_URL: hooks.url,
  }
  const [a, b] = (await Promise.all([startProcess(t, env), startProcess(t, env)])) as [SandboxProcess, SandboxProcess]
  let n = 0
  /** A merchant of its own per check, a rule set on `a`, a charge made on `b`. */
  const setUp = async (rule: unknown) => {
    const h = { authorization: 'Bearer sk_test_sandbox', 'merchant-id': `merch_wf_${++n}` }
    const added = await a.call('POST', '/sandbox/faults', rule, h)
    t.equal(added.status, 201)
    const { id } = (await b.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)).json
    return { h, id, rule: added.json.id as string }
  }
  const of = (id: string) => hooks.received.filter((r) => r.json.subject === id)
  const deliveries = async (p: SandboxProcess, h: Record<string, string>, id: string) =>
    (await p.call('GET', `/sandbox/webhooks?chargeId=${id}`, undefined, h)).json.data as Array<{
      type: string
      held?: string
      status: string
      attempts: Array<{ fault?: string; replay?: boolean; statusCode?: number }>
    }>

  t.test('bad-signature and stale-signature: signed wrong, recorded on the attempt, on whichever replica sends', async (t) => {
    const bad = await setUp({ webhook: { kind: 'bad-signature', eventType: 'PAYMENT_CHARGE_CREATED' } })
    t.ok(await until(() => of(bad.id).length === 2, 10_000))
    const created = of(bad.id).find((r) => r.json.type === 'PAYMENT_CHARGE_CREATED')!
    t.same(verifyWebhook(created.body, created.headers, SECRET), { ok: false, reason: 'Webhook-Signature does not match the body' })
    const pending = of(bad.id).find((r) => r.json.type !== 'PAYMENT_CHARGE_CREATED')!
    t.same(verifyWebhook(pending.body, pending.headers, SECRET), { ok: true }, 'the count of one is used up')
    t.ok(await until(async () => (await deliveries(a, bad.h, bad.id)).every((d) => d.status === 'DELIVERED'), 10_000))
    t.equal((await deliveries(a, bad.h, bad.id))[0]!.attempts[0]!.fault, `bad-signature; rule=${bad.rule}`)

    const stale = await setUp({ webhook: { kind: 'stale-signature', staleSeconds: 900 } })
    t.ok(await until(() => of(stale.id).length === 2, 10_000))
    const first = of(stale.id)[0]!
    const t0 = Number(/t=(\d+)/.exec(String(first.headers['ppro-signature']))![1])
    t.ok(Math.abs(Date.now() / 1000 - 900 - t0) < 30, 'PPRO-Signature 900 s old')
    t.same(verifyWebhook(first.body, first.headers, SECRET, { toleranceSeconds: 0 }), { ok: true }, 'yet signed with the secret')
  })

  t.test('duplicate: the same event twice, same id and bytes, the copy recorded as a replay', async (t) => {
    const dup = await setUp({ webhook: { kind: 'duplicate', eventType: 'PAYMENT_CHARGE_AUTHENTICATION_PENDING' } })
    t.ok(await until(() => of(dup.id).length === 3, 10_000))
    const copies = of(dup.id).filter((r) => r.json.type === 'PAYMENT_CHARGE_AUTHENTICATION_PENDING')
    t.equal(copies.length, 2)
    t.equal(copies[0]!.body, copies[1]!.body)
    t.ok(
      await until(async () => (await deliveries(b, dup.h, dup.id)).find((d) => d.type.endsWith('PENDING'))!.attempts.length === 2, 10_000),
    )
    const d = (await deliveries(b, dup.h, dup.id)).find((x) => x.type.endsWith('PENDING'))!
    t.same(
      d.attempts.map((x) => [x.fault, x.replay]),
      [
        [`duplicate; rule=${dup.rule}`, undefined],
        [`duplicate; copy=2; rule=${dup.rule}`, true],
      ],
    )
  })

  t.test('delay: held until the sandbox clock passes it, the later event not held up', async (t) => {
    const delay = await setUp({ webhook: { kind: 'delay', eventType: 'PAYMENT_CHARGE_CREATED', delaySeconds: 60 } })
    t.ok(await until(() => of(delay.id).length === 1, 10_000))
    t.equal(of(delay.id)[0]!.json.type, 'PAYMENT_CHARGE_AUTHENTICATION_PENDING', 'the later event went out')
    await new Promise((r) => setTimeout(r, 300))
    t.equal(of(delay.id).length, 1, 'the delayed one waits')
    const held = (await deliveries(a, delay.h, delay.id)).find((d) => d.type === 'PAYMENT_CHARGE_CREATED')!
    t.equal(held.held, `delay; delaySeconds=60; rule=${delay.rule}`, 'every replica shows it held')
    t.equal((await a.call('POST', '/sandbox/clock', { advanceSeconds: 61 }, delay.h)).status, 200)
    t.ok(await until(() => of(delay.id).length === 2, 10_000), 'sent once the clock passed it')
    t.ok(
      await until(async () => (await deliveries(b, delay.h, delay.id)).every((d) => d.status === 'DELIVERED'), 10_000),
      'and acknowledged',
    )
    const sent = (await deliveries(b, delay.h, delay.id)).find((d) => d.type === 'PAYMENT_CHARGE_CREATED')!
    t.same([sent.held, sent.attempts.map((x) => x.fault)], [undefined, [`delay; delaySeconds=60; rule=${delay.rule}`]])
  })

  t.test('reorder: held until the next event of the charge has been sent, then sent', async (t) => {
    const re = await setUp({ webhook: { kind: 'reorder', eventType: 'PAYMENT_CHARGE_CREATED' } })
    t.ok(await until(() => of(re.id).length === 2, 10_000))
    t.same(
      of(re.id).map((r) => r.json.type),
      ['PAYMENT_CHARGE_AUTHENTICATION_PENDING', 'PAYMENT_CHARGE_CREATED'],
      'the created event after the one that followed it',
    )
  })

  t.test('a count of one over two replicas fires once', async (t) => {
    const h = { authorization: 'Bearer sk_test_sandbox', 'merchant-id': 'merch_wf_count' }
    t.equal((await b.call('POST', '/sandbox/faults', { webhook: { kind: 'bad-signature' }, count: 1 }, h)).status, 201)
    const ids: string[] = []
    for (let i = 0; i < 6; i++) ids.push((await [a, b][i % 2]!.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)).json.id)
    t.ok(await until(() => ids.every((id) => of(id).length === 2), 10_000))
    const signedWrong = ids.flatMap(of).filter((r) => !verifyWebhook(r.body, r.headers, SECRET).ok)
    t.equal(signedWrong.length, 1, 'one webhook of twelve signed wrong')
    const rule = (await a.call('GET', '/sandbox/faults', undefined, h)).json.data[0]
    t.same([rule.remaining, rule.fired], [0, 1])
  })
})
