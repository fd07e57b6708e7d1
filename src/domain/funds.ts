import type { Capture, Charge, Refund } from './charge.js'
import { ChargeEvent, type EventSink, type FundsChange } from './events.js'
import type { IdGenerator } from './ids.js'
import type { Scheduler } from './scheduler.js'

export interface FundsEventsDeps {
  ids: IdGenerator
  scheduler: Scheduler
  events: EventSink
  isLive: (charge: Charge) => boolean
}

/**
 * `fundsEventType` / `fundsEventScheduleDelay`: the money of a capture (a `CAPTURE_*` state) or of each
 * successful refund (a `REFUND_*` state) reaches that state later, announced by `FUNDS_STATE_CHANGED`.
 */
export class FundsEvents {
  readonly #d: FundsEventsDeps

  constructor(deps: FundsEventsDeps) {
    this.#d = deps
  }

  /** The funds events a charge read back from the journal still waits for: operations whose funds state has not moved. */
  pending(charge: Charge): Array<{ operation: Capture | Refund; type: 'CAPTURE' | 'REFUND'; since: number }> {
    const state = charge.simulation?.fundsEventType
    if (!state) return []
    if (state.startsWith('CAPTURE_')) {
      return charge.captures
        .filter((c) => c.status === 'CAPTURED' && c.fundsState === undefined)
        .map((c) => ({ operation: c, type: 'CAPTURE', since: c.createdAt }))
    }
    return charge.refunds
      .filter((r) => r.status === 'REFUNDED' && r.fundsState === undefined)
      .map((r) => ({ operation: r, type: 'REFUND', since: r.updatedAt }))
  }

  resume(charge: Charge): void {
    for (const p of this.pending(charge)) this.scheduleFor(charge, p.operation, p.type, p.since)
  }

  scheduleFor(charge: Charge, operation: Capture | Refund, type: 'CAPTURE' | 'REFUND', now: number): void {
    const sim = charge.simulation
    if (!sim?.fundsEventType || !sim.fundsEventType.startsWith(`${type}_`)) return
    const state = sim.fundsEventType
    const at = now + (sim.fundsEventScheduleDelayMs ?? 0)
    this.#d.scheduler.schedule(at, () => {
      if (!this.#d.isLive(charge)) return
      operation.fundsState = state
      const change: FundsChange = { operation, operationType: type, state }
      this.#d.events.publish(new ChargeEvent(this.#d.ids(''), 'FUNDS_STATE_CHANGED', at, charge, change))
    })
  }
}
