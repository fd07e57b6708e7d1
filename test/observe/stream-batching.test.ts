// The event stream writes a reader in batches (src/observe/stream.ts, FLUSH_EVERY_MS): the first
// message after a pause at once, then at most one write per 10 ms while messages keep coming. Counted
// on the server: every write() of the reader's own response.
import t from 'tap'
import { ServerResponse } from 'node:http'
import { buildApp } from '../../src/app.js'
import { FLUSH_EVERY_MS } from '../../src/observe/stream.js'
import { AUTH, MERCHANT } from '../helpers/app.js'
import { sse } from '../helpers/sse.js'

t.test('a burst is one write; a steady flow is at most one write per 10 ms', async (t) => {
  const app = await buildApp({ logger: false })
  t.teardown(() => app.close())
  const base = await app.listen({ port: 0, host: '127.0.0.1' })

  // Every write of a stream reader's response, with the time it was made.
  const writes: Array<{ at: number; text: string }> = []
  const write = ServerResponse.prototype.write
  ServerResponse.prototype.write = function (this: ServerResponse, chunk: unknown, ...rest: never[]) {
    if (this.req?.url?.startsWith('/sandbox/events/stream')) writes.push({ at: performance.now(), text: String(chunk) })
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest)
  } as typeof write
  t.teardown(() => {
    ServerResponse.prototype.write = write
  })

  const reader = await sse(`${base}/sandbox/events/stream?kinds=clock`, AUTH)
  t.teardown(reader.close)
  await reader.waitFor((f) => f.comments.includes('connected'))
  t.same(
    writes.map((w) => w.text),
    [': connected\n\n'],
    'nothing but the first line yet',
  )

  let n = 0
  const clockMessage = () => ({
    seq: 0,
    kind: 'clock' as const,
    at: new Date().toISOString(),
    sandboxTime: new Date().toISOString(),
    offsetSeconds: ++n,
    advancedSeconds: 1,
  })

  // 200 messages in one turn of the event loop: one write holding all of them, in order.
  writes.length = 0
  for (let i = 0; i < 200; i++) app.feed.append(MERCHANT, clockMessage())
  const burst = await reader.waitForMessages(200, 5_000)
  t.same(
    burst.map((m) => m.offsetSeconds),
    Array.from({ length: 200 }, (_, i) => i + 1),
  )
  t.equal(writes.length, 1, 'the burst went out in one write')
  t.equal(writes[0]!.text.split('\nid: ').length + (writes[0]!.text.startsWith('id: ') ? 0 : -1), 200, 'with all 200 messages')

  // Then one message per turn of the event loop for 60 ms: unbatched, that is a write per message.
  writes.length = 0
  const started = performance.now()
  let sent = 0
  await new Promise<void>((resolve) => {
    const next = () => {
      app.feed.append(MERCHANT, clockMessage())
      sent++
      if (performance.now() - started < 60) setImmediate(next)
      else resolve()
    }
    next()
  })
  await reader.waitForMessages(200 + sent, 5_000)
  const span = writes.at(-1)!.at - writes[0]!.at
  t.ok(sent > 20, `${sent} messages over 60 ms`)
  // One write at the start of the flow, then one per FLUSH_EVERY_MS at most (one more for a timer that fires late).
  t.ok(writes.length <= 2 + Math.floor(span / FLUSH_EVERY_MS), `${writes.length} writes over ${span.toFixed(1)} ms`)
  t.ok(writes.length < sent / 2, `${writes.length} writes for ${sent} messages`)
  for (let i = 1; i < writes.length; i++)
    t.ok(
      writes[i]!.at - writes[i - 1]!.at >= FLUSH_EVERY_MS - 1,
      `write ${i} came ${(writes[i]!.at - writes[i - 1]!.at).toFixed(1)} ms after the one before`,
    )
})
