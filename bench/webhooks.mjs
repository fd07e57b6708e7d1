// Webhooks at wire speed: the sandbox's dispatcher against a bare loop that POSTs the same signed
// bodies with the same HTTP client (the sandbox's pooled keep-alive transport, same settings) and the same concurrency (one chain per charge,
// every chain at once); then 100,000 deliveries waiting for a retry: bytes each, CPU while idle, and how
// late a retry fires at that size.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { buildApp } from '../dist/app.js'

const CHARGES = Number(process.env.BENCH_WEBHOOK_CHARGES ?? 3000)
const WAITING = Number(process.env.BENCH_RETRY_DELIVERIES ?? 100_000)

const body = (i) => ({
  paymentMethod: 'KAKAOPAY',
  paymentDescriptor: 'Order description',
  merchantPaymentChargeReference: `order-${i}`,
  amount: { value: 15000, currency: 'KRW' },
  consumer: { name: 'John Smith', country: 'KR' },
  authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.webshop.com/order-results-page' } }],
})

async function receiver(status = 200) {
  const child = spawn(process.execPath, [new URL('./servers/receiver.mjs', import.meta.url).pathname], {
    env: { ...process.env, STATUS: String(status) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise((r) => createInterface({ input: child.stdout }).once('line', r))
  return { url: `http://127.0.0.1:${port}/webhooks`, stop: () => child.kill('SIGKILL') }
}

/** Deliveries a second: CHARGES charges, two events each, all delivered. */
async function dispatcherRate(url) {
  const app = await buildApp({
    logger: false,
    config: { webhooks: { url, secret: 's', timeoutMs: 10_000, retryBaseMs: 60_000, maxAttempts: 3 } },
  })
  const { sandbox } = app
  for (let i = 0; i < 200; i++) sandbox.charges.create('merch_warmup', body(i))
  await sandbox.webhooks.idle()
  const started = performance.now()
  for (let i = 0; i < CHARGES; i++) sandbox.charges.create('merch_bench', body(i))
  await sandbox.webhooks.idle()
  const seconds = (performance.now() - started) / 1000
  const bodies = sandbox.webhooks.list('merch_bench')
  const delivered = bodies.filter((d) => d.status === 'DELIVERED').length
  await app.close()
  if (delivered !== CHARGES * 2) throw new Error(`dispatcher delivered ${delivered} of ${CHARGES * 2}`)
  return delivered / seconds
}

/** The floor: the same number of POSTs of same-sized signed bodies, one chain of two per charge. */
async function bareRate(url) {
  const { signWebhook } = await import('../dist/webhooks/signing.js')
  const { createHttpTransport } = await import('../dist/webhooks/transport.js')
  const transport = createHttpTransport()
  const payload = JSON.stringify({ specversion: '1.0.2', type: 'PAYMENT_CHARGE_CREATED', data: body(0) })
  const post = () => {
    const headers = { 'content-type': 'application/json', ...signWebhook(payload, 's') }
    return transport({ url, headers, body: payload, timeoutMs: 10_000 })
  }
  await Promise.all(Array.from({ length: 200 }, post))
  const started = performance.now()
  await Promise.all(Array.from({ length: CHARGES }, () => post().then(post)))
  return (CHARGES * 2) / ((performance.now() - started) / 1000)
}

/**
 * 100,000 deliveries failed once and waiting for a retry: heap each, idle CPU, lateness of a retry.
 * Their first attempt is answered 500 at once in process (a transport that answers without a
 * network), so the bench spends its time on the waiting rather than on 100,000 round trips: what a
 * waiting delivery holds is the same either way (the attempt with its status, the scheduled retry).
 */
async function waitingRetries() {
  const charges = WAITING / 2
  const build = (webhookUrl) =>
    buildApp({
      logger: false,
      transport: async () => ({ status: 500, body: '' }),
      config: { webhooks: { url: webhookUrl, secret: 's', timeoutMs: 10_000, retryBaseMs: 3_600_000, maxAttempts: 3 } },
    })
  // The same charges with no URL (events recorded, nothing sent) are the baseline, so only what a
  // waiting delivery adds is counted.
  const heapFor = async (webhookUrl) => {
    const app = await build(webhookUrl)
    gc()
    const before = process.memoryUsage().heapUsed
    for (let i = 0; i < charges; i++) app.sandbox.charges.create('merch_bench', body(i))
    await app.sandbox.webhooks.idle()
    gc()
    gc()
    return { app, bytes: process.memoryUsage().heapUsed - before }
  }
  const recorded = await heapFor(undefined)
  await recorded.app.close()
  const waiting = await heapFor('http://127.0.0.1:9/webhooks')
  const perDelivery = (waiting.bytes - recorded.bytes) / WAITING
  // Idle is measured a second after the burst, once the collector has handed back the burst's memory
  // (that settling is the burst's cost, not the waiting's); then one second with nothing due.
  await new Promise((r) => setTimeout(r, 1000))
  const cpu = process.cpuUsage()
  await new Promise((r) => setTimeout(r, 1000))
  const idle = process.cpuUsage(cpu)
  const idleCpuMs = (idle.user + idle.system) / 1000
  // How late work due in 200 ms fires with the 100,000 retries in the same scheduler: the median of 5.
  const { sandbox } = waiting.app
  const late = []
  for (let i = 0; i < 5; i++) {
    const at = sandbox.clock.now() + 200
    late.push(await new Promise((resolve) => sandbox.scheduler.schedule(at, () => resolve(sandbox.clock.now() - at))))
  }
  await waiting.app.close()
  return { perDelivery, idleCpuMs, lateMs: [...late].sort((a, b) => a - b)[2] }
}

export async function webhooks() {
  const ok = await receiver(200)
  try {
    const rates = { dispatcher: [], bare: [] }
    for (let round = 0; round < 3; round++) {
      rates.dispatcher.push(await dispatcherRate(ok.url))
      rates.bare.push(await bareRate(ok.url))
    }
    const med = (xs) => [...xs].sort((a, b) => a - b)[1]
    const waiting = typeof gc === 'function' ? await waitingRetries() : undefined
    return { dispatcher: med(rates.dispatcher), bare: med(rates.bare), waiting }
  } finally {
    ok.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await webhooks()
  console.log(process.argv.includes('--json') ? JSON.stringify(result) : result)
}
