import t from 'tap'
import { eventBody } from '../../src/webhooks/dispatcher.js'
import { buildTestApp, changedEventBodies, seedCharge } from '../helpers/app.js'

t.test('the guard on event bodies fails when a field an event reads changes after it was published', async (t) => {
  const ctx = await buildTestApp(t)
  const created = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: seedCharge() })).json()
  const bodies = ctx.events.map((e) => eventBody(e))
  t.same(changedEventBodies(ctx.events, bodies), [], 'nothing changed yet')
  const charge = ctx.app.sandbox.charges.get('merch_test_A', created.id)
  const consumer = charge.consumer
  charge.consumer = { ...consumer, name: 'Someone Else' }
  t.same(changedEventBodies(ctx.events, bodies), [`PAYMENT_CHARGE_CREATED ${ctx.events[0]!.id}`], 'the CREATED event reads the consumer')
  charge.consumer = consumer
  t.same(changedEventBodies(ctx.events, bodies), [])
})
