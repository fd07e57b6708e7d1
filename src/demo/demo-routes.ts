import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AddressInfo } from 'node:net'
import { phoneUrl } from '../http/pages/approval-views.js'
import type { MerchantRegistry } from '../webhooks/merchants.js'
import { cartOf, DEMO_DISPLAY_NAME, DEMO_MERCHANT, formatCart, isScenario, parseCart, productById, SCENARIOS } from './catalogue.js'
import {
  cartPage,
  errorPage,
  orderPage,
  orderWaiting,
  PRESENTER_SCRIPT,
  PRESENTER_SCRIPT_PATH,
  presenterPage,
  shopPage,
} from './demo-pages.js'
import { MerchantBackend, ShopError } from './merchant-backend.js'

export interface DemoOptions {
  merchants: MerchantRegistry
  /** A key the sandbox accepts (the first of API_KEYS, when set). */
  apiKey: string
  authTimeoutSeconds: number
  /**
   * Where the shop's backend reaches the sandbox's API over HTTP. By default the address the server
   * listens on (0.0.0.0 and :: are called on loopback); before it listens, the shop cannot run.
   */
  apiBaseUrl?: string | undefined
  /** Replicas on Redis: the shop's state kept there, one request at a time over every replica (src/redis/demo.ts). */
  shared?: SharedShop | undefined
}

/** Where a shop's state is kept when several processes serve it. */
export interface SharedShop {
  /** Waits for the shop to be free; the function given back frees it. */
  lock(): Promise<() => Promise<void>>
  load(): Promise<string | undefined>
  save(state: string): Promise<void>
}

/** The listening address as a URL the process itself can call. */
export function listeningUrl(address: AddressInfo | string | null): string | undefined {
  if (!address || typeof address === 'string') return undefined
  const host =
    address.address === '0.0.0.0'
      ? '127.0.0.1'
      : address.address === '::'
        ? '127.0.0.1'
        : address.family === 'IPv6'
          ? `[${address.address}]`
          : address.address
  return `http://${host}:${address.port}`
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'"
const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': CSP,
}
// The presenter screen runs one script (a file of the sandbox) and frames the shop, KakaoPay and the phone page.
const PRESENTER_HEADERS = {
  ...HEADERS,
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}

const CART_COOKIE = 'demo_cart'

function cookie(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return decodeURIComponent(v.join('='))
  }
  return undefined
}

/**
 * The demo shop at /demo: a small Korean store whose backend is a merchant of the sandbox, in the same
 * process but talking to it over HTTP like any other (see docs/demo.md).
 */
export async function demoRoutes(app: FastifyInstance, o: DemoOptions) {
  // The shopper's browser comes back to the shop on PUBLIC_BASE_URL.
  const { publicBaseUrl, clock } = app.sandbox
  await app.register(formbody, { bodyLimit: 4096 })
  // Webhooks are verified over the exact bytes received: keep the JSON body as text in this plugin.
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body))

  if (o.merchants.displayName(DEMO_MERCHANT) === DEMO_MERCHANT) o.merchants.set(DEMO_MERCHANT, { displayName: DEMO_DISPLAY_NAME })
  const backend = new MerchantBackend({
    apiBaseUrl: () => o.apiBaseUrl ?? listeningUrl(app.server.address()),
    publicBaseUrl,
    apiKey: o.apiKey,
    webhookSecret: () => o.merchants.webhookSecret(DEMO_MERCHANT),
    sandboxNow: () => clock.now(),
    authTimeoutSeconds: o.authTimeoutSeconds,
  })

  const shared = o.shared
  if (shared) {
    // Every request of the shop works on its state as Redis holds it, one at a time over all replicas:
    // the shopper's pages, the presenter's screen and the webhooks may each land on another replica.
    const empty = backend.snapshot()
    const held = new WeakMap<FastifyRequest, { release: () => Promise<void>; before: string }>()
    app.addHook('onRequest', async (req) => {
      const release = await shared.lock()
      try {
        backend.restore((await shared.load()) ?? empty)
      } catch (err) {
        await release()
        throw err
      }
      held.set(req, { release, before: backend.snapshot() })
    })
    const done = async (req: FastifyRequest) => {
      const h = held.get(req)
      if (!h) return
      held.delete(req)
      try {
        const after = backend.snapshot()
        if (after !== h.before) await shared.save(after)
      } finally {
        await h.release()
      }
    }
    app.addHook('onResponse', done)
    app.addHook('onRequestAbort', done)
  }

  const html = (reply: FastifyReply, status: number, body: string) => reply.code(status).headers(HEADERS).send(body)
  const see = (reply: FastifyReply, location: string, cookies: string[] = []) => {
    if (cookies.length) reply.header('set-cookie', cookies)
    return reply.code(303).header('location', location).header('cache-control', 'no-store').send()
  }
  const recent = () => [...backend.orders.values()].slice(-8).reverse()
  /** A failed call to the sandbox (or a refused action) shows on the page it came from. */
  const failed = (reply: FastifyReply, err: unknown) => {
    if (!(err instanceof ShopError)) throw err
    return html(reply, err.status, errorPage(err.message))
  }
  const cartCookie = (value: string) => `${CART_COOKIE}=${encodeURIComponent(value)}; Path=/demo; SameSite=Lax; HttpOnly`

  app.get(PRESENTER_SCRIPT_PATH, async (_req, reply) =>
    reply
      .headers({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' })
      .send(PRESENTER_SCRIPT),
  )

  app.get('/demo', async (req, reply) => {
    const lines = parseCart(cookie(req, CART_COOKIE))
    return html(
      reply,
      200,
      shopPage(
        lines.reduce((n, l) => n + l.qty, 0),
        recent(),
      ),
    )
  })

  app.get('/demo/cart', async (req, reply) => html(reply, 200, cartPage(parseCart(cookie(req, CART_COOKIE)))))

  app.post<{ Body: { product?: unknown; delta?: unknown } | undefined }>('/demo/cart', async (req, reply) => {
    const product = typeof req.body?.product === 'string' ? productById(req.body.product) : undefined
    const delta = Number(req.body?.delta)
    if (!product || product.monthly || (delta !== 1 && delta !== -1))
      return html(reply, 400, cartPage(parseCart(cookie(req, CART_COOKIE)), 'Unknown product or quantity.'))
    const lines = parseCart(cookie(req, CART_COOKIE))
    const line = lines.find((l) => l.product === product)
    if (line) line.qty = Math.min(99, line.qty + delta)
    else if (delta > 0) lines.push({ product, qty: 1 })
    return see(reply, '/demo/cart', [cartCookie(formatCart(lines.filter((l) => l.qty > 0)))])
  })

  /** Checkout of the cart: the shopper goes to KakaoPay (the requestUrl); the cart is emptied. */
  app.post('/demo/checkout', async (req, reply) => {
    try {
      const order = await backend.checkout('approve', parseCart(cookie(req, CART_COOKIE)))
      return see(reply, order.requestUrl ?? `/demo/orders/${order.id}`, [cartCookie('')])
    } catch (err) {
      return failed(reply, err)
    }
  })

  /** A scenario run: a fresh order with the scenario's cart, straight to KakaoPay. */
  app.post<{ Params: { scenario: string } }>('/demo/scenarios/:scenario', async (req, reply) => {
    const { scenario } = req.params
    if (!isScenario(scenario)) return html(reply, 404, errorPage(`No scenario ${scenario}.`))
    try {
      const order = await backend.checkout(scenario, cartOf(SCENARIOS[scenario].cart))
      return see(reply, order.requestUrl ?? `/demo/orders/${order.id}`)
    } catch (err) {
      return failed(reply, err)
    }
  })

  app.get<{ Params: { id: string } }>('/demo/orders/:id', async (req, reply) => {
    try {
      return html(reply, 200, orderPage(backend.order(req.params.id)))
    } catch (err) {
      return failed(reply, err)
    }
  })

  /** The returnUrl: the shopper is back; the backend reads the status, and the order waits for its webhook. */
  app.get<{ Params: { id: string } }>('/demo/orders/:id/return', async (req, reply) => {
    try {
      await backend.returned(req.params.id)
      return see(reply, `/demo/orders/${req.params.id}`)
    } catch (err) {
      return failed(reply, err)
    }
  })

  const orderAction = (path: string, act: (id: string, body: Record<string, unknown>) => Promise<unknown>) =>
    app.post<{ Params: { id: string }; Body: Record<string, unknown> | undefined }>(`/demo/orders/:id/${path}`, async (req, reply) => {
      try {
        await act(req.params.id, req.body ?? {})
        return see(reply, `/demo/orders/${req.params.id}`)
      } catch (err) {
        if (!(err instanceof ShopError) || !backend.orders.has(req.params.id)) return failed(reply, err)
        return html(reply, err.status, orderPage(backend.order(req.params.id), err.message))
      }
    })
  orderAction('refund', (id, body) => {
    const amount = Number(body.amount)
    if (!Number.isInteger(amount) || amount <= 0) throw new ShopError('A refund needs a positive whole amount in won.', 400)
    return backend.refund(id, amount)
  })
  orderAction('renew', (id) => backend.renew(id))
  orderAction('timeout', (id) => backend.moveClock(id))

  app.post('/demo/reset', async (_req, reply) => {
    try {
      await backend.reset()
      return see(reply, '/demo', [cartCookie('')])
    } catch (err) {
      return failed(reply, err)
    }
  })

  /** The shop's webhook receiver: raw body in, signatures verified, 200 only for a verified event. */
  app.post('/demo/webhooks', async (req, reply) => {
    const raw = typeof req.body === 'string' ? req.body : ''
    const result = backend.webhook(raw, req.headers)
    return reply.code(result.status).send(result.body)
  })

  app.get('/demo/presenter', async (_req, reply) => reply.code(200).headers(PRESENTER_HEADERS).send(presenterPage()))

  /** The presenter screen's feed: what the backend saw since `since`, and the current order. */
  app.get<{ Querystring: { since?: string } }>('/demo/api/state', async (req, reply) => {
    const since = Number(req.query.since ?? 0)
    const order = backend.latestOrder()
    return reply.header('cache-control', 'no-store').send({
      generation: backend.generation,
      log: backend.since(Number.isFinite(since) ? since : 0),
      order: order && {
        id: order.id,
        scenario: order.scenario,
        total: order.total,
        state: order.state,
        chargeId: order.chargeId ?? null,
        agreementId: order.agreementId ?? null,
        requestUrl: order.requestUrl ?? null,
        phoneUrl: order.requestUrl ? phoneUrl(publicBaseUrl, order.agreementId ?? order.chargeId!) : null,
        returned: !!order.returned,
        waitingForWebhook: orderWaiting(order),
        refunded: order.refunded,
        agreementActive: order.agreementActive,
        renewals: order.renewals,
      },
    })
  })
}
