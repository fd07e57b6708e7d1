import t from 'tap'
import type { Charge } from '../../src/domain/charge.js'
import { MemoryStore } from '../../src/store/memory-store.js'

const charge = (id: string, merchantId: string, reference?: string, agreementId?: string) =>
  ({ id, merchantId, merchantPaymentChargeReference: reference, agreementId }) as unknown as Charge

const ids = (list: readonly Charge[]) => list.map((c) => c.id)

t.test('a reference names its charges oldest first, whether one or several share it', async (t) => {
  const store = new MemoryStore()
  const a = charge('charge_a', 'm1', 'order-1')
  const b = charge('charge_b', 'm1', 'order-2')
  const c = charge('charge_c', 'm1', 'order-1')
  const d = charge('charge_d', 'm1', 'order-1')
  const other = charge('charge_e', 'm2', 'order-1')
  for (const x of [a, b, c, d, other]) store.insertCharge(x)
  t.same(ids(store.chargesByReference('m1', 'order-1')), ['charge_a', 'charge_c', 'charge_d'])
  t.same(ids(store.chargesByReference('m1', 'order-2')), ['charge_b'])
  t.equal(store.chargesByReference('m1', 'order-2')[0], b, 'the stored charge itself')
  t.same(ids(store.chargesByReference('m2', 'order-1')), ['charge_e'])
  t.same(ids(store.chargesByReference('m1', 'order-3')), [])
  t.same(ids(store.chargesByReference('m3', 'order-1')), [])
})

t.test('forgetting charges keeps the others of their reference, in order', async (t) => {
  const store = new MemoryStore()
  for (const x of ['a', 'b', 'c', 'd']) store.insertCharge(charge(`charge_${x}`, 'm1', x === 'd' ? 'solo' : 'shared', 'agr_1'))
  store.forget('m1', new Set(['charge_b']), new Set())
  t.same(ids(store.chargesByReference('m1', 'shared')), ['charge_a', 'charge_c'])
  t.same(ids(store.chargesOfAgreement('m1', 'agr_1')), ['charge_a', 'charge_c', 'charge_d'])
  store.forget('m1', new Set(['charge_a']), new Set())
  t.same(ids(store.chargesByReference('m1', 'shared')), ['charge_c'])
  // A second charge with the reference after the list shrank to one.
  store.insertCharge(charge('charge_f', 'm1', 'shared'))
  t.same(ids(store.chargesByReference('m1', 'shared')), ['charge_c', 'charge_f'])
  store.forget('m1', new Set(['charge_d', 'charge_c', 'charge_f']), new Set())
  t.same(ids(store.chargesByReference('m1', 'solo')), [])
  t.same(ids(store.chargesByReference('m1', 'shared')), [])
  t.same(ids(store.chargesOfAgreement('m1', 'agr_1')), [])
  t.same(ids(store.chargesOf('m1')), [])
})

t.test('deleting a merchant forgets its references and nobody else’s', async (t) => {
  const store = new MemoryStore()
  store.insertCharge(charge('charge_a', 'm1', 'order-1'))
  store.insertCharge(charge('charge_b', 'm2', 'order-1'))
  store.deleteMerchant('m1')
  t.same(ids(store.chargesByReference('m1', 'order-1')), [])
  t.same(ids(store.chargesByReference('m2', 'order-1')), ['charge_b'])
})
