// Replicas on one Redis: two or three real sandbox processes (the bundled server) share one
// redis-server of the test's own, and each check spreads its requests over them. Skipped, never
// passed, where redis-server is not installed.
import t from 'tap'
import { authFor, kakaoPayChargeRequest } from '../helpers/app.js'
import { needsRedis, startRedis } from '../helpers/redis.js'
import { type SandboxProcess, startProcess } from '../helpers/process.js'
import { receiver } from '../helpers/receiver.js'
import { until } from '../helpers/wait.js'

// Real processes, 10,000 charges through HTTP and a kill: minutes on a busy 2-core machine.
t.setTimeout(600_000)

/** Polls `check` every 50 ms until it holds, at most `ms`. */

t.test('replicas on one Redis', needsRedis, async (t) => {
  const redis = await startRedis(t)
  // One public address for all, as behind a load balancer: answers name it, whichever replica gives them.
  const env = { REDIS_URL: redis.url, REDIS_POLL_MS: '50', AUTH_TIMEOUT_SECONDS: '600', PUBLIC_BASE_URL: 'http://sandbox.test' }
  const replicas: SandboxProcess[] = await Promise.all([startProcess(t, env), startProcess(t, env), startProcess(t, env)])
  const [a, b, c] = replicas as [SandboxProcess, SandboxProcess, SandboxProcess]

  t.test('/health names the mode and the replica', async (t) => {
    const h = (await a.call('GET', '/health')).json
    t.equal(h.mode, 'replica')
    t.equal(h.redis, `${redis.url}`)
    t.not(h.replica, (await b.call('GET', '/health')).json.replica, 'each replica has its own id')
  })

  t.test('a charge created on one replica is read, approved on the page, refunded, searched and paged on the others', async (t) => {
    const h = authFor('merch_flow')
    const created = await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest({ merchantPaymentChargeReference: 'order-7' }), h)
    t.equal(created.status, 200)
    const id = created.json.id
    const read = await b.call('GET', `/v1/payment-charges/${id}`, undefined, h)
    t.same(read.json, created.json, 'the other replica answers the same charge')
    const status = await fetch(`${c.base}/checkout/${id}/status`)
    t.equal(((await status.json()) as { pending: boolean }).pending, true, "the page's status reads on any replica")
    const stream = await fetch(`${c.base}/checkout/${id}/status`, { headers: { accept: 'text/event-stream' } })
    t.equal(stream.status, 200, 'its live stream is served by any replica (test/redis/status.test.ts follows one)')
    await stream.body?.cancel()
    // The consumer approves on the approval page served by the second replica.
    const page = await fetch(`${b.base}/checkout/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=approve',
      redirect: 'manual',
    })
    t.equal(page.status, 303)
    t.equal((await c.call('GET', `/v1/payment-charges/${id}`, undefined, h)).json.status, 'CAPTURED')
    const refund = await c.call('POST', `/v1/payment-charges/${id}/refunds`, { amount: 5000 }, h)
    t.equal(refund.status, 200)
    t.equal(refund.json.status, 'REFUNDED')
    const found = await b.call('GET', '/v1/payment-charges?merchantPaymentChargeReference=order-7', undefined, h)
    t.same(
      found.json.data.map((x: { id: string; status: string }) => [x.id, x.status]),
      [[id, 'CAPTURED']],
    )
    t.same(
      (await a.call('GET', `/v1/payment-charges/${id}/refunds`, undefined, h)).json.data.map((r: { amount: number }) => r.amount),
      [5000],
    )
    // 45 charges over three replicas, paged newest first on one: each exactly once, in order.
    const ids = [id]
    for (let i = 0; i < 44; i++) ids.push((await replicas[i % 3]!.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)).json.id)
    const seen: string[] = []
    let next: string | undefined
    for (let pages = 0; pages < 5; pages++) {
      const q: string = next ? `?page=${encodeURIComponent(next)}` : ''
      const p = await c.call('GET', `/v1/payment-charges${q}`, undefined, h)
      t.equal(p.status, 200)
      seen.push(...p.json.data.map((x: { id: string }) => x.id))
      next = p.json.nextPage
      if (!next) break
    }
    t.same(seen, [...ids].reverse(), 'every charge once, newest first, over three pages')
  })

  t.test("every replica's journal, timelines and webhooks list show the work of the others", async (t) => {
    const h = authFor('merch_observe')
    const { id } = (await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)).json
    t.equal((await b.call('POST', `/sandbox/payment-charges/${id}/approve`, undefined, h)).status, 200)
    const journaled = async () => {
      const j = (await c.call('GET', '/sandbox/requests', undefined, h)).text
      return j.includes('POST /v1/payment-charges') || (j.includes('"POST"') && j.includes('/v1/payment-charges'))
    }
    t.ok(await until(journaled, 5000), "the third replica's request journal shows the create made on the first")
    const timeline = async () => {
      const x = (await c.call('GET', `/sandbox/payment-charges/${id}/timeline`, undefined, h)).text
      return x.includes('PAYMENT_CHARGE_CREATED') && x.includes('PAYMENT_CHARGE_CAPTURE_SUCCEEDED')
    }
    t.ok(await until(timeline, 5000), 'its timeline has the events of both other replicas')
    const hooks = (await c.call('GET', `/sandbox/webhooks?chargeId=${id}`, undefined, h)).json.data
    t.same(
      hooks.map((d: { type: string; status: string }) => d.type),
      [
        'PAYMENT_CHARGE_CREATED',
        'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
        'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED',
        'PAYMENT_CHARGE_CAPTURE_SUCCEEDED',
      ],
    )
    t.equal(hooks[0].payload.data.paymentChargeId, id)
    t.equal(hooks[0].status, 'NOT_SENT', 'no webhook URL configured')
  })

  t.test('50 concurrent refunds of one charge over three replicas refund exactly what was captured', async (t) => {
    const h = authFor('merch_refunds')
    const { id } = (await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)).json
    t.equal((await b.call('POST', `/sandbox/payment-charges/${id}/approve`, undefined, h)).json.status, 'CAPTURED')
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => replicas[i % 3]!.call('POST', `/v1/payment-charges/${id}/refunds`, { amount: 1000 }, h)),
    )
    t.same(
      answers.map((r) => r.status),
      Array(50).fill(200),
    )
    const statuses = answers.map((r) => r.json.status)
    t.equal(statuses.filter((s) => s === 'REFUNDED').length, 15, '15 of 1,000 KRW fit in 15,000 KRW')
    t.equal(statuses.filter((s) => s === 'FAILED').length, 35)
    const charge = (await c.call('GET', `/v1/payment-charges/${id}`, undefined, h)).json
    t.equal(charge.status, 'REFUNDED')
    const refunds = (await a.call('GET', `/v1/payment-charges/${id}/refunds`, undefined, h)).json.data
    t.equal(refunds.length, 50, 'every refund is kept, none lost to a conflict')
    t.equal(
      refunds.filter((r: { status: string }) => r.status === 'REFUNDED').reduce((s: number, r: { amount: number }) => s + r.amount, 0),
      15000,
    )
    const types = await eventTypes('merch_refunds')
    t.equal(types.filter((x) => x === 'PAYMENT_CHARGE_REFUND_SUCCEEDED').length, 15)
    t.equal(types.filter((x) => x === 'PAYMENT_CHARGE_REFUND_FAILED').length, 35)
  })

  t.test('50 concurrent creates with one idempotency key over three replicas make one charge', async (t) => {
    const h = { ...authFor('merch_idem'), 'request-idempotency-key': 'order-42' }
    const body = kakaoPayChargeRequest({ merchantPaymentChargeReference: 'order-42' })
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => replicas[i % 3]!.call('POST', '/v1/payment-charges', body, h)))
    const ok = answers.filter((r) => r.status === 200)
    const busy = answers.filter((r) => r.status === 409)
    t.equal(ok.length + busy.length, 50, 'each answer is the charge or "still being processed"')
    t.ok(ok.length >= 1)
    t.equal(new Set(ok.map((r) => r.json.id)).size, 1, 'one charge id in every successful answer')
    for (const r of busy) t.match(r.json.failureMessage, /still being processed/)
    const first = ok.find((r) => r.headers.get('request-idempotency') !== 'true') ?? ok[0]!
    for (const r of ok) t.equal(r.text, first.text, 'a replay is byte for byte the first answer')
    // After the race: every replica replays it, and the merchant has exactly one charge.
    for (const r of replicas) {
      const again = await r.call('POST', '/v1/payment-charges', body, h)
      t.equal(again.headers.get('request-idempotency'), 'true')
      t.equal(again.text, first.text)
    }
    const listed = (await b.call('GET', '/v1/payment-charges', undefined, authFor('merch_idem'))).json.data
    t.equal(listed.length, 1)
  })

  t.test('approve on one replica and cancel on another race to exactly one winner', async (t) => {
    const h = authFor('merch_race')
    const ids: string[] = []
    for (let i = 0; i < 50; i++) ids.push((await replicas[i % 3]!.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)).json.id)
    const outcomes = await Promise.all(
      ids.map(async (id) => {
        const [approve, cancel] = await Promise.all([
          a.call('POST', `/sandbox/payment-charges/${id}/approve`, undefined, h),
          b.call('POST', `/sandbox/payment-charges/${id}/cancel`, undefined, h),
        ])
        return { id, approve: approve.status, cancel: cancel.status }
      }),
    )
    let approved = 0
    for (const o of outcomes) {
      t.same([o.approve, o.cancel].sort(), [200, 409], `${o.id}: one answer wins, the other is told the outcome is decided`)
      const charge = (await c.call('GET', `/v1/payment-charges/${o.id}`, undefined, h)).json
      t.equal(charge.status, o.approve === 200 ? 'CAPTURED' : 'FAILED')
      if (o.approve === 200) approved++
    }
    t.comment(`${approved} approvals won, ${50 - approved} cancellations won`)
    const types = await eventTypes('merch_race')
    t.equal(types.filter((x) => x === 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED').length, approved)
    t.equal(types.filter((x) => x === 'PAYMENT_CHARGE_AUTHORIZATION_FAILED').length, 50 - approved, 'events agree with the winner')
  })

  t.test(
    'an agreement approved on one replica is charged on the others; no charge succeeds after its revocation is acknowledged',
    async (t) => {
      const h = authFor('merch_agreements')
      const agreement = {
        paymentMethod: 'KAKAOPAY',
        description: 'Coffee subscription',
        consumer: { name: 'Kim Minji', country: 'KR' },
        authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.webshop.com/subscription/done' } }],
      }
      const { id } = (await a.call('POST', '/v1/payment-agreements', agreement, h)).json
      t.equal((await b.call('POST', `/sandbox/payment-agreements/${id}/approve`, undefined, h)).json.status, 'ACTIVE')
      const charge = (n: number) =>
        replicas[n % 3]!.call('POST', `/v1/payment-agreements/${id}/payment-charges`, { amount: { value: 1000, currency: 'KRW' } }, h)
      // Charges on every replica race the revocation on one: each is decided one way or the other, never half.
      const [racing, revoked] = await Promise.all([
        Promise.all(Array.from({ length: 30 }, (_, i) => charge(i))),
        c.call('POST', `/v1/payment-agreements/${id}/revocations`, {}, h),
      ])
      t.equal(revoked.status, 200)
      for (const r of racing) t.ok(['CAPTURED', 'FAILED'].includes(r.json.status), r.json.status)
      const after = await Promise.all(Array.from({ length: 15 }, (_, i) => charge(i)))
      t.same(
        after.map((r) => r.json.status),
        Array(15).fill('FAILED'),
        'every charge after the acknowledged revocation is declined',
      )
      const listed: Array<{ status: string }> = []
      let next: string | undefined
      for (let pages = 0; pages < 5; pages++) {
        const p = await a.call(
          'GET',
          `/v1/payment-charges?agreementId=${id}${next ? `&page=${encodeURIComponent(next)}` : ''}`,
          undefined,
          h,
        )
        listed.push(...p.json.data)
        next = p.json.nextPage
        if (!next) break
      }
      t.equal(listed.length, 45, 'the agreement lists every charge made on any replica')
      t.equal(listed.filter((x) => x.status === 'CAPTURED').length, racing.filter((r) => r.json.status === 'CAPTURED').length)
    },
  )

  t.test('a payment session created on one replica is authorized on another and follows its charge', async (t) => {
    const h = authFor('merch_sessions')
    const body = {
      amount: { value: 15000, currency: 'KRW' },
      consumer: { name: 'Kim Minji', country: 'KR' },
      recurring: false,
      paymentDescriptor: 'Webshop - ORDER 1234',
      authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.webshop.com/order-results-page' } }],
    }
    const { id } = (await a.call('POST', '/v1/payment-sessions', body, h)).json
    const authorized = await b.call('POST', `/v1/payment-sessions/${id}/authorizations`, { paymentMethod: 'KAKAOPAY' }, h)
    t.equal(authorized.json.status, 'AUTHENTICATION_PENDING')
    const chargeId = authorized.json.data.id
    t.equal((await c.call('POST', `/sandbox/payment-charges/${chargeId}/approve`, undefined, h)).json.status, 'CAPTURED')
    const session = (await a.call('GET', `/v1/payment-sessions/${id}`, undefined, h)).json
    t.equal(session.status, 'SUCCEEDED')
    t.equal(session.paymentCharge.id, chargeId)
  })

  t.test('approvals on two replicas race a timeout the clock move on a third passes: each charge one outcome', async (t) => {
    const h = authFor('merch_timeout')
    const ids: string[] = []
    for (let i = 0; i < 30; i++) ids.push((await replicas[i % 3]!.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)).json.id)
    const [approvals] = await Promise.all([
      Promise.all(ids.map((id, i) => (i % 2 ? b : c).call('POST', `/sandbox/payment-charges/${id}/approve`, undefined, h))),
      a.call('POST', '/sandbox/clock', { advanceSeconds: 601 }, h),
    ])
    let captured = 0
    for (const [i, id] of ids.entries()) {
      const charge = (await replicas[i % 3]!.call('GET', `/v1/payment-charges/${id}`, undefined, h)).json
      const won = approvals[i]!.status === 200
      t.equal(charge.status, won ? 'CAPTURED' : 'DISCARDED', `${id}: the answer and the state agree`)
      if (!won) t.equal(approvals[i]!.status, 409)
      if (won) captured++
    }
    t.comment(`${captured} approvals won, ${30 - captured} timeouts won`)
    const types = await eventTypes('merch_timeout')
    t.equal(types.filter((x) => x === 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED').length, captured)
    t.equal(types.filter((x) => x === 'PAYMENT_CHARGE_DISCARDED').length, 30 - captured, 'never both')
  })

  t.test('a clock move on one replica is seen by all, and a read on another sees the timeout it passed', async (t) => {
    const h = authFor('merch_clock')
    const { id } = (await c.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)).json
    const before = (await b.call('GET', '/sandbox/clock', undefined, h)).json.offsetSeconds
    const moved = await a.call('POST', '/sandbox/clock', { advanceSeconds: 601 }, h)
    t.equal(moved.json.offsetSeconds, before + 601)
    for (const r of [b, c]) t.equal((await r.call('GET', '/sandbox/clock', undefined, h)).json.offsetSeconds, before + 601)
    const charge = (await b.call('GET', `/v1/payment-charges/${id}`, undefined, h)).json
    t.equal(charge.status, 'DISCARDED')
    t.equal(charge.discards[0].type, 'AUTHENTICATION_TIMEOUT')
  })

  t.test('10,000 due timers fire exactly once in total over three replicas', async (t) => {
    const h = authFor('merch_timers')
    const n = 10_000
    let made = 0
    const makers = Array.from({ length: 24 }, async (_, w) => {
      while (made < n) {
        made++
        const r = await replicas[w % 3]!.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)
        if (r.status !== 200) throw new Error(`create answered ${r.status}: ${r.text}`)
      }
    })
    await Promise.all(makers)
    t.equal(await redis.client.llen('pks:m:merch_timers:ch'), n)
    t.equal(await redis.client.zcard('pks:due'), n, 'each pending charge is due once, at its deadline')
    // Past every deadline: the replica that moved the clock runs what fell due, and the others' pollers claim their share.
    t.equal((await b.call('POST', '/sandbox/clock', { advanceSeconds: 601 }, h)).status, 200)
    t.ok(await until(async () => (await redis.client.zcard('pks:due')) + (await redis.client.zcard('pks:due:lease')) === 0, 60_000))
    const types = await eventTypes('merch_timers')
    t.equal(types.filter((x) => x === 'PAYMENT_CHARGE_DISCARDED').length, n, 'one discard event per charge, no duplicate')
    const subjects = await discardSubjects('merch_timers')
    t.equal(new Set(subjects).size, n, 'every charge discarded')
    const sample = (await c.call('GET', '/v1/payment-charges', undefined, h)).json.data
    for (const x of sample) t.equal(x.discards.length, 1)
  })

  t.test('DELETE /sandbox/data on one replica clears the merchant for every replica, and no other merchant', async (t) => {
    const h = authFor('merch_reset')
    const { id } = (await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)).json
    const keep = (await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), authFor('merch_keep'))).json.id
    const del = await b.call('DELETE', '/sandbox/data', undefined, h)
    t.same(del.json, { deleted: { charges: 1, agreements: 0, events: 2 } })
    for (const r of replicas) t.equal((await r.call('GET', `/v1/payment-charges/${id}`, undefined, h)).status, 404)
    t.equal((await c.call('GET', `/v1/payment-charges/${keep}`, undefined, authFor('merch_keep'))).status, 200)
    t.same((await c.call('GET', '/v1/payment-charges', undefined, h)).json.data, [])
  })

  /** The event types of a merchant, in order, as Redis holds them (every replica's). */
  async function eventTypes(merchant: string): Promise<string[]> {
    const ids = await redis.client.lrange(`pks:m:${merchant}:ev`, 0, -1)
    const pipe = redis.client.pipeline()
    for (const id of ids) pipe.hget(`pks:e:${id}`, 'ty')
    return ((await pipe.exec()) ?? []).map(([, v]) => String(v))
  }

  async function discardSubjects(merchant: string): Promise<string[]> {
    const ids = await redis.client.lrange(`pks:m:${merchant}:ev`, 0, -1)
    const pipe = redis.client.pipeline()
    for (const id of ids) pipe.hmget(`pks:e:${id}`, 'ty', 's')
    return ((await pipe.exec()) ?? [])
      .map(([, v]) => v as string[])
      .filter((v) => v[0] === 'PAYMENT_CHARGE_DISCARDED')
      .map((v) => v[1]!)
  }
})

t.test(
  'a replica killed during delivery: another completes its deliveries, each event acknowledged, none lost, first attempts in order',
  needsRedis,
  async (t) => {
    const redis = await startRedis(t)
    // A receiver that takes 150 ms to answer, so a replica holds sends in flight when it is killed.
    const { received, url } = await receiver(t, () => new Promise((answer) => setTimeout(() => answer(200), 150)))
    const env = { REDIS_URL: redis.url, REDIS_POLL_MS: '50', REDIS_LEASE_MS: '1500', WEBHOOK_TIMEOUT_MS: '700', WEBHOOK_URL: url }
    const [a, b] = await Promise.all([startProcess(t, env), startProcess(t, env)])
    const h = authFor('merch_hooks')
    const ids: string[] = []
    for (let i = 0; i < 20; i++) ids.push((await (i % 2 ? b : a).call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)).json.id)
    t.ok(await until(() => received.length >= 4, 10_000), 'deliveries have started')
    await a.kill9()
    const events = await redis.client.lrange('pks:m:merch_hooks:ev', 0, -1)
    t.equal(events.length, 40, 'two events per charge')
    const acknowledged = async () => {
      const pipe = redis.client.pipeline()
      for (const id of events) pipe.hget(`pks:e:${id}`, 'st')
      return ((await pipe.exec()) ?? []).every(([, st]) => st === 'DELIVERED')
    }
    t.ok(await until(acknowledged, 30_000), 'every event recorded as acknowledged by the replica left')
    t.same(new Set(received.map((r) => r.json.id)), new Set(events), 'the receiver got every event at least once')
    // First attempts of one charge's events in event order: created, then authentication pending.
    for (const id of ids) {
      const firsts = received.filter((r) => r.json.subject === id).map((r) => r.json.type)
      t.equal(firsts[0], 'PAYMENT_CHARGE_CREATED', `${id}: created first`)
      t.ok(firsts.includes('PAYMENT_CHARGE_AUTHENTICATION_PENDING'))
    }
    t.ok(received.length >= 40, `${received.length - 40} resent after the kill (at least once, receivers dedupe on the id)`)
    t.equal((await b.call('GET', `/v1/payment-charges/${ids[0]}`, undefined, h)).status, 200, 'the replica left serves everything')
  },
)

t.test(
  'retention applies on Redis: finished charges beyond the cap are forgotten with their events, pending ones kept',
  needsRedis,
  async (t) => {
    const redis = await startRedis(t)
    const env = { REDIS_URL: redis.url, RETENTION_MAX_CHARGES: '3', RETENTION_SWEEP_SECONDS: '1' }
    const [a, b] = await Promise.all([startProcess(t, env), startProcess(t, env)])
    const h = authFor('merch_retention')
    const declined: string[] = []
    for (let i = 0; i < 6; i++) {
      const { id } = (await (i % 2 ? b : a).call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)).json
      t.equal((await (i % 2 ? a : b).call('POST', `/sandbox/payment-charges/${id}/decline`, undefined, h)).json.status, 'FAILED')
      declined.push(id)
    }
    const pending = (await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), h)).json.id
    t.ok(
      await until(async () => (await redis.client.llen('pks:m:merch_retention:ch')) === 4, 10_000),
      'three finished and the pending one kept',
    )
    for (const [i, id] of declined.entries()) {
      for (const r of [a, b]) t.equal((await r.call('GET', `/v1/payment-charges/${id}`, undefined, h)).status, i < 3 ? 404 : 200, id)
    }
    t.equal((await b.call('GET', `/v1/payment-charges/${pending}`, undefined, h)).json.status, 'AUTHENTICATION_PENDING')
    const subjects = new Set(
      ((await b.call('GET', '/sandbox/webhooks', undefined, h)).json.data as Array<{ subject: string }>).map((d) => d.subject),
    )
    t.same([...subjects].sort(), [...declined.slice(3), pending].sort(), 'the forgotten charges took their events with them')
    t.equal(await redis.client.exists(`pks:sv:${declined[0]}`), 0)
  },
)
