import t from 'tap'
import type { AgreementStatus } from '../../src/domain/agreement.js'
import { AGREEMENT_TRANSITIONS, agreementMachine } from '../../src/domain/agreement-machine.js'
import { TransitionError } from '../../src/domain/machine.js'

const STATUSES = Object.keys(AGREEMENT_TRANSITIONS) as AgreementStatus[]

t.test("every pair of PPRO's agreement statuses: allowed exactly when the table says", async (t) => {
  t.same(STATUSES.sort(), [
    'ACTIVE',
    'AUTHENTICATION_PENDING',
    'AUTHORIZATION_PROCESSING',
    'FAILED',
    'INITIALIZING',
    'REVOKED_BY_CONSUMER',
    'REVOKED_BY_MERCHANT',
    'REVOKED_BY_PROVIDER',
  ])
  for (const from of STATUSES) {
    for (const to of STATUSES) {
      const result = agreementMachine.nextStatus(from, to)
      if (AGREEMENT_TRANSITIONS[from].includes(to)) t.equal(result, to, `${from} -> ${to}`)
      else t.ok(result instanceof TransitionError && /payment agreement in status/.test(result.message), `${from} -> ${to} refused`)
    }
  }
  t.same([...agreementMachine.terminal].sort(), ['FAILED', 'REVOKED_BY_CONSUMER', 'REVOKED_BY_MERCHANT', 'REVOKED_BY_PROVIDER'])
})

t.test('the KakaoPay sign-up path and its ends', async (t) => {
  for (const [from, to] of [
    ['INITIALIZING', 'AUTHENTICATION_PENDING'],
    ['INITIALIZING', 'FAILED'],
    ['AUTHENTICATION_PENDING', 'ACTIVE'],
    ['AUTHENTICATION_PENDING', 'FAILED'],
    ['ACTIVE', 'REVOKED_BY_MERCHANT'],
    ['ACTIVE', 'REVOKED_BY_CONSUMER'],
    ['ACTIVE', 'REVOKED_BY_PROVIDER'],
  ] as const)
    t.ok(agreementMachine.canTransition(from, to), `${from} -> ${to}`)
  t.notOk(agreementMachine.canTransition('ACTIVE', 'AUTHENTICATION_PENDING'), 'an active agreement is not signed up again')
  t.notOk(agreementMachine.canTransition('REVOKED_BY_MERCHANT', 'ACTIVE'), 'revocation is final')
  const a = { id: 'agr_x', status: 'FAILED' as AgreementStatus, updatedAt: 1 }
  t.throws(() => agreementMachine.transition(a, 'ACTIVE', 2), {
    message: /payment agreement agr_x: a payment agreement in status FAILED cannot move to ACTIVE/,
  })
  t.same(a, { id: 'agr_x', status: 'FAILED', updatedAt: 1 }, 'unchanged')
})
