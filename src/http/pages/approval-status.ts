import type { ServerResponse } from 'node:http'
import type { Feed } from '../../observe/feed.js'
import type { FeedMessage } from '../../observe/messages.js'

/**
 * What the consumer's page may learn of its payment: the status, the time left, the phone URL, and
 * where to go once decided. `redirect` is the returnUrl, and only once the consumer's decision is
 * made (the page would 303 there then); nothing else the merchant sent is in it.
 */
export interface PageStatus {
  id: string
  status: string
  pending: boolean
  remainingSeconds: number
  remainingMs: number
  phoneUrl: string | null
  redirect: string | null
}

/** Readers of one process at most; past it the page's script polls the JSON instead. */
export const MAX_STATUS_STREAMS = 512
/** A stream ends after this long and the browser reconnects (EventSource's `retry`), so none is held forever. */
const STREAM_LIFETIME_MS = 5 * 60_000
const HEARTBEAT_MS = 15_000
/** A reader that lets this much pile up unread is cut off. */
const MAX_BUFFERED_BYTES = 64 * 1024

const frame = (s: PageStatus) => `event: status\ndata: ${JSON.stringify(s)}\n\n`

/** Whether a request asks for the event stream rather than the JSON. */
export function wantsStream(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('text/event-stream')
}

/**
 * `GET /checkout/{id}/status` as Server-Sent Events, for the consumer's own page: one `status` event
 * at once, another each time the payment's events or a clock move change it, and the end of the stream
 * once the consumer decided (or the time ran out). Fed by the in-process event feed, filtered to the
 * one charge or agreement; it needs no merchant credentials and shows no other message of the feed.
 */
export class StatusStreams {
  readonly #open = new Set<() => void>()

  constructor(private readonly feed: Feed) {}

  get size(): number {
    return this.#open.size
  }

  /**
   * Streams the status of `id` (of `merchantId`) on `res`; `read` answers it now, or undefined once the
   * payment is gone (a reset); replicas read it from Redis, so it may answer later. Answers false,
   * writing nothing, when too many streams are open.
   */
  async open(
    res: ServerResponse,
    subject: { id: string; merchantId: string },
    read: () => PageStatus | undefined | Promise<PageStatus | undefined>,
  ): Promise<boolean> {
    if (this.#open.size >= MAX_STATUS_STREAMS) return false
    const first = await read()
    if (!first) return false
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    })
    res.write(`retry: 1000\n\n${frame(first)}`)
    if (!first.pending) {
      res.end()
      return true
    }
    let last = JSON.stringify(first)
    let scheduled = false
    let reading = false
    let closed = false
    const close = () => {
      if (closed) return
      closed = true
      unsubscribe()
      clearInterval(heartbeat)
      clearTimeout(lifetime)
      this.#open.delete(end)
    }
    const end = () => {
      close()
      res.end()
    }
    // Read on the next turn: a clock move is announced before the clock moves, and one change
    // publishes several events; the page wants the state after all of them.
    // One read at a time: a change that comes while one is running is read once it is done.
    const update = async () => {
      scheduled = false
      if (closed) return
      if (reading) return void (scheduled = true)
      reading = true
      let now: PageStatus | undefined
      try {
        now = await read()
      } catch {
        return end()
      } finally {
        reading = false
      }
      if (scheduled) setImmediate(update)
      if (closed) return
      if (!now) return end()
      const text = JSON.stringify(now)
      if (text !== last) {
        last = text
        res.write(`event: status\ndata: ${text}\n\n`)
        if (res.writableLength > MAX_BUFFERED_BYTES) {
          close()
          return void res.destroy()
        }
      }
      if (!now.pending) end()
    }
    const concerns = (m: FeedMessage) =>
      m.kind === 'clock' || (m.kind === 'event' && (m.chargeId === subject.id || m.agreementId === subject.id))
    const unsubscribe = this.feed.subscribe(subject.merchantId, (m) => {
      if (!scheduled && !closed && concerns(m)) {
        scheduled = true
        if (!reading) setImmediate(update)
      }
    })
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS)
    heartbeat.unref()
    const lifetime = setTimeout(end, STREAM_LIFETIME_MS)
    lifetime.unref()
    res.on('close', close)
    this.#open.add(end)
    return true
  }

  /** Ends every stream (the server is closing, so its connections can close). */
  endAll(): void {
    for (const end of [...this.#open]) end()
  }
}
