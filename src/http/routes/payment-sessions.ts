import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { refuse } from '../../domain/errors.js'
import { AuthorizeSessionBodySchema, CreateSessionBodySchema, PatchSessionBodySchema, SessionParamsSchema } from '../schemas/sessions.js'
import { sessionAuthorizationView, sessionFetchView, sessionView } from '../session-views.js'
import { warnUnknownFields } from '../validation.js'

const BASE = '/v1/payment-sessions/:sessionId'
const MERGE_PATCH = 'application/merge-patch+json'

/** PPRO's patch takes `application/merge-patch+json` only, as its file declares; anything else is a 415 before parsing. */
async function requireMergePatch(request: FastifyRequest): Promise<void> {
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase()
  if (type !== MERGE_PATCH) throw refuse('mergePatchOnly', type)
}

/** Payment sessions, the drop-in flow: create, read, patch while open, authorize once. */
export async function paymentSessionRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { sessions, publicBaseUrl: baseUrl } = fastify.sandbox
  const params = { params: SessionParamsSchema }

  // A merge patch is JSON; an empty one is no body, as on the other routes.
  const json = fastify.getDefaultJsonParser('remove', 'remove')
  fastify.addContentTypeParser(MERGE_PATCH, { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined)
    else json(request, body as string, done)
  })

  app.post('/v1/payment-sessions', { schema: { body: CreateSessionBodySchema } }, async (req) => {
    const session = sessions.create(req.merchantId, req.body)
    return sessionView(session, sessions.availablePaymentMethods(session))
  })
  app.get(BASE, { schema: params }, async (req) =>
    sessionFetchView(sessions.state(sessions.get(req.merchantId, req.params.sessionId)), baseUrl),
  )
  app.patch(
    BASE,
    { schema: { ...params, body: PatchSessionBodySchema }, onRequest: requireMergePatch, preHandler: warnUnknownFields },
    async (req) => {
      const session = sessions.patch(sessions.get(req.merchantId, req.params.sessionId), req.body)
      return sessionView(session, sessions.availablePaymentMethods(session))
    },
  )
  app.post(`${BASE}/authorizations`, { schema: { ...params, body: AuthorizeSessionBodySchema } }, async (req) =>
    sessionAuthorizationView(sessions.authorize(sessions.get(req.merchantId, req.params.sessionId), req.body), baseUrl),
  )

  /** Test control, beside the charges' and agreements': end a session's lifetime now, without moving the clock. */
  app.post('/sandbox/payment-sessions/:sessionId/expire', { schema: params }, async (req) => {
    const session = sessions.get(req.merchantId, req.params.sessionId)
    if (!sessions.expire(session)) throw refuse('sessionNotOpen', session.id, session.status)
    return sessionFetchView(sessions.state(session), baseUrl)
  })
}
