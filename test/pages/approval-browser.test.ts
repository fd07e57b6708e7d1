/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import t, { type Test } from 'tap'
import { existsSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { buildApp } from '../../src/app.js'
import { AUTH, seedCharge } from '../helpers/app.js'
import { CHROMIUM, decodeQr, launchChromium, PC, PHONE, clickUntil, screenshotPath, steady } from '../helpers/chromium.js'
import { freePort, listen } from '../helpers/net.js'

/** The sandbox on a real port (the browser and the phone reach it), a shop for the returnUrl, one browser. */
async function setup(t: Test) {
  t.ok(existsSync(CHROMIUM), `chromium at ${CHROMIUM}`)
  const shop = await listen((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<h1 id="done">Back at the shop: ${req.url}</h1>`)
  })
  t.teardown(shop.close)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const app = await buildApp({
    config: { port, publicBaseUrl: base, authTimeoutSeconds: 900 },
    merchants: { merch_test_A: { displayName: '카카오프렌즈 스토어' } },
    logger: false,
  })
  t.teardown(() => app.close())
  await app.listen({ port, host: '127.0.0.1' })
  const browser = await launchChromium()
  t.teardown(() => browser.close())
  const api = async (method: string, url: string, payload?: unknown) =>
    (
      await app.inject({ method: method as 'GET', url, headers: AUTH, ...(payload === undefined ? {} : { payload: payload as object }) })
    ).json()
  const create = async (overrides: Record<string, unknown> = {}) => {
    const charge = await api(
      'POST',
      '/v1/payment-charges',
      seedCharge({
        paymentDescriptor: '라이언 머그컵 외 1건',
        amount: { value: 41_000, currency: 'KRW' },
        authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: `${shop.url}/return` } }],
        ...overrides,
      }),
    )
    return { id: charge.id as string, requestUrl: charge.authenticationMethods[0].details.requestUrl as string }
  }
  return { app, base, shop, browser, api, create }
}

const noSideScroll = (page: Page) =>
  page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }))

t.test('QR결제: the QR decodes to the phone URL; a PIN on the phone sends the PC page to the returnUrl, no click', async (t) => {
  const { base, shop, browser, api, create } = await setup(t)
  const { id, requestUrl } = await create()
  const pc = await browser.newPage(PC)
  await pc.goto(requestUrl)
  t.same(await steady(() => pc.locator('.tabs a').allTextContents()), ['QR결제', '카톡결제'], 'both tabs')
  t.equal(await steady(() => pc.locator('.tabs a[aria-current="page"]').textContent()), 'QR결제', 'QR결제 is open')
  const body = await steady(() => pc.textContent('body'))
  for (const text of [
    '휴대폰으로 스캔하면 결제 화면으로 이동합니다',
    '스마트폰 카메라 및 모든 QR스캐너로 가능',
    '41,000원',
    '라이언 머그컵 외 1건',
    '카카오프렌즈 스토어',
    'SANDBOX',
  ]) {
    t.ok(body?.includes(text), `shows ${text}`)
  }
  const phoneUrl = `${base}/checkout/${id}/phone`
  t.equal(decodeQr(await steady(() => pc.locator('.qr').screenshot())), phoneUrl, 'the QR code decodes to the phone approval URL')
  await steady(() => pc.screenshot({ path: screenshotPath('approval-pc-qr') }))

  const phone = await browser.newPage(PHONE)
  await phone.goto(phoneUrl)
  const font = await phone.evaluate(() => getComputedStyle(document.body).fontFamily)
  t.match(font, /Apple SD Gothic Neo.*Malgun Gothic.*Noto Sans KR/, 'the font stack names the system fonts')
  const sheet = await phone.textContent('body')
  for (const text of ['카카오프렌즈 스토어', '라이언 머그컵 외 1건', '41,000원', '카카오페이머니', '결제하기'])
    t.ok(sheet?.includes(text), `sheet shows ${text}`)
  const layout = await noSideScroll(phone)
  t.ok(layout.scroll <= layout.client, `no sideways scroll at 390 px (${layout.scroll} <= ${layout.client})`)
  for (const h of await phone.locator('button').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect().height))) {
    t.ok(h >= 44, `phone button ${h}px tall`)
  }
  await phone.screenshot({ path: screenshotPath('phone-sheet'), fullPage: true })
  await phone.click('text=결제하기')
  await phone.waitForSelector('.keys button[data-key="1"]', { state: 'visible' })
  t.notOk(await phone.locator('.typed').isVisible(), 'the keypad replaces the typed field when scripts run')
  for (const k of '48213') await phone.click(`.keys button[data-key="${k}"]`)
  t.equal(await phone.locator('.dots i.on').count(), 5, 'five dots filled')
  await phone.screenshot({ path: screenshotPath('phone-pin'), fullPage: true })
  t.equal((await api('GET', `/v1/payment-charges/${id}`)).status, 'AUTHENTICATION_PENDING', 'nothing decided before the sixth digit')
  await Promise.all([phone.waitForURL(phoneUrl), phone.click('.keys button[data-key="7"]')])
  t.match(await phone.textContent('.result'), /결제 완료 · Payment approved/)
  await phone.screenshot({ path: screenshotPath('phone-done'), fullPage: true })

  await pc.waitForURL(`${shop.url}/return`, { timeout: 5000 })
  t.equal(await steady(() => pc.textContent('#done')), 'Back at the shop: /return', 'the PC page went to the returnUrl by itself')
  t.equal((await api('GET', `/v1/payment-charges/${id}`)).status, 'CAPTURED')
})

t.test('카톡결제: 결제요청 stays disabled until both fields are valid; an early 확인 says the payment is in progress', async (t) => {
  const { base, browser, api, create } = await setup(t)
  const { id, requestUrl } = await create()
  const pc = await browser.newPage(PC)
  await pc.goto(requestUrl)
  await clickUntil(pc, '.tabs >> text=카톡결제', (timeout) => pc.waitForURL(/view=talk/, { timeout }))
  // This screen does not reload (someone is typing), so the page can be measured.
  const targets = await pc
    .locator('.card a, .card button')
    .evaluateAll((els) => els.map((el) => [el.textContent?.trim(), el.getBoundingClientRect().height] as const))
  t.ok(targets.length >= 7, 'tabs, close, 결제요청 and the three strip buttons')
  for (const [label, h] of targets) t.ok(h >= 44, `${label}: ${h}px tall`)
  const request = pc.locator('form.talk button')
  const clickable = () => request.evaluate((b) => getComputedStyle(b).pointerEvents !== 'none')
  const hint = (name: string) => pc.locator(`input[name="${name}"] + .hint`)
  t.equal(await request.textContent(), '결제요청 · Request')
  t.notOk(await clickable(), 'disabled while empty')
  t.equal(await hint('phone').textContent(), '숫자만 입력')
  await pc.fill('input[name="phone"]', '010-1234')
  t.equal(await hint('phone').evaluate((e) => getComputedStyle(e).color), 'rgb(224, 50, 60)', '숫자만 입력 turns red on a non-digit')
  await pc.fill('input[name="phone"]', '01012345678')
  t.notOk(await clickable(), 'still disabled without a birth date')
  await pc.fill('input[name="birth"]', '9001')
  t.notOk(await clickable(), 'still disabled with 4 birth digits')
  await steady(() => pc.screenshot({ path: screenshotPath('approval-pc-talk') }))
  await pc.fill('input[name="birth"]', '900101')
  t.ok(await clickable(), 'enabled once both are valid')
  await request.click()
  await pc.waitForURL(/view=sent/)
  const waiting = await steady(() => pc.textContent('main'))
  t.ok(waiting?.includes('카카오톡으로 결제 요청 메시지를 보냈어요'), 'the waiting screen')
  t.ok(waiting?.includes('010-****-5678'), 'the masked number')
  t.equal(
    await steady(() => pc.getAttribute('.message a', 'href')),
    `${base}/checkout/${id}/phone`,
    'the phone URL, openable on this device',
  )
  await steady(() => pc.screenshot({ path: screenshotPath('approval-pc-sent') }))
  await clickUntil(pc, 'text=확인 · Done', (timeout) => pc.waitForSelector('[role="dialog"]', { timeout }))
  t.equal(await steady(() => pc.textContent('#dialog-title')), '결제가 진행 중이에요')
  await steady(() => pc.screenshot({ path: screenshotPath('approval-pc-in-progress') }))
  await pc.click('[role="dialog"] >> text=확인')
  await pc.waitForSelector('[role="dialog"]', { state: 'detached' })
  t.equal((await api('GET', `/v1/payment-charges/${id}`)).status, 'AUTHENTICATION_PENDING', 'nothing decided')
})

t.test('the countdown runs on the sandbox clock: a clock move brings it to zero and the charge is DISCARDED', async (t) => {
  const { browser, api, create } = await setup(t)
  const { id, requestUrl } = await create()
  const pc = await browser.newPage(PC)
  await pc.goto(requestUrl)
  t.match(await steady(() => pc.textContent('#countdown')), /^1[45]:\d\d$/, 'fifteen minutes to go')
  t.match(await api('POST', '/sandbox/clock', { advanceSeconds: 900 }), { offsetSeconds: 900 }, 'the sandbox clock moved 15 minutes')
  await pc.waitForSelector('text=Payment expired', { timeout: 5000 })
  t.equal(await steady(() => pc.textContent('#countdown')), '00:00')
  t.match(await steady(() => pc.textContent('main')), /결제 시간이 초과되었습니다/)
  await steady(() => pc.screenshot({ path: screenshotPath('approval-pc-timeout') }))
  const charge = await api('GET', `/v1/payment-charges/${id}`)
  t.match(charge, { status: 'DISCARDED', discards: [{ type: 'AUTHENTICATION_TIMEOUT' }] })
})

t.test('closing asks first: 취소 keeps the payment, 확인 cancels it as the consumer and returns to the shop', async (t) => {
  const { shop, browser, api, create } = await setup(t)
  const { id, requestUrl } = await create()
  const pc = await browser.newPage(PC)
  await pc.goto(requestUrl)
  await clickUntil(pc, 'a.x', (timeout) => pc.waitForSelector('[role="dialog"]', { timeout }))
  t.equal(await steady(() => pc.textContent('#dialog-title')), '카카오페이 결제를 중단하시겠습니까?')
  await steady(() => pc.screenshot({ path: screenshotPath('approval-pc-close') }))
  await pc.click('[role="dialog"] >> text=취소')
  await pc.waitForSelector('[role="dialog"]', { state: 'detached' })
  t.equal((await api('GET', `/v1/payment-charges/${id}`)).status, 'AUTHENTICATION_PENDING', '취소 changes nothing')
  await clickUntil(pc, 'a.x', (timeout) => pc.waitForSelector('[role="dialog"]', { timeout }))
  await Promise.all([pc.waitForURL(`${shop.url}/return`), pc.click('[role="dialog"] >> text=확인')])
  t.match(await api('GET', `/v1/payment-charges/${id}`), { status: 'FAILED', failure: { failureCode: 'CANCELED_BY_CONSUMER' } })
})

t.test('without JavaScript: the phone takes a typed PIN, the PC page still follows, and the form contract holds', async (t) => {
  const { shop, browser, api, create } = await setup(t)
  const context = await browser.newContext({ ...PHONE, javaScriptEnabled: false })
  const phone = await context.newPage()
  const { id, requestUrl } = await create()
  const pc = await (await browser.newContext({ ...PC, javaScriptEnabled: false })).newPage()
  await pc.goto(requestUrl)
  await phone.goto(`${requestUrl}/phone?step=pin&method=card`)
  t.ok(await phone.locator('.typed input').isVisible(), 'a plain password field')
  t.match(await phone.textContent('.with'), /카카오뱅크 체크카드/, 'the chosen card')
  await phone.fill('.typed input', '111111')
  await phone.click('.typed button')
  await phone.waitForSelector('.result')
  t.match(await phone.textContent('.result'), /결제 실패/, `PIN 111111 declines`)
  await pc.waitForURL(`${shop.url}/return`, { timeout: 5000 })
  t.match(await api('GET', `/v1/payment-charges/${id}`), { status: 'FAILED', failure: { failureCode: 'AUTHENTICATION_FAILED' } })

  const second = await create()
  await pc.goto(second.requestUrl)
  await clickUntil(pc, 'button[value="approve"]', (timeout) => pc.waitForURL(`${shop.url}/return`, { timeout }))
  t.equal((await api('GET', `/v1/payment-charges/${second.id}`)).status, 'CAPTURED', 'the sandbox strip approves')
  await context.close()
})
