import type { Charge, ChargeStatus, Refund, RefundInput } from './charge.js'
import { touch, transition } from './charge-machine.js'
import type { Clock } from './clock.js'
import { refuse } from './errors.js'
import { ChargeEvent, type EventSink } from './events.js'
import { failure, type FailureCode } from './failures.js'
import type { IdGenerator } from './ids.js'
import type { FundsEvents } from './funds.js'
import type { PaymentMethods } from './payment-methods.js'
import type { Scheduler } from './scheduler.js'

const DAY_MS = 86_400_000

/** The event that announces a refund in each of its statuses. */
const REFUND_EVENT = {
  PENDING: 'PAYMENT_CHARGE_REFUND_PENDING',
  REFUNDED: 'PAYMENT_CHARGE_REFUND_SUCCEEDED',
  FAILED: 'PAYMENT_CHARGE_REFUND_FAILED',
} as const satisfies Record<Refund['status'], string>

/** Money already refunded or on its way back: a pending refund holds its amount. */
export function refundedAmount(charge: Charge): number {
  let sum = 0
  for (const r of charge.refunds) if (r.status !== 'FAILED') sum += r.amount
  return sum
}

export function capturedAmount(charge: Charge): number {
  let sum = 0
  for (const c of charge.captures) if (c.status === 'CAPTURED') sum += c.amount
  return sum
}

/**
 * A captured charge's status follows from its refunds: REFUND_PROCESSING while one is pending,
 * REFUNDED once refunds cover the captured amount, else CAPTURED.
 */
export function statusAfterRefunds(charge: Charge): ChargeStatus {
  if (charge.refunds.some((r) => r.status === 'PENDING')) return 'REFUND_PROCESSING'
  return capturedAmount(charge) === refundedAmount(charge) ? 'REFUNDED' : 'CAPTURED'
}

/** Moves the charge to the status its refunds give it, or, when that is its status already, only touches it. */
function followRefunds(charge: Charge, now: number): void {
  const next = statusAfterRefunds(charge)
  if (next === charge.status) touch(charge, now)
  else transition(charge, next, now)
}

/** A refund's status once decided: declined at once, left pending by the simulator, or refunded. */
function refundStatus(declined: FailureCode | undefined, pending: boolean): Refund['status'] {
  if (declined) return 'FAILED'
  return pending ? 'PENDING' : 'REFUNDED'
}

export interface RefundServiceDeps {
  clock: Clock
  ids: IdGenerator
  methods: PaymentMethods
  events: EventSink
  scheduler: Scheduler
  funds: FundsEvents
  isLive: (charge: Charge) => boolean
}

/**
 * Full, partial and multiple refunds while their sum stays within the captured amount, for as long as
 * the payment method's refund validity lasts after the capture. Each call reads and changes the charge
 * in one synchronous step, so concurrent refunds of one charge cannot over-refund it.
 */
export class RefundService {
  readonly #d: RefundServiceDeps

  constructor(deps: RefundServiceDeps) {
    this.#d = deps
  }

  /** Why a refund of `amount` is declined now, if it is. */
  #decline(charge: Charge, captureAt: number, amount: number, now: number): FailureCode | undefined {
    const validityDays = this.#d.methods.get(charge.paymentMethod)?.refundValidityDays ?? Infinity
    if (now > captureAt + validityDays * DAY_MS) return 'REFUND_PERIOD_EXPIRED'
    if (amount > capturedAmount(charge) - refundedAmount(charge)) return 'EXCEEDS_REFUNDABLE_AMOUNT'
    return undefined
  }

  refund(charge: Charge, input: RefundInput): Refund {
    const capture = charge.captures.find((c) => c.status === 'CAPTURED')
    if (!capture) throw refuse('neverCaptured', charge.id, charge.status)
    const now = this.#d.clock.now()
    const declined = this.#decline(charge, capture.createdAt, input.amount, now)

    const pending = !declined && charge.simulation?.refundPending === true
    const refund: Refund = {
      id: this.#d.ids('refund_'),
      amount: input.amount,
      status: refundStatus(declined, pending),
      merchantRefundReference: input.merchantRefundReference,
      refundReason: input.refundReason,
      refundDescriptor: input.refundDescriptor,
      labels: input.labels,
      failure: declined ? failure(declined) : undefined,
      fundsState: undefined,
      createdAt: now,
      updatedAt: now,
    }
    charge.refunds = charge.refunds.concat([refund])
    followRefunds(charge, now)
    this.#announce(charge, refund)
    if (pending) {
      this.#scheduleSettle(charge, refund)
    } else if (refund.status === 'REFUNDED') {
      this.#d.funds.scheduleFor(charge, refund, 'REFUND', now)
    }
    return refund
  }

  #scheduleSettle(charge: Charge, refund: Refund): void {
    const settleAt = refund.createdAt + (charge.simulation?.refundPendingDelayMs ?? 0)
    this.#d.scheduler.schedule(
      settleAt,
      () => this.#d.isLive(charge) && this.#settle(charge, refund, Math.min(this.#d.clock.now(), settleAt)),
    )
  }

  /** Schedules again the settlement of each pending refund of a charge read back from the journal. */
  resume(charge: Charge): void {
    for (const r of charge.refunds) if (r.status === 'PENDING') this.#scheduleSettle(charge, r)
  }

  /** `refundPending=true`: the provider answers later, as `refundPendingResult` says. */
  #settle(charge: Charge, refund: Refund, now: number): void {
    const ok = charge.simulation?.refundPendingResult !== 'FAILED'
    refund.status = ok ? 'REFUNDED' : 'FAILED'
    if (!ok) refund.failure = failure('REFUND_DECLINED')
    refund.updatedAt = now
    followRefunds(charge, now)
    this.#announce(charge, refund)
    if (ok) this.#d.funds.scheduleFor(charge, refund, 'REFUND', now)
  }

  #announce(charge: Charge, refund: Refund): void {
    this.#d.events.publish(new ChargeEvent(this.#d.ids(''), REFUND_EVENT[refund.status], charge.updatedAt, charge, refund))
  }
}
