// npm run bench:durable: what durable mode (DATA_DIR) costs, measured in one run against memory mode
// and a bare Fastify server: create throughput, journal bytes per charge, and start-up time with an
// empty DATA_DIR and with 100,000 stored charges. Loopback only; every load is bounded in time.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { CONNECTIONS, freePort, HEADERS, load, median, SEED, startServer, stopServer } from './lib.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const STORED = Number(process.env.BENCH_STORED_CHARGES ?? 100_000)
const bare = new URL('./servers/bare.mjs', import.meta.url).pathname
const sandbox = new URL('./servers/sandbox.mjs', import.meta.url).pathname
const tmp = () => mkdtempSync(join(os.tmpdir(), 'sandbox-bench-'))
const dirs = []
const dir = () => {
  const d = tmp()
  dirs.push(d)
  return d
}

const KINDS = {
  bare: () => ({ script: bare, env: {} }),
  memory: () => ({ script: sandbox, env: {} }),
  durable: () => ({ script: sandbox, env: { DATA_DIR: dir() } }),
  'durable, fsync': () => ({ script: sandbox, env: { DATA_DIR: dir(), DURABILITY: 'fsync' } }),
}

async function creates(kind) {
  const { script, env } = KINDS[kind]()
  const { child, base } = await startServer(script, { env })
  try {
    await load({ url: `${base}/v1/payment-charges`, method: 'POST', body: SEED, duration: 1 })
    return (await load({ url: `${base}/v1/payment-charges`, method: 'POST', body: SEED, duration: SECONDS })).rps
  } finally {
    await stopServer(child)
  }
}

/** Journal bytes per charge: N creates, then N creates each approved and refunded once. */
async function bytesPerCharge(n = 2000) {
  const { child, base } = await startServer(sandbox, { env: { DATA_DIR: dir() } })
  try {
    const size = async () => (await (await fetch(`${base}/health`)).json()).dataBytes
    const start = await size()
    const ids = []
    await new Promise((resolve, reject) =>
      autocannon(
        {
          url: `${base}/v1/payment-charges`,
          method: 'POST',
          body: SEED,
          headers: HEADERS,
          connections: CONNECTIONS,
          amount: n,
          setupClient: (c) => c.on('body', (b) => ids.push(JSON.parse(b).id)),
        },
        (err) => (err ? reject(err) : resolve()),
      ),
    )
    const created = await size()
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(
        ids.slice(i, i + 50).map(async (id) => {
          await fetch(`${base}/sandbox/payment-charges/${id}/approve`, { method: 'POST', headers: HEADERS, body: '{}' })
          await fetch(`${base}/v1/payment-charges/${id}/refunds`, {
            method: 'POST',
            headers: HEADERS,
            body: JSON.stringify({ amount: 5000 }),
          })
        }),
      )
    }
    const lived = await size()
    return { create: (created - start) / ids.length, lifecycle: (lived - start) / ids.length }
  } finally {
    await stopServer(child)
  }
}

/** Time from spawn to the first 200 on /health, waiting up to two minutes (a large folder is read back first). */
async function startTimed(env) {
  const port = await freePort()
  const started = performance.now()
  const child = spawn(process.execPath, [sandbox], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  while (performance.now() - started < 120_000) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return { child, startMs: performance.now() - started }
    await new Promise((r) => setTimeout(r, 2))
  }
  child.kill('SIGKILL')
  throw new Error('the sandbox did not start within two minutes')
}

async function startups(env, times = 3) {
  const out = []
  for (let i = 0; i < times; i++) {
    const { child, startMs } = await startTimed(env)
    out.push(startMs)
    await stopServer(child)
  }
  return median(out)
}

async function seed(dataDir) {
  const child = spawn(process.execPath, [new URL('./servers/durable-seed.mjs', import.meta.url).pathname], {
    env: { ...process.env, DATA_DIR: dataDir, SEED_CHARGES: String(STORED) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  const code = await new Promise((r) => child.on('exit', r))
  if (code !== 0) throw new Error(`durable-seed exited with ${code}`)
  return JSON.parse(out)
}

try {
  const rps = Object.fromEntries(Object.keys(KINDS).map((k) => [k, []]))
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? Object.keys(KINDS) : Object.keys(KINDS).reverse()
    for (const kind of order) rps[kind].push(await creates(kind))
  }
  const bytes = await bytesPerCharge()
  const startMemory = await startups({})
  const startEmpty = await startups({ DATA_DIR: dir() })
  const seeded = dir()
  const seedInfo = await seed(seeded)
  const startStored = await startups({ DATA_DIR: seeded })

  const cpu = os.cpus()
  console.log(`\n${os.type()} ${os.arch()}, ${cpu.length} x ${cpu[0]?.model.trim()}; Node ${process.version}`)
  console.log(`${ROUNDS} rounds of ${SECONDS} s alternating, ${CONNECTIONS} connections, medians\n`)
  const b = median(rps.bare)
  const m = median(rps.memory)
  console.log(`${'create a charge (req/s)'.padEnd(36)}${'req/s'.padStart(10)}${'vs bare'.padStart(10)}${'vs memory'.padStart(11)}`)
  for (const kind of Object.keys(KINDS)) {
    const v = median(rps[kind])
    console.log(
      `  ${kind.padEnd(34)}${Math.round(v).toLocaleString('en').padStart(10)}${(v / b).toFixed(2).padStart(9)}x${(v / m).toFixed(2).padStart(10)}x`,
    )
  }
  console.log(
    `\njournal bytes per charge: ${Math.round(bytes.create)} (created), ${Math.round(bytes.lifecycle)} (created, approved, refunded)`,
  )
  console.log(`start to /health 200: memory ${Math.round(startMemory)} ms; durable, empty DATA_DIR ${Math.round(startEmpty)} ms;`)
  console.log(
    `  durable, ${STORED.toLocaleString('en')} stored captured charges (${(seedInfo.bytes / 2 ** 20).toFixed(0)} MB on disk) ${Math.round(startStored)} ms`,
  )
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
}
