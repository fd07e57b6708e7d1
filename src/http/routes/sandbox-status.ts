import type { FastifyInstance } from 'fastify'
import type { Sandbox } from '../../domain/sandbox.js'

/**
 * `GET /sandbox/status`: what a script needs to talk to this sandbox as the calling merchant (its
 * public URL, webhook URL and signing secret, the sandbox clock). The secret is the caller's own.
 */
export async function sandboxStatusRoutes(app: FastifyInstance, { sandbox, baseUrl }: { sandbox: Sandbox; baseUrl: string }) {
  const { merchants } = sandbox.deps
  app.get('/sandbox/status', async (req) => ({
    status: 'ok',
    url: baseUrl,
    merchantId: req.merchantId,
    webhookUrl: merchants.webhookUrl(req.merchantId) ?? null,
    webhookSecret: merchants.webhookSecret(req.merchantId),
    clock: { now: new Date(sandbox.clock.now()).toISOString(), offsetSeconds: sandbox.clock.offsetMs / 1000 },
  }))
}
