// As the data grows: reading one charge, searching by a unique merchant reference and the first page
// of a 30-charge reference, with 1,000 / 10,000 / 100,000 / 1,000,000 stored charges of one merchant,
// each as a ratio to its throughput at 1,000. No request may scan, so every ratio should stay >= 0.9.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { freePort, load, HEADERS } from './lib.mjs'

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,100000,1000000').split(',').map(Number)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)

async function seeded(n) {
  const port = await freePort()
  const child = spawn(process.execPath, ['--max-old-space-size=8192', new URL('./servers/seeded.mjs', import.meta.url).pathname], {
    env: { ...process.env, PORT: String(port), SEED_CHARGES: String(n), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`seeded server with ${n} charges exited with ${code}`)))
  })
  return { child, base: `http://127.0.0.1:${port}`, ...JSON.parse(line) }
}

export async function growth() {
  const out = []
  for (const n of SIZES) {
    const started = performance.now()
    const s = await seeded(n)
    const seedSeconds = (performance.now() - started) / 1000
    try {
      const row = { n, seedSeconds }
      // Warm up each route first, so the first size is not measured while the JIT is still compiling.
      for (const path of [`/v1/payment-charges/${s.chargeId}`, `/v1/payment-charges?merchantPaymentChargeReference=shared-30`]) {
        await load({ url: s.base + path, duration: 1 })
      }
      row.read = (await load({ url: `${s.base}/v1/payment-charges/${s.chargeId}`, duration: SECONDS })).rps
      row.search = (
        await load({ url: `${s.base}/v1/payment-charges?merchantPaymentChargeReference=${s.uniqueReference}`, duration: SECONDS })
      ).rps
      row.page = (await load({ url: `${s.base}/v1/payment-charges?merchantPaymentChargeReference=shared-30`, duration: SECONDS })).rps
      out.push(row)
    } finally {
      const exited = new Promise((r) => s.child.once('exit', r))
      s.child.kill('SIGKILL')
      await exited
    }
  }
  return out
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await growth()
  const base = rows[0]
  console.log('stored charges   read (req/s)        search by ref       page of 30')
  for (const r of rows) {
    const cell = (k) => `${Math.round(r[k]).toString().padStart(7)} ${(r[k] / base[k]).toFixed(2)}x`.padEnd(20)
    console.log(`${String(r.n).padStart(14)}   ${cell('read')}${cell('search')}${cell('page')}`)
  }
  void HEADERS
}
