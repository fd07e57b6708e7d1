import type { ServerResponse } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import * as z from 'zod'
import { checkCredentials } from '../http/auth.js'
import { RequestValidationError } from '../http/validation.js'
import { Feed } from './feed.js'
import { FEED_KINDS, type FeedKind, type FeedMessage } from './messages.js'
import { type Reason, reason } from './reasons.js'

export interface StreamOptions {
  feed: Feed
  apiKeys: readonly string[]
  /** How far a reader may fall behind (bytes written but not yet taken by it) before it is dropped. */
  bufferBytes: number
  heartbeatMs: number
  logger: { info(obj: object, msg: string): void }
}

const StreamQuerySchema = z.object({
  kinds: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined
      const kinds = v.split(',').map((k) => k.trim())
      const unknown = kinds.filter((k) => !(FEED_KINDS as readonly string[]).includes(k))
      if (unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `has unknown kind(s) ${unknown.join(', ')}; kinds are ${FEED_KINDS.join(', ')}` })
        return z.NEVER
      }
      return new Set(kinds as FeedKind[])
    }),
  chargeId: z.string().min(1).optional(),
  agreementId: z.string().min(1).optional(),
  type: z.string().min(1).optional(),
  lastEventId: z.string().optional(),
  access_token: z.string().optional(),
  merchantId: z.string().optional(),
})

type StreamQuery = z.output<typeof StreamQuerySchema>

/** One control line: not a feed message (no `id:`, so a reconnect's Last-Event-ID is unchanged). */
const notice = (event: string, body: Record<string, unknown>) => `event: ${event}\ndata: ${JSON.stringify(body)}\n\n`

/**
 * While messages keep coming, a reader is written at most once per this many milliseconds: a load test
 * making thousands of requests a second costs each reader a hundred writes a second, not one per turn
 * of the event loop. The first message after a pause goes at once.
 */
export const FLUSH_EVERY_MS = 10

/**
 * One reader of the stream. Messages are queued by reference on the API's path and written on a later
 * turn of the event loop, many in one write; the socket's own back-pressure (`write()` answering
 * false, then `drain`) stops the writing, and a reader that lets more than `bufferBytes` pile up is
 * sent one last message saying why and dropped, so it never holds memory or anyone's time.
 */
class StreamReader {
  #pending: FeedMessage[] = []
  #frames: string[] = []
  #frameBytes = 0
  #scheduled = false
  #lastFlush = 0
  #waitingForDrain = false
  #closed = false
  #heartbeat: NodeJS.Timeout
  unsubscribe: () => void = () => {}

  constructor(
    private readonly res: ServerResponse,
    private readonly accepts: (m: FeedMessage) => boolean,
    private readonly o: { bufferBytes: number; heartbeatMs: number; onDrop: (why: Reason) => void; onClose: () => void },
  ) {
    this.#heartbeat = setInterval(() => {
      if (!this.#waitingForDrain && !this.#closed) this.res.write(': ping\n\n')
    }, o.heartbeatMs)
    this.#heartbeat.unref()
    res.on('close', () => this.#close())
  }

  readonly push = (m: FeedMessage): void => {
    if (this.#closed || !this.accepts(m)) return
    // Counted, not measured, here (a message is built into text only when written): every message is
    // longer than 64 bytes, so this many waiting messages are certainly more than the bound.
    if (this.#pending.length >= this.o.bufferBytes / 64) return this.drop(reason('STREAM_READER_TOO_SLOW', this.o.bufferBytes))
    this.#pending.push(m)
    if (!this.#scheduled) {
      this.#scheduled = true
      const wait = this.#lastFlush + FLUSH_EVERY_MS - performance.now()
      if (wait <= 0) setImmediate(this.#flush)
      else setTimeout(this.#flush, wait)
    }
  }

  /** Writes text now (the connection's first lines). */
  write(text: string): void {
    if (!this.#closed) this.res.write(text)
  }

  readonly #flush = (): void => {
    this.#scheduled = false
    this.#lastFlush = performance.now()
    if (this.#closed) return
    for (const m of this.#pending) {
      const frame = Feed.frame(m)
      this.#frames.push(frame)
      this.#frameBytes += frame.length
    }
    this.#pending = []
    if (this.#waitingForDrain) {
      if (this.#frameBytes + this.res.writableLength > this.o.bufferBytes) this.drop(reason('STREAM_READER_TOO_SLOW', this.o.bufferBytes))
      return
    }
    if (this.#frames.length === 0) return
    const chunk = this.#frames.length === 1 ? this.#frames[0]! : this.#frames.join('')
    this.#frames = []
    this.#frameBytes = 0
    // What was just written is not yet behind: the reader is judged on what it has not taken by the
    // next flush (above), so a burst larger than the bound does not drop a reader that keeps up.
    if (!this.res.write(chunk)) {
      this.#waitingForDrain = true
      this.res.once('drain', this.#drained)
    }
  }

  readonly #drained = (): void => {
    this.#waitingForDrain = false
    this.#flush()
  }

  /** Ends the stream with one last message saying why; a reader that no longer reads is cut off shortly after. */
  drop(why: Reason): void {
    if (this.#closed) return
    this.#close()
    this.o.onDrop(why)
    this.res.end(notice('dropped', { reason: why }))
    setTimeout(() => this.res.destroy(), 5000).unref()
  }

  #close(): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#heartbeat)
    this.unsubscribe()
    this.#pending = []
    this.#frames = []
    this.o.onClose()
  }
}

/**
 * `GET /sandbox/events/stream`: the merchant's feed as Server-Sent Events. Credentials as on the rest
 * of /sandbox, or, since a browser's EventSource cannot send headers, as the query parameters
 * `access_token` and `merchantId` (on this route only).
 */
export async function streamRoutes(fastify: FastifyInstance, o: StreamOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const readers = new Set<StreamReader>()
  const authenticate = checkCredentials(o.apiKeys)

  const queryCredentials = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const q = request.query as { access_token?: unknown; merchantId?: unknown }
    if (!request.headers.authorization && typeof q.access_token === 'string') request.headers.authorization = `Bearer ${q.access_token}`
    if (!request.headers['merchant-id'] && typeof q.merchantId === 'string') request.headers['merchant-id'] = q.merchantId
    authenticate(request, reply, done)
  }

  // On close, every stream ends (with a last message), so the server's connections can close.
  app.addHook('preClose', (done) => {
    for (const r of readers) r.drop(reason('STREAM_CLOSING'))
    done()
  })

  app.get('/sandbox/events/stream', { onRequest: queryCredentials, schema: { querystring: StreamQuerySchema } }, async (req, reply) => {
    const since = lastEventId(req.headers['last-event-id'], req.query.lastEventId)
    const merchantId = req.merchantId
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    })
    const reader: StreamReader = new StreamReader(res, accepts(req.query), {
      bufferBytes: o.bufferBytes,
      heartbeatMs: o.heartbeatMs,
      onDrop: (why) => o.logger.info({ merchantId, reason: why }, `event stream reader dropped: ${why.message}`),
      onClose: () => readers.delete(reader),
    })
    readers.add(reader)
    reader.write(': connected\n\n')
    if (since !== undefined) {
      const { first, last } = o.feed.window(merchantId)
      if (since + 1 < first && since < last + 1) {
        const why = reason('STREAM_GAP', since, first)
        reader.write(notice('gap', { reason: why, lastEventId: since, resumesAt: first }))
      }
    }
    reader.unsubscribe = o.feed.subscribe(merchantId, reader.push, { since })
  })
}

/** `Last-Event-ID` (what EventSource sends on reconnect) or the `lastEventId` query parameter. */
function lastEventId(header: string | string[] | undefined, query: string | undefined): number | undefined {
  const raw = (Array.isArray(header) ? header[0] : header) ?? query
  if (raw === undefined || raw.trim() === '') return undefined
  if (!/^\d{1,15}$/.test(raw.trim()))
    throw new RequestValidationError(`Last-Event-ID: "${raw}" is not a message id (a seq, such as 42)`, [])
  return Number(raw.trim())
}

function accepts(q: StreamQuery): (m: FeedMessage) => boolean {
  const { kinds, chargeId, agreementId, type } = q
  if (!kinds && !chargeId && !agreementId && !type) return () => true
  return (m) =>
    (!kinds || kinds.has(m.kind)) &&
    (chargeId === undefined || m.chargeId === chargeId) &&
    (agreementId === undefined || m.agreementId === agreementId) &&
    (type === undefined || ((m.kind === 'event' || m.kind === 'delivery') && m.type === type))
}
