import t from 'tap'
import { buildApp } from '../../src/app.js'
import type { Charge } from '../../src/domain/charge.js'
import { ChargeBodies } from '../../src/http/charge-bodies.js'
import { chargeResponse } from '../../src/http/responses.js'
import { MemoryStore } from '../../src/store/memory-store.js'
import { AUTH, buildTestApp, kakaoPayChargeRequest } from '../helpers/app.js'

const BASE = 'http://localhost:8080'
const fresh = (c: Charge) => JSON.stringify(chargeResponse(c, BASE))
/** The least of a charge an answer is built from. */
const charge = (id: string, status = 'CAPTURED') =>
  ({
    id,
    status,
    consumer: {},
    authorizations: [],
    captures: [],
    refunds: [],
    discards: [],
    voids: [],
    createdAt: 0,
    updatedAt: 0,
  }) as unknown as Charge

t.test('a read sends the kept answer until the charge changes, then the new one', async (t) => {
  const ctx = await buildTestApp(t)
  const { id } = await ctx.createCharge()
  const read = () => ctx.call({ method: 'GET', url: `/v1/payment-charges/${id}` })
  const first = await read()
  t.equal(first.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(first.body, fresh(ctx.store.getCharge(id)!))
  t.equal((await read()).body, first.body, 'the same text again')

  await ctx.consumer(id, 'approve')
  const captured = await read()
  t.equal(captured.json().status, 'CAPTURED')
  t.equal(captured.body, fresh(ctx.store.getCharge(id)!), 'the approval is in the answer')

  await ctx.post(`/v1/payment-charges/${id}/refunds`, { amount: 5000 })
  const refunded = await read()
  t.same(
    refunded.json().refunds.map((r: { amount: number; status: string }) => [r.amount, r.status]),
    [[5000, 'REFUNDED']],
  )
  t.equal(refunded.body, fresh(ctx.store.getCharge(id)!))
})

t.test('the test suite sees a change that published no event: the kept answer is checked on every read', async (t) => {
  const ctx = await buildTestApp(t)
  const { id } = await ctx.createCharge()
  await ctx.readCharge(id)
  // Behind the domain's back: no event, so the kept answer is stale.
  // Labels are in the answer and in no event's body (the suite checks those after every request).
  ;(ctx.store.getCharge(id) as { labels?: Record<string, string> }).labels = { changed: 'unannounced' }
  const res = await ctx.call({ method: 'GET', url: `/v1/payment-charges/${id}` })
  t.equal(res.statusCode, 500)
})

t.test('without the check, the kept text is what is sent: a second read builds nothing', async (t) => {
  const store = new MemoryStore()
  const app = await buildApp({ store, logger: false })
  t.teardown(() => app.close())
  const created = await app.inject({ method: 'POST', url: '/v1/payment-charges', headers: AUTH, payload: kakaoPayChargeRequest() })
  const id = created.json().id as string
  const first = await app.inject({ method: 'GET', url: `/v1/payment-charges/${id}`, headers: AUTH })
  ;(store.getCharge(id) as { paymentDescriptor?: string }).paymentDescriptor = 'changed unannounced'
  const second = await app.inject({ method: 'GET', url: `/v1/payment-charges/${id}`, headers: AUTH })
  t.equal(second.body, first.body, 'kept, since no event said it changed')
  t.equal(second.json().paymentDescriptor, 'Order description')
})

t.test('an agreement event forgets its initial charge, which shares its decision', async (t) => {
  const bodies = new ChargeBodies(BASE, (agreementId) => (agreementId === 'agr_1' ? 'charge_initial' : undefined), { capacity: 10 })
  const initial = charge('charge_initial', 'AUTHENTICATION_PENDING')
  const other = charge('charge_other', 'AUTHENTICATION_PENDING')
  const before = bodies.of(initial)
  const otherBefore = bodies.of(other)
  ;(initial as { status: string }).status = 'CAPTURED'
  ;(other as { status: string }).status = 'CAPTURED'
  const event = (chargeId: string | undefined, agreementId: string | undefined) => ({ chargeId, agreementId }) as never
  bodies.changed(event(undefined, 'agr_2'))
  t.equal(bodies.of(initial), before, 'another agreement: kept')
  bodies.changed(event(undefined, 'agr_1'))
  t.equal(bodies.of(initial), fresh(initial), 'its agreement: built anew')
  t.equal(bodies.of(other), otherBefore, 'a charge no event named: kept')
  bodies.changed(event('charge_other', 'agr_1'))
  t.equal(bodies.of(other), fresh(other), 'the charge an event named: built anew')
})

t.test('answers are kept for the charge object they were built from, and for the last `capacity` charges only', async (t) => {
  const bodies = new ChargeBodies(BASE, () => undefined, { capacity: 2 })
  const [a, b, c] = [charge('charge_a'), charge('charge_b'), charge('charge_c')]
  const keptA = bodies.of(a)
  bodies.of(b)
  const mark = (x: Charge) => ((x as { paymentDescriptor?: string }).paymentDescriptor = 'marked')
  mark(a)
  t.equal(bodies.of(a), keptA, 'kept while among the last two')
  bodies.of(c)
  t.equal(bodies.of(a), fresh(a), 'the oldest was let go when a third came')
  const reloaded = { ...b } as Charge
  mark(reloaded)
  t.equal(bodies.of(reloaded), fresh(reloaded), 'the same id loaded afresh (a replica, a restart) is built anew')

  const none = new ChargeBodies(BASE, () => undefined, { capacity: 0 })
  const d = charge('charge_d')
  none.of(d)
  mark(d)
  t.equal(none.of(d), fresh(d), 'capacity 0 keeps nothing')
})

t.test("a search's page is made of its charges' kept answers: the text JSON.stringify of the page gives", async (t) => {
  const ctx = await buildTestApp(t)
  const ids: string[] = []
  // 25 charges of one reference: a first page of 20 with a nextPage, then a second of 5 without.
  for (let i = 0; i < 25; i++) ids.push((await ctx.createCharge({ merchantPaymentChargeReference: 'order-7' })).id)
  await ctx.consumer(ids[3]!, 'approve')
  await ctx.readCharge(ids[4]!) // kept before the search
  const url = '/v1/payment-charges?merchantPaymentChargeReference=order-7'
  const first = await ctx.call({ method: 'GET', url })
  t.equal(first.headers['content-type'], 'application/json; charset=utf-8')
  const page = first.json() as { data: Array<{ id: string }>; nextPage?: string; _links: Record<string, { href: string }> }
  t.equal(page.data.length, 20)
  t.ok(page.nextPage, 'a next page')
  const expected = (data: string[], nextPage: string | undefined, links: Record<string, { href: string }>) =>
    JSON.stringify({ data: data.map((id) => chargeResponse(ctx.store.getCharge(id)!, 'http://localhost:8080')), nextPage, _links: links })
  t.equal(
    first.body,
    expected(
      page.data.map((c) => c.id),
      page.nextPage,
      page._links,
    ),
  )
  t.same(
    page.data.map((c) => c.id),
    [...ids].reverse().slice(0, 20),
    'newest first',
  )
  const second = await ctx.call({ method: 'GET', url: `${url}&page=${page.nextPage}` })
  const rest = second.json() as { data: Array<{ id: string }>; nextPage?: string; _links: Record<string, { href: string }> }
  t.equal(rest.nextPage, undefined)
  t.equal(
    second.body,
    expected(
      rest.data.map((c) => c.id),
      undefined,
      rest._links,
    ),
  )
  t.same(
    rest.data.map((c) => c.id),
    [...ids].reverse().slice(20),
  )
  // A change after the search is in the next page read, as in the next read of the charge.
  await ctx.consumer(ids[24]!, 'approve')
  const again = await ctx.call({ method: 'GET', url })
  t.equal((again.json() as { data: Array<{ status: string }> }).data[0]!.status, 'CAPTURED')
  t.equal(
    again.body,
    expected(
      page.data.map((c) => c.id),
      page.nextPage,
      page._links,
    ),
  )
})
