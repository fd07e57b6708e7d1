// npm run bench:stream: what the event feed costs reads. Three servers as `npm start` runs them, in
// alternating rounds: the request journal off (FEED_JOURNAL=false), on (the default), and on with one
// event-stream reader connected that reads every message. Each server has a charge; autocannon reads it
// for BENCH_SECONDS; medians, as ratios. Loopback only, bounded in time.
import { HEADERS, load, median, SEED, startServer, stopServer } from './lib.mjs'
import { reader } from './stream-reader.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const SERVER = new URL('./servers/sandbox.mjs', import.meta.url).pathname

const SCENARIOS = {
  'journal off': { env: { FEED_JOURNAL: 'false' }, reader: false },
  'journal on': { env: {}, reader: false },
  'journal on + 1 stream reader': { env: {}, reader: true },
}

async function measure(name) {
  const { env, reader: withReader } = SCENARIOS[name]
  const { child, base } = await startServer(SERVER, { env })
  let r
  try {
    const created = await (await fetch(`${base}/v1/payment-charges`, { method: 'POST', headers: HEADERS, body: SEED })).json()
    const url = `${base}/v1/payment-charges/${created.id}`
    if (withReader) r = await reader(`${base}/sandbox/events/stream`, HEADERS)
    await load({ url, duration: 1 })
    const { rps, p99 } = await load({ url, duration: SECONDS })
    return { rps, p99, messages: r && (await r.close()).messages }
  } finally {
    await r?.close()
    await stopServer(child)
  }
}

const results = Object.fromEntries(Object.keys(SCENARIOS).map((k) => [k, { rps: [], p99: [], messages: [] }]))
for (let round = 0; round < ROUNDS; round++) {
  const order = Object.keys(SCENARIOS)
  if (round % 2 === 1) order.reverse()
  for (const name of order) {
    const m = await measure(name)
    results[name].rps.push(m.rps)
    results[name].p99.push(m.p99)
    if (m.messages !== undefined) results[name].messages.push(m.messages)
  }
}

const rps = (k) => median(results[k].rps)
console.log(`\nread a charge, ${ROUNDS} rounds of ${SECONDS} s alternating, medians; Node ${process.version}\n`)
console.log('scenario                          req/s    p99 ms')
for (const k of Object.keys(SCENARIOS)) {
  console.log(`${k.padEnd(30)} ${rps(k).toFixed(0).padStart(8)}  ${median(results[k].p99).toFixed(1).padStart(8)}`)
}
const journal = rps('journal on') / rps('journal off')
const stream = rps('journal on + 1 stream reader') / rps('journal on')
console.log(`\njournal on / off:                 ${journal.toFixed(3)}`)
console.log(`with a stream reader / without:   ${stream.toFixed(3)}`)
console.log(`(the reader took ${median(results['journal on + 1 stream reader'].messages).toLocaleString('en')} messages a run, median)`)
