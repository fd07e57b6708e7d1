import type { ConsumerOutcome } from '../../domain/charge.js'
import type { ApprovalView } from './approval-views.js'
import { escapeHtml, FONT_STACK, formatCountdown, htmlDocument } from './html.js'

/**
 * The phone's 6-digit KakaoPay password. Any six digits approve, except these two, so a presenter can
 * show every outcome from the phone alone (documented in docs/demo.md).
 */
export const PHONE_PINS = { decline: '111111', cancel: '000000' } as const

/** What a password entered on the phone decides. */
export function pinOutcome(pin: string): ConsumerOutcome {
  if (pin === PHONE_PINS.decline) return { action: 'decline', failureCode: 'AUTHENTICATION_FAILED' }
  if (pin === PHONE_PINS.cancel) return { action: 'cancel' }
  return { action: 'approve' }
}

/** The two ways to pay in the KakaoPay sheet; the choice is shown, PPRO's API does not carry it. */
export const PAY_METHODS = {
  money: { ko: '카카오페이머니', en: 'KakaoPay Money', detail: '잔액 1,000,000원 · sandbox balance' },
  card: { ko: '카카오뱅크 체크카드', en: 'Card', detail: '**** 1234' },
} as const
export type PayMethod = keyof typeof PAY_METHODS

export type PhoneScreen = { step: 'sheet'; method: PayMethod } | { step: 'pin'; method: PayMethod; error?: string }

/** The phone page's only script: the password pad. Served as a file (CSP `script-src 'self'`). */
export const PHONE_SCRIPT_PATH = '/checkout/assets/phone.js'

export const PHONE_SCRIPT = `'use strict';
(function () {
  var form = document.querySelector('form.pin');
  if (!form) return;
  document.documentElement.className += ' js';
  var input = form.querySelector('input[name="pin"]');
  var dots = form.querySelectorAll('.dots i');
  var sent = false;
  function draw() {
    for (var i = 0; i < dots.length; i++) dots[i].className = i < input.value.length ? 'on' : '';
  }
  form.addEventListener('click', function (e) {
    var key = e.target.closest ? e.target.closest('button[data-key]') : null;
    if (!key || sent) return;
    e.preventDefault();
    var k = key.getAttribute('data-key');
    if (k === 'del') input.value = input.value.slice(0, -1);
    else if (input.value.length < 6) input.value += k;
    draw();
    if (input.value.length === 6) {
      sent = true;
      form.className += ' sending';
      form.submit();
    }
  });
  draw();
})();
`

const STYLE = (bg: string, fg: string) => `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font-family:${FONT_STACK};background:#abc1d1;color:#191919;line-height:1.4;min-height:100vh}
a{color:inherit}
.talk{background:#9bb1c2;color:#191919;padding:12px 16px;font-weight:700;font-size:15px;display:flex;align-items:center;gap:8px}
.talk small{margin-left:auto;font-size:11px;font-weight:800;background:#191919;color:${bg};padding:3px 8px;border-radius:999px}
.sheet{background:#fff;margin:12px 10px;border-radius:16px;overflow:hidden;box-shadow:0 2px 10px rgba(0,0,0,.12)}
.brand{background:${bg};color:${fg};padding:12px 16px;font-weight:800;font-size:20px;letter-spacing:-.5px}
.body{padding:16px}
.merchant{font-size:14px;color:#6b6b6b}
.item{font-size:16px;font-weight:700;overflow-wrap:anywhere;margin:2px 0 6px}
.total{font-size:30px;font-weight:800;letter-spacing:-.5px;margin:0 0 14px}
.en{display:block;font-size:12px;color:#8a8a8a;font-weight:400}
fieldset{border:0;margin:0 0 14px;padding:0}
legend{font-size:14px;font-weight:700;margin-bottom:8px}
.method{display:flex;align-items:center;gap:10px;border:1px solid #e0e0e0;border-radius:12px;padding:10px 12px;margin-bottom:8px;min-height:56px}
.method input{width:22px;height:22px;accent-color:#191919;flex:0 0 auto}
.method b{display:block;font-size:15px}
.cta{display:flex;align-items:center;justify-content:center;width:100%;min-height:54px;border-radius:12px;border:0;font-size:18px;font-weight:800;cursor:pointer;text-decoration:none;font-family:inherit;background:${bg};color:${fg}}
.timer{text-align:center;font-size:13px;color:#6b6b6b;margin:10px 0 0}
.pin h2{font-size:18px;text-align:center;margin:4px 0 2px}
.pin .with{text-align:center;font-size:13px;color:#6b6b6b;margin:0 0 16px}
.dots{display:none;justify-content:center;gap:12px;margin:0 0 18px}
.dots i{width:16px;height:16px;border-radius:50%;background:#e3e3e3;display:block}
.dots i.on{background:#191919}
.keys{display:none;grid-template-columns:repeat(3,1fr);gap:6px}
.keys button{min-height:56px;border:0;border-radius:12px;background:#f4f4f4;font-size:22px;font-weight:700;font-family:inherit;color:#191919;cursor:pointer}
.keys span{display:block}
.typed{display:block}
.typed input{width:100%;min-height:52px;font-size:22px;letter-spacing:8px;text-align:center;border:1px solid #d6d6d6;border-radius:12px;margin:0 0 10px;font-family:inherit}
.js .dots,.js .keys{display:flex}
.js .keys{display:grid}
.js .typed{display:none}
.sending .keys{opacity:.4}
.error{color:#e0323c;font-weight:700;text-align:center;font-size:14px;margin:0 0 10px}
.result{text-align:center;padding:28px 16px}
.result .mark{font-size:44px;line-height:1}
.result strong{display:block;font-size:20px;margin:8px 0 4px}
.result p{margin:0;color:#555;font-size:14px}
.strip{margin:12px 10px 16px;border:2px dashed #6e6200;border-radius:14px;padding:10px 12px 12px;background:#fffbe0}
.strip p{margin:0 0 8px;font-size:12px;color:#5c5400}
.strip p b{background:#191919;color:${bg};border-radius:4px;padding:1px 6px;margin-right:6px;font-size:11px}
.strip form{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:8px}
.strip button{display:flex;align-items:center;justify-content:center;min-height:48px;border-radius:10px;border:0;font-size:15px;font-weight:700;cursor:pointer;font-family:inherit;padding:4px}
.approve{background:${bg};color:${fg};box-shadow:inset 0 0 0 1px rgba(0,0,0,.15)}
.decline{background:#fff;color:#191919;border:1px solid #d6d6d6}
.cancel{background:#ececec;color:#555}
footer{padding:0 16px 20px;color:#53687a;font-size:12px;text-align:center}
`

const bi = (ko: string, en: string) => `${escapeHtml(ko)}<span class="en">${escapeHtml(en)}</span>`

function strip(action: string): string {
  return `<section class="strip" aria-label="Sandbox controls">
<p><b>SANDBOX</b>비밀번호 · PIN: 아무 6자리 approve · ${PHONE_PINS.decline} fail · ${PHONE_PINS.cancel} cancel</p>
<form method="post" action="${escapeHtml(action)}">
<button class="approve" type="submit" name="action" value="approve">승인 · Approve</button>
<button class="decline" type="submit" name="action" value="decline">실패 · Fail</button>
<button class="cancel" type="submit" name="action" value="cancel">취소 · Cancel</button>
</form>
</section>`
}

/**
 * The phone approval page: where the "KakaoTalk message" of a charge lands (the QR code's target).
 * A KakaoTalk-style payment sheet, then the 6-digit password; once decided, the outcome.
 */
export function renderPhonePage(v: ApprovalView, screen: PhoneScreen): string {
  const base = `/checkout/${encodeURIComponent(v.id)}/phone`
  const agreement = v.subject === 'agreement'
  const pay = agreement ? '등록하기' : '결제하기'
  let body: string
  let head = ''
  const header = `<div class="talk">카카오톡 · KakaoTalk<small>SANDBOX</small></div>`
  const summary = `<div class="merchant">${escapeHtml(v.merchant)}</div>
<div class="item">${escapeHtml(v.item)}</div>
<div class="total">${escapeHtml(v.amount)}</div>`
  if (!v.pending) {
    const o = v.outcome!
    const mark = o.tone === 'success' ? '✔' : o.tone === 'failure' ? '✕' : '—'
    body = `${header}
<div class="sheet"><div class="brand">${escapeHtml(v.methodName.toLowerCase())}</div>
<div class="result" role="status"><div class="mark">${mark}</div><strong>${escapeHtml(o.title)}</strong><p>${escapeHtml(o.detail)}</p>
<p style="margin-top:12px">${bi('PC 화면으로 돌아가세요', 'The checkout screen continues on its own')}</p></div>
<div class="body">${summary}</div></div>`
  } else if (screen.step === 'sheet') {
    const option = (key: keyof typeof PAY_METHODS) => {
      const m = PAY_METHODS[key]
      return `<label class="method"><input type="radio" name="method" value="${key}"${screen.method === key ? ' checked' : ''}><span><b>${escapeHtml(m.ko)}</b><span class="en">${escapeHtml(`${m.en} · ${m.detail}`)}</span></span></label>`
    }
    body = `${header}
<div class="sheet"><div class="brand">${escapeHtml(v.methodName.toLowerCase())}</div>
<div class="body">
${summary}
<form method="get" action="${base}">
<input type="hidden" name="step" value="pin">
<fieldset><legend>결제수단 · Payment method</legend>${option('money')}${option('card')}</fieldset>
<button class="cta" type="submit">${escapeHtml(pay)} · ${agreement ? 'Register' : 'Pay'}</button>
</form>
<p class="timer">남은 시간 · Time left ${formatCountdown(v.pending.remainingMs)}</p>
</div></div>
${strip(base)}`
  } else {
    const m = PAY_METHODS[screen.method]
    const key = (k: string, label = k) =>
      `<button type="button" data-key="${k}" aria-label="${escapeHtml(label)}">${k === 'del' ? '←' : k}</button>`
    head = `<script src="${PHONE_SCRIPT_PATH}" defer></script>\n`
    body = `${header}
<div class="sheet"><div class="brand">${escapeHtml(v.methodName.toLowerCase())}</div>
<div class="body">
<form class="pin" method="post" action="${base}">
<h2>비밀번호 입력</h2>
<p class="with">${bi(`${m.ko}로 ${v.amount} ${agreement ? '등록' : '결제'}`, `Enter your 6-digit KakaoPay password (${m.en})`)}</p>
${screen.error ? `<p class="error" role="alert">${escapeHtml(screen.error)}</p>` : ''}
<input type="hidden" name="method" value="${screen.method}">
<div class="dots" aria-hidden="true"><i></i><i></i><i></i><i></i><i></i><i></i></div>
<label class="typed"><input name="pin" type="password" inputmode="numeric" autocomplete="off" pattern="[0-9]{6}" maxlength="6" required aria-label="비밀번호 6자리 · 6-digit password"><button class="cta" type="submit">확인 · OK</button></label>
<div class="keys">${['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((k) => key(k)).join('')}<span></span>${key('0')}${key('del', '지우기 · Delete')}</div>
</form>
</div></div>
${strip(base)}`
  }
  return htmlDocument({
    title: `${v.methodName} · ${v.merchant}`,
    css: STYLE(v.brandColor, v.brandTextColor),
    head,
    body: `${body}\n<footer>ppro-kakaopay-sandbox · no real payment is made</footer>`,
  })
}
