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
