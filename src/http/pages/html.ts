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
