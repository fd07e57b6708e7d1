import { CHARGE_STATUSES, type Charge, type ChargeStatus } from './charge.js'
import { badRequest } from './errors.js'

/**
 * PPRO's charge life as data: from each status, the statuses it may move to. KakaoPay uses the
 * redirect path with automatic capture; the other rows keep the table whole for PPRO's other flows.
 * A partial refund leaves a charge `CAPTURED`; only the last one moves it to `REFUNDED`.
 */
export const TRANSITIONS: Readonly<Record<ChargeStatus, readonly ChargeStatus[]>> = {
  AUTHORIZATION_PROCESSING: ['AUTHENTICATION_PENDING', 'AUTHORIZATION_ASYNC', 'CAPTURE_PENDING', 'CAPTURED', 'FAILED'],
  AUTHENTICATION_PENDING: ['AUTHORIZATION_PROCESSING', 'AUTHORIZATION_ASYNC', 'CAPTURE_PENDING', 'CAPTURED', 'FAILED', 'DISCARD_PROCESSING', 'DISCARDED'],
  AUTHORIZATION_ASYNC: ['CAPTURE_PENDING', 'CAPTURED', 'FAILED', 'DISCARD_PROCESSING', 'DISCARDED'],
  CAPTURE_PENDING: ['CAPTURE_PROCESSING', 'CAPTURED', 'VOID_PROCESSING', 'VOIDED', 'FAILED'],
  CAPTURE_PROCESSING: ['CAPTURED', 'FAILED'],
  CAPTURED: ['REFUND_PROCESSING', 'REFUNDED'],
  REFUND_PROCESSING: ['CAPTURED', 'REFUNDED'],
  VOID_PROCESSING: ['VOIDED', 'CAPTURE_PENDING'],
  DISCARD_PROCESSING: ['DISCARDED', 'AUTHENTICATION_PENDING'],
  REFUNDED: [],
  VOIDED: [],
  DISCARDED: [],
  FAILED: [],
}

/** Statuses a charge never leaves. */
export const TERMINAL: ReadonlySet<ChargeStatus> = new Set(CHARGE_STATUSES.filter((s) => TRANSITIONS[s].length === 0))

/** Statuses in which the consumer (or a test standing in for one) can still decide the outcome. */
export const AWAITING_CONSUMER: ReadonlySet<ChargeStatus> = new Set(['AUTHENTICATION_PENDING'])

export class TransitionError extends Error {
  override name = 'TransitionError'
  constructor(
    readonly from: ChargeStatus,
    readonly to: ChargeStatus,
  ) {
    super(`a charge in status ${from} cannot move to ${to}`)
  }
}

export function canTransition(from: ChargeStatus, to: ChargeStatus): boolean {
  return TRANSITIONS[from].includes(to)
}

/** The next status, or a TransitionError naming the refused move. Pure. */
export function nextStatus(from: ChargeStatus, to: ChargeStatus): ChargeStatus | TransitionError {
  return canTransition(from, to) ? to : new TransitionError(from, to)
}

/** The one place a stored charge changes status. Refused moves are 400s that name both statuses. */
export function transition(charge: Charge, to: ChargeStatus, at: number): void {
  const next = nextStatus(charge.status, to)
  if (next instanceof TransitionError) throw badRequest(`payment charge ${charge.id}: ${next.message}`)
  charge.status = next
  charge.updatedAt = at
}
