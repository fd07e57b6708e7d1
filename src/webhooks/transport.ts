/** One HTTP POST of a webhook. Injected into buildApp so tests can observe or replace the network. */
export interface WebhookRequest {
  url: string
  headers: Record<string, string>
  body: string
  timeoutMs: number
}

/**
 * Resolves with the receiver's status (and, optionally, the first bytes of its answer, for the event
 * feed); rejects on a refused connection, a timeout or a bad URL.
 */
export type WebhookTransport = (request: WebhookRequest) => Promise<{ status: number; body?: string }>

/** How much of a receiver's answer is kept: enough to read an error message. */
export const RESPONSE_PREVIEW_BYTES = 512

/** Node's own HTTP client (undici, behind `fetch`); redirects are not followed, as a 3xx is no acknowledgement. */
export const fetchTransport: WebhookTransport = async ({ url, headers, body, timeoutMs }) => {
  const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
  return { status: res.status, body: await preview(res) }
}

/** The first RESPONSE_PREVIEW_BYTES of a body, then the rest is dropped unread. */
async function preview(res: Response): Promise<string> {
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < RESPONSE_PREVIEW_BYTES) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
  } catch {
    // A receiver that resets after its status line still answered it.
  } finally {
    await reader.cancel().catch(() => undefined)
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_PREVIEW_BYTES).toString('utf8')
}
