import t from 'tap'
import type { Test } from 'tap'
import { COMMANDS } from '../../src/cli/commands.js'
import { MEANINGS } from '../../src/cli/config-flags.js'
import { ConfigSchema } from '../../src/config.js'
import { ManualClock } from '../../src/domain/clock.js'
import { startSandbox, type CreateChargeRequest, type Sandbox, type SandboxOptions } from '../../src/kit/index.js'
import { kakaoPayChargeRequest } from '../helpers/app.js'
import { cli } from '../helpers/cli.js'
import { freePort } from '../helpers/net.js'

const ANSI = /\x1b\[/

async function sandbox(t: Test, options: SandboxOptions = {}): Promise<{ sb: Sandbox; to: string[] }> {
  const sb = await startSandbox(options)
  t.teardown(() => sb.close())
  return { sb, to: ['--url', sb.url, '--merchant', sb.merchantId] }
}

t.test('--help lists every command; each command has its own help', async (t) => {
  const r = await cli(['--help'])
  t.equal(r.code, 0)
  t.equal(r.stderr, '')
  for (const c of COMMANDS) t.match(r.stdout, new RegExp(`\\n  ${c.name} +${c.summary.replace(/[()]/g, '\\$&')}\\n`), c.name)
  for (const c of COMMANDS) {
    const one = await cli([c.name, '--help'])
    t.equal(one.code, 0)
    t.ok(one.stdout.startsWith(`Usage: ppro-kakaopay-sandbox ${c.usage}\n`), `${c.name} --help`)
  }
  t.same(await cli(['help', 'trigger']), await cli(['trigger', '--help']))
  t.match((await cli(['--version'])).stdout, /^\d+\.\d+\.\d+\n$/)
})

t.test('start --help lists every configuration variable as a flag with its default', async (t) => {
  const variables = Object.keys(ConfigSchema.in.shape)
  t.same(Object.keys(MEANINGS).sort(), [...variables].sort(), 'a meaning for each variable, and no more')
  const { stdout, code } = await cli(['start', '--help'])
  t.equal(code, 0)
  t.match(stdout, /\n {2}--port +listening port \[PORT, default 8080\]\n/)
  t.match(stdout, /\n {2}--webhook-url +where every merchant's webhooks go \[WEBHOOK_URL\]\n/)
  t.match(
    stdout,
    /\n {2}--public-base-url +origin of approval page URLs \(requestUrl\) and _links \[PUBLIC_BASE_URL, default http:\/\/localhost:\$PORT\]\n/,
  )
  for (const v of variables) t.match(stdout, `--${v.toLowerCase().replace(/_/g, '-')} `, v)
})

t.test('mistakes in the command line: one line, exit 2', async (t) => {
  t.same(await cli(['bogus']), {
    code: 2,
    stdout: '',
    stderr:
      'ppro-kakaopay-sandbox: unknown command "bogus"; the commands are start, status, exec, trigger, approve, decline, cancel, expire, clock, logs, webhooks, faults\n',
  })
  t.same(await cli(['status', '--nope']), {
    code: 2,
    stdout: '',
    stderr: "ppro-kakaopay-sandbox: Unknown option '--nope'; see ppro-kakaopay-sandbox status --help\n",
  })
  t.same(await cli(['status', '-o', 'yaml']), {
    code: 2,
    stdout: '',
    stderr: 'ppro-kakaopay-sandbox: -o takes text, json or env, not "yaml"\n',
  })
  t.same(await cli(['approve']), { code: 2, stdout: '', stderr: 'ppro-kakaopay-sandbox: approve takes one charge or agreement id\n' })
  t.same(await cli(['clock', 'advance', 'soon']), {
    code: 2,
    stdout: '',
    stderr: 'ppro-kakaopay-sandbox: "soon" is not a duration: write 90, 90s, 15m, 2h, 1d or 1h30m\n',
  })
  t.same(await cli(['exec']), {
    code: 2,
    stdout: '',
    stderr: 'ppro-kakaopay-sandbox: exec needs a command after --, as in: ppro-kakaopay-sandbox exec -- npm test\n',
  })
  t.same(await cli(['start', '--port', 'eighty']), {
    code: 1,
    stdout: '',
    stderr: 'ppro-kakaopay-sandbox: invalid configuration: PORT: Invalid input: expected number, received NaN\n',
  })
})

t.test('no sandbox at --url: one line that says what to do, exit 1', async (t) => {
  const port = await freePort()
  t.same(await cli(['status', '--url', `http://127.0.0.1:${port}`]), {
    code: 1,
    stdout: '',
    stderr: `ppro-kakaopay-sandbox: no sandbox answers at http://127.0.0.1:${port} (connection refused): start one with \`ppro-kakaopay-sandbox start\`, or pass --url\n`,
  })
})

t.test('status as text, JSON and shell variables; credentials from flags or the environment exec sets', async (t) => {
  const { sb, to } = await sandbox(t)
  const json = await cli(['status', '-o', 'json', ...to])
  t.equal(json.code, 0)
  t.match(JSON.parse(json.stdout), {
    url: sb.url,
    apiKey: 'sk_test_sandbox',
    merchantId: sb.merchantId,
    webhookUrl: null,
    webhookSecret: sb.webhookSecret,
    publicBaseUrl: sb.url,
    clock: { offsetSeconds: 0 },
  })
  const env = { PPRO_BASE_URL: sb.url, PPRO_MERCHANT_ID: sb.merchantId, PPRO_API_KEY: 'sk_other' }
  t.same(await cli(['status', '-o', 'env'], { env }), {
    code: 0,
    stdout: `PPRO_BASE_URL=${sb.url}\nPPRO_API_KEY=sk_other\nPPRO_MERCHANT_ID=${sb.merchantId}\nPPRO_WEBHOOK_SECRET=${sb.webhookSecret}\n`,
    stderr: '',
  })
  const text = await cli(['status', ...to])
  t.equal(text.code, 0)
  t.match(
    text.stdout,
    new RegExp(
      `^● sandbox running\\n  url            ${sb.url}\\n  merchant       ${sb.merchantId}\\n  api key        sk_test_sandbox\\n  webhook url    none \\(webhooks are recorded only\\)\\n  webhook secret ${sb.webhookSecret}\\n  sandbox time   \\S+ \\(\\+0 s\\)\\n$`,
    ),
  )
  t.notMatch(text.stdout, ANSI, 'no colour in a pipe')
  t.match((await cli(['status', ...to], { tty: true })).stdout, ANSI, 'colour on a terminal')
  t.notMatch((await cli(['status', ...to], { tty: true, env: { NO_COLOR: '1' } })).stdout, ANSI, 'NO_COLOR is honoured')
})

t.test('trigger drives a charge or agreement to each named outcome', async (t) => {
  const { sb, to } = await sandbox(t)
  const expected: Record<string, RegExp> = {
    captured: /^charge_\w{21}  CAPTURED\n$/,
    declined: /^charge_\w{21}  FAILED AUTHENTICATION_FAILED\n$/,
    canceled: /^charge_\w{21}  FAILED CANCELED_BY_CONSUMER\n$/,
    expired: /^charge_\w{21}  DISCARDED\n$/,
    refunded: /^charge_\w{21}  REFUNDED\n$/,
    'partially-refunded': /^charge_\w{21}  CAPTURED\n$/,
    'agreement-active': /^agr_\w{21}  ACTIVE  first charge charge_\w{21}\n$/,
    'agreement-revoked': /^agr_\w{21}  REVOKED_BY_MERCHANT  first charge charge_\w{21}\n$/,
  }
  for (const [scenario, pattern] of Object.entries(expected)) {
    const r = await cli(['trigger', scenario, ...to])
    t.match(r, { code: 0, stderr: '' }, scenario)
    t.match(r.stdout, pattern, scenario)
  }
  const partly = await cli(['trigger', 'partially-refunded', '--json', ...to])
  t.match(JSON.parse(partly.stdout), { status: 'CAPTURED', refunds: [{ amount: 7500, status: 'REFUNDED' }] })

  const overridden = await cli([
    'trigger',
    'captured',
    '--set',
    'amount.value=350000',
    '--set',
    'merchantPaymentChargeReference=order-9',
    '--json',
    ...to,
  ])
  t.match(
    JSON.parse(overridden.stdout),
    { status: 'FAILED', failure: { failureCode: 'GENERIC_DECLINE' } },
    'the amount rule applies to --set values',
  )
  t.equal((await sb.client.searchCharges({ merchantPaymentChargeReference: 'order-9' })).data.length, 1)
  t.match(await cli(['trigger', 'declined', '--code', 'INSUFFICIENT_FUNDS', ...to]), { code: 0, stdout: /FAILED INSUFFICIENT_FUNDS\n$/ })

  t.same(await cli(['trigger', 'paid', ...to]), {
    code: 2,
    stdout: '',
    stderr:
      'ppro-kakaopay-sandbox: trigger takes one scenario: captured, declined, canceled, expired, refunded, partially-refunded, agreement-active, agreement-revoked (not paid)\n',
  })
  t.same(await cli(['trigger', 'captured', '--set', 'amount', ...to]), {
    code: 2,
    stdout: '',
    stderr: 'ppro-kakaopay-sandbox: --set takes field=value, as in --set amount.value=30000; got "amount"\n',
  })
  t.same(await cli(['trigger', 'captured', '--set', 'amount.value=-1', ...to]), {
    code: 1,
    stdout: '',
    stderr: 'ppro-kakaopay-sandbox: POST /v1/payment-charges answered 422: amount.value must not be negative\n',
  })
})

t.test('approve, decline, cancel and expire a charge or agreement by id', async (t) => {
  const { sb, to } = await sandbox(t)
  const charge = () => sb.client.createCharge(kakaoPayChargeRequest() as CreateChargeRequest).then((c) => c.id)
  const a = await charge()
  t.same(await cli(['approve', a, ...to]), { code: 0, stdout: `${a}  CAPTURED\n`, stderr: '' })
  const d = await charge()
  t.same(await cli(['decline', d, '--code', 'SUSPECTED_FRAUD', ...to]), { code: 0, stdout: `${d}  FAILED SUSPECTED_FRAUD\n`, stderr: '' })
  const c = await charge()
  t.same(await cli(['cancel', c, ...to]), { code: 0, stdout: `${c}  FAILED CANCELED_BY_CONSUMER\n`, stderr: '' })
  const e = await charge()
  t.same(await cli(['expire', e, ...to]), { code: 0, stdout: `${e}  DISCARDED\n`, stderr: '' })
  t.match(JSON.parse((await cli(['expire', await charge(), '--json', ...to])).stdout), { status: 'DISCARDED' })
  const agreement = await sb.client.createAgreement({
    paymentMethod: 'KAKAOPAY',
    consumer: { country: 'KR' },
    authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://shop.example/r' } }],
  })
  t.same(await cli(['approve', agreement.id, ...to]), { code: 0, stdout: `${agreement.id}  ACTIVE\n`, stderr: '' })

  t.same(await cli(['approve', a, ...to]), {
    code: 1,
    stdout: '',
    stderr: `ppro-kakaopay-sandbox: POST /sandbox/payment-charges/${a}/approve answered 409: payment charge ${a} is CAPTURED: its outcome is already decided, nothing was changed\n`,
  })
  t.same(await cli(['cancel', 'charge_nope', ...to]), {
    code: 1,
    stdout: '',
    stderr: 'ppro-kakaopay-sandbox: POST /sandbox/payment-charges/charge_nope/cancel answered 404: payment charge charge_nope not found\n',
  })
  t.same(await cli(['approve', 'order-1', ...to]), {
    code: 2,
    stdout: '',
    stderr: 'ppro-kakaopay-sandbox: "order-1" is not a payment charge (charge_…) or agreement (agr_…) id\n',
  })
})

t.test('clock shows and advances the sandbox clock', async (t) => {
  // A clock that stands still but for the sandbox's own moves, so every answer is known.
  const { sb, to } = await sandbox(t, { clock: new ManualClock(Date.parse('2026-01-15T09:00:00.000Z')) })
  const pending = await sb.client.createCharge(kakaoPayChargeRequest() as CreateChargeRequest)
  t.same(await cli(['clock', ...to]), { code: 0, stdout: 'sandbox time 2026-01-15T09:00:00.000Z (+0 s ahead of real time)\n', stderr: '' })
  t.same(await cli(['clock', 'advance', '15m', ...to]), {
    code: 0,
    stdout: 'sandbox time 2026-01-15T09:15:00.000Z (+900 s ahead of real time)\n',
    stderr: '',
  })
  t.match(JSON.parse((await cli(['clock', 'advance', '1h30m', '--json', ...to])).stdout), {
    now: '2026-01-15T10:45:00.000Z',
    offsetSeconds: 900 + 5400,
  })
  t.equal((await sb.client.getCharge(pending.id)).status, 'DISCARDED', 'the authentication timeout ran on the way')
})

t.test('webhooks list and replay', async (t) => {
  const { sb, to } = await sandbox(t)
  t.same(await cli(['webhooks', 'list', ...to]), { code: 0, stdout: 'no webhooks yet\n', stderr: '' })
  const charge = await sb.client.createCharge(kakaoPayChargeRequest() as CreateChargeRequest)
  await sb.approve(charge.id)
  const events = sb.webhooks()
  const list = await cli(['webhooks', 'list', ...to])
  t.equal(list.code, 0)
  t.same(
    list.stdout.trimEnd().split('\n'),
    events.map((e) => `${e.time}  ${e.id}  ${e.type}  ${charge.id}  NOT_SENT  no URL`),
  )
  const filtered = await cli(['webhooks', 'list', '--type', 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED', '--json', ...to])
  t.match(JSON.parse(filtered.stdout), [
    { type: 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED', subject: charge.id, status: 'NOT_SENT', payload: events[3] },
  ])
  t.equal(JSON.parse((await cli(['webhooks', '--charge', 'charge_other', '--json', ...to])).stdout).length, 0)
  t.same(await cli(['webhooks', 'replay', events[0]!.id, ...to]), {
    code: 0,
    stdout: `${events[0]!.time}  ${events[0]!.id}  PAYMENT_CHARGE_CREATED  ${charge.id}  NOT_SENT  no URL\n`,
    stderr: '',
  })
  t.same(await cli(['webhooks', 'replay', 'nope', ...to]), {
    code: 1,
    stdout: '',
    stderr: 'ppro-kakaopay-sandbox: POST /sandbox/webhooks/nope/replay answered 404: webhook event nope not found\n',
  })
  t.match(await cli(['webhooks', 'send', ...to]), { code: 2 })
})
