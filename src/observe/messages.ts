import type { AttemptFault, RequestFault } from '../faults/rules.js'
import type { Reason } from './reasons.js'

/** What a feed message is about; also the SSE `event:` name. */
export const FEED_KINDS = ['event', 'delivery', 'request', 'consumer', 'clock'] as const
export type FeedKind = (typeof FEED_KINDS)[number]

/** What every message carries. `at` is real time, `sandboxTime` the sandbox clock's; both ISO-8601. */
interface Base<K extends FeedKind> {
  /** Per merchant, starting at 1, never reused (not even after `DELETE /sandbox/data`): the SSE `id:`. */
  seq: number
  kind: K
  at: string
  sandboxTime: string
  chargeId?: string | undefined
  agreementId?: string | undefined
  /** Why, when the message is a decision. */
  reason?: Reason | undefined
}

/** A PPRO event as recorded: `payload` is the webhook body (CloudEvents envelope and data), parsed. */
export interface EventMessage extends Base<'event'> {
  type: string
  eventId: string
  subject: string
  /** The charge's or agreement's status when it happened. */
  status?: string | undefined
  payload: Record<string, unknown>
}

/** One attempt to deliver an event to the merchant's webhook URL. */
export interface DeliveryMessage extends Base<'delivery'> {
  eventId: string
  type: string
  url: string
  attempt: number
  statusCode?: number | undefined
  error?: string | undefined
  durationMs: number
  /** The first bytes of the receiver's answer. */
  responseBody?: string | undefined
  nextAttemptAt?: string | undefined
  replay: boolean
  /** The delivery's status after this attempt: PENDING (a retry is due), DELIVERED or FAILED. */
  deliveryStatus: string
  /** The webhook fault a rule of `/sandbox/faults` injected into this attempt. */
  fault?: AttemptFault | undefined
}

/**
 * One API request of the merchant, recorded when it was answered; `at` is when it arrived. `status` is
 * what the client got: 0 when it got no answer (a `disconnect`, `reset` or `hang` fault).
 */
export interface RequestMessage extends Base<'request'> {
  method: string
  path: string
  query?: string | undefined
  status: number
  durationMs: number
  requestId: string
  idempotencyKey?: string | undefined
  idempotentReplay?: boolean | undefined
  sandboxWarning?: string | undefined
  /** The API fault injected into this request (a rule of `/sandbox/faults`, or its `Sandbox-Fault` header). */
  fault?: RequestFault | undefined
}

/** What the consumer did on the approval page. */
export interface ConsumerMessage extends Base<'consumer'> {
  action: 'opened' | 'approved' | 'failed' | 'canceled'
}

export interface ClockMessage extends Base<'clock'> {
  offsetSeconds: number
  advancedSeconds: number
}

export type FeedMessage = EventMessage | DeliveryMessage | RequestMessage | ConsumerMessage | ClockMessage

/** A message before the feed numbers it. */
export type Unnumbered<M extends FeedMessage = FeedMessage> = M extends FeedMessage ? Omit<M, 'seq'> : never

/** A request's bodies, kept beside its message: the journal shows them, the stream and timelines do not. */
export interface RequestBodies {
  requestBody?: string | undefined
  requestBodyTruncated?: boolean | undefined
  responseBody?: string | undefined
  responseBodyTruncated?: boolean | undefined
}

/** A journal entry (`GET /sandbox/requests`): the request's message and its bodies. */
export type JournalEntry = RequestMessage & RequestBodies
