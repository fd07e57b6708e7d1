import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'

/** One HTTP POST of a webhook. Injected into buildApp so tests can observe or replace the network. */
export interface WebhookRequest {
  url: string
  headers: Record<string, string>
  body: string
  timeoutMs: number
}

/**
 * Resolves with the receiver's status (and, optionally, the first bytes of its answer, for the event
 * feed); rejects on a refused connection, a timeout or a bad URL.
 */
export type WebhookTransport = (request: WebhookRequest) => Promise<{ status: number; body?: string }>

/** How much of a receiver's answer is kept: enough to read an error message. */
export const RESPONSE_PREVIEW_BYTES = 512

/** An answer longer than this is not read to its end: the connection is dropped instead of drained. */
const DRAIN_LIMIT_BYTES = 64 * 1024

export interface HttpTransportOptions {
  /** Requests on the wire at once to one receiver (origin); the rest wait their turn in order. */
  maxPerOrigin?: number
}

/**
 * Node's own HTTP client on keep-alive connections: at most `maxPerOrigin` requests at once to one
 * receiver (a burst of thousands of events opens that many sockets, not thousands, each reused for
 * the next request), and a receiver that hangs holds up only its own deliveries. Redirects are not
 * followed, as a 3xx is no acknowledgement. A request that finds its reused connection already closed
 * by the receiver (before any answer) is sent once more on a fresh one, as it never reached it.
 */
export function createHttpTransport({ maxPerOrigin = 64 }: HttpTransportOptions = {}): WebhookTransport {
  const pool = { keepAlive: true, maxSockets: maxPerOrigin, maxFreeSockets: maxPerOrigin, timeout: 4000, scheduling: 'lifo' as const }
  const agents = { 'http:': new HttpAgent(pool), 'https:': new HttpsAgent(pool) }
  /** Per origin with requests on the wire: how many, and the turns of those waiting. */
  const origins = new Map<string, { active: number; waiting: (() => void)[] }>()
  return (request) => {
    const origin = originOf(request.url)
    let slot = origins.get(origin)
    if (!slot) origins.set(origin, (slot = { active: 0, waiting: [] }))
    const s = slot
    const release = () => {
      const next = s.waiting.shift()
      if (next) next()
      else if (--s.active === 0) origins.delete(origin)
    }
    if (s.active < maxPerOrigin) {
      s.active++
      return post(request, agents).finally(release)
    }
    return new Promise<void>((resolve) => s.waiting.push(resolve)).then(() => post(request, agents).finally(release))
  }
}

/** The scheme, host and port of a URL (its text up to the path), without parsing it. */
function originOf(url: string): string {
  const slash = url.indexOf('/', url.indexOf('//') + 2)
  return slash === -1 ? url : url.slice(0, slash)
}

function post(
  { url, headers, body, timeoutMs }: WebhookRequest,
  agents: { 'http:': HttpAgent; 'https:': HttpsAgent },
): Promise<{ status: number; body: string }> {
  let target: URL
  try {
    target = new URL(url)
  } catch (err) {
    return Promise.reject(err)
  }
  const protocol = target.protocol
  if (protocol !== 'http:' && protocol !== 'https:') return Promise.reject(new Error(`unsupported protocol ${protocol}`))
  const send = protocol === 'https:' ? httpsRequest : httpRequest
  const options = { method: 'POST', agent: agents[protocol], headers: { ...headers, 'content-length': Buffer.byteLength(body) } }
  return new Promise((resolve, reject) => {
    let settled = false
    let req: ClientRequest
    const timer = setTimeout(() => fail(timeoutError()), timeoutMs)
    const fail = (err: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      req.destroy()
      reject(err)
    }
    const answer = (res: IncomingMessage) => {
      const chunks: Buffer[] = []
      let size = 0
      const done = () => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, RESPONSE_PREVIEW_BYTES).toString('utf8') })
      }
      res.on('data', (chunk: Buffer) => {
        if (size < RESPONSE_PREVIEW_BYTES) chunks.push(chunk)
        size += chunk.length
        // A long answer is not worth reading through: keep what the preview needs, drop the connection.
        if (size > DRAIN_LIMIT_BYTES) {
          done()
          res.destroy()
        }
      })
      res.on('end', done)
      // A receiver that resets after its status line still answered it.
      res.on('error', done)
      res.on('aborted', done)
    }
    const start = (retried: boolean) => {
      req = send(target, options, answer)
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (!settled && !retried && req.reusedSocket && err.code === 'ECONNRESET') return start(true)
        fail(err)
      })
      req.end(body)
    }
    start(false)
  })
}

function timeoutError(): Error {
  const err = new Error('The webhook receiver did not answer in time')
  err.name = 'TimeoutError'
  return err
}

/** The transport the sandbox sends its webhooks with unless it is given another. */
export const httpTransport: WebhookTransport = createHttpTransport()

/** @deprecated The former name of `httpTransport`. */
export const fetchTransport: WebhookTransport = httpTransport
