import t, { type Test } from 'tap'
import type { NetworkInterfaceInfo } from 'node:os'
import jsQRModule from 'jsqr'
import { buildApp } from '../../src/app.js'
import { parseCart } from '../../src/demo/catalogue.js'
import { listeningUrl } from '../../src/demo/demo-routes.js'
import { lanAddresses, loopbackWarning, phoneBanner, terminalQr } from '../../src/demo/terminal-qr.js'
import { signWebhook } from '../../src/webhooks/signing.js'
import { freePort } from '../helpers/net.js'

const SHOP = { authorization: 'Bearer sk_demo_shop', 'merchant-id': 'merch_demo_shop' }

async function listening(t: Test, options: Parameters<typeof buildApp>[0] = {}) {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const app = await buildApp({ logger: false, ...options, config: { port, publicBaseUrl: base, ...options.config } })
  t.teardown(() => app.close())
  await app.listen({ port, host: '127.0.0.1' })
  return { app, base }
}

const post = (url: string, body = '') =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' })

const state = async (app: Awaited<ReturnType<typeof buildApp>>) => (await app.inject({ method: 'GET', url: '/demo/api/state' })).json()

t.test('a scenario run creates the charge over HTTP with the shop merchant id, webhook URL and returnUrl', async (t) => {
  const { app, base } = await listening(t)
  const res = await post(`${base}/demo/scenarios/approve`)
  t.equal(res.status, 303)
  const { order, log } = await state(app)
  t.equal(res.headers.get('location'), `${base}/checkout/${order.chargeId}`, 'the shopper goes to the requestUrl')
  t.match(order.id, /^DEMO-[0-9A-F]{8}$/)
  t.match(log, [{ kind: 'api', method: 'POST', path: '/v1/payment-charges', status: 200, result: 'AUTHENTICATION_PENDING' }])
  const charge = (await app.inject({ method: 'GET', url: `/v1/payment-charges/${order.chargeId}`, headers: SHOP })).json()
  t.match(charge, { status: 'AUTHENTICATION_PENDING', paymentDescriptor: '도자기 머그컵, 곰 인형', consumer: { country: 'KR' } })
  const webhooks = (await app.inject({ method: 'GET', url: `/sandbox/webhooks?chargeId=${order.chargeId}`, headers: SHOP })).json()
  t.equal(webhooks.data[0].url, `${base}/demo/webhooks`, "the shop's own receiver")
  const page = await (await fetch(`${base}/checkout/${order.chargeId}`)).text()
  t.match(page, /<strong>서울 굿즈샵<\/strong>/, 'the shop by its display name')
  const back = await fetch(`${base}/demo/orders/${order.id}/return`, { redirect: 'manual' })
  t.equal(back.status, 303)
  t.equal(back.headers.get('location'), `/demo/orders/${order.id}`)
  const orderPage = await (await fetch(`${base}/demo/orders/${order.id}`)).text()
  t.match(orderPage, /결제 대기 · Pending/)
  t.match(orderPage, /Waiting for the webhook[\s\S]*AUTHENTICATION_PENDING/, 'the API status on return, and still waiting')
  t.match(orderPage, /<meta http-equiv="refresh" content="1">/)
})

t.test('a webhook that does not verify is refused with 401 and changes no order', async (t) => {
  const { app, base } = await listening(t)
  await post(`${base}/demo/scenarios/approve`)
  const { order } = await state(app)
  const body = JSON.stringify({
    id: 'evt_forged',
    type: 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED',
    time: new Date().toISOString(),
    data: { paymentChargeId: order.chargeId, paymentChargeStatus: 'CAPTURED' },
  })
  const forged = await fetch(`${base}/demo/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signWebhook(body, 'not-the-secret') },
    body,
  })
  t.equal(forged.status, 401)
  t.same(await forged.json(), { error: 'Webhook-Signature does not match the body' })
  const unsigned = await fetch(`${base}/demo/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  t.equal(unsigned.status, 401)
  t.same(await unsigned.json(), { error: 'no Webhook-Signature header' })
  const after = await state(app)
  t.equal(after.order.state, 'pending', 'not paid')
  t.match(
    after.log.filter((e: { kind: string; eventId?: string }) => e.kind === 'webhook' && e.eventId === 'evt_forged'),
    [
      { verified: false, response: 401, reason: 'Webhook-Signature does not match the body' },
      { verified: false, response: 401, reason: 'no Webhook-Signature header' },
    ],
  )
  const signed = await fetch(`${base}/demo/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signWebhook(body, 'sandbox-webhook-secret', Math.floor(Date.now() / 1000)) },
    body,
  })
  t.equal(signed.status, 200, "signed with the merchant's secret, it is believed")
  t.equal((await state(app)).order.state, 'paid')
})

t.test('reset demo deletes the shop merchant data in the sandbox and its orders, nobody else’s', async (t) => {
  const { app, base } = await listening(t)
  await post(`${base}/demo/scenarios/refund`)
  const other = await app.inject({
    method: 'POST',
    url: '/v1/payment-charges',
    headers: { authorization: 'Bearer k', 'merchant-id': 'merch_someone_else' },
    payload: {
      paymentMethod: 'KAKAOPAY',
      amount: { value: 1000, currency: 'KRW' },
      consumer: { country: 'KR' },
      authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://x.example/r' } }],
    },
  })
  t.equal(other.statusCode, 200)
  const reset = await post(`${base}/demo/reset`)
  t.equal(reset.status, 303)
  t.equal(reset.headers.get('location'), '/demo')
  const after = await state(app)
  t.equal(after.order, undefined, 'no orders')
  t.equal(after.generation, 1)
  t.match(after.log, [{ kind: 'api', method: 'DELETE', path: '/sandbox/data', status: 200 }])
  t.same((await app.inject({ method: 'GET', url: '/v1/payment-charges', headers: SHOP })).json().data, [])
  t.equal(
    (
      await app.inject({
        method: 'GET',
        url: `/v1/payment-charges/${other.json().id}`,
        headers: { authorization: 'Bearer k', 'merchant-id': 'merch_someone_else' },
      })
    ).statusCode,
    200,
    'another merchant keeps its charge',
  )
})

t.test('the cart: add, more, less; unknown products are refused; an empty cart does not check out', async (t) => {
  const { base } = await listening(t)
  const add = await post(`${base}/demo/cart`, 'product=mug&delta=1')
  t.equal(add.status, 303)
  t.equal(add.headers.get('set-cookie'), 'demo_cart=mug%3A1; Path=/demo; SameSite=Lax; HttpOnly')
  const cookie = 'demo_cart=mug%3A1'
  const more = await fetch(`${base}/demo/cart`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'product=mug&delta=1',
    redirect: 'manual',
  })
  t.equal(more.headers.get('set-cookie'), 'demo_cart=mug%3A2; Path=/demo; SameSite=Lax; HttpOnly')
  const bad = await post(`${base}/demo/cart`, 'product=yacht&delta=1')
  t.equal(bad.status, 400)
  t.match(await bad.text(), /Unknown product or quantity/)
  const empty = await post(`${base}/demo/checkout`)
  t.equal(empty.status, 400)
  t.match(await empty.text(), /The cart is empty/)
  t.same(
    parseCart('mug:2,bear:x,yacht:1,coffee:1,mug:5,tote:0,tote:100'),
    [{ product: parseCart('mug:1')[0]!.product, qty: 2 }],
    'only known, countable, cart products, once each',
  )
})

t.test('without a listening server the shop says why it cannot run', async (t) => {
  const app = await buildApp({ logger: false })
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'POST', url: '/demo/scenarios/approve' })
  t.equal(res.statusCode, 503)
  t.match(res.body, /it works once the sandbox listens/)
  t.equal((await app.inject({ method: 'POST', url: '/demo/scenarios/steal' })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: '/demo/orders/DEMO-00000000' })).statusCode, 404)
})

t.test('the listening address as a URL the process can call', async (t) => {
  t.equal(listeningUrl({ address: '0.0.0.0', family: 'IPv4', port: 8080 }), 'http://127.0.0.1:8080')
  t.equal(listeningUrl({ address: '::', family: 'IPv6', port: 8080 }), 'http://127.0.0.1:8080')
  t.equal(listeningUrl({ address: '192.168.1.20', family: 'IPv4', port: 80 }), 'http://192.168.1.20:80')
  t.equal(listeningUrl({ address: '::1', family: 'IPv6', port: 9 }), 'http://[::1]:9')
  t.equal(listeningUrl(null), undefined)
})

const iface = (address: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask: '255.255.255.0',
  family: 'IPv4',
  mac: '00:00:00:00:00:00',
  internal,
  cidr: `${address}/24`,
})

t.test('the loopback warning names the LAN address a phone can reach', async (t) => {
  const interfaces = { lo: [iface('127.0.0.1', true)], wlan0: [iface('192.168.0.23')], eth0: [iface('10.1.2.3'), iface('169.254.9.9')] }
  t.same(lanAddresses(interfaces), ['192.168.0.23', '10.1.2.3'])
  t.equal(
    loopbackWarning('http://localhost:8080', interfaces),
    "PUBLIC_BASE_URL is http://localhost:8080, a loopback address: a phone cannot reach it. Use this machine's LAN address instead, e.g. PUBLIC_BASE_URL=http://192.168.0.23:8080 (also: 10.1.2.3).",
  )
  t.match(loopbackWarning('http://127.0.0.1:9000', { lo: [iface('127.0.0.1', true)] }), /no LAN address right now/)
  t.equal(loopbackWarning('http://192.168.0.23:8080', interfaces), undefined, 'a LAN address needs no warning')
  t.equal(loopbackWarning('https://sandbox.example.com', interfaces), undefined)
  const banner = await phoneBanner('http://localhost:8080/demo', 'http://localhost:8080', interfaces)
  t.match(
    banner,
    /Scan with a phone on the same Wi-Fi: http:\/\/localhost:8080\/demo\n\nWARNING: PUBLIC_BASE_URL is http:\/\/localhost:8080/,
  )
})

type Decode = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null
const jsQR: Decode = (jsQRModule as unknown as { default?: Decode }).default ?? (jsQRModule as unknown as Decode)

t.test('the terminal QR code decodes to its URL', async (t) => {
  const url = 'http://192.168.0.23:8080/checkout/charge_X0O78tadFHrZCbGhkycPk/phone'
  const text = await terminalQr(url)
  // Each character is two modules, top and bottom: draw it back into pixels and decode.
  const rows = text.split('\n').filter((l) => l.length > 0)
  const width = Math.max(...rows.map((r) => [...r].length))
  const scale = 6
  const w = width * scale
  const h = rows.length * 2 * scale
  const px = new Uint8ClampedArray(w * h * 4).fill(255)
  rows.forEach((row, y) =>
    [...row].forEach((ch, x) => {
      const top = ch === '█' || ch === '▀'
      const bottom = ch === '█' || ch === '▄'
      for (const [half, on] of [
        [0, top],
        [1, bottom],
      ] as const) {
        if (!on) continue
        for (let dy = 0; dy < scale; dy++)
          for (let dx = 0; dx < scale; dx++) {
            const i = (((y * 2 + half) * scale + dy) * w + x * scale + dx) * 4
            px[i] = px[i + 1] = px[i + 2] = 0
          }
      }
    }),
  )
  t.equal(jsQR(px, w, h)?.data, url)
})
