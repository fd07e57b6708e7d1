import type { FastifyInstance } from 'fastify'

/** A route as Fastify registered it, with the zod schemas that validate its requests. */
export interface RegisteredRoute {
  method: string
  /** Fastify's form: `/v1/payment-charges/:paymentChargeId`. */
  url: string
  schema: { body?: unknown; params?: unknown; querystring?: unknown } | undefined
}

/**
 * Every route the app serves, collected as it is registered: the OpenAPI document is built from this
 * list and the schemas the routes validate with, so a route added anywhere appears in it, and its
 * shapes are the ones enforced. Collecting is one push per route; nothing is converted until the
 * document is first asked for.
 */
export function collectRoutes(app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = []
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue
      routes.push({ method, url: route.url, schema: route.schema as RegisteredRoute['schema'] })
    }
  })
  return routes
}
