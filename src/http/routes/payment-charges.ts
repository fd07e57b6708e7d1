import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { chargeView } from '../responses.js'
import { ChargeParamsSchema, CreateChargeBodySchema, SearchChargesQuerySchema } from '../schemas/charges.js'

/** Creating, searching and reading payment charges. */
export async function paymentChargeRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { charges, publicBaseUrl: baseUrl } = fastify.sandbox

  app.post('/v1/payment-charges', { schema: { body: CreateChargeBodySchema } }, async (req) =>
    chargeView(charges.create(req.merchantId, req.body), baseUrl),
  )

  app.get('/v1/payment-charges', { schema: { querystring: SearchChargesQuerySchema } }, async (req) => {
    const { data, nextPage } = charges.search(req.merchantId, req.query)
    const self = new URL(`${baseUrl}${req.url}`)
    const links: Record<string, { href: string }> = { self: { href: self.href } }
    if (nextPage) {
      self.searchParams.set('page', nextPage)
      links.next = { href: self.href }
    }
    return { data: data.map((c) => chargeView(c, baseUrl)), nextPage, _links: links }
  })

  app.get('/v1/payment-charges/:paymentChargeId', { schema: { params: ChargeParamsSchema } }, async (req) =>
    chargeView(charges.get(req.merchantId, req.params.paymentChargeId), baseUrl),
  )
}
