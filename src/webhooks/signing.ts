import { createHash, createHmac } from 'node:crypto'

/** PPRO's documented scheme: `Webhook-Signature: hex(sha256(rawBody + "." + secret))`. */
export function webhookSignature(rawBody: string, secret: string): string {
  return createHash('sha256').update(`${rawBody}.${secret}`).digest('hex')
}

/** PPRO's HMAC scheme: `PPRO-Signature: t=<unix seconds>,s=hex(hmac_sha256(secret, t + "." + rawBody))`. */
export function pproSignature(rawBody: string, secret: string, unixSeconds: number): string {
  const s = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex')
  return `t=${unixSeconds},s=${s}`
}
