import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Charge } from '../../domain/charge.js'
import { refuse } from '../../domain/errors.js'
import {
  CaptureBodySchema,
  ChargeParamsSchema,
  ConfirmationBodySchema,
  DiscardBodySchema,
  RefundBodySchema,
  SubresourceParamsSchema,
  VoidBodySchema,
} from '../schemas/charges.js'
import { authorizationView, captureView, discardView, fundsStatusesView, refundView, voidView } from '../responses.js'

const BASE = '/v1/payment-charges/:paymentChargeId'

/** What happens to a charge after creation: its sub-resources, refunds, and the operations KakaoPay refuses. */
export async function chargeOperationRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { charges, refunds, publicBaseUrl: baseUrl } = fastify.sandbox
  const params = { params: ChargeParamsSchema }
  const one = { params: SubresourceParamsSchema }
  const links = (url: string) => ({ self: { href: `${baseUrl}${url.split('?')[0]}` } })

  // The four sub-resources PPRO lists and reads alike: a list under the charge and one by id.
  const subresources: Array<[path: string, what: string, view: (c: Charge) => Array<{ id: string; view: unknown }>]> = [
    ['authorizations', 'authorization', (c) => c.authorizations.map((a) => ({ id: a.id, view: authorizationView(c, a) }))],
    ['captures', 'capture', (c) => c.captures.map((k) => ({ id: k.id, view: captureView(k) }))],
    ['refunds', 'refund', (c) => c.refunds.map((r) => ({ id: r.id, view: refundView(r) }))],
    ['voids', 'void', (c) => c.voids.map((v) => ({ id: v.id, view: voidView(v) }))],
  ]
  for (const [path, what, views] of subresources) {
    app.get(`${BASE}/${path}`, { schema: params }, async (req) => ({
      data: views(charges.get(req.merchantId, req.params.paymentChargeId)).map((x) => x.view),
      _links: links(req.url),
    }))
    app.get(`${BASE}/${path}/:subresourceId`, { schema: one }, async (req) => {
      const found = views(charges.get(req.merchantId, req.params.paymentChargeId)).find((x) => x.id === req.params.subresourceId)
      if (!found) throw refuse('notFound', what, req.params.subresourceId)
      return found.view
    })
  }

  app.post(`${BASE}/refunds`, { schema: { ...params, body: RefundBodySchema } }, async (req) =>
    refundView(refunds.refund(charges.get(req.merchantId, req.params.paymentChargeId), req.body)),
  )
  // What KakaoPay has no use for is refused with the reason, after PPRO's request schema is checked.
  app.post(`${BASE}/authorizations`, { schema: { ...params, body: ConfirmationBodySchema } }, async (req) =>
    charges.refuseConfirmation(charges.get(req.merchantId, req.params.paymentChargeId)),
  )
  app.post(`${BASE}/captures`, { schema: { ...params, body: CaptureBodySchema } }, async (req) =>
    charges.refuseCapture(charges.get(req.merchantId, req.params.paymentChargeId)),
  )
  app.post(`${BASE}/voids`, { schema: { ...params, body: VoidBodySchema } }, async (req) =>
    charges.refuseVoid(charges.get(req.merchantId, req.params.paymentChargeId)),
  )

  app.post(`${BASE}/discards`, { schema: { ...params, body: DiscardBodySchema } }, async (req) =>
    discardView(charges.discardByMerchant(charges.get(req.merchantId, req.params.paymentChargeId), req.body?.merchantDiscardReference)),
  )
  app.get(`${BASE}/funds-statuses`, { schema: params }, async (req) =>
    fundsStatusesView(charges.get(req.merchantId, req.params.paymentChargeId)),
  )
}
