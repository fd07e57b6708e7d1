import t, { type Test } from 'tap'
import { describeMessage, readEvents } from '../../src/cli/logs.js'
import { cli } from '../helpers/cli.js'
import { listen } from '../helpers/net.js'

// `logs` reads GET /sandbox/events/stream as the observability contract defines it: `event: <kind>`,
// `id: <seq>`, `data: <JSON>`, heartbeat comments, `gap` and `dropped` notices. A server speaking
// exactly that stands in for the sandbox's feed here.
const MESSAGES = [
  {
    seq: 1,
    kind: 'event',
    at: '2026-01-15T09:00:00.010Z',
    sandboxTime: '2026-01-15T09:00:00.000Z',
    chargeId: 'charge_1',
    type: 'PAYMENT_CHARGE_CREATED',
    eventId: 'e1',
    payload: {},
  },
  {
    seq: 2,
    kind: 'delivery',
    at: '2026-01-15T09:00:00.020Z',
    sandboxTime: '2026-01-15T09:00:00.000Z',
    chargeId: 'charge_1',
    eventId: 'e1',
    type: 'PAYMENT_CHARGE_CREATED',
    url: 'http://127.0.0.1:3000/hooks',
    attempt: 1,
    statusCode: 500,
    durationMs: 3,
    nextAttemptAt: '2026-01-15T09:00:15.000Z',
    replay: false,
    reason: { code: 'RECEIVER_REFUSED', message: 'the receiver answered 500' },
  },
  {
    seq: 3,
    kind: 'request',
    at: '2026-01-15T09:00:00.030Z',
    sandboxTime: '2026-01-15T09:00:00.000Z',
    chargeId: 'charge_1',
    method: 'POST',
    path: '/v1/payment-charges',
    status: 200,
    durationMs: 4.2,
    requestId: 'r1',
  },
  {
    seq: 4,
    kind: 'consumer',
    at: '2026-01-15T09:00:01.000Z',
    sandboxTime: '2026-01-15T09:00:01.000Z',
    chargeId: 'charge_1',
    action: 'approved',
  },
  {
    seq: 5,
    kind: 'clock',
    at: '2026-01-15T09:00:02.000Z',
    sandboxTime: '2026-01-15T09:15:02.000Z',
    offsetSeconds: 900,
    advancedSeconds: 900,
  },
]

async function feedServer(t: Test, body: (send: (chunk: string) => void, end: () => void) => void) {
  const seen: Array<{ url: string; headers: Record<string, unknown> }> = []
  const server = await listen((req, res) => {
    seen.push({ url: req.url!, headers: req.headers })
    if (!req.url!.startsWith('/sandbox/events/stream')) return res.writeHead(404).end()
    if (req.url!.includes('kinds=nonsense'))
      return res
        .writeHead(400, { 'content-type': 'application/json' })
        .end('{"status":400,"failureMessage":"kinds has unknown kind(s) nonsense"}')
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    body(
      (chunk) => res.write(chunk),
      () => res.end(),
    )
  })
  t.teardown(server.close)
  return { url: server.url, seen }
}

const frame = (m: { seq: number; kind: string }) => `event: ${m.kind}\nid: ${m.seq}\ndata: ${JSON.stringify(m)}\n\n`

t.test('logs: one readable line per message, with the reason; --json passes the messages on', async (t) => {
  const feed = await feedServer(t, (send) => {
    send(': ping\n\n')
    for (const m of MESSAGES) send(frame(m))
  })
  const to = ['--url', feed.url, '--merchant', 'merch_logs', '--api-key', 'sk_logs']
  t.same(await cli(['logs', '--follow', '--limit', '5', ...to]), {
    code: 0,
    stdout: [
      '09:00:00.000 event    PAYMENT_CHARGE_CREATED charge_1',
      '09:00:00.000 delivery PAYMENT_CHARGE_CREATED -> http://127.0.0.1:3000/hooks 500 (attempt 1, 3 ms), next at 2026-01-15T09:00:15.000Z - RECEIVER_REFUSED: the receiver answered 500',
      '09:00:00.000 request  POST /v1/payment-charges 200 (4.2 ms)',
      '09:00:01.000 consumer consumer approved charge_1',
      '09:15:02.000 clock    clock +900 s (now +900 s)',
      '',
    ].join('\n'),
    stderr: '',
  })
  t.match(feed.seen[0], {
    url: '/sandbox/events/stream?lastEventId=0',
    headers: { authorization: 'Bearer sk_logs', 'merchant-id': 'merch_logs', accept: 'text/event-stream' },
  })

  const json = await cli(['logs', '--json', '--limit', '5', '--kinds', 'event,delivery', '--charge', 'charge_1', ...to])
  t.equal(json.code, 0)
  t.same(
    json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l)),
    MESSAGES,
  )
  t.equal(
    feed.seen[1]!.url,
    '/sandbox/events/stream?lastEventId=0&kinds=event%2Cdelivery&chargeId=charge_1',
    'filters are the stream’s query',
  )

  const tty = await cli(['logs', '--limit', '1', ...to], { tty: true })
  t.match(tty.stdout, /\x1b\[/, 'colour on a terminal')
  t.notMatch((await cli(['logs', '--limit', '1', ...to])).stdout, /\x1b\[/, 'none in a pipe')
})

t.test('logs: the end of the stream, a gap, a drop, a refusal, a sandbox without a feed', async (t) => {
  const ends = await feedServer(t, (send, end) => {
    send(frame(MESSAGES[0]!))
    send(`event: gap\ndata: ${JSON.stringify({ reason: 'messages 2 to 9 are no longer kept', lastEventId: 1, resumesAt: 10 })}\n\n`)
    send(frame(MESSAGES[2]!))
    end()
  })
  t.same(await cli(['logs', '--url', ends.url]), {
    code: 0,
    stdout: '09:00:00.000 event    PAYMENT_CHARGE_CREATED charge_1\n09:00:00.000 request  POST /v1/payment-charges 200 (4.2 ms)\n',
    stderr: 'gap: messages 2 to 9 are no longer kept\n',
  })
  const dropped = await feedServer(t, (send, end) => {
    send(`event: dropped\ndata: ${JSON.stringify({ reason: 'the reader fell 1048576 bytes behind' })}\n\n`)
    end()
  })
  t.same(await cli(['logs', '--url', dropped.url]), {
    code: 1,
    stdout: '',
    stderr: 'ppro-kakaopay-sandbox: the sandbox dropped the stream: the reader fell 1048576 bytes behind\n',
  })
  const refused = await feedServer(t, () => {})
  t.same(await cli(['logs', '--kinds', 'nonsense', '--url', refused.url]), {
    code: 1,
    stdout: '',
    stderr:
      'ppro-kakaopay-sandbox: GET /sandbox/events/stream?lastEventId=0&kinds=nonsense answered 400: {"status":400,"failureMessage":"kinds has unknown kind(s) nonsense"}\n',
  })
  const none = await listen((_req, res) => res.writeHead(404).end())
  t.teardown(none.close)
  t.same(await cli(['logs', '--url', none.url]), {
    code: 1,
    stdout: '',
    stderr: 'ppro-kakaopay-sandbox: this sandbox has no event feed (GET /sandbox/events/stream answered 404): update it\n',
  })
  t.same(await cli(['logs', '--limit', 'all', '--url', none.url]), {
    code: 2,
    stdout: '',
    stderr: 'ppro-kakaopay-sandbox: --limit takes a positive whole number\n',
  })
})

t.test('the event-stream reader: fields, multi-line data, comments, CRLF, chunks split anywhere', async (t) => {
  const text = ': ping\n\nevent: delivery\nid: 7\ndata: {"a":\ndata: 1}\n\nid: 8\ndata: x\r\n\r\n'
  const chunks = async function* () {
    const bytes = new TextEncoder().encode(text)
    for (let i = 0; i < bytes.length; i += 3) yield bytes.slice(i, i + 3)
  }
  const out = []
  for await (const m of readEvents(chunks())) out.push(m)
  t.same(out, [
    { event: 'delivery', id: '7', data: '{"a":\n1}' },
    { event: 'message', id: '8', data: 'x' },
  ])
})

t.test('an injected fault is named on its request or delivery line; no answer at all is said so', async (t) => {
  const paint = (_c: string, text: string) => text
  const at = { at: '2026-01-15T09:00:00.010Z', sandboxTime: '2026-01-15T09:00:00.000Z' }
  const lost = { seq: 1, kind: 'request', ...at, method: 'POST', path: '/v1/payment-charges', status: 504, durationMs: 2 }
  t.equal(
    describeMessage(
      { ...lost, fault: { kind: 'lost-response', source: 'rule', ruleId: 'fault_1', status: 504, processedStatus: 200 } },
      paint,
    ),
    '09:00:00.000 request  POST /v1/payment-charges 504 (2 ms) [fault lost-response by fault_1]',
  )
  t.equal(
    describeMessage({ ...lost, status: 0, fault: { kind: 'reset', source: 'header' } }, paint),
    '09:00:00.000 request  POST /v1/payment-charges no answer (2 ms) [fault reset by header]',
  )
  const copy = { ...MESSAGES[1]!, statusCode: 200, nextAttemptAt: undefined, reason: undefined, attempt: 2, replay: true }
  t.equal(
    describeMessage({ ...copy, fault: { kind: 'duplicate', ruleId: 'fault_2', copy: 2 } }, paint),
    '09:00:00.000 delivery PAYMENT_CHARGE_CREATED -> http://127.0.0.1:3000/hooks 200 (attempt 2, replay, 3 ms) [fault duplicate copy 2 by fault_2]',
  )
})
