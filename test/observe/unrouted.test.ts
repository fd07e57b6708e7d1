import t from 'tap'
import { AUTH, buildTestApp, MERCHANT, OTHER_AUTH } from '../helpers/app.js'

// A merchant's request for a path the API does not have (404), or with a method its path does not
// take (405), is an answer the merchant got: its journal shows it like any other.

const NOW = '2026-01-15T09:00:00.000Z'
type Entry = Record<string, any>

t.test('404 and 405 answers to a merchant are journaled for it, with the reason', async (t) => {
  const ctx = await buildTestApp(t)
  const journal = async (headers: Record<string, string> = AUTH) =>
    (await ctx.call({ method: 'GET', url: '/sandbox/requests', headers })).json().data as Entry[]

  const missing = await ctx.call({ method: 'GET', url: '/v1/payment-charge?x=1', headers: { 'request-reference': 'r-404' } })
  t.equal(missing.statusCode, 404)
  const [notFound] = await journal()
  t.same(notFound, {
    seq: 1,
    kind: 'request',
    at: notFound!.at,
    sandboxTime: NOW,
    method: 'GET',
    path: '/v1/payment-charge',
    query: 'x=1',
    status: 404,
    durationMs: notFound!.durationMs,
    requestId: 'r-404',
    reason: { code: 'NOT_FOUND', message: 'no such endpoint: GET /v1/payment-charge' },
    responseBody: missing.body,
  })

  const wrong = await ctx.call({ method: 'DELETE', url: '/v1/payment-charges', headers: { 'request-reference': 'r-405' } })
  t.equal(wrong.statusCode, 405)
  t.equal(wrong.headers.allow, 'GET, POST')
  const [notAllowed] = await journal()
  t.same(notAllowed, {
    seq: 2,
    kind: 'request',
    at: notAllowed!.at,
    sandboxTime: NOW,
    method: 'DELETE',
    path: '/v1/payment-charges',
    status: 405,
    durationMs: notAllowed!.durationMs,
    requestId: 'r-405',
    reason: {
      code: 'METHOD_NOT_ALLOWED',
      message: 'DELETE is not allowed on /v1/payment-charges; allowed: GET, POST',
    },
    responseBody: wrong.body,
  })
  const sandboxPath = await ctx.call({ method: 'POST', url: '/sandbox/nothing-here', payload: { a: 1 } })
  t.equal(sandboxPath.statusCode, 404)
  t.same(
    (await journal()).map((e) => [e.method, e.path, e.status, e.reason.code]),
    [
      ['POST', '/sandbox/nothing-here', 404, 'NOT_FOUND'],
      ['DELETE', '/v1/payment-charges', 405, 'METHOD_NOT_ALLOWED'],
      ['GET', '/v1/payment-charge', 404, 'NOT_FOUND'],
    ],
  )
  t.same(await ctx.app.feed.since(MERCHANT, 0).length, 3, 'on the stream too')

  // Without valid credentials: still a 404 (not a 401), and journaled for no one.
  const anonymous = await ctx.app.inject({ method: 'GET', url: '/v1/nowhere' })
  t.equal(anonymous.statusCode, 404)
  const noKey = await ctx.app.inject({ method: 'GET', url: '/v1/nowhere', headers: { 'merchant-id': 'merch_nokey' } })
  t.equal(noKey.statusCode, 404)
  t.same([...ctx.app.feed.merchants()], [MERCHANT], 'nobody else got a feed')
  t.same(await journal(OTHER_AUTH), [], 'another merchant sees none of them')

  // Outside the API's paths nothing is journaled, credentials or not.
  t.equal((await ctx.call({ method: 'GET', url: '/nowhere' })).statusCode, 404)
  t.equal((await journal()).length, 3)
})

t.test('with API_KEYS, a wrong key gets its 404 and is journaled for no one', async (t) => {
  const ctx = await buildTestApp(t, { config: { apiKeys: ['sk_live_one'] } })
  const res = await ctx.app.inject({ method: 'GET', url: '/v1/nope', headers: { ...AUTH, authorization: 'Bearer sk_wrong' } })
  t.equal(res.statusCode, 404)
  t.same([...ctx.app.feed.merchants()], [])
  await ctx.app.inject({ method: 'GET', url: '/v1/nope', headers: { ...AUTH, authorization: 'Bearer sk_live_one' } })
  const data = (
    await ctx.app.inject({ method: 'GET', url: '/sandbox/requests', headers: { ...AUTH, authorization: 'Bearer sk_live_one' } })
  ).json().data as Entry[]
  t.same(
    data.map((e) => [e.path, e.status]),
    [['/v1/nope', 404]],
  )
})
