import t from 'tap'
import { buildTestApp, kakaoPayChargeRequest } from '../helpers/app.js'
import { logLines } from '../helpers/log.js'

t.test('Request-Reference names the request in the log; ignored fields are logged', async (t) => {
  const { stream, lines } = logLines()
  const ctx = await buildTestApp(t, { logger: { level: 'info', stream } })
  await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    headers: { 'request-reference': 'trace-42' },
    payload: { ...kakaoPayChargeRequest(), paymentDescripter: 'typo' },
  })
  const mine = lines.filter((l) => l.reqId === 'trace-42')
  t.ok(
    mine.some((l) => l.msg === 'incoming request'),
    'the request is logged under its Request-Reference',
  )
  t.match(
    mine.find((l) => l.level === 40),
    { unknownFields: ['paymentDescripter'], msg: /ignored/ },
    'the ignored field is named at warn',
  )
})

t.test('above info, a request that writes no line makes no logger; one that does writes it under its reqId', async (t) => {
  const { stream, lines } = logLines()
  const ctx = await buildTestApp(t, { logger: { level: 'warn', stream } })
  // Every request's logger comes from the server's logger: count the children made of it.
  const log = ctx.app.log
  const made: unknown[] = []
  const child = log.child.bind(log)
  log.child = ((bindings, options) => {
    made.push(bindings)
    return child(bindings, options)
  }) as typeof log.child

  const created = await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })
  t.equal(created.statusCode, 200)
  const read = await ctx.call({ method: 'GET', url: `/v1/payment-charges/${created.json().id}` })
  t.equal(read.statusCode, 200)
  t.same(made, [], 'no request logger was made for requests that wrote nothing')
  t.same(lines, [], 'and no line was written')

  await ctx.call({
    method: 'POST',
    url: '/v1/payment-charges',
    headers: { 'request-reference': 'trace-43' },
    payload: { ...kakaoPayChargeRequest(), paymentDescripter: 'typo' },
  })
  t.same(made, [{ reqId: 'trace-43' }], 'the request that warned made its logger, with its reqId')
  t.equal(lines.length, 1, 'one line: the warning (info lines stay out)')
  t.match(lines[0], { level: 40, reqId: 'trace-43', unknownFields: ['paymentDescripter'], msg: /ignored/ })
})

t.test('a route with a log level of its own gets pino child at once', async (t) => {
  const { requestLoggerFactory } = await import('../../src/http/request-logger.js')
  const { default: pino } = await import('pino')
  const logger = pino({ level: 'warn' }, logLines().stream)
  const eager = requestLoggerFactory(logger, { reqId: 'r1' }, { level: 'debug' }) as unknown as { bindings(): object; level: string }
  t.same(eager.bindings(), { reqId: 'r1' }, "pino's own child, with its bindings")
  t.equal(eager.level, 'debug')
  const lazy = requestLoggerFactory(logger, { reqId: 'r2' }, {})
  t.equal(lazy.level, 'warn', "a request logger reports its parent's level until it has a child")
  t.equal((lazy as unknown as { bindings?: unknown }).bindings, undefined, 'and is not a pino child')
})
