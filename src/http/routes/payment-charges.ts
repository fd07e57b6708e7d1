import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { chargeResponse } from '../responses.js'
import { ChargeParamsSchema, CreateChargeBodySchema, SearchChargesQuerySchema } from '../schemas/charges.js'

const JSON_TYPE = 'application/json; charset=utf-8'

/** Creating, searching and reading payment charges. */
export async function paymentChargeRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { charges, publicBaseUrl: baseUrl } = fastify.sandbox

  app.post('/v1/payment-charges', { schema: { body: CreateChargeBodySchema } }, async (req) =>
    chargeResponse(charges.create(req.merchantId, req.body), baseUrl),
  )

  // A charge's answer is kept until it changes (http/charge-bodies.ts): a read sends the same text again,
  // and a page of a search is made of its charges' answers (the text JSON.stringify of the page gives).
  const bodies = fastify.chargeBodies

  app.get('/v1/payment-charges', { schema: { querystring: SearchChargesQuerySchema } }, async (req, reply) => {
    const { data, nextPage } = charges.search(req.merchantId, req.query)
    const self = new URL(`${baseUrl}${req.url}`)
    const links: Record<string, { href: string }> = { self: { href: self.href } }
    if (nextPage) {
      self.searchParams.set('page', nextPage)
      links.next = { href: self.href }
    }
    return reply.type(JSON_TYPE).send(bodies.page(data, nextPage, links))
  })

  app.get('/v1/payment-charges/:paymentChargeId', { schema: { params: ChargeParamsSchema } }, async (req, reply) =>
    reply.type(JSON_TYPE).send(bodies.of(charges.get(req.merchantId, req.params.paymentChargeId))),
  )
}
