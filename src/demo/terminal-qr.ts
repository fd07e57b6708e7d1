import { networkInterfaces as systemInterfaces, type NetworkInterfaceInfo } from 'node:os'
import QRCode from 'qrcode'

/** A URL as a QR code drawn in the terminal with Unicode half blocks (two rows of modules a line). */
export function terminalQr(url: string): Promise<string> {
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
