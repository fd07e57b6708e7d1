// What every bench measure shares: loopback ports, spawning a server until /health answers, and a
// bounded autocannon load that refuses to count a run with errors.
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import autocannon from 'autocannon'

export const HEADERS = { authorization: 'Bearer bench', 'merchant-id': 'merch_bench', 'content-type': 'application/json' }
/** The body of every create: the request of PPRO's KakaoPay page. */
export const SEED = JSON.stringify({
  paymentMethod: 'KAKAOPAY',
  paymentDescriptor: 'Order description',
  amount: { value: 15000, currency: 'KRW' },
  consumer: { name: 'John Smith', country: 'KR' },
  authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.webshop.com/order-results-page' } }],
})
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50)

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

export async function freePort() {
  const s = createServer()
  await new Promise((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address()
  await new Promise((r) => s.close(r))
  return port
}

/** Spawns `node <script>` with a bench port and resolves once /health answers, with the milliseconds that took. */
export async function startServer(script, { env = {}, args = [] } = {}) {
  const port = await freePort()
  const started = performance.now()
  const child = spawn(process.execPath, [...args, script], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  for (let i = 0; i < 2000; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return { child, base: `http://127.0.0.1:${port}`, startMs: performance.now() - started }
    await new Promise((r) => setTimeout(r, 2))
  }
  child.kill('SIGKILL')
  throw new Error(`${script} did not start`)
}

export async function stopServer(child, signal = 'SIGTERM') {
  if (child.exitCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill(signal)
  await exited
}

/** One bounded load: requests per second (mean), p99 latency in ms, and the requests answered. */
export async function load(opts) {
  const result = await autocannon({ connections: CONNECTIONS, duration: 5, headers: HEADERS, ...opts })
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${opts.url}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  return { rps: result.requests.average, p99: result.latency.p99, total: result.requests.total }
}

let ticksPerSecond
/**
 * The CPU time (user and system, ms) process `pid` has used so far, from /proc (Linux), or undefined
 * elsewhere. With it a row can say what the server itself spent per request, apart from the load
 * generator and any reader sharing the machine's cores.
 */
export function cpuMs(pid) {
  try {
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command (which may hold spaces), from its closing parenthesis: utime is the 14th field, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond
  } catch {
    return undefined
  }
}
