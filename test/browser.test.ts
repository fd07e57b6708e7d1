/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import t from 'tap'
import { existsSync } from 'node:fs'
import { chromium } from 'playwright-core'
import { buildApp } from '../src/app.js'
import { AUTH, kakaoPayChargeRequest } from './helpers/app.js'
import { freePort, listen } from './helpers/net.js'

// Debian's chromium; .ci/run installs it where missing.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

t.test('a phone opens the approval page, presses approve and lands on the returnUrl', async (t) => {
  t.ok(existsSync(CHROMIUM), `chromium at ${CHROMIUM} (apt-get install chromium)`)
  const shop = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<h1 id="done">Order complete</h1>`)
  })
  t.teardown(shop.close)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const app = await buildApp({ config: { port, publicBaseUrl: base }, logger: false })
  t.teardown(() => app.close())
  await app.listen({ port, host: '127.0.0.1' })

  const longDescriptor = 'KakaoFriends Store — Ryan & Choonsik limited edition plush, gift wrapped, express delivery to Seoul'
  const res = await app.inject({
    method: 'POST',
    url: '/v1/payment-charges',
    headers: AUTH,
    payload: kakaoPayChargeRequest({
      paymentDescriptor: longDescriptor,
      amount: { value: 1_234_500, currency: 'KRW' },
      authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: `${shop.url}/thanks` } }],
    }),
  })
  const charge = res.json()

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  t.teardown(() => browser.close())

  const phone = await browser.newPage({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
  await phone.goto(charge.authenticationMethods[0].details.requestUrl)
  t.match(await phone.textContent('body'), /1,234,500원/)
  const layout = await phone.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    buttons: [...document.querySelectorAll('button')].map((b) => b.getBoundingClientRect().height),
    brand: getComputedStyle(document.querySelector('.brand')!).backgroundColor,
  }))
  t.ok(layout.scrollWidth <= layout.clientWidth, `nothing scrolls sideways at 375 px (${layout.scrollWidth} <= ${layout.clientWidth})`)
  t.equal(layout.buttons.length, 3)
  for (const h of layout.buttons) t.ok(h >= 44, `button ${h}px tall`)
  t.equal(layout.brand, 'rgb(254, 229, 0)', "KakaoPay's yellow")
  await phone.screenshot({ path: 'test/screenshots/checkout-phone.png', fullPage: true }).catch(() => undefined)

  await Promise.all([phone.waitForURL(`${shop.url}/thanks`), phone.click('button[value="approve"]')])
  t.equal(await phone.textContent('#done'), 'Order complete')

  const after = await app.inject({ method: 'GET', url: `/v1/payment-charges/${charge.id}`, headers: AUTH })
  t.equal(after.json().status, 'CAPTURED')

  const desktop = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  await desktop.goto(charge.authenticationMethods?.[0]?.details.requestUrl ?? `${base}/checkout/${charge.id}`)
  const card = await desktop.evaluate(() => {
    const r = document.querySelector('.card')!.getBoundingClientRect()
    return { left: r.left, right: window.innerWidth - r.right, width: r.width }
  })
  t.ok(card.width <= 480, `a card, not full width (${card.width}px)`)
  t.ok(Math.abs(card.left - card.right) <= 2, 'centred')
  t.match(await desktop.textContent('body'), /Payment approved/, 'the finished charge shows its outcome')
  await desktop.screenshot({ path: 'test/screenshots/checkout-desktop.png' }).catch(() => undefined)
})
