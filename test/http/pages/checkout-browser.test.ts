/// <reference lib="dom" />
import t from 'tap'
import type { Response } from 'playwright-core'
import { buildApp } from '../../../src/app.js'
import { AUTH, kakaoPayChargeRequest } from '../../helpers/app.js'
import { launchChromium, PC, screenshotPath } from '../../helpers/chromium.js'
import { freePort, listen } from '../../helpers/net.js'

/**
 * The plain form contract of the approval page (`action=approve|decline|cancel`, 303 to the returnUrl
 * exactly as given), as a merchant's browser test clicks it: with JavaScript off and on, the same.
 * The page's script only enhances it, and nothing inline runs (the CSP would refuse it: any refusal
 * is counted).
 */
t.test('the form contract in Chromium, JavaScript off and on: approve, decline, cancel, 303 to the returnUrl', async (t) => {
  const shop = await listen((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<h1 id="done">${req.url}</h1>`)
  })
  t.teardown(shop.close)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const app = await buildApp({ config: { port, publicBaseUrl: base }, logger: false })
  t.teardown(() => app.close())
  await app.listen({ port, host: '127.0.0.1' })
  const browser = await launchChromium()
  t.teardown(() => browser.close())
  const api = async (method: 'GET' | 'POST', url: string, payload?: object) =>
    (await app.inject({ method, url, headers: AUTH, ...(payload ? { payload } : {}) })).json()

  const expected = {
    approve: { status: 'CAPTURED' },
    decline: { status: 'FAILED', failure: { failureCode: 'AUTHENTICATION_FAILED' } },
    cancel: { status: 'FAILED', failure: { failureCode: 'CANCELED_BY_CONSUMER' } },
  } as const
  for (const javaScriptEnabled of [false, true]) {
    const context = await browser.newContext({ ...PC, javaScriptEnabled })
    await context.addInitScript(() => {
      ;(window as unknown as { refused: string[] }).refused = []
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as unknown as { refused: string[] }).refused.push(`${e.violatedDirective} ${e.blockedURI}`),
      )
    })
    const js = javaScriptEnabled ? 'JavaScript on' : 'JavaScript off'
    for (const action of ['approve', 'decline', 'cancel'] as const) {
      const returnUrl = `${shop.url}/return?order=${action}&js=${javaScriptEnabled}`
      const charge = await api(
        'POST',
        '/v1/payment-charges',
        kakaoPayChargeRequest({ authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl } }] }),
      )
      const page = await context.newPage()
      await page.goto(charge.authenticationMethods[0].details.requestUrl)
      const scripted = await page.evaluate(() => document.documentElement.classList.contains('js'))
      t.equal(scripted, javaScriptEnabled, `${js}: the page's script ${javaScriptEnabled ? 'ran' : 'did not run'}`)
      if (javaScriptEnabled) {
        t.same(await page.evaluate(() => (window as unknown as { refused: string[] }).refused), [], `${js}: the CSP refused nothing`)
      }
      if (action === 'approve') await page.screenshot({ path: screenshotPath(`checkout-contract-${javaScriptEnabled ? 'js' : 'nojs'}`) })
      const posted = page.waitForResponse((r: Response) => r.request().method() === 'POST' && r.url().endsWith(`/checkout/${charge.id}`))
      await Promise.all([page.waitForURL(returnUrl, { timeout: 5000 }), page.click(`.strip button[name="action"][value="${action}"]`)])
      const answer = await posted
      t.equal(answer.status(), 303, `${js}, ${action}: 303`)
      t.equal(answer.headers().location, returnUrl, `${js}, ${action}: to the returnUrl exactly as given`)
      t.equal(await page.textContent('#done'), new URL(returnUrl).pathname + new URL(returnUrl).search)
      t.match(await api('GET', `/v1/payment-charges/${charge.id}`), expected[action], `${js}, ${action}: the charge`)
      await page.close()
    }
    await context.close()
  }
})
