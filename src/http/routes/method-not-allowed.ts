import type { FastifyInstance } from 'fastify'
import { envelope } from '../errors.js'

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

/** Answers 405 (with `Allow`) for the methods a known path does not take, instead of a bare 404. */
export function methodNotAllowed(app: FastifyInstance, url: string, allowed: readonly string[], now: () => number): void {
  const others = METHODS.filter((m) => !allowed.includes(m))
  if (others.length === 0) return
  app.route({
    method: others,
    url,
    handler: async (request, reply) =>
      reply
        .code(405)
        .header('allow', allowed.join(', '))
        .send(envelope(405, `${request.method} is not allowed on ${url}; allowed: ${allowed.join(', ')}`, now())),
  })
}
