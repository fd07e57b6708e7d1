import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'

declare module 'fastify' {
  interface FastifyRequest {
    /** The calling merchant (`Merchant-Id`), set by the auth hook on every `/v1` and `/sandbox` call. */
    merchantId: string
  }
}

const UNAUTHORIZED = { message: 'Unauthorized' }

/**
 * PPRO's credentials: `Authorization: Bearer <key>` and `Merchant-Id`. With no API_KEYS configured any
 * non-empty key is taken, so a sandbox works with whatever key a merchant's test config already has.
 * `onAuthenticated` runs for each accepted request before its handler.
 */
export function authHook(apiKeys: readonly string[], onAuthenticated: () => void = () => {}) {
  const keys = new Set(apiKeys)
  return function authenticate(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const auth = request.headers.authorization
    const merchantId = request.headers['merchant-id']
    const key = auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : ''
    if (!key || (keys.size > 0 && !keys.has(key)) || typeof merchantId !== 'string' || merchantId.trim() === '') {
      reply.code(401).send(UNAUTHORIZED)
      return
    }
    request.merchantId = merchantId.trim()
    onAuthenticated()
    done()
  }
}
