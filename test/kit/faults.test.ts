import t from 'tap'
import { PproError, startSandbox, type CreateChargeRequest, type FaultRule, type FaultRuleInput } from '../../src/kit/index.js'
import { kakaoPayChargeRequest } from '../helpers/app.js'
import { receiver } from '../helpers/receiver.js'

const charge = (reference: string) => kakaoPayChargeRequest({ merchantPaymentChargeReference: reference }) as CreateChargeRequest

t.test('sb.faults: add, list, remove and clear the merchant’s rules from a test', async (t) => {
  const sb = await startSandbox()
  t.teardown(() => sb.close())
  const rule: FaultRule = await sb.faults.add({ match: { method: 'POST', path: '/v1/payment-charges' }, fault: { kind: 'lost-response' } })
  t.same(rule, {
    id: 'fault_1',
    match: { method: 'POST', path: '/v1/payment-charges' },
    fault: { kind: 'lost-response' },
    count: 1,
    remaining: 1,
    seed: 1,
    matched: 0,
    fired: 0,
    createdAt: rule.createdAt,
  })

  // The merchant's test: create with a key, get a 504, retry, assert one charge.
  const lost = await sb.client.createCharge(charge('order-1'), { idempotencyKey: 'order-1' }).catch((e: unknown) => e)
  t.ok(lost instanceof PproError, 'the create rejects')
  t.same((lost as PproError).body, {
    status: 504,
    failureMessage: 'Call to the upstream dependency timed out.',
    timestamp: (lost as PproError & { body: { timestamp: string } }).body.timestamp,
  })
  const retried = await sb.client.createCharge(charge('order-1'), { idempotencyKey: 'order-1' })
  t.same(
    (await sb.client.searchCharges({ merchantPaymentChargeReference: 'order-1' })).data.map((c) => c.id),
    [retried.id],
    'one charge',
  )

  const hook: FaultRuleInput = { webhook: { kind: 'duplicate', eventType: 'PAYMENT_CHARGE_CREATED' }, probability: 0.5, seed: 3 }
  await sb.faults.add(hook)
  t.same(
    (await sb.faults.list()).map((r) => [r.id, r.fault?.kind ?? r.webhook?.kind, r.fired]),
    [
      ['fault_1', 'lost-response', 1],
      ['fault_2', 'duplicate', 0],
    ],
  )
  t.equal((await sb.faults.remove('fault_1')).id, 'fault_1')
  await t.rejects(sb.faults.remove('fault_1'), /DELETE \/sandbox\/faults\/fault_1: HTTP 404: fault rule fault_1 not found/)
  // @ts-expect-error: not a fault kind, which the types already say
  await t.rejects(sb.faults.add({ fault: { kind: 'explode' } }), /HTTP 400: invalid fault rule: fault.kind must be one of/)
  t.equal(await sb.faults.clear(), 1)
  t.same(await sb.faults.list(), [])
})

t.test('sb.faults acts as the handle’s merchant only; a webhook fault shows in the awaited feed', async (t) => {
  const hooks = await receiver(t)
  const sb = await startSandbox({ webhookUrl: hooks.url })
  t.teardown(() => sb.close())
  const rule = await sb.faults.add({ webhook: { kind: 'duplicate', eventType: 'PAYMENT_CHARGE_CREATED' } })
  const c = await sb.client.createCharge(charge('order-2'))
  const copy = await sb.awaitEvent({ kind: 'delivery', chargeId: c.id, where: (m) => m.attempt === 2 })
  t.same(copy.fault, { kind: 'duplicate', ruleId: rule.id, copy: 2 })
  t.equal(hooks.received.filter((r) => r.json.type === 'PAYMENT_CHARGE_CREATED').length, 2)

  const theirs = await fetch(`${sb.url}/sandbox/faults`, { headers: { authorization: 'Bearer sk_x', 'merchant-id': 'merch_other' } })
  t.same(await theirs.json(), { data: [] }, 'another merchant of the same sandbox has no rules')
  const unfaulted = await fetch(`${sb.url}/v1/payment-charges`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk_x', 'merchant-id': 'merch_other', 'content-type': 'application/json' },
    body: JSON.stringify(charge('theirs')),
  })
  t.equal(unfaulted.status, 200)
})
