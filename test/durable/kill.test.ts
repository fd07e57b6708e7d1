import t from 'tap'
import { kakaoPayChargeRequest } from '../helpers/app.js'
import { type SandboxProcess, startProcess } from '../helpers/process.js'

interface Acked {
  id: string
  key?: string
  body?: string
  approved: boolean
  refunds: Map<string, { amount: number; status: string }>
}

const ROUNDS = 5
const WORKERS = 12

/** Creates, approves and refunds as fast as it can until the process dies; records only what was acknowledged. */
async function worker(p: SandboxProcess, round: number, w: number, acked: Acked[], alive: () => boolean): Promise<void> {
  for (let i = 0; alive(); i++) {
    try {
      const key = i % 2 === 0 ? `k-${round}-${w}-${i}` : undefined
      const created = await p.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), key ? { 'request-idempotency-key': key } : {})
      if (created.status !== 200) throw new Error(`create answered ${created.status}`)
      const a: Acked = { id: created.json.id, approved: false, refunds: new Map() }
      if (key) {
        a.key = key
        a.body = created.text
      }
      acked.push(a)
      const approved = await p.call('POST', `/sandbox/payment-charges/${a.id}/approve`)
      if (approved.status !== 200) throw new Error(`approve answered ${approved.status}`)
      a.approved = true
      // Three concurrent refunds of 3,000 to 8,000 on 15,000: some must be refused, never over-refunded.
      await Promise.all(
        [0, 1, 2].map(async (j) => {
          const amount = 3000 + ((i * 7 + j * 13 + w) % 6) * 1000
          const r = await p.call('POST', `/v1/payment-charges/${a.id}/refunds`, { amount })
          if (r.status === 200) a.refunds.set(r.json.id, { amount, status: r.json.status })
        }),
      )
    } catch {
      if (!alive()) return
    }
  }
}

t.test(`kill -9 under concurrent creates and refunds, ${ROUNDS} rounds at random moments: nothing acknowledged is lost`, async (t) => {
  t.setTimeout(120_000)
  const dataDir = t.testdir({})
  const env = { DATA_DIR: dataDir }
  const all: Acked[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const p = await startProcess(t, env)
    const acked: Acked[] = []
    let up = true
    const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(p, round, w, acked, () => up)))
    // The kill comes at a random moment once the load is under way (the first answers take longest).
    for (let i = 0; i < 250 && acked.length === 0; i++) await new Promise((r) => setTimeout(r, 20))
    await new Promise((r) => setTimeout(r, 200 + Math.floor(Math.random() * 1200)))
    up = false
    await p.kill9()
    await load
    all.push(...acked)
    t.ok(acked.length > 0, `round ${round + 1}: ${acked.length} charges acknowledged before the kill`)

    const q = await startProcess(t, env)
    let missing = 0
    let wrong = 0
    for (const a of all) {
      const got = await q.call('GET', `/v1/payment-charges/${a.id}`)
      if (got.status !== 200) {
        missing++
        continue
      }
      const c = got.json
      const refunds = new Map<string, { amount: number; status: string }>(
        c.refunds.map((r: any) => [r.id, { amount: r.amount, status: r.status }]),
      )
      const lost = [...a.refunds].filter(([id, r]) => refunds.get(id)?.amount !== r.amount || refunds.get(id)?.status !== r.status)
      const sum = c.refunds.filter((r: any) => r.status !== 'FAILED').reduce((s: number, r: any) => s + r.amount, 0)
      const captured = c.captures.filter((k: any) => k.status === 'CAPTURED').reduce((s: number, k: any) => s + k.amount, 0)
      if (lost.length || sum > captured || (a.approved && !['CAPTURED', 'REFUNDED'].includes(c.status))) wrong++
      if (a.key) {
        const replay = await q.call('POST', '/v1/payment-charges', kakaoPayChargeRequest(), { 'request-idempotency-key': a.key })
        if (replay.text !== a.body || replay.headers.get('request-idempotency') !== 'true') wrong++
      }
    }
    t.equal(missing, 0, `round ${round + 1}: every acknowledged charge of ${all.length} is there`)
    t.equal(wrong, 0, 'with every acknowledged approval, refund and idempotency key, and no refund sum above the capture')
    await q.kill9()
  }
})
