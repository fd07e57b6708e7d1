import type { FastifyInstance } from 'fastify'
import { ApiFaults } from './api.js'
import { faultRoutes } from './routes.js'
import { FaultStore } from './store.js'
import { WebhookFaults } from './webhooks.js'

export type * from './rules.js'
export { faultsClient, type FaultsClient, type FaultsClientOptions } from './client.js'

/**
 * Fault injection, as one plugin registered in the API scope before PPRO's routes: rules per merchant
 * (`/sandbox/faults`), the `Sandbox-Fault` request header, API faults on `/v1` routes and webhook
 * faults in the dispatcher. It runs in its parent's scope (not encapsulated) so its route hooks reach
 * the routes registered after it.
 */
export async function sandboxFaults(api: FastifyInstance) {
  const { sandbox } = api
  const store = new FaultStore(() => sandbox.clock.now())
  const journal = api.requestJournal
  // Replicas keep the rules in Redis and decide there whether one fires (src/redis/faults.ts).
  const shared = api.replica && (await api.replica.shareFaults(store))
  new ApiFaults(store, {
    shared,
    now: () => sandbox.clock.now(),
    onUnanswered: journal && ((request, reply) => journal.unanswered(request, reply)),
    chargeReference: (merchantId, chargeId) => {
      try {
        return sandbox.charges.get(merchantId, chargeId).merchantPaymentChargeReference
      } catch {
        return undefined // no such charge of this merchant: the request answers so itself
      }
    },
  }).install(api)
  const webhooks = new WebhookFaults({
    store,
    dispatcher: sandbox.webhooks,
    scheduler: sandbox.scheduler,
    clock: sandbox.clock,
    logger: api.log.child({ component: 'faults' }),
  })
  sandbox.webhooks.faults = webhooks.decide
  const clear = (merchantId: string) => {
    store.clear(merchantId)
    webhooks.deleteMerchant(merchantId)
  }
  sandbox.onReset(clear)
  await api.register(faultRoutes, { store, onClear: (merchantId) => webhooks.deleteMerchant(merchantId) })
}
;(sandboxFaults as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true
