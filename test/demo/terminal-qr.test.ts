import t from 'tap'
import { printPaymentQrs } from '../../src/demo/terminal-qr.js'
import { buildTestApp } from '../helpers/app.js'
import { decodeTerminalQr } from '../helpers/terminal-qr.js'

/** Timers a test fires by hand, and a clock it moves. */
function manualTimers() {
  let now = 0
  const due: Array<{ at: number; run: () => void; cancelled: boolean }> = []
  return {
    now: () => now,
    setTimer: (run: () => void, ms: number) => {
      const timer = { at: now + ms, run, cancelled: false }
      due.push(timer)
      return () => void (timer.cancelled = true)
    },
    /** Moves the clock and runs the timers that fell due. */
    advance(ms: number) {
      now += ms
      for (const timer of due.splice(0)) {
        if (timer.cancelled) continue
        if (timer.at <= now) timer.run()
        else due.push(timer)
      }
    },
    pending: () => due.filter((x) => !x.cancelled).length,
  }
}

/** The printed blocks settle on the next turns (each code is drawn asynchronously). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

t.test("each new payment's phone-approval QR code, throttled to the newest", async (t) => {
  const ctx = await buildTestApp(t)
  const printed: string[] = []
  const timers = manualTimers()
  const base = 'http://192.168.0.23:8080'
  const stop = printPaymentQrs(ctx.app.feed, { publicBaseUrl: base, write: (text) => printed.push(text), intervalMs: 3000, ...timers })
  t.teardown(stop)

  const first = (await ctx.createCharge()).id as string
  await settle()
  t.equal(printed.length, 1, 'the first payment at once')
  const url = `${base}/checkout/${first}/phone`
  t.equal(decodeTerminalQr(printed[0]!), url, 'its QR code decodes to the phone approval URL')
  t.match(printed[0], `\nPayment charge ${first} waits for its consumer. Scan to approve on a phone: ${url}\n`)

  // Three more within the interval: one code, of the newest, once the interval is over.
  const more: string[] = []
  for (let i = 0; i < 3; i++) more.push((await ctx.createCharge({ merchantChargeReference: `order-${i}` })).id as string)
  await settle()
  t.equal(printed.length, 1, 'nothing more within the interval')
  t.equal(timers.pending(), 1, 'one print waits for the interval')
  timers.advance(2999)
  await settle()
  t.equal(printed.length, 1)
  timers.advance(1)
  await settle()
  t.equal(printed.length, 2, 'then the newest')
  const newest = `${base}/checkout/${more[2]}/phone`
  t.equal(decodeTerminalQr(printed[1]!), newest)
  t.match(printed[1], `Payment charge ${more[2]} waits for its consumer (2 more created meanwhile; this is the newest). Scan`)

  // A charge that does not wait for a consumer (declined at creation) prints nothing.
  timers.advance(10_000)
  await ctx.createCharge({ amount: { value: 49, currency: 'KRW' } })
  await settle()
  t.equal(printed.length, 2, 'a charge declined at creation has no page to scan')

  // An agreement waits for its consumer on its own page.
  const agreement = await ctx.createAgreement()
  await settle()
  t.equal(printed.length, 3)
  t.equal(decodeTerminalQr(printed[2]!), `${base}/checkout/${agreement.id}/phone`)
  t.match(printed[2], `Payment agreement ${agreement.id} waits for its consumer.`)

  // Another merchant's payments too: the terminal shows the whole sandbox.
  timers.advance(10_000)
  const other = (await ctx.createCharge({}, { 'merchant-id': 'merch_other' })).id as string
  await settle()
  t.equal(decodeTerminalQr(printed[3]!), `${base}/checkout/${other}/phone`, "another merchant's charge")

  stop()
  timers.advance(10_000)
  await ctx.createCharge()
  await settle()
  t.equal(printed.length, 4, 'stopped: nothing more')
})
