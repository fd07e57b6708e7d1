import t from 'tap'
import type { RequestMessage } from '../../src/observe/messages.js'
import { requestJson } from '../../src/observe/request-json.js'
import { buildTestApp, kakaoPayChargeRequest, MERCHANT } from '../helpers/app.js'

t.test('every request message the journal builds is written as JSON.stringify writes it', async (t) => {
  const ctx = await buildTestApp(t)
  const body = { ...kakaoPayChargeRequest({ merchantPaymentChargeReference: 'ré"f\\1' }), paymentDescripter: 'typo' }
  const created = await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    headers: { 'request-idempotency-key': 'k "1"', 'request-reference': 'trace-ü' },
    payload: body,
  })
  const id = created.json().id as string
  await ctx.call({ method: 'POST', url: '/v1/payment-charges', headers: { 'request-idempotency-key': 'k "1"' }, payload: body })
  await ctx.call({ method: 'GET', url: `/v1/payment-charges/${id}?x=1&y=%22` })
  await ctx.call({ method: 'GET', url: '/v1/payment-charges?merchantPaymentChargeReference=r%C3%A9' })
  await ctx.call({ method: 'POST', url: `/v1/payment-charges/${id}/captures`, payload: { amount: 15000 } })
  await ctx.call({ method: 'GET', url: '/v1/payment-charges/charge_nope' })
  await ctx.call({ method: 'DELETE', url: '/v1/payment-charges' })
  await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: '{"bad', headers: { 'content-type': 'application/json' } })
  await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    payload: kakaoPayChargeRequest(),
    headers: { 'sandbox-fault': 'lost-response; status=504' },
  })
  await ctx.createAgreement()

  const requests = ctx.app.feed.since(MERCHANT, 0).filter((m): m is RequestMessage => m.kind === 'request')
  t.equal(requests.length, 10, 'every request was journaled')
  // Between them they carry every optional field the journal sets.
  const fields = new Set(requests.flatMap((m) => Object.keys(m).filter((k) => (m as unknown as Record<string, unknown>)[k] !== undefined)))
  t.same([...fields].sort(), [
    'agreementId',
    'at',
    'chargeId',
    'durationMs',
    'fault',
    'idempotencyKey',
    'idempotentReplay',
    'kind',
    'method',
    'path',
    'query',
    'reason',
    'requestId',
    'sandboxTime',
    'sandboxWarning',
    'seq',
    'status',
  ])
  for (const m of requests) t.equal(requestJson(m), JSON.stringify(m), `${m.method} ${m.path} ${m.status}`)
})

t.test('strings that JSON escapes, and numbers it cannot write, come out as JSON.stringify writes them', async (t) => {
  const base: RequestMessage = {
    seq: 7,
    kind: 'request',
    at: '2026-01-15T09:00:00.000Z',
    sandboxTime: '2026-01-15T09:00:00.000Z',
    chargeId: undefined,
    agreementId: undefined,
    method: 'GET',
    path: '/v1/payment-charges',
    query: undefined,
    status: 200,
    durationMs: 0.25,
    requestId: 'req-1',
    idempotencyKey: undefined,
    idempotentReplay: undefined,
    sandboxWarning: undefined,
    fault: undefined,
    reason: undefined,
  }
  const strings = [
    '',
    'plain',
    'quote " here',
    'back\\slash',
    'tab\tnew\nline\r',
    '\u0000\u001f\u007f',
    '한국어 결제',
    '😀',
    'lone \ud800 half',
    '\udfff',
    '</script>',
  ]
  for (const s of strings) {
    const m = { ...base, path: `/v1/${s}`, query: s, requestId: s, idempotencyKey: s, sandboxWarning: s, chargeId: s }
    t.equal(requestJson(m), JSON.stringify(m), JSON.stringify(s))
  }
  for (const n of [0, -1, 1e21, 1.5e-7, Number.NaN, Number.POSITIVE_INFINITY])
    t.equal(requestJson({ ...base, durationMs: n, status: n }), JSON.stringify({ ...base, durationMs: n, status: n }), String(n))
  t.equal(requestJson({ ...base, idempotentReplay: false }), JSON.stringify({ ...base, idempotentReplay: false }))
  t.same(JSON.parse(requestJson(base)), JSON.parse(JSON.stringify(base)))
})
