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

t.test('tasks no longer wanted are swept out once the heap has grown; the others run exactly as they would have', async (t) => {
  const clock = new ManualClock(0)
  const s = new Scheduler(clock, () => {}, false)
  const done = new Set<number>()
  const ran: Array<[number, number]> = []
  // Half the tasks say they are no longer wanted once their argument is in `done`; like the sandbox's
  // own (a timeout of a charge already decided), such a task does nothing if it runs before a sweep.
  const maybe = Object.assign((n: number, due: number) => void (done.has(n) || ran.push([n, due])), {
    wanted: (n: number) => !done.has(n),
  })
  const always = (n: number, due: number) => ran.push([n, due])
  const expected: Array<[number, number, number]> = []
  for (let i = 0; i < 5000; i++) {
    // Many ties: due times repeat, so the order among them is the scheduling order.
    const at = 1000 + ((i * 7919) % 97)
    if (i % 2 === 0) {
      s.schedule(at, maybe, i)
      if (i % 4 === 0) done.add(i)
      else expected.push([at, i, i])
    } else {
      s.schedule(at, always, i)
      expected.push([at, i, i])
    }
  }
  t.ok(s.size < 5000 - 500, `swept while scheduling: ${s.size} tasks left of 5000`)
  t.ok(s.size >= expected.length, 'none that is still wanted')
  clock.set(2000)
  s.runDue()
  expected.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  t.same(
    ran,
    expected.map(([at, , n]) => [n, at]),
    'every wanted task ran once, in time order, ties in scheduling order',
  )
  t.equal(s.size, 0)
})

t.test('a task the heap no longer wants runs if it is due before a sweep comes', async (t) => {
  const clock = new ManualClock(0)
  const s = new Scheduler(clock, () => {}, false)
  const ran: string[] = []
  s.schedule(
    10,
    Object.assign((x: string) => ran.push(x), { wanted: () => false }),
    'unwanted but still run',
  )
  clock.set(10)
  s.runDue()
  t.same(ran, ['unwanted but still run'], 'wanted only lets a sweep drop it; it is not asked when the task is due')
})

t.test('tasks done with as soon as they are scheduled (timeouts of charges decided at once) do not pile up', async (t) => {
  const clock = new ManualClock(0)
  const s = new Scheduler(clock, () => {}, false)
  let ran = 0
  // Such a task does nothing when it runs (a timeout of a charge already captured): it is only memory.
  const decided = Object.assign(() => void ran++, { wanted: () => false })
  for (let i = 0; i < 100_000; i++) s.schedule(900_000 + i, decided, i)
  t.ok(s.size <= 1024, `${s.size} waiting`)
  clock.set(10_000_000)
  s.runDue()
  t.ok(ran <= 1024, `${ran} ran, those scheduled since the last sweep`)
  t.equal(s.size, 0)
})
