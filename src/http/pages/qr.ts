const CACHE_SIZE = 256
const cache = new Map<string, string>()

/**
 * The QR code of a URL as an inline SVG (the `qrcode` package, loaded on the first code rather than at
 * start). A page that reloads every second asks for the same code each time, so the last few are kept.
 */
export async function qrSvg(text: string): Promise<string> {
  const hit = cache.get(text)
  if (hit !== undefined) return hit
  const { default: QRCode } = await import('qrcode')
  const svg = await QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' })
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!)
  cache.set(text, svg)
  return svg
}
