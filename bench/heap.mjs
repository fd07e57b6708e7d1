// Heap per stored charge with the events the sandbox records for it (no webhook URL: recorded, not
// sent). One scenario per process (`node --expose-gc bench/heap.mjs <scenario>`), after a warm-up,
// so code and shapes allocated once are not counted.
import { buildApp } from '../dist/app.js'

const N = Number(process.env.BENCH_CHARGES ?? 50_000)
const input = (i) => ({
  paymentMethod: 'KAKAOPAY',
  paymentDescriptor: 'Order description',
  merchantPaymentChargeReference: `order-${i}`,
  amount: { value: 15000, currency: 'KRW' },
  consumer: { name: 'John Smith', country: 'KR' },
  authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.webshop.com/order-results-page' } }],
})
// Request bodies arrive as fresh strings from JSON: parse each, as the server would.
const body = (i) => JSON.parse(JSON.stringify(input(i)))

const SCENARIOS = {
  'pending charge (2 events)': () => {},
  'captured charge (4 events)': (s, c) => s.charges.authenticate(c, { action: 'approve' }),
  'refunded charge (5 events)': (s, c) => {
    s.charges.authenticate(c, { action: 'approve' })
    s.refunds.refund(c, { amount: 15000 })
  },
}
const name = process.argv[2]
if (name === 'retention') await underRetention()
const act = SCENARIOS[name]
if (!act) {
  process.stdout.write(JSON.stringify(Object.keys(SCENARIOS)))
  process.exit(0)
}
/**
 * `retention`: captured charges over 10 merchants, each keeping at most RETENTION_MAX_CHARGES finished
 * ones (5,000 here), the sweep run every 10,000 charges as its timer would: the live heap after
 * `BENCH_RETENTION_CHARGES` (200,000) and after half of them, when every merchant is well past its limit.
 */
async function underRetention() {
  const total = Number(process.env.BENCH_RETENTION_CHARGES ?? 200_000)
  const { defaultConfig } = await import('../dist/config.js')
  const config = defaultConfig()
  const app = await buildApp({ logger: false, config: { ...config, retention: { ...config.retention, maxCharges: 5000 } } })
  const heap = {}
  for (let i = 0; i < total; i++) {
    const c = app.sandbox.charges.create(`merch_${i % 10}`, body(i))
    app.sandbox.charges.authenticate(c, { action: 'approve' })
    if ((i + 1) % 10_000 === 0) app.retention.sweep()
    if (i + 1 === total / 2 || i + 1 === total) {
      gc()
      gc()
      heap[i + 1] = process.memoryUsage().heapUsed
    }
  }
  await app.close()
  process.stdout.write(JSON.stringify({ total, half: heap[total / 2], end: heap[total] }))
  process.exit(0)
}

const app = await buildApp({ logger: false })
const { sandbox } = app
for (let i = 0; i < 2000; i++) act(sandbox, sandbox.charges.create('merch_warmup', body(i)))
gc()
gc()
const before = process.memoryUsage().heapUsed
for (let i = 0; i < N; i++) act(sandbox, sandbox.charges.create(`merch_${i % 10}`, body(i)))
gc()
gc()
const after = process.memoryUsage().heapUsed
process.stdout.write(JSON.stringify((after - before) / N))
await app.close()
