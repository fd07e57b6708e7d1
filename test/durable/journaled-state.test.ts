import t from 'tap'
import type { Charge } from '../../src/domain/charge.js'
import { RecoveredState } from '../../src/durable/journaled-state.js'
import { type EventRecord, packEvent, unpackEvent } from '../../src/durable/records.js'

const charge = (id: string, merchantId = 'm1', status = 'CAPTURED') => ({ id, merchantId, status }) as unknown as Charge
const event = (id: string, c: string, extra: Partial<EventRecord> = {}): EventRecord => ({
  id,
  type: 'PAYMENT_CHARGE_CREATED',
  time: 1000,
  status: 'AUTHENTICATION_PENDING',
  c,
  st: 'PENDING',
  ...extra,
})

/** A snapshot's records as Durable writes them: words defined before the runs of packed events that use them. */
function snapshotRecords(charges: Charge[], events: EventRecord[], run = 2) {
  const words = new Map<string, number>()
  const fresh: string[] = []
  const word = (w: string) => {
    if (!words.has(w)) {
      words.set(w, words.size)
      fresh.push(w)
    }
    return words.get(w)!
  }
  const at = (id: string) => {
    const i = charges.findIndex((c) => c.id === id)
    return i === -1 ? undefined : i
  }
  const out: Record<string, unknown>[] = [{ off: 5 }, ...charges.map((c) => ({ c, rt: 10 }))]
  for (let i = 0; i < events.length; i += run) {
    const e = events.slice(i, i + run).map((x) => packEvent(x, word, at))
    if (fresh.length) out.push({ w: fresh.splice(0) })
    out.push({ e })
  }
  return JSON.parse(JSON.stringify(out)) as Record<string, unknown>[]
}

t.test('a packed event reads back as the record it packs, absent fields left out', async (t) => {
  const words: string[] = []
  const word = (w: string) => (words.includes(w) ? words.indexOf(w) : words.push(w) - 1)
  const charges = [{ id: 'c0' }, { id: 'c1' }]
  const at = (id: string) => (id === 'c1' ? 1 : undefined)
  const full = event('e1', 'c1', { op: { r: 'capture_1' }, url: 'https://example.test/hook', att: [{ at: 1, statusCode: 500 } as never] })
  const plain = event('e2', 'c1')
  const later = event('e3', 'c9')
  const agreement: EventRecord = { ...event('e4', 'x'), c: undefined, a: 'agreement_1' }
  t.same(packEvent(plain, word, at), ['e2', 0, 1000, 1, 2, 1], 'the charge by its position; trailing absent fields are not written')
  t.same(packEvent(later, word, at), ['e3', 0, 1000, 1, 2, 'c9'], 'a charge the snapshot does not hold by its id')
  t.same(packEvent(agreement, word, at), ['e4', 0, 1000, 1, 2, null, 'agreement_1'])
  t.same(unpackEvent(JSON.parse(JSON.stringify(packEvent(full, word, at))), words, charges), full)
  const absent = { a: undefined, op: undefined, url: undefined, att: undefined }
  t.same(unpackEvent(packEvent(plain, word, at), words, charges), { ...plain, ...absent })
  t.same(unpackEvent(packEvent(later, word, at), words, charges), { ...later, ...absent })
  t.same(unpackEvent(packEvent(agreement, word, at), words, charges), { ...agreement, op: undefined, url: undefined, att: undefined })
  t.throws(() => unpackEvent(['e3', 9, 1, 0, 0, 'c1'], words, charges), { message: 'names word 9, which the snapshot has not defined' })
  t.throws(() => unpackEvent(['e3', 0, 1, 0, 0, 2], words, charges), { message: 'names charge 2 of the snapshot, which holds 2' })
})

t.test('a snapshot read back, then the units journaled after it: replaced, moved on, removed, in their order', async (t) => {
  const s = new RecoveredState()
  const records = snapshotRecords(
    [charge('c1'), charge('c2'), charge('c3', 'm2')],
    [
      event('e1', 'c1'),
      event('e2', 'c2'),
      event('e3', 'c1', { type: 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED', status: 'CAPTURED' }),
      event('e4', 'c3'),
    ],
  )
  for (const r of records) s.apply(r, 99)
  t.same(
    [...s.charges.values()].map((c) => c.id),
    ['c1', 'c2', 'c3'],
  )
  t.same(
    [...s.events.values()].map((e) => [e.id, e.type, e.status]),
    [
      ['e1', 'PAYMENT_CHARGE_CREATED', 'AUTHENTICATION_PENDING'],
      ['e2', 'PAYMENT_CHARGE_CREATED', 'AUTHENTICATION_PENDING'],
      ['e3', 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED', 'CAPTURED'],
      ['e4', 'PAYMENT_CHARGE_CREATED', 'AUTHENTICATION_PENDING'],
    ],
  )
  t.same(
    [...s.touched],
    [
      ['c1', 10],
      ['c2', 10],
      ['c3', 10],
    ],
  )
  t.equal(s.offset, 5)

  // A unit re-states c2 (changed while the snapshot was written), moves e1's delivery on, adds e5.
  s.apply({ ch: [charge('c2', 'm1', 'REFUNDED')], ev: [event('e5', 'c2')], dl: [{ id: 'e1', st: 'DELIVERED' }] }, 200)
  t.same(
    [...s.charges.values()].map((c) => [c.id, c.status]),
    [
      ['c1', 'CAPTURED'],
      ['c2', 'REFUNDED'],
      ['c3', 'CAPTURED'],
    ],
    'replaced in its place',
  )
  t.equal(s.touched.get('c2'), 200)
  t.equal(s.events.get('e1')?.st, 'DELIVERED')
  // The same event named again by a unit stays in its place.
  s.apply({ ev: [event('e2', 'c2', { st: 'FAILED' })] }, 201)
  t.same(
    [...s.events.values()].map((e) => [e.id, e.st]),
    [
      ['e1', 'DELIVERED'],
      ['e2', 'FAILED'],
      ['e3', 'PENDING'],
      ['e4', 'PENDING'],
      ['e5', 'PENDING'],
    ],
  )

  // Retention drops c1 with its events; a reset drops m2's.
  s.apply({ rm: { ch: ['c1'] } }, 300)
  s.apply({ rm: { m: ['m2'] } }, 301)
  t.same(
    [...s.charges.values()].map((c) => c.id),
    ['c2'],
  )
  t.same(
    [...s.events.values()].map((e) => e.id),
    ['e2', 'e5'],
  )
  t.same([...s.touched.keys()], ['c2'])
  t.equal(s.charges.size, 1)
  t.equal(s.events.get('e1'), undefined)
  // A unit for a dropped event's delivery changes nothing.
  s.apply({ dl: [{ id: 'e3', st: 'DELIVERED' }] }, 302)
  t.same(
    [...s.events.values()].map((e) => e.id),
    ['e2', 'e5'],
  )
  // A removed charge named again comes back at the end.
  s.apply({ ch: [charge('c1')], ev: [event('e6', 'c1')] }, 303)
  t.same(
    [...s.charges.values()].map((c) => c.id),
    ['c2', 'c1'],
  )
  s.apply({ rm: { ch: ['c1'] } }, 304)
  t.same(
    [...s.events.values()].map((e) => e.id),
    ['e2', 'e5'],
    'and its new events go with it',
  )
})

t.test('a run of events that is not one is refused, naming what is wrong', async (t) => {
  const s = new RecoveredState()
  s.apply({ w: ['PAYMENT_CHARGE_CREATED'] }, 1)
  t.throws(() => s.apply({ e: ['e1', 0, 1, 0, 0, 'c1'] } as never, 1), { message: 'is not a run of packed events' })
  t.throws(() => s.apply({ e: { id: 'e1' } } as never, 1), { message: 'is not a run of packed events' })
})
