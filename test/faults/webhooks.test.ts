import t from 'tap'
import type { Test } from 'tap'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import ts from 'typescript'
import { AUTH, buildTestApp, OTHER_AUTH, kakaoPayChargeRequest, type TestApp } from '../helpers/app.js'
import { logLines } from '../helpers/log.js'
import { receiver, type Received } from '../helpers/receiver.js'
import { verifyWebhook } from '../../src/webhooks/signing.js'

const SECRET = 'whsec_test'

async function setup(t: Test, answer?: (n: number, r: Received) => number) {
  const hook = await receiver(t, answer)
  const ctx = await buildTestApp(t, {
    config: { webhooks: { url: hook.url, secret: SECRET, timeoutMs: 2000, retryBaseMs: 15000, maxAttempts: 15 } },
  })
  const addRule = async (rule: unknown, headers: Record<string, string> = {}) => {
    const res = await ctx.call({ method: 'POST', url: '/sandbox/faults', payload: rule as object, headers })
    t.equal(res.statusCode, 201, 'rule added')
    return res.json() as { id: string }
  }
  return { hook, ctx, addRule }
}

/** A charge the consumer approves: CREATED, AUTHENTICATION_PENDING, AUTHORIZATION_SUCCEEDED, CAPTURE_SUCCEEDED. */
async function approved(ctx: TestApp, headers: Record<string, string> = AUTH): Promise<string> {
  const charge = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest(), headers })).json()
  await ctx.call({ method: 'POST', url: `/sandbox/payment-charges/${charge.id}/approve`, headers })
  return charge.id
}

const attempts = async (ctx: TestApp, chargeId: string, type: string) =>
  (await ctx.call({ method: 'GET', url: `/sandbox/webhooks?chargeId=${chargeId}&type=${type}` })).json().data[0]

const nowSeconds = (ctx: TestApp) => Math.floor(ctx.app.sandbox.clock.now() / 1000)

t.test('duplicate: the same event, same id and bytes, arrives twice; other merchants get it once', async (t) => {
  const { hook, ctx, addRule } = await setup(t)
  const rule = await addRule({ webhook: { kind: 'duplicate', eventType: 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED' }, count: 1 })
  const id = await approved(ctx)
  const other = await approved(ctx, OTHER_AUTH)
  await ctx.app.sandbox.webhooks.idle()
  const mine = hook.received.filter((r) => r.json.subject === id)
  t.same(
    mine.map((r) => r.json.type),
    [
      'PAYMENT_CHARGE_CREATED',
      'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
      'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED',
      'PAYMENT_CHARGE_CAPTURE_SUCCEEDED',
      'PAYMENT_CHARGE_CAPTURE_SUCCEEDED',
    ],
  )
  const [a, b] = mine.slice(3)
  t.equal(a!.json.id, b!.json.id, 'the same event id')
  t.equal(a!.body, b!.body, 'the same bytes')
  for (const r of mine) t.same(verifyWebhook(r.body, r.headers, SECRET, { nowSeconds: nowSeconds(ctx) }), { ok: true }, 'correctly signed')
  t.equal(
    hook.received.filter((r) => r.json.subject === other && r.json.type === 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED').length,
    1,
    "the other merchant's capture once",
  )
  const d = await attempts(ctx, id, 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED')
  t.equal(d.status, 'DELIVERED')
  t.match(d.attempts, [
    { attempt: 1, statusCode: 200, fault: `duplicate; rule=${rule.id}` },
    { attempt: 2, statusCode: 200, replay: true, fault: `duplicate; copy=2; rule=${rule.id}` },
  ])
})

t.test('reorder: an event is held back until the next event of the charge has arrived', async (t) => {
  const { hook, ctx, addRule } = await setup(t)
  const rule = await addRule({ webhook: { kind: 'reorder', eventType: 'PAYMENT_CHARGE_CREATED' } })
  const charge = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })).json()
  await ctx.app.sandbox.webhooks.idle()
  t.same(
    hook.received.map((r) => r.json.type),
    ['PAYMENT_CHARGE_AUTHENTICATION_PENDING', 'PAYMENT_CHARGE_CREATED'],
    'reversed',
  )
  const d = await attempts(ctx, charge.id, 'PAYMENT_CHARGE_CREATED')
  t.match(d, { status: 'DELIVERED', attempts: [{ attempt: 1, statusCode: 200, fault: `reorder; rule=${rule.id}` }] })
  t.equal(d.attempts.length, 1, 'sent once')

  // The last event of a charge has no next one: it is sent after delaySeconds of sandbox time.
  await addRule({ webhook: { kind: 'reorder', eventType: 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED', delaySeconds: 30 } })
  await ctx.call({ method: 'POST', url: `/sandbox/payment-charges/${charge.id}/approve` })
  await ctx.app.sandbox.webhooks.idle()
  t.equal(hook.received.length, 3, 'the capture is held')
  t.match(await attempts(ctx, charge.id, 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED'), {
    status: 'PENDING',
    held: /^reorder; rule=fault_/,
    attempts: [],
  })
  ctx.app.sandbox.advance(30_000)
  await ctx.app.sandbox.webhooks.idle()
  t.same(
    hook.received.slice(2).map((r) => r.json.type),
    ['PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED', 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED'],
  )
})

t.test('delay: held for delaySeconds of sandbox time, then sent and signed at that time', async (t) => {
  const { hook, ctx, addRule } = await setup(t)
  const rule = await addRule({ webhook: { kind: 'delay', eventType: 'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED', delaySeconds: 60 } })
  const id = await approved(ctx)
  await ctx.app.sandbox.webhooks.idle()
  t.same(
    hook.received.map((r) => r.json.type),
    ['PAYMENT_CHARGE_CREATED', 'PAYMENT_CHARGE_AUTHENTICATION_PENDING', 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED'],
    'later events of the charge are not held up',
  )
  t.match(await attempts(ctx, id, 'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED'), {
    status: 'PENDING',
    held: `delay; delaySeconds=60; rule=${rule.id}`,
    attempts: [],
  })
  ctx.app.sandbox.advance(59_000)
  await ctx.app.sandbox.webhooks.idle()
  t.equal(hook.received.length, 3, 'not yet after 59 s')
  ctx.app.sandbox.advance(1_000)
  await ctx.app.sandbox.webhooks.idle()
  const last = hook.received[3]!
  t.equal(last.json.type, 'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED')
  t.same(verifyWebhook(last.body, last.headers, SECRET, { nowSeconds: nowSeconds(ctx) }), { ok: true }, 'signed when sent')
  const d = await attempts(ctx, id, 'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED')
  t.match(d.attempts, [{ attempt: 1, at: '2026-01-15T09:01:00.000Z', statusCode: 200, fault: `delay; delaySeconds=60; rule=${rule.id}` }])
  t.notOk('held' in d, 'no longer held')
})

/** The docs' verification snippet (`verifyPproWebhook`, in docs/webhooks.md), compiled and loaded as a merchant would paste it. */
async function readmeVerifier(t: Test): Promise<(body: string, headers: Record<string, string | undefined>, secret: string) => boolean> {
  const root = new URL('../../', import.meta.url)
  const readme = await readFile(new URL('docs/webhooks.md', root), 'utf8')
  const source = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((s) => s.includes('function verifyPproWebhook'))
  t.ok(source, "the README's verification snippet")
  const js = ts.transpileModule(source!, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
  const file = join(t.testdir({}), 'verify.mjs')
  await writeFile(file, js)
  return ((await import(file)) as { verifyPproWebhook: never }).verifyPproWebhook
}

t.test(
  "bad-signature: the delivery fails verifyWebhook and the README's snippet; the receiver's 401 is retried, signed well",
  async (t) => {
    const verifyPproWebhook = await readmeVerifier(t)
    const { hook, ctx, addRule } = await setup(t, (_n, r) =>
      verifyWebhook(r.body, r.headers, SECRET, { toleranceSeconds: 0 }).ok ? 200 : 401,
    )
    const rule = await addRule({ webhook: { kind: 'bad-signature', eventType: 'PAYMENT_CHARGE_CREATED' } })
    const charge = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })).json()
    await ctx.app.sandbox.webhooks.idle()
    const bad = hook.received[0]!
    t.equal(bad.json.type, 'PAYMENT_CHARGE_CREATED')
    t.same(verifyWebhook(bad.body, bad.headers, SECRET, { nowSeconds: nowSeconds(ctx) }), {
      ok: false,
      reason: 'Webhook-Signature does not match the body',
    })
    t.equal(verifyPproWebhook(bad.body, bad.headers as Record<string, string>, SECRET), false, "the README's snippet refuses it")
    const good = hook.received[1]!
    t.equal(good.json.type, 'PAYMENT_CHARGE_AUTHENTICATION_PENDING')
    t.equal(verifyPproWebhook(good.body, good.headers as Record<string, string>, SECRET), true, 'and takes the next, unfaulted one')

    ctx.app.sandbox.advance(15_000)
    await ctx.app.sandbox.webhooks.idle()
    const retried = hook.received[2]!
    t.equal(retried.json.id, bad.json.id, 'the retry of the refused event')
    t.equal(verifyPproWebhook(retried.body, retried.headers as Record<string, string>, SECRET), true, 'is signed correctly')
    const d = await attempts(ctx, charge.id, 'PAYMENT_CHARGE_CREATED')
    t.equal(d.status, 'DELIVERED')
    t.match(d.attempts, [
      { attempt: 1, statusCode: 401, fault: `bad-signature; rule=${rule.id}` },
      { attempt: 2, statusCode: 200 },
    ])
    t.notOk('fault' in d.attempts[1], 'the retry is not faulted')
  },
)

t.test('stale-signature: correctly signed, but the PPRO-Signature timestamp is too old for a receiver', async (t) => {
  const { hook, ctx, addRule } = await setup(t)
  const rule = await addRule({ webhook: { kind: 'stale-signature', staleSeconds: 900 }, count: 1 })
  await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })
  await ctx.app.sandbox.webhooks.idle()
  const [stale, fresh] = hook.received as [Received, Received]
  const now = nowSeconds(ctx)
  t.same(verifyWebhook(stale.body, stale.headers, SECRET, { nowSeconds: now }), {
    ok: false,
    reason: `PPRO-Signature timestamp ${now - 900} is 900 s from now, outside the 300 s tolerance`,
  })
  t.same(
    verifyWebhook(stale.body, stale.headers, SECRET, { nowSeconds: now, toleranceSeconds: 0 }),
    { ok: true },
    'the signature itself is right',
  )
  t.same(verifyWebhook(fresh.body, fresh.headers, SECRET, { nowSeconds: now }), { ok: true })
  const list = (await ctx.call({ method: 'GET', url: '/sandbox/webhooks' })).json().data
  t.same(
    list.map((d: { attempts: Array<{ fault?: string }> }) => d.attempts.map((a) => a.fault ?? null)),
    [[`stale-signature; staleSeconds=900; rule=${rule.id}`], [null]],
  )
})

t.test("a merchant's webhook rules never touch another merchant's deliveries; reset clears them", async (t) => {
  const { hook, ctx, addRule } = await setup(t)
  await addRule({ webhook: { kind: 'bad-signature' }, count: 100 })
  await approved(ctx, OTHER_AUTH)
  await ctx.app.sandbox.webhooks.idle()
  t.equal(hook.received.length, 4)
  for (const r of hook.received) t.same(verifyWebhook(r.body, r.headers, SECRET, { nowSeconds: nowSeconds(ctx) }), { ok: true })
  await ctx.call({ method: 'DELETE', url: '/sandbox/data' })
  await approved(ctx)
  await ctx.app.sandbox.webhooks.idle()
  t.equal(hook.received.length, 8)
  for (const r of hook.received.slice(4))
    t.same(verifyWebhook(r.body, r.headers, SECRET, { nowSeconds: nowSeconds(ctx) }), { ok: true }, 'rules gone with the reset')
})

t.test('every webhook fault is a log line naming the event and the rule', async (t) => {
  const { stream, lines } = logLines()
  const hook = await receiver(t)
  const ctx = await buildTestApp(t, {
    logger: { level: 'info', stream },
    config: { webhooks: { url: hook.url, secret: SECRET, timeoutMs: 2000, retryBaseMs: 15000, maxAttempts: 15 } },
  })
  await ctx.call({
    method: 'POST',
    url: '/sandbox/faults',
    payload: { webhook: { kind: 'bad-signature', eventType: 'PAYMENT_CHARGE_CREATED' } },
  })
  await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest() })
  await ctx.app.sandbox.webhooks.idle()
  t.match(
    lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('webhook fault injected')),
    [
      {
        level: 30,
        component: 'faults',
        eventId: hook.received[0]!.json.id,
        type: 'PAYMENT_CHARGE_CREATED',
        rule: 'fault_1',
        msg: 'webhook fault injected: PAYMENT_CHARGE_CREATED signed with a wrong secret',
      },
    ],
  )
})
