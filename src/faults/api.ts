import { Socket } from 'node:net'
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { refuse } from '../domain/errors.js'
import { envelope } from '../http/errors.js'
import {
  type ApiFault,
  describeApiFault,
  FAULT_HEADER,
  FAULT_MESSAGES,
  faultStatus,
  type Latency,
  parseFaultHeader,
  type RequestFault,
} from './rules.js'
import type { ApiRule, FaultStore } from './store.js'

/** A fault applied to one request: what it does and how the response header and log name it. */
export interface AppliedFault {
  fault: ApiFault
  /** The `Sandbox-Fault` value, e.g. `lost-response; status=504; rule=fault_…`. */
  label: string
  /** What the request journal, the timelines and the stream show of it. */
  info: RequestFault
  /** `lost-response`: the body the client got instead of the processed answer. */
  answered?: string
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The fault injected into this request, if any (for the log and the request journal). */
    sandboxFault: AppliedFault | null
  }
}

export interface ApiFaultOptions {
  now: () => number
  /** The merchant reference of a merchant's charge, for rules that match on it. */
  chargeReference: (merchantId: string, chargeId: string) => string | undefined
  /**
   * A faulted request the client got no answer to (`disconnect`, `reset`, `hang`): Fastify's response
   * hooks never run for it, so the request journal is told here, once the connection is gone.
   */
  onUnanswered?: ((request: FastifyRequest, reply: FastifyReply) => void) | undefined
  /**
   * Replicas: whether a matching rule fires is decided in Redis, where every replica counts its matches,
   * and the charge a path names is read from there.
   */
  shared?:
    | { fire: (rule: ApiRule) => Promise<boolean>; chargeReference: (merchantId: string, chargeId: string) => Promise<string | undefined> }
    | undefined
}

/**
 * Applies API faults as route hooks of PPRO's `/v1` routes: `preValidation` first of all (after the
 * credentials, before idempotency, so a fault that answers instead of processing leaves no key behind)
 * decides and acts; `onSend` last of all (after idempotency has stored the real answer) loses the
 * answer or cuts the connection. A merchant without rules costs one Map lookup per request.
 */
export class ApiFaults {
  /** Connections of hung requests, destroyed when the server closes so that it can. */
  readonly #hung = new Set<Socket>()
  /** Requests waiting out an added latency: acted on at once when the server closes. */
  readonly #waiting = new Map<NodeJS.Timeout, () => void>()

  constructor(
    private readonly store: FaultStore,
    private readonly options: ApiFaultOptions,
  ) {}

  install(api: FastifyInstance): void {
    api.decorateRequest('sandboxFault', null)
    api.addHook('onRoute', (route) => {
      if (!route.url.startsWith('/v1/')) return
      route.preValidation = [this.preValidation, ...[route.preValidation ?? []].flat()]
      route.onSend = [...[route.onSend ?? []].flat(), this.onSend] as typeof route.onSend
    })
    api.addHook('preClose', (done) => {
      for (const socket of this.#hung) socket.destroy()
      this.#hung.clear()
      for (const [timer, act] of this.#waiting) {
        clearTimeout(timer)
        act()
      }
      this.#waiting.clear()
      done()
    })
  }

  readonly preValidation = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const header = request.headers[FAULT_HEADER]
    const rules = this.store.apiRules(request.merchantId)
    if (rules === undefined && header === undefined) return done()
    if (header !== undefined) {
      const parsed = parseFaultHeader(header)
      if ('error' in parsed) return done(refuse('invalidFaultHeader', parsed.error))
      return this.#apply(parsed.fault, 'source=header', undefined, Math.random, request, reply, done)
    }
    const q = request.url.indexOf('?')
    const path = q < 0 ? request.url : request.url.slice(0, q)
    const shared = this.options.shared
    if (shared) {
      let ref: Promise<string | undefined> | undefined
      const reference = () => (ref ??= Promise.resolve(this.#reference(request, shared.chargeReference)))
      void this.store.matchApiShared(rules!, request.method, path, reference, shared.fire).then(
        (rule) => (rule ? this.#apply(rule.fault, `rule=${rule.id}`, rule.id, rule.rng, request, reply, done) : done()),
        (err: Error) => done(err),
      )
      return
    }
    const rule = this.store.matchApi(rules!, request.method, path, () => this.#reference(request, this.options.chargeReference))
    if (!rule) return done()
    this.#apply(rule.fault, `rule=${rule.id}`, rule.id, rule.rng, request, reply, done)
  }

  #apply(
    fault: ApiFault,
    source: string,
    ruleId: string | undefined,
    rng: () => number,
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    const wait = fault.latencyMs === undefined ? 0 : draw(fault.latencyMs, rng)
    const applied: AppliedFault = {
      fault,
      label: describeApiFault(fault, source, fault.latencyMs === undefined ? undefined : wait),
      info: requestFault(fault, ruleId, fault.latencyMs === undefined ? undefined : wait),
    }
    request.sandboxFault = applied
    // Every later line of this request (Fastify's "request completed" among them) names the fault.
    request.log = reply.log = request.log.child({ fault: applied.label })
    request.log.info({}, `fault injected: ${fault.kind}`)
    if (wait === 0) return this.#act(applied, request, reply, done)
    const act = () => {
      this.#waiting.delete(timer)
      this.#act(applied, request, reply, done)
    }
    const timer = setTimeout(act, wait)
    this.#waiting.set(timer, act)
  }

  readonly onSend = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void => {
    const applied = request.sandboxFault
    if (applied === null) return done(null, payload)
    reply.header('sandbox-fault', applied.label)
    const { fault } = applied
    if (fault.kind === 'lost-response') {
      // The request was processed and its answer stored for a keyed retry; the client gets an error instead.
      const status = faultStatus(fault)!
      applied.info.processedStatus = reply.statusCode
      reply.code(status).removeHeader('request-idempotency').header('content-type', 'application/json; charset=utf-8')
      applied.answered = JSON.stringify(envelope(status, FAULT_MESSAGES[status]!, this.options.now()))
      return done(null, applied.answered)
    }
    if (fault.kind === 'disconnect') {
      // Processed, then the connection is cut before any byte of the answer: writes after this go nowhere.
      // Under app.inject() the injected response has failed: nothing more is written.
      applied.info.processedStatus = reply.statusCode
      const onSocket = cut(request, reply, false)
      this.options.onUnanswered?.(request, reply)
      if (!onSocket) return
    }
    done(null, payload)
  }

  #act(applied: AppliedFault, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const { fault } = applied
    switch (fault.kind) {
      case 'error': {
        const status = faultStatus(fault)!
        if (status === 429) reply.header('retry-after', String(fault.retryAfterSeconds ?? 1))
        reply.code(status).send(envelope(status, FAULT_MESSAGES[status]!, this.options.now()))
        return
      }
      case 'reset': {
        // Nothing is processed; the connection is reset (RST where the platform allows it).
        reply.hijack()
        cut(request, reply, true)
        this.options.onUnanswered?.(request, reply)
        return
      }
      case 'hang': {
        // Nothing is processed and nothing is answered, until the client gives up or the server closes.
        reply.hijack()
        const socket: unknown = request.raw.socket
        if (socket instanceof Socket) {
          this.#hung.add(socket)
          socket.once('close', () => this.#hung.delete(socket))
        }
        this.options.onUnanswered?.(request, reply)
        return
      }
      default:
        // latency, lost-response and disconnect: the request is processed.
        done()
    }
  }

  /** The merchant reference a request is about: in its body, its query (a search), or of the charge in its path. */
  #reference<R>(request: FastifyRequest, of: (merchantId: string, chargeId: string) => R): string | undefined | R {
    const body = request.body as { merchantPaymentChargeReference?: unknown } | undefined
    if (body && typeof body === 'object' && typeof body.merchantPaymentChargeReference === 'string')
      return body.merchantPaymentChargeReference
    const query = request.query as { merchantPaymentChargeReference?: unknown } | undefined
    if (typeof query?.merchantPaymentChargeReference === 'string') return query.merchantPaymentChargeReference
    const chargeId = (request.params as { paymentChargeId?: string } | undefined)?.paymentChargeId
    return chargeId === undefined ? undefined : of(request.merchantId, chargeId)
  }
}

/**
 * Closes the request's connection (reset: with RST where the platform allows it). `app.inject()` has no
 * connection: its response fails instead, as a cut connection would, and this answers false.
 */
function cut(request: FastifyRequest, reply: FastifyReply, reset: boolean): boolean {
  const socket: unknown = request.raw.socket
  if (!(socket instanceof Socket)) {
    reply.raw.destroy()
    return false
  }
  if (reset && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy()
  else socket.destroy()
  return true
}

/** The fault as the journal shows it; `waited`: the latency drawn for this request. */
function requestFault(f: ApiFault, ruleId: string | undefined, waited: number | undefined): RequestFault {
  const info: RequestFault = { kind: f.kind, source: ruleId === undefined ? 'header' : 'rule' }
  if (ruleId !== undefined) info.ruleId = ruleId
  const status = faultStatus(f)
  if (status !== undefined) info.status = status
  if (waited !== undefined) info.latencyMs = waited
  if (status === 429) info.retryAfterSeconds = f.retryAfterSeconds ?? 1
  return info
}

function draw(l: Latency, rng: () => number): number {
  if (typeof l === 'number') return l
  return l.min + Math.floor(rng() * (l.max - l.min + 1))
}
