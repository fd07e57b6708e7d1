import type { Agreement } from '../domain/agreement.js'
import type { Charge, Discard, Refund } from '../domain/charge.js'
import { formatIso, iso } from '../domain/clock.js'
import { AgreementEvent, ChargeEvent, type FundsChange, type PproEvent } from '../domain/events.js'
import type { PaymentMethods } from '../domain/payment-methods.js'
import { capturedAmount, refundedAmount } from '../domain/refunds.js'
import { type AttemptFault, attemptFaultOf } from '../faults/rules.js'
import type { Sandbox, SandboxObserver } from '../sandbox.js'
import { simulatedDecline } from '../domain/simulation.js'
import { type Attempt, type Delivery, eventBody, type WebhookSettings } from '../webhooks/dispatcher.js'
import { type Compactor, Feed } from './feed.js'
import type { ConsumerMessage, DeliveryMessage, EventMessage } from './messages.js'
import { type Reason, reason } from './reasons.js'

export interface RecorderDeps {
  feed: Feed
  methods: PaymentMethods
  webhooks: WebhookSettings
  authTimeoutSeconds: number
  logger: { info(obj: object, msg: string): void }
}

/** A decision of the consumer about to be applied, and who made it (the page, or a test through the API). */
interface Intent {
  action: 'approve' | 'decline' | 'cancel'
  via: string
}

export type PageAction = 'opened' | 'approve' | 'decline' | 'cancel'

const PAGE_ACTIONS: Record<PageAction, ConsumerMessage['action']> = {
  opened: 'opened',
  approve: 'approved',
  decline: 'failed',
  cancel: 'canceled',
}

const recorders = new WeakMap<Sandbox, Recorder>()

/** The recorder watching a sandbox, for the approval page's hook (src/observe/consumer.ts). */
export function recorderOf(sandbox: Sandbox): Recorder | undefined {
  return recorders.get(sandbox)
}

/**
 * Turns what the sandbox does into feed messages, each decision with its reason. It watches the domain
 * from outside (the sandbox's observer: events, delivery attempts, clock moves, resets) and reads the
 * charge or agreement an event is about to word why, so the domain itself stays unaware of the feed.
 */
export class Recorder implements SandboxObserver {
  #sandbox: Sandbox | undefined
  readonly #intents = new Map<string, Intent>()
  /** The merchant moving the clock, so its feed gets the clock message even before it has any other. */
  #clockMover: string | undefined

  constructor(private readonly d: RecorderDeps) {}

  attach(sandbox: Sandbox): void {
    this.#sandbox = sandbox
    recorders.set(sandbox, this)
    // DELETE /sandbox/data clears the merchant's feed with the rest of its data.
    sandbox.onReset((merchantId) => this.d.feed.clear(merchantId))
  }

  get feed(): Feed {
    return this.d.feed
  }

  #sandboxNow(): number {
    return this.#sandbox?.clock.now() ?? Date.now()
  }

  /**
   * The consumer's (or a test's) decision on `id`, about to be applied synchronously: the events it
   * causes are worded with it. Forgotten once the current task is done.
   */
  intend(id: string, action: Intent['action'], via: string): void {
    this.#intents.set(id, { action, via })
    queueMicrotask(() => this.#intents.delete(id))
  }

  /** Who moves the clock next (the merchant of `POST /sandbox/clock`), for the current task only. */
  movingClock(merchantId: string): void {
    this.#clockMover = merchantId
    queueMicrotask(() => (this.#clockMover = undefined))
  }

  /** What the consumer did on the approval page of a charge or agreement. */
  consumer(id: string, action: PageAction): void {
    const sandbox = this.#sandbox
    if (!sandbox) return
    const subject: Charge | Agreement | undefined = id.startsWith('agr_')
      ? sandbox.agreements.findForConsumer(id)
      : sandbox.charges.findForConsumer(id)
    if (!subject) return
    const agreement = id.startsWith('agr_') ? (subject as Agreement) : undefined
    const message: ConsumerMessage = {
      seq: 0,
      kind: 'consumer',
      at: realNow(),
      sandboxTime: iso(this.#sandboxNow()),
      chargeId: agreement ? agreement.initialPaymentChargeId : subject.id,
      agreementId: agreement ? agreement.id : (subject as Charge).agreementId,
      action: PAGE_ACTIONS[action],
    }
    if (action !== 'opened') this.intend(id, action, 'on the approval page')
    this.d.feed.append(subject.merchantId, message)
  }

  event(e: PproEvent): void {
    const why = this.#eventReason(e)
    // The message's `at` and the time the feed keeps beside it are one reading, so the feed can keep
    // the event alone and build the same message again (RECORDED_MESSAGES).
    const now = Date.now()
    this.d.feed.append(e.merchantId, new EventRecord(e, this.#kept(e, why), 0, realIso(now)), { started: now })
    if (why) {
      this.d.logger.info(
        { eventId: e.id, type: e.type, chargeId: e.chargeId, agreementId: e.agreementId, reason: why },
        `${e.type}: ${why.message}`,
      )
    }
  }

  attempt(delivery: Delivery, attempt: Attempt): Reason {
    const n = delivery.attempts.indexOf(attempt) + 1
    // As for events, the message's `at` and the time the feed keeps beside it are one reading, and the
    // feed keeps the delivery, the attempt's number and the delivery's status now (RECORDED_MESSAGES).
    const now = Date.now()
    const record = new DeliveryRecord(new DeliveryKept(delivery, n, delivery.status, this.d.webhooks), 0, realIso(now))
    this.d.feed.append(delivery.event.merchantId, record, { started: now })
    return record.reason
  }

  /** A clock move concerns every merchant: each feed gets it. */
  clock(advancedMs: number): void {
    const clock = this.#sandbox?.clock
    if (!clock) return
    const message = {
      seq: 0,
      kind: 'clock' as const,
      at: realNow(),
      sandboxTime: iso(clock.now() + advancedMs),
      offsetSeconds: (clock.offsetMs + advancedMs) / 1000,
      advancedSeconds: advancedMs / 1000,
    }
    const merchants = new Set(this.d.feed.merchants())
    if (this.#clockMover) merchants.add(this.#clockMover)
    // Each feed numbers its own copy.
    for (const m of merchants) this.d.feed.append(m, { ...message })
  }

  // --- Reasons ---------------------------------------------------------------------------------

  /** The last event reason kept of each code: equal reasons in a row (most are) share one object. */
  readonly #lastKept = new Map<string, Reason>()
  /** The reason of an authentication-pending event, from the event alone: its deadline never changes. */
  readonly #awaiting = new Rederived((e) => {
    const subject = e instanceof ChargeEvent ? e.charge : (e as AgreementEvent).agreement
    return reason('AWAITING_CONSUMER', iso(this.#deadline(subject)), this.d.authTimeoutSeconds)
  })

  /**
   * What an event's feed message keeps of its reason (the feed keeps thousands of them): nothing when
   * the event words it again exactly (an authentication deadline), else one object shared with the
   * previous event reason of the same code when they say the same.
   */
  #kept(e: PproEvent, why: Reason | undefined): Reason | Rederived | undefined {
    if (!why) return undefined
    if (
      why.code === 'AWAITING_CONSUMER' &&
      (e.type === 'PAYMENT_CHARGE_AUTHENTICATION_PENDING' || e.type === 'PAYMENT_AGREEMENT_AUTHENTICATION_PENDING') &&
      this.#awaiting.of(e).message === why.message
    ) {
      return this.#awaiting
    }
    const last = this.#lastKept.get(why.code)
    if (last && last.message === why.message) return last
    this.#lastKept.set(why.code, why)
    return why
  }

  #intentFor(e: { chargeId: string | undefined; agreementId: string | undefined }): Intent | undefined {
    return (e.chargeId && this.#intents.get(e.chargeId)) || (e.agreementId && this.#intents.get(e.agreementId)) || undefined
  }

  #eventReason(e: PproEvent): Reason | undefined {
    if (e instanceof ChargeEvent) return this.#chargeReason(e)
    if (e instanceof AgreementEvent) return this.#agreementReason(e)
    return undefined
  }

  #chargeReason(e: ChargeEvent): Reason | undefined {
    const c = e.charge
    const sim = c.simulation
    const intent = this.#intentFor(e)
    switch (e.type) {
      case 'PAYMENT_CHARGE_AUTHENTICATION_PENDING':
        return reason('AWAITING_CONSUMER', iso(this.#deadline(c)), this.d.authTimeoutSeconds)
      case 'PAYMENT_CHARGE_PROVIDER_CONFIRMATION_PENDING':
        return reason('SIMULATED_PROVIDER_CONFIRMATION', sim?.providerConfirmationDelayMs ?? 0)
      case 'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED':
        if (intent) return reason('CONSUMER_APPROVED', intent.via)
        if (sim?.providerConfirmation) return reason('PROVIDER_CONFIRMED', sim.providerConfirmationDelayMs ?? 0)
        if (sim?.consumerAction === 'approve') return reason('SIMULATED_CONSUMER_ACTION', 'approve', sim.consumerActionDelayMs ?? 0)
        if (c.agreementId && this.#agreement(c.agreementId)?.initialPaymentChargeId !== c.id) {
          return reason('AGREEMENT_CHARGE_AUTHORIZED', c.agreementId)
        }
        return reason('CONSUMER_APPROVED', 'on the approval page')
      case 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED':
        return reason('AUTO_CAPTURE', c.amount, c.currency)
      case 'PAYMENT_CHARGE_AUTHORIZATION_FAILED':
        return this.#declineReason(c, intent)
      case 'PAYMENT_CHARGE_DISCARDED': {
        const discard = e.op as Discard
        if (discard.type === 'MERCHANT_INITIATED_DISCARD') return reason('MERCHANT_DISCARDED', c.id)
        const deadline = this.#deadline(c)
        return e.time >= deadline
          ? reason('AUTHENTICATION_TIMEOUT', iso(deadline), this.d.authTimeoutSeconds)
          : reason('EXPIRED_BY_REQUEST', iso(deadline))
      }
      case 'PAYMENT_CHARGE_REFUND_PENDING':
        return reason('SIMULATED_REFUND_PENDING', sim?.refundPendingDelayMs ?? 0, sim?.refundPendingResult ?? 'REFUNDED')
      case 'PAYMENT_CHARGE_REFUND_SUCCEEDED': {
        const r = e.op as Refund
        return reason('REFUND_ACCEPTED', r.amount, c.currency, capturedAmount(c) - refundedAmount(c))
      }
      case 'PAYMENT_CHARGE_REFUND_FAILED':
        return this.#refundFailure(c, e.op as Refund)
      case 'FUNDS_STATE_CHANGED':
        return reason('SIMULATED_FUNDS_EVENT', (e.op as FundsChange).state, sim?.fundsEventScheduleDelayMs ?? 0)
      default:
        return undefined
    }
  }

  /** Why a charge's authorization failed: checked in the order the sandbox checks. */
  #declineReason(c: Charge, intent: Intent | undefined): Reason {
    const code = c.failure?.failureCode ?? 'GENERIC_DECLINE'
    const method = this.d.methods.get(c.paymentMethod)
    switch (code) {
      case 'INVALID_PAYMENT_METHOD':
        return reason('METHOD_UNKNOWN', c.paymentMethod, this.d.methods.names)
      case 'COUNTRY_NOT_SUPPORTED':
        return reason('COUNTRY_NOT_SUPPORTED', c.country, method?.displayName ?? c.paymentMethod, method?.markets ?? [])
      case 'INVALID_CURRENCY':
        return reason('CURRENCY_NOT_SUPPORTED', c.currency, method?.displayName ?? c.paymentMethod, method?.processingCurrencies ?? [])
      case 'AMOUNT_NOT_SUPPORTED':
        return reason(
          'AMOUNT_OUT_OF_RANGE',
          c.amount,
          c.currency,
          method?.displayName ?? c.paymentMethod,
          method?.minimumAmount.value ?? 0,
          method?.maximumAmount.value ?? 0,
        )
      case 'INVALID_AUTHENTICATION_SETTINGS':
        return reason('AUTHENTICATION_SETTINGS_MISSING', method?.displayName ?? c.paymentMethod)
      case 'AGREEMENT_REVOKED':
      case 'AGREEMENT_INACTIVE':
      case 'INVALID_AMOUNT':
        return this.#agreementDecline(c, code)
    }
    if (intent?.action === 'decline') return reason('CONSUMER_DECLINED', intent.via, code)
    if (intent?.action === 'cancel') return reason('CONSUMER_CANCELED', intent.via)
    if (simulatedDecline(c.amount) === code && (intent?.action === 'approve' || c.simulation?.consumerAction !== 'decline')) {
      return reason('SIMULATED_DECLINE_AMOUNT', c.amount, c.currency, code)
    }
    const sim = c.simulation
    if (sim?.consumerAction === 'decline' || sim?.consumerAction === 'cancel') {
      return reason('SIMULATED_CONSUMER_ACTION', sim.consumerAction, sim.consumerActionDelayMs ?? 0)
    }
    if (code === 'CANCELED_BY_CONSUMER') return reason('CONSUMER_CANCELED', 'on the approval page')
    return reason('CONSUMER_DECLINED', 'on the approval page', code)
  }

  #agreementDecline(c: Charge, code: 'AGREEMENT_REVOKED' | 'AGREEMENT_INACTIVE' | 'INVALID_AMOUNT'): Reason {
    const id = c.agreementId ?? ''
    const a = this.#agreement(id)
    if (code === 'AGREEMENT_REVOKED') return reason('AGREEMENT_REVOKED', id, a?.status ?? 'REVOKED')
    if (code === 'INVALID_AMOUNT') {
      return reason(
        'AGREEMENT_AMOUNT_MISMATCH',
        c.amount,
        c.currency,
        a?.amountType ?? 'EXACT',
        a?.amount?.value ?? 0,
        a?.amount?.currency ?? '',
      )
    }
    if (a && a.status === 'ACTIVE') {
      return reason('AGREEMENT_OUT_OF_DATES', id, iso(c.createdAt), optionalIso(a.startDate), optionalIso(a.endDate))
    }
    return reason('AGREEMENT_INACTIVE', id, a?.status ?? 'unknown')
  }

  #refundFailure(c: Charge, r: Refund): Reason {
    const code = r.failure?.failureCode
    if (code === 'REFUND_PERIOD_EXPIRED') {
      const capture = c.captures.find((k) => k.status === 'CAPTURED')
      return reason(
        'REFUND_PERIOD_EXPIRED',
        iso(capture?.createdAt ?? c.createdAt),
        this.d.methods.get(c.paymentMethod)?.refundValidityDays ?? 0,
      )
    }
    if (code === 'EXCEEDS_REFUNDABLE_AMOUNT')
      return reason('REFUND_EXCEEDS_REFUNDABLE', r.amount, c.currency, capturedAmount(c) - refundedAmount(c))
    return reason('SIMULATED_REFUND_DECLINED')
  }

  #agreementReason(e: AgreementEvent): Reason | undefined {
    const a = e.agreement
    const intent = this.#intentFor(e)
    switch (e.type) {
      case 'PAYMENT_AGREEMENT_AUTHENTICATION_PENDING':
        return reason('AWAITING_CONSUMER', iso(this.#deadline(a)), this.d.authTimeoutSeconds)
      case 'PAYMENT_AGREEMENT_ACTIVE':
        return reason('CONSUMER_APPROVED', intent?.via ?? 'on the approval page')
      case 'PAYMENT_AGREEMENT_FAILED':
        return this.#agreementFailure(e, a, intent)
      case 'PAYMENT_AGREEMENT_REVOKED_BY_CONSUMER':
        return reason('AGREEMENT_REVOCATION', 'CONSUMER')
      case 'PAYMENT_AGREEMENT_REVOKED_BY_MERCHANT':
        return reason('AGREEMENT_REVOCATION', 'MERCHANT')
      case 'PAYMENT_AGREEMENT_REVOKED_BY_PROVIDER':
        return reason('AGREEMENT_REVOCATION', 'PROVIDER')
      default:
        return undefined
    }
  }

  #agreementFailure(e: AgreementEvent, a: Agreement, intent: Intent | undefined): Reason {
    const code = a.failure?.failureCode ?? 'AUTHENTICATION_FAILED'
    const method = this.d.methods.get(a.paymentMethod)
    const name = method?.displayName ?? a.paymentMethod
    switch (code) {
      case 'INVALID_PAYMENT_METHOD':
        return method ? reason('METHOD_NOT_RECURRING', name) : reason('METHOD_UNKNOWN', a.paymentMethod, this.d.methods.names)
      case 'COUNTRY_NOT_SUPPORTED':
        return reason('COUNTRY_NOT_SUPPORTED', a.consumer.country, name, method?.markets ?? [])
      case 'INVALID_CURRENCY':
        return reason('CURRENCY_NOT_SUPPORTED', a.amount?.currency ?? '', name, method?.processingCurrencies ?? [])
      case 'INVALID_AUTHENTICATION_SETTINGS':
        return reason('AUTHENTICATION_SETTINGS_MISSING', name)
      case 'AUTHENTICATION_TIMEOUT': {
        const deadline = this.#deadline(a)
        return e.time >= deadline
          ? reason('AUTHENTICATION_TIMEOUT', iso(deadline), this.d.authTimeoutSeconds)
          : reason('EXPIRED_BY_REQUEST', iso(deadline))
      }
    }
    if (intent?.action === 'cancel' || code === 'CANCELED_BY_CONSUMER')
      return reason('CONSUMER_CANCELED', intent?.via ?? 'on the approval page')
    return reason('CONSUMER_DECLINED', intent?.via ?? 'on the approval page', code)
  }

  /** When an unfinished authentication times out (as the domain derives it). */
  #deadline(subject: { createdAt: number }): number {
    return subject.createdAt + this.d.authTimeoutSeconds * 1000
  }

  #agreement(id: string): Agreement | undefined {
    return this.#sandbox?.agreements.findForConsumer(id)
  }
}

/**
 * A feed message read from what the ring keeps of it: `seq` and `at` are the feed's, every other field
 * a getter over the kept entry. Its JSON has the fields every message has, then its kind's own
 * (`ownFields`, in their order), as a message built as a plain object would.
 */
abstract class RecordedMessage<M extends EventMessage | DeliveryMessage> {
  constructor(
    public seq: number,
    readonly at: string,
  ) {}

  abstract get kind(): M['kind']
  abstract get sandboxTime(): string
  abstract get chargeId(): string | undefined
  abstract get agreementId(): string | undefined
  abstract get reason(): Reason | undefined
  /** The kind's own fields, in the order its JSON has them; `reason` comes where the kind puts it. */
  protected abstract get ownFields(): ReadonlyArray<Exclude<keyof M, keyof RecordedMessage<M> | 'seq' | 'at'> | 'reason'>
  /** What the feed's ring keeps of it. */
  abstract compact(): { kept: object; beside: unknown }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      seq: this.seq,
      kind: this.kind,
      at: this.at,
      sandboxTime: this.sandboxTime,
      chargeId: this.chargeId,
      agreementId: this.agreementId,
    }
    for (const k of this.ownFields) out[k as string] = this[k as keyof this]
    return out
  }
}

const EVENT_FIELDS = ['type', 'eventId', 'subject', 'status', 'reason', 'payload'] as const
const DELIVERY_FIELDS = [
  'eventId',
  'type',
  'url',
  'attempt',
  'statusCode',
  'error',
  'durationMs',
  'responseBody',
  'nextAttemptAt',
  'replay',
  'deliveryStatus',
  'fault',
  'reason',
] as const

/**
 * A PPRO event as a feed message. Its `payload` (the webhook body) is built when read, from the event
 * (the same bytes every time), so the message holds no copy of it.
 */
class EventRecord extends RecordedMessage<EventMessage> implements EventMessage {
  readonly #reason: Reason | Rederived | undefined
  readonly #event: PproEvent

  // The rest is read from the event when asked.
  constructor(e: PproEvent, reason: Reason | Rederived | undefined, seq: number, at: string) {
    super(seq, at)
    this.#reason = reason
    this.#event = e
  }

  protected get ownFields() {
    return EVENT_FIELDS
  }

  /** What the feed's ring keeps of it: the event, its reason beside it. */
  compact(): { kept: object; beside: unknown } {
    return { kept: this.#event, beside: this.#reason }
  }

  get reason(): Reason | undefined {
    const r = this.#reason
    return r instanceof Rederived ? r.of(this.#event) : r
  }

  get kind(): 'event' {
    return 'event'
  }
  get sandboxTime(): string {
    return iso(this.#event.time)
  }
  get chargeId(): string | undefined {
    return this.#event.chargeId
  }
  get agreementId(): string | undefined {
    return this.#event.agreementId
  }
  get type(): string {
    return this.#event.type
  }
  get eventId(): string {
    return this.#event.id
  }
  get subject(): string {
    return this.#event.subject
  }
  get status(): string | undefined {
    const e = this.#event
    return e instanceof ChargeEvent || e instanceof AgreementEvent ? e.status : undefined
  }

  get payload(): Record<string, unknown> {
    return JSON.parse(eventBody(this.#event)) as Record<string, unknown>
  }
}

/**
 * Why an attempt went as it did, from what the attempt and its delivery held when it was recorded: the
 * attempt's number `n`, the delivery's status then, and the attempts up to this one.
 */
function attemptReason(webhooks: WebhookSettings, delivery: Delivery, a: Attempt, n: number, status: string): Reason {
  const ok = a.statusCode !== undefined && a.statusCode >= 200 && a.statusCode < 300
  if (ok) return reason('WEBHOOK_DELIVERED', n, a.statusCode!)
  const outcome =
    a.error === 'timeout'
      ? `got no answer within the ${webhooks.timeoutMs} ms deadline`
      : a.error !== undefined
        ? `failed: ${a.error}`
        : `was answered HTTP ${a.statusCode}, not 2xx`
  if (a.replay) return reason('WEBHOOK_REPLAY_FAILED', n, outcome)
  if (a.nextAttemptAt !== undefined) {
    let scheduled = 0
    for (let i = 0; i < n; i++) if (!delivery.attempts[i]!.replay) scheduled++
    return reason('WEBHOOK_RETRY', n, outcome, scheduled + 1, a.nextAttemptAt - a.at, iso(a.nextAttemptAt))
  }
  if (status === 'DELIVERED') return reason('WEBHOOK_ALREADY_DELIVERED', n, outcome)
  return reason('WEBHOOK_GAVE_UP', n, outcome, webhooks.maxAttempts)
}

/**
 * What the feed keeps of a delivery message: the delivery, the attempt's number and the delivery's
 * status when it was recorded. The attempt does not change once its outcome is recorded, so everything
 * else is built from it again, the same, each time the message is read.
 */
class DeliveryKept {
  constructor(
    readonly delivery: Delivery,
    readonly n: number,
    readonly status: DeliveryMessage['deliveryStatus'],
    readonly webhooks: WebhookSettings,
  ) {}

  get chargeId(): string | undefined {
    return this.delivery.event.chargeId
  }
  get agreementId(): string | undefined {
    return this.delivery.event.agreementId
  }
}

/** A delivery attempt as a feed message, read from what the feed keeps of it (DeliveryKept). */
class DeliveryRecord extends RecordedMessage<DeliveryMessage> implements DeliveryMessage {
  readonly #k: DeliveryKept

  constructor(k: DeliveryKept, seq: number, at: string) {
    super(seq, at)
    this.#k = k
  }

  protected get ownFields() {
    return DELIVERY_FIELDS
  }

  compact(): { kept: DeliveryKept; beside: unknown } {
    return { kept: this.#k, beside: undefined }
  }

  get #attempt(): Attempt {
    return this.#k.delivery.attempts[this.#k.n - 1]!
  }
  get kind(): 'delivery' {
    return 'delivery'
  }
  get sandboxTime(): string {
    return iso(this.#attempt.at)
  }
  get chargeId(): string | undefined {
    return this.#k.chargeId
  }
  get agreementId(): string | undefined {
    return this.#k.agreementId
  }
  get eventId(): string {
    return this.#k.delivery.event.id
  }
  get type(): string {
    return this.#k.delivery.event.type
  }
  get url(): string {
    return this.#k.delivery.url ?? ''
  }
  get attempt(): number {
    return this.#k.n
  }
  get statusCode(): number | undefined {
    return this.#attempt.statusCode
  }
  get error(): string | undefined {
    return this.#attempt.error
  }
  get durationMs(): number {
    return this.#attempt.durationMs
  }
  get responseBody(): string | undefined {
    return this.#attempt.responseBody
  }
  get nextAttemptAt(): string | undefined {
    const next = this.#attempt.nextAttemptAt
    return next === undefined ? undefined : iso(next)
  }
  get replay(): boolean {
    return this.#attempt.replay === true
  }
  get deliveryStatus(): DeliveryMessage['deliveryStatus'] {
    return this.#k.status
  }
  get fault(): AttemptFault | undefined {
    return attemptFaultOf(this.#attempt.fault)
  }
  get reason(): Reason {
    const k = this.#k
    return attemptReason(k.webhooks, k.delivery, this.#attempt, k.n, k.status)
  }
}

/**
 * What the feed keeps of an event message (its event, and its reason beside it) and of a delivery
 * message (DeliveryKept); the time is the feed's own. The message is built again, the same, each time
 * it is read.
 */
export const RECORDED_MESSAGES: Compactor = {
  compact: (m) => (m instanceof EventRecord || m instanceof DeliveryRecord ? m.compact() : undefined),
  isKept: (entry) => entry instanceof ChargeEvent || entry instanceof AgreementEvent || entry instanceof DeliveryKept,
  expand: (kept, beside, seq, started) =>
    kept instanceof DeliveryKept
      ? new DeliveryRecord(kept, seq, realIso(started))
      : new EventRecord(kept as PproEvent, beside as Reason | Rederived | undefined, seq, realIso(started)),
}

/** A reason worded again from its event each time it is read, so the feed keeps none of it. */
class Rederived {
  constructor(readonly of: (e: PproEvent) => Reason) {}
}

let lastRealMs = Number.NaN
let lastRealIso = ''

/** Real time, ISO-8601; messages of the same millisecond share one string. */
function realNow(): string {
  return realIso(Date.now())
}

function realIso(ms: number): string {
  if (ms !== lastRealMs) {
    lastRealMs = ms
    lastRealIso = formatIso(ms)
  }
  return lastRealIso
}

const optionalIso = (ms: number | undefined) => (ms === undefined ? 'none' : iso(ms))
