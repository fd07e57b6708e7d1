// As the data grows: reading one charge, searching by a unique merchant reference and the first page
// of a 30-charge reference, with 1,000 / 10,000 / 100,000 / 1,000,000 stored charges of one merchant,
// each as a ratio to its throughput at 1,000. No request may scan, so every ratio should stay >= 0.9.
// The seeded servers stay up together and are measured in alternating rounds (see growth()).
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { freePort, load, HEADERS } from './lib.mjs'

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,100000,1000000').split(',').map(Number)
// Shorter loads than the core block's, in two rounds (see growth()), so the block takes as long as one round of 3 s did.
const SECONDS = Number(process.env.BENCH_GROWTH_SECONDS ?? 1.5)
const ROUNDS = Number(process.env.BENCH_GROWTH_ROUNDS ?? 2)

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

/**
 * Seeds one server per size and keeps them all (a million charges take about 1.5 GB), then measures
 * them in ROUNDS rounds, sizes in rising order, then falling, and so on: a load a few seconds slower
 * or faster on a shared machine then lands on every size alike instead of on one size's only
 * measurement. Each rate is the mean of its rounds.
 */
export async function growth() {
  const servers = []
  try {
    for (const n of SIZES) {
      const started = performance.now()
      const s = await seeded(n)
      servers.push({ n, s, seedSeconds: (performance.now() - started) / 1000 })
      // Warm up each route first, so no size is measured while the JIT is still compiling.
      for (const path of [`/v1/payment-charges/${s.chargeId}`, `/v1/payment-charges?merchantPaymentChargeReference=shared-30`]) {
        await load({ url: s.base + path, duration: 1 })
      }
    }
    const rates = new Map(SIZES.map((n) => [n, { read: [], search: [], page: [] }]))
    for (let round = 0; round < ROUNDS; round++) {
      for (const { n, s } of round % 2 === 0 ? servers : [...servers].reverse()) {
        const paths = {
          read: `/v1/payment-charges/${s.chargeId}`,
          search: `/v1/payment-charges?merchantPaymentChargeReference=${s.uniqueReference}`,
          page: '/v1/payment-charges?merchantPaymentChargeReference=shared-30',
        }
        for (const [k, path] of Object.entries(paths)) rates.get(n)[k].push((await load({ url: s.base + path, duration: SECONDS })).rps)
      }
    }
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
    return servers.map(({ n, seedSeconds }) => {
      const r = rates.get(n)
      return { n, seedSeconds, read: mean(r.read), search: mean(r.search), page: mean(r.page) }
    })
  } finally {
    for (const { s } of servers) {
      const exited = new Promise((r) => s.child.once('exit', r))
      s.child.kill('SIGKILL')
      await exited
    }
  }
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
