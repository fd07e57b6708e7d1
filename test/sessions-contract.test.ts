import { readFileSync } from 'node:fs'
import t from 'tap'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { discriminatedSessions, schemaErrors } from './helpers/openapi.js'

// Why the sessions contract is checked against a copy with the file's implied discriminators, and that
// the copy still refuses what it should. See fixtures/ppro-openapi/SESSIONS-DISCRIMINATORS.md.

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020
const published = JSON.parse(readFileSync(new URL('./fixtures/ppro-openapi/ppro-payment-sessions.json', import.meta.url), 'utf8'))

function publishedErrors(component: string, body: unknown): string[] {
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }))
  ajv.addSchema({ ...published, $id: 'https://ppro.example/sessions-as-published.json' })
  const validate = ajv.compile({ $ref: `https://ppro.example/sessions-as-published.json#/components/schemas/${component}` })
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`)
}

const redirect = {
  type: 'REDIRECT',
  details: { requestUrl: 'http://localhost:8080/checkout/charge_000000000000000000003', requestMethod: 'GET' },
}
const chargeAnswer = {
  id: 'sess_000000000000000000001',
  status: 'AUTHENTICATION_PENDING',
  data: { type: 'CHARGE', id: 'charge_000000000000000000003', status: 'AUTHENTICATION_PENDING' },
  authenticationMethods: [redirect],
}
const agreementAnswer = {
  id: 'sess_000000000000000000001',
  status: 'AUTHENTICATION_PENDING',
  data: {
    type: 'AGREEMENT',
    id: 'agr_000000000000000000002',
    status: 'AUTHENTICATION_PENDING',
    initialPaymentChargeId: 'charge_000000000000000000008',
  },
  authenticationMethods: [
    { ...redirect, details: { ...redirect.details, requestUrl: 'http://localhost:8080/checkout/agr_000000000000000000002' } },
  ],
}

t.test('as published, the file cannot validate any authorization answer', async (t) => {
  const errors = publishedErrors('AuthorizationResponse', chargeAnswer)
  t.ok(errors.includes('/authenticationMethods/0 must match exactly one schema in oneOf'), 'REDIRECT matches several branches')
  t.ok(errors.includes('/data must match exactly one schema in oneOf'), 'a charge matches both data variants')
  t.ok(publishedErrors('AuthorizationResponse', agreementAnswer).includes('/data must match exactly one schema in oneOf'))
  // The same holds for the session's charge in a GET answer.
  t.ok(
    publishedErrors('FetchResponse', { id: 's', recurring: false, paymentCharge: { id: 'c', authenticationMethods: [redirect] } }).includes(
      '/paymentCharge/authenticationMethods/0 must match exactly one schema in oneOf',
    ),
  )
})

t.test('with the discriminators written out, each answer matches one branch, and wrong ones still fail', async (t) => {
  t.same(schemaErrors('sessions', 'AuthorizationResponse', chargeAnswer), [])
  t.same(schemaErrors('sessions', 'AuthorizationResponse', agreementAnswer), [])
  t.match(schemaErrors('sessions', 'AuthorizationResponse', { ...chargeAnswer, data: { ...chargeAnswer.data, type: 'PAYMENT' } }), [
    /^published: \/data/,
  ])
  t.match(schemaErrors('sessions', 'AuthorizationResponse', { ...chargeAnswer, data: { id: 'charge_1', status: 'CAPTURED' } }), [
    /^published: \/data/,
  ])
  const errors = schemaErrors('sessions', 'AuthorizationResponse', {
    ...chargeAnswer,
    data: { ...chargeAnswer.data, instrumentId: 'instr_1' },
  })
  t.ok(errors.length > 0 && errors.every((e) => e.startsWith('strict:')), 'an agreement field on a CHARGE fails the strict copy')
  t.match(schemaErrors('sessions', 'AuthorizationResponse', { ...chargeAnswer, authenticationMethods: [{ type: 'MULTI_FACTOR' }] }), [])
  t.match(schemaErrors('sessions', 'AuthorizationResponse', { ...chargeAnswer, authenticationMethods: [{ type: 'PIGEON' }] }), [
    /^published: \/authenticationMethods\/0/,
  ])
  t.match(schemaErrors('sessions', 'AuthorizationResponse', { ...chargeAnswer, amount: 1 }), [
    /^strict: \/ must NOT have unevaluated properties/,
  ])
  t.match(schemaErrors('sessions', 'CreationResponse', { recurring: false, status: 'OPEN' }), [/^published: \/status/, /^strict/])
})

t.test('the copy changes only the four schemas it names', async (t) => {
  const copy = discriminatedSessions(published)
  const before = published.components.schemas
  const after = (copy.components as { schemas: Record<string, unknown> }).schemas
  const changed = Object.keys(before).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
  t.same(changed.sort(), [
    'AppNotificationAuthenticationMethod',
    'MultiFactorAuthenticationMethod',
    'PaymentAgreementDetails',
    'PaymentChargeDetails',
  ])
  t.same(after.PaymentChargeDetails, {
    allOf: [{ $ref: '#/components/schemas/PaymentObjectDetails' }],
    required: ['id', 'status', 'type'],
    properties: { type: { type: 'string', enum: ['CHARGE'] } },
  })
  t.same(Object.keys(copy).sort(), Object.keys(published).sort())
  t.same(copy.paths, published.paths)
})
