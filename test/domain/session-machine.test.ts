import t from 'tap'
import type { AgreementStatus } from '../../src/domain/agreement.js'
import { AGREEMENT_TRANSITIONS } from '../../src/domain/agreement-machine.js'
import { CHARGE_STATUSES } from '../../src/domain/charge.js'
import { TransitionError } from '../../src/domain/machine.js'
import {
  SESSION_STATUSES,
  SESSION_TRANSITIONS,
  sessionMachine,
  type SessionStatus,
  sessionStatusOfAgreement,
  sessionStatusOfCharge,
} from '../../src/domain/session-machine.js'

t.test("every pair of PPRO's session statuses: allowed exactly when the table says", async (t) => {
  t.same(Object.keys(SESSION_TRANSITIONS), [...SESSION_STATUSES])
  for (const from of SESSION_STATUSES) {
    for (const to of SESSION_STATUSES) {
      const result = sessionMachine.nextStatus(from, to)
      if (SESSION_TRANSITIONS[from].includes(to)) t.equal(result, to, `${from} -> ${to}`)
      else t.ok(result instanceof TransitionError && /payment session in status/.test(result.message), `${from} -> ${to} refused`)
    }
  }
  t.same([...sessionMachine.terminal].sort(), ['EXPIRED', 'FAILED', 'REUSE_LIMIT_EXCEEDED', 'SUCCEEDED'])
  t.same(
    SESSION_STATUSES.filter((s) => s !== 'INITIATED' && !SESSION_STATUSES.some((f) => SESSION_TRANSITIONS[f].includes(s))),
    ['REUSE_LIMIT_EXCEEDED'],
    'one authorization a session: nothing reaches REUSE_LIMIT_EXCEEDED',
  )
  const s = { id: 'sess_x', status: 'EXPIRED' as SessionStatus, updatedAt: 1 }
  t.throws(() => sessionMachine.transition(s, 'AUTHORIZING_INFLIGHT', 2), {
    message: 'payment session sess_x: a payment session in status EXPIRED cannot move to AUTHORIZING_INFLIGHT',
  })
  t.same(s, { id: 'sess_x', status: 'EXPIRED', updatedAt: 1 }, 'unchanged')
})

t.test('what a charge or agreement status means for its session', async (t) => {
  const byCharge = Object.fromEntries(CHARGE_STATUSES.map((c) => [c, sessionStatusOfCharge(c)]))
  t.same(byCharge, {
    AUTHORIZATION_PROCESSING: 'AUTHORIZING_INFLIGHT',
    AUTHORIZATION_ASYNC: 'AUTHORIZING_INFLIGHT',
    AUTHENTICATION_PENDING: 'AUTHENTICATION_PENDING',
    CAPTURE_PENDING: 'SUCCEEDED',
    CAPTURE_PROCESSING: 'SUCCEEDED',
    CAPTURED: 'SUCCEEDED',
    REFUND_PROCESSING: 'SUCCEEDED',
    REFUNDED: 'SUCCEEDED',
    VOID_PROCESSING: 'SUCCEEDED',
    VOIDED: 'SUCCEEDED',
    DISCARD_PROCESSING: undefined,
    DISCARDED: 'FAILED',
    FAILED: 'FAILED',
  })
  const statuses = Object.keys(AGREEMENT_TRANSITIONS) as AgreementStatus[]
  t.same(Object.fromEntries(statuses.map((a) => [a, sessionStatusOfAgreement(a)])), {
    INITIALIZING: 'AUTHORIZING_INFLIGHT',
    AUTHENTICATION_PENDING: 'AUTHENTICATION_PENDING',
    AUTHORIZATION_PROCESSING: 'AUTHORIZING_INFLIGHT',
    ACTIVE: 'SUCCEEDED',
    REVOKED_BY_CONSUMER: 'SUCCEEDED',
    REVOKED_BY_MERCHANT: 'SUCCEEDED',
    REVOKED_BY_PROVIDER: 'SUCCEEDED',
    FAILED: 'FAILED',
  })
})
