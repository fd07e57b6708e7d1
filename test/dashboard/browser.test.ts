/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import t, { type Test } from 'tap'
import { existsSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { buildApp } from '../../src/app.js'
import { AUTH, MERCHANT, OTHER_AUTH, kakaoPayChargeRequest } from '../helpers/app.js'
import { CHROMIUM, launchChromium, screenshotPath } from '../helpers/chromium.js'
import { freePort } from '../helpers/net.js'
import { receiver } from '../helpers/receiver.js'

const XSS = '<img src=x onerror=alert(1)>'
const WAIT = { timeout: 5000 }

t.test('the dashboard, live: a charge appears, is approved, replayed, refunded and timed out, from the page', async (t) => {
  t.ok(existsSync(CHROMIUM), `chromium at ${CHROMIUM}`)
  let down = false
  const hook = await receiver(t, () => (down ? 503 : 200))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const app = await buildApp({
    config: {
      port,
      publicBaseUrl: base,
      // Retries an hour apart: none fires while the test runs, so every attempt seen is one the test caused.
      webhooks: { url: hook.url, secret: 'whsec_dashboard', timeoutMs: 2000, retryBaseMs: 3_600_000, maxAttempts: 3 },
    },
    logger: false,
  })
  t.teardown(() => app.close())
  await app.listen({ port, host: '127.0.0.1' })

  /** The API over the socket, as curl or a merchant's backend calls it. */
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = AUTH) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return (await res.json()) as Record<string, any>
  }
  const createCharge = (overrides: Record<string, unknown> = {}, headers = AUTH) =>
    api('POST', '/v1/payment-charges', kakaoPayChargeRequest(overrides), headers)

  const browser = await launchChromium()
  t.teardown(() => browser.close())
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base })
  const page = await context.newPage()
  const dialogs: string[] = []
  const errors: string[] = []
  page.on('dialog', (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
  page.on('pageerror', (e) => errors.push(e.message))
  /** The filters of every event stream the page opened, in order (credentials left out). */
  const streams: Array<Record<string, string>> = []
  page.on('request', (r) => {
    const url = new URL(r.url())
    if (url.pathname !== '/sandbox/events/stream') return
    const { access_token: _key, merchantId: _merchant, ...filters } = Object.fromEntries(url.searchParams)
    streams.push(filters)
  })

  // Another merchant's charge, before and during: it must never show.
  const theirs = await createCharge({ merchantPaymentChargeReference: 'theirs-1' }, OTHER_AUTH)

  const res = await page.goto(`${base}/dashboard`)
  t.match(res?.headers()['content-security-policy'], /script-src 'self'/)
  await page.fill('#pick-merchant', MERCHANT)
  await page.press('#pick-merchant', 'Enter')
  await page.waitForSelector('#charges-rows', { ...WAIT, state: 'attached' })
  await page.waitForSelector('.list-info:has-text("No charges yet")', WAIT)

  const started = Date.now()
  const live = await createCharge({ paymentDescriptor: XSS, merchantPaymentChargeReference: 'order-live' })
  await page.waitForSelector(`.row[data-id="${live.id}"]`, WAIT)
  const elapsed = Date.now() - started
  t.equal(await page.getAttribute('.live', 'data-mode'), 'live', 'on the event stream')
  t.ok(elapsed < 1000, `the charge created over the API appears without a reload within a second (${elapsed} ms)`)
  await createCharge({ merchantPaymentChargeReference: 'theirs-2' }, OTHER_AUTH)
  const row = page.locator(`.row[data-id="${live.id}"]`)
  t.equal(await row.locator('.chip').textContent(), 'AUTHENTICATION_PENDING')
  t.equal(await row.locator('.c-amount').textContent(), '15,000원')
  t.equal(await row.locator('.c-ref .ref').textContent(), 'order-live')
  t.equal(await row.locator('.c-ref .desc').textContent(), XSS, 'the descriptor shows as text')
  t.equal(await row.locator('.c-consumer').textContent(), 'John Smith')
  t.equal(await page.locator('img').count(), 0, 'no element was made from the descriptor')
  await shot(page, 'charges-1280')

  // Search and filter.
  await page.fill('#search', 'order-LIVE')
  await page.waitForFunction(() => document.querySelectorAll('#charges-rows .row').length === 1, undefined, WAIT)
  await page.selectOption('#status-filter', 'CAPTURED')
  await page.waitForSelector('.list-info:has-text("Nothing matches")', WAIT)
  await page.selectOption('#status-filter', '')
  await page.fill('#search', '')
  await page.waitForSelector(`.row[data-id="${live.id}"]`, WAIT)

  // Keyboard: the skip link (the page's first element) moves to the content, and the view stays.
  const address = page.url()
  t.equal(await page.evaluate(() => document.body.firstElementChild?.className), 'skip')
  await page.focus('.skip')
  await page.keyboard.press('Enter')
  t.equal(await page.evaluate(() => document.activeElement?.id), 'main', 'focus on the content')
  t.equal(page.url(), address, 'the same view')

  // From the status filter, Tab reaches the first row; Enter opens it.
  await page.focus('#status-filter')
  await page.keyboard.press('Tab')
  t.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.id), live.id, 'the row is the next stop')
  await page.keyboard.press('Enter')
  await page.waitForSelector(`#charge-id:has-text("${live.id}")`, WAIT)
  t.equal(await page.textContent('#charge-descriptor'), XSS)
  t.equal(await page.textContent('#charge-amount'), '15,000원')
  t.equal(await page.getAttribute('#approval-link', 'href'), `${base}/checkout/${live.id}`, 'a link to its approval page')
  await page.waitForSelector('li[data-kind="delivery"][data-type="PAYMENT_CHARGE_AUTHENTICATION_PENDING"]', WAIT)

  // The merchant's stream carries no API requests (a load test's reads would each be one message for
  // the tab); the charge's page follows the requests about its charge on a stream of its own, so a
  // read by the merchant's backend shows in its timeline without a reload, and leaving it closes it.
  t.same(streams, [{ kinds: 'event,delivery,consumer,clock' }, { kinds: 'request', chargeId: live.id }], 'the streams the pages opened')
  t.equal(app.feed.listenerCount(MERCHANT), 2, 'two readers: the merchant stream and the charge page')
  const requestsShown = await page.locator('li[data-kind="request"]').count()
  await api('GET', `/v1/payment-charges/${live.id}`)
  await page.waitForFunction((n) => document.querySelectorAll('li[data-kind="request"]').length === n + 1, requestsShown, WAIT)
  t.match(await page.locator('li[data-kind="request"]').last().textContent(), /GET \/v1\/payment-charges\//, 'the read, live')

  // Approve from the page: the timeline gains the capture and its webhook attempts.
  await page.click('#do-approve')
  await page.waitForSelector('.charge-title .chip[data-status="CAPTURED"]', WAIT)
  await page.waitForSelector('li[data-kind="event"][data-type="PAYMENT_CHARGE_CAPTURE_SUCCEEDED"]', WAIT)
  await page.waitForSelector('li[data-kind="delivery"][data-type="PAYMENT_CHARGE_CAPTURE_SUCCEEDED"]', WAIT)
  t.match(
    await page.textContent('li[data-kind="delivery"][data-type="PAYMENT_CHARGE_CAPTURE_SUCCEEDED"]'),
    /attempt 1 → 200/,
    "the receiver's answer",
  )
  t.equal((await api('GET', `/v1/payment-charges/${live.id}`)).status, 'CAPTURED')

  // Replay a delivery: one more attempt, marked as a replay.
  const attemptsBefore = await page.locator('li[data-kind="delivery"]').count()
  const received = hook.received.length
  await page.locator('li[data-kind="delivery"][data-type="PAYMENT_CHARGE_CAPTURE_SUCCEEDED"] .replay').first().click()
  await page.waitForFunction((n) => document.querySelectorAll('li[data-kind="delivery"]').length === n + 1, attemptsBefore, WAIT)
  t.equal(hook.received.length, received + 1, 'the receiver got it again')
  t.equal(hook.received.at(-1)!.json.type, 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED')
  t.match(await page.textContent('#timeline'), /attempt 2 \(replay\) → 200/)

  // Copy as curl: the exact body and both signature headers.
  await page
    .locator('li[data-kind="delivery"][data-type="PAYMENT_CHARGE_CAPTURE_SUCCEEDED"] button:has-text("Copy as curl")')
    .first()
    .click()
  const curl = await page.evaluate(() => navigator.clipboard.readText())
  t.match(curl, /^curl -sS -X POST 'http:\/\/127\.0\.0\.1:\d+\/webhooks'/)
  t.match(curl, /-H 'webhook-signature: [0-9a-f]{64}'/)
  t.match(curl, /-H 'ppro-signature: t=\d+,s=[0-9a-f]{64}'/)
  t.ok(curl.includes(`--data-raw '${hook.received.at(-1)!.body.replace(/'/g, `'\\''`)}'`), 'the body as sent')

  // Copy as curl of an API call: the create request, its body as it was sent.
  await page.locator('li[data-kind="request"] button:has-text("Copy as curl")').first().click()
  const create = await page.evaluate(() => navigator.clipboard.readText())
  t.match(create, /^curl -sS -X POST 'http:\/\/127\.0\.0\.1:\d+\/v1\/payment-charges'/)
  t.match(create, new RegExp(`-H 'Merchant-Id: ${MERCHANT}'`))
  t.match(create, /--data-raw '\{"paymentMethod":"KAKAOPAY",.*"merchantPaymentChargeReference":"order-live"/)

  // Refund part of it from the form.
  t.match(await page.textContent('label[for="refund-amount"]'), /15,000 left/)
  await page.fill('#refund-amount', '5000')
  await page.fill('#refund-reference', 'refund-part')
  await page.click('#refund-submit')
  await page.waitForSelector('#refund-list li:has-text("5,000원")', WAIT)
  t.match(await page.textContent('#refund-list'), /REFUNDED5,000원refund-part/)
  await page.waitForSelector('label[for="refund-amount"]:has-text("10,000 left")', WAIT)
  const refunded = await api('GET', `/v1/payment-charges/${live.id}`)
  t.same(
    refunded.refunds.map((r: any) => [r.amount, r.status, r.merchantRefundReference]),
    [[5000, 'REFUNDED', 'refund-part']],
  )
  t.equal(refunded.status, 'CAPTURED', 'a partial refund leaves it captured')
  // The page read the charge on every change, with Sandbox-Journal: off: the journal has only the
  // test's own three reads of it, and the page's actions on it (the approve, the refund) like any call.
  const journal = await api('GET', `/sandbox/requests?chargeId=${live.id}&limit=100`)
  t.same(
    journal.data.map((e: any) => `${e.method} ${e.path}`).reverse(),
    [
      'POST /v1/payment-charges',
      `GET /v1/payment-charges/${live.id}`,
      `POST /sandbox/payment-charges/${live.id}/approve`,
      `GET /v1/payment-charges/${live.id}`,
      `POST /v1/payment-charges/${live.id}/refunds`,
      `GET /v1/payment-charges/${live.id}`,
    ],
    "the dashboard's reads are not in the merchant's journal",
  )
  await shot(page, 'charge-1280', true)

  // Webhooks: the receiver goes down, deliveries fail; it comes back; replay every failed one.
  down = true
  const failing = await createCharge({ merchantPaymentChargeReference: 'order-down' })
  await page.click('a.nav-link:has-text("Webhooks")')
  await page.waitForSelector(`.delivery[data-state="retrying"]:has-text("${failing.id}")`, WAIT)
  for (let i = 0; i < 250 && app.feed.listenerCount(MERCHANT) !== 1; i++) await new Promise((r) => setTimeout(r, 20))
  t.equal(app.feed.listenerCount(MERCHANT), 1, "leaving the charge's page closed the stream of its requests")
  await page.waitForFunction(() => document.querySelectorAll('.delivery[data-state="retrying"]').length === 2, undefined, WAIT)
  const card = page.locator('.delivery[data-state="retrying"]').first()
  await card.locator('summary').click()
  t.match(await card.locator('.attempts').textContent(), /503/)
  t.match(await card.locator('.headers').textContent(), /ppro-signature/)
  await shot(page, 'webhooks-1280', true)
  down = false
  await page.click('#replay-failed')
  await page.waitForSelector('.toast:has-text("Replayed 2: 2 delivered")', WAIT)
  await page.waitForFunction(() => document.querySelectorAll('.delivery[data-state="retrying"]').length === 0, undefined, WAIT)
  const after = await api('GET', `/sandbox/deliveries?chargeId=${failing.id}`)
  t.same(
    after.data.map((d: any) => d.state),
    ['delivered', 'delivered'],
  )

  // The clock: 15 minutes later a charge still waiting for its consumer is DISCARDED.
  const waiting = await createCharge({ merchantPaymentChargeReference: 'order-wait' })
  await page.click('a.nav-link:has-text("Charges")')
  await page.waitForSelector(`.row[data-id="${waiting.id}"] .chip[data-status="AUTHENTICATION_PENDING"]`, WAIT)
  await page.click('button[data-advance="900"]')
  await page.waitForSelector(`.row[data-id="${waiting.id}"] .chip[data-status="DISCARDED"]`, WAIT)
  t.match(await page.textContent('#sandbox-offset'), /\+15 min ahead/)
  t.equal((await api('GET', `/v1/payment-charges/${waiting.id}`)).discards[0].type, 'AUTHENTICATION_TIMEOUT')

  // Never another merchant's.
  const text = await page.textContent('main')
  t.notOk(text!.includes(theirs.id) || text!.includes('theirs-'), "another merchant's charges never appear")
  t.equal(await page.locator('#charges-rows .row').count(), 3, 'this merchant’s three, and only them')
  await shot(page, 'charges-after-1280')

  // Dark mode follows the system.
  await page.emulateMedia({ colorScheme: 'dark' })
  const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
  t.equal(dark, 'rgb(17, 17, 17)')
  await shot(page, 'charges-dark-1280')
  await page.emulateMedia({ colorScheme: 'light' })

  // Decline with a chosen provider code.
  const declined = await createCharge({ merchantPaymentChargeReference: 'order-declined' })
  await page.goto(`${base}/dashboard#/m/${MERCHANT}/charges/${declined.id}`)
  await page.waitForSelector('#do-decline', WAIT)
  await page.selectOption('#decline-code', 'INSUFFICIENT_FUNDS')
  await page.click('#do-decline')
  await page.waitForSelector('.charge-title .chip[data-status="FAILED"]', WAIT)
  t.match(await page.textContent('.facts'), /INSUFFICIENT_FUNDS/)
  t.equal((await api('GET', `/v1/payment-charges/${declined.id}`)).failure.failureCode, 'INSUFFICIENT_FUNDS')

  // An injected fault shows on the request it acted on: a lost response, and the charge made behind it.
  const lost = await fetch(`${base}/v1/payment-charges`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json', 'sandbox-fault': 'lost-response' },
    body: JSON.stringify(kakaoPayChargeRequest({ merchantPaymentChargeReference: 'order-lost' })),
  })
  t.equal(lost.status, 504)
  const [behind] = (await api('GET', '/v1/payment-charges?merchantPaymentChargeReference=order-lost')).data
  await page.goto(`${base}/dashboard#/m/${MERCHANT}/charges/${behind.id}`)
  await page.waitForSelector('li[data-kind="request"] .tag-fault', WAIT)
  t.equal(await page.textContent('li[data-kind="request"] .tag-fault'), 'Fault: lost-response (Sandbox-Fault header)')
  t.equal(await page.textContent('li[data-kind="request"] .answer'), '504', 'the status the client got')
  t.match(await page.textContent('li[data-kind="request"] .t-reason'), /lost-response fault injected by the Sandbox-Fault request header/)
  await shot(page, 'charge-fault-1280')

  // Another merchant's charge, even by its id in the address, is not found.
  await page.goto(`${base}/dashboard#/m/${MERCHANT}/charges/${theirs.id}`)
  await page.waitForSelector('h1:has-text("Charge not found")', WAIT)

  // An agreement: listed, opened, approved from its page.
  const agreement = await api('POST', '/v1/payment-agreements', {
    paymentMethod: 'KAKAOPAY',
    description: '월간 구독',
    merchantPaymentAgreementReference: 'sub-1',
    consumer: { name: '김민준', country: 'KR' },
    authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://shop.example/back' } }],
  })
  await page.click('a.nav-link:has-text("Agreements")')
  await page.click(`.row[data-id="${agreement.id}"]`)
  await page.waitForSelector('#controls button:has-text("Approve")', WAIT)
  await page.click('#controls button:has-text("Approve")')
  await page.waitForSelector('.charge-title .chip[data-status="ACTIVE"]', WAIT)
  await page.waitForSelector('li[data-kind="event"][data-type="PAYMENT_AGREEMENT_ACTIVE"]', WAIT)
  t.equal((await api('GET', `/v1/payment-agreements/${agreement.id}`)).status, 'ACTIVE')
  await shot(page, 'agreement-1280', true)

  // A phone: nothing scrolls sideways.
  const phone = await context.newPage()
  phone.on('pageerror', (e) => errors.push(e.message))
  await phone.setViewportSize({ width: 390, height: 844 })
  await phone.goto(`${base}/dashboard#/m/${MERCHANT}/charges`)
  await phone.waitForSelector(`.row[data-id="${live.id}"]`, WAIT)
  await checkNoSideScroll(t, phone, 'charges')
  await shot(phone, 'charges-390', true)
  await phone.goto(`${base}/dashboard#/m/${MERCHANT}/charges/${live.id}`)
  await phone.waitForSelector('#refund-list', WAIT)
  await phone.waitForSelector('li[data-kind="delivery"]', WAIT)
  await checkNoSideScroll(t, phone, 'charge')
  await shot(phone, 'charge-390')
  await shot(phone, 'charge-390-full', true)
  await phone.goto(`${base}/dashboard#/m/${MERCHANT}/webhooks`)
  await phone.waitForSelector('.delivery', WAIT)
  await checkNoSideScroll(t, phone, 'webhooks')
  await shot(phone, 'webhooks-390')

  // Where the stream cannot be reached (a proxy that buffers it, say), the list polls instead.
  const cut = await context.newPage()
  cut.on('pageerror', (e) => errors.push(e.message))
  await cut.route('**/sandbox/events/stream**', (route) => route.abort())
  await cut.goto(`${base}/dashboard#/m/${MERCHANT}/charges`)
  await cut.waitForSelector('.live[data-mode="polling"]', WAIT)
  const polled = await createCharge({ merchantPaymentChargeReference: 'order-polled' })
  await cut.waitForSelector(`.row[data-id="${polled.id}"]`, WAIT)
  t.pass('a charge appears by polling when the stream is unreachable')
  await cut.close()

  // Reset, behind a confirmation: this merchant's data goes, the other's stays.
  await page.click('a.nav-link:has-text("Charges")')
  await page.waitForSelector(`.row[data-id="${live.id}"]`, WAIT)

  // Any duration, in words a person types.
  await page.fill('#advance-by', '2h30m')
  await page.press('#advance-by', 'Enter')
  await page.waitForSelector('#sandbox-offset:has-text("+2 h 45 min ahead")', WAIT)
  await page.waitForSelector(`.row[data-id="${polled.id}"] .chip[data-status="DISCARDED"]`, WAIT)

  await page.click('#reset-data')
  await page.waitForSelector('#dialog[open]', WAIT)
  await page.click('#dialog button[data-value="reset"]')
  await page.waitForSelector('.list-info:has-text("No charges yet")', WAIT)
  t.equal((await api('GET', '/sandbox/payment-charges')).data.length, 0)
  t.equal((await api('GET', '/sandbox/payment-agreements')).data.length, 0)
  t.equal((await api('GET', '/sandbox/payment-charges', undefined, OTHER_AUTH)).data.length, 2, "the other merchant's are kept")

  t.same(dialogs, [], 'no alert, confirm or prompt fired')
  t.same(errors, [], 'no script error on the page')
})

/** A screenshot for a person to look at, from the top of the page. */
async function shot(page: Page, name: string, fullPage = false) {
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: screenshotPath(name), fullPage })
}

async function checkNoSideScroll(t: Test, page: Page, what: string) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }))
  t.ok(scrollWidth <= clientWidth, `${what}: nothing scrolls sideways at 390 px (${scrollWidth} <= ${clientWidth})`)
}

t.test('with API_KEYS the dashboard asks for a key, refuses a wrong one, and keeps a right one for the tab', async (t) => {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const app = await buildApp({ config: { port, publicBaseUrl: base, apiKeys: ['sk_live_right'] }, logger: false })
  t.teardown(() => app.close())
  await app.listen({ port, host: '127.0.0.1' })
  const headers = { authorization: 'Bearer sk_live_right', 'merchant-id': MERCHANT, 'content-type': 'application/json' }
  const charge = (await (
    await fetch(`${base}/v1/payment-charges`, { method: 'POST', headers, body: JSON.stringify(kakaoPayChargeRequest()) })
  ).json()) as {
    id: string
  }
  const browser = await launchChromium()
  t.teardown(() => browser.close())
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  await page.goto(`${base}/dashboard`)
  await page.fill('#pick-merchant', MERCHANT)
  await page.fill('#pick-key', 'sk_live_wrong')
  await page.click('button[type="submit"]')
  await page.waitForSelector('.form-error:has-text("not one of this sandbox")', WAIT)
  t.equal(await page.evaluate(() => sessionStorage.length), 0, 'a refused key is not kept')
  await page.fill('#pick-key', 'sk_live_right')
  await page.click('button[type="submit"]')
  await page.waitForSelector(`.row[data-id="${charge.id}"]`, WAIT)
  t.equal(await page.getAttribute('.live', 'data-mode'), 'live', 'the stream takes the key too')
  await shot(page, 'key-1280')
  t.same(await page.evaluate(() => Object.values(sessionStorage).sort()), [MERCHANT, 'sk_live_right'], 'in this tab’s sessionStorage')
  t.equal(await page.evaluate(() => localStorage.length), 0, 'nothing kept beyond the tab')
  // Another tab of the same browser has its own session: it asks again.
  const other = await context.newPage()
  await other.goto(`${base}/dashboard#/m/${MERCHANT}/charges`)
  await other.waitForSelector('#pick-key', WAIT)
  t.pass('a new tab asks for the key')
})

t.test('paging: the charges and the webhooks lists page older and newer through their cursors', async (t) => {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const app = await buildApp({ config: { port, publicBaseUrl: base }, logger: false })
  t.teardown(() => app.close())
  await app.listen({ port, host: '127.0.0.1' })
  // 30 charges (two pages of 25), each with two events recorded and not sent (no webhook URL): three pages.
  for (let i = 0; i < 30; i++) {
    await app.inject({
      method: 'POST',
      url: '/v1/payment-charges',
      headers: AUTH,
      payload: kakaoPayChargeRequest({ merchantPaymentChargeReference: `p-${i}` }),
    })
  }
  const browser = await launchChromium()
  t.teardown(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const rows = (selector: string) => page.$$eval(selector, (els) => els.length)

  await page.goto(`${base}/dashboard#/m/${MERCHANT}/charges`)
  await page.waitForSelector('.list-info:has-text("page 1 · 30 in all")', WAIT)
  t.equal(await rows('#charges-rows .row'), 25)
  t.equal(await page.isDisabled('#page-newer'), true, 'no newer page than the first')
  await page.click('#page-older')
  await page.waitForSelector('.list-info:has-text("page 2 · 30 in all")', WAIT)
  t.equal(await rows('#charges-rows .row'), 5)
  t.equal(await page.isDisabled('#page-older'), true, 'the last page')
  t.match(await page.getAttribute('#charges-rows .row:last-child', 'aria-label'), /p-0 /, 'the oldest charge ends the last page')
  await page.click('#page-newer')
  await page.waitForSelector('.list-info:has-text("page 1 · 30 in all")', WAIT)
  t.match(await page.getAttribute('#charges-rows .row:first-child', 'aria-label'), /p-29 /, 'the newest charge starts the first page')

  await page.click('a.nav-link:has-text("Webhooks")')
  await page.waitForSelector('.list-info:has-text("Page 1 · 60 events in all")', WAIT)
  t.equal(await rows('.delivery'), 25)
  await page.click('button:has-text("Older →")')
  await page.waitForSelector('.list-info:has-text("Page 2 · 60 events in all")', WAIT)
  await page.click('button:has-text("Older →")')
  await page.waitForSelector('.list-info:has-text("Page 3 · 60 events in all")', WAIT)
  t.equal(await rows('.delivery'), 10)
  await page.screenshot({ path: screenshotPath('dashboard-webhooks-page-3') })
})
