import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../app.js'
import { type Config, loadConfig } from '../config.js'
import { loadConfigFiles } from '../config-files.js'
import type { Clock } from '../domain/clock.js'
import { iso } from '../domain/clock.js'
import type { PproEvent as SandboxEvent } from '../domain/events.js'
import { type Delivery, eventBody } from '../webhooks/dispatcher.js'
import type { MerchantSettings } from '../webhooks/merchants.js'
import { fetchTransport } from '../webhooks/transport.js'
import { type FaultsClient, faultsClient } from '../faults/client.js'
import { type Credentials, PproClient, request } from './client.js'
import type { DeclineCode, PaymentAgreement, PaymentCharge, WebhookEvent } from './types.js'
import { describeFilter, Waiters } from './waiters.js'

/** What `startSandbox` takes: the sandbox's configuration (see the README's table), by name. */
export interface SandboxOptions {
  /** The merchant the handle's client and controls act as (default: a new random `merch_…` per sandbox). */
  merchantId?: string
  /** The key the client sends; when given, it is the only key the sandbox accepts (default: any key, and `sk_test_sandbox` is sent). */
  apiKey?: string
  /** Where webhooks go (`WEBHOOK_URL`). Without one they are recorded, and `awaitWebhook` resolves on the record. */
  webhookUrl?: string
  /** The signing secret (`WEBHOOK_SECRET`; default: a new random one per sandbox). */
  webhookSecret?: string
  /** Per-merchant webhook URLs and secrets, as in a `SANDBOX_CONFIG` file. */
  merchants?: Record<string, MerchantSettings>
  /** A `SANDBOX_CONFIG` file. */
  sandboxConfig?: string
  /** A folder of seed files applied at start (`SEED_DIR`). */
  seedDir?: string
  /** Interface to listen on (default `127.0.0.1`). */
  host?: string
  /** Port (default 0: the system picks a free one, so parallel sandboxes never collide). */
  port?: number
  /** Origin of approval page URLs and `_links` (default: the listening URL). */
  publicBaseUrl?: string
  authTimeoutSeconds?: number
  strictRequests?: boolean
  bodyLimitBytes?: number
  webhookTimeoutMs?: number
  webhookRetryBaseMs?: number
  webhookMaxAttempts?: number
  /** pino level (default `silent`). */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** The time source (default: the system clock); the sandbox clock is this plus what `advanceClock` added. */
  clock?: Clock
}

export interface WebhookFilter {
  type?: string
  chargeId?: string
  agreementId?: string
  /** Another merchant's webhooks (default: the handle's merchant). */
  merchantId?: string
  /** A further condition on the event as sent. */
  where?: (event: WebhookEvent) => boolean
}

export interface EventFilter {
  /** Which kind of feed message (default `event`). */
  kind?: FeedKind
  type?: string
  chargeId?: string
  agreementId?: string
  merchantId?: string
  where?: (message: FeedMessage) => boolean
}

export type FeedKind = 'event' | 'delivery' | 'request' | 'consumer' | 'clock'

/** A message of the sandbox's observability feed (`GET /sandbox/events/stream`). */
export interface FeedMessage {
  seq: number
  kind: FeedKind
  at: string
  sandboxTime: string
  chargeId?: string
  agreementId?: string
  type?: string
  eventId?: string
  payload?: WebhookEvent
  [field: string]: unknown
}

export interface WaitOptions {
  /** How long to wait (default 5000 ms). */
  timeoutMs?: number
}

const DEFAULT_TIMEOUT_MS = 5000

/** The event feed's in-process side (`app.feed`), as the observability contract defines it. */
interface FeedSource {
  subscribe(merchantId: string, listener: (message: FeedMessage) => void, options: { since?: number }): () => void
}

/** A running sandbox: its address and credentials, a PPRO client, the test controls, and ways to wait. */
export interface Sandbox {
  readonly url: string
  readonly merchantId: string
  readonly apiKey: string
  readonly webhookSecret: string
  readonly client: PproClient
  /**
   * The merchant's fault rules (`/sandbox/faults`, docs/faults.md): `add(rule)` answers the rule with its
   * `id`, `list()` every rule with how often it fired, `remove(id)`, `clear()`.
   */
  readonly faults: FaultsClient
  /** The Fastify app itself, for `inject()` or anything the handle does not cover. */
  readonly app: FastifyInstance
  /** The consumer approves on the approval page: a charge is captured, an agreement becomes active. */
  approve(id: string): Promise<PaymentCharge | PaymentAgreement>
  /** The consumer's payment fails, with a provider decline code (default `AUTHENTICATION_FAILED`). */
  decline(id: string, failureCode?: DeclineCode): Promise<PaymentCharge | PaymentAgreement>
  cancel(id: string): Promise<PaymentCharge | PaymentAgreement>
  /** The consumer's time on the approval page runs out now. */
  expire(id: string): Promise<PaymentCharge | PaymentAgreement>
  /** Moves the sandbox clock forward, running everything that became due on the way. */
  advanceClock(seconds: number): Promise<{ now: string; offsetSeconds: number }>
  /** Removes the merchant's charges, agreements, events and idempotency keys. */
  reset(): Promise<{ charges: number; agreements: number; events: number }>
  /** The first webhook that matches, once sent and acknowledged (or recorded, where it has no URL). */
  awaitWebhook(filter?: WebhookFilter, options?: WaitOptions): Promise<WebhookEvent>
  /** The first feed message that matches (default kind `event`). */
  awaitEvent(filter?: EventFilter, options?: WaitOptions): Promise<FeedMessage>
  /** Every webhook of the merchant so far, oldest first, as sent. */
  webhooks(filter?: WebhookFilter): WebhookEvent[]
  close(): Promise<void>
}

const ID_KINDS: Array<[prefix: string, path: string]> = [
  ['charge_', '/sandbox/payment-charges/'],
  ['agr_', '/sandbox/payment-agreements/'],
]

function controlPath(id: string, action: string): string {
  const kind = ID_KINDS.find(([prefix]) => id.startsWith(prefix))
  if (!kind) throw new Error(`${action} ${JSON.stringify(id)}: not a payment charge (charge_…) or agreement (agr_…) id`)
  return `${kind[1]}${encodeURIComponent(id)}/${action}`
}

const str = (v: unknown) => (v === undefined ? undefined : String(v))

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/**
 * Starts a sandbox in this process. It binds its port first (port 0 unless told otherwise, so the
 * system hands out a free one and parallel sandboxes never race for it), then builds the app with
 * that address as its public URL.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const env: Record<string, string | undefined> = {
    PORT: String(options.port ?? 0),
    HOST: options.host ?? '127.0.0.1',
    PUBLIC_BASE_URL: options.publicBaseUrl,
    API_KEYS: options.apiKey,
    AUTH_TIMEOUT_SECONDS: str(options.authTimeoutSeconds),
    LOG_LEVEL: options.logLevel ?? 'silent',
    STRICT_REQUESTS: str(options.strictRequests),
    BODY_LIMIT_BYTES: str(options.bodyLimitBytes),
    WEBHOOK_URL: options.webhookUrl,
    WEBHOOK_SECRET: options.webhookSecret ?? `whsec_${randomBytes(12).toString('hex')}`,
    WEBHOOK_TIMEOUT_MS: str(options.webhookTimeoutMs),
    WEBHOOK_RETRY_BASE_MS: str(options.webhookRetryBaseMs),
    WEBHOOK_MAX_ATTEMPTS: str(options.webhookMaxAttempts),
    SANDBOX_CONFIG: options.sandboxConfig,
    SEED_DIR: options.seedDir,
  }
  return launch(loadConfig(env), {
    merchantId: options.merchantId,
    apiKey: options.apiKey,
    clock: options.clock,
    merchants: options.merchants,
    publicBaseUrl: options.publicBaseUrl,
  })
}

/**
 * Starts a sandbox of a parsed configuration (what `startSandbox` and the command line's `exec` share).
 * Without `publicBaseUrl`, the listening address is the public URL.
 */
export async function launch(
  config: Config,
  extra: {
    merchantId?: string | undefined
    apiKey?: string | undefined
    clock?: Clock | undefined
    merchants?: Record<string, MerchantSettings> | undefined
    publicBaseUrl?: string | undefined
  } = {},
): Promise<Sandbox> {
  const host = config.host
  const server = createServer()
  await listen(server, config.port, host)
  const { port } = server.address() as AddressInfo
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${port}`
  const merchantId = extra.merchantId ?? `merch_${randomBytes(8).toString('hex')}`
  const apiKey = extra.apiKey ?? config.apiKeys[0] ?? 'sk_test_sandbox'
  const webhookSecret = config.webhooks.secret

  const waiters = new Waiters()
  const feed: FeedMessage[] = []
  let app: FastifyInstance
  // The port is bound before the app exists (its address is the public URL): a request that arrives
  // meanwhile waits here until the app is ready, rather than reaching a Fastify still being built.
  let route: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  let waiting: Array<[IncomingMessage, ServerResponse]> | undefined = []
  server.on('request', (req, res) => (waiting ? waiting.push([req, res]) : route!(req, res)))
  const admit = (ready: boolean) => {
    const held = waiting ?? []
    waiting = undefined
    for (const [req, res] of held) {
      if (ready) route!(req, res)
      else res.writeHead(503, { 'content-type': 'application/json', connection: 'close' }).end('{"message":"the sandbox did not start"}')
    }
  }
  try {
    // The payment methods, SANDBOX_CONFIG and SEED_DIR files, read as a server reads them at start.
    const files = await loadConfigFiles(config)
    app = await buildApp({
      config: { ...config, port, publicBaseUrl: extra.publicBaseUrl ?? url },
      ...(extra.clock ? { clock: extra.clock } : {}),
      methods: files.methods,
      seed: files.seed,
      merchants: { ...files.merchants, ...extra.merchants },
      serverFactory: (handler) => {
        route = handler
        return server
      },
      onEvent: (e) => {
        feed.push(eventMessage(feed.length + 1, e))
        // The dispatcher records the event right after this call: check once it has.
        setImmediate(() => waiters.poke())
      },
      // Each answered attempt may complete a wait; the dispatcher sets the status once this resolves.
      transport: (req) =>
        fetchTransport(req).finally(() => {
          setImmediate(() => waiters.poke())
        }),
    })
    await app.ready()
    admit(true)
  } catch (err) {
    admit(false)
    server.close()
    throw err
  }

  const creds: Credentials = { url, apiKey, merchantId }
  const control = async <T>(id: string, action: string, body?: unknown) => request<T>(creds, 'POST', controlPath(id, action), body)
  const deliveries = (filter: WebhookFilter): Delivery[] =>
    app.sandbox.webhooks.list(filter.merchantId ?? merchantId, {
      type: filter.type,
      chargeId: filter.chargeId,
      agreementId: filter.agreementId,
    })
  const sent = (d: Delivery) => JSON.parse(eventBody(d.event)) as WebhookEvent
  const ready = (d: Delivery) => d.url === undefined || d.status === 'DELIVERED'

  const happened = (filter: { merchantId?: string | undefined }) => () => {
    const all = app.sandbox.webhooks.list(filter.merchantId ?? merchantId)
    if (all.length === 0) return `Merchant ${filter.merchantId ?? merchantId} has had no webhook event yet.`
    const lines = all.slice(-20).map((d) => `  ${d.event.type} ${d.event.subject}: ${deliveryState(d)}`)
    const more = all.length > 20 ? ` (the last 20 of ${all.length})` : ''
    return `Webhook events of merchant ${filter.merchantId ?? merchantId} so far${more}:\n${lines.join('\n')}`
  }

  let closed = false
  const handle: Sandbox = {
    url,
    merchantId,
    apiKey,
    webhookSecret,
    app,
    client: new PproClient(creds),
    faults: faultsClient({ baseUrl: url, apiKey, merchantId }),
    approve: (id) => control(id, 'approve'),
    decline: (id, failureCode) => control(id, 'decline', failureCode ? { failureCode } : {}),
    cancel: (id) => control(id, 'cancel'),
    expire: (id) => control(id, 'expire'),
    advanceClock: (seconds) => request(creds, 'POST', '/sandbox/clock', { advanceSeconds: seconds }),
    reset: async () =>
      (await request<{ deleted: { charges: number; agreements: number; events: number } }>(creds, 'DELETE', '/sandbox/data')).deleted,
    webhooks: (filter = {}) =>
      deliveries(filter)
        .map(sent)
        .filter((e) => !filter.where || filter.where(e)),
    awaitWebhook(filter = {}, { timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
      return waiters.wait(
        () => {
          for (const d of deliveries(filter)) {
            if (!ready(d)) continue
            const event = sent(d)
            if (!filter.where || filter.where(event)) return event
          }
          return undefined
        },
        { awaited: `awaitWebhook(${describeFilter(filter)})`, happened: happened(filter) },
        timeoutMs,
      )
    },
    awaitEvent(filter = {}, { timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
      const kind = filter.kind ?? 'event'
      const mine = filter.merchantId ?? merchantId
      const matches = (m: FeedMessage) =>
        m.kind === kind &&
        (filter.type === undefined || m.type === filter.type) &&
        (filter.chargeId === undefined || m.chargeId === filter.chargeId) &&
        (filter.agreementId === undefined || m.agreementId === filter.agreementId) &&
        (!filter.where || filter.where(m))
      // The sandbox's event feed (GET /sandbox/events/stream), where the app has one: every kind of message.
      const live = (app as unknown as { feed?: FeedSource }).feed
      if (live)
        return waiters.follow<FeedMessage>(
          (offer) => live.subscribe(mine, offer, { since: 0 }),
          matches,
          {
            awaited: `awaitEvent(${describeFilter({ ...filter, kind })})`,
            happened: (seen) =>
              seen.length === 0
                ? `Merchant ${mine} has had nothing in its feed yet.`
                : `The feed of merchant ${mine} so far:\n${seen
                    .slice(-20)
                    .map((m) => `  ${m.seq} ${m.kind} ${feedSummary(m)}`.trimEnd())
                    .join('\n')}`,
          },
          timeoutMs,
        )
      // Without it, the events the sandbox published.
      return waiters.wait(
        () =>
          feed.find(
            (m) =>
              m.kind === kind &&
              m.merchantId === mine &&
              (filter.type === undefined || m.type === filter.type) &&
              (filter.chargeId === undefined || m.chargeId === filter.chargeId) &&
              (filter.agreementId === undefined || m.agreementId === filter.agreementId) &&
              (!filter.where || filter.where(m)),
          ),
        {
          awaited: `awaitEvent(${describeFilter({ ...filter, kind })})`,
          happened: () => {
            const seen = feed.filter((m) => m.merchantId === mine)
            if (seen.length === 0) return `Merchant ${mine} has had no event yet.`
            return `Events of merchant ${mine} so far:\n${seen
              .slice(-20)
              .map((m) => `  ${m.kind} ${m.type ?? ''} ${m.chargeId ?? m.agreementId ?? ''}`.trimEnd())
              .join('\n')}`
          },
        },
        timeoutMs,
      )
    },
    async close() {
      if (closed) return
      closed = true
      waiters.close()
      await app.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  return handle
}

function deliveryState(d: Delivery): string {
  if (d.url === undefined) return 'recorded (no webhook URL)'
  const last = d.attempts.at(-1)
  const answer = last ? (last.statusCode !== undefined ? `answered ${last.statusCode}` : `failed: ${last.error}`) : 'not attempted yet'
  return `${d.status} to ${d.url}, ${d.attempts.length} attempt(s), last ${answer}`
}

/** A domain event as the feed's `event` message (`GET /sandbox/events/stream`). */
function eventMessage(seq: number, e: SandboxEvent): FeedMessage {
  return {
    seq,
    kind: 'event',
    at: new Date().toISOString(),
    sandboxTime: iso(e.time),
    merchantId: e.merchantId,
    ...(e.chargeId ? { chargeId: e.chargeId } : {}),
    ...(e.agreementId ? { agreementId: e.agreementId } : {}),
    type: e.type,
    eventId: e.id,
    payload: JSON.parse(eventBody(e)) as WebhookEvent,
  }
}

/** A feed message in a few words, for a timeout's account of what did happen. */
function feedSummary(m: FeedMessage): string {
  const subject = m.chargeId ?? m.agreementId ?? ''
  switch (m.kind) {
    case 'delivery':
      return `${m.type} to ${m.url}: ${m.statusCode ?? m.error} (${m.deliveryStatus})`
    case 'request':
      return `${m.method} ${m.path} ${m.status}`
    case 'consumer':
      return `${m.action} ${subject}`
    case 'clock':
      return `+${m.advancedSeconds} s`
    default:
      return `${m.type} ${subject}`
  }
}
