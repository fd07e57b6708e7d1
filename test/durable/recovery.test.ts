import t from 'tap'
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { kakaoPayChargeRequest } from '../helpers/app.js'
import { startProcess } from '../helpers/process.js'

const journal = (dir: string) =>
  join(
    dir,
    readdirSync(dir).find((f) => f.startsWith('journal-'))!,
  )
const ms = (iso: string) => Date.parse(iso)

t.test('work that fell due while the sandbox was down runs at start, each at its own due time', async (t) => {
  const dataDir = t.testdir({})
  const env = { DATA_DIR: dataDir, AUTH_TIMEOUT_SECONDS: '1' }
  const a = await startProcess(t, env)
  const refunded = (
    await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest({ paymentDescriptor: 'refundPending=true;refundPendingDelay=800ms' }))
  ).json
  await a.call('POST', `/sandbox/payment-charges/${refunded.id}/approve`)
  const refund = (await a.call('POST', `/v1/payment-charges/${refunded.id}/refunds`, { amount: 1000 })).json
  const acting = (
    await a.call(
      'POST',
      '/v1/payment-charges',
      kakaoPayChargeRequest({ paymentDescriptor: 'consumerAction=approve;consumerActionDelay=800ms' }),
    )
  ).json
  const waiting = (await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest())).json
  await a.kill9()
  t.equal(refund.status, 'PENDING')
  t.equal(acting.status, 'AUTHENTICATION_PENDING')
  t.equal(waiting.status, 'AUTHENTICATION_PENDING')
  // Down for longer than any of the three waits (a real wait: the time passes while no process runs).
  await new Promise((r) => setTimeout(r, 1200))

  const b = await startProcess(t, env)
  const timedOut = (await b.call('GET', `/v1/payment-charges/${waiting.id}`)).json
  t.equal(timedOut.status, 'DISCARDED')
  t.same(
    { type: timedOut.discards[0].type, at: ms(timedOut.discards[0].createdAt) - ms(waiting.createdAt) },
    { type: 'AUTHENTICATION_TIMEOUT', at: 1000 },
    'discarded at its deadline, not at the restart',
  )
  const approved = (await b.call('GET', `/v1/payment-charges/${acting.id}`)).json
  t.equal(approved.status, 'CAPTURED', 'the simulated consumer approved it before its timeout')
  t.equal(ms(approved.captures[0].createdAt) - ms(acting.createdAt), 800, 'at its own time')
  const settled = (await b.call('GET', `/v1/payment-charges/${refunded.id}`)).json
  t.same(
    settled.refunds.map((r: any) => [r.id, r.status, ms(r.updatedAt) - ms(r.createdAt)]),
    [[refund.id, 'REFUNDED', 800]],
    'the pending refund settled at its time',
  )
  const events = (await b.call('GET', `/sandbox/webhooks?chargeId=${waiting.id}`)).json.data
  t.same(
    events.map((e: any) => [e.type, ms(e.createdAt) - ms(waiting.createdAt)]),
    [
      ['PAYMENT_CHARGE_CREATED', 0],
      ['PAYMENT_CHARGE_AUTHENTICATION_PENDING', 0],
      ['PAYMENT_CHARGE_DISCARDED', 1000],
    ],
  )
  // Recorded by the restarted process: they survive the next restart too.
  await b.kill9()
  const c = await startProcess(t, env)
  t.equal((await c.call('GET', `/v1/payment-charges/${waiting.id}`)).json.status, 'DISCARDED')
  await c.stop()
})

t.test('a torn last line is ignored; a corrupt line before it stops the start with one line naming file and position', async (t) => {
  const dataDir = t.testdir({})
  const env = { DATA_DIR: dataDir }
  const a = await startProcess(t, env)
  const first = (await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest())).json
  const second = (await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest())).json
  await a.kill9()
  const file = journal(dataDir)
  const whole = readFileSync(file)

  // A write cut short by a crash: half a unit, no newline.
  appendFileSync(file, '{"v":1,"seq":3,"t":1,"ch":[{"id":"charge_torn"')
  const b = await startProcess(t, env)
  t.equal((await b.call('GET', `/v1/payment-charges/${first.id}`)).status, 200)
  t.equal((await b.call('GET', `/v1/payment-charges/${second.id}`)).status, 200)
  const third = (await b.call('POST', '/v1/payment-charges', kakaoPayChargeRequest())).json
  await b.stop()
  const c = await startProcess(t, env)
  t.equal((await c.call('GET', `/v1/payment-charges/${third.id}`)).status, 200, 'what came after the torn line was written on a clean line')
  await c.stop()

  // A corrupt line in the middle.
  const text = readFileSync(file, 'utf8')
  const lines = text.split('\n')
  const offset = lines[0]!.length + 1
  lines[1] = lines[1]!.slice(0, 40) + '#' + lines[1]!.slice(41)
  writeFileSync(file, lines.join('\n'))
  const d = await startProcess(t, env)
  const exit = await d.exited
  t.not(exit.code, 0, 'the start is refused')
  const message = d.output().trim().split('\n')
  t.equal(message.length, 1, `one line: ${d.output()}`)
  t.equal(
    message[0],
    `ppro-kakaopay-sandbox: cannot start from DATA_DIR: ${file}: line 2 (byte ${offset}) is not a whole JSON record: the file is corrupt`,
  )
  writeFileSync(file, whole)
})

t.test('a second process on the same DATA_DIR is refused', async (t) => {
  const dataDir = t.testdir({})
  const a = await startProcess(t, { DATA_DIR: dataDir })
  const b = await startProcess(t, { DATA_DIR: dataDir })
  const exit = await b.exited
  t.not(exit.code, 0)
  t.equal(
    b.output().trim(),
    `ppro-kakaopay-sandbox: cannot start from DATA_DIR: DATA_DIR ${dataDir} is in use by another sandbox process (pid ${a.child.pid}, see ${join(dataDir, 'LOCK')}); stop it first, or give this one its own DATA_DIR`,
  )
  t.equal((await a.call('GET', '/health')).status, 200, 'the first one goes on')
  await a.kill9()
  // Killed: its lock is stale, and the next start takes it over.
  const c = await startProcess(t, { DATA_DIR: dataDir })
  t.equal((await c.call('GET', '/health')).json.mode, 'durable')
  await c.stop()
})

t.test('a write that fails (the file may not grow) acknowledges nothing: the process says so and exits non-zero', async (t) => {
  const dataDir = t.testdir({})
  // ulimit -f: the journal cannot grow past 8 KB, as on a full disk (the write fails with EFBIG).
  const a = await startProcess(t, { DATA_DIR: dataDir }, { ulimitFileBlocks: 16 })
  const acked: string[] = []
  let refused = 0
  for (let i = 0; i < 50; i++) {
    const res = await a.call('POST', '/v1/payment-charges', kakaoPayChargeRequest()).catch(() => undefined)
    if (res?.status === 200) acked.push(res.json.id)
    else {
      refused++
      break
    }
  }
  const exit = await a.exited
  t.equal(refused, 1, `the request whose unit could not be written got no answer (after ${acked.length} acknowledged)`)
  t.equal(exit.code, 1)
  t.match(a.output(), /cannot write the journal .*journal-000001\.jsonl: EFBIG.*; exiting without acknowledging the pending requests/)
  const b = await startProcess(t, { DATA_DIR: dataDir })
  for (const id of acked) t.equal((await b.call('GET', `/v1/payment-charges/${id}`)).status, 200)
  await b.stop()
})
