import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { refuse } from '../domain/errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The calling merchant (`Merchant-Id`), set by `checkCredentials` on every `/v1` and `/sandbox` call. */
    merchantId: string
  }
}

const BEARER = /^bearer\s+(.*)$/is

/**
 * PPRO's credentials: `Authorization: Bearer <key>` and `Merchant-Id`. With no API_KEYS configured any
 * non-empty key is taken, so a sandbox works with whatever key a merchant's test config already has.
 * A request without them is refused (401) through the error handler.
 */
export function checkCredentials(apiKeys: readonly string[]) {
  const keys = new Set(apiKeys)
  return function checkCredentials(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const auth = request.headers.authorization
    const merchantId = request.headers['merchant-id']
    const key = (auth && BEARER.exec(auth)?.[1]?.trim()) || ''
    if (!key || (keys.size > 0 && !keys.has(key)) || typeof merchantId !== 'string' || merchantId.trim() === '') {
      done(refuse('unauthorized'))
      return
    }
    request.merchantId = merchantId.trim()
    done()
  }
}
