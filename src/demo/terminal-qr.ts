import { networkInterfaces as systemInterfaces, type NetworkInterfaceInfo } from 'node:os'

/**
 * A URL as a QR code drawn in the terminal with Unicode half blocks (two rows of modules a line); the
 * `qrcode` package is loaded on the first code, not at start.
 */
export async function terminalQr(url: string): Promise<string> {
  const { default: QRCode } = await import('qrcode')
  return QRCode.toString(url, { type: 'utf8', margin: 2, errorCorrectionLevel: 'L' })
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1|0\.0\.0\.0)$/i

/** The machine's own IPv4 addresses on its networks (Wi-Fi, Ethernet), loopback and link-local left out. */
export function lanAddresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = systemInterfaces()): string[] {
  const found: string[] = []
  for (const list of Object.values(interfaces)) {
    for (const i of list ?? []) {
      if (i.family === 'IPv4' && !i.internal && !i.address.startsWith('169.254.')) found.push(i.address)
    }
  }
  return found
}

/**
 * A warning when PUBLIC_BASE_URL is a loopback address: a phone that scans the QR code would call
 * itself, not this machine. It names the LAN address(es) to use instead, keeping the port.
 */
export function loopbackWarning(publicBaseUrl: string, interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>): string | undefined {
  const url = new URL(publicBaseUrl)
  if (!LOOPBACK.test(url.hostname)) return undefined
  const lan = lanAddresses(interfaces)
  const port = url.port ? `:${url.port}` : ''
  const suggestion = lan.length
    ? `Use this machine's LAN address instead, e.g. PUBLIC_BASE_URL=${url.protocol}//${lan[0]}${port}${lan.length > 1 ? ` (also: ${lan.slice(1).join(', ')})` : ''}`
    : 'This machine has no LAN address right now: join the Wi-Fi the phone is on, then set PUBLIC_BASE_URL to its address'
  return `PUBLIC_BASE_URL is ${publicBaseUrl}, a loopback address: a phone cannot reach it. ${suggestion}.`
}

/** What a presenter's terminal shows at start: the QR code of a URL (the demo shop, a phone page) and the warning, if any. */
export async function phoneBanner(url: string, publicBaseUrl: string, interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>): Promise<string> {
  const warning = loopbackWarning(publicBaseUrl, interfaces)
  return `${await terminalQr(url)}\nScan with a phone on the same Wi-Fi: ${url}\n${warning ? `\nWARNING: ${warning}\n` : ''}`
}

/** What the terminal follows: the in-process event feed of every merchant (`app.feed`). */
export interface FeedOfEveryMerchant {
  subscribeAll(listener: (message: { kind: string; type?: string; subject?: string }, merchantId: string) => void): () => void
}

export interface PaymentQrOptions {
  /** The sandbox's public URL: the phone URLs are built on it. */
  publicBaseUrl: string
  /** Where the QR codes go (the terminal). */
  write: (text: string) => void
  /** At most one QR code this often (default 3 s); the payments created meanwhile are counted, the last one drawn. */
  intervalMs?: number
  /** Time and timers, for tests. */
  now?: () => number
  setTimer?: (run: () => void, ms: number) => () => void
}

const DEFAULT_QR_INTERVAL_MS = 3000

const realTimer = (run: () => void, ms: number) => {
  const timer = setTimeout(run, ms)
  timer.unref()
  return () => clearTimeout(timer)
}

/** The charge or agreement whose approval page an event opens: its `…_AUTHENTICATION_PENDING`. */
function waitingPayment(m: { kind: string; type?: string; subject?: string }): string | undefined {
  if (m.kind !== 'event' || !m.subject) return undefined
  return m.type === 'PAYMENT_CHARGE_AUTHENTICATION_PENDING' || m.type === 'PAYMENT_AGREEMENT_AUTHENTICATION_PENDING' ? m.subject : undefined
}

/**
 * Prints the phone-approval QR code of each charge or agreement as it starts waiting for its
 * consumer, so a presenter scans the last one created. Throttled: one code at once, then at most one
 * per interval, of the newest payment, saying how many were created meanwhile (a test suite run
 * against the sandbox prints a few codes, not thousands). Returns the function that stops it.
 */
export function printPaymentQrs(feed: FeedOfEveryMerchant, o: PaymentQrOptions): () => void {
  const interval = o.intervalMs ?? DEFAULT_QR_INTERVAL_MS
  const now = o.now ?? Date.now
  const setTimer = o.setTimer ?? realTimer
  let lastAt = -Infinity
  let cancel: (() => void) | undefined
  let newest: string | undefined
  let meanwhile = 0
  let stopped = false
  // Codes are drawn asynchronously; each waits for the one before, so they print in order.
  let printing: Promise<void> = Promise.resolve()

  const print = (id: string, others: number) => {
    lastAt = now()
    const url = `${o.publicBaseUrl}/checkout/${id}/phone`
    const what = id.startsWith('agr_') ? 'Payment agreement' : 'Payment charge'
    const more = others > 0 ? ` (${others} more created meanwhile; this is the newest)` : ''
    printing = printing
      .then(() => terminalQr(url))
      .then((qr) => {
        if (!stopped) o.write(`${qr}\n${what} ${id} waits for its consumer${more}. Scan to approve on a phone: ${url}\n`)
      })
      .catch(() => {})
  }
  const flush = () => {
    cancel = undefined
    if (newest === undefined || stopped) return
    const id = newest
    const others = meanwhile
    newest = undefined
    meanwhile = 0
    print(id, others)
  }
  const unsubscribe = feed.subscribeAll((m) => {
    const id = waitingPayment(m)
    if (id === undefined || stopped) return
    const since = now() - lastAt
    if (cancel === undefined && since >= interval) return print(id, 0)
    if (newest !== undefined) meanwhile++
    newest = id
    cancel ??= setTimer(flush, Math.max(0, interval - since))
  })
  return () => {
    stopped = true
    unsubscribe()
    cancel?.()
  }
}
