/** One HTTP POST of a webhook. Injected into buildApp so tests can observe or replace the network. */
export interface WebhookRequest {
  url: string
  headers: Record<string, string>
  body: string
  timeoutMs: number
}

/** Resolves with the receiver's status; rejects on a refused connection, a timeout or a bad URL. */
export type WebhookTransport = (request: WebhookRequest) => Promise<{ status: number }>

/** Node's own HTTP client (undici, behind `fetch`); redirects are not followed, as a 3xx is no acknowledgement. */
export const fetchTransport: WebhookTransport = async ({ url, headers, body, timeoutMs }) => {
  const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
  await res.body?.cancel().catch(() => undefined)
  return { status: res.status }
}
