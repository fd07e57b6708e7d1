import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { ConfirmationBodySchema } from '../schemas/charges.js'
import { AgreementChargeBodySchema, AgreementParamsSchema, CreateAgreementBodySchema, RevocationBodySchema } from '../schemas/agreements.js'
import { agreementChargeResponse, agreementResponse } from '../responses.js'

const BASE = '/v1/payment-agreements/:agreementId'

/** Recurring payments: agreements, the charges a merchant makes on them, and revocation. */
export async function paymentAgreementRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { agreements, publicBaseUrl: baseUrl } = fastify.sandbox
  const params = { params: AgreementParamsSchema }

  app.post('/v1/payment-agreements', { schema: { body: CreateAgreementBodySchema } }, async (req) =>
    agreementResponse(agreements.create(req.merchantId, req.body), baseUrl),
  )
  app.get(BASE, { schema: params }, async (req) => agreementResponse(agreements.get(req.merchantId, req.params.agreementId), baseUrl))
  app.post(`${BASE}/payment-charges`, { schema: { ...params, body: AgreementChargeBodySchema } }, async (req) =>
    agreementChargeResponse(agreements.chargeMerchantInitiated(agreements.get(req.merchantId, req.params.agreementId), req.body), baseUrl),
  )
  app.post(`${BASE}/revocations`, { schema: { ...params, body: RevocationBodySchema } }, async (req) =>
    agreements.revoke(agreements.get(req.merchantId, req.params.agreementId), 'MERCHANT'),
  )
  app.post(`${BASE}/authorizations`, { schema: { ...params, body: ConfirmationBodySchema } }, async (req) =>
    agreements.refuseConfirmation(agreements.get(req.merchantId, req.params.agreementId)),
  )
}
