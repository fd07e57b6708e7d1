import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

/** PPRO's documented scheme: `Webhook-Signature: hex(sha256(rawBody + "." + secret))`. */
export function webhookSignature(rawBody: string, secret: string): string {
  return createHash('sha256').update(`${rawBody}.${secret}`).digest('hex')
}

/** PPRO's HMAC scheme: `PPRO-Signature: t=<unix seconds>,s=hex(hmac_sha256(secret, t + "." + rawBody))`. */
export function pproSignature(rawBody: string, secret: string, unixSeconds: number): string {
  const s = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex')
  return `t=${unixSeconds},s=${s}`
}

/** Both signature headers PPRO sends with a webhook, for a body signed at `unixSeconds` (default: now). */
export function signWebhook(
  rawBody: string,
  secret: string,
  unixSeconds = Math.floor(Date.now() / 1000),
): { 'webhook-signature': string; 'ppro-signature': string } {
  return { 'webhook-signature': webhookSignature(rawBody, secret), 'ppro-signature': pproSignature(rawBody, secret, unixSeconds) }
}

export interface VerifyOptions {
  /** How old a `PPRO-Signature` timestamp may be, in seconds (default 300); 0 turns the check off. */
  toleranceSeconds?: number
  /** The receiver's current Unix time in seconds (default: now). */
  nowSeconds?: number
}

export type VerifyResult = { ok: true } | { ok: false; reason: string }

const equal = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

/**
 * What a merchant's receiver does with a webhook: both signatures must match the raw body, and the
 * `PPRO-Signature` timestamp must be recent. `headers` may be any casing of the header names.
 */
export function verifyWebhook(
  rawBody: string | Buffer,
  headers: Record<string, string | string[] | undefined>,
  secret: string,
  options: VerifyOptions = {},
): VerifyResult {
  const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8')
  const header = (name: string) => {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name)
    const value = key === undefined ? undefined : headers[key]
    return Array.isArray(value) ? value[0] : value
  }
  const plain = header('webhook-signature')
  if (!plain) return { ok: false, reason: 'no Webhook-Signature header' }
  if (!equal(plain, webhookSignature(body, secret))) return { ok: false, reason: 'Webhook-Signature does not match the body' }
  const hmac = header('ppro-signature')
  if (!hmac) return { ok: false, reason: 'no PPRO-Signature header' }
  const m = /^t=(\d+),s=([0-9a-f]{64})$/.exec(hmac)
  if (!m) return { ok: false, reason: 'PPRO-Signature is not of the form t=<unix seconds>,s=<hex>' }
  const t = Number(m[1])
  if (!equal(hmac, pproSignature(body, secret, t))) return { ok: false, reason: 'PPRO-Signature does not match the body' }
  const tolerance = options.toleranceSeconds ?? 300
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000)
  if (tolerance > 0 && Math.abs(now - t) > tolerance) {
    return { ok: false, reason: `PPRO-Signature timestamp ${t} is ${now - t} s from now, outside the ${tolerance} s tolerance` }
  }
  return { ok: true }
}
