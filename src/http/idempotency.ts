import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { Clock } from '../domain/clock.js'
import { refuse } from '../domain/errors.js'
import type { IdempotencyStore, IdempotentEntry } from './idempotency-store.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The key of a /v1 POST and its entry, while the request runs; declared with `decorateRequest`. */
    idempotency: { key: string; entry: IdempotentEntry } | undefined
  }
}

/** JSON with sorted keys, so the same body sent with its fields in another order is the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

export function fingerprint(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n${canonical(request.body)}`)
    .digest('hex')
}

/**
 * PPRO's `Request-Idempotency-Key`, as route hooks for the POST routes of `/v1`: a replay answers the first
 * response with `Request-Idempotency: true`; another body, or the first still running, is a 409;
 * 4xx (and 5xx) answers are not remembered, so a corrected retry goes through; an empty key is no key.
 */
export function idempotencyHooks(store: IdempotencyStore, clock: Clock) {
  return {
    // preValidation: after the credentials (onRequest) and the body parser, before the schema changes the body.
    preValidation(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
      const raw = request.headers['request-idempotency-key']
      const key = typeof raw === 'string' ? raw.trim() : ''
      if (key === '') return done()
      const now = clock.now()
      const fp = fingerprint(request)
      const entry = store.get(request.merchantId, key, now)
      if (!entry) {
        request.idempotency = { key, entry: store.begin(request.merchantId, key, fp, now) }
        return done()
      }
      if (entry.fingerprint !== fp) return done(refuse('idempotencyKeyReused', key))
      if (!entry.response) return done(refuse('idempotencyKeyInProgress', key))
      reply
        .code(entry.response.statusCode)
        .header('content-type', entry.response.contentType)
        .header('request-idempotency', 'true')
        .send(entry.response.body)
    },

    onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void {
      const idem = request.idempotency
      if (idem) {
        request.idempotency = undefined
        if (reply.statusCode >= 200 && reply.statusCode < 300 && typeof payload === 'string') {
          idem.entry.response = {
            statusCode: reply.statusCode,
            contentType: String(reply.getHeader('content-type') ?? 'application/json'),
            body: payload,
          }
        } else {
          store.forget(request.merchantId, idem.key, idem.entry)
        }
      }
      done(null, payload)
    },

    onRequestAbort(request: FastifyRequest, done: HookHandlerDoneFunction): void {
      if (request.idempotency) store.forget(request.merchantId, request.idempotency.key, request.idempotency.entry)
      done()
    },
  }
}
