import t from 'tap'
import { Writable } from 'node:stream'
import { buildTestApp, kakaoPayChargeRequest } from '../helpers/app.js'

t.test('Request-Reference names the request in the log; ignored fields are logged', async (t) => {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l))
      cb()
    },
  })
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
