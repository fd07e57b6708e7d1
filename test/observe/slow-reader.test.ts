import t from 'tap'
import { buildApp } from '../../src/app.js'
import { defaultConfig } from '../../src/config.js'
import { AUTH, MERCHANT, seedCharge } from '../helpers/app.js'
import { sse } from '../helpers/sse.js'

// Each charge carries a large order, so its PAYMENT_CHARGE_CREATED message is large (~64 KB) and a
// reader that stops reading fills the loopback socket's buffers within a few dozen requests.
const BIG_ORDER = { orderItems: Array.from({ length: 8 }, (_, i) => ({ name: `item ${i} `.padEnd(8000, 'x'), quantity: 1, amount: 1 })) }
const BODY = JSON.stringify(seedCharge({ order: BIG_ORDER }))
const REQUESTS = 150

t.test('a stalled reader is dropped, with a last message saying why, and slows neither the API nor other readers', async (t) => {
  const config = { ...defaultConfig(), feed: { ...defaultConfig().feed, streamBufferBytes: 256 * 1024 } }
  // Plain buildApp: the timing compares two runs of the same requests, with nothing else checked per reply.
  const app = await buildApp({ logger: false, config })
  t.teardown(() => app.close())
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const headers = { ...AUTH, 'content-type': 'application/json' }

  /** REQUESTS creates over real HTTP, one after another: the milliseconds they took. */
  const run = async () => {
    const started = performance.now()
    for (let i = 0; i < REQUESTS; i++) {
      const r = await fetch(`${base}/v1/payment-charges`, { method: 'POST', headers, body: BODY })
      if (r.status !== 200) throw new Error(`create answered ${r.status}`)
      await r.arrayBuffer()
    }
    return performance.now() - started
  }

  // Both runs have one reader that keeps up; the second also has one that never reads.
  const healthy = await sse(`${base}/sandbox/events/stream`, AUTH)
  t.teardown(healthy.close)
  await run() // warm-up
  const unstalled = await run()
  await healthy.waitForMessages(REQUESTS * 3 * 2, 20_000)

  const stalled = await sse(`${base}/sandbox/events/stream`, AUTH)
  t.teardown(stalled.close)
  stalled.pause()
  t.equal(app.feed.listenerCount(MERCHANT), 2)
  // As soon as it is dropped (within the run, or right after it: a bounded wait), the stalled reader
  // reads again (a dropped connection is cut off for good 5 s later).
  const watcher = (async () => {
    for (let i = 0; i < 3000 && app.feed.listenerCount(MERCHANT) > 1; i++) await new Promise((r) => setTimeout(r, 10))
    stalled.resume()
  })()
  const withStalled = await run()
  await watcher
  t.equal(app.feed.listenerCount(MERCHANT), 1, 'the stalled reader was dropped; the healthy one stays')

  // It finds what the socket held, then the last message, then the end.
  await Promise.race([stalled.ended, new Promise((_, reject) => setTimeout(() => reject(new Error('stream did not end')), 10_000))])
  const last = stalled.frames.at(-1)!
  t.equal(last.event, 'dropped')
  t.same(JSON.parse(last.data!), {
    reason: {
      code: 'STREAM_READER_TOO_SLOW',
      message:
        'this reader fell more than 262144 bytes behind; the stream was closed so it cannot slow the sandbox. Reconnect with Last-Event-ID to resume',
    },
  })
  const ratio = withStalled / unstalled
  t.comment(`unstalled ${unstalled.toFixed(0)} ms, with a stalled reader ${withStalled.toFixed(0)} ms, ratio ${ratio.toFixed(2)}`)
  t.ok(ratio < 3, `the API is not slowed by a stalled reader (ratio ${ratio.toFixed(2)}, bound 3)`)

  const all = await healthy.waitForMessages(REQUESTS * 3 * 3, 20_000)
  t.equal(all.length, REQUESTS * 3 * 3, 'the healthy reader got every message of all three runs')
  t.same(
    all.map((m) => m.seq),
    all.map((_, i) => i + 1),
    'in order, without a gap',
  )

  const got = stalled.messages()
  t.ok(got.length < REQUESTS * 3, `it had received only part of its run (${got.length} messages) when it was dropped`)
  t.same(
    got.map((m) => m.seq),
    got.map((_, i) => REQUESTS * 3 * 2 + i + 1),
    'what it did receive is in order, from where it connected',
  )
})
