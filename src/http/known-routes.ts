import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { refuse } from '../domain/errors.js'

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

  /** Refuses what no route answers, through the error handler: 405 with `Allow` for a known path, else 404. */
  notFoundHandler() {
    return (request: FastifyRequest, _reply: FastifyReply) => {
      const path = request.url.split('?')[0]!
      const known = this.match(path)
      if (!known) throw refuse('noSuchEndpoint', request.method, path)
      const allowed = known.methods.join(', ')
      throw refuse('methodNotAllowed', request.method, known.url, allowed).withHeaders({ allow: allowed })
    }
  }
}
