import type { ServerResponse } from 'node:http'
import type { Clock } from '../domain/clock.js'

/** What the hold waits on: the journal's turn. */
export interface Turn {
  readonly pending: boolean
  written(): Promise<void>
}

/**
 * Holds a response's bytes until the journal has written the turn that may show in them. It wraps
 * the Node response itself (`write` and `end`), not a Fastify hook, so it is the last thing to run:
 * whatever the hooks record (the answer of an idempotency key) is in the unit the reply waits for.
 * Nothing pending, nothing held: a read with no write in flight goes out at once. Writes keep their
 * order (an event stream's lines are held behind its first one).
 *
 * `beforeReply` runs when the bytes are about to go: the place to notice a change that publishes no
 * event (the sandbox clock moving).
 */
export function holdUntilWritten(res: ServerResponse, turn: Turn, beforeReply: () => void): void {
  const end = res.end
  const write = res.write
  let queue: Promise<unknown> | undefined
  // A held end() that writes its data through write() (as light-my-request's does) must not queue again.
  let inside = false
  const run = (fn: (...args: never[]) => unknown, args: never[]) => {
    inside = true
    try {
      return fn.apply(res, args)
    } finally {
      inside = false
    }
  }
  const wrap =
    <F extends (...args: never[]) => unknown>(fn: F, result: (r: ServerResponse) => unknown) =>
    (...args: Parameters<F>) => {
      if (inside) return fn.apply(res, args)
      beforeReply()
      if (queue === undefined && !turn.pending) return run(fn, args)
      const ready = turn.written()
      const q: Promise<unknown> = (queue ? Promise.all([queue, ready]) : ready).then(() => run(fn, args))
      queue = q
      void q.then(() => {
        if (queue === q) queue = undefined
      })
      return result(res)
    }
  res.end = wrap(end as (...args: never[]) => ServerResponse, (r) => r) as ServerResponse['end']
  res.write = wrap(write as (...args: never[]) => boolean, () => true) as ServerResponse['write']
}

/**
 * A clock whose time can be pinned: at start-up, work that fell due while the sandbox was down runs
 * each at its own due time (the sandbox clock reads that time while it runs), then the pin is lifted.
 */
export class PinnableClock implements Clock {
  #pinned: number | undefined
  constructor(private readonly base: Clock) {}
  now(): number {
    return this.#pinned ?? this.base.now()
  }
  pin(ms: number | undefined): void {
    this.#pinned = ms
  }
}
