// Fills DATA_DIR with SEED_CHARGES captured charges spread over SEED_MERCHANTS merchants (10 by default,
// so that each keeps fewer than RETENTION_MAX_CHARGES and a start keeps every one), through the same
// domain calls the routes make, a thousand per turn (so each turn is one journal unit), then closes
// cleanly. Prints the folder's size and the time it took as JSON.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { buildApp } from '../../dist/app.js'

const N = Number(process.env.SEED_CHARGES ?? 100_000)
const MERCHANTS = Number(process.env.SEED_MERCHANTS ?? 10)
const dataDir = process.env.DATA_DIR
const body = {
  paymentMethod: 'KAKAOPAY',
  paymentDescriptor: 'Order description',
  amount: { value: 15000, currency: 'KRW' },
  consumer: { name: 'John Smith', country: 'KR' },
  authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.webshop.com/order-results-page' } }],
}
const started = performance.now()
const app = await buildApp({ logger: false, config: { durable: { dataDir, fsync: false, compactBytes: 64 * 1024 * 1024 } } })
const { sandbox } = app
for (let i = 0; i < N; i++) {
  const charge = sandbox.charges.create(`merch_bench_${i % MERCHANTS}`, body)
  sandbox.charges.authenticate(charge, { action: 'approve' })
  if (i % 1000 === 999) await new Promise((r) => setImmediate(r))
}
await app.durable.dir.writer.written()
await app.durable.dir.compacting
await app.close()
// What a start reads back: the folder as the clean stop left it (it compacts a long journal first).
const bytes = readdirSync(dataDir).reduce((sum, f) => sum + statSync(join(dataDir, f)).size, 0)
process.stdout.write(JSON.stringify({ charges: N, bytes, ms: Math.round(performance.now() - started) }) + '\n')
