import type { FastifyInstance } from 'fastify'
import { buildDocument } from './document.js'
import { DOCS_CSS, renderDocs } from './docs-page.js'
import type { RegisteredRoute } from './registry.js'

/** No script, no other origin: the page is its HTML and its style sheet. */
const DOCS_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
}

/**
 * `GET /openapi.json` and `GET /docs`. Both are built on their first request, once every route is
 * registered, and kept: converting the schemas costs nothing at start-up.
 */
export async function openapiRoutes(app: FastifyInstance, { routes, baseUrl }: { routes: readonly RegisteredRoute[]; baseUrl: string }) {
  let doc: { json: string; html: string } | undefined
  const built = () => {
    if (!doc) {
      const document = buildDocument(routes, baseUrl)
      doc = { json: JSON.stringify(document), html: renderDocs(document) }
    }
    return doc
  }
  app.get('/openapi.json', async (_req, reply) => reply.type('application/json; charset=utf-8').send(built().json))
  app.get('/docs', async (_req, reply) => reply.headers(DOCS_HEADERS).send(built().html))
  app.get('/docs/docs.css', async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('x-content-type-options', 'nosniff').send(DOCS_CSS),
  )
}
