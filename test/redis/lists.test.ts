// The dashboard's lists on replicas: two real sandbox processes on one redis-server of the test's own
// answer /sandbox/payment-charges, /sandbox/payment-agreements and /sandbox/deliveries from Redis's
// sorted sets, and each answer is compared whole with what memory mode answers for the same records
// (an in-process sandbox given exactly what Redis holds). Skipped, never passed, without redis-server.
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.js'
import type { Agreement } from '../../src/domain/agreement.js'
import type { Charge } from '../../src/domain/charge.js'
import type { PproEvent } from '../../src/domain/events.js'
import { MemoryStore } from '../../src/store/memory-store.js'
import type { Attempt, Delivery, DeliveryStatus } from '../../src/webhooks/dispatcher.js'
import { kakaoPayAgreementRequest, kakaoPayChargeRequest } from '../helpers/app.js'
import { type SandboxProcess, startProcess } from '../helpers/process.js'
import { receiver } from '../helpers/receiver.js'
import { needsRedis, type RedisServer, startRedis } from '../helpers/redis.js'
import { until } from '../helpers/wait.js'

t.setTimeout(300_000)

const M = 'merch_lists'
const auth = { authorization: 'Bearer sk_test_sandbox', 'merchant-id': M }

/** Memory mode given exactly the records Redis holds for the merchant, in their order: the answers to match. */
async function memoryOracle(t: Test, redis: RedisServer) {
  const store = new MemoryStore()
  const docs = async (list: string) => {
    const ids = await redis.client.lrange(`pks:m:${M}:${list}`, 0, -1)
    const pipe = redis.client.pipeline()
    for (const id of ids) pipe.hget(`pks:d:${id}`, 'doc')
    return ((await pipe.exec()) ?? []).map(([, v]) => JSON.parse(String(v)) as unknown)
  }
  for (const c of await docs('ch')) store.insertCharge(c as Charge)
  for (const a of await docs('ag')) store.insertAgreement(a as Agreement)
  const app = await buildApp({ store, logger: false })
  t.teardown(() => app.close())
  const events = await redis.client.lrange(`pks:m:${M}:ev`, 0, -1)
  const deliveries: Delivery[] = []
  for (const id of events) {
    const [m, ty, s, tm, st, u, c, a, b] = await redis.client.hmget(`pks:e:${id}`, 'm', 'ty', 's', 'tm', 'st', 'u', 'c', 'a', 'b')
    const event: PproEvent = {
      id,
      merchantId: m!,
      type: ty!,
      subject: s!,
      time: Number(tm),
      data: JSON.parse(b!).data,
      chargeId: c || undefined,
      agreementId: a || undefined,
      webhooksUrl: undefined,
    }
    const attempts = (await redis.client.lrange(`pks:e:${id}:att`, 0, -1)).map((x) => JSON.parse(x) as Attempt)
    deliveries.push({ event, url: u || undefined, status: st as DeliveryStatus, attempts })
  }
  app.sandbox.webhooks.restore(deliveries)
  return async (url: string) => {
    const r = await app.inject({ method: 'GET', url, headers: auth })
    return { status: r.statusCode, json: r.json() }
  }
}

t.test("the dashboard's lists on replicas answer every replica's records as memory mode does", needsRedis, async (t) => {
  const redis = await startRedis(t)
  // Created events are acknowledged, every other one refused: deliveries end delivered, retrying or given up.
  const hooks = await receiver(t, (_n, r) => (/_CREATED$/.test(r.json.type) ? 200 : 500))
  const env = {
    REDIS_URL: redis.url,
    REDIS_POLL_MS: '50',
    AUTH_TIMEOUT_SECONDS: '6000',
    PUBLIC_BASE_URL: 'http://sandbox.test',
    WEBHOOK_URL: hooks.url,
    WEBHOOK_MAX_ATTEMPTS: '2',
    WEBHOOK_RETRY_BASE_MS: '60000',
  }
  const replicas: SandboxProcess[] = await Promise.all([startProcess(t, env), startProcess(t, env)])
  const [a, b] = replicas as [SandboxProcess, SandboxProcess]
  const on = (i: number) => replicas[i % 2]!
  const settled = async () => {
    const events = await redis.client.lrange(`pks:m:${M}:ev`, 0, -1)
    const pipe = redis.client.pipeline()
    for (const id of events) pipe.llen(`pks:e:${id}:att`)
    const owed =
      (await redis.client.zcard('pks:wq')) + (await redis.client.zcard('pks:wq:lease')) + (await redis.client.zcard('pks:wr:lease'))
    return owed === 0 && ((await pipe.exec()) ?? []).every(([, n]) => Number(n) >= 1)
  }

  // 24 charges over both replicas, in every state the lists filter by.
  const charges: string[] = []
  const make = async (round: number) => {
    for (let i = 0; i < 12; i++) {
      const n = round * 12 + i
      const ref = n % 5 === 4 ? {} : { merchantPaymentChargeReference: `Order-${n}` }
      const { id } = (await on(n).call('POST', '/v1/payment-charges', kakaoPayChargeRequest(ref), auth)).json
      charges.push(id)
      if (n % 4 === 1) t.equal((await on(n + 1).call('POST', `/sandbox/payment-charges/${id}/approve`, undefined, auth)).status, 200)
      if (n % 4 === 2) t.equal((await on(n + 1).call('POST', `/sandbox/payment-charges/${id}/decline`, undefined, auth)).status, 200)
      if (n % 8 === 1) t.equal((await on(n).call('POST', `/v1/payment-charges/${id}/refunds`, { amount: 5000 }, auth)).status, 200)
    }
  }
  await make(0)
  // Agreements, one of them charged on both replicas.
  const agreements: string[] = []
  for (let i = 0; i < 5; i++) {
    const body = kakaoPayAgreementRequest({ merchantPaymentAgreementReference: `Sub-${i}`, description: i % 2 ? 'Coffee beans' : 'Tea' })
    const { id } = (await on(i).call('POST', '/v1/payment-agreements', body, auth)).json
    agreements.push(id)
    if (i < 3) t.equal((await on(i + 1).call('POST', `/sandbox/payment-agreements/${id}/approve`, undefined, auth)).status, 200)
  }
  for (let i = 0; i < 4; i++) {
    const r = await on(i).call(
      'POST',
      `/v1/payment-agreements/${agreements[1]}/payment-charges`,
      { amount: { value: 1000, currency: 'KRW' } },
      auth,
    )
    t.equal(r.status, 200)
    charges.push(r.json.id)
  }
  t.ok(await until(settled, 30_000), 'the first attempts are made')
  // Past the retries of what was refused so far: those give up; what follows still retries.
  t.equal((await a.call('POST', '/sandbox/clock', { advanceSeconds: 61 }, auth)).status, 200)
  const retried = async () => (await redis.client.zcard('pks:wr')) + (await redis.client.zcard('pks:wr:lease')) === 0
  t.ok(await until(retried, 30_000), 'the retries are made')
  await make(1)
  t.ok(await until(settled, 30_000), 'the first attempts of the second round are made')

  const memory = await memoryOracle(t, redis)
  const same = async (url: string) => {
    const want = await memory(url)
    t.equal(want.status, 200, `memory mode answers ${url}`)
    for (const [i, r] of replicas.entries()) {
      const got = await r.call('GET', url, undefined, auth)
      t.same({ status: got.status, json: got.json }, want, `replica ${i + 1}: ${url}`)
    }
    return want.json
  }
  /** Every page from `url`, following nextPage: each compared whole; the rows of all pages. */
  const pages = async (url: string) => {
    const rows: Array<{ id?: string; eventId?: string }> = []
    let next: string | undefined
    for (let n = 0; n < 30; n++) {
      const body = await same(next ? `${url}${url.includes('?') ? '&' : '?'}page=${encodeURIComponent(next)}` : url)
      rows.push(...body.data)
      next = body.nextPage
      if (!next) return rows
    }
    t.fail(`${url}: more than 30 pages`)
    return rows
  }

  // Charges: newest first, every replica's, paged; by status; by text; by agreement; an exact id.
  await same('/sandbox/payment-charges')
  const all = await same('/sandbox/payment-charges?limit=100')
  t.equal(all.total, 28)
  t.same(
    all.data.map((c: { id: string }) => c.id),
    [...charges].reverse(),
    'every charge of both replicas, newest first',
  )
  t.equal((await pages('/sandbox/payment-charges?limit=5')).length, 28)
  const captured = await pages('/sandbox/payment-charges?status=CAPTURED&limit=3')
  t.ok(captured.length > 3, `${captured.length} captured charges over several pages`)
  await pages('/sandbox/payment-charges?status=FAILED,AUTHENTICATION_PENDING&limit=4')
  await same('/sandbox/payment-charges?status=DISCARDED')
  const byText = await same('/sandbox/payment-charges?q=order-1')
  t.same(
    byText.data.map((c: { merchantPaymentChargeReference: string }) => c.merchantPaymentChargeReference),
    ['Order-18', 'Order-17', 'Order-16', 'Order-15', 'Order-13', 'Order-12', 'Order-11', 'Order-10', 'Order-1'],
    'a reference found by its beginning, any case',
  )
  await pages('/sandbox/payment-charges?q=ORDER-2&limit=2')
  await same(`/sandbox/payment-charges?q=${charges[3]}`)
  await same(`/sandbox/payment-charges?q=${charges[3]}&status=FAILED`)
  await same(`/sandbox/payment-charges?q=${charges[3]!.slice(0, 12)}`)
  const ofAgreement = await same(`/sandbox/payment-charges?agreementId=${agreements[1]}`)
  t.ok(ofAgreement.data.length >= 4, `the agreement's ${ofAgreement.data.length} charges`)
  await same(`/sandbox/payment-charges?agreementId=${agreements[1]}&status=CAPTURED&limit=2`)
  await same('/sandbox/payment-charges?q=no-such-order')

  // Agreements.
  t.same(
    (await same('/sandbox/payment-agreements')).data.map((x: { id: string }) => x.id),
    [...agreements].reverse(),
  )
  await pages('/sandbox/payment-agreements?limit=2')
  await same('/sandbox/payment-agreements?status=ACTIVE')
  t.equal((await same('/sandbox/payment-agreements?q=coffee')).data.length, 2, 'found by description')
  await same('/sandbox/payment-agreements?q=sub-3')

  // Deliveries: every event of both replicas with its state, attempts and the headers sent.
  const deliveries = await same('/sandbox/deliveries')
  t.equal(deliveries.total, await redis.client.llen(`pks:m:${M}:ev`))
  const states = new Set<string>()
  for (const d of await pages('/sandbox/deliveries?limit=7')) states.add((d as { state: string }).state)
  t.same([...states].sort(), ['delivered', 'gave_up', 'retrying'], 'deliveries in every state the receiver made')
  await pages('/sandbox/deliveries?state=retrying,gave_up&limit=6')
  await same('/sandbox/deliveries?state=delivered')
  await same(`/sandbox/deliveries?chargeId=${charges[1]}`)
  await same(`/sandbox/deliveries?agreementId=${agreements[1]}&limit=4`)
  await same('/sandbox/deliveries?type=PAYMENT_CHARGE_CAPTURE_SUCCEEDED')
  const middle = (await b.call('GET', '/sandbox/deliveries?limit=20', undefined, auth)).json.data.at(-1).createdAt
  await pages(`/sandbox/deliveries?since=${encodeURIComponent(middle)}&limit=8`)

  // A change on one replica moves a charge between the status lists of the other at once.
  const pending = charges.at(-1)!
  t.equal((await a.call('POST', `/sandbox/payment-charges/${pending}/approve`, undefined, auth)).status, 200)
  const after = (await b.call('GET', `/sandbox/payment-charges?status=CAPTURED&limit=1`, undefined, auth)).json
  t.same(
    after.data.map((c: { id: string; status: string }) => [c.id, c.status]),
    [[pending, 'CAPTURED']],
  )
  t.notOk(
    (await b.call('GET', '/sandbox/payment-charges?status=AUTHENTICATION_PENDING', undefined, auth)).json.data.some(
      (c: { id: string }) => c.id === pending,
    ),
    'and out of the one it left',
  )
  // A merchant reset empties the lists on every replica, and they number from the start again.
  t.equal((await b.call('DELETE', '/sandbox/data', undefined, auth)).status, 200)
  for (const r of replicas) {
    t.same((await r.call('GET', '/sandbox/payment-charges', undefined, auth)).json, { data: [], total: 0 })
    t.same((await r.call('GET', '/sandbox/deliveries', undefined, auth)).json, { data: [], total: 0 })
  }
  t.same(await redis.client.keys(`pks:m:${M}:*`), [], 'nothing of the merchant is left in Redis')
})
