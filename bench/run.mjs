// npm run bench: the sandbox against a bare Fastify server measured in the same run, as ratios.
// Loopback only; every load run is bounded in time.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import autocannon from 'autocannon'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const HEADERS = { authorization: 'Bearer bench', 'merchant-id': 'merch_bench', 'content-type': 'application/json' }
const SEED = JSON.stringify({
  paymentMethod: 'KAKAOPAY',
  paymentDescriptor: 'Order description',
  amount: { value: 15000, currency: 'KRW' },
  consumer: { name: 'John Smith', country: 'KR' },
  authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.webshop.com/order-results-page' } }],
})
const SERVERS = {
  bare: new URL('./servers/bare.mjs', import.meta.url).pathname,
  sandbox: new URL('./servers/sandbox.mjs', import.meta.url).pathname,
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function freePort() {
  const s = createServer()
  await new Promise((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address()
  await new Promise((r) => s.close(r))
  return port
}

/** Spawns a server and resolves once /health answers, with the milliseconds that took. */
async function start(kind) {
  const port = await freePort()
  const started = performance.now()
  const child = spawn(process.execPath, [SERVERS[kind]], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  for (let i = 0; i < 500; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return { child, base: `http://127.0.0.1:${port}`, startMs: performance.now() - started }
    await new Promise((r) => setTimeout(r, 5))
  }
  child.kill('SIGKILL')
  throw new Error(`${kind} did not start`)
}

async function stop(child) {
  const exited = new Promise((r) => child.on('exit', r))
  child.kill('SIGTERM')
  await exited
}

async function load(opts) {
  const result = await autocannon({ connections: 32, duration: SECONDS, headers: HEADERS, ...opts })
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${opts.url}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  return result.requests.average
}

async function throughput(kind) {
  const { child, base } = await start(kind)
  try {
    const created = await (await fetch(`${base}/v1/payment-charges`, { method: 'POST', headers: HEADERS, body: SEED })).json()
    const read = await load({ url: `${base}/v1/payment-charges/${created.id}` })
    const create = await load({ url: `${base}/v1/payment-charges`, method: 'POST', body: SEED })
    return { read, create }
  } finally {
    await stop(child)
  }
}

async function startup(kind) {
  const { child, startMs } = await start(kind)
  await stop(child)
  return startMs
}

/** Heap per stored charge with its recorded events: each scenario in its own process with --expose-gc. */
async function heapPerCharge() {
  const run = async (...args) => {
    const child = spawn(process.execPath, ['--expose-gc', new URL('./heap.mjs', import.meta.url).pathname, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    await new Promise((r) => child.on('exit', r))
    return JSON.parse(out)
  }
  const out = {}
  for (const scenario of await run()) out[scenario] = await run(scenario)
  return out
}

const results = { bare: { read: [], create: [], start: [] }, sandbox: { read: [], create: [], start: [] } }
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of round % 2 === 0 ? ['bare', 'sandbox'] : ['sandbox', 'bare']) {
    const t = await throughput(kind)
    results[kind].read.push(t.read)
    results[kind].create.push(t.create)
  }
  for (let i = 0; i < 3; i++) for (const kind of ['bare', 'sandbox']) results[kind].start.push(await startup(kind))
}
const heap = await heapPerCharge()

const m = (k, f) => median(results[k][f])
const rows = [
  ['read a charge (req/s)', m('bare', 'read'), m('sandbox', 'read'), m('sandbox', 'read') / m('bare', 'read'), '>= 0.6', (r) => r >= 0.6],
  [
    'create a charge (req/s)',
    m('bare', 'create'),
    m('sandbox', 'create'),
    m('sandbox', 'create') / m('bare', 'create'),
    '>= 0.4',
    (r) => r >= 0.4,
  ],
  [
    'start until /health (ms)',
    m('bare', 'start'),
    m('sandbox', 'start'),
    m('sandbox', 'start') / m('bare', 'start'),
    '<= 1.3',
    (r) => r <= 1.3,
  ],
]
console.log(`\n${ROUNDS} rounds of ${SECONDS} s, 32 connections, medians; Node ${process.version}\n`)
console.log('measure                       bare      sandbox   ratio   target')
for (const [name, bare, sandbox, ratio, target, ok] of rows) {
  console.log(
    `${name.padEnd(28)}${bare.toFixed(0).padStart(8)}  ${sandbox.toFixed(0).padStart(9)}   ${ratio.toFixed(2).padStart(5)}   ${target} ${ok(ratio) ? 'ok' : 'MISSED'}`,
  )
}
for (const [label, bytes] of Object.entries(heap)) {
  console.log(`heap per ${label.padEnd(30)} ${(bytes / 1024).toFixed(2)} KB   target <= 3 KB ${bytes <= 3072 ? 'ok' : 'MISSED'}`)
}
