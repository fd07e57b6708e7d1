import { escapeHtml as e, FONT_STACK, htmlDocument } from '../http/pages/html.js'
import { type CartLine, DEMO_DISPLAY_NAME, PRODUCTS, SCENARIOS, type Scenario, totalOf, won } from './catalogue.js'
import type { BackendEntry, Order, OrderState } from './merchant-backend.js'

export const PRESENTER_SCRIPT_PATH = '/demo/assets/presenter.js'

const CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font-family:${FONT_STACK};background:#faf7f2;color:#222;line-height:1.45}
a{color:#2a5bd7}
header.shop{display:flex;align-items:center;gap:12px;flex-wrap:wrap;padding:14px 20px;background:#fff;border-bottom:1px solid #eee}
header.shop .name{font-size:20px;font-weight:800;text-decoration:none;color:#222}
header.shop .name small{display:block;font-size:12px;font-weight:500;color:#888}
.mark{font-size:11px;font-weight:800;background:#191919;color:#FEE500;padding:3px 8px;border-radius:999px}
header.shop nav{margin-left:auto;display:flex;gap:8px;flex-wrap:wrap}
.pill{display:inline-flex;align-items:center;min-height:44px;padding:0 14px;border-radius:999px;background:#f1efe9;color:#222;text-decoration:none;font-weight:700;border:0;font:inherit;font-weight:700;cursor:pointer}
main{max-width:1040px;margin:0 auto;padding:20px}
h1{font-size:24px;margin:0 0 12px}
h2{font-size:18px;margin:24px 0 10px}
.en{color:#888;font-weight:400;font-size:.8em}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:14px}
.product{background:#fff;border-radius:14px;overflow:hidden;box-shadow:0 1px 4px rgba(0,0,0,.08);display:flex;flex-direction:column}
.tile{height:110px;display:flex;align-items:center;justify-content:center;font-size:30px;font-weight:800;color:rgba(0,0,0,.55)}
.product .body{padding:12px;display:flex;flex-direction:column;gap:4px;flex:1}
.product b{font-size:16px}
.price{font-size:18px;font-weight:800}
.small{font-size:12px;color:#888}
.btn{display:inline-flex;align-items:center;justify-content:center;min-height:44px;padding:0 16px;border-radius:10px;border:0;background:#222;color:#fff;font:inherit;font-weight:700;cursor:pointer;text-decoration:none}
.btn.kakao{background:#FEE500;color:#191919}
.btn.light{background:#f1efe9;color:#222}
.btn.wide{width:100%;min-height:52px;font-size:17px}
.product form{margin-top:auto}
.product .btn{width:100%}
.scenarios{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px}
.scenario{background:#fff;border-radius:14px;padding:14px;box-shadow:0 1px 4px rgba(0,0,0,.08);display:flex;flex-direction:column;gap:8px}
.scenario p{margin:0;font-size:13px;color:#666;flex:1}
.panel{background:#fff;border-radius:14px;padding:16px;box-shadow:0 1px 4px rgba(0,0,0,.08);margin:0 0 16px}
table{width:100%;border-collapse:collapse;font-size:14px}
td,th{text-align:left;padding:8px 6px;border-bottom:1px solid #f0f0f0;vertical-align:top}
td.num,th.num{text-align:right}
.qty{display:flex;gap:6px;align-items:center}
.qty button{min-width:44px;min-height:44px;border-radius:10px;border:1px solid #ddd;background:#fff;font-size:18px;cursor:pointer}
.state{display:inline-block;padding:6px 12px;border-radius:999px;font-weight:800;font-size:15px}
.state.pending{background:#fff4c2;color:#6b5300}
.state.paid{background:#dff5e5;color:#11632e}
.state.failed,.state.expired{background:#fdecec;color:#9b1c1c}
.state.canceled{background:#eee;color:#444}
.state.refunded,.state.partially_refunded{background:#e6eefc;color:#1d3f8f}
.waiting{font-weight:700;color:#6b5300}
.ok{color:#11632e;font-weight:800}
.bad{color:#b42318;font-weight:800}
.actions{display:flex;gap:8px;flex-wrap:wrap}
.error{background:#fdecec;color:#9b1c1c;border-radius:12px;padding:14px;margin:0 0 16px}
code{font-size:13px;background:#f4f4f4;padding:1px 5px;border-radius:4px;word-break:break-all}
`

function shell(title: string, body: string, opts: { refresh?: boolean; cartCount?: number } = {}): string {
  const nav = `<nav><a class="pill" href="/demo">상품 · Shop</a><a class="pill" href="/demo/cart">장바구니 · Cart${opts.cartCount ? ` (${opts.cartCount})` : ''}</a><a class="pill" href="/demo/presenter" target="_top">발표 모드 · Presenter</a></nav>`
  return htmlDocument({
    title: `${title} · ${DEMO_DISPLAY_NAME}`,
    css: CSS,
    head: opts.refresh ? '<meta http-equiv="refresh" content="1">\n' : '',
    body: `<header class="shop"><a class="name" href="/demo">${e(DEMO_DISPLAY_NAME)}<small>Demo shop · paid with KakaoPay</small></a><span class="mark">SANDBOX</span>${nav}</header>
<main>${body}</main>`,
  })
}

const initials = (ko: string) => ko.slice(0, 1)

export function shopPage(cartCount: number, recent: readonly Order[], error?: string): string {
  const products = PRODUCTS.map(
    (p) => `<div class="product"><div class="tile" style="background:${p.tile}">${e(initials(p.ko))}</div><div class="body">
<b>${e(p.ko)}</b><span class="small">${e(p.en)}</span><span class="price">${won(p.price)}${p.monthly ? ' / 월' : ''}</span>${p.note ? `<span class="small">${e(p.note)}</span>` : ''}
${
  p.monthly
    ? `<form method="post" action="/demo/scenarios/subscription"><button class="btn kakao" type="submit">구독하기 · Subscribe</button></form>`
    : `<form method="post" action="/demo/cart"><input type="hidden" name="product" value="${p.id}"><input type="hidden" name="delta" value="1"><button class="btn" type="submit">담기 · Add to cart</button></form>`
}</div></div>`,
  ).join('')
  const scenarios = (Object.keys(SCENARIOS) as Scenario[])
    .map((key) => {
      const s = SCENARIOS[key]
      return `<div class="scenario"><b>${e(s.ko)} <span class="en">${e(s.en)}</span></b><p>${e(s.how)}</p>
<form method="post" action="/demo/scenarios/${key}"><button class="btn kakao wide" type="submit" name="scenario" value="${key}">시작 · Run</button></form></div>`
    })
    .join('')
  const orders = recent.length
    ? `<h2>최근 주문 <span class="en">Recent orders</span></h2><div class="panel"><table><tr><th>Order</th><th>Scenario</th><th class="num">Total</th><th>State</th></tr>${recent
        .map(
          (o) =>
            `<tr><td><a href="/demo/orders/${e(o.id)}">${e(o.id)}</a></td><td>${e(SCENARIOS[o.scenario].en)}</td><td class="num">${won(o.total)}</td><td>${stateBadge(o.state)}</td></tr>`,
        )
        .join('')}</table></div>`
    : ''
  return shell(
    '상품',
    `${error ? `<div class="error" role="alert">${e(error)}</div>` : ''}
<h1>오늘의 상품 <span class="en">Today’s products</span></h1>
<div class="grid">${products}</div>
<h2>시나리오 <span class="en">Scenarios: each run is a fresh order</span></h2>
<div class="scenarios">${scenarios}</div>
${orders}
<h2>데모 초기화 <span class="en">Reset</span></h2>
<form method="post" action="/demo/reset"><button class="btn light" type="submit">데모 초기화 · Reset demo</button> <span class="small">Deletes the shop’s charges, agreements and webhooks in the sandbox (merchant <code>merch_demo_shop</code>) and its orders.</span></form>`,
    { cartCount },
  )
}

export function cartPage(lines: readonly CartLine[], error?: string): string {
  const rows = lines
    .map(
      (l) => `<tr><td><b>${e(l.product.ko)}</b><br><span class="small">${e(l.product.en)}</span></td>
<td><form class="qty" method="post" action="/demo/cart"><input type="hidden" name="product" value="${l.product.id}"><button type="submit" name="delta" value="-1" aria-label="one less">−</button><span>${l.qty}</span><button type="submit" name="delta" value="1" aria-label="one more">+</button></form></td>
<td class="num">${won(l.product.price * l.qty)}</td></tr>`,
    )
    .join('')
  return shell(
    '장바구니',
    `${error ? `<div class="error" role="alert">${e(error)}</div>` : ''}<h1>장바구니 <span class="en">Cart</span></h1>
${
  lines.length
    ? `<div class="panel"><table><tr><th>상품</th><th>수량</th><th class="num">금액</th></tr>${rows}
<tr><td colspan="2"><b>합계 · Total</b></td><td class="num"><b id="total">${won(totalOf(lines))}</b></td></tr></table></div>
<form method="post" action="/demo/checkout"><button class="btn kakao wide" type="submit">카카오페이로 결제 · Pay with KakaoPay</button></form>`
    : `<div class="panel">장바구니가 비어 있어요 · The cart is empty. <a href="/demo">Shop</a></div>`
}`,
    { cartCount: lines.reduce((n, l) => n + l.qty, 0) },
  )
}

const STATE_LABEL: Record<OrderState, string> = {
  pending: '결제 대기 · Pending',
  paid: '결제 완료 · Paid',
  failed: '결제 실패 · Declined',
  canceled: '결제 취소 · Canceled',
  expired: '시간 초과 · Expired',
  refunded: '환불 완료 · Refunded',
  partially_refunded: '부분 환불 · Partly refunded',
}

const stateBadge = (s: OrderState) => `<span class="state ${s}" id="order-state">${e(STATE_LABEL[s])}</span>`

function webhookRows(entries: ReadonlyArray<Extract<BackendEntry, { kind: 'webhook' }>>): string {
  if (!entries.length) return '<p class="small" id="no-webhooks">No webhook received yet.</p>'
  return `<table id="webhooks"><tr><th>Event</th><th>Signature</th><th>Our answer</th><th class="num">Latency</th></tr>${entries
    .map(
      (w) =>
        `<tr><td><code>${e(w.type)}</code></td><td>${w.verified ? '<span class="ok">✓ verified</span>' : `<span class="bad">✗ ${e(w.reason ?? '')}</span>`}</td><td>${w.response}</td><td class="num">${w.latencyMs} ms</td></tr>`,
    )
    .join('')}</table>`
}

/** Waiting for something the webhook will settle: the page reloads every second until it has. */
export function orderWaiting(o: Order): boolean {
  if (o.state === 'pending') return true
  if (o.refundsRequested > o.webhooks.filter((w) => w.type === 'PAYMENT_CHARGE_REFUND_SUCCEEDED').length) return true
  if (o.subscription && o.state === 'paid' && !o.agreementActive) return true
  return o.renewals.some((r) => !r.paid && r.status !== 'FAILED')
}

export function orderPage(o: Order, error?: string): string {
  const items = o.lines
    .map(
      (l) =>
        `<tr><td>${e(l.product.ko)} <span class="small">${e(l.product.en)}</span></td><td class="num">×${l.qty}</td><td class="num">${won(l.product.price * l.qty)}</td></tr>`,
    )
    .join('')
  const waiting =
    o.state === 'pending'
      ? o.returned
        ? `<p class="waiting" id="waiting">웹훅 대기 중 · Waiting for the webhook. The API answered <code>${e(o.returned.checked)}</code> on the return, but the shop marks the order only when a signed webhook arrives and verifies.</p>`
        : `<p class="waiting" id="waiting">결제 대기 · Waiting for the shopper on KakaoPay${o.requestUrl ? `: <a href="${e(o.requestUrl)}">open the KakaoPay page</a>` : ''}. The order changes only when a verified webhook arrives.</p>`
      : ''
  const actions: string[] = []
  if (o.state === 'pending' && !o.returned) {
    actions.push(
      `<form method="post" action="/demo/orders/${e(o.id)}/timeout"><button class="btn light" type="submit">⏩ 시간 초과 만들기 · Move the sandbox clock past the window</button></form>`,
    )
  }
  if (o.state === 'paid' || o.state === 'partially_refunded') {
    const left = o.total - o.refunded
    const half = Math.floor(o.total / 2)
    if (!o.subscription && left > 0) {
      actions.push(
        `<form method="post" action="/demo/orders/${e(o.id)}/refund"><input type="hidden" name="amount" value="${left}"><button class="btn" type="submit">전액 환불 · Refund ${won(left)}</button></form>`,
      )
      if (half < left)
        actions.push(
          `<form method="post" action="/demo/orders/${e(o.id)}/refund"><input type="hidden" name="amount" value="${half}"><button class="btn light" type="submit">부분 환불 · Refund ${won(half)}</button></form>`,
        )
    }
  }
  if (o.subscription && o.agreementActive) {
    actions.push(
      `<form method="post" action="/demo/orders/${e(o.id)}/renew"><button class="btn kakao" type="submit">다음 달 결제 · Charge the renewal (${won(o.total)})</button></form>`,
    )
  }
  const subscription = o.subscription
    ? `<div class="panel"><b>정기결제 · Subscription</b> <code>${e(o.agreementId ?? '')}</code> ${o.agreementActive ? '<span class="ok" id="agreement-state">ACTIVE (webhook verified)</span>' : '<span class="waiting" id="agreement-state">not active yet</span>'}
${o.renewals.length ? `<table id="renewals"><tr><th>Renewal charge</th><th class="num">Amount</th><th>State</th></tr>${o.renewals.map((r) => `<tr><td><code>${e(r.chargeId)}</code></td><td class="num">${won(r.amount)}</td><td>${r.paid ? '<span class="ok">paid (webhook verified)</span>' : `<span class="waiting">${e(r.status)}, waiting for webhook</span>`}</td></tr>`).join('')}</table>` : ''}</div>`
    : ''
  return shell(
    `주문 ${o.id}`,
    `${error ? `<div class="error" role="alert">${e(error)}</div>` : ''}<h1>주문 <span id="order-id">${e(o.id)}</span> ${stateBadge(o.state)}</h1>
${waiting}
<div class="panel"><table>${items}<tr><td colspan="2"><b>합계 · Total</b></td><td class="num"><b>${won(o.total)}</b></td></tr>
${o.refunded ? `<tr><td colspan="2">환불 · Refunded</td><td class="num" id="refunded">${won(o.refunded)}</td></tr>` : ''}</table>
<p class="small">Scenario: ${e(SCENARIOS[o.scenario].en)} · charge <code>${e(o.chargeId ?? '')}</code>${o.failureCode ? ` · failure <code>${e(o.failureCode)}</code>` : ''}</p></div>
${subscription}
${actions.length ? `<div class="actions">${actions.join('')}</div>` : ''}
<h2>받은 웹훅 <span class="en">Webhooks the backend received</span></h2>
<div class="panel">${webhookRows(o.webhooks)}</div>
<p><a class="btn light" href="/demo">새 주문 · New order</a></p>`,
    { refresh: orderWaiting(o) },
  )
}

export function errorPage(message: string): string {
  return shell('Error', `<div class="error" role="alert">${e(message)}</div><p><a href="/demo">Back to the shop</a></p>`)
}

const PRESENTER_CSS = `
*{box-sizing:border-box}
html,body{height:100%}
body{margin:0;font-family:${FONT_STACK};background:#1f2329;color:#f4f4f4;display:grid;grid-template-columns:minmax(0,1.35fr) 410px minmax(340px,1fr);grid-template-rows:auto minmax(0,1fr);gap:14px;padding:14px}
header{grid-column:1/-1;display:flex;align-items:center;gap:14px}
header h1{margin:0;font-size:24px}
header .mark{font-size:13px;font-weight:800;background:#FEE500;color:#191919;padding:4px 10px;border-radius:999px}
header form{margin-left:auto;display:flex;gap:8px}
button,.btn{min-height:44px;padding:0 16px;border-radius:10px;border:0;font:inherit;font-weight:700;cursor:pointer;background:#3a4048;color:#fff;text-decoration:none;display:inline-flex;align-items:center}
.frame{background:#fff;border-radius:14px;overflow:hidden;display:flex;flex-direction:column;min-height:0}
.frame h2,.live h2{margin:0;padding:8px 12px;font-size:16px;background:#2b3038;color:#ccc;font-weight:600}
iframe{border:0;width:100%;flex:1;background:#fff}
.phone iframe{width:390px;margin:0 auto;flex:1}
.phone .empty{color:#555;padding:20px;font-size:16px}
.live{background:#111418;border-radius:14px;display:flex;flex-direction:column;min-height:0}
.live ol{list-style:none;margin:0;padding:8px 12px;overflow:auto;flex:1;font-size:18px}
.live li{padding:8px 0;border-bottom:1px solid #2b3038}
.live .type{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:16px;word-break:break-all}
.live .meta{color:#9aa3ad;font-size:15px}
.live .ok{color:#5ee07f;font-weight:800}
.live .bad{color:#ff6b6b;font-weight:800}
.live .api{color:#8ab4ff}
#order{padding:8px 12px;font-size:18px;border-bottom:1px solid #2b3038}
.controls{padding:0 12px}
.controls button{margin:8px 0;background:#FEE500;color:#191919}
[hidden]{display:none!important}
`

/** One screen for a projector: the shop (which becomes the KakaoPay page), the phone, and what the backend received. */
export function presenterPage(): string {
  return htmlDocument({
    title: `Presenter · ${DEMO_DISPLAY_NAME}`,
    css: PRESENTER_CSS,
    head: `<script src="${PRESENTER_SCRIPT_PATH}" defer></script>\n`,
    body: `<header><h1>${e(DEMO_DISPLAY_NAME)} × KakaoPay</h1><span class="mark">SANDBOX</span>
<form method="post" action="/demo/reset" target="shop"><a class="btn" href="/demo" target="shop">새 주문 · New order</a><button type="submit">데모 초기화 · Reset demo</button></form></header>
<section class="frame"><h2>쇼핑몰 → 카카오페이 · Shop and KakaoPay checkout (PC)</h2><iframe name="shop" id="shop" src="/demo" title="Shop"></iframe></section>
<section class="frame phone"><h2>휴대폰 · Phone</h2><p class="empty" id="phone-empty">Start a checkout: the phone approval page of the payment appears here (or scan its QR with a real phone).</p><iframe name="phone" id="phone" title="Phone" hidden></iframe></section>
<section class="live" aria-live="polite"><h2>가맹점 서버 · What the merchant backend received</h2><div id="order">No order yet.</div>
<div class="controls"><button type="button" id="move-clock" hidden>⏩ 시간 초과 · Move the sandbox clock past the window</button></div><ol id="log"></ol></section>`,
  })
}

/** Polls the backend's log (JSON) and keeps the phone frame on the current payment. Served as a file. */
export const PRESENTER_SCRIPT = `'use strict';
(function () {
  var since = 0;
  var log = document.getElementById('log');
  var phone = document.getElementById('phone');
  var empty = document.getElementById('phone-empty');
  var orderBox = document.getElementById('order');
  var phoneFor = '';
  var generation = null;
  var current = null;
  var clock = document.getElementById('move-clock');
  // The timeout scenario: the KakaoPay page stays in view while the shop's backend moves the sandbox clock.
  clock.addEventListener('click', function () {
    if (!current) return;
    clock.disabled = true;
    fetch('/demo/orders/' + encodeURIComponent(current.id) + '/timeout', { method: 'POST', redirect: 'manual' })
      .catch(function () {}).then(function () { clock.disabled = false; });
  });
  function el(tag, cls, text) { var n = document.createElement(tag); if (cls) n.className = cls; if (text !== undefined) n.textContent = text; return n; }
  function time(iso) { return new Date(iso).toLocaleTimeString(); }
  function add(entry) {
    var li = el('li');
    if (entry.kind === 'webhook') {
      li.appendChild(el('div', 'type', '⇐ ' + entry.type));
      var meta = el('div', 'meta');
      meta.appendChild(el('span', entry.verified ? 'ok' : 'bad', entry.verified ? '✓ signature verified' : '✗ ' + (entry.reason || 'not verified')));
      meta.appendChild(document.createTextNode(' · answered ' + entry.response + ' · ' + entry.latencyMs + ' ms after the event · ' + time(entry.at)));
      li.appendChild(meta);
    } else {
      li.appendChild(el('div', 'type api', '⇒ ' + entry.method + ' ' + entry.path));
      li.appendChild(el('div', 'meta', entry.status + (entry.result ? ' ' + entry.result : '') + ' · ' + entry.latencyMs + ' ms · ' + time(entry.at)));
    }
    log.insertBefore(li, log.firstChild);
  }
  function poll() {
    fetch('/demo/api/state?since=' + since, { cache: 'no-store' }).then(function (r) { return r.json(); }).then(function (s) {
      if (generation !== null && s.generation !== generation) { log.textContent = ''; phoneFor = ''; phone.hidden = true; empty.hidden = false; }
      generation = s.generation;
      s.log.forEach(function (entry) { add(entry); since = Math.max(since, entry.seq); });
      var o = s.order;
      orderBox.textContent = o ? 'Order ' + o.id + ' · ' + o.total.toLocaleString('en-US') + '원 · ' + o.state + (o.waitingForWebhook ? ' · waiting for webhook' : '') : 'No order yet.';
      current = o;
      clock.hidden = !(o && o.state === 'pending' && !o.returned);
      if (o && o.phoneUrl && o.phoneUrl !== phoneFor) {
        phoneFor = o.phoneUrl;
        phone.src = o.phoneUrl;
        phone.hidden = false;
        empty.hidden = true;
      }
    }).catch(function () {}).then(function () { setTimeout(poll, 700); });
  }
  poll();
})();
`
