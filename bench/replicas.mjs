// npm run bench:replicas (and rows of npm run bench): create and read throughput of 1, 2 and 3
// sandbox replicas on one Redis, against one in-memory process, in one run, as ratios. The load
// is spread over the replicas by the bench itself (one autocannon per replica, the connections split),
// as a round-robin load balancer would. Redis is a redis-server of the bench's own on a loopback port,
// nothing kept on disk. Bounded: about a minute. `--json` prints the figures for bench/run.mjs.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import os from 'node:os'
import autocannon from 'autocannon'
import { CONNECTIONS, freePort, HEADERS, SEED, startServer, stopServer } from './lib.mjs'

const SECONDS = Number(process.env.BENCH_REPLICA_SECONDS ?? 4)
const json = process.argv.includes('--json')
const sandbox = new URL('./servers/sandbox.mjs', import.meta.url).pathname
const say = (s) => (json ? process.stderr : process.stdout).write(`${s}\n`)

const server = existsSync('/usr/bin/redis-server')
  ? '/usr/bin/redis-server'
  : spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim()
if (!server) {
  say('bench/replicas.mjs: redis-server not found; replica rows skipped')
  if (json) console.log(JSON.stringify({ skipped: 'redis-server not found' }))
  process.exit(0)
}

/** One autocannon per base URL at once, the connections split between them: the summed mean req/s. */
async function spread(bases, path, opts) {
  const per = Math.max(1, Math.floor(CONNECTIONS / bases.length))
  const results = await Promise.all(
    bases.map((base) => autocannon({ url: `${base}${path}`, connections: per, headers: HEADERS, duration: SECONDS, ...opts })),
  )
  for (const r of results) if (r.non2xx > 0 || r.errors > 0) throw new Error(`${path}: ${r.non2xx} non-2xx, ${r.errors} errors`)
  return results.reduce((s, r) => s + r.requests.average, 0)
}

async function measure(env, n) {
  const started = await Promise.all(Array.from({ length: n }, () => startServer(sandbox, { env })))
  const bases = started.map((s) => s.base)
  try {
    const created = await (await fetch(`${bases[0]}/v1/payment-charges`, { method: 'POST', headers: HEADERS, body: SEED })).json()
    await spread(bases, `/v1/payment-charges/${created.id}`, { duration: 1 })
    const read = await spread(bases, `/v1/payment-charges/${created.id}`, {})
    const create = await spread(bases, '/v1/payment-charges', { method: 'POST', body: SEED })
    return { read, create }
  } finally {
    await Promise.all(started.map((s) => stopServer(s.child)))
  }
}

const port = await freePort()
const redis = spawn(server, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
const flush = () => spawnSync('redis-cli', ['-p', String(port), 'FLUSHALL'])
try {
  await new Promise((r) => setTimeout(r, 300))
  const env = { REDIS_URL: `redis://127.0.0.1:${port}` }
  const out = { cpus: os.cpus().length, memory: await measure({}, 1), replicas: {} }
  for (const n of [1, 2, 3]) {
    flush()
    out.replicas[n] = await measure(env, n)
  }
  if (json) {
    console.log(JSON.stringify(out))
  } else {
    const cpu = os.cpus()
    say(
      `\n${os.type()} ${os.arch()}, ${cpu.length} x ${cpu[0]?.model.trim()}; Node ${process.version}; ${CONNECTIONS} connections, ${SECONDS} s each`,
    )
    say(`${'setup'.padEnd(34)}${'create/s'.padStart(10)}${'ratio'.padStart(8)}${'read/s'.padStart(10)}${'ratio'.padStart(8)}`)
    const line = (label, r) =>
      say(
        `${label.padEnd(34)}${Math.round(r.create).toLocaleString('en').padStart(10)}${`${(r.create / out.memory.create).toFixed(2)}x`.padStart(8)}${Math.round(r.read).toLocaleString('en').padStart(10)}${`${(r.read / out.memory.read).toFixed(2)}x`.padStart(8)}`,
      )
    line('one process, in memory', out.memory)
    for (const n of [1, 2, 3]) line(`${n} replica${n > 1 ? 's' : ''} on one Redis`, out.replicas[n])
    say(
      `\nOn ${out.cpus} cores the replicas, Redis and the load generator share the same CPUs: the gain from more replicas is bounded by them.`,
    )
  }
} finally {
  redis.kill('SIGKILL')
}
