import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '../domain/errors.js'
import { RequestValidationError } from './validation.js'

/** PPRO's error body (`ExceptionResponseBody`). 401s are the exception: `{"message":"Unauthorized"}`. */
export function envelope(status: number, failureMessage: string, now: number) {
  return { status, failureMessage, timestamp: new Date(now).toISOString() }
}

/** Fastify's own errors, reworded to name what the client should fix. */
const FASTIFY_MESSAGES: Record<string, (e: FastifyError, req: FastifyRequest) => string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => 'the request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: () => 'the request body is empty but Content-Type is application/json; send {} for no fields',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (_e, req) =>
    `Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')} is not supported: send application/json`,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => 'the Content-Length header does not match the body',
  FST_ERR_CTP_BODY_TOO_LARGE: (e) => `the request body is too large: ${e.message}`,
}

/**
 * The one error handler: every refusal (thrown by a route, a hook or the not-found handler) becomes
 * PPRO's envelope here, and nothing else sends one.
 */
export function makeErrorHandler(now: () => number) {
  return function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    if (error instanceof ApiError) {
      if (error.headers) reply.headers(error.headers)
      if (error.code === 'unauthorized') return reply.code(401).send({ message: error.message })
      return reply.code(error.status).send(envelope(error.status, error.message, now()))
    }
    if (error instanceof RequestValidationError) {
      request.log.info({ unknownFields: error.unknownFields }, `rejected request: ${error.message}`)
      return reply.code(400).send(envelope(400, error.message, now()))
    }
    const reword = error.code ? FASTIFY_MESSAGES[error.code] : undefined
    if (reword || (error instanceof SyntaxError && error.statusCode === 400)) {
      const status = error.statusCode ?? 400
      const message = reword ? reword(error, request) : FASTIFY_MESSAGES.FST_ERR_CTP_INVALID_JSON_BODY!(error, request)
      return reply.code(status).send(envelope(status, message, now()))
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send(envelope(error.statusCode, error.message, now()))
    }
    request.log.error({ err: error }, 'unexpected error')
    return reply.code(500).send(envelope(500, 'internal sandbox error; the sandbox log has the details', now()))
  }
}
