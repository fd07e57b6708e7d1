/// <reference lib="dom" />
import t from 'tap'
import { existsSync } from 'node:fs'
import { CHROMIUM, launchChromium, screenshotPath } from './helpers/chromium.js'
import { AUTH, buildTestApp } from './helpers/app.js'
import { freePort, listen } from './helpers/net.js'
import { schemaErrors } from './helpers/openapi.js'

t.test("a drop-in checkout: the shop's server creates and authorizes a session, the consumer approves on a phone", async (t) => {
  t.ok(existsSync(CHROMIUM), `chromium at ${CHROMIUM} (apt-get install chromium)`)
  const shop = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<h1 id="done">주문 완료 · Order complete</h1>`)
  })
  t.teardown(shop.close)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const ctx = await buildTestApp(t, { config: { port, publicBaseUrl: base } })
  await ctx.app.listen({ port, host: '127.0.0.1' })

  // The shop's server, over the network, with bodies PPRO's sessions file allows.
  const api = async (path: string, schema: string, body: Record<string, unknown>) => {
    t.same(schemaErrors('sessions', schema, body), [], `${schema} conforms`)
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    t.equal(res.status, 200)
    return (await res.json()) as Record<string, any>
  }
  const session = await api('/v1/payment-sessions', 'CreationRequest', {
    amount: { value: 45900, currency: 'KRW' },
    consumer: { name: '김민지', country: 'KR', locale: 'ko-KR' },
    recurring: false,
    paymentDescriptor: '카카오프렌즈 스토어 · Ryan plush',
    authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: `${shop.url}/thanks` } }],
  })
  t.same(session.availablePaymentMethods, [{ name: 'KAKAOPAY', recommended: true }])
  const authorization = await api(`/v1/payment-sessions/${session.id}/authorizations`, 'AuthorizationRequest', {
    paymentMethod: 'KAKAOPAY',
  })
  const requestUrl = authorization.authenticationMethods[0].details.requestUrl as string
  t.equal(requestUrl, `${base}/checkout/${authorization.data.id}`)

  const browser = await launchChromium()
  t.teardown(() => browser.close())
  const phone = await browser.newPage({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
  await phone.goto(requestUrl)
  const text = await phone.textContent('body')
  t.match(text, /45,900원/)
  t.match(text, /카카오프렌즈 스토어 · Ryan plush/)
  await phone.screenshot({ path: screenshotPath('session-checkout-phone'), fullPage: true })

  await Promise.all([phone.waitForURL(`${shop.url}/thanks`), phone.click('button[value="approve"]')])
  t.equal(await phone.textContent('#done'), '주문 완료 · Order complete')

  const read = await fetch(`${base}/v1/payment-sessions/${session.id}`, { headers: AUTH })
  t.match(await read.json(), { status: 'SUCCEEDED', paymentCharge: { id: authorization.data.id, status: 'CAPTURED' } })
})
