import t from 'tap'
import { ManualClock } from '../../src/domain/clock.js'
import { startSandbox, type CreateChargeRequest } from '../../src/kit/index.js'
import { kakaoPayChargeRequest } from '../helpers/app.js'
import { cli } from '../helpers/cli.js'

// `logs --follow` against the real thing: a started sandbox's GET /sandbox/events/stream over a real
// socket, what happened before the command started, then what happens while it follows.

/** Fails the test instead of waiting forever. */
function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms)
    }),
  ])
}

/** A request's duration is the one thing not known in advance. */
const durations = (text: string) => text.replace(/\((\d+(\.\d+)?) ms\)/g, '(… ms)')

t.test('logs --follow reads a real sandbox stream: the feed so far, then live, as lines and as --json', async (t) => {
  const sb = await startSandbox({ clock: new ManualClock(Date.parse('2026-01-15T09:00:00.000Z')) })
  t.teardown(() => sb.close())
  const to = ['--url', sb.url, '--merchant', sb.merchantId]
  const charge = await sb.client.createCharge(kakaoPayChargeRequest() as CreateChargeRequest)

  // Three messages so far (two events and the request); five more once it follows.
  const following = cli(['logs', '--follow', '--limit', '8', ...to])
  await within(
    5000,
    (async () => {
      while (sb.app.feed.listenerCount(sb.merchantId) === 0) await new Promise((r) => setTimeout(r, 10))
    })(),
    'the stream reader connecting',
  )
  await sb.approve(charge.id)
  await sb.advanceClock(60)
  const followed = await within(10_000, following, 'logs --follow --limit 8')
  t.equal(followed.code, 0)
  t.equal(followed.stderr, '')
  const id = charge.id
  t.same(durations(followed.stdout).split('\n'), [
    `09:00:00.000 event    PAYMENT_CHARGE_CREATED ${id}`,
    `09:00:00.000 event    PAYMENT_CHARGE_AUTHENTICATION_PENDING ${id} - AWAITING_CONSUMER: waiting for the consumer on the approval page until 2026-01-15T09:15:00.000Z (the authentication timeout is 900 s)`,
    '09:00:00.000 request  POST /v1/payment-charges 200 (… ms)',
    `09:00:00.000 event    PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED ${id} - CONSUMER_APPROVED: the consumer approved through POST /sandbox/payment-charges/${id}/approve`,
    `09:00:00.000 event    PAYMENT_CHARGE_CAPTURE_SUCCEEDED ${id} - AUTO_CAPTURE: KakaoPay captures every approved charge at once: 15000 KRW captured with the authorization`,
    `09:00:00.000 request  POST /sandbox/payment-charges/${id}/approve 200 (… ms)`,
    '09:01:00.000 clock    clock +60 s (now +60 s)',
    '09:01:00.000 request  POST /sandbox/clock 200 (… ms)',
    '',
  ])

  // --json: the stream's own messages, one a line, exactly as the feed holds them.
  const json = await within(10_000, cli(['logs', '--json', '--limit', '8', ...to]), 'logs --json --limit 8')
  t.equal(json.code, 0)
  t.same(
    json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l)),
    JSON.parse(JSON.stringify(sb.app.feed.since(sb.merchantId, 0))),
  )

  // The stream's filters, on the real stream.
  const filtered = await within(10_000, cli(['logs', '--kinds', 'clock', '--limit', '1', ...to], { tty: true }), 'logs --kinds clock')
  t.equal(filtered.code, 0)
  t.match(filtered.stdout, /\x1b\[/, 'colour on a terminal')
  t.equal(filtered.stdout.replace(/\x1b\[\d+m/g, ''), '09:01:00.000 clock    clock +60 s (now +60 s)\n')
  // The server sees each reader's connection close a moment after the command is done with it.
  await within(
    5000,
    (async () => {
      while (sb.app.feed.listenerCount(sb.merchantId) > 0) await new Promise((r) => setTimeout(r, 10))
    })(),
    'every reader letting go of the stream',
  )
})
