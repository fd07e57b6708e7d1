import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteHandlerMethod } from 'fastify'
import { isoFormatter } from '../domain/clock.js'
import { ApiError } from '../domain/errors.js'
import { checkCredentials } from '../http/auth.js'
import { RequestValidationError } from '../http/validation.js'
import type { AppliedFault } from '../faults/api.js'
import type { Sandbox } from '../sandbox.js'
import type { RequestBodies, RequestMessage } from './messages.js'
import type { Recorder } from './recorder.js'
import { type Reason, reason } from './reasons.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The JSON body as it arrived, for the request journal. */
    journalRawBody: string | undefined
    /** What was sent back (a reference, no copy), for the request journal. */
    journalPayload: unknown
    journalError: unknown
  }
  interface FastifyInstance {
    /** The request journal, where it is on: what the fault injection tells it of requests it left unanswered. */
    requestJournal?: RequestJournal
  }
  interface FastifyContextConfig {
    /** `false`: the route's requests are not journaled (the journal's and timelines' own reads). */
    journal?: boolean
  }
}

/** The journal's route hooks, and what other parts of the API tell it. */
export interface JournalHooks {
  onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, p: unknown) => void): void
  onError(request: FastifyRequest, reply: FastifyReply, error: unknown, done: () => void): void
  onResponse(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void
  journal: RequestJournal
}

/** What other parts of the API tell the journal. */
export interface RequestJournal {
  /**
   * A request whose connection was cut or left hanging (`disconnect`, `reset`, `hang` faults): none of
   * Fastify's response hooks run for it, so it is journaled here, with status 0 (no answer), once the
   * connection is gone.
   */
  unanswered(request: FastifyRequest, reply: FastifyReply): void
}

/**
 * The request header that keeps a read out of the journal and the stream: `Sandbox-Journal: off` on a
 * GET (the dashboard's own reads of PPRO's objects). A request that changes anything is always journaled.
 */
export const JOURNAL_HEADER = 'sandbox-journal'

/** Called by the JSON body parser: keeps the text it parsed (a reference). */
export function keepRawBody(request: FastifyRequest, body: string): void {
  request.journalRawBody = body
}

const CONSUMER_ROUTE = /^\/sandbox\/payment-(charges|agreements)\/:[A-Za-z]+\/(approve|decline|cancel)$/

/** The first field of a created resource's JSON answer is its id (see http/views.ts). */
const CREATED_ID = /^\{"id":"((?:charge|agr)_[A-Za-z0-9]+)"/

/** The request fields the journal's hooks fill in, declared once so every request has the same shape. */
export function decorateRequests(api: FastifyInstance): void {
  api.decorateRequest('journalRawBody', undefined)
  api.decorateRequest('journalPayload', undefined)
  api.decorateRequest('journalError', undefined)
}

/** Decisions a test forces through the control routes are worded with the route that made them. */
export function installIntents(api: FastifyInstance, recorder: Recorder): void {
  api.addHook('onRoute', (route) => {
    const m = typeof route.url === 'string' ? CONSUMER_ROUTE.exec(route.url) : null
    const isClock = route.url === '/sandbox/clock' && [route.method].flat().includes('POST')
    if (!m && !isClock) return
    const handler = route.handler as (this: FastifyInstance, ...args: Parameters<RouteHandlerMethod>) => unknown
    route.handler = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      if (m) {
        const id = Object.values(request.params as Record<string, string>)[0] ?? ''
        const action = m[2] as 'approve' | 'decline' | 'cancel'
        recorder.intend(id, action, `through POST ${request.url.split('?')[0]}`)
      } else {
        recorder.movingClock(request.merchantId)
      }
      return handler.call(this, request, reply)
    } as RouteHandlerMethod
  })
}

/**
 * The request journal: every API request of a merchant, recorded after its answer is sent. The hooks
 * on the request path only keep references (the raw body, the payload sent, the error); the entry is
 * built in `onResponse`, and a body is copied only when it must be cut to the size limit.
 * Requests refused for their credentials belong to no merchant: they are logged, with the reason, and
 * journaled nowhere.
 */
export function journalHooks(recorder: Recorder, sandbox: Sandbox, options: { bodyLimitBytes: number }): JournalHooks {
  const { feed } = recorder
  const limit = options.bodyLimitBytes

  const onSend = (request: FastifyRequest, _reply: FastifyReply, payload: unknown, done: (err: null, p: unknown) => void) => {
    request.journalPayload = payload
    done(null, payload)
  }
  const onError = (request: FastifyRequest, _reply: FastifyReply, error: unknown, done: () => void) => {
    request.journalError = error
    done()
  }
  const onResponse = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    safely(request, reply, false)
    done()
  }
  const safely = (request: FastifyRequest, reply: FastifyReply, unanswered: boolean) => {
    try {
      record(request, reply, unanswered)
    } catch (err) {
      request.log.error({ err }, 'could not journal the request')
    }
  }
  const journal: RequestJournal = {
    unanswered(request, reply) {
      const socket = request.raw.socket as { destroyed?: boolean; once?: (e: string, f: () => void) => void } | null
      // A hung connection is journaled when the client gives up on it (or the server closes it).
      if (socket && socket.destroyed === false && typeof socket.once === 'function')
        socket.once('close', () => safely(request, reply, true))
      else safely(request, reply, true)
    },
  }
  // Each its own memory: requests of one millisecond share the string, and a charge's `iso` memory is left alone.
  // (Before the return: a const declared after it is never initialised, and every record would throw.)
  const realIso = isoFormatter()
  const sandboxIso = isoFormatter()
  return { onSend, onError, onResponse, journal }

  function record(request: FastifyRequest, reply: FastifyReply, unanswered: boolean): void {
    const applied = request.sandboxFault ?? null
    // 0: the client got no status at all (the connection was cut or hung).
    const status = unanswered ? 0 : reply.statusCode
    const merchantId = request.merchantId
    if (!merchantId) {
      if (status === 401) {
        const why = reason('UNAUTHORIZED', unauthorizedWhy(request))
        request.log.info({ method: request.method, path: pathOf(request.url), status, reason: why }, `request refused: ${why.message}`)
      }
      return
    }
    if (request.headers[JOURNAL_HEADER] === 'off' && (request.method === 'GET' || request.method === 'HEAD')) return
    const payload = request.journalPayload
    // The answer as processed; what the client got differs when a fault took it away.
    const text = typeof payload === 'string' ? payload : undefined
    const processedStatus = applied?.info.processedStatus ?? status
    const sent = unanswered ? undefined : (applied?.answered ?? text)
    const elapsed = reply.elapsedTime
    const started = Date.now() - elapsed
    const url = request.url
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    const params = request.params as { paymentChargeId?: string; agreementId?: string } | undefined
    let chargeId = params?.paymentChargeId
    let agreementId = params?.agreementId
    if (request.method === 'POST' && processedStatus > 0 && processedStatus < 300 && text !== undefined && chargeId === undefined) {
      const created = CREATED_ID.exec(text.slice(0, 64))?.[1]
      if (created?.startsWith('charge_')) chargeId = created
      else if (created && agreementId === undefined) agreementId = created
    }
    // Only the merchant's own charge or agreement is "touched": an id of someone else's stays in the path.
    if (agreementId !== undefined && sandbox.agreements.findForConsumer(agreementId)?.merchantId !== merchantId) agreementId = undefined
    if (chargeId !== undefined) {
      const charge = sandbox.charges.findForConsumer(chargeId)
      if (charge?.merchantId !== merchantId) chargeId = undefined
      else agreementId ??= charge.agreementId
    }
    const rawKey = request.headers['request-idempotency-key']
    const key = typeof rawKey === 'string' && rawKey.trim() !== '' ? rawKey.trim() : undefined
    const replay = reply.getHeader('request-idempotency') === 'true'
    const warning = reply.getHeader('sandbox-warning') as string | undefined
    const normal = unanswered ? undefined : requestReason(status, request.journalError, sent, key, replay, warning)
    // A fault is the reason, unless it only added latency to an answer that has one of its own.
    const why = applied && (applied.fault.kind !== 'latency' || !normal) ? faultReason(applied, status, elapsed) : normal
    const message: RequestMessage = {
      seq: 0, // numbered by the feed
      kind: 'request',
      at: realIso(Math.trunc(started)),
      sandboxTime: sandboxIso(sandbox.clock.now()),
      chargeId,
      agreementId,
      method: request.method,
      path,
      query: q === -1 ? undefined : url.slice(q + 1),
      status,
      durationMs: Math.round(elapsed * 100) / 100,
      requestId: request.id,
      idempotencyKey: key,
      idempotentReplay: key === undefined ? undefined : replay,
      sandboxWarning: warning,
      fault: applied?.info,
      reason: why,
    }
    const bodies: RequestBodies = {}
    const raw = request.journalRawBody
    if (raw !== undefined && raw !== '') {
      const [body, cut] = capped(raw, limit)
      bodies.requestBody = body
      if (cut) bodies.requestBodyTruncated = true
    }
    if (sent !== undefined && sent !== '') {
      const [body, cut] = capped(sent, limit)
      bodies.responseBody = body
      if (cut) bodies.responseBodyTruncated = true
    }
    feed.append(merchantId, message, { bodies, started })
    if (applied && why) {
      // The fault's own line, once its outcome is known: with the charge a lost answer was about.
      request.log.info(
        { method: request.method, path, status, chargeId, agreementId, fault: applied.info, reason: why },
        `request faulted: ${why.message}`,
      )
    } else if (status >= 400 && why) {
      request.log.info({ method: request.method, path, status, reason: why }, `request refused: ${why.message}`)
    }
  }
}

/**
 * The journal's hooks on the API's routes, so the routes that are not journaled (`config.journal:
 * false`) pay for none of them; and what the fault injection tells it (`api.requestJournal`).
 */
export function installJournal(api: FastifyInstance, hooks: JournalHooks): void {
  const { onSend, onError, onResponse } = hooks
  api.decorate('requestJournal', hooks.journal)
  api.addHook('onRoute', (route) => {
    if ((route.config as { journal?: boolean } | undefined)?.journal === false) return
    route.onSend = [...[route.onSend ?? []].flat(), onSend] as typeof route.onSend
    route.onError = [...[route.onError ?? []].flat(), onError] as typeof route.onError
    route.onResponse = [...[route.onResponse ?? []].flat(), onResponse] as typeof route.onResponse
  })
}

/**
 * The hooks of the not-found handler (a `404`, or a `405` for a known path), which answers outside the
 * API's scope and before its credentials check: valid credentials name the merchant, whose journal gets
 * the request; without them it is answered all the same and journaled for no one. Fastify gives the
 * not-found handler's context every lifecycle hook named in its options, not only `preHandler`
 * (test/observe/unrouted.test.ts fails if that changes).
 */
export function unroutedHooks(hooks: JournalHooks | undefined, apiKeys: readonly string[], prefixes: readonly string[]) {
  const credentials = checkCredentials(apiKeys)
  const ignore = () => {}
  const preHandler = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (prefixes.some((p) => request.url.startsWith(p))) credentials(request, reply, ignore)
    done()
  }
  return hooks ? { preHandler, onSend: hooks.onSend, onError: hooks.onError, onResponse: hooks.onResponse } : {}
}

const pathOf = (url: string) => url.split('?')[0]!

/** What a fault did to a request, in words. */
function faultReason(applied: AppliedFault, status: number, elapsedMs: number): Reason {
  const { info } = applied
  const origin = info.ruleId === undefined ? 'the Sandbox-Fault request header' : `rule ${info.ruleId}`
  const late = info.latencyMs ? ` after ${info.latencyMs} ms of added latency` : ''
  let what: string
  switch (info.kind) {
    case 'latency':
      what = `answered ${status} ${info.latencyMs ?? 0} ms late`
      break
    case 'error':
      what = `answered ${status}${late} without processing the request`
      break
    case 'lost-response':
      what = `processed (${info.processedStatus}), then answered ${status}${late} instead of the real answer`
      break
    case 'disconnect':
      what = `processed (${info.processedStatus}), then the connection was closed${late} before any byte of the answer`
      break
    case 'reset':
      what = `the connection was reset${late}; nothing was processed`
      break
    case 'hang':
      what = `no answer; nothing was processed, and the connection stayed open for ${Math.round(elapsedMs)} ms until it closed`
      break
  }
  return reason('FAULT_INJECTED', info.kind, origin, what)
}

/**
 * A body within `limit` bytes is kept as it is (the string already exists); a longer one is cut at
 * the limit, on a character boundary, into a string of its own (so the long one can be freed).
 */
export function capped(text: string, limit: number): [string, boolean] {
  if (text.length * 3 <= limit || Buffer.byteLength(text, 'utf8') <= limit) return [text, false]
  // Its first `limit` characters are at least `limit` bytes: only they are encoded, not all of a long answer.
  const bytes = Buffer.from(text.length > limit ? text.slice(0, limit) : text, 'utf8')
  let end = limit
  // Back off to the start of a UTF-8 sequence, so the cut does not leave half a character.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--
  return [bytes.toString('utf8', 0, end), true]
}

function requestReason(
  status: number,
  error: unknown,
  payload: string | undefined,
  key: string | undefined,
  replay: boolean,
  warning: string | undefined,
): Reason | undefined {
  if (status < 400) {
    if (replay && key) return reason('IDEMPOTENT_REPLAY', key)
    if (warning) return reason('UNKNOWN_FIELDS_IGNORED', warning)
    return undefined
  }
  const message = error instanceof Error ? error.message : failureMessage(payload)
  if (status >= 500) return reason('SANDBOX_ERROR', message)
  switch (status) {
    case 400:
      if (error instanceof RequestValidationError) return reason('REQUEST_INVALID', message)
      return error instanceof ApiError ? reason('REQUEST_REFUSED', message) : reason('REQUEST_MALFORMED', failureMessage(payload))
    case 404:
      return reason('NOT_FOUND', message)
    case 405:
      return reason('METHOD_NOT_ALLOWED', message)
    case 409:
      return error instanceof ApiError && error.code.startsWith('idempotency')
        ? reason('IDEMPOTENCY_CONFLICT', message)
        : reason('STATE_CONFLICT', message)
    case 413:
    case 415:
      return reason('REQUEST_MALFORMED', failureMessage(payload))
    default:
      return reason('REQUEST_REFUSED', message)
  }
}

/** The `failureMessage` of PPRO's error envelope (small: only error answers are read). */
function failureMessage(payload: string | undefined): string {
  if (payload === undefined) return ''
  try {
    const body = JSON.parse(payload) as { failureMessage?: unknown; message?: unknown }
    return String(body.failureMessage ?? body.message ?? '')
  } catch {
    return payload.slice(0, 200)
  }
}

/** Why credentials were refused, for the log (never the key itself). */
function unauthorizedWhy(request: FastifyRequest): string {
  const auth = request.headers.authorization
  const merchant = request.headers['merchant-id']
  if (!auth) return 'no Authorization header'
  if (!/^bearer\s+\S/i.test(auth)) return 'the Authorization header is not "Bearer <API key>"'
  if (typeof merchant !== 'string' || merchant.trim() === '') return 'no Merchant-Id header'
  return 'the API key is not one of API_KEYS'
}
