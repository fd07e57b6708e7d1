import type { Charge, Refund, RefundReason } from './charge.js'
import { transition } from './charge-machine.js'
import type { Clock } from './clock.js'
import { badRequest } from './errors.js'
import { ChargeEvent, type EventSink } from './events.js'
import { failure, type FailureCode } from './failures.js'
import type { IdGenerator } from './ids.js'
import type { FundsEvents } from './funds.js'
import type { PaymentMethods } from './payment-methods.js'
import type { Scheduler } from './scheduler.js'

/** `POST .../refunds`: PPRO's `RefundRequest`. */
export interface RefundInput {
  amount: number
  merchantRefundReference?: string | undefined
  refundReason?: RefundReason | undefined
  refundDescriptor?: string | undefined
  labels?: Record<string, string> | undefined
}

const DAY_MS = 86_400_000

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
  constructor(private readonly d: RefundServiceDeps) {}

  refund(charge: Charge, input: RefundInput): Refund {
    const capture = charge.captures.find((c) => c.status === 'CAPTURED')
    if (!capture) {
      throw badRequest(`payment charge ${charge.id} was never captured (status ${charge.status}): only a captured charge can be refunded`)
    }
    const now = this.d.clock.now()
    const validityDays = this.d.methods.get(charge.paymentMethod)?.refundValidityDays ?? Infinity
    const left = capturedAmount(charge) - refundedAmount(charge)
    const declined: FailureCode | undefined =
      now > capture.createdAt + validityDays * DAY_MS
        ? 'REFUND_PERIOD_EXPIRED'
        : input.amount > left
          ? 'EXCEEDS_REFUNDABLE_AMOUNT'
          : undefined

    const pending = !declined && charge.simulation?.refundPending === true
    const refund: Refund = {
      id: this.d.ids('refund_'),
      amount: input.amount,
      status: declined ? ('FAILED' as const) : pending ? ('PENDING' as const) : ('REFUNDED' as const),
      merchantRefundReference: input.merchantRefundReference,
      refundReason: input.refundReason,
      refundDescriptor: input.refundDescriptor,
      labels: input.labels,
      failure: declined ? failure(declined) : undefined,
      fundsState: undefined,
      createdAt: now,
      updatedAt: now,
    }
    charge.refunds = [...charge.refunds, refund]
    if (pending) {
      if (charge.status === 'CAPTURED') transition(charge, 'REFUND_PROCESSING', now)
      else charge.updatedAt = now
      this.#announce(charge, refund)
      this.#scheduleSettle(charge, refund)
      return refund
    }
    if (!declined && input.amount === left) transition(charge, 'REFUNDED', now)
    else charge.updatedAt = now
    this.#announce(charge, refund)
    if (refund.status === 'REFUNDED') this.d.funds.scheduleFor(charge, refund, 'REFUND', now)
    return refund
  }

  #scheduleSettle(charge: Charge, refund: Refund): void {
    const settleAt = refund.createdAt + (charge.simulation?.refundPendingDelayMs ?? 0)
    this.d.scheduler.schedule(settleAt, () => this.d.isLive(charge) && this.#settle(charge, refund, Math.min(this.d.clock.now(), settleAt)))
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
    if (charge.refunds.some((r) => r.status === 'PENDING')) charge.updatedAt = now
    else transition(charge, capturedAmount(charge) === refundedAmount(charge) ? 'REFUNDED' : 'CAPTURED', now)
    this.#announce(charge, refund)
    if (ok) this.d.funds.scheduleFor(charge, refund, 'REFUND', now)
  }

  #announce(charge: Charge, refund: Refund): void {
    const type =
      refund.status === 'PENDING'
        ? 'PAYMENT_CHARGE_REFUND_PENDING'
        : refund.status === 'REFUNDED'
          ? 'PAYMENT_CHARGE_REFUND_SUCCEEDED'
          : 'PAYMENT_CHARGE_REFUND_FAILED'
    this.d.events.publish(new ChargeEvent(this.d.ids(''), type, charge.updatedAt, charge, refund))
  }
}
