import t from 'tap'
import { ID_PATTERN, randomIds, sequentialIds } from '../../src/domain/ids.js'

t.test('random ids: prefix + 21 characters of [A-Za-z0-9], unique, using the whole alphabet', async (t) => {
  const seen = new Set<string>()
  const chars = new Set<string>()
  for (let i = 0; i < 5000; i++) {
    const id = randomIds('charge_')
    if (!ID_PATTERN.test(id)) t.fail(`bad id ${id}`)
    seen.add(id)
    for (const ch of id.slice(7)) chars.add(ch)
  }
  t.equal(seen.size, 5000, 'no repeats')
  t.equal(chars.size, 62, 'every letter and digit appears')
  t.match(randomIds(''), /^[A-Za-z0-9]{21}$/, 'webhook event ids have no prefix')
  const long = 'p'.repeat(70)
  t.match(randomIds(long), new RegExp(`^${long}[A-Za-z0-9]{21}$`), 'a prefix longer than the reused buffer')
  // 5,000 ids took about 500 refills of the 256-byte pool: an id read out before a refill keeps its value.
  const first = randomIds('charge_')
  const copy = `${first}`
  for (let i = 0; i < 200; i++) randomIds('refund_')
  t.equal(first, copy)
})

t.test('sequential ids for tests', async (t) => {
  const ids = sequentialIds()
  t.equal(ids('charge_'), 'charge_000000000000000000001')
  t.equal(ids('authz_'), 'authz_000000000000000000002')
})
