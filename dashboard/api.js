// The dashboard is a client of the sandbox's API like any other: every call carries the merchant's
// `Authorization` and `Merchant-Id`, exactly as `Copy as curl` shows them.
import { shellQuote } from './format.js'

export const config = JSON.parse(document.getElementById('sandbox-config')?.textContent || '{}')

const KEY = 'sandbox-dashboard.key'
/** With API_KEYS unset any non-empty key is accepted; this one names the caller in logs. */
const ANY_KEY = 'sk_dashboard'

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message)
    this.status = status
    this.body = body
  }
}

/** The key is kept in sessionStorage: for this tab only, gone when it closes. */
export const session = {
  merchantId: '',
  get key() {
    return config.apiKeysRequired ? (sessionStorage.getItem(KEY) ?? '') : ANY_KEY
  },
  setKey(key) {
    if (key) sessionStorage.setItem(KEY, key)
    else sessionStorage.removeItem(KEY)
  },
  get ready() {
    return this.merchantId !== '' && this.key !== ''
  },
}

function headers(body, extra) {
  const h = { authorization: `Bearer ${session.key}`, 'merchant-id': session.merchantId, ...extra }
  if (body !== undefined) h['content-type'] = 'application/json'
  return h
}

export async function call(method, path, body, extra = {}) {
  const res = await fetch(path, { method, headers: headers(body, extra), body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  let json
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    json = undefined
  }
  if (!res.ok) {
    const message = json?.failureMessage ?? json?.message ?? `HTTP ${res.status}`
    throw new ApiError(res.status, message, json)
  }
  return json
}

export const get = (path) => call('GET', path)
/**
 * A read of PPRO's own routes (`GET /v1/…`) that the merchant's request journal and stream leave out
 * (`Sandbox-Journal: off`): the page's refreshes are not the merchant's integration talking to PPRO.
 */
export const read = (path) => call('GET', path, undefined, { 'sandbox-journal': 'off' })
export const post = (path, body) => call('POST', path, body)
export const del = (path) => call('DELETE', path)

/** `?a=1&b=2` from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}

/** The call as a curl command a developer can paste into a terminal. */
export function curl(method, path, body, idempotencyKey) {
  const url = new URL(path, location.origin).href
  const parts = [
    `curl -sS -X ${method} ${shellQuote(url)}`,
    `-H ${shellQuote(`Authorization: Bearer ${session.key}`)}`,
    `-H ${shellQuote(`Merchant-Id: ${session.merchantId}`)}`,
  ]
  if (idempotencyKey) parts.push(`-H ${shellQuote(`Request-Idempotency-Key: ${idempotencyKey}`)}`)
  if (body !== undefined)
    parts.push(`-H 'Content-Type: application/json'`, `--data-raw ${shellQuote(typeof body === 'string' ? body : JSON.stringify(body))}`)
  return parts.join(' \\\n  ')
}

/** A webhook delivery as curl: the exact body and signature headers the receiver got. */
export function deliveryCurl(delivery, attempt) {
  const headers = attempt?.headers ?? delivery.headers
  const parts = [`curl -sS -X POST ${shellQuote(delivery.url ?? 'http://localhost:3000/webhooks')}`]
  for (const [name, value] of Object.entries(headers)) parts.push(`-H ${shellQuote(`${name}: ${value}`)}`)
  parts.push(`--data-raw ${shellQuote(delivery.body)}`)
  return parts.join(' \\\n  ')
}
