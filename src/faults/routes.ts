import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import * as z from 'zod'
import { type FaultStore, ruleView } from './store.js'

const RuleParamsSchema = z.object({ faultId: z.string() })

/**
 * `/sandbox/faults`: the calling merchant's fault rules. A rule body is validated by the store (one
 * message naming every field at fault), so the route takes any JSON.
 */
export async function faultRoutes(
  fastify: FastifyInstance,
  { store, onClear }: { store: FaultStore; onClear: (merchantId: string) => void },
) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()

  app.get('/sandbox/faults', async (req) => ({ data: store.list(req.merchantId).map(ruleView) }))

  app.post('/sandbox/faults', async (req, reply) => {
    const rule = store.add(req.merchantId, req.body)
    req.log.info({ rule: rule.id }, 'fault rule added')
    return reply.code(201).send(ruleView(rule))
  })

  app.delete('/sandbox/faults/:faultId', { schema: { params: RuleParamsSchema } }, async (req) =>
    ruleView(store.remove(req.merchantId, req.params.faultId)),
  )

  app.delete('/sandbox/faults', async (req) => {
    onClear(req.merchantId)
    return { deleted: store.clear(req.merchantId) }
  })
}
