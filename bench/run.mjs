// npm run bench: every performance target of the sandbox, measured against a floor in the same run
// (a bare Fastify server doing the least the same route could do, or a bare loop doing the same
// network work), alternating, as ratios with PASS or FALLS SHORT. Loopback only; every load is bounded
// in time, so the whole run takes a few minutes on a 2-core machine.
import { spawn } from 'node:child_process'
import os from 'node:os'
import { growth } from './growth.mjs'
import { CONNECTIONS, HEADERS, load, median, startServer, stopServer } from './lib.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
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

async function throughput(kind) {
  const { child, base } = await startServer(SERVERS[kind])
  try {
    const created = await (await fetch(`${base}/v1/payment-charges`, { method: 'POST', headers: { ...HEADERS }, body: SEED })).json()
    await load({ url: `${base}/v1/payment-charges/${created.id}`, duration: 1 })
    const read = await load({ url: `${base}/v1/payment-charges/${created.id}`, duration: SECONDS })
    const create = await load({ url: `${base}/v1/payment-charges`, method: 'POST', body: SEED, duration: SECONDS })
    return { read, create }
  } finally {
    await stopServer(child)
  }
}

async function startup(kind) {
  const { child, startMs } = await startServer(SERVERS[kind])
  await stopServer(child)
  return startMs
}

/** Runs a bench module in its own process (with --expose-gc) and returns what it printed as JSON. */
async function inChild(script, args = [], env = {}) {
  const child = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=8192', new URL(script, import.meta.url).pathname, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  const code = await new Promise((r) => child.on('exit', r))
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited with ${code}`)
  return JSON.parse(out)
}

async function heapPerCharge() {
  const out = {}
  for (const scenario of await inChild('./heap.mjs')) out[scenario] = await inChild('./heap.mjs', [scenario])
  return out
}

const results = { bare: { read: [], p99: [], create: [], start: [] }, sandbox: { read: [], p99: [], create: [], start: [] } }
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of round % 2 === 0 ? ['bare', 'sandbox'] : ['sandbox', 'bare']) {
    const t = await throughput(kind)
    results[kind].read.push(t.read.rps)
    results[kind].p99.push(t.read.p99)
    results[kind].create.push(t.create.rps)
  }
}
for (let i = 0; i < 5; i++)
  for (const kind of i % 2 === 0 ? ['bare', 'sandbox'] : ['sandbox', 'bare']) results[kind].start.push(await startup(kind))
const heap = await heapPerCharge()
const curve = await growth()
const hooks = await inChild('./webhooks.mjs', ['--json'])

const m = (k, f) => median(results[k][f])
const rows = []
const row = (measure, floor, value, ratio, target, pass, unit = '') => rows.push({ measure, floor, value, ratio, target, pass, unit })
row(
  'read a charge (req/s)',
  m('bare', 'read'),
  m('sandbox', 'read'),
  m('sandbox', 'read') / m('bare', 'read'),
  '>= 0.85x',
  (r) => r >= 0.85,
)
row('read a charge p99 (ms)', m('bare', 'p99'), m('sandbox', 'p99'), m('sandbox', 'p99') / m('bare', 'p99'), '<= 1.2x', (r) => r <= 1.2)
row(
  'create a charge (req/s)',
  m('bare', 'create'),
  m('sandbox', 'create'),
  m('sandbox', 'create') / m('bare', 'create'),
  '>= 0.8x',
  (r) => r >= 0.8,
)
row(
  'start to /health 200 (ms)',
  m('bare', 'start'),
  m('sandbox', 'start'),
  m('sandbox', 'start') / m('bare', 'start'),
  '<= 0.9x',
  (r) => r <= 0.9,
)
for (const [label, bytes] of Object.entries(heap)) {
  const target = label.startsWith('captured') ? 1536 : undefined
  row(`heap per ${label} (KB)`, undefined, bytes / 1024, undefined, target ? '<= 1.5 KB' : 'reported', () =>
    target ? bytes <= target : true,
  )
}
const first = curve[0]
for (const r of curve.slice(1)) {
  for (const [k, name] of [
    ['read', 'read one'],
    ['search', 'search by reference'],
    ['page', 'page of a 30-charge reference'],
  ]) {
    row(
      `${name} at ${r.n.toLocaleString('en')} (req/s)`,
      first[k],
      r[k],
      r[k] / first[k],
      `>= 0.9x of ${first.n.toLocaleString('en')}`,
      (x) => x >= 0.9,
    )
  }
}
row('webhook deliveries (per s)', hooks.bare, hooks.dispatcher, hooks.dispatcher / hooks.bare, '>= 0.5x bare loop', (r) => r >= 0.5)
if (hooks.waiting) {
  row('waiting retry, heap each (B)', undefined, hooks.waiting.perDelivery, undefined, '<= 300 B', () => hooks.waiting.perDelivery <= 300)
  row('CPU idle with them waiting (ms/s)', undefined, hooks.waiting.idleCpuMs, undefined, '~0 (<= 20)', () => hooks.waiting.idleCpuMs <= 20)
  row('retry lateness at that size (ms)', undefined, hooks.waiting.lateMs, undefined, '<= 5 ms', () => hooks.waiting.lateMs <= 5)
}

// Replicas on one Redis (bench/replicas.mjs): 1, 2 and 3 replicas against one in-memory process, reported.
const replicas = await inChild('./replicas.mjs', ['--json'])
if (!replicas.skipped) {
  for (const [n, r] of Object.entries(replicas.replicas)) {
    for (const k of ['create', 'read']) {
      const v = r[k]
      const floor = replicas.memory[k]
      row(`${k}, ${n} replica(s) on Redis (req/s)`, floor, v, v / floor, `reported, ${replicas.cpus} CPUs`, () => true)
    }
  }
}

const cpu = os.cpus()
console.log(
  `\n${os.type()} ${os.arch()}, ${cpu.length} x ${cpu[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}`,
)
console.log(`${ROUNDS} rounds of ${SECONDS} s alternating, ${CONNECTIONS} connections, medians\n`)
const fmt = (x) => (x === undefined ? '' : x >= 100 ? Math.round(x).toLocaleString('en') : x.toFixed(2))
console.log(`${'measure'.padEnd(44)}${'floor'.padStart(10)}${'sandbox'.padStart(10)}${'ratio'.padStart(8)}   target`)
let short = 0
for (const r of rows) {
  const ok = r.pass(r.ratio)
  if (!ok) short++
  console.log(
    `${r.measure.padEnd(44)}${fmt(r.floor).padStart(10)}${fmt(r.value).padStart(10)}${(r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`).padStart(8)}   ${r.target.padEnd(22)} ${ok ? 'PASS' : 'FALLS SHORT'}`,
  )
}
console.log(`\n${rows.length - short} of ${rows.length} targets met`)
