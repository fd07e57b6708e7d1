import t from 'tap'
import { startSandbox, verifyWebhook } from '../../src/kit/index.js'
import type { CreateChargeRequest } from '../../src/kit/index.js'
import { kakaoPayChargeRequest as anyCharge } from '../helpers/app.js'
import { receiver } from '../helpers/receiver.js'
import { freePort } from '../helpers/net.js'
import { launch } from '../../src/kit/start.js'
import { loadConfig } from '../../src/config.js'

const kakaoPayChargeRequest = () => anyCharge() as CreateChargeRequest

t.test('a sandbox on a port of its own: create, approve, await the webhook, refund', async (t) => {
  const sb = await startSandbox()
  t.teardown(() => sb.close())
  t.match(sb.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.match(sb.merchantId, /^merch_[0-9a-f]{16}$/)
  t.match(sb.webhookSecret, /^whsec_[0-9a-f]{24}$/)

  const charge = await sb.client.createCharge(kakaoPayChargeRequest(), { idempotencyKey: 'order-1' })
  t.equal(charge.status, 'AUTHENTICATION_PENDING')
  t.equal(charge.authenticationMethods?.[0]?.details.requestUrl, `${sb.url}/checkout/${charge.id}`)
  const again = await sb.client.createCharge(kakaoPayChargeRequest(), { idempotencyKey: 'order-1' })
  t.equal(again.id, charge.id, 'the idempotency key is sent')

  const approved = await sb.approve(charge.id)
  t.equal(approved.status, 'CAPTURED')
  const captured = await sb.awaitWebhook({ type: 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED', chargeId: charge.id })
  t.match(captured, { type: 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED', subject: charge.id, data: { paymentChargeId: charge.id } })

  const refund = await sb.client.refund(charge.id, { amount: 5000 })
  t.equal(refund.status, 'REFUNDED')
  t.equal((await sb.client.getCharge(charge.id)).status, 'CAPTURED')
  const found = await sb.client.searchCharges({ merchantPaymentChargeReference: 'none' })
  t.same(found.data, [])
  t.same(
    sb.webhooks({ chargeId: charge.id }).map((e) => e.type),
    [
      'PAYMENT_CHARGE_CREATED',
      'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
      'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED',
      'PAYMENT_CHARGE_CAPTURE_SUCCEEDED',
      'PAYMENT_CHARGE_REFUND_SUCCEEDED',
    ],
  )
})

t.test('with a webhook URL, awaitWebhook resolves once the receiver acknowledged, and the signature verifies', async (t) => {
  const hooks = await receiver(t)
  const sb = await startSandbox({ webhookUrl: hooks.url, webhookSecret: 'whsec_kit' })
  t.teardown(() => sb.close())
  const charge = await sb.client.createCharge(kakaoPayChargeRequest())
  await sb.decline(charge.id, 'INSUFFICIENT_FUNDS')
  const failed = await sb.awaitWebhook({ type: 'PAYMENT_CHARGE_AUTHORIZATION_FAILED' })
  t.match(failed.data, { failure: { failureCode: 'INSUFFICIENT_FUNDS' } })
  const got = hooks.received.find((r) => r.json.id === failed.id)
  t.ok(got, 'the receiver had it before awaitWebhook resolved')
  t.same(verifyWebhook(got!.body, got!.headers as Record<string, string>, 'whsec_kit'), { ok: true })
})

t.test('two sandboxes started in parallel never collide: own ports, own data, own clocks', async (t) => {
  const all = await Promise.all(Array.from({ length: 4 }, () => startSandbox()))
  t.teardown(() => Promise.all(all.map((sb) => sb.close())))
  t.equal(new Set(all.map((sb) => sb.url)).size, 4, 'four URLs')
  t.equal(new Set(all.map((sb) => sb.merchantId)).size, 4, 'four merchants')
  const charges = await Promise.all(all.map((sb) => sb.client.createCharge(kakaoPayChargeRequest())))
  await all[0]!.advanceClock(3600)
  for (const [i, sb] of all.entries()) {
    const others = charges.filter((_, j) => j !== i)
    for (const c of others)
      await t.rejects(sb.client.getCharge(c.id), { name: 'PproError', message: /answered 404/ }, 'another sandbox does not know the charge')
    t.equal((await sb.client.getCharge(charges[i]!.id)).status, i === 0 ? 'DISCARDED' : 'AUTHENTICATION_PENDING', 'own clock')
  }
})

t.test('awaitWebhook resolves at once for an event that happened before the call', async (t) => {
  const sb = await startSandbox()
  t.teardown(() => sb.close())
  const charge = await sb.client.createCharge(kakaoPayChargeRequest())
  await sb.cancel(charge.id)
  // Let the dispatcher record everything before waiting, so the events are strictly earlier.
  await new Promise((r) => setImmediate(r))
  const event = await sb.awaitWebhook({ type: 'PAYMENT_CHARGE_AUTHORIZATION_FAILED', chargeId: charge.id }, { timeoutMs: 1 })
  t.match(event.data, { paymentChargeStatus: 'FAILED', failure: { failureCode: 'CANCELED_BY_CONSUMER' } })
  const first = await sb.awaitWebhook({}, { timeoutMs: 1 })
  t.equal(first.type, 'PAYMENT_CHARGE_CREATED', 'with no filter, the first of the merchant')
  const message = await sb.awaitEvent({ type: 'PAYMENT_CHARGE_CREATED' }, { timeoutMs: 1 })
  t.match(message, { kind: 'event', chargeId: charge.id, type: 'PAYMENT_CHARGE_CREATED', eventId: first.id, payload: first })
})

t.test('awaitWebhook rejects on timeout saying what it waited for and what did happen', async (t) => {
  const sb = await startSandbox()
  t.teardown(() => sb.close())
  await t.rejects(sb.awaitWebhook({ type: 'PAYMENT_CHARGE_CREATED' }, { timeoutMs: 20 }), {
    message: `awaitWebhook({type: "PAYMENT_CHARGE_CREATED"}): nothing matched within 20 ms. Merchant ${sb.merchantId} has had no webhook event yet.`,
  })
  const charge = await sb.client.createCharge(kakaoPayChargeRequest())
  const err = (await sb
    .awaitWebhook({ type: 'PAYMENT_CHARGE_REFUND_SUCCEEDED', chargeId: charge.id }, { timeoutMs: 20 })
    .catch((e: unknown) => e)) as Error
  t.equal(
    err.message,
    `awaitWebhook({type: "PAYMENT_CHARGE_REFUND_SUCCEEDED", chargeId: "${charge.id}"}): nothing matched within 20 ms. ` +
      `Webhook events of merchant ${sb.merchantId} so far:\n` +
      `  PAYMENT_CHARGE_CREATED ${charge.id}: recorded (no webhook URL)\n` +
      `  PAYMENT_CHARGE_AUTHENTICATION_PENDING ${charge.id}: recorded (no webhook URL)`,
  )
  const late = (await sb.awaitEvent({ type: 'PAYMENT_CHARGE_REFUND_SUCCEEDED' }, { timeoutMs: 20 }).catch((e: unknown) => e)) as Error
  t.equal(
    late.message,
    `awaitEvent({type: "PAYMENT_CHARGE_REFUND_SUCCEEDED", kind: "event"}): nothing matched within 20 ms. The feed of merchant ${sb.merchantId} so far:\n` +
      `  1 event PAYMENT_CHARGE_CREATED ${charge.id}\n` +
      `  2 event PAYMENT_CHARGE_AUTHENTICATION_PENDING ${charge.id}\n` +
      `  3 request POST /v1/payment-charges 200`,
  )
})

t.test('a receiver that refuses: awaitWebhook names the delivery and its answers', async (t) => {
  const hooks = await receiver(t, () => 500)
  const sb = await startSandbox({ webhookUrl: hooks.url, webhookRetryBaseMs: 3_600_000 })
  t.teardown(() => sb.close())
  const charge = await sb.client.createCharge(kakaoPayChargeRequest())
  await hooks.next()
  await hooks.next()
  const err = (await sb.awaitWebhook({ chargeId: charge.id }, { timeoutMs: 50 }).catch((e: unknown) => e)) as Error
  t.match(err.message, `PAYMENT_CHARGE_CREATED ${charge.id}: PENDING to ${hooks.url}, 1 attempt(s), last answered 500`)
})

t.test('agreements: approve, charge, revoke through the handle', async (t) => {
  const sb = await startSandbox({ merchantId: 'merch_kit', apiKey: 'sk_kit' })
  t.teardown(() => sb.close())
  t.equal(sb.merchantId, 'merch_kit')
  const agreement = await sb.client.createAgreement({
    paymentMethod: 'KAKAOPAY',
    consumer: { name: 'Kim', country: 'KR' },
    authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://shop.example/return' } }],
  })
  t.equal(agreement.status, 'AUTHENTICATION_PENDING')
  t.equal((await sb.approve(agreement.id)).status, 'ACTIVE')
  await sb.awaitWebhook({ type: 'PAYMENT_AGREEMENT_ACTIVE', agreementId: agreement.id })
  const renewal = await sb.client.chargeAgreement(agreement.id, { amount: { value: 9900, currency: 'KRW' } })
  t.equal(renewal.status, 'CAPTURED')
  t.same(await sb.client.revokeAgreement(agreement.id), { status: 'REVOKED' })
  t.equal((await sb.client.getAgreement(agreement.id)).status, 'REVOKED_BY_MERCHANT')
  t.same(await sb.reset(), { charges: 1, agreements: 1, events: 7 })
  await t.rejects(
    fetch(`${sb.url}/v1/payment-agreements/${agreement.id}`, {
      headers: { authorization: 'Bearer other', 'merchant-id': 'merch_kit' },
    }).then((r) => (r.status === 401 ? Promise.reject(new Error('401')) : r)),
    { message: '401' },
    'only the given key is accepted',
  )
  await t.rejects(sb.approve('nonsense'), { message: 'approve "nonsense": not a payment charge (charge_…) or agreement (agr_…) id' })
})

t.test('close frees the port and rejects what still waits', async (t) => {
  const sb = await startSandbox()
  const waiting = sb.awaitWebhook({ type: 'PAYMENT_CHARGE_CREATED' }, { timeoutMs: 5000 })
  await sb.close()
  await t.rejects(waiting, { message: /^awaitWebhook\(\{type: "PAYMENT_CHARGE_CREATED"\}\): the sandbox was closed first\./ })
  await t.rejects(fetch(`${sb.url}/health`), 'nothing listens any more')
  await sb.close()
})

t.test('a bad option stops the start with the configuration message, and binds nothing', async (t) => {
  await t.rejects(startSandbox({ webhookUrl: 'ftp://nope' }), { name: 'ConfigError', message: /WEBHOOK_URL/ })
})

t.test('awaitEvent follows the event feed: requests, deliveries, clock moves', async (t) => {
  const hooks = await receiver(t)
  const sb = await startSandbox({ webhookUrl: hooks.url })
  t.teardown(() => sb.close())
  const charge = await sb.client.createCharge(kakaoPayChargeRequest())
  const request = await sb.awaitEvent({ kind: 'request', where: (m) => m.method === 'POST' })
  t.match(request, { kind: 'request', method: 'POST', path: '/v1/payment-charges', status: 200, chargeId: charge.id })
  await sb.approve(charge.id)
  const delivery = await sb.awaitEvent({ kind: 'delivery', type: 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED' })
  t.match(delivery, { kind: 'delivery', url: hooks.url, statusCode: 200, attempt: 1, deliveryStatus: 'DELIVERED', chargeId: charge.id })
  await sb.advanceClock(60)
  t.match(await sb.awaitEvent({ kind: 'clock' }), { kind: 'clock', advancedSeconds: 60 })
})

t.test('a request that arrives while the sandbox is still starting waits for it, and is answered', async (t) => {
  const port = await freePort()
  const errors: string[] = []
  const answers: number[] = []
  let starting = true
  // Knocks on the port from before it is bound until the sandbox is up: the knocks that connect
  // during the start are held, then answered (before, one crashed the process inside Fastify).
  const knocks: Promise<void>[] = []
  const knock = async () => {
    for (let i = 0; i < 2000 && starting; i++) {
      knocks.push(
        fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => void answers.push(r.status),
          (err: Error & { cause?: { code?: string } }) => {
            if (err.cause?.code !== 'ECONNREFUSED') errors.push(String(err.cause?.code ?? err.message))
          },
        ),
      )
      await new Promise((r) => setTimeout(r, 1))
    }
  }
  const knocking = knock()
  const sb = await launch(loadConfig({ PORT: String(port) }))
  starting = false
  t.teardown(() => sb.close())
  await knocking
  await Promise.all(knocks)
  t.same(errors, [], 'no knock was reset or cut')
  t.ok(answers.length > 0, 'some knocks connected')
  t.same([...new Set(answers)], [200], 'every knock that connected was answered 200')
})
