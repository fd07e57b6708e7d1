import t from 'tap'
import { ManualClock } from '../../src/domain/clock.js'
import { Scheduler } from '../../src/domain/scheduler.js'

const MAX_TIMER_MS = 2 ** 31 - 1

t.test('tasks run in time order, ties in the order they were scheduled, none before its time', async (t) => {
  const clock = new ManualClock(0)
  const s = new Scheduler(clock)
  t.teardown(() => s.close())
  const ran: string[] = []
  const log = (name: string) => ran.push(name)
  s.schedule(30, log, 'c')
  s.schedule(10, log, 'a1')
  s.schedule(20, log, 'b')
  s.schedule(10, log, 'a2')
  s.schedule(10, log, 'a3')
  t.equal(s.peek(), 10)
  clock.set(9)
  s.runDue()
  t.same(ran, [], 'nothing a millisecond early')
  clock.set(20)
  s.runDue()
  t.same(ran, ['a1', 'a2', 'a3', 'b'])
  t.equal(s.size, 1)
  clock.set(1000)
  s.runDue()
  t.same(ran, ['a1', 'a2', 'a3', 'b', 'c'])
  t.equal(s.peek(), undefined)
})

t.test('re-entrancy: a task may schedule work (due work runs in the same pass) and a nested runDue does nothing', async (t) => {
  const clock = new ManualClock(100)
  const s = new Scheduler(clock)
  t.teardown(() => s.close())
  const ran: string[] = []
  s.schedule(100, () => {
    ran.push('first')
    s.runDue() // nested: must not run 'second' inside 'first'
    ran.push('first done')
    s.schedule(100, () => ran.push('due now, scheduled by a task'))
    s.schedule(200, () => ran.push('later'))
  })
  s.schedule(100, () => ran.push('second'))
  s.runDue()
  t.same(ran, ['first', 'first done', 'second', 'due now, scheduled by a task'])
  t.equal(s.peek(), 200)
})

t.test('a task that throws is reported and the others still run', async (t) => {
  const clock = new ManualClock(0)
  const errors: unknown[] = []
  const s = new Scheduler(clock, (err) => errors.push(err))
  t.teardown(() => s.close())
  const ran: number[] = []
  s.schedule(0, () => {
    throw new Error('boom')
  })
  s.schedule(0, () => ran.push(1))
  s.runDue()
  t.same(ran, [1])
  t.same(
    errors.map((e) => (e as Error).message),
    ['boom'],
  )
})

t.test('close drops what is scheduled, disarms the timer and ignores later schedules', async (t) => {
  const clock = new ManualClock(0)
  const s = new Scheduler(clock)
  let ran = 0
  s.schedule(10, () => ran++)
  s.close()
  t.equal(s.size, 0)
  s.schedule(0, () => ran++)
  t.equal(s.size, 0, 'nothing is scheduled after close')
  clock.set(100)
  s.runDue()
  t.equal(ran, 0)
})

t.test('a task further away than a timer can wait (2^31 ms) arms the longest timer, and runs only at its time', async (t) => {
  const clock = new ManualClock(0)
  const armed: number[] = []
  const fire: Array<() => void> = []
  const realSetTimeout = globalThis.setTimeout
  const realClearTimeout = globalThis.clearTimeout
  // Record the delays asked for, and let the test fire the timers itself.
  globalThis.setTimeout = ((fn: () => void, ms: number) => {
    armed.push(ms)
    fire.push(fn)
    return { unref() {} } as unknown as NodeJS.Timeout
  }) as typeof setTimeout
  globalThis.clearTimeout = (() => {}) as typeof clearTimeout
  t.teardown(() => {
    globalThis.setTimeout = realSetTimeout
    globalThis.clearTimeout = realClearTimeout
  })
  const s = new Scheduler(clock)
  const at = 40 * 86_400_000 // 40 days: beyond 2^31 ms (about 24.8 days)
  let ran = 0
  s.schedule(at, () => ran++)
  t.same(armed, [MAX_TIMER_MS], 'capped at the longest delay a timer takes (a longer one would fire at once)')
  clock.set(MAX_TIMER_MS)
  fire.shift()!()
  t.equal(ran, 0, 'the capped timer fires before the task is due: nothing runs')
  t.same(armed, [MAX_TIMER_MS, at - MAX_TIMER_MS], 'and the timer is armed again for the rest')
  clock.set(at)
  fire.shift()!()
  t.equal(ran, 1, 'the task runs at its time')
  s.close()
})

t.test('each task gets its argument and the time it was due; many tasks come out in time order, ties in scheduling order', async (t) => {
  const clock = new ManualClock(0)
  const s = new Scheduler(clock)
  t.teardown(() => s.close())
  const ran: Array<[number, number]> = []
  const record = (n: number, due: number) => ran.push([due, n])
  // A fixed scramble of 2,000 due times with many ties (a linear congruential sequence, no randomness).
  let x = 7
  const expected: Array<[number, number]> = []
  for (let n = 0; n < 2000; n++) {
    x = (x * 1103515245 + 12345) % 2 ** 31
    const due = 1_700_000_000_000 + (x % 500)
    s.schedule(due, record, n)
    expected.push([due, n])
  }
  expected.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  t.equal(s.size, 2000)
  clock.set(1_700_000_000_250)
  s.runDue()
  t.same(
    ran,
    expected.filter(([due]) => due <= 1_700_000_000_250),
    'the first half, in order',
  )
  clock.set(1_700_000_001_000)
  s.runDue()
  t.same(ran, expected, 'all of them, in order, each with its own due time')
  t.equal(s.size, 0)
  t.equal(s.peek(), undefined)
})
