import type { Charge, Refund, RefundReason } from './charge.js'
import { transition } from './charge-machine.js'
import type { Clock } from './clock.js'
import { badRequest } from './errors.js'
import { chargeEvent, compact, eventFailure, type EventSink, money } from './events.js'
import { failure, type FailureCode } from './failures.js'
import type { IdGenerator } from './ids.js'
import type { PaymentMethods } from './payment-methods.js'

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
      now > capture.createdAt + validityDays * DAY_MS ? 'REFUND_PERIOD_EXPIRED' : input.amount > left ? 'EXCEEDS_REFUNDABLE_AMOUNT' : undefined

    const refund: Refund = compact({
      id: this.d.ids('refund_'),
      amount: input.amount,
      status: declined ? ('FAILED' as const) : ('REFUNDED' as const),
      merchantRefundReference: input.merchantRefundReference,
      refundReason: input.refundReason,
      refundDescriptor: input.refundDescriptor,
      labels: input.labels,
      failure: declined ? failure(declined) : undefined,
      createdAt: now,
      updatedAt: now,
    })
    charge.refunds = [...charge.refunds, refund]
    if (!declined && input.amount === left) transition(charge, 'REFUNDED', now)
    else charge.updatedAt = now

    const extra = { refundId: refund.id, amount: money(refund.amount, charge.currency), merchantRefundReference: refund.merchantRefundReference }
    this.d.events.publish(
      refund.failure
        ? chargeEvent(this.d.ids, charge, 'PAYMENT_CHARGE_REFUND_FAILED', { ...extra, failure: eventFailure(refund.failure) })
        : chargeEvent(this.d.ids, charge, 'PAYMENT_CHARGE_REFUND_SUCCEEDED', extra),
    )
    return refund
  }
}
