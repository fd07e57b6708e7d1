import type { AuthorizationStatus, Charge, ChargeStatus } from './charge.js'
import { defineMachine } from './machine.js'

export { TransitionError } from './machine.js'

/**
 * PPRO's charge life as data: from each status, the statuses it may move to. KakaoPay uses the
 * redirect path with automatic capture; the other rows keep the table whole for PPRO's other flows.
 * A partial refund leaves a charge `CAPTURED`; only the last one moves it to `REFUNDED`.
 */
export const TRANSITIONS: Readonly<Record<ChargeStatus, readonly ChargeStatus[]>> = {
  AUTHORIZATION_PROCESSING: ['AUTHENTICATION_PENDING', 'AUTHORIZATION_ASYNC', 'CAPTURE_PENDING', 'CAPTURED', 'FAILED'],
  AUTHENTICATION_PENDING: [
    'AUTHORIZATION_PROCESSING',
    'AUTHORIZATION_ASYNC',
    'CAPTURE_PENDING',
    'CAPTURED',
    'FAILED',
    'DISCARD_PROCESSING',
    'DISCARDED',
  ],
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

/**
 * What moves with the charge when it enters a status: its authorization's status. A move into a status
 * not listed here changes only the charge; an authorization already in the listed status is left as it
 * is (a refund settling moves a charge back to CAPTURED).
 */
export const ON_ENTER: Readonly<Partial<Record<ChargeStatus, { authorization: AuthorizationStatus }>>> = {
  AUTHENTICATION_PENDING: { authorization: 'AUTHENTICATION_PENDING' },
  AUTHORIZATION_ASYNC: { authorization: 'PROVIDER_CONFIRMATION_PENDING' },
  CAPTURED: { authorization: 'AUTHORIZED' },
  FAILED: { authorization: 'FAILED' },
  DISCARDED: { authorization: 'FAILED' },
}

const machine = defineMachine('payment charge', TRANSITIONS)

export const TERMINAL = machine.terminal
export const canTransition = machine.canTransition
export const nextStatus = machine.nextStatus

/** Statuses in which the consumer (or a test standing in for one) can still decide the outcome. */
export const AWAITING_CONSUMER: ReadonlySet<ChargeStatus> = new Set(['AUTHENTICATION_PENDING'])

/** Statuses from which `TRANSITIONS` can still lead to one awaiting the consumer (those included). */
export const MAY_AWAIT_CONSUMER: ReadonlySet<ChargeStatus> = (() => {
  const may = new Set<ChargeStatus>(AWAITING_CONSUMER)
  for (let grew = true; grew;) {
    grew = false
    for (const [from, to] of Object.entries(TRANSITIONS) as Array<[ChargeStatus, readonly ChargeStatus[]]>) {
      if (!may.has(from) && to.some((s) => may.has(s))) {
        may.add(from)
        grew = true
      }
    }
  }
  return may
})()

/**
 * The one place a stored charge changes status: the move is checked against `TRANSITIONS`, and what
 * `ON_ENTER` lists moves with it, timed alike.
 */
export function transition(charge: Charge, to: ChargeStatus, at: number): void {
  machine.transition(charge, to, at)
  const authorization = ON_ENTER[to]?.authorization
  const authz = charge.authorizations[0]
  if (authorization && authz && authz.status !== authorization) {
    authz.status = authorization
    authz.updatedAt = at
  }
}

/** A change to a charge that moves no status (a partial refund, a refund settling among others). */
export function touch(charge: Charge, at: number): void {
  charge.updatedAt = at
}
