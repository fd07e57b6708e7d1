import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadSeedDir } from '../../src/config-files.js'
import { buildTestApp, seedCharge } from '../helpers/app.js'
import { receiver } from '../helpers/receiver.js'

const DEMO = new URL('../../fixtures/seed/', import.meta.url).pathname
const DEMO_AUTH = { 'merchant-id': 'merch_demo' }

t.test('SEED_DIR: the shipped demo seed starts the sandbox with charges in given states', async (t) => {
  const ctx = await buildTestApp(t, { seed: await loadSeedDir(DEMO) })
  const all = (await ctx.call({ method: 'GET', url: '/v1/payment-charges', headers: DEMO_AUTH })).json().data as Array<Record<string, any>>
  const byRef = Object.fromEntries(all.map((c) => [c.authorizations[0].merchantPaymentChargeReference, c]))
  t.equal(all.length, 4)
  t.equal(byRef['order-1001']!.status, 'AUTHENTICATION_PENDING')
  t.match(byRef['order-1002'], {
    status: 'CAPTURED',
    refunds: [{ amount: 8000, status: 'REFUNDED', merchantRefundReference: 'order-1002-r1' }],
  })
  t.match(byRef['order-1003'], { status: 'FAILED', failure: { failureCode: 'INSUFFICIENT_FUNDS' } })
  t.match(byRef['order-1004'], { status: 'FAILED', failure: { failureCode: 'CANCELED_BY_CONSUMER' } })
  const page = await ctx.app.inject({ method: 'GET', url: `/checkout/${byRef['order-1001']!.id}` })
  t.match(page.body, /Seoul Coffee Roasters - Order 1001/)
  t.equal((await ctx.call({ method: 'GET', url: '/v1/payment-charges' })).json().data.length, 0, 'other merchants see none of it')
})

t.test('seed merchants get their webhook URL and secret; a bad seed file stops the start with its name', async (t) => {
  const hook = await receiver(t)
  const dir = t.testdir({})
  await writeFile(
    join(dir, 'a.json'),
    JSON.stringify({
      merchants: { merch_seed: { webhookUrl: hook.url, webhookSecret: 's' } },
      charges: [{ merchantId: 'merch_seed', request: seedCharge(), outcome: 'expire' }],
    }),
  )
  const ctx = await buildTestApp(t, { seed: await loadSeedDir(dir) })
  await ctx.app.sandbox.webhooks.idle()
  t.same(
    hook.received.map((r) => r.json.type),
    ['PAYMENT_CHARGE_CREATED', 'PAYMENT_CHARGE_AUTHENTICATION_PENDING', 'PAYMENT_CHARGE_DISCARDED'],
  )
  await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge(), headers: { 'merchant-id': 'merch_seed' } })
  await ctx.app.sandbox.webhooks.idle()
  t.equal(hook.received.length, 5, 'later charges of the seeded merchant go to its URL')

  const bad = t.testdir({
    'b.json': JSON.stringify({ charges: [{ merchantId: 'm', request: seedCharge({ amount: { value: 'x', currency: 'KRW' } }) }] }),
  })
  await t.rejects(loadSeedDir(bad), /SEED_DIR b\.json: charges\[0\]\.request\.amount\.value must be a number/)
  const broken = t.testdir({ 'c.json': '{ not json' })
  await t.rejects(loadSeedDir(broken), /SEED_DIR c\.json: /)
})
