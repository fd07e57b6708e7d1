import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { notFound } from '../../domain/errors.js'
import {
  CaptureBodySchema,
  ChargeParamsSchema,
  ConfirmationBodySchema,
  DiscardBodySchema,
  RefundBodySchema,
  SubresourceParamsSchema,
  VoidBodySchema,
} from '../schemas/charges.js'
import { authorizationView, captureView, discardView, fundsStatusesView, refundView, voidView } from '../views.js'
import type { RouteOptions } from './payment-charges.js'

const BASE = '/v1/payment-charges/:paymentChargeId'

/** What happens to a charge after creation: its sub-resources, refunds, and the operations KakaoPay refuses. */
export async function chargeOperationRoutes(fastify: FastifyInstance, { sandbox, baseUrl }: RouteOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { charges, refunds } = sandbox
  const params = { params: ChargeParamsSchema }
  const one = { params: SubresourceParamsSchema }
  const find = <T extends { id: string }>(list: readonly T[], what: string, id: string): T => {
    const item = list.find((x) => x.id === id)
    if (!item) throw notFound(what, id)
    return item
  }
  const links = (url: string) => ({ self: { href: `${baseUrl}${url.split('?')[0]}` } })

  app.get(`${BASE}/authorizations`, { schema: params }, async (req) => {
    const c = charges.get(req.merchantId, req.params.paymentChargeId)
    return { data: c.authorizations.map((a) => authorizationView(c, a)), _links: links(req.url) }
  })
  app.get(`${BASE}/authorizations/:subresourceId`, { schema: one }, async (req) => {
    const c = charges.get(req.merchantId, req.params.paymentChargeId)
    return authorizationView(c, find(c.authorizations, 'authorization', req.params.subresourceId))
  })
  app.post(`${BASE}/authorizations`, { schema: { ...params, body: ConfirmationBodySchema } }, async (req) =>
    charges.refuseConfirmation(charges.get(req.merchantId, req.params.paymentChargeId)),
  )

  app.get(`${BASE}/captures`, { schema: params }, async (req) => {
    const c = charges.get(req.merchantId, req.params.paymentChargeId)
    return { data: c.captures.map(captureView), _links: links(req.url) }
  })
  app.get(`${BASE}/captures/:subresourceId`, { schema: one }, async (req) =>
    captureView(find(charges.get(req.merchantId, req.params.paymentChargeId).captures, 'capture', req.params.subresourceId)),
  )
  app.post(`${BASE}/captures`, { schema: { ...params, body: CaptureBodySchema } }, async (req) =>
    charges.refuseCapture(charges.get(req.merchantId, req.params.paymentChargeId)),
  )

  app.get(`${BASE}/refunds`, { schema: params }, async (req) => {
    const c = charges.get(req.merchantId, req.params.paymentChargeId)
    return { data: c.refunds.map(refundView), _links: links(req.url) }
  })
  app.get(`${BASE}/refunds/:subresourceId`, { schema: one }, async (req) =>
    refundView(find(charges.get(req.merchantId, req.params.paymentChargeId).refunds, 'refund', req.params.subresourceId)),
  )
  app.post(`${BASE}/refunds`, { schema: { ...params, body: RefundBodySchema } }, async (req) =>
    refundView(refunds.refund(charges.get(req.merchantId, req.params.paymentChargeId), req.body)),
  )

  app.get(`${BASE}/voids`, { schema: params }, async (req) => {
    const c = charges.get(req.merchantId, req.params.paymentChargeId)
    return { data: c.voids.map(voidView), _links: links(req.url) }
  })
  app.get(`${BASE}/voids/:subresourceId`, { schema: one }, async (req) =>
    voidView(find(charges.get(req.merchantId, req.params.paymentChargeId).voids, 'void', req.params.subresourceId)),
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
