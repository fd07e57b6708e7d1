import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { decodePage, PAGE_SIZE } from '../domain/charge-search.js'
import { refuse } from '../domain/errors.js'
import { fingerprint } from '../http/idempotency.js'
import { deliveryResponse } from '../http/routes/sandbox-webhooks.js'
import { replicaDashboard } from './dashboard.js'
import { replicaFaultRoutes } from './faults.js'
import type { IdemAnswer, Replica, Window } from './replica.js'
import { kindOf } from './unit.js'

/** The routes that read or change charges, agreements and sessions: each request is one unit of work. */
function isUnitRoute(url: string): boolean {
  return url.startsWith('/v1/') || url.startsWith('/sandbox/payment-') || url.startsWith('/checkout/') || url === '/sandbox/clock'
}

/** What `GET /v1/payment-charges` reads: the window of its index list that ends at the page's cursor. */
function searchWindow(req: FastifyRequest): Window {
  const q = (req.query ?? {}) as { merchantPaymentChargeReference?: string; agreementId?: string; page?: string }
  const m = req.merchantId
  const ref = q.merchantPaymentChargeReference
  const ag = q.agreementId
  const [name, list] =
    ref !== undefined
      ? [`ref:${m}:${ref}`, `m:${m}:ref:${ref}`]
      : ag !== undefined
        ? [`agc:${m}:${ag}`, `m:${m}:agc:${ag}`]
        : [`ch:${m}`, `m:${m}:ch`]
  const cursor = q.page === undefined ? undefined : decodePage(q.page)
  // The page, the charge that tells whether a next page exists, and the cursor's own (checked by the search).
  // Both filters: the reference's charges, narrowed to the agreement's, read up to a bound.
  return { name, list, end: cursor?.index ?? -1, count: ref !== undefined && ag !== undefined ? 1000 : PAGE_SIZE + 2 }
}

const HELD = Object.freeze({ held: true })

type Handler = (this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) => unknown

/**
 * Fastify's `onRoute` hook of replica mode: the handler of every route that touches records runs as a
 * unit of work on the resources its parameters name (a charge, an agreement, a session), with the search's
 * index window; a reply it sends is held until the unit is committed. The clock's move and the merchant
 * reset are Redis's own operations.
 */
export function replicaRoutes(replica: Replica) {
  const served = new Map(Object.entries({ ...replicaDashboard(replica), ...replicaFaultRoutes(replica) }))
  return (route: RouteOptions): void => {
    const url = route.url
    const method = [route.method].flat()[0]
    if (url === '/sandbox/data' && method === 'DELETE') {
      route.handler = async (req: FastifyRequest) => ({ deleted: await replica.reset(req.merchantId) })
      return
    }
    if (url === '/sandbox/clock' && method === 'POST') {
      route.handler = async (req: FastifyRequest) =>
        replica.advance(Math.round((req.body as { advanceSeconds: number }).advanceSeconds * 1000))
      return
    }
    if (url === '/sandbox/webhooks' && method === 'GET') {
      route.handler = async (req: FastifyRequest) => ({
        data: (await replica.deliveries(req.merchantId, (req.query ?? {}) as Record<string, string | undefined>)).map(deliveryResponse),
      })
      return
    }
    const handler = served.get(`${method} ${url}`)
    if (handler) {
      route.handler = handler
      return
    }
    if (!isUnitRoute(url)) return
    const original = route.handler as Handler
    const search = method === 'GET' && url === '/v1/payment-charges'
    route.handler = async function unitOfWork(this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) {
      const params = (req.params ?? {}) as Record<string, unknown>
      const ids: string[] = []
      for (const k of ['paymentChargeId', 'agreementId', 'sessionId', 'id']) {
        const v = params[k]
        if (typeof v === 'string' && kindOf(v)) ids.push(v)
      }
      const r = reply as unknown as { send: (payload?: unknown) => FastifyReply }
      let held: { payload: unknown } | undefined
      // The reply is a thenable that settles once sent: the held send answers a plain stand-in, or the
      // handler's promise would wait for a send that waits for it.
      r.send = (payload?: unknown) => {
        held = { payload }
        return HELD as unknown as FastifyReply
      }
      let out: unknown
      let answer: IdemAnswer | undefined
      try {
        out = await replica.transact(
          ids,
          () => {
            held = undefined
            return original.call(this, req, reply)
          },
          { window: search ? searchWindow(req) : undefined, respond: (value) => (answer = held ? undefined : answerOf(req, reply, value)) },
        )
        // Committed with the change: the idempotency hook has nothing left to record.
        if (answer && req.idempotency) req.idempotency.entry.response = { statusCode: answer[4], contentType: answer[5], body: answer[6] }
      } finally {
        delete (r as { send?: unknown }).send
      }
      if (held) return reply.send(held.payload)
      return out
    }
  }
}

/** The idempotency answer a successful result is, committed in the unit with the change it answers for. */
function answerOf(req: FastifyRequest, reply: FastifyReply, value: unknown): IdemAnswer | undefined {
  const idem = req.idempotency
  if (!idem || reply.statusCode < 200 || reply.statusCode >= 300 || value === undefined) return undefined
  const body = JSON.stringify(value)
  const ct = String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8')
  return [`${req.merchantId}\n${idem.key}`, req.merchantId, idem.entry.fingerprint, idem.entry.createdAt, reply.statusCode, ct, body]
}

/**
 * PPRO's `Request-Idempotency-Key` across replicas: the key is taken in Redis with a lease (a second
 * request with it, on any replica, is a 409 while the first runs), and the answer is committed with the
 * change it answers for, so "created" and "answered" cannot come apart.
 */
export function replicaIdempotencyHooks(replica: Replica) {
  return {
    async preValidation(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
      const raw = request.headers['request-idempotency-key']
      const key = typeof raw === 'string' ? raw.trim() : ''
      if (key === '') return undefined
      const now = replica.now()
      const fp = fingerprint(request)
      const found = await replica.idemBegin(request.merchantId, key, fp, now)
      if (found[0] === 'new') {
        request.idempotency = { key, entry: { fingerprint: fp, createdAt: now } }
        return undefined
      }
      const [, oldFp, sc, ct, body] = found as [string, string, string, string, string]
      if (oldFp !== fp) throw refuse('idempotencyKeyReused', key)
      if (sc === '') throw refuse('idempotencyKeyInProgress', key)
      return reply.code(Number(sc)).header('content-type', ct).header('request-idempotency', 'true').send(body)
    },

    async onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
      const idem = request.idempotency
      if (!idem) return payload
      request.idempotency = undefined
      // Committed with its unit of work already.
      if (idem.entry.response) return payload
      const ok = reply.statusCode >= 200 && reply.statusCode < 300 && typeof payload === 'string'
      const answer = ok
        ? { sc: reply.statusCode, ct: String(reply.getHeader('content-type') ?? 'application/json'), body: payload as string }
        : undefined
      await replica.idemEnd(request.merchantId, idem.key, idem.entry.fingerprint, answer)
      return payload
    },

    async onRequestAbort(request: FastifyRequest): Promise<void> {
      const idem = request.idempotency
      if (idem && !idem.entry.response) await replica.idemEnd(request.merchantId, idem.key, idem.entry.fingerprint)
    },
  }
}
