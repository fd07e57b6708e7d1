import t from 'tap'
import { buildApp } from '../src/app.js'
import { AUTH, kakaoPayChargeRequest } from './helpers/app.js'
import { freePort, listen } from './helpers/net.js'

t.test("PPRO's KakaoPay flow through a listening server", async (t) => {
  const shop = await listen((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`thanks: ${req.url}`)
  })
  t.teardown(shop.close)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const app = await buildApp({ config: { port, host: '127.0.0.1', publicBaseUrl: base }, logger: false })
  t.teardown(() => app.close())
  await app.listen({ port, host: '127.0.0.1' })

  const health = await fetch(`${base}/health`)
  t.equal(health.status, 200)

  const returnUrl = `${shop.url}/order-results-page?order=1`
  // The exact request of PPRO's KakaoPay page, with the shop's return URL.
  const created = await fetch(`${base}/v1/payment-charges`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: JSON.stringify(kakaoPayChargeRequest({ authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl } }] })),
  })
  t.equal(created.status, 200)
  const charge = (await created.json()) as {
    id: string
    status: string
    authenticationMethods: Array<{ details: { requestUrl: string; requestMethod: string } }>
  }
  t.equal(charge.status, 'AUTHENTICATION_PENDING')
  const { requestUrl, requestMethod } = charge.authenticationMethods[0]!.details
  t.equal(requestMethod, 'GET')
  t.equal(requestUrl, `${base}/checkout/${charge.id}`)

  const page = await fetch(requestUrl)
  t.equal(page.status, 200)
  const html = await page.text()
  const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1]
  t.equal(action, requestUrl, 'the form posts back to the page')

  const approved = await fetch(action!, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'action=approve',
    redirect: 'manual',
  })
  t.equal(approved.status, 303)
  t.equal(approved.headers.get('location'), returnUrl)

  const landed = await fetch(approved.headers.get('location')!)
  t.equal(await landed.text(), 'thanks: /order-results-page?order=1')

  const final = await fetch(`${base}/v1/payment-charges/${charge.id}`, { headers: { ...AUTH, 'content-type': 'application/json' } })
  t.equal(final.status, 200)
  t.match(await final.json(), { id: charge.id, status: 'CAPTURED', captures: [{ amount: 15000, status: 'CAPTURED' }] })
})
