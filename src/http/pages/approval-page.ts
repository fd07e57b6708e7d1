import { APPROVAL_SCRIPT_SRC } from './approval-script.js'
import type { ApprovalView } from './approval-views.js'
import { escapeHtml, FONT_STACK, formatCountdown, htmlDocument } from './html.js'

/**
 * Which screen of the approval page to show. The page needs no JavaScript: tabs are links, the
 * 카톡결제 request is a form post, and without scripts the screens that wait for the phone reload
 * themselves every second (a meta refresh in `<noscript>`) through `/checkout/{id}/wait`, which sends
 * the consumer to the returnUrl as soon as the decision is made. With scripts, approval-script.ts
 * enhances the same screens (live status, countdown, dialogs in place, a disabled 결제요청).
 */
export type Screen =
  | { view: 'qr' }
  | { view: 'talk'; phone?: string; birth?: string; errors?: { phone?: string; birth?: string } }
  | { view: 'sent'; to?: string; confirm?: boolean }
  | { view: 'close'; from: 'qr' | 'talk' | 'sent'; to?: string }

/** The words of a payment and of a registration (a payment agreement), as KakaoPay's PC checkout uses them. */
function words(v: ApprovalView) {
  return v.subject === 'agreement'
    ? { qr: 'QR등록', talk: '카톡등록', request: '등록요청', stop: '카카오페이 등록을 중단하시겠습니까?', doing: '등록이 진행 중이에요' }
    : { qr: 'QR결제', talk: '카톡결제', request: '결제요청', stop: '카카오페이 결제를 중단하시겠습니까?', doing: '결제가 진행 중이에요' }
}

const STYLE = (bg: string, fg: string) => `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font-family:${FONT_STACK};background:#f0f0f0;color:#191919;line-height:1.4}
a{color:inherit}
.card{position:relative;width:100%;max-width:440px;margin:0 auto;background:#fff;min-height:100vh;display:flex;flex-direction:column}
.brand{background:${bg};color:${fg};padding:10px 8px 10px 20px;font-weight:800;font-size:22px;letter-spacing:-.5px;display:flex;gap:10px;align-items:center;min-height:56px}
.brand small{font-weight:800;font-size:11px;background:#191919;color:${bg};padding:4px 8px;border-radius:999px;letter-spacing:.5px}
.brand .x{margin-left:auto;display:flex;align-items:center;justify-content:center;min-width:44px;min-height:44px;font-size:28px;font-weight:400;text-decoration:none;border-radius:8px}
main{padding:20px 20px 8px;flex:1}
h1{font-size:16px;margin:0 0 14px;line-height:1.35;color:#555;font-weight:600}
.summary{margin:0 0 16px}
.merchant{font-size:14px;color:#6b6b6b}
.item{font-size:17px;font-weight:700;overflow-wrap:anywhere;margin:2px 0}
.total{font-size:28px;font-weight:800;letter-spacing:-.5px}
dl{margin:0 0 16px;border-top:1px solid #eee}
.row{display:flex;justify-content:space-between;gap:16px;padding:10px 0;border-bottom:1px solid #eee;font-size:14px}
dt{color:#6b6b6b;flex:0 0 auto}
dd{margin:0;text-align:right;font-weight:600;overflow-wrap:anywhere;min-width:0}
.en{display:block;font-size:12px;color:#8a8a8a;font-weight:400}
.tabs{display:flex;border-bottom:1px solid #e2e2e2;margin:0 0 18px}
.tabs a{flex:1;display:flex;align-items:center;justify-content:center;min-height:48px;text-decoration:none;font-weight:700;font-size:16px;color:#9a9a9a;border-bottom:3px solid transparent;margin-bottom:-1px}
.tabs a[aria-current="page"]{color:#191919;border-color:#191919}
.panel{text-align:center}
.qr{display:inline-block;padding:12px;background:#fff;border:1px solid #e6e6e6;border-radius:14px}
.qr svg{display:block;width:200px;height:200px}
.lead{font-size:16px;font-weight:700;margin:14px 0 2px}
.sub{font-size:13px;color:#6b6b6b;margin:0 0 4px}
.here{display:inline-flex;align-items:center;min-height:44px;font-size:14px;color:#3c64d8}
.timer{display:flex;justify-content:center;align-items:baseline;gap:8px;margin:14px 0 4px;font-size:14px;color:#6b6b6b}
.timer strong{font-size:20px;color:#e0323c;font-variant-numeric:tabular-nums}
.field{display:block;text-align:left;margin:0 0 12px}
.field span{display:block;font-size:14px;font-weight:700;margin-bottom:6px}
.field input{width:100%;min-height:48px;border:1px solid #d6d6d6;border-radius:10px;padding:0 14px;font-size:17px;font-family:inherit}
.field input:focus{outline:2px solid #191919;border-color:#191919}
.hint{display:block;font-size:12px;color:#8a8a8a;margin-top:4px}
html:not(.js) .field input:not(:placeholder-shown):invalid+.hint,.hint.error{color:#e0323c;font-weight:700}
.cta{display:flex;align-items:center;justify-content:center;width:100%;min-height:52px;border-radius:12px;border:0;font-size:17px;font-weight:700;cursor:pointer;text-decoration:none;font-family:inherit;background:${bg};color:${fg}}
form.talk:invalid .cta{background:#ececec;color:#a5a5a5;pointer-events:none;cursor:default}
.cta:disabled{background:#ececec;color:#a5a5a5;cursor:default}
.sent{font-size:17px;font-weight:700;margin:6px 0 4px}
.to{font-size:15px;color:#555;margin:0 0 12px}
.message{display:block;text-align:left;background:#f6f6f6;border-radius:12px;padding:12px 14px;margin:0 0 14px;font-size:13px;color:#555}
.message a{display:inline-block;word-break:break-all;color:#3c64d8;font-size:14px;padding:6px 0;min-height:44px}
.note{color:#6b6b6b;font-size:13px;line-height:1.5;margin:12px 0 0}
.strip{margin:18px 0 0;border:2px dashed #b0a000;border-radius:14px;padding:10px 12px 12px;background:#fffbe0}
.strip p{margin:0 0 8px;font-size:12px;color:#5c5400}
.strip p b{background:#191919;color:${bg};border-radius:4px;padding:1px 6px;margin-right:6px;font-size:11px}
.strip form{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:8px}
.strip button{display:flex;align-items:center;justify-content:center;min-height:48px;border-radius:10px;border:0;font-size:15px;font-weight:700;cursor:pointer;font-family:inherit;padding:4px}
.approve{background:${bg};color:${fg};box-shadow:inset 0 0 0 1px rgba(0,0,0,.15)}
.decline{background:#fff;color:#191919;border:1px solid #d6d6d6}
.cancel{background:#ececec;color:#555}
.outcome{border-radius:12px;padding:16px;margin:0 0 20px}
.outcome.success{background:#eaf7ee;color:#11632e}
.outcome.failure{background:#fdecec;color:#9b1c1c}
.outcome.neutral{background:#f1f1f1;color:#333}
.outcome strong{display:block;font-size:18px;margin-bottom:4px}
.back{display:flex;align-items:center;justify-content:center;width:100%;min-height:52px;border-radius:12px;font-size:17px;font-weight:700;text-decoration:none;background:${bg};color:${fg}}
footer{padding:14px 20px;color:#8a8a8a;font-size:12px;text-align:center}
.modal{position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center;padding:16px;z-index:10}
.dialog{background:#fff;border-radius:16px;width:100%;max-width:320px;padding:24px 20px 16px;text-align:center}
.dialog h2{font-size:17px;margin:0 0 6px}
.dialog p{font-size:13px;color:#6b6b6b;margin:0 0 18px}
.dialog .actions{display:grid;grid-template-columns:1fr 1fr;gap:8px}
.dialog .actions.one{grid-template-columns:1fr}
.dialog .actions a,.dialog .actions button{display:flex;align-items:center;justify-content:center;min-height:48px;border-radius:10px;border:0;font-size:16px;font-weight:700;text-decoration:none;font-family:inherit;cursor:pointer;width:100%}
.dialog .secondary{background:#ececec;color:#333}
.dialog .primary{background:${bg};color:${fg}}
@media (min-width:600px){body{padding:40px 16px}.card{min-height:0;border-radius:20px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.12)}}
`

/** The query of a screen, for its links and its reload. */
function query(s: { view: string; to?: string | undefined; confirm?: boolean | undefined }): string {
  const q = new URLSearchParams({ view: s.view })
  if (s.to) q.set('to', s.to)
  if (s.confirm) q.set('confirm', '1')
  return q.toString()
}

function summary(v: ApprovalView): string {
  const rows = v.rows.map(([label, value]) => `<div class="row"><dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd></div>`).join('')
  return `<div class="summary">
<div class="merchant">가맹점 · Merchant <strong>${escapeHtml(v.merchant)}</strong></div>
<div class="item" title="상품 · Item">${escapeHtml(v.item)}</div>
<div class="total" title="결제금액 · Amount">${escapeHtml(v.amount)}</div>
</div>
${rows ? `<dl>${rows}</dl>` : ''}`
}

/** The plain form of today's contract, clearly marked: merchants' tests post and click it. */
function sandboxStrip(actionUrl: string): string {
  return `<section class="strip" aria-label="Sandbox controls">
<p><b>SANDBOX</b>테스트 버튼 · Test buttons: decide without a phone</p>
<form method="post" action="${escapeHtml(actionUrl)}">
<button class="approve" type="submit" name="action" value="approve">승인 · Approve</button>
<button class="decline" type="submit" name="action" value="decline">실패 · Fail</button>
<button class="cancel" type="submit" name="action" value="cancel">취소 · Cancel</button>
</form>
</section>`
}

function qrPanel(v: ApprovalView, qrSvg: string): string {
  const p = v.pending!
  return `<div class="panel">
<div class="qr" role="img" aria-label="QR code of the phone approval page">${qrSvg}</div>
<p class="lead">휴대폰으로 스캔하면 결제 화면으로 이동합니다</p>
<p class="sub">스마트폰 카메라 및 모든 QR스캐너로 가능<span class="en">Scan with the phone's camera or any QR scanner</span></p>
<a class="here" href="${escapeHtml(p.phoneUrl)}" target="_blank" rel="noopener">이 기기에서 열기 · Open on this device</a>
</div>`
}

function talkPanel(v: ApprovalView, s: Extract<Screen, { view: 'talk' }>): string {
  const w = words(v)
  const field = (name: string, label: string, en: string, pattern: string, max: number, placeholder: string, value = '', error?: string) =>
    `<label class="field"><span>${escapeHtml(label)} <small class="en" style="display:inline">${escapeHtml(en)}</small></span>
<input name="${name}" type="text" inputmode="numeric" autocomplete="off" required pattern="${pattern}" maxlength="${max}" placeholder="${escapeHtml(placeholder)}" value="${escapeHtml(value)}"${error ? ' aria-invalid="true"' : ''}>
<small class="hint${error ? ' error' : ''}">${escapeHtml(error ?? '숫자만 입력')}</small></label>`
  return `<form class="talk" method="post" action="/checkout/${escapeHtml(v.id)}/talk">
<p class="sub" style="margin:0 0 14px;text-align:left">카카오톡으로 ${escapeHtml(w.request.replace('요청', ''))} 요청 메시지를 보내드려요<span class="en">We send the request to your KakaoTalk</span></p>
${field('phone', '휴대폰 번호', 'Mobile number', '0[0-9]{9,10}', 11, '01012345678', s.phone, s.errors?.phone)}
${field('birth', '생년월일', 'Date of birth, YYMMDD', '[0-9]{6}', 6, '900101', s.birth, s.errors?.birth)}
<button class="cta" type="submit">${escapeHtml(w.request)} · Request</button>
</form>`
}

function sentPanel(v: ApprovalView, s: Extract<Screen, { view: 'sent' }>): string {
  const p = v.pending!
  return `<div class="panel">
<p class="sent">카카오톡으로 ${escapeHtml(words(v).request.replace('요청', ''))} 요청 메시지를 보냈어요</p>
<p class="to">${s.to ? `010-****-${escapeHtml(s.to)}` : ''}<span class="en">Open the KakaoTalk message on the phone and finish there</span></p>
<div class="message">KakaoTalk message (sandbox): the phone approval page<br><a href="${escapeHtml(p.phoneUrl)}" target="_blank" rel="noopener">${escapeHtml(p.phoneUrl)}</a></div>
<form class="done" method="get" action="/checkout/${escapeHtml(v.id)}/wait">
<input type="hidden" name="view" value="sent">${s.to ? `<input type="hidden" name="to" value="${escapeHtml(s.to)}">` : ''}
<input type="hidden" name="confirm" value="1">
<button class="cta" type="submit">확인 · Done</button>
</form>
</div>`
}

function modal(title: string, detail: string, actions: string, one = false): string {
  return `<div class="modal" role="dialog" aria-modal="true" aria-labelledby="dialog-title"><div class="dialog">
<h2 id="dialog-title">${escapeHtml(title)}</h2><p>${detail}</p><div class="actions${one ? ' one' : ''}">${actions}</div></div></div>`
}

/** "결제가 진행 중이에요": 확인 pressed before the consumer decided on the phone. */
function busyDialog(title: string, back: string): string {
  return modal(
    title,
    '휴대폰에서 결제를 완료해주세요<span class="en">Finish on the phone first</span>',
    `<a class="primary" href="${escapeHtml(back)}" data-dismiss>확인</a>`,
    true,
  )
}

/** "카카오페이 결제를 중단하시겠습니까?": 취소 goes back, 확인 posts the consumer's cancel. */
function stopDialog(title: string, back: string, actionUrl: string): string {
  return modal(
    title,
    '<span class="en">Stop the KakaoPay payment?</span>',
    `<a class="secondary" href="${escapeHtml(back)}" data-dismiss>취소</a>
<form method="post" action="${escapeHtml(actionUrl)}" class="stop"><button class="primary" type="submit" name="action" value="cancel">확인</button></form>`,
  )
}

/** The approval page: KakaoPay's PC checkout for a pending charge or agreement, or the outcome once decided. */
export function renderApprovalPage(v: ApprovalView, screen: Screen = { view: 'qr' }, qrSvg = '', notice?: ApprovalView['outcome']): string {
  const w = words(v)
  const base = `/checkout/${encodeURIComponent(v.id)}`
  let head = ''
  let content: string
  let overlay = ''
  if (v.pending) {
    const p = v.pending
    const tab = screen.view === 'close' ? screen.from : screen.view
    const sentTo = screen.view === 'sent' || screen.view === 'close' ? screen.to : undefined
    const here = query({ view: tab, to: sentTo })
    // Scripts on: approval-script.ts follows the status and leaves through /wait at zero. Scripts off:
    // the screens that wait for the phone reload through /wait, which leaves for the returnUrl once decided.
    head = `<script src="${APPROVAL_SCRIPT_SRC}" defer></script>\n`
    if (screen.view === 'qr' || screen.view === 'sent') {
      head += `<noscript><meta http-equiv="refresh" content="1;url=${escapeHtml(`${base}/wait?${query(screen)}`)}"></noscript>\n`
    }
    const talkTab = tab === 'talk' || tab === 'sent'
    const closeHref = `${base}?${new URLSearchParams({ view: 'close', from: tab, ...(sentTo ? { to: sentTo } : {}) })}`
    const panel =
      tab === 'qr'
        ? qrPanel(v, qrSvg)
        : tab === 'talk'
          ? talkPanel(v, screen.view === 'talk' ? screen : { view: 'talk' })
          : sentPanel(v, screen.view === 'sent' ? screen : { view: 'sent', ...(sentTo ? { to: sentTo } : {}) })
    content = `<header class="brand"><span>${escapeHtml(v.methodName.toLowerCase())}</span><small>SANDBOX</small><a class="x" href="${escapeHtml(closeHref)}" aria-label="닫기 · Close">×</a></header>
<main data-status="${escapeHtml(`${base}/status`)}" data-wait="${escapeHtml(`${base}/wait?${here}`)}" data-remaining-ms="${p.remainingMs}">
<h1>${escapeHtml(v.heading)}</h1>
${notice ? `<div class="outcome ${notice.tone}" role="status"><strong>${escapeHtml(notice.title)}</strong>${escapeHtml(notice.detail)}</div>` : ''}
${summary(v)}
<nav class="tabs" aria-label="${escapeHtml(`${w.qr} / ${w.talk}`)}">
<a href="${base}"${talkTab ? '' : ' aria-current="page"'}>${escapeHtml(w.qr)}</a>
<a href="${base}?view=talk"${talkTab ? ' aria-current="page"' : ''}>${escapeHtml(w.talk)}</a>
</nav>
${panel}
<div class="timer" role="timer">남은 시간 · Time left <strong id="countdown">${formatCountdown(p.remainingMs)}</strong></div>
${v.note ? `<p class="note">${escapeHtml(v.note)}</p>` : ''}
${sandboxStrip(p.actionUrl)}
</main>`
    const busy = () => busyDialog(w.doing, `${base}?${query({ view: 'sent', to: sentTo })}`)
    const stop = (back: string) => stopDialog(w.stop, back, p.actionUrl)
    const back = tab === 'qr' ? base : `${base}?${here}`
    if (screen.view === 'sent' && screen.confirm) overlay = busy()
    if (screen.view === 'close') overlay = stop(back)
    // The same dialogs, for the script to show in place (a template is inert without it).
    if (screen.view !== 'close') overlay += `\n<template id="close-dialog">${stop(back)}</template>`
    if (tab === 'sent' && !(screen.view === 'sent' && screen.confirm)) overlay += `\n<template id="busy-dialog">${busy()}</template>`
  } else {
    const o = v.outcome
    content = `<header class="brand"><span>${escapeHtml(v.methodName.toLowerCase())}</span><small>SANDBOX</small></header>
<main>
<h1>${escapeHtml(v.heading)}</h1>
${o ? `<div class="outcome ${o.tone}" role="status"><strong>${escapeHtml(o.title)}</strong>${escapeHtml(o.detail)}</div>` : ''}
${o?.expired ? `<div class="timer" role="timer">남은 시간 · Time left <strong id="countdown">00:00</strong></div>` : ''}
${summary(v)}
${v.returnUrl ? `<a class="back" href="${escapeHtml(v.returnUrl)}">가맹점으로 돌아가기 · Back to merchant</a>` : ''}
</main>`
  }
  return htmlDocument({
    title: `${v.methodName} · ${v.heading}`,
    css: STYLE(v.brandColor, v.brandTextColor),
    head,
    body: `<div class="card">
${content}
<footer>ppro-kakaopay-sandbox · no real payment is made</footer>
</div>
${overlay}`,
  })
}

export function renderNotFound(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Payment page not found</title>
<style>body{margin:0;font-family:system-ui,sans-serif;display:grid;place-items:center;min-height:100vh;background:#f5f5f5;color:#191919;padding:16px}div{max-width:420px;text-align:center}</style>
</head><body><div><h1>Payment page not found</h1><p>This payment link is unknown or malformed. Return to the shop and start the payment again.</p></div></body></html>`
}
