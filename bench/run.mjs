// npm run bench: every performance target of the sandbox, measured against a floor in the same run
// (a bare Fastify server doing the least the same route could do, or a bare loop doing the same
// network work), alternating, as ratios with PASS or FALLS SHORT. Loopback only; every load is bounded
// in time, so the whole run takes a few minutes on a 2-core machine.
//
// The run is a list of blocks (BLOCKS below). A block measures what it needs and adds its rows with
// `row(...)`; the table prints every block's rows in order. To add a measure, add a block (its own
// module under bench/ if it is long) and put it in BLOCKS. `--only=core,webhooks` runs some blocks.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { growth } from './growth.mjs'
import { CONNECTIONS, cpuMs, freePort, HEADERS, load, median, SEED, startServer, stopServer } from './lib.mjs'
import { reader } from './stream-reader.mjs'

const { values: flags } = parseArgs({
  options: {
    only: { type: 'string' },
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '3' },
    seconds: { type: 'string', default: process.env.BENCH_SECONDS ?? '3' },
    'stored-charges': { type: 'string', default: process.env.BENCH_STORED_CHARGES ?? '100000' },
    // Every sample behind the core block's medians, on stderr.
    samples: { type: 'boolean', default: false },
  },
})
const ROUNDS = Number(flags.rounds)
const SECONDS = Number(flags.seconds)
const STORED = Number(flags['stored-charges'])
const SERVERS = {
  bare: new URL('./servers/bare.mjs', import.meta.url).pathname,
  sandbox: new URL('./servers/sandbox.mjs', import.meta.url).pathname,
}
const dirs = []
/** A fresh, empty DATA_DIR, removed at the end of the run. */
const dataDir = () => {
  const d = mkdtempSync(join(os.tmpdir(), 'sandbox-bench-'))
  dirs.push(d)
  return d
}

const rows = []
/** One line of the table: `pass` is given the ratio (or the value when there is no floor). */
const row = (measure, floor, value, ratio, target, pass) => rows.push({ measure, floor, value, ratio, target, pass })
/** A throughput row: value over floor, against a minimum ratio. */
const ratioRow = (measure, floor, value, min, target = `>= ${min}x`) => row(measure, floor, value, value / floor, target, (r) => r >= min)

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

/**
 * Throughput against bare Fastify, in alternating rounds, each server fresh: reading a charge (in the
 * sandbox also with one event-stream reader connected, and with the dashboard's stream connected, in
 * the same process), creating one, and creating one in durable mode. Then start-up.
 *
 * The reads of a round are six loads of half the round's seconds in mirrored order (A B C C B A, the
 * letters rotating from round to round), so a drift of the machine's speed during the round weighs on
 * each scenario alike. What a reader costs is then a ratio within one process and one half of a
 * round (with the reader against without), and its row is the median of those ratios, two a round:
 * the same reads cost the server a quarter more or less from one process to the next on a shared
 * machine, far more than the few percent being measured.
 */
async function core() {
  const r = { bare: {}, sandbox: {}, durable: {} }
  const push = (kind, k, v) => (r[kind][k] ??= []).push(v)
  const measureRead = async (kind, url, round, base, pid) => {
    const scenarios = kind === 'bare' ? ['read'] : ['read', 'read, feed reader', 'read, dashboard']
    const order = scenarios.map((_, i) => scenarios[(i + round) % scenarios.length])
    // What each scenario's load measured, in each half of the mirrored order.
    const halves = [0, 1].map(() => Object.fromEntries(scenarios.map((s) => [s, { rps: 0, cpu: 0, reads: 0 }])))
    const p99s = []
    const sequence = [...order, ...[...order].reverse()]
    for (const [i, s] of sequence.entries()) {
      let connected
      if (s === 'read, feed reader') connected = await reader(`${base}/sandbox/events/stream`, HEADERS)
      if (s === 'read, dashboard') {
        // What an open dashboard tab holds on a list (dashboard/live.js): its page was loaded, then its
        // EventSource, credentials in the query, following every kind but the API's requests.
        await fetch(`${base}/dashboard`).then((res) => res.text())
        connected = await reader(
          `${base}/sandbox/events/stream?access_token=bench&merchantId=merch_bench&kinds=event,delivery,consumer,clock`,
          {},
        )
      }
      try {
        const cpuBefore = cpuMs(pid)
        const { rps, p99, total } = await load({ url, duration: SECONDS / 2 })
        const cpuAfter = cpuMs(pid)
        const got = halves[i < order.length ? 0 : 1][s]
        got.rps = rps
        if (s === 'read') p99s.push(p99)
        // What the server process itself spent on the reads, whatever else ran on the machine's cores.
        if (cpuBefore !== undefined && cpuAfter !== undefined) {
          got.cpu = cpuAfter - cpuBefore
          got.reads = total
        }
        if (connected) {
          // The row means something only if the reader was really sent what it follows: one message a
          // read (each is journaled), or, on a dashboard list, none of them. The stream writes at most
          // every 10 ms, so the last reads' messages are given 100 ms to arrive.
          await new Promise((r) => setTimeout(r, 100))
          const { messages } = await connected.close()
          const expected = s === 'read, feed reader' ? total : 0
          if (s === 'read, feed reader' ? messages < expected : messages > expected)
            throw new Error(`${s}: the reader took ${messages} messages for ${total} reads`)
        }
      } finally {
        await connected?.close()
      }
    }
    for (const s of scenarios) {
      const [a, b] = halves.map((h) => h[s])
      push(kind, s, (a.rps + b.rps) / 2)
      // The server's CPU per read (us).
      if (a.reads + b.reads > 0) push(kind, `${s} cpu`, ((a.cpu + b.cpu) * 1000) / (a.reads + b.reads))
    }
    // The round's p99: the larger of its two plain loads'.
    push(kind, 'p99', Math.max(...p99s))
    if (kind === 'bare') return
    // The costs of a reader in each half of this round, against the same process's reads without one
    // in the same half: two ratios a round.
    for (const h of halves) {
      const none = h.read
      push(kind, 'feed reader ratio', h['read, feed reader'].rps / none.rps)
      push(kind, 'dashboard ratio', h['read, dashboard'].rps / none.rps)
      if (none.reads > 0)
        push(kind, 'feed reader cpu ratio', h['read, feed reader'].cpu / h['read, feed reader'].reads / (none.cpu / none.reads))
    }
  }
  for (let round = 0; round < ROUNDS; round++) {
    const kinds = ['bare', 'sandbox', 'durable']
    for (const kind of round % 2 === 0 ? kinds : kinds.reverse()) {
      const env = kind === 'durable' ? { DATA_DIR: dataDir() } : {}
      const { child, base } = await startServer(SERVERS[kind === 'bare' ? 'bare' : 'sandbox'], { env })
      try {
        const created = await (await fetch(`${base}/v1/payment-charges`, { method: 'POST', headers: HEADERS, body: SEED })).json()
        const url = `${base}/v1/payment-charges/${created.id}`
        if (kind === 'sandbox') {
          // Warm-up, with a reader connected: while a process streams its first thousands of messages
          // the JIT compiles the stream's code, a third more CPU per read while it lasts, which would
          // otherwise fall in whichever measured load has the first reader.
          const warming = await reader(`${base}/sandbox/events/stream`, HEADERS)
          await load({ url, duration: 1 })
          await warming.close()
        } else if (kind === 'bare') await load({ url, duration: 1 })
        if (kind !== 'durable') {
          await measureRead(kind, url, round, base, child.pid)
        }
        await load({ url: `${base}/v1/payment-charges`, method: 'POST', body: SEED, duration: 1 })
        push(kind, 'create', (await load({ url: `${base}/v1/payment-charges`, method: 'POST', body: SEED, duration: SECONDS })).rps)
      } finally {
        await stopServer(child)
      }
    }
  }
  for (let i = 0; i < 5; i++) {
    const kinds = ['bare', 'sandbox', 'durable']
    for (const kind of i % 2 === 0 ? kinds : kinds.reverse()) {
      const env = kind === 'durable' ? { DATA_DIR: dataDir() } : {}
      const { child, startMs } = await startServer(SERVERS[kind === 'bare' ? 'bare' : 'sandbox'], { env })
      await stopServer(child)
      push(kind, 'start', startMs)
    }
  }
  if (flags.samples)
    process.stderr.write(`core samples: ${JSON.stringify(r, (_, v) => (typeof v === 'number' ? Number(v.toPrecision(4)) : v))}\n`)
  const m = (kind, k) => median(r[kind][k])
  const read = m('sandbox', 'read')
  ratioRow('read a charge (req/s)', m('bare', 'read'), read, 0.85)
  row('read a charge p99 (ms)', m('bare', 'p99'), m('sandbox', 'p99'), m('sandbox', 'p99') / m('bare', 'p99'), '<= 1.2x', (x) => x <= 1.2)
  ratioRow('create a charge (req/s)', m('bare', 'create'), m('sandbox', 'create'), 0.8)
  ratioRow('create, durable (DATA_DIR) (req/s)', m('bare', 'create'), m('durable', 'create'), 0.5)
  const start = m('bare', 'start')
  row('start to /health 200 (ms)', start, m('sandbox', 'start'), m('sandbox', 'start') / start, '<= 0.9x', (x) => x <= 0.9)
  row('start, durable, empty DATA_DIR (ms)', start, m('durable', 'start'), m('durable', 'start') / start, '<= 0.9x', (x) => x <= 0.9)
  // The feed's cost is the drop in reads with a reader connected, against reads without, same process
  // and round; and, apart from the CPU the reader's own process takes from the same cores, the
  // server's CPU per read. Each ratio is the median of the ratios within each half of a round.
  const paired = (measure, k, floor, value, target, pass) => row(measure, floor, value, m('sandbox', k), target, pass)
  paired(
    'read, 1 feed reader vs none (req/s)',
    'feed reader ratio',
    read,
    m('sandbox', 'read, feed reader'),
    '>= 0.95x (<= 5% cost)',
    (x) => x >= 0.95,
  )
  if (r.sandbox['read cpu']) {
    const cpu = m('sandbox', 'read cpu')
    paired(
      'read, server CPU per read, 1 reader vs none (us)',
      'feed reader cpu ratio',
      cpu,
      m('sandbox', 'read, feed reader cpu'),
      '<= 1.05x (<= 5% cost)',
      (x) => x <= 1.05,
    )
    row('read a charge, server CPU per read (us)', m('bare', 'read cpu'), cpu, cpu / m('bare', 'read cpu'), 'reported', () => true)
  }
  paired(
    'read, dashboard open vs none (req/s)',
    'dashboard ratio',
    read,
    m('sandbox', 'read, dashboard'),
    '>= 0.95x (unchanged)',
    (x) => x >= 0.95,
  )
  return { bareStartMs: start }
}

/** Start-up of the durable store holding STORED captured charges, against bare Fastify's start. */
async function durableStored(ctx) {
  const dir = dataDir()
  const seeded = await inChild('./servers/durable-seed.mjs', [], { DATA_DIR: dir, SEED_CHARGES: String(STORED) })
  const port = await freePort()
  const started = performance.now()
  const child = spawn(process.execPath, [SERVERS.sandbox], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATA_DIR: dir },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  let ms
  try {
    while (performance.now() - started < 120_000) {
      if (
        await fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.ok,
          () => false,
        )
      ) {
        ms = performance.now() - started
        break
      }
      await new Promise((r) => setTimeout(r, 5))
    }
  } finally {
    await stopServer(child)
  }
  let bare = ctx.bareStartMs
  if (bare === undefined) {
    const out = []
    for (let i = 0; i < 3; i++) {
      const { child: c, startMs } = await startServer(SERVERS.bare)
      await stopServer(c)
      out.push(startMs)
    }
    bare = median(out)
  }
  const label = `start, durable, ${STORED.toLocaleString('en')} charges, ${(seeded.bytes / 2 ** 20).toFixed(0)} MB (ms)`
  if (ms === undefined) row(label, bare, undefined, undefined, '<= 2x (not within 2 min)', () => false)
  else row(label, bare, ms, ms / bare, '<= 2x', (x) => x <= 2)
}

async function heap() {
  for (const scenario of await inChild('./heap.mjs')) {
    const bytes = await inChild('./heap.mjs', [scenario])
    const target = scenario.startsWith('captured') ? 1536 : undefined
    row(
      `heap per ${scenario} (KB)`,
      undefined,
      bytes / 1024,
      undefined,
      target ? '<= 1.5 KB' : 'reported',
      () => !target || bytes <= target,
    )
  }
  // A flat line under the retention limits: the heap after 200,000 charges against after 100,000.
  const r = await inChild('./heap.mjs', ['retention'])
  row(
    `heap at ${r.total.toLocaleString('en')} charges, 5,000 kept each (MB)`,
    r.half / 2 ** 20,
    r.end / 2 ** 20,
    r.end / r.half,
    `<= 1.1x of at ${(r.total / 2).toLocaleString('en')}`,
    (x) => x <= 1.1,
  )
}

async function dataGrowth() {
  const curve = await growth()
  const first = curve[0]
  for (const r of curve.slice(1)) {
    for (const [k, name] of [
      ['read', 'read one'],
      ['search', 'search by reference'],
      ['page', 'page of a 30-charge reference'],
    ]) {
      ratioRow(`${name} at ${r.n.toLocaleString('en')} (req/s)`, first[k], r[k], 0.9, `>= 0.9x of ${first.n.toLocaleString('en')}`)
    }
  }
}

async function webhooks() {
  const hooks = await inChild('./webhooks.mjs', ['--json'])
  ratioRow('webhook deliveries (per s)', hooks.bare, hooks.dispatcher, 0.5, '>= 0.5x bare loop')
  const w = hooks.waiting
  row('waiting retry, heap each (B)', undefined, w.perDelivery, undefined, '<= 300 B', () => w.perDelivery <= 300)
  row('CPU idle with them waiting (ms/s)', undefined, w.idleCpuMs, undefined, '~0 (<= 20)', () => w.idleCpuMs <= 20)
  row('retry lateness at that size (ms)', undefined, w.lateMs, undefined, '<= 5 ms', () => w.lateMs <= 5)
}

// Replicas on one Redis (bench/replicas.mjs): 1, 2 and 3 replicas against one in-memory process, reported.
async function replicas() {
  // Loads of 2 s (bench:replicas alone makes them 4 s): these rows are reported, not targets, and the
  // whole run stays under 5 minutes.
  const r = await inChild('./replicas.mjs', ['--json'], { BENCH_REPLICA_SECONDS: process.env.BENCH_REPLICA_SECONDS ?? '2' })
  if (r.skipped) return
  for (const [n, one] of Object.entries(r.replicas)) {
    for (const k of ['create', 'read']) {
      const v = one[k]
      const floor = r.memory[k]
      row(`${k}, ${n} replica(s) on Redis (req/s)`, floor, v, v / floor, `reported, ${r.cpus} CPUs`, () => true)
    }
  }
}

/** In table order. Each gets what earlier blocks returned (merged), so a block may reuse a floor. */
const BLOCKS = { core, durable: durableStored, heap, growth: dataGrowth, webhooks, replicas }

const only = flags.only?.split(',')
const cpu = os.cpus()
const loadAvg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')
const machine = `${os.type()} ${os.arch()}, ${cpu.length} x ${cpu[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}`
const loadBefore = loadAvg()
const runStarted = performance.now()
const ctx = {}
const timings = []
try {
  for (const [name, block] of Object.entries(BLOCKS)) {
    if (only && !only.includes(name)) continue
    const t0 = performance.now()
    process.stderr.write(`bench: ${name}...\n`)
    Object.assign(ctx, (await block(ctx)) ?? {})
    timings.push(`${name} ${((performance.now() - t0) / 1000).toFixed(0)} s`)
  }
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
}

console.log(`\n${machine}`)
console.log(`load average (1, 5, 15 min): ${loadBefore} at the start, ${loadAvg()} at the end`)
console.log(`${ROUNDS} rounds of ${SECONDS} s alternating, ${CONNECTIONS} connections, medians; ${timings.join(', ')}\n`)
const fmt = (x) => (x === undefined ? '' : x >= 100 ? Math.round(x).toLocaleString('en') : x.toFixed(2))
console.log(`${'measure'.padEnd(48)}${'floor'.padStart(10)}${'sandbox'.padStart(10)}${'ratio'.padStart(8)}   target`)
let short = 0
for (const r of rows) {
  const ok = r.pass(r.ratio ?? r.value)
  if (!ok) short++
  const ratio = r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`
  console.log(
    `${r.measure.padEnd(48)}${fmt(r.floor).padStart(10)}${fmt(r.value).padStart(10)}${ratio.padStart(8)}   ${r.target.padEnd(24)} ${ok ? 'PASS' : 'FALLS SHORT'}`,
  )
}
console.log(`\n${rows.length - short} of ${rows.length} targets met in ${((performance.now() - runStarted) / 1000).toFixed(0)} s`)
