import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { envelope } from './errors.js'

/**
 * The paths the API serves and the methods each takes, collected as routes are added, so a request
 * for a known path with another method answers 405 with `Allow` (and an unknown path 404) from the one
 * not-found handler, without a route per refused method.
 */
export class KnownRoutes {
  readonly #routes: Array<{ url: string; pattern: RegExp; methods: Set<string> }> = []

  watch(app: FastifyInstance, prefixes: readonly string[]): void {
    app.addHook('onRoute', (route) => {
      if (!prefixes.some((p) => route.url.startsWith(p))) return
      for (const method of [route.method].flat()) if (method !== 'HEAD') this.#add(route.url, method)
    })
  }

  #add(url: string, method: string): void {
    let entry = this.#routes.find((r) => r.url === url)
    if (!entry) {
      const pattern = new RegExp(`^${url.replace(/:[^/]+/g, '[^/]+')}/?$`)
      entry = { url, pattern, methods: new Set() }
      this.#routes.push(entry)
    }
    entry.methods.add(method)
  }

  /** The route a path belongs to and its methods, or undefined for a path the API does not have. */
  match(path: string): { url: string; methods: string[] } | undefined {
    const entry = this.#routes.find((r) => r.pattern.test(path))
    return entry && { url: entry.url, methods: [...entry.methods].sort() }
  }

  notFoundHandler(now: () => number) {
    return (request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split('?')[0]!
      const known = this.match(path)
      if (known) {
        const allowed = known.methods.join(', ')
        return reply
          .code(405)
          .header('allow', allowed)
          .send(envelope(405, `${request.method} is not allowed on ${known.url}; allowed: ${allowed}`, now()))
      }
      return reply.code(404).send(envelope(404, `no such endpoint: ${request.method} ${path}`, now()))
    }
  }
}
