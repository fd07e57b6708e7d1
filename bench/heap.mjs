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
const act = SCENARIOS[name]
if (!act) {
  process.stdout.write(JSON.stringify(Object.keys(SCENARIOS)))
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
