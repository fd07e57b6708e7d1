import type { Clock } from './clock.js'

interface Task {
  at: number
  seq: number
  // A shared function and its argument: no closure allocated per scheduled task.
  run: (arg: any) => void
  arg: unknown
}

/**
 * Runs work at sandbox-clock times: authentication timeouts, scheduled outcomes, webhook retries.
 * A min-heap with one real timer armed for the earliest task, so each task fires at its own time
 * (no polling tick). `runDue()` is also called on every API entry and after the sandbox clock moves,
 * so a read after a deadline already sees its effect even if the timer has not fired yet.
 */
export class Scheduler {
  #heap: Task[] = []
  #seq = 0
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
    return this.#heap.length
  }

  /** When the earliest task is due, or undefined when nothing is scheduled. */
  peek(): number | undefined {
    return this.#heap[0]?.at
  }

  schedule<T>(at: number, run: (arg: T) => void, arg?: T): void {
    if (this.#closed) return
    this.#push({ at, seq: this.#seq++, run, arg })
    this.#arm()
  }

  /** Runs every task whose time has come, in time order (ties in scheduling order). */
  runDue(): void {
    if (this.#running) return
    this.#running = true
    try {
      const now = this.clock.now()
      while (this.#heap.length > 0 && this.#heap[0]!.at <= now) {
        const task = this.#pop()!
        try {
          task.run(task.arg)
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
    this.#heap = []
  }

  close(): void {
    this.#closed = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#heap = []
  }

  #arm(): void {
    if (this.#closed || !this.armTimers) return
    const next = this.#heap[0]
    if (!next) return
    if (this.#timer && this.#armedFor <= next.at) return
    if (this.#timer) clearTimeout(this.#timer)
    const delay = Math.min(Math.max(0, next.at - this.clock.now()), 2 ** 31 - 1)
    this.#armedFor = next.at
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#armedFor = Infinity
      this.runDue()
    }, delay)
    this.#timer.unref()
  }

  #less(a: Task, b: Task): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  #push(task: Task): void {
    const h = this.#heap
    h.push(task)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.#less(h[i]!, h[p]!)) break
      ;[h[i], h[p]] = [h[p]!, h[i]!]
      i = p
    }
  }

  #pop(): Task | undefined {
    const h = this.#heap
    const top = h[0]
    const last = h.pop()
    if (h.length > 0 && last) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && this.#less(h[l]!, h[m]!)) m = l
        if (r < h.length && this.#less(h[r]!, h[m]!)) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m]!, h[i]!]
        i = m
      }
    }
    return top
  }
}
