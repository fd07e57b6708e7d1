import t from 'tap'
import { chooseLogFormat, formatLogLine, prettyLogStream } from '../src/log-format.js'

const T = Date.parse('2026-01-15T09:00:00.123Z')

t.test('one readable line per request, per decision and per message', async (t) => {
  const out: string[] = []
  const stream = prettyLogStream({ write: (s: string) => out.push(s) }, false)
  const lines = [
    { level: 30, time: T, reqId: 'trace-42', req: { method: 'POST', url: '/v1/payment-charges' }, msg: 'incoming request' },
    { level: 30, time: T, component: 'sandbox', type: 'PAYMENT_CHARGE_CREATED', subject: 'charge_1', event: 'e1', msg: 'event' },
    { level: 40, time: T, reqId: 'trace-42', unknownFields: ['paymentDescripter'], msg: 'request carried fields PPRO does not define' },
    { level: 30, time: T, reqId: 'trace-42', res: { statusCode: 200 }, responseTime: 3.14159, msg: 'request completed' },
  ]
  // Chunks need not end at line ends.
  const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n'
  stream.write(text.slice(0, 50))
  stream.write(text.slice(50))
  t.same(out, [
    '09:00:00.123 INFO  PAYMENT_CHARGE_CREATED charge_1 e1\n',
    '09:00:00.123 WARN  request carried fields PPRO does not define unknownFields=["paymentDescripter"]\n',
    '09:00:00.123 INFO  POST /v1/payment-charges 200 3.1 ms trace-42\n',
  ])
})

t.test("a faulted request's line names the fault", async (t) => {
  const pending = new Map()
  formatLogLine(
    JSON.stringify({ level: 30, time: T, reqId: 'r1', req: { method: 'POST', url: '/v1/payment-charges' }, msg: 'incoming request' }),
    pending,
    false,
  )
  const done = {
    level: 30,
    time: T,
    reqId: 'r1',
    fault: 'lost-response; status=504; rule=fault_1',
    res: { statusCode: 504 },
    responseTime: 2,
    msg: 'request completed',
  }
  t.equal(
    formatLogLine(JSON.stringify(done), pending, false),
    '09:00:00.123 INFO  POST /v1/payment-charges 504 2.0 ms fault: lost-response; status=504; rule=fault_1 r1',
  )
})

t.test('colours only when asked; errors keep their stack; other text passes through', async (t) => {
  const pending = new Map()
  const red = formatLogLine(
    JSON.stringify({ level: 50, time: T, msg: 'boom', err: { message: 'x', stack: 'Error: x\n    at f' } }),
    pending,
    true,
  )
  t.equal(red, '\x1b[90m09:00:00.123\x1b[0m \x1b[31mERROR\x1b[0m boom \x1b[90merr=\x1b[0m"x"\nError: x\n    at f')
  t.equal(formatLogLine('not json', pending, false), 'not json')
})

t.test('the format: pretty on a terminal, JSON lines elsewhere, LOG_FORMAT wins', async (t) => {
  t.equal(chooseLogFormat(undefined, true), 'pretty')
  t.equal(chooseLogFormat(undefined, false), 'json')
  t.equal(chooseLogFormat('json', true), 'json')
  t.equal(chooseLogFormat('pretty', false), 'pretty')
})
