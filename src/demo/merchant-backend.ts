import { randomBytes } from 'node:crypto'
import { verifyWebhook } from '../webhooks/signing.js'
import { type CartLine, DEMO_MERCHANT, type Scenario, totalOf } from './catalogue.js'

/** What the demo's backend saw: an API call it made, or a webhook it received. The presenter's live panel. */
export type BackendEntry = { seq: number; at: string; orderId?: string | undefined } & (
  | { kind: 'api'; method: string; path: string; status: number; latencyMs: number; result?: string | undefined }
  | {
      kind: 'webhook'
      type: string
      eventId: string
      verified: boolean
      reason?: string | undefined
      response: number
      /** From the event's time to its arrival here, on the sandbox clock. */
      latencyMs: number
    }
)

type NewEntry = BackendEntry extends infer E ? (E extends BackendEntry ? Omit<E, 'seq' | 'at'> : never) : never

export type OrderState = 'pending' | 'paid' | 'failed' | 'canceled' | 'expired' | 'refunded' | 'partially_refunded'

export interface Order {
  id: string
  scenario: Scenario
  lines: CartLine[]
  total: number
  subscription: boolean
  chargeId?: string
  agreementId?: string
  requestUrl?: string
  /** What the order is, from verified webhooks only. */
  state: OrderState
  failureCode?: string
  /** The shopper came back on the returnUrl; `checked` is the status the API answered then. */
  returned?: { checked: string }
  /** Refunds the API accepted, and those a webhook confirmed. */
  refundsRequested: number
  refunded: number
  agreementActive: boolean
  renewals: Array<{ chargeId: string; amount: number; paid: boolean; status: string }>
  webhooks: Array<Extract<BackendEntry, { kind: 'webhook' }>>
  createdAt: number
}

export class ShopError extends Error {
  constructor(
    message: string,
    readonly status = 502,
  ) {
    super(message)
  }
}

export interface MerchantBackendOptions {
  /** Where the sandbox's PPRO API listens, for calls over HTTP; undefined while it is not listening. */
  apiBaseUrl: () => string | undefined
  /** Where the shopper's browser reaches the sandbox (PUBLIC_BASE_URL): the returnUrl is built on it. */
  publicBaseUrl: string
  apiKey: string
  webhookSecret: () => string
  /** The sandbox clock, for webhook latency: an event's `time` is sandbox time (the clock can be moved). */
  sandboxNow: () => number
  authTimeoutSeconds: number
}

const MAX_LOG = 300
const MAX_ORDERS = 200

/**
 * The demo shop's backend, a merchant like any other: it calls the sandbox's PPRO API over HTTP with
 * its own merchant id, sends the shopper to the requestUrl, and believes an outcome only when a webhook
 * arrives whose signatures verify.
 */
export class MerchantBackend {
  readonly orders = new Map<string, Order>()
  readonly log: BackendEntry[] = []
  /** Grows at each reset, so a screen that shows the log knows to clear it. */
  generation = 0
  #seq = 0

  constructor(private readonly o: MerchantBackendOptions) {}

  #record(entry: NewEntry): BackendEntry {
    const full = { ...entry, seq: ++this.#seq, at: new Date().toISOString() } as BackendEntry
    this.log.push(full)
    if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG)
    return full
  }

  /** The shop's state as JSON: replicas keep it in Redis, so that every replica serves the same shop. */
  snapshot(): string {
    return JSON.stringify({ orders: [...this.orders.values()], log: this.log, generation: this.generation, seq: this.#seq })
  }

  /** Takes the state `snapshot` gave (on this replica or another). */
  restore(json: string): void {
    const s = JSON.parse(json) as { orders: Order[]; log: BackendEntry[]; generation: number; seq: number }
    this.orders.clear()
    for (const order of s.orders) this.orders.set(order.id, order)
    this.log.splice(0, this.log.length, ...s.log)
    this.generation = s.generation
    this.#seq = s.seq
  }

  since(seq: number): BackendEntry[] {
    return this.log.filter((e) => e.seq > seq)
  }

  latestOrder(): Order | undefined {
    let last: Order | undefined
    for (const order of this.orders.values()) last = order
    return last
  }

  async #call(method: string, path: string, body: unknown, orderId: string | undefined): Promise<any> {
    const base = this.o.apiBaseUrl()
    if (!base) {
      throw new ShopError(
        'The demo shop calls the sandbox over HTTP: it works once the sandbox listens (npm start), not in app.inject().',
        503,
      )
    }
    const started = performance.now()
    let res: Response
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.o.apiKey}`,
          'merchant-id': DEMO_MERCHANT,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      })
    } catch (err) {
      throw new ShopError(`${method} ${base}${path} failed: ${(err as Error).message}`)
    }
    const text = await res.text()
    const json = text ? JSON.parse(text) : undefined
    this.#record({
      kind: 'api',
      orderId,
      method,
      path,
      status: res.status,
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
      result: json?.status ?? json?.failureMessage,
    })
    if (!res.ok) throw new ShopError(`${method} ${path} answered ${res.status}: ${json?.failureMessage ?? text}`)
    return json
  }

  #newOrder(scenario: Scenario, lines: CartLine[]): Order {
    const order: Order = {
      id: `DEMO-${randomBytes(4).toString('hex').toUpperCase()}`,
      scenario,
      lines,
      total: totalOf(lines),
      subscription: lines.some((l) => l.product.monthly),
      state: 'pending',
      refundsRequested: 0,
      refunded: 0,
      agreementActive: false,
      renewals: [],
      webhooks: [],
      createdAt: Date.now(),
    }
    this.orders.set(order.id, order)
    if (this.orders.size > MAX_ORDERS) this.orders.delete(this.orders.keys().next().value!)
    return order
  }

  #webhooksUrl(): string {
    return `${this.o.apiBaseUrl()}/demo/webhooks`
  }

  /** Checkout: a fresh order, its charge (or, for a subscription, its agreement) created through the API. */
  async checkout(scenario: Scenario, lines: CartLine[]): Promise<Order> {
    if (lines.length === 0) throw new ShopError('The cart is empty.', 400)
    const order = this.#newOrder(scenario, lines)
    const describe = lines.map((l) => `${l.product.ko}${l.qty > 1 ? ` ×${l.qty}` : ''}`).join(', ')
    const returnUrl = `${this.o.publicBaseUrl}/demo/orders/${order.id}/return`
    const consumer = { name: '김민지', country: 'KR' }
    const authenticationSettings = [{ type: 'REDIRECT', settings: { returnUrl } }]
    if (order.subscription) {
      const agreement = await this.#call(
        'POST',
        '/v1/payment-agreements',
        {
          paymentMethod: 'KAKAOPAY',
          description: `${describe} (매월)`,
          merchantPaymentAgreementReference: order.id,
          frequency: { type: 'MONTHLY', interval: 1 },
          amount: { value: order.total, currency: 'KRW' },
          amountType: 'EXACT',
          consumer,
          webhooksUrl: this.#webhooksUrl(),
          authenticationSettings,
          initialPaymentCharge: {
            amount: { value: order.total, currency: 'KRW' },
            paymentDescriptor: `${describe} · 첫 달`,
            merchantPaymentChargeReference: order.id,
          },
        },
        order.id,
      )
      order.agreementId = agreement.id
      order.chargeId = agreement.initialPaymentChargeId
      order.requestUrl = agreement.authenticationMethods?.[0]?.details.requestUrl
    } else {
      const charge = await this.#call(
        'POST',
        '/v1/payment-charges',
        {
          paymentMethod: 'KAKAOPAY',
          paymentDescriptor: describe,
          merchantPaymentChargeReference: order.id,
          amount: { value: order.total, currency: 'KRW' },
          consumer,
          webhooksUrl: this.#webhooksUrl(),
          authenticationSettings,
        },
        order.id,
      )
      order.chargeId = charge.id
      order.requestUrl = charge.authenticationMethods?.[0]?.details.requestUrl
      if (charge.status === 'FAILED') {
        order.failureCode = charge.failure?.failureCode
      }
    }
    return order
  }

  order(id: string): Order {
    const order = this.orders.get(id)
    if (!order) throw new ShopError(`No order ${id} (the demo was reset, or the id is wrong).`, 404)
    return order
  }

  /** The shopper is back on the returnUrl: read the status, as PPRO advises; the order waits for the webhook. */
  async returned(id: string): Promise<Order> {
    const order = this.order(id)
    const path = order.agreementId ? `/v1/payment-agreements/${order.agreementId}` : `/v1/payment-charges/${order.chargeId}`
    const resource = await this.#call('GET', path, undefined, order.id)
    order.returned = { checked: resource.status }
    return order
  }

  async refund(id: string, amount: number): Promise<Order> {
    const order = this.order(id)
    if (order.state !== 'paid' && order.state !== 'partially_refunded') throw new ShopError('Only a paid order can be refunded.', 409)
    const refund = await this.#call(
      'POST',
      `/v1/payment-charges/${order.chargeId}/refunds`,
      { amount, merchantRefundReference: `${order.id}-R${order.refundsRequested + 1}`, refundReason: 'CUSTOMER_REQUEST' },
      order.id,
    )
    if (refund.status !== 'FAILED') order.refundsRequested++
    return order
  }

  async renew(id: string): Promise<Order> {
    const order = this.order(id)
    if (!order.agreementId || !order.agreementActive) throw new ShopError('Only an active subscription can be renewed.', 409)
    const charge = await this.#call(
      'POST',
      `/v1/payment-agreements/${order.agreementId}/payment-charges`,
      {
        amount: { value: order.total, currency: 'KRW' },
        scheduleType: 'SCHEDULED',
        paymentDescriptor: `${order.lines[0]!.product.ko} · ${order.renewals.length + 2}번째 달`,
        merchantPaymentChargeReference: `${order.id}-M${order.renewals.length + 2}`,
      },
      order.id,
    )
    const renewal = this.#renewal(order, charge.id, order.total)!
    if (!renewal.paid) renewal.status = charge.status
    return order
  }

  /** The timeout scenario: move the sandbox clock past the authentication window. */
  async moveClock(id: string): Promise<Order> {
    const order = this.order(id)
    await this.#call('POST', '/sandbox/clock', { advanceSeconds: this.o.authTimeoutSeconds }, order.id)
    return order
  }

  /** "Reset demo": the shop's merchant data in the sandbox, and the shop's own orders and log. */
  async reset(): Promise<void> {
    await this.#call('DELETE', '/sandbox/data', undefined, undefined)
    const call = this.log.at(-1)!
    this.orders.clear()
    this.log.length = 0
    this.log.push(call)
    this.generation++
  }

  /** `POST /demo/webhooks`: verify first; only a verified event changes an order. */
  webhook(rawBody: string, headers: Record<string, string | string[] | undefined>): { status: number; body: object } {
    // PPRO-Signature's timestamp is the real time of sending: checked against this machine's clock, as any receiver does.
    const verdict = verifyWebhook(rawBody, headers, this.o.webhookSecret())
    let event: { id?: string; type?: string; time?: string; data?: Record<string, any> } = {}
    try {
      event = JSON.parse(rawBody)
    } catch {
      // An unparsable body cannot verify either; it is logged as received.
    }
    const order = verdict.ok ? this.#orderOf(event.data ?? {}) : undefined
    const status = verdict.ok ? 200 : 401
    const entry = this.#record({
      kind: 'webhook',
      orderId: order?.id,
      type: String(event.type ?? 'unreadable'),
      eventId: String(event.id ?? ''),
      verified: verdict.ok,
      reason: verdict.ok ? undefined : verdict.reason,
      response: status,
      latencyMs: event.time ? Math.max(0, this.o.sandboxNow() - Date.parse(event.time)) : 0,
    }) as Extract<BackendEntry, { kind: 'webhook' }>
    if (!verdict.ok) return { status, body: { error: verdict.reason } }
    if (order) {
      order.webhooks.push(entry)
      this.#apply(order, String(event.type), event.data ?? {})
    }
    return { status, body: { received: true } }
  }

  #orderOf(data: Record<string, any>): Order | undefined {
    for (const order of this.orders.values()) {
      if (data.paymentAgreementId && data.paymentAgreementId === order.agreementId) return order
      if (
        data.paymentChargeId &&
        (data.paymentChargeId === order.chargeId || order.renewals.some((r) => r.chargeId === data.paymentChargeId))
      )
        return order
      // A renewal's webhook can arrive before the API call that created it has answered: its reference names the order.
      const ref = data.merchantPaymentChargeReference
      if (order.agreementId && typeof ref === 'string' && ref.startsWith(`${order.id}-M`)) return order
    }
    return undefined
  }

  #renewal(order: Order, chargeId: unknown, amount: unknown): Order['renewals'][number] | undefined {
    if (!order.agreementId || typeof chargeId !== 'string') return undefined
    let renewal = order.renewals.find((r) => r.chargeId === chargeId)
    if (!renewal) {
      renewal = { chargeId, amount: typeof amount === 'number' ? amount : order.total, paid: false, status: 'CREATED' }
      order.renewals.push(renewal)
    }
    return renewal
  }

  #apply(order: Order, type: string, data: Record<string, any>): void {
    const renewal = data.paymentChargeId === order.chargeId ? undefined : this.#renewal(order, data.paymentChargeId, data.amount?.value)
    if (renewal) {
      renewal.status = data.paymentChargeStatus ?? renewal.status
      if (type === 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED') renewal.paid = true
      return
    }
    switch (type) {
      case 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED':
        if (data.paymentChargeId === order.chargeId) order.state = 'paid'
        break
      case 'PAYMENT_CHARGE_AUTHORIZATION_FAILED':
        order.failureCode = data.failure?.failureCode
        order.state = order.failureCode === 'CANCELED_BY_CONSUMER' ? 'canceled' : 'failed'
        break
      case 'PAYMENT_CHARGE_DISCARDED':
        order.state = 'expired'
        break
      case 'PAYMENT_CHARGE_REFUND_SUCCEEDED':
        order.refunded += Number(data.amount?.value ?? 0)
        order.state = order.refunded >= order.total ? 'refunded' : 'partially_refunded'
        break
      case 'PAYMENT_AGREEMENT_ACTIVE':
        order.agreementActive = true
        break
      case 'PAYMENT_AGREEMENT_FAILED':
        order.agreementActive = false
        break
    }
  }
}
