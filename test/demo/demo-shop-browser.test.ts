/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { buildApp } from '../../src/app.js'
import { fetchTransport, type WebhookTransport } from '../../src/webhooks/transport.js'
import { launchChromium, PC, PHONE, clickUntil, screenshotPath, steady } from '../helpers/chromium.js'
import { freePort } from '../helpers/net.js'

const SHOP = { authorization: 'Bearer sk_demo_shop', 'merchant-id': 'merch_demo_shop' }

/**
 * The sandbox listening on loopback with its demo shop, webhooks sent over real HTTP to the shop's
 * receiver; `hold()` keeps them back until `release()`, to show the order waits for its webhook.
 */
async function setup(t: Test) {
  let held: Array<() => void> | undefined
  const transport: WebhookTransport = async (req) => {
    if (held) await new Promise<void>((resolve) => held!.push(resolve))
    return fetchTransport(req)
  }
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const app = await buildApp({ config: { port, publicBaseUrl: base, authTimeoutSeconds: 900 }, transport, logger: false })
  t.teardown(() => app.close())
  await app.listen({ port, host: '127.0.0.1' })
  const browser = await launchChromium()
  t.teardown(() => browser.close())
  const state = async () => (await app.inject({ method: 'GET', url: '/demo/api/state' })).json()
  const api = async (url: string) => (await app.inject({ method: 'GET', url, headers: SHOP })).json()
  return {
    app,
    base,
    browser,
    state,
    api,
    hold: () => (held = []),
    release: () => {
      const waiting = held ?? []
      held = undefined
      for (const go of waiting) go()
    },
  }
}

const stateText = (page: Page) => steady(() => page.textContent('#order-state'))

/** Waits (bounded) until the order page, reloading itself every second, shows a state. */
const waitForState = (page: Page, text: string) => page.waitForSelector(`#order-state:has-text("${text}")`, { timeout: 8000 })

async function payOnPhone(t: Test, browser: Awaited<ReturnType<typeof launchChromium>>, phoneUrl: string, pin: string) {
  const phone = await browser.newPage(PHONE)
  await phone.goto(phoneUrl)
  await phone.click('.cta')
  await phone.waitForSelector('.keys button[data-key="1"]', { state: 'visible' })
  for (const k of pin) await phone.click(`.keys button[data-key="${k}"]`)
  await phone.waitForSelector('.result')
  t.pass(`PIN ${pin} entered on the phone`)
  return phone
}

t.test('approve: shop, cart, KakaoPay, the phone PIN; the order is paid only when the signed webhook lands', async (t) => {
  const { base, browser, state, api, hold, release } = await setup(t)
  const pc = await browser.newPage(PC)
  await pc.goto(`${base}/demo`)
  t.match(await steady(() => pc.textContent('body')), /서울 굿즈샵[\s\S]*도자기 머그컵[\s\S]*12,000원/, 'a Korean store, prices in won')
  await steady(() => pc.screenshot({ path: screenshotPath('demo-shop'), fullPage: true }))
  await pc.click('.product:has-text("도자기 머그컵") button')
  await pc.goto(`${base}/demo`)
  await pc.click('.product:has-text("곰 인형") button')
  await pc.waitForURL(`${base}/demo/cart`)
  await pc.click('button[aria-label="one more"] >> nth=1')
  await pc.waitForSelector('#total:has-text("70,000원")')
  t.equal(await steady(() => pc.textContent('#total')), '70,000원', '12,000 + 2 × 29,000')
  await steady(() => pc.screenshot({ path: screenshotPath('demo-cart') }))
  hold()
  await pc.click('text=카카오페이로 결제')
  await pc.waitForURL(/\/checkout\/charge_/)
  const order = (await state()).order
  t.match(
    order,
    { state: 'pending', total: 70_000, scenario: 'approve', chargeId: /^charge_/ },
    'a fresh order, its charge created over HTTP',
  )
  t.match(await steady(() => pc.textContent('.merchant')), /서울 굿즈샵/, 'the shop by its display name')
  t.match(await steady(() => pc.textContent('.item')), /도자기 머그컵, 곰 인형 ×2/, 'the order as the item')
  await steady(() => pc.screenshot({ path: screenshotPath('demo-kakaopay-pc') }))

  await payOnPhone(t, browser, order.phoneUrl, '123456')
  await pc.waitForURL(`${base}/demo/orders/${order.id}`, { timeout: 5000 })
  t.equal((await api(`/v1/payment-charges/${order.chargeId}`)).status, 'CAPTURED', 'the sandbox captured it')
  t.match(await stateText(pc), /결제 대기 · Pending/, 'but the order is not paid yet')
  t.match(await steady(() => pc.textContent('#waiting')), /Waiting for the webhook[\s\S]*CAPTURED/)
  t.ok(await steady(() => pc.locator('#no-webhooks').isVisible()), 'no webhook yet')
  await steady(() => pc.screenshot({ path: screenshotPath('demo-order-waiting') }))

  release()
  await waitForState(pc, '결제 완료 · Paid')
  const types = await steady(() => pc.locator('#webhooks code').allTextContents())
  t.same(types, [
    'PAYMENT_CHARGE_CREATED',
    'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
    'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED',
    'PAYMENT_CHARGE_CAPTURE_SUCCEEDED',
  ])
  t.equal(await steady(() => pc.locator('#webhooks .ok').count()), 4, 'each signature verified')
  await steady(() => pc.screenshot({ path: screenshotPath('demo-order-paid'), fullPage: true }))
  t.match(
    (await state()).log.filter((e: any) => e.kind === 'webhook'),
    [{ verified: true, response: 200 }],
  )
})

t.test('decline, consumer cancel and timeout, each a fresh order settled by its webhook', async (t) => {
  const { base, browser, state, api } = await setup(t)
  const pc = await browser.newPage(PC)
  const run = async (scenario: string) => {
    await pc.goto(`${base}/demo`)
    await pc.click(`button[name="scenario"][value="${scenario}"]`)
    await pc.waitForURL(/\/checkout\/charge_/)
    return (await state()).order
  }
  const ids = new Set<string>()

  const declined = await run('decline')
  ids.add(declined.id)
  t.equal(declined.total, 350_000, "in the simulator's decline range")
  await clickUntil(pc, 'button[value="approve"]', (timeout) => pc.waitForURL(`${base}/demo/orders/${declined.id}`, { timeout }))
  await waitForState(pc, '결제 실패 · Declined')
  t.match(await steady(() => pc.textContent('main')), /GENERIC_DECLINE/)
  await steady(() => pc.screenshot({ path: screenshotPath('demo-order-declined') }))

  const canceled = await run('cancel')
  ids.add(canceled.id)
  await clickUntil(pc, 'a.x', (timeout) => pc.waitForSelector('[role="dialog"]', { timeout }))
  await Promise.all([pc.waitForURL(`${base}/demo/orders/${canceled.id}`), pc.click('[role="dialog"] >> text=확인')])
  await waitForState(pc, '결제 취소 · Canceled')
  t.match(await steady(() => pc.textContent('main')), /CANCELED_BY_CONSUMER/)

  const expired = await run('timeout')
  ids.add(expired.id)
  const orderPage = await browser.newPage(PC)
  await orderPage.goto(`${base}/demo/orders/${expired.id}`)
  await clickUntil(orderPage, 'text=시간 초과 만들기', (timeout) => pc.waitForSelector('text=Payment expired', { timeout }))
  await pc.waitForSelector('text=Payment expired', { timeout: 5000 })
  t.equal(await steady(() => pc.textContent('#countdown')), '00:00', 'the KakaoPay page counted down to zero')
  t.match(await api(`/v1/payment-charges/${expired.chargeId}`), { status: 'DISCARDED', discards: [{ type: 'AUTHENTICATION_TIMEOUT' }] })
  await steady(() => pc.screenshot({ path: screenshotPath('demo-kakaopay-timeout') }))
  await Promise.all([pc.waitForURL(`${base}/demo/orders/${expired.id}`), pc.click('text=가맹점으로 돌아가기')])
  await waitForState(pc, '시간 초과 · Expired')
  t.equal(ids.size, 3, 'a fresh order id per run')
})

t.test('refund after purchase, partial then full, each confirmed by its webhook', async (t) => {
  const { base, browser, state } = await setup(t)
  const pc = await browser.newPage(PC)
  await pc.goto(`${base}/demo`)
  await pc.click('button[name="scenario"][value="refund"]')
  await pc.waitForURL(/\/checkout\/charge_/)
  const order = (await state()).order
  await clickUntil(pc, 'button[value="approve"]', (timeout) => pc.waitForURL(`${base}/demo/orders/${order.id}`, { timeout }))
  await waitForState(pc, '결제 완료 · Paid')
  await pc.click('text=부분 환불 · Refund 29,000원')
  await waitForState(pc, '부분 환불 · Partly refunded')
  t.equal(await steady(() => pc.textContent('#refunded')), '29,000원')
  await pc.click('text=전액 환불 · Refund 29,000원')
  await waitForState(pc, '환불 완료 · Refunded')
  t.equal(await steady(() => pc.textContent('#refunded')), '58,000원')
  t.equal(await steady(() => pc.locator('#webhooks code:has-text("PAYMENT_CHARGE_REFUND_SUCCEEDED")').count()), 2)
  await steady(() => pc.screenshot({ path: screenshotPath('demo-order-refunded'), fullPage: true }))
})

t.test('subscription: QR등록 / 카톡등록, approval on the phone, then a renewal charge', async (t) => {
  const { base, browser, state, api } = await setup(t)
  const pc = await browser.newPage(PC)
  await pc.goto(`${base}/demo`)
  await pc.click('text=구독하기 · Subscribe')
  await pc.waitForURL(/\/checkout\/agr_/)
  t.same(await steady(() => pc.locator('.tabs a').allTextContents()), ['QR등록', '카톡등록'])
  await steady(() => pc.screenshot({ path: screenshotPath('demo-kakaopay-subscription') }))
  const order = (await state()).order
  await payOnPhone(t, browser, order.phoneUrl, '987654')
  await pc.waitForURL(`${base}/demo/orders/${order.id}`, { timeout: 5000 })
  await pc.waitForSelector('#agreement-state:has-text("ACTIVE")', { timeout: 8000 })
  await waitForState(pc, '결제 완료 · Paid')
  await pc.click('text=다음 달 결제')
  await pc.waitForSelector('#renewals .ok', { timeout: 8000 })
  const renewal = (await state()).order.renewals[0]
  t.match(renewal, { amount: 9_900, paid: true })
  t.match(await api(`/v1/payment-charges/${renewal.chargeId}`), {
    status: 'CAPTURED',
    initiator: 'MERCHANT',
    agreementId: order.agreementId,
  })
  await steady(() => pc.screenshot({ path: screenshotPath('demo-order-subscription'), fullPage: true }))
})

t.test('presenter mode: the shop, the phone and the live panel on one screen', async (t) => {
  const { base, browser, state } = await setup(t)
  const screen = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
  await screen.goto(`${base}/demo/presenter`)
  const shop = screen.frameLocator('#shop')
  await shop.locator('button[name="scenario"][value="approve"]').click()
  await screen.waitForSelector('#phone:not([hidden])', { timeout: 5000 })
  const order = (await state()).order
  t.equal(await screen.getAttribute('#phone', 'src'), order.phoneUrl, 'the phone frame shows the payment')
  const phone = screen.frameLocator('#phone')
  await phone.locator('.cta').click()
  for (const k of '246810'.slice(0, 6)) await phone.locator(`.keys button[data-key="${k}"]`).click()
  await screen.waitForSelector('#log li:has-text("PAYMENT_CHARGE_CAPTURE_SUCCEEDED")', { timeout: 8000 })
  t.match(await screen.textContent('#log'), /✓ signature verified · answered 200/)
  t.match(await screen.textContent('#log'), /POST \/v1\/payment-charges/)
  await shop.locator('#order-state:has-text("결제 완료")').waitFor({ timeout: 8000 })
  const size = await screen.evaluate(() => parseFloat(getComputedStyle(document.querySelector('#log')!).fontSize))
  t.ok(size >= 18, `the panel reads on a projector (${size}px)`)
  await screen.screenshot({ path: screenshotPath('demo-presenter') })

  await screen.click('text=새 주문 · New order')
  await shop.locator('button[name="scenario"][value="timeout"]').click()
  await shop.locator('.tabs').waitFor()
  await screen.click('#move-clock')
  await shop.locator('text=Payment expired').waitFor({ timeout: 8000 })
  t.equal(await shop.locator('#countdown').textContent(), '00:00', 'the timeout, moved from the presenter panel')
  await screen.waitForSelector('#log li:has-text("PAYMENT_CHARGE_DISCARDED")', { timeout: 8000 })
  await screen.screenshot({ path: screenshotPath('demo-presenter-timeout') })
})
