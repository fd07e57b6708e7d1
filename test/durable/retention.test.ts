import t, { type Test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../../src/app.js'
import { ManualClock } from '../../src/domain/clock.js'
import { sequentialIds } from '../../src/domain/ids.js'
import { AUTH, kakaoPayChargeRequest } from '../helpers/app.js'

const DAY = 86_400_000
const retention = { days: 30, maxCharges: 3, sweepSeconds: 3600 }

async function setup(t: Test, dataDir?: string, clock = new ManualClock()) {
  const app = await buildApp({
    clock,
    ids: sequentialIds(),
    logger: false,
    // Every webhook is refused: a charge with a webhooksUrl keeps a delivery waiting for its retry.
    transport: async () => ({ status: 500 }),
    config: {
      retention,
      ...(dataDir ? { durable: { dataDir, fsync: false, compactBytes: 1 << 30 } } : {}),
    },
  })
  t.teardown(() => app.close())
  const call = async (method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers: { ...AUTH, ...headers }, ...(payload ? { payload } : {}) })
  return { app, clock, call }
}

for (const mode of ['memory', 'durable'] as const) {
  t.test(`${mode}: retention drops exactly what its limits say, and nothing pending`, async (t) => {
    const dataDir = mode === 'durable' ? mkdtempSync(join(tmpdir(), 'sandbox-retention-')) : undefined
    t.teardown(() => dataDir && rmSync(dataDir, { recursive: true, force: true }))
    const { app, clock, call } = await setup(t, dataDir)

    // Five finished charges, a second apart; the oldest answered an idempotency key.
    const finished: string[] = []
    for (let i = 0; i < 5; i++) {
      const res = await call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), i === 0 ? { 'request-idempotency-key': 'first' } : {})
      finished.push(res.json().id)
      await call('POST', `/sandbox/payment-charges/${res.json().id}/${i % 2 ? 'decline' : 'approve'}`)
      clock.advance(1000)
    }
    // And what is pending, older than all of them would be no matter: waiting for the consumer, a
    // pending refund, a webhook waiting for its retry.
    const waiting = (await call('POST', '/v1/payment-charges', kakaoPayChargeRequest())).json().id
    const refunding = (
      await call('POST', '/v1/payment-charges', kakaoPayChargeRequest({ paymentDescriptor: 'refundPending=true;refundPendingDelay=1h' }))
    ).json().id
    await call('POST', `/sandbox/payment-charges/${refunding}/approve`)
    await call('POST', `/v1/payment-charges/${refunding}/refunds`, { amount: 1000 })
    const owed = (await call('POST', '/v1/payment-charges', kakaoPayChargeRequest({ webhooksUrl: 'http://127.0.0.1:9/hooks' }))).json().id
    await call('POST', `/sandbox/payment-charges/${owed}/approve`)
    await app.sandbox.webhooks.idle()

    const dropped = app.retention.sweep()
    t.same(dropped, [{ merchantId: AUTH['merchant-id'], charges: finished.slice(0, 2), agreements: [], idempotencyKeys: ['first'] }])
    for (const id of finished.slice(0, 2)) t.equal((await call('GET', `/v1/payment-charges/${id}`)).statusCode, 404, `${id} answers 404`)
    for (const id of [...finished.slice(2), waiting, refunding, owed])
      t.equal((await call('GET', `/v1/payment-charges/${id}`)).statusCode, 200)
    const subjects = new Set((await call('GET', '/sandbox/webhooks')).json().data.map((d: { subject: string }) => d.subject))
    t.notOk(subjects.has(finished[0]) || subjects.has(finished[1]), 'their events are gone')
    t.ok(subjects.has(finished[2]), 'the others keep theirs')
    const again = await call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), { 'request-idempotency-key': 'first' })
    t.equal(again.headers['request-idempotency'], undefined, 'the key of a dropped charge is forgotten too: a new charge')
    t.not(again.json().id, finished[0])
    await call('POST', `/sandbox/payment-charges/${again.json().id}/approve`)

    // 31 days of real time: every finished charge is past RETENTION_DAYS, and nothing pending goes.
    clock.advance(31 * DAY)
    const status = async (id: string) => (await call('GET', `/v1/payment-charges/${id}`)).json().status
    t.equal(await status(waiting), 'DISCARDED', 'the month ran its authentication timeout (finished now, but just changed)')
    t.equal(await status(refunding), 'CAPTURED', 'and settled its refund')
    await app.sandbox.webhooks.idle()
    t.equal((await call('GET', `/sandbox/webhooks?chargeId=${owed}`)).json().data[0].status, 'FAILED', 'the owed webhook gave up')
    const late = app.retention.sweep().flatMap((d) => d.charges)
    t.same(late, [finished[2], finished[3], finished[4], owed, again.json().id])
    for (const id of [waiting, refunding]) t.equal((await call('GET', `/v1/payment-charges/${id}`)).statusCode, 200)

    if (dataDir) {
      await app.close()
      const b = await setup(t, dataDir, clock)
      for (const id of [...finished, owed, again.json().id])
        t.equal((await b.call('GET', `/v1/payment-charges/${id}`)).statusCode, 404, `${id} stays dropped`)
      for (const id of [waiting, refunding]) t.equal((await b.call('GET', `/v1/payment-charges/${id}`)).statusCode, 200)
    }
  })
}

t.test('moving the sandbox clock a year ahead drops nothing: retention counts real time', async (t) => {
  const { app, call } = await setup(t)
  const ids: string[] = []
  for (let i = 0; i < 3; i++) {
    const id = (await call('POST', '/v1/payment-charges', kakaoPayChargeRequest())).json().id
    await call('POST', `/sandbox/payment-charges/${id}/approve`)
    ids.push(id)
  }
  await call('POST', '/sandbox/clock', { advanceSeconds: 366 * 86_400 })
  t.same(app.retention.sweep(), [])
  for (const id of ids) t.equal((await call('GET', `/v1/payment-charges/${id}`)).statusCode, 200)
})
