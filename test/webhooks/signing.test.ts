import t from 'tap'
import { pproSignature, signWebhook, verifyWebhook, webhookSignature } from '../../src/webhooks/signing.js'

const body = '{"id":"evt_1","type":"PAYMENT_CHARGE_CAPTURE_SUCCEEDED"}'
const secret = 'whsec_test'

t.test('signWebhook makes both of PPRO signature headers', async (t) => {
  t.same(signWebhook(body, secret, 1_800_000_000), {
    'webhook-signature': webhookSignature(body, secret),
    'ppro-signature': pproSignature(body, secret, 1_800_000_000),
  })
  t.match(signWebhook(body, secret, 1_800_000_000)['ppro-signature'], /^t=1800000000,s=[0-9a-f]{64}$/)
})

t.test('verifyWebhook accepts what signWebhook signed and refuses everything else, saying why', async (t) => {
  const headers = signWebhook(body, secret, 1_800_000_000)
  const now = { nowSeconds: 1_800_000_010 }
  t.same(verifyWebhook(body, headers, secret, now), { ok: true })
  t.same(
    verifyWebhook(
      Buffer.from(body),
      { 'Webhook-Signature': headers['webhook-signature'], 'PPRO-Signature': headers['ppro-signature'] },
      secret,
      now,
    ),
    {
      ok: true,
    },
  )
  t.same(verifyWebhook(body + ' ', headers, secret, now), { ok: false, reason: 'Webhook-Signature does not match the body' })
  t.same(verifyWebhook(body, headers, 'other', now), { ok: false, reason: 'Webhook-Signature does not match the body' })
  t.same(verifyWebhook(body, { 'ppro-signature': headers['ppro-signature'] }, secret, now), {
    ok: false,
    reason: 'no Webhook-Signature header',
  })
  t.same(verifyWebhook(body, { 'webhook-signature': headers['webhook-signature'] }, secret, now), {
    ok: false,
    reason: 'no PPRO-Signature header',
  })
  t.same(verifyWebhook(body, { ...headers, 'ppro-signature': 'v1=abc' }, secret, now), {
    ok: false,
    reason: 'PPRO-Signature is not of the form t=<unix seconds>,s=<hex>',
  })
  const forged = { ...headers, 'ppro-signature': pproSignature(body, 'other', 1_800_000_000) }
  t.same(verifyWebhook(body, forged, secret, now), { ok: false, reason: 'PPRO-Signature does not match the body' })
  t.same(verifyWebhook(body, headers, secret, { nowSeconds: 1_800_000_400 }), {
    ok: false,
    reason: 'PPRO-Signature timestamp 1800000000 is 400 s from now, outside the 300 s tolerance',
  })
  t.same(verifyWebhook(body, headers, secret, { nowSeconds: 1_800_000_400, toleranceSeconds: 0 }), { ok: true })
})
