const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escapes text for HTML content and quoted attributes: every merchant- or consumer-given string goes through it. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (ch) => ESCAPES[ch]!)
}

/** `15,000원`: grouped digits and the currency's suffix from the payment method fixture. */
export function formatAmount(value: number, currency: string, suffix: string | undefined): string {
  const digits = value.toLocaleString('en-US')
  return currency === 'KRW' && suffix ? `${digits}${suffix}` : `${digits} ${currency}`
}

/**
 * The consumer's own system fonts (no web fonts): Apple's on iOS and macOS, Malgun Gothic on Windows,
 * Noto Sans KR (or Noto Sans CJK KR, as Debian packages it) on Android and Linux.
 */
export const FONT_STACK =
  '-apple-system,BlinkMacSystemFont,"Apple SD Gothic Neo","Malgun Gothic","맑은 고딕","Noto Sans KR","Noto Sans CJK KR","Segoe UI",Roboto,sans-serif'

/** `mm:ss` of a duration, rounded up to the second, as KakaoPay's countdown shows it. */
export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000))
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
}

/** One page: the shell every sandbox page shares. `head` and `body` are HTML, already escaped. */
export function htmlDocument(p: { title: string; css: string; head?: string; body: string; bodyClass?: string }): string {
  return `<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(p.title)}</title>
${p.head ?? ''}<style>${p.css}</style>
</head>
<body${p.bodyClass ? ` class="${p.bodyClass}"` : ''}>
${p.body}
</body>
</html>`
}
