import t from 'tap'
import { formatIso, iso, isoFormatter } from '../../src/domain/clock.js'

t.test('formatIso, iso and isoFormatter give the text of toISOString for every time', async (t) => {
  const times = [
    0,
    1,
    999,
    1000,
    Date.parse('2026-12-31T23:59:59.999Z'),
    Date.parse('2027-01-01T00:00:00.000Z'),
    Date.parse('2024-02-29T12:00:00.005Z'),
    253402300799999, // 9999-12-31T23:59:59.999Z
    253402300800000, // +010000-…: Date's own extended format
    -1, // 1969
    -62198755200000, // -000001-…
    1.5, // a fraction of a millisecond is cut, as Date does
    1764000000000.75,
  ]
  // And a walk through milliseconds and seconds in both directions, as a busy minute formats them.
  for (let ms = 1764000000000 - 2500; ms < 1764000000000 + 2500; ms += 7) times.push(ms, 1764000000000 * 2 - ms)
  const own = isoFormatter()
  const wrong = times.filter((ms) => {
    const expected = new Date(ms).toISOString()
    return formatIso(ms) !== expected || iso(ms) !== expected || own(ms) !== expected
  })
  t.same(wrong, [], 'every one as toISOString writes it')
  t.throws(() => formatIso(Number.NaN), RangeError, 'an invalid time throws as toISOString does')
  t.throws(() => formatIso(8.64e15 + 1), RangeError)
})
