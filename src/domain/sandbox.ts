import { ChargeService } from './charges.js'
import { type Clock, SandboxClock } from './clock.js'
import type { EventSink } from './events.js'
import type { IdGenerator } from './ids.js'
import type { PaymentMethods } from './payment-methods.js'
import { Scheduler } from './scheduler.js'
import type { Store } from '../store/memory-store.js'

export interface SandboxDeps {
  clock: Clock
  ids: IdGenerator
  store: Store
  methods: PaymentMethods
  events: EventSink
  authTimeoutSeconds: number
  onError?: (err: unknown) => void
}

/** The whole simulator without HTTP: what `buildApp` serves, and what a test can drive directly. */
export class Sandbox {
  readonly clock: SandboxClock
  readonly scheduler: Scheduler
  readonly charges: ChargeService

  constructor(readonly deps: SandboxDeps) {
    this.clock = new SandboxClock(deps.clock)
    this.scheduler = new Scheduler(this.clock, deps.onError)
    this.charges = new ChargeService({
      clock: this.clock,
      ids: deps.ids,
      store: deps.store,
      methods: deps.methods,
      scheduler: this.scheduler,
      events: deps.events,
      authTimeoutSeconds: deps.authTimeoutSeconds,
    })
  }

  /** Runs what has become due. Called on every API entry, so reads after a deadline see its effect. */
  tick(): void {
    this.scheduler.runDue()
  }

  close(): void {
    this.scheduler.close()
  }
}
