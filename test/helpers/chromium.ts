import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import jsQRModule from 'jsqr'
import { PNG } from 'pngjs'
import { chromium, type Browser } from 'playwright-core'

/** Debian's chromium; .ci/run installs it where missing. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Where browser tests write screenshots for a person to look at (gitignored). */
export const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots')

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true })
  return join(SCREENSHOTS, `${name}.png`)
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

// jsqr is CommonJS whose types declare an ES default export: take the function either way.
type Decode = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null
const jsQR: Decode = (jsQRModule as unknown as { default?: Decode }).default ?? (jsQRModule as unknown as Decode)

/** The text of the QR code in a PNG (an element screenshot), or undefined when none is found. */
export function decodeQr(png: Buffer): string | undefined {
  const image = PNG.sync.read(png)
  return jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height)?.data
}

export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } as const
export const PC = { viewport: { width: 1280, height: 800 } } as const
