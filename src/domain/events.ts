import type { Agreement, AgreementStatus } from './agreement.js'
import {
  type AuthenticationSetting,
  type Capture,
  CHARGE_STATUSES,
  type Charge,
  type ChargeStatus,
  type Consumer,
  type Discard,
  type FundsState,
  redirectMethods,
  type Refund,
} from './charge.js'
import type { Failure } from './failures.js'

/**
 * Something that happened, as PPRO names it in its webhooks. The domain records it; the webhooks
 * module wraps it in PPRO's CloudEvents envelope, signs it and delivers it off the request path.
 *
 * An event keeps only what changes (its status at the time, and the operation it is about) and builds
 * its `data` from the charge or agreement when asked: the fields it reads never change after the event,
 * so the data, and the bytes sent, are the same every time, and the sandbox stays small when it keeps
 * thousands of events.
 */
export interface PproEvent {
  readonly id: string
  readonly merchantId: string
  readonly type: string
  /** The resource the event is about: a charge or agreement id (CloudEvents `subject`). */
  readonly subject: string
  readonly time: number
  /** The `data` of PPRO's webhook, built on each read. */
  readonly data: Record<string, unknown>
  readonly chargeId: string | undefined
  /** The agreement of the event: its own, or the one a charge belongs to. */
  readonly agreementId: string | undefined
  /** The resource's own webhook URL, if the merchant gave one; else the merchant's configured URL. */
  readonly webhooksUrl: string | undefined
}

export interface EventSink {
  publish(event: PproEvent): void
}

/** Money as webhooks carry it, `{value, currency}` (on the charge itself amounts are bare integers). */
export const money = (value: number, currency: string) => ({ value, currency })

/** PPRO's webhook failure (`ProcessingFailureRequest`) has no `isRetryable`. */
export function eventFailure(f: Failure) {
  const { failureType, failureCode, providerFailureCode, failureMessage } = f
  return { failureType, failureCode, providerFailureCode, failureMessage }
}

const EVENT_CONSUMER_FIELDS = [
  'name',
  'email',
  'phone',
  'country',
  'locale',
  'taxIdentification',
  'merchantConsumerReference',
  'billingAddress',
]

/** PPRO's webhook consumer (`ConsumerRequest`) has no `client`, `birthDate` or `profile`. */
export function eventConsumer(c: Consumer): Record<string, unknown> {
  // Most consumers carry nothing PPRO's webhook leaves out: share the stored object then.
  if (Object.keys(c).every((k) => EVENT_CONSUMER_FIELDS.includes(k))) return c
  const out: Record<string, unknown> = {}
  for (const k of EVENT_CONSUMER_FIELDS) if (c[k] !== undefined) out[k] = c[k]
  return out
}

/** What a funds event is about. */
export interface FundsChange {
  readonly operation: Capture | Refund
  readonly operationType: 'CAPTURE' | 'REFUND'
  readonly state: FundsState
}

/**
 * Each charge event type, and the operation an event of it is about (`undefined`: the charge alone).
 * An emit site must pass the right one: a capture to CAPTURE_SUCCEEDED, a refund to REFUND_*, and so on.
 */
export interface ChargeEventOps {
  PAYMENT_CHARGE_CREATED: readonly AuthenticationSetting[] | undefined
  /** The approval page's URL (PPRO's `requestUrl`). */
  PAYMENT_CHARGE_AUTHENTICATION_PENDING: string
  PAYMENT_CHARGE_DISCARDED: Discard
  PAYMENT_CHARGE_PROVIDER_CONFIRMATION_PENDING: undefined
  PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED: undefined
  PAYMENT_CHARGE_AUTHORIZATION_FAILED: undefined
  PAYMENT_CHARGE_CAPTURE_SUCCEEDED: Capture
  PAYMENT_CHARGE_REFUND_PENDING: Refund
  PAYMENT_CHARGE_REFUND_SUCCEEDED: Refund
  PAYMENT_CHARGE_REFUND_FAILED: Refund
  FUNDS_STATE_CHANGED: FundsChange
}
export type ChargeEventType = keyof ChargeEventOps

/** Each agreement event type, and the operation an event of it is about. */
export interface AgreementEventOps {
  PAYMENT_AGREEMENT_CREATED: undefined
  /** The approval page's URL (PPRO's `requestUrl`). */
  PAYMENT_AGREEMENT_AUTHENTICATION_PENDING: string
  PAYMENT_AGREEMENT_ACTIVE: undefined
  PAYMENT_AGREEMENT_FAILED: undefined
  PAYMENT_AGREEMENT_REVOKED_BY_CONSUMER: undefined
  PAYMENT_AGREEMENT_REVOKED_BY_MERCHANT: undefined
  PAYMENT_AGREEMENT_REVOKED_BY_PROVIDER: undefined
}
export type AgreementEventType = keyof AgreementEventOps

/** The arguments after the type at an emit site: the operation, or none when the type has none. */
export type OpArgs<Op> = [Op] extends [undefined] ? [] : [op: Op]

const authorization = (c: Charge) => ({ authorizationId: c.authorizations[0]!.id, amount: money(c.amount, c.currency) })
const refund = (c: Charge, r: Refund) => ({
  refundId: r.id,
  amount: money(r.amount, c.currency),
  merchantRefundReference: r.merchantRefundReference,
})

/**
 * Each charge event's own fields (the webhooks file's `…EventRequestDetails`), from the charge and the
 * operation the event is about. Undefined fields are left for JSON.stringify to drop.
 */
const CHARGE_EVENT_FIELDS: { [T in ChargeEventType]: (c: Charge, op: ChargeEventOps[T]) => Record<string, unknown> } = {
  PAYMENT_CHARGE_CREATED: (c, authenticationSettings) => ({
    paymentMedium: c.paymentMedium,
    initiator: c.initiator,
    paymentDescriptor: c.paymentDescriptor,
    amount: money(c.amount, c.currency),
    order: c.order,
    consumer: eventConsumer(c.consumer),
    authenticationSettings,
  }),
  PAYMENT_CHARGE_AUTHENTICATION_PENDING: (c, requestUrl) => ({
    ...authorization(c),
    authenticationMethods: redirectMethods(requestUrl),
  }),
  PAYMENT_CHARGE_PROVIDER_CONFIRMATION_PENDING: authorization,
  PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED: (c) => ({ ...authorization(c), isMultiStep: false }),
  PAYMENT_CHARGE_AUTHORIZATION_FAILED: (c) => ({ ...authorization(c), failure: c.failure && eventFailure(c.failure) }),
  PAYMENT_CHARGE_CAPTURE_SUCCEEDED: (c, k) => ({ captureId: k.id, amount: money(k.amount, c.currency) }),
  PAYMENT_CHARGE_DISCARDED: (c, d) => ({
    discardType: d.type,
    ...authorization(c),
    merchantDiscardReference: d.merchantDiscardReference,
  }),
  PAYMENT_CHARGE_REFUND_PENDING: refund,
  PAYMENT_CHARGE_REFUND_SUCCEEDED: refund,
  PAYMENT_CHARGE_REFUND_FAILED: (c, r) => ({ ...refund(c, r), failure: r.failure && eventFailure(r.failure) }),
  FUNDS_STATE_CHANGED: (c, f) => ({
    paymentOperationId: f.operation.id,
    paymentOperationType: f.operationType,
    fundsState: f.state,
    amount: money(f.operation.amount, c.currency),
    merchantRefundReference: 'merchantRefundReference' in f.operation ? f.operation.merchantRefundReference : undefined,
  }),
}

/**
 * An event's time as kept: the milliseconds since its charge or agreement was created while they are a
 * small integer (held in the field itself, where a time would take a number object of its own), else
 * the time itself.
 */
type KeptTime = number | { readonly time: number }

function keepTime(time: number, createdAt: number): KeptTime {
  const since = time - createdAt
  return since >= 0 && since < 2 ** 30 && Number.isInteger(since) && createdAt + since === time ? since : { time }
}

const timeOf = (kept: KeptTime, createdAt: number) => (typeof kept === 'number' ? createdAt + kept : kept.time)

/**
 * An operation an event keeps in a compact form, because it follows from the charge or agreement the
 * event is about: rebuilt, value for value, each time it is read.
 */
abstract class Rebuilt {
  abstract of(subject: { id: string; returnUrl?: string | undefined }): unknown
}

/** An approval page's URL: the same prefix for every charge and agreement, then the resource's id. */
class UrlOfId extends Rebuilt {
  constructor(readonly prefix: string) {
    super()
  }
  of(subject: { id: string }): string {
    return this.prefix + subject.id
  }
}

/** The usual `authenticationSettings`: one REDIRECT back to the charge's own `returnUrl`. */
class RedirectToReturnUrl extends Rebuilt {
  of(subject: { returnUrl?: string | undefined }): AuthenticationSetting[] {
    return [{ type: 'REDIRECT', settings: { returnUrl: subject.returnUrl } }]
  }
}
const REDIRECT_TO_RETURN_URL = new RedirectToReturnUrl()

/** The last approval URL prefix seen: every event of one sandbox shares it. */
let lastUrlOfId: UrlOfId | undefined

const hasKeys = (o: object, keys: readonly string[]) => {
  const own = Object.keys(o)
  return own.length === keys.length && own.every((k, i) => k === keys[i])
}

/** What an event keeps of its operation: a Rebuilt when reading it back gives the same value (and JSON), else the operation. */
function keepOp(op: unknown, subject: { id: string; returnUrl?: string | undefined }): unknown {
  if (typeof op === 'string') {
    if (!op.endsWith(subject.id) || op.length === subject.id.length) return op
    const prefix = op.slice(0, op.length - subject.id.length)
    if (lastUrlOfId?.prefix !== prefix) lastUrlOfId = new UrlOfId(prefix)
    return lastUrlOfId
  }
  if (Array.isArray(op) && op.length === 1 && typeof subject.returnUrl === 'string') {
    const s = op[0] as AuthenticationSetting
    if (
      s !== null &&
      typeof s === 'object' &&
      Object.getPrototypeOf(s) === Object.prototype &&
      hasKeys(s, ['type', 'settings']) &&
      s.type === 'REDIRECT' &&
      s.settings !== null &&
      typeof s.settings === 'object' &&
      Object.getPrototypeOf(s.settings) === Object.prototype &&
      hasKeys(s.settings, ['returnUrl']) &&
      s.settings.returnUrl === subject.returnUrl
    ) {
      return REDIRECT_TO_RETURN_URL
    }
  }
  return op
}

const opOf = (kept: unknown, subject: { id: string; returnUrl?: string | undefined }) => (kept instanceof Rebuilt ? kept.of(subject) : kept)

/**
 * Event ids are 21 characters of [0-9A-Za-z] (see ids.ts). Kept as a string, one takes 40 bytes and a
 * pointer; packed, four small integers in the event itself: characters 5k to 5k+4 in the low 30 bits of
 * integer k, and the last character's six bits two at a time in the top bits of the first three.
 */
const ID_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const PACKABLE_ID = /^[0-9A-Za-z]{21}$/
const ID_VALUE = new Int8Array(128).fill(-1)
for (let i = 0; i < ID_CHARS.length; i++) ID_VALUE[ID_CHARS.charCodeAt(i)] = i

function packId(id: string, k: number): number {
  let v = 0
  for (let j = 4; j >= 0; j--) v = v * 64 + ID_VALUE[id.charCodeAt(5 * k + j)]!
  const last = ID_VALUE[id.charCodeAt(20)]!
  // `| 0`: the top bits make it a negative 32-bit integer, which V8 keeps as a small integer all the same.
  return k < 3 ? v | (((last >> (2 * k)) & 3) << 30) | 0 : v
}

const idCodes: number[] = new Array<number>(21).fill(0)

function unpackId(a: number, b: number, c: number, d: number): string {
  const parts = [a, b, c, d]
  for (let k = 0; k < 4; k++) {
    const v = parts[k]!
    for (let j = 0; j < 5; j++) idCodes[5 * k + j] = ID_CHARS.charCodeAt((v >>> (6 * j)) & 63)
  }
  idCodes[20] = ID_CHARS.charCodeAt(((a >>> 30) & 3) | (((b >>> 30) & 3) << 2) | (((c >>> 30) & 3) << 4))
  return String.fromCharCode(...idCodes)
}

const CHARGE_EVENT_TYPES = Object.keys(CHARGE_EVENT_FIELDS) as ChargeEventType[]

/** An event's type and status: their positions in CHARGE_EVENT_TYPES and CHARGE_STATUSES, or (never seen) the names. */
type Kind = number | { readonly type: string; readonly status: ChargeStatus }

function kindOf(type: string, status: ChargeStatus): Kind {
  const t = CHARGE_EVENT_TYPES.indexOf(type as ChargeEventType)
  const s = CHARGE_STATUSES.indexOf(status)
  return t < 0 || s < 0 ? { type, status } : t | (s << 5)
}

/**
 * An event of a charge: its status when it happened, and the operation (capture, refund, …) it is about.
 * The sandbox keeps thousands, so each holds no string or number object of its own: its id packed in
 * four small integers, its type and status one, its time and operation in compact forms (see KeptTime
 * and Rebuilt), each read back as given.
 */
export class ChargeEvent<T extends ChargeEventType = ChargeEventType> implements PproEvent {
  /** The id's 21 characters, six bits each, in four small integers (see `packId`); or the id itself. */
  readonly #id0: number | string
  readonly #id1: number
  readonly #id2: number
  readonly #id3: number
  /** The type and the charge's status then, as one small number (see `kindOf`). */
  #kind: Kind
  readonly #time: KeptTime
  readonly #op: unknown
  constructor(
    id: string,
    type: T,
    time: number,
    readonly charge: Charge,
    ...op: OpArgs<ChargeEventOps[T]>
  ) {
    if (PACKABLE_ID.test(id)) {
      this.#id0 = packId(id, 0)
      this.#id1 = packId(id, 1)
      this.#id2 = packId(id, 2)
      this.#id3 = packId(id, 3)
    } else {
      this.#id0 = id
      this.#id1 = this.#id2 = this.#id3 = 0
    }
    this.#kind = kindOf(type, charge.status)
    this.#time = keepTime(time, charge.createdAt)
    this.#op = keepOp(op[0], charge)
  }

  get id(): string {
    const first = this.#id0
    return typeof first === 'string' ? first : unpackId(first, this.#id1, this.#id2, this.#id3)
  }

  get type(): T {
    const k = this.#kind
    return (typeof k === 'number' ? CHARGE_EVENT_TYPES[k & 31] : k.type) as T
  }
  /** The charge's status when the event happened. */
  get status(): ChargeStatus {
    const k = this.#kind
    return typeof k === 'number' ? CHARGE_STATUSES[k >> 5]! : k.status
  }
  /** Set when the event is read back from the journal (the status then, not the charge's now). */
  set status(status: ChargeStatus) {
    this.#kind = kindOf(this.type, status)
  }

  get time(): number {
    return timeOf(this.#time, this.charge.createdAt)
  }
  get op(): ChargeEventOps[T] {
    return opOf(this.#op, this.charge) as ChargeEventOps[T]
  }

  get merchantId() {
    return this.charge.merchantId
  }
  get subject() {
    return this.charge.id
  }
  get chargeId() {
    return this.charge.id
  }
  get agreementId() {
    return this.charge.agreementId
  }
  get webhooksUrl() {
    return this.charge.webhooksUrl
  }

  get data(): Record<string, unknown> {
    const c = this.charge
    return {
      paymentChargeId: c.id,
      paymentChargeStatus: this.status,
      paymentMethod: c.paymentMethod,
      merchantId: c.merchantId,
      merchantPaymentChargeReference: c.merchantPaymentChargeReference,
      orderReferenceNumber: typeof c.order?.orderReferenceNumber === 'string' ? c.order.orderReferenceNumber : undefined,
      type: this.type,
      paymentSessionId: c.paymentSessionId,
      ...(CHARGE_EVENT_FIELDS[this.type] as (c: Charge, op: ChargeEventOps[T]) => Record<string, unknown>)(c, this.op),
    }
  }
}

/** An optional time as ISO-8601 (unlike `clock.ts`'s `iso`, not memoised: agreement dates are rare). */
const isoOrUndefined = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())

const AGREEMENT_EVENT_FIELDS: {
  [T in AgreementEventType]: (a: Agreement, op: AgreementEventOps[T]) => Record<string, unknown>
} = {
  PAYMENT_AGREEMENT_CREATED: (a) => ({
    description: a.description,
    startDate: isoOrUndefined(a.startDate),
    endDate: isoOrUndefined(a.endDate),
    frequency: a.frequency,
    amount: a.amount && money(a.amount.value, a.amount.currency),
    amountType: a.amountType,
    consumer: eventConsumer(a.consumer),
  }),
  PAYMENT_AGREEMENT_AUTHENTICATION_PENDING: (_a, requestUrl) => ({ authenticationMethods: redirectMethods(requestUrl) }),
  PAYMENT_AGREEMENT_ACTIVE: () => ({}),
  PAYMENT_AGREEMENT_FAILED: (a) => ({ failure: a.failure && eventFailure(a.failure) }),
  PAYMENT_AGREEMENT_REVOKED_BY_CONSUMER: () => ({}),
  PAYMENT_AGREEMENT_REVOKED_BY_MERCHANT: () => ({}),
  PAYMENT_AGREEMENT_REVOKED_BY_PROVIDER: () => ({}),
}

/** An event of a payment agreement, with the agreement's status when it happened. */
export class AgreementEvent<T extends AgreementEventType = AgreementEventType> implements PproEvent {
  readonly status: AgreementStatus
  readonly #time: KeptTime
  readonly #op: unknown
  constructor(
    readonly id: string,
    readonly type: T,
    time: number,
    readonly agreement: Agreement,
    ...op: OpArgs<AgreementEventOps[T]>
  ) {
    this.status = agreement.status
    this.#time = keepTime(time, agreement.createdAt)
    this.#op = keepOp(op[0], agreement)
  }

  get time(): number {
    return timeOf(this.#time, this.agreement.createdAt)
  }
  get op(): AgreementEventOps[T] {
    return opOf(this.#op, this.agreement) as AgreementEventOps[T]
  }
  get chargeId(): undefined {
    return undefined
  }

  get merchantId() {
    return this.agreement.merchantId
  }
  get subject() {
    return this.agreement.id
  }
  get agreementId() {
    return this.agreement.id
  }
  get webhooksUrl() {
    return this.agreement.webhooksUrl
  }

  get data(): Record<string, unknown> {
    const a = this.agreement
    return {
      paymentAgreementId: a.id,
      paymentAgreementStatus: this.status,
      paymentMethod: a.paymentMethod,
      type: this.type,
      merchantPaymentAgreementReference: a.merchantPaymentAgreementReference,
      merchantId: a.merchantId,
      paymentSessionId: a.paymentSessionId,
      ...(AGREEMENT_EVENT_FIELDS[this.type] as (a: Agreement, op: AgreementEventOps[T]) => Record<string, unknown>)(a, this.op),
    }
  }
}
