import t from 'tap'
import { CHARGE_STATUSES, type Charge, type ChargeStatus } from '../../src/domain/charge.js'
import { canTransition, nextStatus, TERMINAL, transition, TransitionError, TRANSITIONS } from '../../src/domain/charge-machine.js'
import { ApiError } from '../../src/domain/errors.js'

/** The moves the sandbox makes for KakaoPay, written out independently of the table. */
const KAKAOPAY_PATHS: Array<[ChargeStatus, ChargeStatus]> = [
  ['AUTHORIZATION_PROCESSING', 'AUTHENTICATION_PENDING'], // created
  ['AUTHORIZATION_PROCESSING', 'FAILED'], // declined at creation
  ['AUTHENTICATION_PENDING', 'CAPTURED'], // approved, captured at once
  ['AUTHENTICATION_PENDING', 'FAILED'], // declined or canceled by the consumer
  ['AUTHENTICATION_PENDING', 'DISCARDED'], // timeout or merchant discard
  ['AUTHENTICATION_PENDING', 'AUTHORIZATION_ASYNC'], // waiting on provider confirmation
  ['AUTHORIZATION_ASYNC', 'CAPTURED'],
  ['AUTHORIZATION_ASYNC', 'FAILED'],
  ['CAPTURED', 'REFUNDED'], // last refund
]

t.test('every PPRO status has a row and the terminal set is exactly the dead ends', async (t) => {
  t.same(Object.keys(TRANSITIONS).sort(), [...CHARGE_STATUSES].sort())
  t.same([...TERMINAL].sort(), ['DISCARDED', 'FAILED', 'REFUNDED', 'VOIDED'])
  for (const s of CHARGE_STATUSES) for (const to of TRANSITIONS[s]) t.ok(CHARGE_STATUSES.includes(to), `${s} -> ${to} names a PPRO status`)
})

t.test('the KakaoPay flow uses only allowed moves', async (t) => {
  for (const [from, to] of KAKAOPAY_PATHS) t.ok(canTransition(from, to), `${from} -> ${to} allowed`)
})

/**
 * Every move PPRO's charge life allows, written out by hand: an edit to TRANSITIONS must be mirrored
 * here on purpose. (Derived from the table itself, this test could not fail.)
 */
const ALLOWED = [
  'AUTHORIZATION_PROCESSING -> AUTHENTICATION_PENDING',
  'AUTHORIZATION_PROCESSING -> AUTHORIZATION_ASYNC',
  'AUTHORIZATION_PROCESSING -> CAPTURE_PENDING',
  'AUTHORIZATION_PROCESSING -> CAPTURED',
  'AUTHORIZATION_PROCESSING -> FAILED',
  'AUTHENTICATION_PENDING -> AUTHORIZATION_PROCESSING',
  'AUTHENTICATION_PENDING -> AUTHORIZATION_ASYNC',
  'AUTHENTICATION_PENDING -> CAPTURE_PENDING',
  'AUTHENTICATION_PENDING -> CAPTURED',
  'AUTHENTICATION_PENDING -> FAILED',
  'AUTHENTICATION_PENDING -> DISCARD_PROCESSING',
  'AUTHENTICATION_PENDING -> DISCARDED',
  'AUTHORIZATION_ASYNC -> CAPTURE_PENDING',
  'AUTHORIZATION_ASYNC -> CAPTURED',
  'AUTHORIZATION_ASYNC -> FAILED',
  'AUTHORIZATION_ASYNC -> DISCARD_PROCESSING',
  'AUTHORIZATION_ASYNC -> DISCARDED',
  'CAPTURE_PENDING -> CAPTURE_PROCESSING',
  'CAPTURE_PENDING -> CAPTURED',
  'CAPTURE_PENDING -> VOID_PROCESSING',
  'CAPTURE_PENDING -> VOIDED',
  'CAPTURE_PENDING -> FAILED',
  'CAPTURE_PROCESSING -> CAPTURED',
  'CAPTURE_PROCESSING -> FAILED',
  'CAPTURED -> REFUND_PROCESSING',
  'CAPTURED -> REFUNDED',
  'REFUND_PROCESSING -> CAPTURED',
  'REFUND_PROCESSING -> REFUNDED',
  'VOID_PROCESSING -> VOIDED',
  'VOID_PROCESSING -> CAPTURE_PENDING',
  'DISCARD_PROCESSING -> DISCARDED',
  'DISCARD_PROCESSING -> AUTHENTICATION_PENDING',
].sort()

t.test('every pair of statuses: exactly the moves written out above are allowed; a refusal names both', async (t) => {
  const allowed: string[] = []
  for (const from of CHARGE_STATUSES) {
    for (const to of CHARGE_STATUSES) {
      const result = nextStatus(from, to)
      if (result === to) allowed.push(`${from} -> ${to}`)
      else if (!(result instanceof TransitionError) || result.from !== from || result.to !== to)
        t.fail(`${from} -> ${to}: ${String(result)}`)
    }
  }
  t.same(allowed.sort(), ALLOWED)
})

t.test('no move leaves a terminal status, and nothing moves back to pending after a result', async (t) => {
  for (const s of TERMINAL) for (const to of CHARGE_STATUSES) t.notOk(canTransition(s, to), `${s} -> ${to}`)
  for (const s of ['CAPTURED', 'FAILED', 'REFUNDED', 'DISCARDED'] as const) t.notOk(canTransition(s, 'AUTHENTICATION_PENDING'))
})

t.test('transition() changes a charge, or throws a 400 and leaves it untouched', async (t) => {
  const authorization = { status: 'AUTHENTICATION_PENDING', updatedAt: 1 }
  const charge = { id: 'charge_x', status: 'AUTHENTICATION_PENDING', updatedAt: 1, authorizations: [authorization] } as unknown as Charge
  transition(charge, 'CAPTURED', 5)
  t.same([charge.status, charge.updatedAt], ['CAPTURED', 5])
  t.same(authorization, { status: 'AUTHORIZED', updatedAt: 5 }, 'the authorization moves with the charge (ON_ENTER)')
  const err = t.throws(() => transition(charge, 'FAILED', 9), { message: /CAPTURED cannot move to FAILED/ })
  t.ok(err instanceof ApiError && err.status === 400, 'a 400 for the HTTP layer')
  t.same([charge.status, charge.updatedAt], ['CAPTURED', 5], 'unchanged after a refused move')
  t.same(authorization, { status: 'AUTHORIZED', updatedAt: 5 }, 'its authorization too')
})
