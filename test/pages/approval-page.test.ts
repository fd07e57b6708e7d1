import t from 'tap'
import { writeFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfigFiles } from '../../src/config-files.js'
import { APPROVAL_SCRIPT_SRC } from '../../src/http/pages/approval-script.js'
import { PHONE_PINS } from '../../src/http/pages/phone-page.js'
import { buildTestApp, kakaoPayChargeRequest, type TestApp } from '../helpers/app.js'

const RETURN_URL = 'https://www.webshop.com/order-results-page'

async function create(ctx: TestApp, overrides: Record<string, unknown> = {}) {
  const body = (await ctx.call({ method: 'POST', url: '/v1/payment-charges', payload: kakaoPayChargeRequest(overrides) })).json()
  return { id: body.id as string, path: `/checkout/${body.id}` }
}

const form = (ctx: TestApp, url: string, payload: string) =>
  ctx.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload })

const status = async (ctx: TestApp, id: string) => (await ctx.call({ method: 'GET', url: `/v1/payment-charges/${id}` })).json()

t.test('the PC page: merchant by display name, descriptor as item, both tabs, the phone URL in QR and link', async (t) => {
  const ctx = await buildTestApp(t, { merchants: { merch_test_A: { displayName: '카카오 스토어 <b>' } } })
  const { id, path } = await create(ctx)
  const res = await ctx.app.inject({ method: 'GET', url: path })
  t.equal(res.statusCode, 200)
  t.equal(
    res.headers['content-security-policy'],
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'self'; base-uri 'none'; script-src 'self'; connect-src 'self'",
  )
  const html = res.body
  t.match(html, /가맹점 · Merchant <strong>카카오 스토어 &lt;b&gt;<\/strong>/, 'the display name, escaped')
  t.match(html, /<div class="item" title="상품 · Item">Order description<\/div>/, 'the descriptor as the item')
  t.match(html, /<a href="\/checkout\/[^"]+" aria-current="page">QR결제<\/a>\n<a href="\/checkout\/[^"]+\?view=talk">카톡결제<\/a>/)
  t.match(html, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/, 'the QR code, inline SVG')
  t.match(html, new RegExp(`href="http://localhost:8080/checkout/${id}/phone" target="_blank"`), 'the phone URL on PUBLIC_BASE_URL')
  t.match(
    html,
    new RegExp(`<noscript><meta http-equiv="refresh" content="1;url=/checkout/${id}/wait\\?view=qr"></noscript>`),
    'without scripts, reloads through /wait',
  )
  t.match(html, new RegExp(`<script src="${APPROVAL_SCRIPT_SRC.replace(/[?.]/g, '\\$&')}" defer></script>`), 'with them, its script')
  t.match(
    html,
    new RegExp(`<main data-status="/checkout/${id}/status" data-wait="/checkout/${id}/wait\\?view=qr" data-remaining-ms="900000">`),
  )
  t.match(html, /<strong id="countdown">15:00<\/strong>/, 'the countdown from the deadline')
  t.match(html, /Apple SD Gothic Neo","Malgun Gothic","맑은 고딕","Noto Sans KR"/)
  t.notMatch(
    html,
    /<script>|<script [^>]*>[^<]|\son[a-z]+=|https:\/\/fonts|<link/i,
    'no inline script, no inline handler, nothing from outside',
  )
  ctx.clock.advance(61_500)
  t.match((await ctx.app.inject({ method: 'GET', url: path })).body, /<strong id="countdown">13:59<\/strong>/, 'rounded up to the second')
})

t.test('a merchant without a display name is named by its id; SANDBOX_CONFIG sets one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sandbox-config-'))
  const file = join(dir, 'sandbox.json')
  await writeFile(file, JSON.stringify({ merchants: { merch_test_A: { displayName: 'Seoul Coffee' } } }))
  const { merchants } = await loadConfigFiles({ sandboxConfigPath: file, seedDir: undefined })
  t.same(merchants, { merch_test_A: { displayName: 'Seoul Coffee' } })
  const named = await buildTestApp(t, { merchants })
  t.match((await named.app.inject({ method: 'GET', url: (await create(named)).path })).body, /<strong>Seoul Coffee<\/strong>/)
  const plain = await buildTestApp(t)
  t.match((await plain.app.inject({ method: 'GET', url: (await create(plain)).path })).body, /<strong>merch_test_A<\/strong>/)
  await writeFile(file, JSON.stringify({ merchants: { merch_test_A: { displayName: '' } } }))
  await t.rejects(loadConfigFiles({ sandboxConfigPath: file, seedDir: undefined }), /merchants\.merch_test_A\.displayName/)
})

t.test('카톡결제: invalid fields answer 400 with the reason and change nothing; valid ones show the waiting screen', async (t) => {
  const ctx = await buildTestApp(t)
  const { id, path } = await create(ctx)
  const talk = (await ctx.app.inject({ method: 'GET', url: `${path}?view=talk` })).body
  t.match(talk, /<input name="phone" type="text" inputmode="numeric" autocomplete="off" required pattern="0\[0-9\]\{9,10\}" maxlength="11"/)
  t.match(talk, /<input name="birth" type="text" inputmode="numeric" autocomplete="off" required pattern="\[0-9\]\{6\}" maxlength="6"/)
  t.match(talk, /<small class="hint">숫자만 입력<\/small>/)
  t.match(talk, /<button class="cta" type="submit">결제요청 · Request<\/button>/)
  t.notMatch(talk, /http-equiv="refresh"/, 'no reload while typing')
  const invalid: Array<[string, string]> = [
    ['phone=010-1234-5678&birth=900101', '숫자만 입력해주세요 · Digits only'],
    ['phone=12345678901&birth=900101', '휴대폰 번호를 확인해주세요'],
    ['phone=010123&birth=900101', '휴대폰 번호를 확인해주세요'],
    ['phone=01012345678&birth=9001', '생년월일 6자리를 입력해주세요'],
    ['phone=01012345678&birth=90o101', '숫자만 입력해주세요 · Digits only'],
    ['', '휴대폰 번호를 확인해주세요'],
  ]
  for (const [body, message] of invalid) {
    const res = await form(ctx, `${path}/talk`, body)
    t.equal(res.statusCode, 400, body)
    t.match(res.body, new RegExp(`<small class="hint error">${message}`), message)
  }
  const ok = await form(ctx, `${path}/talk`, 'phone=01098765432&birth=900101')
  t.equal(ok.statusCode, 303)
  t.equal(ok.headers.location, `/checkout/${id}?view=sent&to=5432`)
  const sent = (await ctx.app.inject({ method: 'GET', url: ok.headers.location! })).body
  t.match(sent, /카카오톡으로 결제 요청 메시지를 보냈어요/)
  t.match(sent, /010-\*\*\*\*-5432/)
  t.match(
    sent,
    new RegExp(
      `<a href="http://localhost:8080/checkout/${id}/phone" target="_blank" rel="noopener">http://localhost:8080/checkout/${id}/phone</a>`,
    ),
  )
  t.match(sent, new RegExp(`content="1;url=/checkout/${id}/wait\\?view=sent&amp;to=5432"`))
  t.equal((await status(ctx, id)).status, 'AUTHENTICATION_PENDING')
  const early = await ctx.app.inject({ method: 'GET', url: `${path}/wait?view=sent&to=5432&confirm=1` })
  t.equal(early.statusCode, 200, 'an early 확인 stays on the page')
  t.match(early.body, /<h2 id="dialog-title">결제가 진행 중이에요<\/h2>/)
})

t.test('/wait sends the consumer to the returnUrl once decided, and shows a timeout instead', async (t) => {
  const ctx = await buildTestApp(t, { config: { authTimeoutSeconds: 60 } })
  const { id, path } = await create(ctx)
  const waiting = await ctx.app.inject({ method: 'GET', url: `${path}/wait?view=qr` })
  t.equal(waiting.statusCode, 200)
  t.match(waiting.body, /aria-current="page">QR결제/)
  await ctx.call({ method: 'POST', url: `/sandbox/payment-charges/${id}/approve` })
  const gone = await ctx.app.inject({ method: 'GET', url: `${path}/wait?view=qr` })
  t.equal(gone.statusCode, 303)
  t.equal(gone.headers.location, RETURN_URL)

  const late = await create(ctx)
  ctx.clock.advance(60_000)
  const expired = await ctx.app.inject({ method: 'GET', url: `${late.path}/wait?view=sent` })
  t.equal(expired.statusCode, 200)
  t.match(expired.body, /시간 초과 · Payment expired[\s\S]*<strong id="countdown">00:00<\/strong>/)
  t.notMatch(expired.body, /http-equiv="refresh"/, 'stops reloading')
  t.equal((await status(ctx, late.id)).status, 'DISCARDED')
  t.equal((await ctx.app.inject({ method: 'GET', url: '/checkout/charge_zzzzzzzzzzzzzzzzzzzzz/wait' })).statusCode, 404)
})

t.test('the close dialog: 취소 goes back, 확인 posts cancel', async (t) => {
  const ctx = await buildTestApp(t)
  const { path } = await create(ctx)
  const html = (await ctx.app.inject({ method: 'GET', url: `${path}?view=close&from=talk` })).body
  t.match(html, /<h2 id="dialog-title">카카오페이 결제를 중단하시겠습니까\?<\/h2>/)
  t.match(html, new RegExp(`<a class="secondary" href="/checkout/[^"]+\\?view=talk" data-dismiss>취소</a>`))
  t.match(
    html,
    /<form method="post" action="http:\/\/localhost:8080\/checkout\/[^"]+" class="stop"><button class="primary" type="submit" name="action" value="cancel">확인<\/button><\/form>/,
  )
})

t.test('the phone page: the sheet, the password pad, and the documented PINs', async (t) => {
  const ctx = await buildTestApp(t)
  const { id, path } = await create(ctx, { amount: { value: 15_000, currency: 'KRW' } })
  const sheet = await ctx.app.inject({ method: 'GET', url: `${path}/phone` })
  t.equal(sheet.statusCode, 200)
  t.match(sheet.headers['content-security-policy'], /script-src 'self'$/)
  t.match(
    sheet.body,
    /<div class="merchant">merch_test_A<\/div>\n<div class="item">Order description<\/div>\n<div class="total">15,000원<\/div>/,
  )
  t.match(sheet.body, /카카오페이머니[\s\S]*KakaoPay Money[\s\S]*카카오뱅크 체크카드/)
  t.match(sheet.body, /<button class="cta" type="submit">결제하기 · Pay<\/button>/)
  t.notMatch(sheet.body, /<script/, 'the sheet needs no script')
  const pad = (await ctx.app.inject({ method: 'GET', url: `${path}/phone?step=pin&method=card` })).body
  t.match(pad, /<script src="\/checkout\/assets\/phone.js" defer><\/script>/)
  t.match(pad, /카카오뱅크 체크카드로 15,000원 결제/)
  t.match(pad, /<input name="pin" type="password" inputmode="numeric"/)
  const script = await ctx.app.inject({ method: 'GET', url: '/checkout/assets/phone.js' })
  t.equal(script.statusCode, 200)
  t.match(script.headers['content-type'], /^text\/javascript/)
  t.match(script.body, /form\.submit\(\)/)

  const bad = await form(ctx, `${path}/phone`, 'pin=12345&method=money')
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /비밀번호 6자리를 입력해주세요/)
  t.equal((await status(ctx, id)).status, 'AUTHENTICATION_PENDING', 'a short PIN changes nothing')

  t.same(PHONE_PINS, { decline: '111111', cancel: '000000' })
  const cases = [
    ['482913', { status: 'CAPTURED' }],
    [PHONE_PINS.decline, { status: 'FAILED', failure: { failureCode: 'AUTHENTICATION_FAILED' } }],
    [PHONE_PINS.cancel, { status: 'FAILED', failure: { failureCode: 'CANCELED_BY_CONSUMER' } }],
  ] as const
  for (const [pin, expected] of cases) {
    const c = await create(ctx)
    const res = await form(ctx, `${c.path}/phone`, `pin=${pin}&method=money`)
    t.equal(res.statusCode, 303, pin)
    t.equal(res.headers.location, `/checkout/${c.id}/phone`, 'the phone stays on its page')
    t.match(await status(ctx, c.id), expected, `PIN ${pin}`)
  }
  const strip = await create(ctx)
  t.equal((await form(ctx, `${strip.path}/phone`, 'action=decline')).statusCode, 303)
  t.match(await status(ctx, strip.id), { status: 'FAILED', failure: { failureCode: 'AUTHENTICATION_FAILED' } }, 'the phone strip')
  const done = (await ctx.app.inject({ method: 'GET', url: `${strip.path}/phone` })).body
  t.match(done, /결제 실패 · Payment failed/)
  t.notMatch(done, /<form/, 'nothing left to decide')
})

t.test('everything the merchant sent is escaped on the phone page too', async (t) => {
  const ctx = await buildTestApp(t, { merchants: { merch_test_A: { displayName: '<img src=x onerror=alert(3)>' } } })
  const { path } = await create(ctx, { paymentDescriptor: '<script>alert(1)</script>' })
  for (const url of [`${path}/phone`, `${path}/phone?step=pin`, `${path}?view=talk`, `${path}?view=close`]) {
    const html = (await ctx.app.inject({ method: 'GET', url })).body
    t.notMatch(html, /<script>alert|<img/, url)
    t.match(html, /&lt;img src=x onerror=alert\(3\)&gt;/, `${url}: the merchant name`)
    if (!url.includes('step=pin')) t.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, `${url}: the item`)
  }
})

t.test('an agreement: QR등록 / 카톡등록, and its phone page registers', async (t) => {
  const ctx = await buildTestApp(t)
  const agreement = await ctx.createAgreement({
    description: 'Coffee subscription',
    frequency: { type: 'MONTHLY' },
    amount: { value: 9900, currency: 'KRW' },
    amountType: 'EXACT',
    consumer: { name: 'Kim Minji', country: 'KR' },
  })
  const html = (await ctx.app.inject({ method: 'GET', url: `/checkout/${agreement.id}` })).body
  t.match(html, />QR등록<\/a>\n<a [^>]+>카톡등록<\/a>/)
  t.match(html, /Coffee subscription[\s\S]*9,900원/)
  const talk = (await ctx.app.inject({ method: 'GET', url: `/checkout/${agreement.id}?view=talk` })).body
  t.match(talk, /등록요청 · Request/)
  t.match((await ctx.app.inject({ method: 'GET', url: `/checkout/${agreement.id}/phone` })).body, /등록하기 · Register/)
  const res = await form(ctx, `/checkout/${agreement.id}/phone`, 'pin=246802')
  t.equal(res.statusCode, 303)
  t.equal((await ctx.call({ method: 'GET', url: `/v1/payment-agreements/${agreement.id}` })).json().status, 'ACTIVE')
  const wait = await ctx.app.inject({ method: 'GET', url: `/checkout/${agreement.id}/wait` })
  t.equal(wait.headers.location, 'https://shop.example/subscribed')
})

t.test('GET /checkout/{id}/status: the page state as JSON', async (t) => {
  const ctx = await buildTestApp(t, { config: { authTimeoutSeconds: 900 } })
  const { id, path } = await create(ctx)
  ctx.clock.advance(100_000)
  const pending = await ctx.app.inject({ method: 'GET', url: `${path}/status` })
  t.equal(pending.headers['cache-control'], 'no-store')
  t.same(pending.json(), {
    id,
    status: 'AUTHENTICATION_PENDING',
    pending: true,
    remainingSeconds: 800,
    remainingMs: 800_000,
    phoneUrl: `http://localhost:8080/checkout/${id}/phone`,
    redirect: null,
  })
  await form(ctx, path, 'action=cancel')
  t.same((await ctx.app.inject({ method: 'GET', url: `${path}/status` })).json(), {
    id,
    status: 'FAILED',
    pending: false,
    remainingSeconds: 0,
    remainingMs: 0,
    phoneUrl: null,
    redirect: RETURN_URL,
  })
  const unknown = await ctx.app.inject({ method: 'GET', url: '/checkout/charge_zzzzzzzzzzzzzzzzzzzzz/status' })
  t.equal(unknown.statusCode, 404)
  t.same(unknown.json(), { message: 'unknown payment page' })
})
