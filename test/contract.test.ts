import t from 'tap'
import { chargePresenceErrors } from './helpers/app.js'
import { eventErrors, schemaErrors, webhookName } from './helpers/openapi.js'

// The contract checks every other test relies on must be able to fail: these bodies break PPRO's files.

const charge = {
  id: 'charge_000000000000000000001',
  paymentMethod: 'KAKAOPAY',
  paymentMedium: 'ECOMMERCE',
  initiator: 'CONSUMER',
  currency: 'KRW',
  country: 'KR',
  status: 'CAPTURED',
  consumer: { name: 'John Smith', country: 'KR' },
  authorizations: [{ id: 'authz_000000000000000000002', amount: 15000, status: 'AUTHORIZED' }],
  captures: [],
  refunds: [],
  discards: [],
  voids: [],
  createdAt: '2026-01-15T09:00:00.000Z',
  updatedAt: '2026-01-15T09:00:00.000Z',
  _links: { self: { href: 'http://localhost:8080/v1/payment-charges/charge_000000000000000000001' } },
}

t.test('a conforming charge passes; fields PPRO does not define fail the strict copy', async (t) => {
  t.same(schemaErrors('charges', 'PaymentChargeResponse', charge), [])
  t.same(chargePresenceErrors(charge), [])
  const withAmount = schemaErrors('charges', 'PaymentChargeResponse', { ...charge, amount: { value: 15000, currency: 'KRW' } })
  t.match(withAmount, [/^strict: \/ must NOT have unevaluated properties .*amount/])
  t.match(chargePresenceErrors({ ...charge, amount: 1 }), ['top-level amount on a charge'])
  t.match(schemaErrors('charges', 'PaymentChargeResponse', { ...charge, status: 'PAID' }), [
    /published: \/status must be equal to one of the allowed values/,
    /strict: /,
  ])
  t.match(schemaErrors('charges', 'PaymentChargeResponse', { ...charge, authorizations: [{ id: 'a', amount: '15000' }] }), [
    /published: \/authorizations\/0\/amount must be integer/,
    /strict/,
  ])
  const { captures: _captures, ...withoutCaptures } = charge
  t.match(chargePresenceErrors(withoutCaptures), ['missing captures'])
  t.match(schemaErrors('charges', 'ExceptionResponseBody', { status: 400, failureMessage: 'x', timestamp: 'yesterday' }), [
    /must match format "date-time"/,
    /strict/,
  ])
})

t.test('webhook bodies: a consumer client, an unknown field or a wrong type fail', async (t) => {
  const created = {
    specversion: '1.0.2',
    source: 'https://www.ppro.com',
    datacontenttype: 'application/json',
    id: 'AAAAAAAAAAAAAAAAAAAAA',
    type: 'PAYMENT_CHARGE_CREATED',
    subject: charge.id,
    time: '2026-01-15T09:00:00.000Z',
    data: {
      paymentChargeId: charge.id,
      paymentChargeStatus: 'AUTHORIZATION_PROCESSING',
      paymentMethod: 'KAKAOPAY',
      merchantId: 'm',
      type: 'PAYMENT_CHARGE_CREATED',
      consumer: { name: 'J', country: 'KR' },
      amount: { value: 1, currency: 'KRW' },
    },
  }
  t.same(eventErrors(created), [])
  t.match(eventErrors({ ...created, data: { ...created.data, consumer: { country: 'KR', client: { ip: '1.1.1.1' } } } }), [
    /strict: \/data\/consumer must NOT have unevaluated properties/,
  ])
  t.match(eventErrors({ ...created, extra: 1 }), [/strict: \/ must NOT have unevaluated properties/])
  t.match(eventErrors({ ...created, data: { ...created.data, amount: { value: '1', currency: 'KRW' } } }), [
    /published: \/data\/amount\/value must be integer/,
    /strict/,
  ])
  t.match(eventErrors({ ...created, data: { ...created.data, type: 'OTHER' } }), ['data.type differs from type'])
  t.equal(webhookName('PAYMENT_AGREEMENT_REVOKED_BY_CONSUMER'), 'Agreement Revoked by Consumer')
  t.equal(webhookName('PAYMENT_CHARGE_DISCARDED'), 'Charge Discard Succeeded')
  t.equal(webhookName('PAYMENT_CHARGE_PROVIDER_CONFIRMATION_PENDING'), 'Charge Provider Confirmation Pending')
})

t.test('the vendored OpenAPI files are byte for byte the ones SOURCE.md names', async (t) => {
  const { createHash } = await import('node:crypto')
  const { readFileSync } = await import('node:fs')
  const dir = new URL('./fixtures/ppro-openapi/', import.meta.url)
  const source = readFileSync(new URL('SOURCE.md', dir), 'utf8')
  const listed = [...source.matchAll(/^([0-9a-f]{64}) {2}(\S+\.json)$/gm)].map((m) => [m[2], m[1]])
  t.equal(listed.length, 4)
  for (const [file, sum] of listed) {
    const bytes = readFileSync(new URL(file!, dir))
    t.equal(createHash('sha256').update(bytes).digest('hex'), sum, file!)
  }
})
