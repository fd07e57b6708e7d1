import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Charge } from '../../domain/charge.js'
import type { ConsumerOutcome } from '../../domain/charges.js'
import { conflict } from '../../domain/errors.js'
import { type FailureCode, PROVIDER_DECLINE_CODES } from '../../domain/failures.js'
import { ChargeParamsSchema } from '../schemas/charges.js'
import { chargeView } from '../views.js'
import type { RouteOptions } from './payment-charges.js'

const DeclineBodySchema = z
  .strictObject({ failureCode: z.enum(PROVIDER_DECLINE_CODES as [FailureCode, ...FailureCode[]]).optional() })
  .nullish()

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
    if (!charges.expireNow(charge)) throw finished(charge)
    return chargeView(charge, baseUrl)
  })

  const clockView = () => ({ now: new Date(sandbox.clock.now()).toISOString(), offsetSeconds: sandbox.clock.offsetMs / 1000 })
  app.get('/sandbox/clock', async () => clockView())
  app.post('/sandbox/clock', { schema: { body: ClockBodySchema } }, async (req) => {
    sandbox.advance(Math.round(req.body.advanceSeconds * 1000))
    return clockView()
  })

  app.delete('/sandbox/data', async (req) => ({ deleted: sandbox.reset(req.merchantId) }))
}
