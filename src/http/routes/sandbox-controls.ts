import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import * as z from 'zod'
import type { ConsumerOutcome } from '../../domain/charge.js'
import { refuse } from '../../domain/errors.js'
import { type FailureCode, PROVIDER_DECLINE_CODES } from '../../domain/failures.js'
import { agreementResponse, chargeResponse } from '../responses.js'

const DeclineBodySchema = z
  .strictObject({ failureCode: z.enum(PROVIDER_DECLINE_CODES as [FailureCode, ...FailureCode[]]).optional() })
  .nullish()

const RevokeBodySchema = z.strictObject({ by: z.enum(['CONSUMER', 'PROVIDER']) })

const TEN_YEARS_S = 10 * 366 * 86_400
const ClockBodySchema = z.strictObject({ advanceSeconds: z.number().min(0).max(TEN_YEARS_S) })

/** What the consumer's decision needs of a charge or an agreement: both answer false when it is already made. */
interface AwaitsConsumer<T> {
  authenticate(subject: T, outcome: ConsumerOutcome): boolean
  expire(subject: T): boolean
}

interface Controlled<T extends { id: string; status: string }> {
  path: string
  param: string
  noun: string
  get: (merchantId: string, id: string) => T
  service: AwaitsConsumer<T>
  /** The subject as PPRO answers it. */
  respond: (subject: T) => unknown
}

/**
 * The control plane for tests, outside `/v1`: force a consumer outcome without a browser, move the
 * sandbox clock, and wipe the calling merchant's data.
 */
export async function sandboxControlRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { sandbox } = fastify
  const { charges, agreements, publicBaseUrl: baseUrl } = sandbox

  /** The consumer's four answers, alike for charges and agreements. */
  function consumerControls<T extends { id: string; status: string }>(r: Controlled<T>) {
    const params = { params: z.object({ [r.param]: z.string() }) }
    const subject = (req: { merchantId: string; params: unknown }) =>
      r.get(req.merchantId, (req.params as Record<string, string>)[r.param]!)
    const decide = (x: T, outcome: ConsumerOutcome) => {
      if (!r.service.authenticate(x, outcome)) throw refuse('outcomeDecided', r.noun, x.id, x.status)
      return r.respond(x)
    }
    const base = `/sandbox/${r.path}/:${r.param}`
    app.post(`${base}/approve`, { schema: params }, async (req) => decide(subject(req), { action: 'approve' }))
    app.post(`${base}/decline`, { schema: { ...params, body: DeclineBodySchema } }, async (req) =>
      decide(subject(req), { action: 'decline', failureCode: req.body?.failureCode ?? 'AUTHENTICATION_FAILED' }),
    )
    app.post(`${base}/cancel`, { schema: params }, async (req) => decide(subject(req), { action: 'cancel' }))
    app.post(`${base}/expire`, { schema: params }, async (req) => {
      const x = subject(req)
      if (!r.service.expire(x)) throw refuse('outcomeDecided', r.noun, x.id, x.status)
      return r.respond(x)
    })
  }
  consumerControls({
    path: 'payment-charges',
    param: 'paymentChargeId',
    noun: 'payment charge',
    get: (m, id) => charges.get(m, id),
    service: charges,
    respond: (c) => chargeResponse(c, baseUrl),
  })
  consumerControls({
    path: 'payment-agreements',
    param: 'agreementId',
    noun: 'payment agreement',
    get: (m, id) => agreements.get(m, id),
    service: agreements,
    respond: (a) => agreementResponse(a, baseUrl),
  })

  /** Revocation by the consumer (in the KakaoPay app) or the provider, which no merchant API can do. */
  app.post(
    '/sandbox/payment-agreements/:agreementId/revoke',
    { schema: { params: z.object({ agreementId: z.string() }), body: RevokeBodySchema } },
    async (req) => {
      const a = agreements.get(req.merchantId, req.params.agreementId)
      if (agreements.revoke(a, req.body.by).status === 'FAILED') throw refuse('cannotRevoke', a.id, a.status)
      return agreementResponse(a, baseUrl)
    },
  )

  const clockResponse = () => ({ now: new Date(sandbox.clock.now()).toISOString(), offsetSeconds: sandbox.clock.offsetMs / 1000 })
  app.get('/sandbox/clock', async () => clockResponse())
  app.post('/sandbox/clock', { schema: { body: ClockBodySchema } }, async (req) => {
    sandbox.advance(Math.round(req.body.advanceSeconds * 1000))
    return clockResponse()
  })

  app.delete('/sandbox/data', async (req) => ({ deleted: sandbox.reset(req.merchantId) }))
}
