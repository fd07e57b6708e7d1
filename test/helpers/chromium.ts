import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import jsQRModule from 'jsqr'
import { PNG } from 'pngjs'
import { chromium, type Browser, type Page } from 'playwright-core'

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

/**
 * Reads a page that reloads itself (the approval page's waiting screens, an order waiting for its
 * webhook): a read that a reload interrupts is made again, a few times at most.
 */
export async function steady<T>(read: () => Promise<T>, tries = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read()
    } catch (err) {
      if (
        attempt >= tries ||
        !/Execution context was destroyed|navigat|Target page, context or browser has been closed|frame was detached/i.test(String(err))
      )
        throw err
    }
  }
}

/**
 * Clicks on a page that reloads itself every second until `done` resolves: a click that lands as the
 * page is being replaced is lost, so it is made again (three times at most, each waited for 4 s).
 */
export async function clickUntil(page: Page, selector: string, done: (timeout: number) => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await steady(() => page.click(selector, { timeout: 4000 }))
    try {
      await done(4000)
      return
    } catch (err) {
      if (attempt >= 3) throw err
    }
  }
}
