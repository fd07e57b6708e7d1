import type { FastifyInstance } from 'fastify'
import type { MerchantRegistry } from '../../webhooks/merchants.js'

/**
 * `GET /sandbox/status`: what a script needs to talk to this sandbox as the calling merchant (its
 * public URL, webhook URL and signing secret, the sandbox clock). The secret is the caller's own.
 */
export async function sandboxStatusRoutes(app: FastifyInstance, { merchants }: { merchants: MerchantRegistry }) {
  const { sandbox } = app
  app.get('/sandbox/status', async (req) => ({
    status: 'ok',
    url: sandbox.publicBaseUrl,
    merchantId: req.merchantId,
    webhookUrl: merchants.webhookUrl(req.merchantId) ?? null,
    webhookSecret: merchants.webhookSecret(req.merchantId),
    clock: { now: new Date(sandbox.clock.now()).toISOString(), offsetSeconds: sandbox.clock.offsetMs / 1000 },
  }))
}
