import t from 'tap'
import type { Test } from 'tap'
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildTestApp, MERCHANT, OTHER_AUTH, OTHER_MERCHANT, kakaoPayChargeRequest } from '../helpers/app.js'
import { logLines } from '../helpers/log.js'
import { eventErrors } from '../helpers/openapi.js'
import { receiver, type Received } from '../helpers/receiver.js'
import { loadSandboxConfigFile } from '../../src/config-files.js'
import { systemClock } from '../../src/domain/clock.js'
import { verifyWebhook } from '../../src/webhooks/signing.js'

const SECRET = 'whsec_test'

/** What a merchant's receiver does with PPRO's two signature headers. */
function verify(r: Received, secret: string): { webhookSignature: boolean; pproSignature: boolean } {
  const expected = createHash('sha256').update(`${r.body}.${secret}`).digest('hex')
  const header = String(r.headers['webhook-signature'])
  const m = /^t=(\d+),s=([0-9a-f]{64})$/.exec(String(r.headers['ppro-signature']))
  const hmac = m ? createHmac('sha256', secret).update(`${m[1]}.${r.body}`).digest() : Buffer.alloc(32)
  return {
    webhookSignature: header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected)),
    pproSignature: !!m && timingSafeEqual(hmac, Buffer.from(m[2]!, 'hex')),
  }
}

function checkReceived(t: Test, r: Received, secret = SECRET) {
  t.equal(r.headers['content-type'], 'application/json')
  t.same(verify(r, secret), { webhookSignature: true, pproSignature: true }, `${r.json.type}: both signatures verify`)
  t.same(eventErrors(r.json), [], `${r.json.type}: body conforms to the webhooks file`)
}

t.test('approve delivers CREATED, AUTHENTICATION_PENDING, AUTHORIZATION_SUCCEEDED, CAPTURE_SUCCEEDED in order, signed', async (t) => {
  const hook = await receiver(t)
  const ctx = await buildTestApp(t, {
    config: { webhooks: { url: hook.url, secret: SECRET, timeoutMs: 2000, retryBaseMs: 15000, maxAttempts: 15 } },
  })
  const charge = await ctx.createCharge({ merchantPaymentChargeReference: 'order-9' })
  await ctx.consumer(charge.id, 'approve')
  await ctx.app.sandbox.webhooks.idle()
  t.same(
    hook.received.map((r) => r.json.type),
    [
      'PAYMENT_CHARGE_CREATED',
      'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
      'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED',
      'PAYMENT_CHARGE_CAPTURE_SUCCEEDED',
    ],
  )
  for (const r of hook.received) checkReceived(t, r)
  const [created, pending, authorized, captured] = hook.received.map((r) => r.json) as [
    Record<string, any>,
    Record<string, any>,
    Record<string, any>,
    Record<string, any>,
  ]
  t.match(created, {
    specversion: '1.0.2',
    source: 'https://www.ppro.com',
    datacontenttype: 'application/json',
    id: /^[A-Za-z0-9]{21}$/,
    subject: charge.id,
    time: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    data: {
      paymentChargeId: charge.id,
      paymentChargeStatus: 'AUTHORIZATION_PROCESSING',
      paymentMethod: 'KAKAOPAY',
      merchantId: MERCHANT,
      merchantPaymentChargeReference: 'order-9',
      type: 'PAYMENT_CHARGE_CREATED',
      paymentMedium: 'ECOMMERCE',
      initiator: 'CONSUMER',
      amount: { value: 15000, currency: 'KRW' },
      consumer: { name: 'John Smith', country: 'KR' },
    },
  })
  t.match(pending.data, {
    paymentChargeStatus: 'AUTHENTICATION_PENDING',
    authorizationId: charge.authorizations[0].id,
    amount: { value: 15000, currency: 'KRW' },
  })
  t.match(authorized.data, {
    paymentChargeStatus: 'CAPTURED',
    authorizationId: charge.authorizations[0].id,
    isMultiStep: false,
    amount: { value: 15000, currency: 'KRW' },
  })
  t.match(captured.data, { paymentChargeStatus: 'CAPTURED', captureId: /^capture_/, amount: { value: 15000, currency: 'KRW' } })
})

t.test('decline, cancel and timeout deliver their events', async (t) => {
  const hook = await receiver(t)
  const ctx = await buildTestApp(t, {
    config: { authTimeoutSeconds: 60, webhooks: { url: hook.url, secret: SECRET, timeoutMs: 2000, retryBaseMs: 15000, maxAttempts: 15 } },
  })
  const declined = await ctx.createCharge()
  await ctx.consumer(declined.id, 'decline')
  const canceled = await ctx.createCharge()
  await ctx.consumer(canceled.id, 'cancel')
  const expired = await ctx.createCharge()
  ctx.app.sandbox.advance(60_000)
  const refused = await ctx.createCharge({ consumer: { name: 'Jane', country: 'US' } })
  await ctx.app.sandbox.webhooks.idle()
  for (const r of hook.received) checkReceived(t, r)
  const of = (id: string): Array<Record<string, any>> => hook.received.filter((r) => r.json.subject === id).map((r) => r.json)
  t.same(
    of(declined.id).map((e) => e.type),
    ['PAYMENT_CHARGE_CREATED', 'PAYMENT_CHARGE_AUTHENTICATION_PENDING', 'PAYMENT_CHARGE_AUTHORIZATION_FAILED'],
  )
  t.match(of(declined.id)[2]!.data, {
    paymentChargeStatus: 'FAILED',
    failure: { failureType: 'PROVIDER_DECLINE', failureCode: 'AUTHENTICATION_FAILED' },
  })
  t.match(of(canceled.id)[2]!.data, { failure: { failureCode: 'CANCELED_BY_CONSUMER' } })
  t.same(
    of(expired.id).map((e) => e.type),
    ['PAYMENT_CHARGE_CREATED', 'PAYMENT_CHARGE_AUTHENTICATION_PENDING', 'PAYMENT_CHARGE_DISCARDED'],
  )
  t.match(of(expired.id)[2], {
    time: '2026-01-15T09:01:00.000Z',
    data: { paymentChargeStatus: 'DISCARDED', discardType: 'AUTHENTICATION_TIMEOUT' },
  })
  t.same(
    of(refused.id).map((e) => e.type),
    ['PAYMENT_CHARGE_CREATED', 'PAYMENT_CHARGE_AUTHORIZATION_FAILED'],
  )
  t.match(of(refused.id)[1]!.data, { failure: { failureType: 'INTERNAL_DECLINE', failureCode: 'COUNTRY_NOT_SUPPORTED' } })
  t.notOk('isRetryable' in of(refused.id)[1]!.data.failure, 'webhook failures carry only what PPRO names')
})

t.test("a charge's webhooksUrl wins; SANDBOX_CONFIG gives each merchant its own URL and secret", async (t) => {
  const global = await receiver(t)
  const own = await receiver(t)
  const perCharge = await receiver(t)
  const file = join(t.testdir({}), 'sandbox.json')
  await writeFile(file, JSON.stringify({ merchants: { [OTHER_MERCHANT]: { webhookUrl: own.url, webhookSecret: 'whsec_other' } } }))
  const ctx = await buildTestApp(t, {
    merchants: (await loadSandboxConfigFile(file)).merchants,
    config: {
      webhooks: { url: global.url, secret: SECRET, timeoutMs: 2000, retryBaseMs: 15000, maxAttempts: 15 },
    },
  })
  await ctx.createCharge()
  await ctx.createCharge({}, OTHER_AUTH)
  const c = await ctx.createCharge({ webhooksUrl: perCharge.url })
  await ctx.app.sandbox.webhooks.idle()
  t.equal(global.received.length, 2, 'the merchant without settings: WEBHOOK_URL')
  t.equal(own.received.length, 2, 'the merchant of SANDBOX_CONFIG: its own URL')
  for (const r of own.received) checkReceived(t, r, 'whsec_other')
  t.same(
    perCharge.received.map((r) => r.json.subject),
    [c.id, c.id],
    "the charge's webhooksUrl",
  )
})

t.test('a bad SANDBOX_CONFIG stops the start with its name', async (t) => {
  const file = join(t.testdir({}), 'bad.json')
  await writeFile(file, JSON.stringify({ merchants: { m: { webhookUrl: 'ftp://x' } } }))
  await t.rejects(loadSandboxConfigFile(file), /SANDBOX_CONFIG .*bad\.json: merchants\.m\.webhookUrl/)
})

t.test('with no URL configured events are recorded, not sent', async (t) => {
  const ctx = await buildTestApp(t)
  const c = await ctx.createCharge()
  const list = (await ctx.call({ method: 'GET', url: `/sandbox/webhooks?chargeId=${c.id}` })).json()
  t.same(
    list.data.map((d: { type: string; status: string }) => [d.type, d.status]),
    [
      ['PAYMENT_CHARGE_CREATED', 'NOT_SENT'],
      ['PAYMENT_CHARGE_AUTHENTICATION_PENDING', 'NOT_SENT'],
    ],
  )
  t.same(list.data[0].attempts, [])
  t.equal(list.data[0].url, null)
})

/** Answers `failures` errors to each event id, then 200. */
function failingTimes(failures: number, status = 503) {
  const seen = new Map<string, number>()
  return (_n: number, r: Received) => {
    const k = (seen.get(r.json.id) ?? 0) + 1
    seen.set(r.json.id, k)
    return k <= failures ? status : 200
  }
}

t.test('fails twice, then 200: delivered on the third attempt, 15 s and then 30 s later (sandbox clock)', async (t) => {
  const hook = await receiver(t, failingTimes(2))
  const ctx = await buildTestApp(t, {
    config: { webhooks: { url: hook.url, secret: SECRET, timeoutMs: 2000, retryBaseMs: 15_000, maxAttempts: 15 } },
  })
  const { sandbox } = ctx.app
  const c = await ctx.createCharge({ amount: { value: 49, currency: 'KRW' } }) // declined at once: two events
  await sandbox.webhooks.idle()
  const deliveries = sandbox.webhooks.list(MERCHANT, { chargeId: c.id })
  t.same(
    deliveries.map((d) => d.attempts.length),
    [1, 1],
  )
  const t0 = deliveries[0]!.attempts[0]!.at
  t.equal(deliveries[0]!.attempts[0]!.nextAttemptAt, t0 + 15_000)

  sandbox.advance(14_999)
  await sandbox.webhooks.idle()
  t.same(
    deliveries.map((d) => d.attempts.length),
    [1, 1],
    'not retried a millisecond early',
  )
  sandbox.advance(1)
  await sandbox.webhooks.idle()
  t.same(
    deliveries.map((d) => d.attempts.length),
    [2, 2],
    'second attempts at 15 s',
  )
  sandbox.advance(29_999)
  await sandbox.webhooks.idle()
  t.same(
    deliveries.map((d) => d.attempts.length),
    [2, 2],
    'not a millisecond before 30 s more',
  )
  sandbox.advance(1)
  await sandbox.webhooks.idle()
  for (const d of deliveries) {
    t.equal(d.status, 'DELIVERED', `${d.event.type} delivered`)
    t.same(
      d.attempts.map((a) => [a.at - t0, a.statusCode]),
      [
        [0, 503],
        [15_000, 503],
        [45_000, 200],
      ],
    )
  }
  t.same(
    hook.received.map((r) => r.json.type),
    [
      'PAYMENT_CHARGE_CREATED',
      'PAYMENT_CHARGE_AUTHORIZATION_FAILED',
      'PAYMENT_CHARGE_CREATED',
      'PAYMENT_CHARGE_AUTHORIZATION_FAILED',
      'PAYMENT_CHARGE_CREATED',
      'PAYMENT_CHARGE_AUTHORIZATION_FAILED',
    ],
    'first attempts in the order the events happened, retries on their own schedule',
  )
  for (const r of hook.received) checkReceived(t, r)
  sandbox.advance(3_600_000)
  await sandbox.webhooks.idle()
  t.equal(hook.received.length, 6, 'nothing more once acknowledged')
})

t.test('the retry schedule doubles from the base: 15 s, 30 s, 60 s', async (t) => {
  const hook = await receiver(t, failingTimes(3, 500))
  const ctx = await buildTestApp(t, {
    config: { webhooks: { url: hook.url, secret: SECRET, timeoutMs: 2000, retryBaseMs: 15_000, maxAttempts: 15 } },
  })
  const { sandbox } = ctx.app
  const c = await ctx.createCharge({ paymentMethod: 'CARD' })
  await sandbox.webhooks.idle()
  sandbox.advance(3_600_000) // one move of the clock runs every retry that falls due on the way, each at its own time
  await sandbox.webhooks.idle()
  const d = sandbox.webhooks.list(MERCHANT, { chargeId: c.id })[0]!
  t.same(
    d.attempts.map((a) => a.at - d.attempts[0]!.at),
    [0, 15_000, 45_000, 105_000],
  )
  t.equal(d.status, 'DELIVERED')
  const body = (await ctx.call({ method: 'GET', url: `/sandbox/webhooks?chargeId=${c.id}&type=PAYMENT_CHARGE_CREATED` })).json()
  t.match(body.data[0].attempts[0], { attempt: 1, at: String, statusCode: 500, durationMs: Number, nextAttemptAt: String })
  t.equal(Date.parse(body.data[0].attempts[0].nextAttemptAt) - Date.parse(body.data[0].attempts[0].at), 15_000)
})

t.test('real timers: a receiver that never answers is tried exactly WEBHOOK_MAX_ATTEMPTS times, and the log says so', async (t) => {
  // Real timers: a regression fails here within seconds instead of hanging until tap's own timeout.
  t.setTimeout(10_000)
  const hook = await receiver(t, () => 'hang')
  let gaveUp: () => void
  const done = new Promise<void>((resolve) => (gaveUp = resolve))
  const { stream, lines } = logLines((entry) => {
    if (/giving up/.test(String(entry.msg))) gaveUp()
  })
  const ctx = await buildTestApp(t, {
    clock: systemClock,
    logger: { level: 'info', stream },
    config: { webhooks: { url: hook.url, secret: SECRET, timeoutMs: 40, retryBaseMs: 20, maxAttempts: 4 } },
  })
  const c = await ctx.createCharge({ paymentMethod: 'CARD' })
  await done
  const d = ctx.app.sandbox.webhooks.list(MERCHANT, { chargeId: c.id, type: 'PAYMENT_CHARGE_CREATED' })[0]!
  t.equal(d.status, 'FAILED')
  t.equal(d.attempts.length, 4, 'exactly four attempts')
  t.ok(
    d.attempts.every((a) => a.error === 'timeout'),
    'each timed out',
  )
  for (let i = 1; i < 4; i++) {
    t.ok(
      d.attempts[i]!.at - d.attempts[i - 1]!.at >= 20 * 2 ** (i - 1),
      `attempt ${i + 1} waited at least ${20 * 2 ** (i - 1)} ms after the previous one started`,
    )
  }
  t.notOk('nextAttemptAt' in d.attempts[3]!, 'no retry after the last')
  const giveUp = lines.find((l) => /giving up/.test(String(l.msg)) && l.eventId === d.event.id)
  t.match(giveUp, {
    level: 40,
    msg: 'webhook not acknowledged after 4 attempts; giving up',
    type: 'PAYMENT_CHARGE_CREATED',
    outcome: 'timeout',
  })
  await ctx.app.sandbox.webhooks.idle()
  t.equal(hook.received.filter((r) => r.json.id === d.event.id).length, 4, 'the receiver saw it four times')
})

t.test('sending never delays the API call, and a hanging receiver does not slow other merchants', async (t) => {
  const slow = await receiver(t, () => 'hang')
  const fast = await receiver(t)
  const ctx = await buildTestApp(t, {
    merchants: { [MERCHANT]: { webhookUrl: slow.url }, [OTHER_MERCHANT]: { webhookUrl: fast.url } },
    config: { webhooks: { url: undefined, secret: SECRET, timeoutMs: 60_000, retryBaseMs: 15_000, maxAttempts: 15 } },
  })
  const first = slow.next()
  const res = await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })
  t.equal(res.statusCode, 200, 'answered')
  t.equal(slow.received.length, 0, 'before the receiver was even reached')
  await first
  const other = await ctx.createCharge({}, OTHER_AUTH)
  const got = await fast.next()
  t.equal(got.json.subject, other.id, "the other merchant's webhook arrives while the first receiver still hangs")
  const approve = await ctx.consumer(res.json().id, 'approve')
  t.equal(approve.statusCode, 303, "the consumer's redirect is not held up either")
})

t.test('replay sends an event again now; merchants see only their own deliveries', async (t) => {
  const hook = await receiver(t)
  const ctx = await buildTestApp(t, {
    config: { webhooks: { url: hook.url, secret: SECRET, timeoutMs: 2000, retryBaseMs: 15000, maxAttempts: 15 } },
  })
  const a = await ctx.createCharge()
  const b = await ctx.createCharge({}, OTHER_AUTH)
  await ctx.app.sandbox.webhooks.idle()
  const mine = (await ctx.call({ method: 'GET', url: '/sandbox/webhooks' })).json().data
  t.same(
    mine.map((d: { subject: string }) => d.subject),
    [a.id, a.id],
  )
  const theirs = (await ctx.call({ method: 'GET', url: '/sandbox/webhooks', headers: OTHER_AUTH })).json().data
  t.same(
    theirs.map((d: { subject: string }) => d.subject),
    [b.id, b.id],
  )
  t.match(mine[0], {
    status: 'DELIVERED',
    url: hook.url,
    payload: { type: 'PAYMENT_CHARGE_CREATED', data: { paymentChargeId: a.id } },
    attempts: [{ attempt: 1, statusCode: 200 }],
  })

  const before = hook.received.length
  const replay = await ctx.call({ method: 'POST', url: `/sandbox/webhooks/${mine[0].eventId}/replay` })
  t.equal(replay.statusCode, 200)
  t.match(replay.json(), { eventId: mine[0].eventId, attempts: [{ attempt: 1 }, { attempt: 2, statusCode: 200, replay: true }] })
  t.equal(hook.received.length, before + 1)
  t.equal(hook.received.at(-1)!.body, hook.received.find((r) => r.json.id === mine[0].eventId)!.body, 'the same bytes')
  checkReceived(t, hook.received.at(-1)!)

  const foreign = await ctx.call({ method: 'POST', url: `/sandbox/webhooks/${mine[0].eventId}/replay`, headers: OTHER_AUTH })
  t.equal(foreign.statusCode, 404)
  t.match(foreign.json(), { status: 404, failureMessage: `webhook event ${mine[0].eventId} not found` })
  const noAuth = await ctx.app.inject({ method: 'GET', url: '/sandbox/webhooks' })
  t.equal(noAuth.statusCode, 401)
  const byType = (await ctx.call({ method: 'GET', url: '/sandbox/webhooks?type=PAYMENT_CHARGE_AUTHENTICATION_PENDING' })).json().data
  t.same(
    byType.map((d: { type: string }) => d.type),
    ['PAYMENT_CHARGE_AUTHENTICATION_PENDING'],
  )
})

t.test('on close the server stops, and deliveries in flight get a short grace period', async (t) => {
  t.setTimeout(10_000)
  const slowButAnswers = await receiver(t, () => 'hang')
  const ctx = await buildTestApp(t, {
    config: { webhooks: { url: slowButAnswers.url, secret: SECRET, timeoutMs: 300, retryBaseMs: 15_000, maxAttempts: 15 } },
  })
  await ctx.createCharge({ paymentMethod: 'CARD' })
  // next() keeps a request that arrived before it was called, so the attempt in flight is seen either way.
  await slowButAnswers.next()
  const started = performance.now()
  await ctx.app.close()
  const d = ctx.app.sandbox.webhooks.list(MERCHANT)[0]!
  t.ok(performance.now() - started < 5_000, 'close does not wait for a hanging receiver beyond the grace period')
  t.equal(d.attempts.length, 1)
  t.equal(d.attempts[0]!.error, 'timeout', 'the attempt in flight ran to its timeout within the grace period')
  // Memory mode gives up on it; durable mode leaves it owed, for the next start to retry.
  t.equal(d.status, ctx.app.durable ? 'PENDING' : 'FAILED', 'and no retry is scheduled after close')
  t.equal(ctx.app.sandbox.scheduler.size, 0, 'nothing is scheduled')
})

t.test(
  'PPRO-Signature is signed at the real time of sending, so a receiver with a freshness window accepts it after a clock move',
  async (t) => {
    const hook = await receiver(t)
    const ctx = await buildTestApp(t, {
      config: { webhooks: { url: hook.url, secret: SECRET, timeoutMs: 2000, retryBaseMs: 15000, maxAttempts: 15 } },
    })
    const realSeconds = Math.floor(ctx.clock.now() / 1000)
    await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 86_400 } })
    await ctx.createCharge()
    await ctx.app.sandbox.webhooks.idle()
    t.equal(hook.received.length, 2)
    for (const r of hook.received) {
      t.equal(r.json.time, '2026-01-16T09:00:00.000Z', 'CloudEvents time: sandbox time, when the event happened')
      t.match(String(r.headers['ppro-signature']), new RegExp(`^t=${realSeconds},s=`), 't=: the real Unix time of sending')
      t.same(verifyWebhook(r.body, r.headers, SECRET, { nowSeconds: realSeconds, toleranceSeconds: 300 }), { ok: true })
    }
  },
)
