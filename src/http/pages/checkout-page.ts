import { escapeHtml } from './html.js'

/** What a checkout page shows; every string is plain text and escaped here. */
export interface CheckoutView {
  brandColor: string
  brandTextColor: string
  methodName: string
  heading: string
  rows: ReadonlyArray<readonly [label: string, value: string]>
  note?: string
  /** The form's target; absent when there is nothing left to decide. */
  actionUrl?: string
  outcome?: { tone: 'success' | 'failure' | 'neutral'; title: string; detail: string }
  returnUrl?: string
}

const STYLE = (bg: string, fg: string) => `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"Apple SD Gothic Neo","Noto Sans KR","Segoe UI",Roboto,sans-serif;background:#f5f5f5;color:#191919}
.card{width:100%;max-width:440px;margin:0 auto;background:#fff;min-height:100vh;display:flex;flex-direction:column}
.brand{background:${bg};color:${fg};padding:18px 20px;font-weight:800;font-size:22px;letter-spacing:-.5px;display:flex;justify-content:space-between;align-items:center}
.brand small{font-weight:600;font-size:12px;background:rgba(0,0,0,.08);padding:4px 8px;border-radius:999px;letter-spacing:0}
main{padding:24px 20px;flex:1}
h1{font-size:20px;margin:0 0 20px;line-height:1.35}
dl{margin:0 0 24px;border-top:1px solid #eee}
.row{display:flex;justify-content:space-between;gap:16px;padding:14px 0;border-bottom:1px solid #eee}
dt{color:#6b6b6b;flex:0 0 auto}
dd{margin:0;text-align:right;font-weight:600;overflow-wrap:anywhere;min-width:0}
.amount dd{font-size:22px}
.note{color:#6b6b6b;font-size:13px;line-height:1.5;margin:0 0 20px}
form{display:grid;gap:10px}
button,.button{display:flex;align-items:center;justify-content:center;width:100%;min-height:52px;border-radius:12px;border:0;font-size:17px;font-weight:700;cursor:pointer;text-decoration:none;font-family:inherit}
.approve{background:${bg};color:${fg}}
.decline{background:#fff;color:#191919;border:1px solid #d6d6d6}
.cancel{background:#f1f1f1;color:#555}
.outcome{border-radius:12px;padding:16px;margin:0 0 20px}
.outcome.success{background:#eaf7ee;color:#11632e}
.outcome.failure{background:#fdecec;color:#9b1c1c}
.outcome.neutral{background:#f1f1f1;color:#333}
.outcome strong{display:block;font-size:18px;margin-bottom:4px}
footer{padding:16px 20px;color:#8a8a8a;font-size:12px;text-align:center}
@media (min-width:600px){body{padding:48px 16px}.card{min-height:0;border-radius:20px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.12)}}
`

export function renderCheckout(v: CheckoutView): string {
  const rows = v.rows
    .map(
      ([label, value]) =>
        `<div class="row${label.includes('Amount') ? ' amount' : ''}"><dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd></div>`,
    )
    .join('')
  const outcome = v.outcome
    ? `<div class="outcome ${v.outcome.tone}" role="status"><strong>${escapeHtml(v.outcome.title)}</strong>${escapeHtml(v.outcome.detail)}</div>`
    : ''
  const form = v.actionUrl
    ? `<form method="post" action="${escapeHtml(v.actionUrl)}">
<button class="approve" type="submit" name="action" value="approve">결제하기 · Approve</button>
<button class="decline" type="submit" name="action" value="decline">결제 실패 · Fail</button>
<button class="cancel" type="submit" name="action" value="cancel">취소 · Cancel</button>
</form>`
    : v.returnUrl
      ? `<a class="button approve" href="${escapeHtml(v.returnUrl)}">가맹점으로 돌아가기 · Back to merchant</a>`
      : ''
  return `<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(v.methodName)} · ${escapeHtml(v.heading)}</title>
<style>${STYLE(v.brandColor, v.brandTextColor)}</style>
</head>
<body>
<div class="card">
<header class="brand"><span>${escapeHtml(v.methodName.toLowerCase())}</span><small>SANDBOX</small></header>
<main>
<h1>${escapeHtml(v.heading)}</h1>
${outcome}
<dl>${rows}</dl>
${v.note ? `<p class="note">${escapeHtml(v.note)}</p>` : ''}
${form}
</main>
<footer>ppro-kakaopay-sandbox · no real payment is made</footer>
</div>
</body>
</html>`
}

export function renderNotFound(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Payment page not found</title>
<style>body{margin:0;font-family:system-ui,sans-serif;display:grid;place-items:center;min-height:100vh;background:#f5f5f5;color:#191919;padding:16px}div{max-width:420px;text-align:center}</style>
</head><body><div><h1>Payment page not found</h1><p>This payment link is unknown or malformed. Return to the shop and start the payment again.</p></div></body></html>`
}
