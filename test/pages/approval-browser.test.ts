/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import t, { type Test } from 'tap'
import { existsSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { buildApp } from '../../src/app.js'
import { AUTH, kakaoPayChargeRequest } from '../helpers/app.js'
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
      kakaoPayChargeRequest({
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

/**
 * The documents a page loaded, in order (its main frame's navigations): a page that follows its
 * payment by script loads nothing between its own URL and the returnUrl. Also the status streams it opened.
 */
function watch(page: Page) {
  const loads: string[] = []
  const streams: string[] = []
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) loads.push(r.method() === 'GET' ? r.url() : `${r.method()} ${r.url()}`)
    if (r.resourceType() === 'eventsource') streams.push(new URL(r.url()).pathname)
  })
  return { loads, streams }
}

const noSideScroll = (page: Page) =>
  page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }))

t.test('QR결제: the QR decodes to the phone URL; a PIN on the phone sends the PC page to the returnUrl, no click', async (t) => {
  const { base, shop, browser, api, create } = await setup(t)
  const { id, requestUrl } = await create()
  const pc = await browser.newPage(PC)
  const seen = watch(pc)
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
  t.same(seen.loads, [requestUrl, `${shop.url}/return`], 'no click and no reload: straight from the page to the returnUrl')
  t.same(seen.streams, [`/checkout/${id}/status`], 'it followed the status stream')
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
  const hint = (name: string) => pc.locator(`input[name="${name}"] + .hint`)
  const red = (name: string) => hint(name).evaluate((e) => getComputedStyle(e).color === 'rgb(224, 50, 60)')
  t.equal(await request.textContent(), '결제요청 · Request')
  t.ok(await request.isDisabled(), 'disabled (the attribute) while empty')
  t.equal(await hint('phone').textContent(), '숫자만 입력')
  t.notOk(await red('phone'))
  await pc.fill('input[name="phone"]', '010-1234')
  t.ok(await red('phone'), '숫자만 입력 turns red on a non-digit')
  t.equal(await pc.getAttribute('input[name="phone"]', 'aria-invalid'), 'true')
  t.equal(await hint('phone').textContent(), '숫자만 입력')
  await pc.fill('input[name="phone"]', '01012345678')
  t.notOk(await red('phone'), 'digits only: the hint is plain again')
  t.ok(await request.isDisabled(), 'still disabled without a birth date')
  await pc.fill('input[name="birth"]', '9001')
  t.ok(await request.isDisabled(), 'still disabled with 4 birth digits')
  t.notOk(await red('birth'), 'four digits are digits: the hint stays plain')
  await pc.press('input[name="birth"]', 'Enter')
  t.match(pc.url(), /view=talk$/, 'Enter does not send it either')
  await steady(() => pc.screenshot({ path: screenshotPath('approval-pc-talk') }))
  await pc.fill('input[name="birth"]', '900101')
  t.notOk(await request.isDisabled(), 'enabled once both are valid')
  await steady(() => pc.screenshot({ path: screenshotPath('approval-pc-talk-valid') }))
  await pc.fill('input[name="phone"]', '0101234567x')
  t.ok(await request.isDisabled(), 'disabled again when one turns invalid')
  await pc.fill('input[name="phone"]', '01012345678')
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
  const seen = watch(pc)
  await pc.click('text=확인 · Done')
  await pc.waitForSelector('[role="dialog"]', { timeout: 5000 })
  t.equal(await pc.textContent('#dialog-title'), '결제가 진행 중이에요')
  await pc.screenshot({ path: screenshotPath('approval-pc-in-progress') })
  t.same(seen.loads, [], 'shown in place, without loading a page')
  await pc.click('[role="dialog"] >> text=확인')
  await pc.waitForSelector('[role="dialog"]', { state: 'detached' })
  t.equal((await api('GET', `/v1/payment-charges/${id}`)).status, 'AUTHENTICATION_PENDING', 'nothing decided')
  t.same(seen.loads, [], 'and closed in place')

  // Without scripts, the same 확인 reaches the same dialog through /wait.
  const plain = await (await browser.newContext({ ...PC, javaScriptEnabled: false })).newPage()
  await plain.goto(`${requestUrl}?view=sent&to=5678`)
  t.notOk(await plain.locator('[role="dialog"]').count(), 'no dialog yet')
  await clickUntil(plain, 'text=확인 · Done', (timeout) => plain.waitForSelector('[role="dialog"]', { timeout }))
  t.equal(await steady(() => plain.textContent('#dialog-title')), '결제가 진행 중이에요', 'without JavaScript too')
  t.match(plain.url(), /\/wait\?view=sent&to=5678&confirm=1$/)
  await steady(() => plain.screenshot({ path: screenshotPath('approval-pc-in-progress-nojs') }))
  await plain.context().close()
})

t.test('the countdown runs on the sandbox clock: a clock move brings it to zero and the charge is DISCARDED', async (t) => {
  const { browser, api, create } = await setup(t)
  const { id, requestUrl } = await create()
  const pc = await browser.newPage(PC)
  const seen = watch(pc)
  await pc.goto(requestUrl)
  const first = await pc.textContent('#countdown')
  t.match(first, /^1[45]:\d\d$/, 'fifteen minutes to go')
  await pc.waitForFunction((was) => document.getElementById('countdown')!.textContent !== was, first, { timeout: 3000 })
  t.pass('it counts down by itself')
  t.match(await api('POST', '/sandbox/clock', { advanceSeconds: 600 }), { offsetSeconds: 600 }, 'the sandbox clock moved 10 minutes')
  await pc.waitForFunction(() => /^0[45]:\d\d$/.test(document.getElementById('countdown')!.textContent!), undefined, { timeout: 3000 })
  t.pass('the countdown follows the clock move: under five minutes left')
  t.same(seen.loads, [requestUrl], 'without a reload')
  await pc.screenshot({ path: screenshotPath('approval-pc-countdown-moved') })
  t.match(await api('POST', '/sandbox/clock', { advanceSeconds: 300 }), { offsetSeconds: 900 }, 'and 5 more: the deadline')
  await pc.waitForSelector('text=Payment expired', { timeout: 5000 })
  t.same(seen.loads, [requestUrl, `${requestUrl}/wait?view=qr`], 'at zero, the timeout page')
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
  const seen = watch(pc)
  await pc.goto(requestUrl)
  await pc.click('a.x')
  await pc.waitForSelector('[role="dialog"]', { timeout: 5000 })
  t.equal(await pc.textContent('#dialog-title'), '카카오페이 결제를 중단하시겠습니까?')
  await pc.screenshot({ path: screenshotPath('approval-pc-close') })
  t.equal(await pc.evaluate(() => document.activeElement?.textContent), '취소', 'the focus is on the choice that changes nothing')
  await pc.keyboard.press('Escape')
  await pc.waitForSelector('[role="dialog"]', { state: 'detached' })
  t.pass('Escape closes it')
  await pc.click('a.x')
  await pc.waitForSelector('[role="dialog"]', { timeout: 5000 })
  await pc.click('[role="dialog"] >> text=취소')
  await pc.waitForSelector('[role="dialog"]', { state: 'detached' })
  t.equal((await api('GET', `/v1/payment-charges/${id}`)).status, 'AUTHENTICATION_PENDING', '취소 changes nothing')
  t.same(seen.loads, [requestUrl], 'asked and dismissed in place')
  await pc.click('a.x')
  await Promise.all([pc.waitForURL(`${shop.url}/return`), pc.click('[role="dialog"] >> text=확인')])
  t.match(await api('GET', `/v1/payment-charges/${id}`), { status: 'FAILED', failure: { failureCode: 'CANCELED_BY_CONSUMER' } })
  t.same(seen.loads, [requestUrl, `POST ${requestUrl}`, `${shop.url}/return`], 'the cancel is the plain form post: 303 to the returnUrl')

  // Without scripts: × opens the dialog as a page of its own, 확인 posts the same cancel.
  const second = await create()
  const plain = await (await browser.newContext({ ...PC, javaScriptEnabled: false })).newPage()
  await plain.goto(second.requestUrl)
  await clickUntil(plain, 'a.x', (timeout) => plain.waitForSelector('[role="dialog"]', { timeout }))
  t.match(plain.url(), /\?view=close&from=qr$/)
  await Promise.all([plain.waitForURL(`${shop.url}/return`), plain.click('[role="dialog"] >> text=확인')])
  t.match(await api('GET', `/v1/payment-charges/${second.id}`), { status: 'FAILED', failure: { failureCode: 'CANCELED_BY_CONSUMER' } })
  await plain.context().close()
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

t.test('QR등록: the registration page follows the phone too, and leaves for the returnUrl without a reload', async (t) => {
  const { shop, browser, api } = await setup(t)
  const agreement = await api('POST', '/v1/payment-agreements', {
    paymentMethod: 'KAKAOPAY',
    description: '커피 정기구독',
    frequency: { type: 'MONTHLY' },
    amount: { value: 9900, currency: 'KRW' },
    amountType: 'EXACT',
    consumer: { country: 'KR' },
    authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: `${shop.url}/subscribed` } }],
  })
  const requestUrl = agreement.authenticationMethods[0].details.requestUrl as string
  const pc = await browser.newPage(PC)
  const seen = watch(pc)
  await pc.goto(requestUrl)
  t.same(await pc.locator('.tabs a').allTextContents(), ['QR등록', '카톡등록'])
  const phone = await browser.newPage(PHONE)
  await phone.goto(`${requestUrl}/phone?step=pin`)
  for (const k of '135790') await phone.click(`.keys button[data-key="${k}"]`)
  await pc.waitForURL(`${shop.url}/subscribed`, { timeout: 5000 })
  t.same(seen.loads, [requestUrl, `${shop.url}/subscribed`], 'straight to the returnUrl')
  t.same(seen.streams, [`/checkout/${agreement.id}/status`])
  t.equal((await api('GET', `/v1/payment-agreements/${agreement.id}`)).status, 'ACTIVE')
})
