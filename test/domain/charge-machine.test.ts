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

t.test('every pair of statuses: allowed exactly when the table says, refused otherwise', async (t) => {
  let allowed = 0
  let refused = 0
  for (const from of CHARGE_STATUSES) {
    for (const to of CHARGE_STATUSES) {
      const result = nextStatus(from, to)
      if (TRANSITIONS[from].includes(to)) {
        t.equal(result, to, `${from} -> ${to}`)
        allowed++
      } else {
        t.ok(result instanceof TransitionError, `${from} -> ${to} refused`)
        if (result instanceof TransitionError) t.same([result.from, result.to], [from, to])
        refused++
      }
    }
  }
  t.equal(allowed + refused, CHARGE_STATUSES.length ** 2)
  t.ok(refused > allowed, 'most moves are refused')
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
