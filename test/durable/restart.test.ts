import t from 'tap'
import { createServer, type IncomingMessage } from 'node:http'
import { kakaoPayChargeRequest } from '../helpers/app.js'
import { freePort } from '../helpers/net.js'
import { startProcess } from '../helpers/process.js'

const agreement = {
  paymentMethod: 'KAKAOPAY',
  description: 'Coffee subscription',
  consumer: { name: 'Kim Minji', country: 'KR' },
  authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.webshop.com/subscription/done' } }],
}

/** A webhook receiver on a fixed port that can be down (nothing listening) and come up later. */
function receiverOn(port: number) {
  const received: Array<{ id: string; type: string }> = []
  const server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const json = JSON.parse(body)
      received.push({ id: json.id, type: json.type })
      res.writeHead(200).end()
    })
  })
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    up: () => new Promise<void>((r) => server.listen(port, '127.0.0.1', r)),
    down: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  }
}

t.test(
  'a clean restart keeps charges, refunds, the approval page, agreements, idempotency keys, the clock and owed webhooks',
  async (t) => {
    const dataDir = t.testdir({})
    const hookPort = await freePort()
    const hooks = receiverOn(hookPort)
    t.teardown(() => hooks.down().catch(() => {}))
    // The receiver is down: the first attempt fails; the retry is an hour away in sandbox time.
    const env = { DATA_DIR: dataDir, WEBHOOK_RETRY_BASE_MS: String(3_600_000), WEBHOOK_TIMEOUT_MS: '2000' }
    const a = await startProcess(t, env)

    const captured = (await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest({ merchantPaymentChargeReference: 'order-1' })))
      .json
    t.equal((await a.call('POST', `/sandbox/payment-charges/${captured.id}/approve`)).status, 200)
    t.equal((await a.call('POST', `/v1/payment-charges/${captured.id}/refunds`, { amount: 4000 })).status, 200)
    t.equal(
      (await a.call('POST', `/v1/payment-charges/${captured.id}/refunds`, { amount: 5000, merchantRefundReference: 'rf-2' })).status,
      200,
    )
    const pending = (await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest())).json
    const agr = (await a.call('POST', '/v1/payment-agreements', agreement)).json
    t.equal((await a.call('POST', `/sandbox/payment-agreements/${agr.id}/approve`)).status, 200)
    const keyed = await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest({ amount: { value: 777, currency: 'KRW' } }), {
      'request-idempotency-key': 'key-1',
    })
    t.equal(keyed.status, 200)
    const hooked = (await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest({ webhooksUrl: hooks.url }))).json
    t.same((await a.call('POST', '/sandbox/clock', { advanceSeconds: 120 })).json.offsetSeconds, 120)
    // The first attempt of the hooked charge's first event failed (connection refused) before the stop.
    let firstAttempt: any
    for (let i = 0; i < 100 && !firstAttempt; i++) {
      const list = (await a.call('GET', `/sandbox/webhooks?chargeId=${hooked.id}`)).json
      firstAttempt = list.data?.[0]?.attempts?.[0]?.error ? list.data[0] : undefined
      if (!firstAttempt) await new Promise((r) => setTimeout(r, 20))
    }
    t.ok(firstAttempt, 'the first attempt failed while the receiver was down')
    const before = {
      captured: (await a.call('GET', `/v1/payment-charges/${captured.id}`)).json,
      pending: (await a.call('GET', `/v1/payment-charges/${pending.id}`)).json,
      agreement: (await a.call('GET', `/v1/payment-agreements/${agr.id}`)).json,
      search: (await a.call('GET', '/v1/payment-charges?merchantPaymentChargeReference=order-1')).json,
    }
    t.equal(await a.stop(), 0, 'stops cleanly')

    await hooks.up()
    const b = await startProcess(t, env, { port: a.port })
    t.same((await b.call('GET', `/v1/payment-charges/${captured.id}`)).json, before.captured, 'the captured charge with its two refunds')
    t.same(
      (await b.call('GET', '/v1/payment-charges?merchantPaymentChargeReference=order-1')).json,
      before.search,
      'found by its reference',
    )
    t.same((await b.call('GET', `/v1/payment-agreements/${agr.id}`)).json, before.agreement)
    const clock = (await b.call('GET', '/sandbox/clock')).json
    t.ok(clock.offsetSeconds >= 120, `the clock offset (${clock.offsetSeconds} s)`)

    // The pending charge: same answer, and its approval page works.
    t.same((await b.call('GET', `/v1/payment-charges/${pending.id}`)).json, before.pending)
    const page = await fetch(`${b.base}/checkout/${pending.id}`)
    t.equal(page.status, 200)
    t.match(await page.text(), /15,000원/)
    const approved = await fetch(`${b.base}/checkout/${pending.id}`, {
      method: 'POST',
      body: new URLSearchParams({ action: 'approve' }),
      redirect: 'manual',
    })
    t.equal(approved.status, 303)
    t.equal((await b.call('GET', `/v1/payment-charges/${pending.id}`)).json.status, 'CAPTURED')

    // The active agreement can still be charged.
    const mit = await b.call('POST', `/v1/payment-agreements/${agr.id}/payment-charges`, {
      amount: { value: 9900, currency: 'KRW' },
      scheduleType: 'UNSCHEDULED',
    })
    t.equal(mit.status, 200)
    t.equal(mit.json.status, 'CAPTURED')

    // The idempotency key still replays, byte for byte.
    const replay = await b.call('POST', '/v1/payment-charges', kakaoPayChargeRequest({ amount: { value: 777, currency: 'KRW' } }), {
      'request-idempotency-key': 'key-1',
    })
    t.equal(replay.status, 200)
    t.equal(replay.headers.get('request-idempotency'), 'true')
    t.equal(replay.text, keyed.text)

    // The owed webhook goes out at its retry time, once.
    t.same(hooks.received, [], 'nothing before the retry is due')
    await b.call('POST', '/sandbox/clock', { advanceSeconds: 3600 })
    let hookedEvents: any[] = []
    for (let i = 0; i < 200; i++) {
      hookedEvents = (await b.call('GET', `/sandbox/webhooks?chargeId=${hooked.id}`)).json.data
      if (hookedEvents.every((e) => e.status === 'DELIVERED')) break
      await new Promise((r) => setTimeout(r, 20))
    }
    t.same(
      hookedEvents.map((e) => [e.type, e.status, e.attempts.length]),
      [
        ['PAYMENT_CHARGE_CREATED', 'DELIVERED', 2],
        ['PAYMENT_CHARGE_AUTHENTICATION_PENDING', 'DELIVERED', 2],
        // The hour also passed the charge's authentication timeout.
        ['PAYMENT_CHARGE_DISCARDED', 'DELIVERED', 1],
      ],
      'the attempt before the stop, and one after it',
    )
    t.same(
      hooks.received.map((r) => r.id).sort(),
      hookedEvents.map((e) => e.eventId).sort(),
      'every event of the hooked charge was delivered, once (retries run side by side, so in any order)',
    )
    t.equal(await b.stop(), 0)
  },
)
