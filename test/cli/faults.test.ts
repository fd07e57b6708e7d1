import t from 'tap'
import type { Test } from 'tap'
import { PproError, startSandbox, type CreateChargeRequest, type Sandbox } from '../../src/kit/index.js'
import { kakaoPayChargeRequest } from '../helpers/app.js'
import { cli } from '../helpers/cli.js'

async function sandbox(t: Test): Promise<{ sb: Sandbox; to: string[] }> {
  const sb = await startSandbox()
  t.teardown(() => sb.close())
  return { sb, to: ['--url', sb.url, '--merchant', sb.merchantId] }
}

const charge = () => kakaoPayChargeRequest() as CreateChargeRequest

t.test('faults add 504-after --path: the next create is processed and answered 504; list shows it fired', async (t) => {
  const { sb, to } = await sandbox(t)
  t.same(await cli(['faults', 'list', ...to]), { code: 0, stdout: 'no fault rules\n', stderr: '' })
  t.same(await cli(['faults', 'add', '504-after', '--path', '/v1/payment-charges', '--method', 'post', ...to]), {
    code: 0,
    stdout: 'fault_1  lost-response status=504  POST /v1/payment-charges  1 of 1 left  fired 0 of 0\n',
    stderr: '',
  })
  const lost = await sb.client.createCharge(charge(), { idempotencyKey: 'k1' }).catch((e: unknown) => e)
  t.ok(lost instanceof PproError && lost.status === 504, 'the create answered 504')
  t.equal((await sb.client.searchCharges({})).data.length, 1, 'and made the charge')
  t.same(await cli(['faults', 'list', ...to]), {
    code: 0,
    stdout: 'fault_1  lost-response status=504  POST /v1/payment-charges  0 of 1 left  fired 1 of 1\n',
    stderr: '',
  })
  const json = await cli(['faults', 'list', '--json', ...to])
  t.equal(json.code, 0)
  t.same(JSON.parse(json.stdout), await sb.faults.list(), 'the rules as the API lists them')
})

t.test('faults add: every preset and its flags, or the whole rule as JSON', async (t) => {
  const { sb, to } = await sandbox(t)
  const cases: Array<[string[], string]> = [
    [['lost-response', '--status', '502', '--reference', 'order-9'], 'lost-response status=502  any /v1/* ref=order-9  1 of 1 left'],
    [['error', '--status', '429', '--retry-after', '5', '--count', '3'], 'error status=429 retryAfterSeconds=5  any /v1/*  3 of 3 left'],
    [
      ['latency', '--latency', '100-400', '--probability', '0.5', '--seed', '7'],
      'latency latencyMs=100-400  any /v1/*  probability 0.5 seed 7',
    ],
    [['latency', '--latency', '250', '--method', 'GET'], 'latency latencyMs=250  GET /v1/*  1 of 1 left'],
    [['disconnect', '--path', '/v1/payment-charges/{id}/refunds'], 'disconnect  any /v1/payment-charges/{id}/refunds  1 of 1 left'],
    [['reset'], 'reset  any /v1/*  1 of 1 left'],
    [['hang'], 'hang  any /v1/*  1 of 1 left'],
    [['duplicate', '--event-type', 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED'], 'duplicate  webhook PAYMENT_CHARGE_CAPTURE_SUCCEEDED  1 of 1 left'],
    [['reorder'], 'reorder  webhook any event  1 of 1 left'],
    [['delay', '--delay-seconds', '90'], 'delay delaySeconds=90  webhook any event  1 of 1 left'],
    [['bad-signature', '--count', '2'], 'bad-signature  webhook any event  2 of 2 left'],
    [['stale-signature', '--stale-seconds', '900'], 'stale-signature staleSeconds=900  webhook any event  1 of 1 left'],
  ]
  let n = 0
  for (const [args, line] of cases) {
    n++
    t.same(await cli(['faults', 'add', ...args, ...to]), { code: 0, stdout: `fault_${n}  ${line}  fired 0 of 0\n`, stderr: '' }, args[0]!)
  }
  const raw = await cli([
    'faults',
    'add',
    '--rule',
    '{"match":{"method":"GET"},"fault":{"kind":"error","status":503},"count":2}',
    '--json',
    ...to,
  ])
  t.equal(raw.code, 0)
  t.match(JSON.parse(raw.stdout), {
    id: `fault_${n + 1}`,
    match: { method: 'GET' },
    fault: { kind: 'error', status: 503 },
    count: 2,
    remaining: 2,
  })
  t.same(
    (await sb.faults.list()).map((r) => r.fault?.kind ?? r.webhook?.kind),
    [...cases.map(([a]) => (a[0] === '504-after' ? 'lost-response' : a[0])), 'error'],
  )
})

t.test('faults remove and clear', async (t) => {
  const { sb, to } = await sandbox(t)
  await sb.faults.add({ fault: { kind: 'reset' } })
  await sb.faults.add({ webhook: { kind: 'duplicate' } })
  t.same(await cli(['faults', 'remove', 'fault_1', ...to]), {
    code: 0,
    stdout: 'removed fault_1  reset  any /v1/*  1 of 1 left  fired 0 of 0\n',
    stderr: '',
  })
  t.same(await cli(['faults', 'remove', 'fault_1', ...to]), {
    code: 1,
    stdout: '',
    stderr: 'ppro-kakaopay-sandbox: DELETE /sandbox/faults/fault_1 answered 404: fault rule fault_1 not found\n',
  })
  await sb.faults.add({ fault: { kind: 'hang' } })
  t.same(await cli(['faults', 'clear', ...to]), { code: 0, stdout: 'removed 2 fault rules\n', stderr: '' })
  t.same(await cli(['faults', 'clear', '--json', ...to]), { code: 0, stdout: '{"deleted":0}\n', stderr: '' })
  t.same(await sb.faults.list(), [])
})

t.test('faults: mistakes are one line, exit 2; a rule the sandbox refuses is exit 1 with its reason', async (t) => {
  const { sb, to } = await sandbox(t)
  const usage = (stderr: string) => ({ code: 2, stdout: '', stderr: `ppro-kakaopay-sandbox: ${stderr}\n` })
  t.same(
    await cli(['faults', 'add', ...to]),
    usage(
      'faults add takes a preset (504-after, lost-response, error, latency, disconnect, reset, hang, duplicate, reorder, delay, bad-signature, stale-signature), or --rule <json>',
    ),
  )
  t.same(
    await cli(['faults', 'add', 'explode', ...to]),
    usage(
      'faults add takes a preset (504-after, lost-response, error, latency, disconnect, reset, hang, duplicate, reorder, delay, bad-signature, stale-signature), not "explode", or --rule <json>',
    ),
  )
  t.same(
    await cli(['faults', 'add', 'reset', '--event-type', 'PAYMENT_CHARGE_CREATED', ...to]),
    usage('--event-type is for webhook faults; reset is an API fault'),
  )
  t.same(
    await cli(['faults', 'add', 'duplicate', '--path', '/v1/payment-charges', ...to]),
    usage('--path is for API faults; duplicate is a webhook fault'),
  )
  t.same(await cli(['faults', 'add', 'reset', '--count', 'twice', ...to]), usage('--count takes a number, not "twice"'))
  t.same(
    await cli(['faults', 'add', '--rule', '{nope', ...to]),
    usage(`--rule takes a rule as JSON, as in --rule '{"fault":{"kind":"reset"}}'`),
  )
  t.same(
    await cli(['faults', 'add', 'reset', '--rule', '{}', ...to]),
    usage('--rule is the whole rule: give it no preset and no other flag'),
  )
  t.same(await cli(['faults', 'list', '--count', '2', ...to]), usage('--count is a flag of faults add'))
  t.same(
    await cli(['faults', 'remove', ...to]),
    usage('faults takes: add <preset> [flags], add --rule <json>, list, remove <id>, or clear'),
  )
  t.same(await cli(['faults', 'add', 'error', '--status', '404', ...to]), {
    code: 1,
    stdout: '',
    stderr:
      'ppro-kakaopay-sandbox: POST /sandbox/faults answered 400: invalid fault rule: fault.status must be one of 429, 500, 502, 503, 504 for an error fault\n',
  })
  t.same(await cli(['faults', 'add', 'latency', ...to]), {
    code: 1,
    stdout: '',
    stderr:
      'ppro-kakaopay-sandbox: POST /sandbox/faults answered 400: invalid fault rule: fault.latencyMs is required for a latency fault\n',
  })
  t.same(await sb.faults.list(), [], 'nothing was stored by any of them')
  const help = await cli(['faults', '--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /\n {2}504-after {8}API: processed, then answered 504 \(the lost response\)\n/)
  t.match(help.stdout, /\n {2}stale-signature {2}webhook: /)
})
