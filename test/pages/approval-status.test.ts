import t, { type Test } from 'tap'
import type { AddressInfo } from 'node:net'
import { APPROVAL_SCRIPT_PATH, APPROVAL_SCRIPT_SRC, APPROVAL_SCRIPT_VERSION } from '../../src/http/pages/approval-script.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { sse } from '../helpers/sse.js'

const RETURN_URL = 'https://www.webshop.com/order-results-page'

async function listening(t: Test) {
  const ctx = await buildTestApp(t, { config: { authTimeoutSeconds: 900 } })
  await ctx.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = ctx.app.server.address() as AddressInfo
  return { ctx, origin: `http://127.0.0.1:${port}` }
}

const createCharge = async (ctx: TestApp, overrides: Record<string, unknown> = {}) => (await ctx.createCharge(overrides)).id as string

const statuses = (frames: Array<{ event?: string; data?: string }>) =>
  frames.filter((f) => f.event === 'status').map((f) => JSON.parse(f.data!) as Record<string, unknown>)

t.test('the status stream: the state now, a clock move, the decision with its redirect, then the end', async (t) => {
  const { ctx, origin } = await listening(t)
  const id = await createCharge(ctx)
  const other = await createCharge(ctx, { merchantChargeReference: 'another order' })
  const stream = await sse(`${origin}/checkout/${id}/status`)
  t.teardown(() => stream.close())
  t.equal(stream.response.statusCode, 200)
  t.match(stream.response.headers['content-type'], /^text\/event-stream/)
  t.equal(stream.response.headers['cache-control'], 'no-store')
  const phoneUrl = `http://localhost:8080/checkout/${id}/phone`
  const pending = (ms: number) => ({
    id,
    status: 'AUTHENTICATION_PENDING',
    pending: true,
    remainingSeconds: Math.ceil(ms / 1000),
    remainingMs: ms,
    phoneUrl,
    redirect: null,
  })
  await stream.waitFor((f) => f.event === 'status')
  t.same(statuses(stream.frames), [pending(900_000)], 'at once: pending, 15 minutes left, no redirect yet')
  t.ok(stream.frames[0]!.data === undefined, 'first a retry line (EventSource reconnects after a second)')

  await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 120 } })
  await stream.waitFor((_f) => statuses(stream.frames).length === 2)
  t.same(statuses(stream.frames)[1], pending(780_000), 'a clock move: the time left on the sandbox clock')

  // Another charge of the same merchant is not this page's business.
  await ctx.consumer(other, 'approve')
  await new Promise((resolve) => setImmediate(resolve))
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(statuses(stream.frames).length, 2, "another charge's events send nothing")

  await ctx.consumer(id, 'approve')
  await stream.ended
  t.same(
    statuses(stream.frames),
    [
      pending(900_000),
      pending(780_000),
      { id, status: 'CAPTURED', pending: false, remainingSeconds: 0, remainingMs: 0, phoneUrl: null, redirect: RETURN_URL },
    ],
    'the decision, with the returnUrl to go to; the stream then ends',
  )

  // Decided already: one status and the end.
  const after = await sse(`${origin}/checkout/${id}/status`)
  await after.ended
  t.same(statuses(after.frames), [statuses(stream.frames)[2]])
})

t.test('a timeout reaches the stream with no redirect: the page shows it on /wait', async (t) => {
  const { ctx, origin } = await listening(t)
  const id = await createCharge(ctx)
  const stream = await sse(`${origin}/checkout/${id}/status`)
  t.teardown(() => stream.close())
  await stream.waitFor((f) => f.event === 'status')
  await ctx.call({ method: 'POST', url: '/sandbox/clock', payload: { advanceSeconds: 900 } })
  await stream.ended
  t.same(statuses(stream.frames).at(-1), {
    id,
    status: 'DISCARDED',
    pending: false,
    remainingSeconds: 0,
    remainingMs: 0,
    phoneUrl: null,
    redirect: null,
  })
})

t.test('an agreement streams its own status; unknown pages answer 404; closing the app ends every stream', async (t) => {
  const { ctx, origin } = await listening(t)
  const agreement = await ctx.createAgreement()
  const stream = await sse(`${origin}/checkout/${agreement.id}/status`)
  await stream.waitFor((f) => f.event === 'status')
  t.match(statuses(stream.frames), [{ id: agreement.id, status: 'AUTHENTICATION_PENDING', pending: true, redirect: null }])
  await ctx.consumer(agreement.id, 'approve')
  await stream.ended
  t.match(statuses(stream.frames).at(-1), { status: 'ACTIVE', pending: false, redirect: 'https://shop.example/subscribed' })

  const missing = await fetch(`${origin}/checkout/charge_zzzzzzzzzzzzzzzzzzzzz/status`, { headers: { accept: 'text/event-stream' } })
  t.equal(missing.status, 404)
  t.same(await missing.json(), { message: 'unknown payment page' })

  const open = await sse(`${origin}/checkout/${await createCharge(ctx)}/status`)
  await open.waitFor((f) => f.event === 'status')
  await ctx.app.close()
  await open.ended
  t.pass('the open stream ended as the app closed')
})

t.test("the page's script: a file of the sandbox, cached for good under its version", async (t) => {
  const ctx = await buildTestApp(t)
  t.equal(APPROVAL_SCRIPT_SRC, `${APPROVAL_SCRIPT_PATH}?v=${APPROVAL_SCRIPT_VERSION}`)
  const versioned = await ctx.app.inject({ method: 'GET', url: APPROVAL_SCRIPT_SRC })
  t.equal(versioned.statusCode, 200)
  t.match(versioned.headers['content-type'], /^text\/javascript; charset=utf-8/)
  t.equal(versioned.headers['cache-control'], 'public, max-age=31536000, immutable')
  t.equal(versioned.headers['x-content-type-options'], 'nosniff')
  t.equal(versioned.headers.etag, `"${APPROVAL_SCRIPT_VERSION}"`)
  t.match(versioned.body, /new EventSource\(statusUrl\)/)
  t.match(versioned.body, /button\.disabled = !ok/)
  const plain = await ctx.app.inject({ method: 'GET', url: APPROVAL_SCRIPT_PATH })
  t.equal(plain.headers['cache-control'], 'no-cache', 'any other address is revalidated')
  t.equal(plain.body, versioned.body)
  const again = await ctx.app.inject({
    method: 'GET',
    url: APPROVAL_SCRIPT_PATH,
    headers: { 'if-none-match': `"${APPROVAL_SCRIPT_VERSION}"` },
  })
  t.equal(again.statusCode, 304)
  t.equal(again.body, '')
})
