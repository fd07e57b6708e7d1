import t from 'tap'
import type { Test } from 'tap'
import { buildApp } from '../src/app.js'
import { MemoryStore } from '../src/store/memory-store.js'
import { AUTH, MERCHANT, seedCharge } from './helpers/app.js'
import { freePort } from './helpers/net.js'

async function server(t: Test) {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const store = new MemoryStore()
  const app = await buildApp({ config: { port, publicBaseUrl: base }, store, logger: false })
  t.teardown(() => app.close())
  await app.listen({ port, host: '127.0.0.1' })
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    })
  return { app, store, base, post }
}

t.test('50 concurrent 1,000-won refunds of a 15,000-won charge: exactly 15 succeed', async (t) => {
  const { app, base, post } = await server(t)
  const charge = (await (await post('/v1/payment-charges', seedCharge())).json()) as { id: string }
  await fetch(`${base}/checkout/${charge.id}`, { method: 'POST', body: new URLSearchParams({ action: 'approve' }), redirect: 'manual' })
  const answers = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      post(`/v1/payment-charges/${charge.id}/refunds`, { amount: 1000, merchantRefundReference: `r${i}` }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { status: string; failure?: { failureCode: string } },
      })),
    ),
  )
  t.ok(
    answers.every((a) => a.status === 200),
    'every answer is HTTP 200',
  )
  t.equal(answers.filter((a) => a.body.status === 'REFUNDED').length, 15, '15 refunded')
  const failed = answers.filter((a) => a.body.status === 'FAILED')
  t.equal(failed.length, 35, '35 failed')
  t.ok(failed.every((a) => a.body.failure?.failureCode === 'EXCEEDS_REFUNDABLE_AMOUNT'))
  const final = (await (await fetch(`${base}/v1/payment-charges/${charge.id}`, { headers: AUTH })).json()) as {
    status: string
    refunds: Array<{ amount: number; status: string }>
  }
  t.equal(final.status, 'REFUNDED')
  t.equal(
    final.refunds.filter((r) => r.status === 'REFUNDED').reduce((s, r) => s + r.amount, 0),
    15_000,
    'refunds add up to 15,000',
  )
  t.equal(final.refunds.length, 50)
  t.ok(app.server.listening)
})

t.test('50 concurrent creates with one idempotency key make exactly one charge', async (t) => {
  const { store, post } = await server(t)
  const answers = await Promise.all(
    Array.from({ length: 50 }, () =>
      post('/v1/payment-charges', seedCharge(), { 'request-idempotency-key': 'one-order' }).then(async (r) => ({
        status: r.status,
        replay: r.headers.get('request-idempotency'),
        body: (await r.json()) as { id?: string },
      })),
    ),
  )
  t.equal(store.chargesOf(MERCHANT).length, 1, 'one charge stored')
  const ok = answers.filter((a) => a.status === 200)
  t.ok(ok.length >= 1)
  t.equal(new Set(ok.map((a) => a.body.id)).size, 1, 'every 200 names the same charge')
  t.equal(ok.filter((a) => a.replay === null).length, 1, 'exactly one answer is not a replay')
  t.ok(
    answers.every((a) => a.status === 200 || a.status === 409),
    'the others are replays or 409 in flight',
  )
})

t.test('50 concurrent identical refunds with one key refund once', async (t) => {
  const { base, post } = await server(t)
  const charge = (await (await post('/v1/payment-charges', seedCharge())).json()) as { id: string }
  await fetch(`${base}/checkout/${charge.id}`, { method: 'POST', body: new URLSearchParams({ action: 'approve' }), redirect: 'manual' })
  await Promise.all(
    Array.from({ length: 50 }, () =>
      post(`/v1/payment-charges/${charge.id}/refunds`, { amount: 1000 }, { 'request-idempotency-key': 'refund-once' }),
    ),
  )
  const refunds = (await (await fetch(`${base}/v1/payment-charges/${charge.id}/refunds`, { headers: AUTH })).json()) as { data: unknown[] }
  t.equal(refunds.data.length, 1)
})
