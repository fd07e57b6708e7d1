import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Charge } from '../../domain/charge.js'
import type { ConsumerOutcome } from '../../domain/charges.js'
import { conflict } from '../../domain/errors.js'
import { type FailureCode, PROVIDER_DECLINE_CODES } from '../../domain/failures.js'
import type { Agreement } from '../../domain/agreement.js'
import { AgreementParamsSchema } from '../schemas/agreements.js'
import { ChargeParamsSchema } from '../schemas/charges.js'
import { agreementView, chargeView } from '../views.js'
import type { RouteOptions } from './payment-charges.js'

const DeclineBodySchema = z
  .strictObject({ failureCode: z.enum(PROVIDER_DECLINE_CODES as [FailureCode, ...FailureCode[]]).optional() })
  .nullish()

const RevokeBodySchema = z.strictObject({ by: z.enum(['CONSUMER', 'PROVIDER']) })

const TEN_YEARS_S = 10 * 366 * 86_400
const ClockBodySchema = z.strictObject({ advanceSeconds: z.number().min(0).max(TEN_YEARS_S) })

/**
 * The control plane for tests, outside `/v1`: force a consumer outcome without a browser, move the
 * sandbox clock, and wipe the calling merchant's data.
 */
export async function sandboxControlRoutes(fastify: FastifyInstance, { sandbox, baseUrl }: RouteOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { charges } = sandbox
  const params = { params: ChargeParamsSchema }

  const decide = (charge: Charge, outcome: ConsumerOutcome) => {
    if (!charges.authenticate(charge, outcome).changed) throw finished(charge)
    return chargeView(charge, baseUrl)
  }
  const finished = (charge: Charge) =>
    conflict(`payment charge ${charge.id} is ${charge.status}: its outcome is already decided, nothing was changed`)

  app.post('/sandbox/payment-charges/:paymentChargeId/approve', { schema: params }, async (req) =>
    decide(charges.get(req.merchantId, req.params.paymentChargeId), { action: 'approve' }),
  )
  app.post('/sandbox/payment-charges/:paymentChargeId/decline', { schema: { ...params, body: DeclineBodySchema } }, async (req) =>
    decide(charges.get(req.merchantId, req.params.paymentChargeId), {
      action: 'decline',
      failureCode: req.body?.failureCode ?? 'AUTHENTICATION_FAILED',
    }),
  )
  app.post('/sandbox/payment-charges/:paymentChargeId/cancel', { schema: params }, async (req) =>
    decide(charges.get(req.merchantId, req.params.paymentChargeId), { action: 'cancel' }),
  )
  app.post('/sandbox/payment-charges/:paymentChargeId/expire', { schema: params }, async (req) => {
    const charge = charges.get(req.merchantId, req.params.paymentChargeId)
    if (!charges.expire(charge)) throw finished(charge)
    return chargeView(charge, baseUrl)
  })

  const clockView = () => ({ now: new Date(sandbox.clock.now()).toISOString(), offsetSeconds: sandbox.clock.offsetMs / 1000 })
  app.get('/sandbox/clock', async () => clockView())
  app.post('/sandbox/clock', { schema: { body: ClockBodySchema } }, async (req) => {
    sandbox.advance(Math.round(req.body.advanceSeconds * 1000))
    return clockView()
  })

  const agreementParams = { params: AgreementParamsSchema }
  const decideAgreement = (agreement: Agreement, outcome: ConsumerOutcome) => {
    if (!sandbox.agreements.authenticate(agreement, outcome).changed) throw agreementFinished(agreement)
    return agreementView(agreement, baseUrl)
  }
  const agreementFinished = (a: Agreement) =>
    conflict(`payment agreement ${a.id} is ${a.status}: the consumer's decision is already made, nothing was changed`)
  const agreement = (merchantId: string, id: string) => sandbox.agreements.get(merchantId, id)

  app.post('/sandbox/payment-agreements/:agreementId/approve', { schema: agreementParams }, async (req) =>
    decideAgreement(agreement(req.merchantId, req.params.agreementId), { action: 'approve' }),
  )
  app.post('/sandbox/payment-agreements/:agreementId/decline', { schema: { ...agreementParams, body: DeclineBodySchema } }, async (req) =>
    decideAgreement(agreement(req.merchantId, req.params.agreementId), {
      action: 'decline',
      failureCode: req.body?.failureCode ?? 'AUTHENTICATION_FAILED',
    }),
  )
  app.post('/sandbox/payment-agreements/:agreementId/cancel', { schema: agreementParams }, async (req) =>
    decideAgreement(agreement(req.merchantId, req.params.agreementId), { action: 'cancel' }),
  )
  app.post('/sandbox/payment-agreements/:agreementId/expire', { schema: agreementParams }, async (req) => {
    const a = agreement(req.merchantId, req.params.agreementId)
    if (!sandbox.agreements.expire(a)) throw agreementFinished(a)
    return agreementView(a, baseUrl)
  })
  /** Revocation by the consumer (in the KakaoPay app) or the provider, which no merchant API can do. */
  app.post('/sandbox/payment-agreements/:agreementId/revoke', { schema: { ...agreementParams, body: RevokeBodySchema } }, async (req) => {
    const a = agreement(req.merchantId, req.params.agreementId)
    const result = sandbox.agreements.revoke(a, req.body.by)
    if (result.status === 'FAILED') throw conflict(`payment agreement ${a.id} is ${a.status}: it cannot be revoked`)
    return agreementView(a, baseUrl)
  })

  app.delete('/sandbox/data', async (req) => ({ deleted: sandbox.reset(req.merchantId) }))
}
