import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import * as z from 'zod'
import { iso } from '../../domain/clock.js'
import { type Delivery, eventEnvelope } from '../../webhooks/dispatcher.js'

const ListQuerySchema = z.object({
  chargeId: z.string().optional(),
  agreementId: z.string().optional(),
  type: z.string().optional(),
})
const EventParamsSchema = z.object({ eventId: z.string() })

/** A delivery as the inspection endpoint shows it: the event as sent, and every attempt. */
export function deliveryResponse(d: Delivery) {
  return {
    eventId: d.event.id,
    type: d.event.type,
    subject: d.event.subject,
    chargeId: d.event.chargeId,
    agreementId: d.event.agreementId,
    url: d.url ?? null,
    status: d.status,
    held: d.held,
    createdAt: iso(d.event.time),
    payload: eventEnvelope(d.event),
    attempts: d.attempts.map((a, i) => ({
      attempt: i + 1,
      at: iso(a.at),
      statusCode: a.statusCode,
      error: a.error,
      durationMs: a.durationMs,
      nextAttemptAt: a.nextAttemptAt === undefined ? undefined : iso(a.nextAttemptAt),
      replay: a.replay,
      fault: a.fault,
    })),
  }
}

/** Sandbox-only: what webhooks the calling merchant was sent, and a way to send one again. */
export async function sandboxWebhookRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { sandbox } = fastify

  app.get('/sandbox/webhooks', { schema: { querystring: ListQuerySchema } }, async (req) => ({
    data: sandbox.webhooks.list(req.merchantId, req.query).map(deliveryResponse),
  }))

  app.post('/sandbox/webhooks/:eventId/replay', { schema: { params: EventParamsSchema } }, async (req) =>
    deliveryResponse(await sandbox.webhooks.replay(req.merchantId, req.params.eventId)),
  )
}
