import t, { type Test } from 'tap'
import type { ChildProcess } from 'node:child_process'
import { kakaoPayChargeRequest } from '../helpers/app.js'
import { spawnCli } from '../helpers/cli.js'
import { freePort } from '../helpers/net.js'
import { decodeTerminalQr } from '../helpers/terminal-qr.js'

// `start` as a presenter runs it: its own process; what it prints on its standard output.

/** Everything the process printed so far, and a bounded wait for some text in it. */
function output(child: ChildProcess) {
  let text = ''
  const waiting: Array<() => void> = []
  child.stdout!.on('data', (d) => {
    text += d
    for (const w of waiting.splice(0)) w()
  })
  return {
    text: () => text,
    until: (pattern: RegExp, ms = 10_000) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in the output within ${ms} ms:\n${text}`)), ms)
        const check = () => {
          const m = text.match(pattern)
          if (m) {
            clearTimeout(timer)
            resolve(m)
          } else waiting.push(check)
        }
        check()
      }),
  }
}

/**
 * `start` on a free port, its output read as it comes. It is first asked anything once it printed
 * (a request that arrives while it is still building its app is not answered).
 */
async function startOn(t: Test, flags: string[], ready: RegExp) {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const { child, done } = await spawnCli(['start', '--port', String(port), '--public-base-url', base, ...flags])
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  const out = output(child)
  await out.until(ready)
  const charge = async () => {
    const res = await fetch(`${base}/v1/payment-charges`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_sandbox', 'merchant-id': 'merch_presenter', 'content-type': 'application/json' },
      body: JSON.stringify(kakaoPayChargeRequest()),
    })
    return ((await res.json()) as { id: string }).id
  }
  return { base, child, done, out, charge }
}

t.test("start --qr: the demo shop's QR code and the loopback warning, then each new charge's", async (t) => {
  const { base, child, done, out, charge } = await startOn(
    t,
    ['--qr', '--log-level', 'silent'],
    /Scan with a phone on the same Wi-Fi: .*\n\n.*\n/,
  )
  t.equal(decodeTerminalQr(out.text()), `${base}/demo`, 'the demo shop, at start')
  t.match(
    out.text(),
    new RegExp(
      `WARNING: PUBLIC_BASE_URL is ${base}, a loopback address: a phone cannot reach it\\. (Use this machine's LAN address instead, e\\.g\\. PUBLIC_BASE_URL=http://\\d+\\.\\d+\\.\\d+\\.\\d+:${new URL(base).port}|This machine has no LAN address right now)`,
    ),
    'the loopback warning, naming the LAN address when there is one',
  )
  const before = out.text().length
  const id = await charge()
  const phone = `${base}/checkout/${id}/phone`
  await out.until(
    new RegExp(`Payment charge ${id} waits for its consumer\\. Scan to approve on a phone: ${phone.replace(/[.?]/g, '\\$&')}\\n`),
  )
  t.equal(decodeTerminalQr(out.text().slice(before)), phone, "the new charge's QR code decodes to its phone approval URL")
  child.kill('SIGTERM')
  t.match(await done, { code: 0 }, 'stops on SIGTERM')
})

t.test('start on a pipe prints no QR code; --no-qr turns them off even with --qr', async (t) => {
  for (const flags of [[], ['--qr', '--no-qr']]) {
    const { child, done, out, charge } = await startOn(t, [...flags, '--log-format', 'json'], /KakaoPay sandbox ready/)
    const id = await charge()
    await out.until(new RegExp(`"type":"PAYMENT_CHARGE_AUTHENTICATION_PENDING","subject":"${id}"[^\\n]*\\n`))
    child.kill('SIGTERM')
    const r = await done
    t.equal(r.code, 0)
    const what = flags.join(' ') || 'no flag'
    t.notMatch(out.text(), /Scan|waits for its consumer|WARNING/, `${what}: no QR code, no caption`)
    t.equal(decodeTerminalQr(out.text()), undefined, `${what}: nothing that decodes`)
    t.match(out.text(), /^\{"level":30/, 'the JSON log lines only')
  }
})
