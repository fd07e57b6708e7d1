import type { Clock } from './clock.js'

/**
 * What a task runs: a shared function given its argument and the time it was due. Its `wanted`, when
 * it has one, answers false once the task can never do anything again (a charge's authentication
 * timeout once the consumer decided): such tasks are swept out instead of waiting for their time.
 */
type Run = ((arg: any, due: number) => void) & { wanted?: (arg: any) => boolean }
export type Task<T> = ((arg: T, due: number) => void) & { wanted?: (arg: T) => boolean }

/** The heap is swept when it has doubled since the last sweep, and never below this size. */
const SWEEP_FROM = 1024

/**
 * Runs work at sandbox-clock times: authentication timeouts, scheduled outcomes, webhook retries.
 * A binary min-heap with one real timer armed for the earliest task, so each task fires at its own
 * time (no polling tick) and nothing runs while nothing is due. `runDue()` is also called on every API
 * entry and after the sandbox clock moves, so a read after a deadline already sees its effect even
 * if the timer has not fired yet.
 *
 * The heap is kept as four parallel arrays (due time, scheduling order, function, argument) rather
 * than an object per task: a due time is stored unboxed in a double array, so a task costs about 20
 * bytes, which matters with a timeout per charge and a retry per failed webhook by the hundred thousand.
 */
export class Scheduler {
  #at: number[] = []
  #seq: number[] = []
  #run: Run[] = []
  #arg: unknown[] = []
  #nextSeq = 0
  #sweepAt = SWEEP_FROM
  #timer: NodeJS.Timeout | undefined
  #armedFor = Infinity
  #closed = false
  #running = false

  constructor(
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void = () => {},
    /** False: no real timer is armed, tasks run only on `runDue` (replicas on Redis derive them per unit of work). */
    private readonly armTimers = true,
  ) {}

  get size(): number {
    return this.#at.length
  }

  /** When the earliest task is due, or undefined when nothing is scheduled. */
  peek(): number | undefined {
    return this.#at[0]
  }

  /** Runs `run(arg, at)` once the clock reaches `at`. Pass a shared function and its argument, not a new closure. */
  schedule<T>(at: number, run: Task<T>, arg?: T): void {
    if (this.#closed) return
    this.#push(at, run, arg)
    if (this.#at.length >= this.#sweepAt) this.#sweep()
    this.#arm()
  }

  /** Runs every task whose time has come, in time order (ties in scheduling order). */
  runDue(): void {
    if (this.#running) return
    this.#running = true
    try {
      const now = this.clock.now()
      while (this.#at.length > 0 && this.#at[0]! <= now) {
        const due = this.#at[0]!
        const run = this.#run[0]!
        const arg = this.#arg[0]
        this.#pop()
        try {
          run(arg, due)
        } catch (err) {
          this.onError(err)
        }
      }
    } finally {
      this.#running = false
    }
    this.#arm()
  }

  /** Forgets every task (replicas on Redis: the scratch heap of one unit of work). */
  clear(): void {
    this.#at = []
    this.#seq = []
    this.#run = []
    this.#arg = []
    this.#sweepAt = SWEEP_FROM
  }

  close(): void {
    this.#closed = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#at = []
    this.#seq = []
    this.#run = []
    this.#arg = []
  }

  #arm(): void {
    if (this.#closed || !this.armTimers) return
    const next = this.#at[0]
    if (next === undefined) return
    if (this.#timer && this.#armedFor <= next) return
    if (this.#timer) clearTimeout(this.#timer)
    const delay = Math.min(Math.max(0, next - this.clock.now()), 2 ** 31 - 1)
    this.#armedFor = next
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#armedFor = Infinity
      this.runDue()
    }, delay)
    this.#timer.unref()
  }

  /** Whether the task at slot i comes before the one at slot j. */
  #less(i: number, j: number): boolean {
    const a = this.#at[i]!
    const b = this.#at[j]!
    return a < b || (a === b && this.#seq[i]! < this.#seq[j]!)
  }

  #move(to: number, from: number): void {
    this.#at[to] = this.#at[from]!
    this.#seq[to] = this.#seq[from]!
    this.#run[to] = this.#run[from]!
    this.#arg[to] = this.#arg[from]
  }

  #swap(i: number, j: number): void {
    const at = this.#at[i]!
    const seq = this.#seq[i]!
    const run = this.#run[i]!
    const arg = this.#arg[i]
    this.#move(i, j)
    this.#at[j] = at
    this.#seq[j] = seq
    this.#run[j] = run
    this.#arg[j] = arg
  }

  #push(at: number, run: Run, arg: unknown): void {
    this.#at.push(at)
    this.#seq.push(this.#nextSeq++)
    this.#run.push(run)
    this.#arg.push(arg)
    let i = this.#at.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.#less(i, p)) break
      this.#swap(i, p)
      i = p
    }
  }

  /** Removes the earliest task (slot 0). */
  #pop(): void {
    const last = this.#at.length - 1
    if (last > 0) this.#move(0, last)
    this.#at.pop()
    this.#seq.pop()
    this.#run.pop()
    this.#arg.pop()
    this.#siftDown(0)
  }

  /**
   * Drops the tasks no longer wanted, then rebuilds the heap. Tasks run in (time, scheduling order),
   * which the heap's layout does not change, so the others run exactly as they would have. Run when the
   * heap has doubled since the last sweep: on average O(1) per task scheduled, like an array's growth.
   */
  #sweep(): void {
    const length = this.#at.length
    let n = 0
    for (let i = 0; i < length; i++) {
      const run = this.#run[i]!
      if (run.wanted !== undefined && !run.wanted(this.#arg[i])) continue
      if (n !== i) this.#move(n, i)
      n++
    }
    if (n < length) {
      // Copies of the kept length: a shortened array keeps the room it had.
      this.#at = this.#at.slice(0, n)
      this.#seq = this.#seq.slice(0, n)
      this.#run = this.#run.slice(0, n)
      this.#arg = this.#arg.slice(0, n)
      for (let i = (n >> 1) - 1; i >= 0; i--) this.#siftDown(i)
    }
    this.#sweepAt = Math.max(SWEEP_FROM, 2 * n)
  }

  /** Moves the task at slot i down to where the heap order puts it. */
  #siftDown(start: number): void {
    const n = this.#at.length
    let i = start
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < n && this.#less(l, m)) m = l
      if (r < n && this.#less(r, m)) m = r
      if (m === i) break
      this.#swap(i, m)
      i = m
    }
  }
}
